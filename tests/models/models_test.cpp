// vireo — end-to-end tests on the small real models of tests/models: four
// networks with the shapes of the MLPerf Tiny benchmark (seeded random
// weights, made by make_models.py), checked against ONNX Runtime 1.30's
// outputs (made by tools/ort/ort_run.js). See tests/models/README.md.
//
// Finds the files through the compile definition VIREO_SOURCE_DIR (the
// repository root); without it, through the environment variable of the same
// name, else the current directory.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "vireo/vireo.hpp"

namespace {

using vireo::DType;
using vireo::Tensor;

struct ModelCase {
    const char* name;
    const char* input;
    std::vector<int64_t> input_shape;  // declared; -1 is the symbolic "batch"
    const char* output;
    std::vector<int64_t> output_shape;
    // Node count per op type as exported, without Constant nodes (an importer
    // may or may not keep those as nodes).
    std::map<std::string, int> ops;
};

// So a failure names the model instead of dumping the struct's bytes.
void PrintTo(const ModelCase& c, std::ostream* os) { *os << c.name; }

const std::vector<ModelCase>& cases() {
    static const std::vector<ModelCase> c = {
        {"kws_dscnn", "mfcc", {-1, 1, 49, 10}, "logits", {-1, 12},
         {{"AveragePool", 1}, {"Conv", 9}, {"Flatten", 1}, {"Gemm", 1}, {"Relu", 9}}},
        {"vww_mobilenetv1", "image", {-1, 3, 96, 96}, "probabilities", {-1, 2},
         {{"Clip", 27}, {"Conv", 27}, {"Flatten", 1}, {"Gemm", 1}, {"GlobalAveragePool", 1}, {"Softmax", 1}}},
        {"ic_resnet8", "image", {-1, 3, 32, 32}, "logits", {-1, 10},
         {{"Add", 3}, {"AveragePool", 1}, {"Conv", 9}, {"Flatten", 1}, {"Gemm", 1}, {"Relu", 7}}},
        {"ad_autoencoder", "features", {-1, 640}, "reconstruction", {-1, 640},
         {{"BatchNormalization", 9}, {"Gemm", 10}, {"Relu", 9}}},
    };
    return c;
}

std::string source_dir() {
#ifdef VIREO_SOURCE_DIR
    return VIREO_SOURCE_DIR;
#else
    const char* env = std::getenv("VIREO_SOURCE_DIR");
    return env && *env ? env : ".";
#endif
}

std::string model_dir(const ModelCase& c) { return source_dir() + "/tests/models/" + c.name; }

vireo::Options with_threads(int n) {
    vireo::Options o;
    o.threads = n;
    return o;
}

std::string file(const ModelCase& c, const std::string& f) { return model_dir(c) + "/" + f; }

std::string shape_string(const std::vector<int64_t>& s) {
    std::ostringstream os;
    os << '[';
    for (size_t i = 0; i < s.size(); ++i) os << (i ? "," : "") << s[i];
    os << ']';
    return os.str();
}

// Output vs reference: max |out - ref| / max |ref| <= 1e-4, and every element
// within |out - ref| <= atol + rtol * |ref| (rtol 1e-3, atol 1e-5).
::testing::AssertionResult close_to_reference(const Tensor& out, const Tensor& ref) {
    constexpr double kRelMax = 1e-4, kRtol = 1e-3, kAtol = 1e-5;
    if (out.dtype() != DType::Float32 || ref.dtype() != DType::Float32)
        return ::testing::AssertionFailure() << "dtype " << vireo::dtype_name(out.dtype()) << " vs reference "
                                             << vireo::dtype_name(ref.dtype()) << ", want float32";
    if (out.shape() != ref.shape())
        return ::testing::AssertionFailure() << "shape " << shape_string(out.shape()) << " vs reference "
                                             << shape_string(ref.shape());
    const float* o = out.data<float>();
    const float* r = ref.data<float>();
    const int64_t n = ref.numel();
    double max_ref = 0, max_err = 0;
    int64_t max_at = 0, bad = 0, first_bad = -1;
    for (int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(o[i]))
            return ::testing::AssertionFailure() << "non-finite output " << o[i] << " at flat index " << i;
        const double err = std::fabs(double(o[i]) - double(r[i]));
        max_ref = std::max(max_ref, std::fabs(double(r[i])));
        if (err > max_err) max_err = err, max_at = i;
        if (err > kAtol + kRtol * std::fabs(double(r[i]))) {
            if (first_bad < 0) first_bad = i;
            ++bad;
        }
    }
    const double rel = max_ref > 0 ? max_err / max_ref : max_err;
    if (rel > kRelMax || bad) {
        auto f = ::testing::AssertionFailure();
        f << "max abs error " << max_err << " at " << max_at << " (got " << o[max_at] << ", want " << r[max_at]
          << "), max|ref| " << max_ref << ", ratio " << rel << " (limit " << kRelMax << "); " << bad << " of " << n
          << " elements outside rtol " << kRtol << " atol " << kAtol;
        if (first_bad >= 0) f << ", first at " << first_bad << " (got " << o[first_bad] << ", want " << r[first_bad] << ")";
        return f;
    }
    return ::testing::AssertionSuccess();
}

// Rows [row, row+1) of a tensor whose first dim is the batch.
Tensor batch_row(const Tensor& t, int64_t row) {
    vireo::Shape s = t.shape();
    const int64_t per = t.numel() / s[0];
    s[0] = 1;
    Tensor r = Tensor::zeros(t.dtype(), s);
    const size_t bytes = size_t(per) * vireo::dtype_size(t.dtype());
    std::memcpy(r.raw(), static_cast<const char*>(t.raw()) + size_t(row) * bytes, bytes);
    return r;
}

void expect_declared(const vireo::ValueInfo& v, const std::string& name, const std::vector<int64_t>& shape) {
    EXPECT_EQ(v.name, name);
    EXPECT_EQ(v.dtype, DType::Float32) << vireo::dtype_name(v.dtype);
    EXPECT_TRUE(v.has_shape);
    EXPECT_EQ(v.shape, shape) << shape_string(v.shape);
    ASSERT_EQ(v.dim_names.size(), v.shape.size()) << v.name;
    EXPECT_EQ(v.dim_names[0], "batch");
}

class RealModel : public ::testing::TestWithParam<ModelCase> {};

TEST_P(RealModel, FilesPresent) {
    const ModelCase& c = GetParam();
    for (const char* f : {"model.onnx", "input_0.npy", "input_0_batch2.npy", "ort_output_0.npy",
                          "ort_output_0_batch2.npy"})
        EXPECT_TRUE(std::filesystem::is_regular_file(file(c, f))) << file(c, f);
    std::error_code ec;
    const auto size = std::filesystem::file_size(file(c, "model.onnx"), ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_LT(size, 2u << 20);
}

TEST_P(RealModel, DeclaredInterface) {
    const ModelCase& c = GetParam();
    vireo::Model m = vireo::Model::load(file(c, "model.onnx"));
    EXPECT_EQ(m.opset(), 13);
    EXPECT_GE(m.ir_version(), 7);
    EXPECT_NE(m.producer().find("pytorch"), std::string::npos) << m.producer();

    ASSERT_EQ(m.inputs().size(), 1u);
    expect_declared(m.inputs()[0], c.input, c.input_shape);
    ASSERT_EQ(m.outputs().size(), 1u);
    expect_declared(m.outputs()[0], c.output, c.output_shape);

    std::map<std::string, int> ops;
    size_t constants = 0;
    for (const auto& [op, n] : m.op_histogram()) {
        if (op == "Constant") constants += size_t(n);
        else ops[op] = n;
    }
    EXPECT_EQ(ops, c.ops);
    size_t expected_nodes = 0;
    for (const auto& [op, n] : c.ops) expected_nodes += size_t(n);
    EXPECT_EQ(m.node_count(), expected_nodes + constants);

    vireo::Session s(m);
    ASSERT_EQ(s.inputs().size(), 1u);
    EXPECT_EQ(s.inputs()[0].name, c.input);
    EXPECT_EQ(s.inputs()[0].shape, c.input_shape);
    ASSERT_EQ(s.outputs().size(), 1u);
    EXPECT_EQ(s.outputs()[0].name, c.output);
}

// Batch 1 and batch 2 (the symbolic dim bound to two values in one session),
// then batch 1 again so a cached plan is reused after another shape's.
TEST_P(RealModel, MatchesOnnxRuntime) {
    const ModelCase& c = GetParam();
    vireo::Model m = vireo::Model::load(file(c, "model.onnx"));
    Tensor x1 = vireo::load_npy(file(c, "input_0.npy"));
    Tensor x2 = vireo::load_npy(file(c, "input_0_batch2.npy"));
    Tensor r1 = vireo::load_npy(file(c, "ort_output_0.npy"));
    Tensor r2 = vireo::load_npy(file(c, "ort_output_0_batch2.npy"));
    ASSERT_EQ(x1.dim(0), 1);
    ASSERT_EQ(x2.dim(0), 2);

    vireo::Session s(m);
    std::vector<Tensor> y1 = s.run(vireo::NamedTensors{{c.input, x1}});
    ASSERT_EQ(y1.size(), 1u);
    EXPECT_TRUE(close_to_reference(y1[0], r1)) << c.name << " batch 1";

    std::vector<Tensor> y2 = s.run(std::vector<Tensor>{x2});
    ASSERT_EQ(y2.size(), 1u);
    EXPECT_TRUE(close_to_reference(y2[0], r2)) << c.name << " batch 2";

    std::vector<Tensor> y1b = s.run(std::vector<Tensor>{x1});
    ASSERT_EQ(y1b.size(), 1u);
    EXPECT_TRUE(close_to_reference(y1b[0], r1)) << c.name << " batch 1 after batch 2";
}

// Each row of the batch-2 input run alone gives that row of the batch-2 output.
TEST_P(RealModel, BatchRowsIndependent) {
    const ModelCase& c = GetParam();
    vireo::Model m = vireo::Model::load(file(c, "model.onnx"));
    Tensor x2 = vireo::load_npy(file(c, "input_0_batch2.npy"));
    Tensor r2 = vireo::load_npy(file(c, "ort_output_0_batch2.npy"));
    vireo::Session s(m, with_threads(1));
    for (int64_t row = 0; row < 2; ++row) {
        std::vector<Tensor> y = s.run(std::vector<Tensor>{batch_row(x2, row)});
        ASSERT_EQ(y.size(), 1u);
        EXPECT_TRUE(close_to_reference(y[0], batch_row(r2, row))) << c.name << " row " << row;
    }
}

// One and two threads, and two sessions sharing one Model.
TEST_P(RealModel, ThreadCounts) {
    const ModelCase& c = GetParam();
    vireo::Model m = vireo::Model::load(file(c, "model.onnx"));
    Tensor x2 = vireo::load_npy(file(c, "input_0_batch2.npy"));
    Tensor r2 = vireo::load_npy(file(c, "ort_output_0_batch2.npy"));
    vireo::Session s1(m, with_threads(1));
    vireo::Session s2(m, with_threads(2));
    EXPECT_EQ(s1.threads(), 1);
    EXPECT_EQ(s2.threads(), 2);
    std::vector<Tensor> a = s1.run(std::vector<Tensor>{x2});
    std::vector<Tensor> b = s2.run(std::vector<Tensor>{x2});
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_TRUE(close_to_reference(a[0], r2)) << c.name << " 1 thread";
    EXPECT_TRUE(close_to_reference(b[0], r2)) << c.name << " 2 threads";
}

// A wrong batch-independent dim is refused with a vireo::Error, not a crash.
TEST_P(RealModel, RejectsWrongShape) {
    const ModelCase& c = GetParam();
    vireo::Model m = vireo::Model::load(file(c, "model.onnx"));
    vireo::Shape bad = c.input_shape;
    bad[0] = 1;
    bad.back() += 1;
    vireo::Session s(m);
    EXPECT_THROW(s.run(std::vector<Tensor>{Tensor::zeros(DType::Float32, bad)}), vireo::Error);
    EXPECT_THROW(s.run(vireo::NamedTensors{{"no_such_input", Tensor::zeros(DType::Float32, bad)}}), vireo::Error);
}

INSTANTIATE_TEST_SUITE_P(MlperfTiny, RealModel, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<ModelCase>& i) { return std::string(i.param.name); });

}  // namespace
