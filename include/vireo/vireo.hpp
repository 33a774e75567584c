// vireo — public API. Include this one header.
//
//   vireo::Model model = vireo::Model::load("model.onnx");
//   vireo::Session session(model, {.threads = 2});
//   std::vector<vireo::Tensor> out = session.run({{"input", x}});
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vireo/error.hpp"
#include "vireo/tensor.hpp"

namespace vireo {

// A graph input or output as declared in the model. Symbolic or unknown
// dimensions are -1 in `shape`, with their name (possibly empty) in `dim_names`.
struct ValueInfo {
    std::string name;
    DType dtype = DType::Undefined;
    std::vector<int64_t> shape;
    std::vector<std::string> dim_names;
    bool has_shape = false;  // false when the model declares no shape at all
};

struct Options {
    int threads = 0;       // 0: VIREO_NUM_THREADS if set, else the number of physical cores
    std::string isa;       // "" : VIREO_ISA if set, else the best the CPU has; or scalar|avx2|avx512|neon
    uint64_t max_tensor_bytes = kDefaultMaxTensorBytes;  // cap on any one tensor
};

namespace rt { struct ModelData; class SessionImpl; }

// An imported, validated ONNX model. Cheap to copy (shared, immutable).
class Model {
public:
    // Memory-maps the file; raw_data initializers stay views into the mapping.
    static Model load(const std::string& path);
    // Parses a model held in memory. The bytes are copied once, so the caller's
    // buffer need not outlive the call. External data is resolved against base_dir
    // (empty: external data is refused).
    static Model from_buffer(const void* data, size_t size, const std::string& base_dir = "");

    const std::vector<ValueInfo>& inputs() const;   // graph inputs not fed by initializers
    const std::vector<ValueInfo>& outputs() const;
    int opset() const;                               // ai.onnx opset imported
    int64_t ir_version() const;
    std::string producer() const;
    // Node count per op type as in the file, sorted by op type.
    std::vector<std::pair<std::string, int>> op_histogram() const;
    size_t node_count() const;
    // The same after vireo's graph passes (identity removal, folding, fusion, layout).
    std::vector<std::pair<std::string, int>> optimized_op_histogram() const;
    size_t optimized_node_count() const;

    const std::shared_ptr<const rt::ModelData>& data() const { return data_; }

private:
    std::shared_ptr<const rt::ModelData> data_;
};

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Per-op-type timing of the last run() when profiling is on.
struct OpProfile {
    std::string op_type;
    int64_t calls = 0;
    double total_ms = 0;
};

// Runs a Model. A session owns its thread arena and its memory plans; a plan is
// built per distinct set of input shapes and cached. Not thread-safe: use one
// session per concurrent caller (sessions share the Model's weights).
class Session {
public:
    explicit Session(const Model& model, const Options& options = {});
    ~Session();
    Session(Session&&) noexcept;
    Session& operator=(Session&&) noexcept;

    // Inputs by name; returns the graph outputs in declaration order.
    std::vector<Tensor> run(const NamedTensors& inputs);
    // Inputs in the order of inputs().
    std::vector<Tensor> run(const std::vector<Tensor>& inputs);

    const std::vector<ValueInfo>& inputs() const;
    const std::vector<ValueInfo>& outputs() const;
    int threads() const;
    std::string isa() const;
    // Bytes of the activation arena planned for the last input shapes.
    size_t arena_bytes() const;

    void set_profiling(bool on);
    std::vector<OpProfile> profile() const;  // accumulated since profiling was turned on

private:
    std::unique_ptr<rt::SessionImpl> impl_;
};

// Tensor files: numpy .npy (v1-3, little-endian, C order) and ONNX TensorProto .pb.
Tensor load_npy(const std::string& path);
void save_npy(const std::string& path, const Tensor& t);
Tensor load_tensor_pb(const std::string& path);
// Detects .npy or TensorProto by content. If `name` is given, a TensorProto's name is stored there.
Tensor load_tensor_file(const std::string& path, std::string* name = nullptr);

}  // namespace vireo
