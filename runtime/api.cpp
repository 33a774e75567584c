// vireo::Model and vireo::Session: thin public faces over ModelData and SessionImpl.
#include <cstdlib>
#include <cstring>
#include <map>

#include "runtime/exec/session_impl.hpp"
#include "runtime/graph/model_data.hpp"
#include "runtime/onnx/mapped_file.hpp"
#include "vireo/vireo.hpp"

namespace vireo {

namespace {
std::string dir_of(const std::string& path) {
    size_t s = path.rfind('/');
    if (s == std::string::npos) return ".";
    if (s == 0) return "/";
    return path.substr(0, s);
}
// VIREO_LAYOUT=nchw keeps the model's layout (for A/B comparisons and bisecting);
// =nhwc forces the channels-last pass.
rt::ImportOptions import_options() {
    rt::ImportOptions o;
    if (const char* env = std::getenv("VIREO_OPTIMIZE")) {
        std::string v = env;
        check(v == "0" || v == "1", "VIREO_OPTIMIZE='", v, "' must be 0 or 1");
        o.optimize = v == "1";
    }
    if (const char* env = std::getenv("VIREO_LAYOUT")) {
        std::string v = env;
        check(v == "nchw" || v == "nhwc", "VIREO_LAYOUT='", v, "' must be nchw or nhwc");
        o.layout_pass = v == "nhwc";
    }
    return o;
}

}  // namespace

Model Model::load(const std::string& path) {
    auto file = rt::MappedFile::open(path);
    Model m;
    try {
        m.data_ = rt::import_model(file->data, file->size, file, dir_of(path), /*allow_external=*/true, import_options());
    } catch (const Error& e) {
        fail("'", path, "': ", e.what());
    }
    return m;
}

Model Model::from_buffer(const void* data, size_t size, const std::string& base_dir) {
    check(data != nullptr || size == 0, "Model::from_buffer: null data");
    // One aligned copy, so initializers can be zero-copy views of it.
    void* p = std::aligned_alloc(64, (size + 64) / 64 * 64);
    check(p != nullptr, "out of memory copying a ", size, "-byte model");
    std::shared_ptr<const void> owner(p, [](const void* q) { std::free(const_cast<void*>(q)); });
    if (size) std::memcpy(p, data, size);
    Model m;
    m.data_ = rt::import_model(static_cast<const uint8_t*>(p), size, owner, base_dir, !base_dir.empty(), import_options());
    return m;
}

const std::vector<ValueInfo>& Model::inputs() const { return data_->inputs; }
const std::vector<ValueInfo>& Model::outputs() const { return data_->outputs; }
int Model::opset() const { return data_->opset; }
int64_t Model::ir_version() const { return data_->ir_version; }
std::string Model::producer() const { return data_->producer; }
size_t Model::node_count() const { return data_->source_node_count; }
size_t Model::optimized_node_count() const { return data_->nodes.size(); }

std::vector<std::pair<std::string, int>> Model::op_histogram() const {
    return {data_->source_histogram.begin(), data_->source_histogram.end()};
}

std::vector<std::pair<std::string, int>> Model::optimized_op_histogram() const {
    std::map<std::string, int> h;
    for (auto& n : data_->nodes) ++h[n.def.op_type];
    return {h.begin(), h.end()};
}

Session::Session(const Model& model, const Options& options) {
    check(model.data() != nullptr, "Session: the model is empty");
    impl_ = std::make_unique<rt::SessionImpl>(model.data(), options);
}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

std::vector<Tensor> Session::run(const NamedTensors& inputs) { return impl_->run_named(inputs); }
std::vector<Tensor> Session::run(const std::vector<Tensor>& inputs) { return impl_->run(inputs); }
const std::vector<ValueInfo>& Session::inputs() const { return impl_->model().inputs; }
const std::vector<ValueInfo>& Session::outputs() const { return impl_->model().outputs; }
int Session::threads() const { return impl_->threads(); }
std::string Session::isa() const { return kernels::isa_name(impl_->isa()); }
size_t Session::arena_bytes() const { return impl_->arena_bytes(); }
void Session::set_profiling(bool on) { impl_->set_profiling(on); }
std::vector<OpProfile> Session::profile() const { return impl_->profile(); }

}  // namespace vireo
