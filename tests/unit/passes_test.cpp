// Graph passes on small graphs: each rewrite happens where it is valid, is
// skipped where it is not, and leaves the outputs as the unoptimized graph's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "tests/unit/onnx_builder.hpp"
#include "vireo/vireo.hpp"

namespace pb = vireo::test::pb;
using vireo::DType;
using vireo::Tensor;

namespace {

constexpr int kFloat = 1;

std::vector<float> seq(size_t n, float scale, float offset) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = std::sin(float(i) * 1.7f) * scale + offset;
    return v;
}

// Loads the same bytes with and without the passes.
struct Both {
    vireo::Model optimized, plain;
    explicit Both(const std::string& bytes) {
        optimized = vireo::Model::from_buffer(bytes.data(), bytes.size());
        setenv("VIREO_OPTIMIZE", "0", 1);
        plain = vireo::Model::from_buffer(bytes.data(), bytes.size());
        unsetenv("VIREO_OPTIMIZE");
    }
    void expect_same_outputs(const vireo::NamedTensors& in, float tol = 1e-5f) {
        auto a = vireo::Session(optimized, {.threads = 1}).run(in);
        auto b = vireo::Session(plain, {.threads = 1}).run(in);
        ASSERT_EQ(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            ASSERT_EQ(a[i].shape(), b[i].shape());
            for (int64_t k = 0; k < a[i].numel(); ++k)
                ASSERT_NEAR(a[i].data<float>()[k], b[i].data<float>()[k], tol * (1 + std::fabs(b[i].data<float>()[k])))
                    << "output " << i << " element " << k;
        }
    }
};

// Nodes after the passes, not counting the Transposes the layout pass puts at
// NCHW boundaries (tested separately).
size_t compute_nodes(const vireo::Model& m) {
    size_t n = 0;
    for (auto& [op, count] : m.optimized_op_histogram())
        if (op != "Transpose") n += size_t(count);
    return n;
}

Tensor input(vireo::Shape s) {
    Tensor t = Tensor::zeros(DType::Float32, s);
    auto v = seq(size_t(t.numel()), 2.0f, 0.1f);
    std::copy(v.begin(), v.end(), t.data<float>());
    return t;
}

// x[1,3,6,6] -> Conv(4 out, 3x3, pad 1) -> BatchNormalization -> <act> -> y
pb::Graph conv_bn_act(const std::string& act, std::vector<pb::Attr> act_attrs = {}, std::vector<std::string> act_extra = {}) {
    pb::Graph g;
    g.input(pb::value_info("x", kFloat, {1, 3, 6, 6}));
    g.initializer(pb::tensor_f32("w", {4, 3, 3, 3}, seq(108, 0.5f, 0.f)));
    g.initializer(pb::tensor_f32("b", {4}, seq(4, 0.2f, 0.f)));
    g.initializer(pb::tensor_f32("scale", {4}, seq(4, 0.3f, 1.f)));
    g.initializer(pb::tensor_f32("shift", {4}, seq(4, 0.4f, 0.f)));
    g.initializer(pb::tensor_f32("mean", {4}, seq(4, 0.5f, 0.1f)));
    g.initializer(pb::tensor_f32("var", {4}, seq(4, 0.2f, 1.f)));
    g.node("Conv", {"x", "w", "b"}, {"c"}, {pb::Attr::ints("pads", {1, 1, 1, 1})});
    g.node("BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"n"}, {pb::Attr::f("epsilon", 1e-3f)});
    std::vector<std::string> in = {"n"};
    in.insert(in.end(), act_extra.begin(), act_extra.end());
    g.node(act, in, {"y"}, act_attrs);
    g.output(pb::value_info("y", kFloat, {1, 4, 6, 6}));
    return g;
}

}  // namespace

TEST(Passes, ConvBatchNormReluBecomesOneConv) {
    Both m(pb::model(conv_bn_act("Relu")));
    EXPECT_EQ(compute_nodes(m.plain), 3u);
    EXPECT_EQ(compute_nodes(m.optimized), 1u);
    EXPECT_EQ(m.optimized.node_count(), 3u);  // the file's view is unchanged
    m.expect_same_outputs({{"x", input({1, 3, 6, 6})}});
}

TEST(Passes, ClipWithConstantBoundsFuses) {
    pb::Graph g = conv_bn_act("Clip", {}, {"lo", "hi"});
    g.initializer(pb::tensor_f32("lo", {}, {0.f}));
    g.initializer(pb::tensor_f32("hi", {}, {6.f}));
    Both m(pb::model(g));
    EXPECT_EQ(compute_nodes(m.optimized), 1u);
    m.expect_same_outputs({{"x", input({1, 3, 6, 6})}});
}

TEST(Passes, EveryFusableActivationMatches) {
    for (auto& [op, attrs] : std::vector<std::pair<std::string, std::vector<pb::Attr>>>{
             {"LeakyRelu", {pb::Attr::f("alpha", 0.1f)}},
             {"Sigmoid", {}},
             {"HardSigmoid", {pb::Attr::f("alpha", 0.3f), pb::Attr::f("beta", 0.4f)}},
             {"HardSwish", {}}}) {
        SCOPED_TRACE(op);
        Both m(pb::model(conv_bn_act(op, attrs), op == "HardSwish" ? 14 : 13));
        EXPECT_EQ(compute_nodes(m.optimized), 1u);
        m.expect_same_outputs({{"x", input({1, 3, 6, 6})}});
    }
}

TEST(Passes, NoFusionWhenTheConvOutputHasAnotherReader) {
    pb::Graph g = conv_bn_act("Relu");
    g.output(pb::value_info("n", kFloat, {1, 4, 6, 6}));  // the BatchNorm output is seen by the caller
    Both m(pb::model(g));
    EXPECT_EQ(compute_nodes(m.optimized), 2u);  // BN folds, Relu stays
    m.expect_same_outputs({{"x", input({1, 3, 6, 6})}});
}

TEST(Passes, NoBatchNormFoldingWithRuntimeStatistics) {
    pb::Graph g;
    g.input(pb::value_info("x", kFloat, {1, 2, 4, 4}));
    g.input(pb::value_info("mean", kFloat, {2}));
    g.initializer(pb::tensor_f32("w", {2, 2, 1, 1}, seq(4, 1.f, 0.f)));
    g.initializer(pb::tensor_f32("scale", {2}, {1.f, 2.f}));
    g.initializer(pb::tensor_f32("shift", {2}, {0.f, 1.f}));
    g.initializer(pb::tensor_f32("var", {2}, {1.f, 3.f}));
    g.node("Conv", {"x", "w"}, {"c"});
    g.node("BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"y"});
    g.output(pb::value_info("y", kFloat, {1, 2, 4, 4}));
    Both m(pb::model(g));
    EXPECT_EQ(compute_nodes(m.optimized), 2u);
    m.expect_same_outputs({{"x", input({1, 2, 4, 4})}, {"mean", Tensor::from_vector<float>({2}, {0.5f, -1.f})}});
}

TEST(Passes, IdentityAndDropoutAreRemovedButGraphOutputsKept) {
    pb::Graph g;
    g.input(pb::value_info("x", kFloat, {8}));
    g.node("Identity", {"x"}, {"a"}).node("Dropout", {"a"}, {"b"}).node("Neg", {"b"}, {"c"});
    g.node("Identity", {"c"}, {"y"});
    g.output(pb::value_info("y", kFloat, {8}));
    Both m(pb::model(g));
    EXPECT_EQ(compute_nodes(m.optimized), 2u);  // Neg, and the Identity that produces the output
    m.expect_same_outputs({{"x", input({8})}});
}

TEST(Passes, ConstantNodesBecomeInitializersSoClipFuses) {
    pb::Graph g = conv_bn_act("Clip", {}, {"lo", "hi"});
    g.node("Constant", {}, {"lo"}, {pb::Attr::f("value_float", 0.f)});
    g.node("Constant", {}, {"hi"}, {pb::Attr::f("value_float", 6.f)});
    // Constant nodes come after their reader here; import sorts the graph first.
    Both m(pb::model(g));
    EXPECT_EQ(compute_nodes(m.optimized), 1u);
    m.expect_same_outputs({{"x", input({1, 3, 6, 6})}});
}

TEST(Passes, LayoutPassTransposesOnlyAtTheBoundaries) {
    // Conv -> Relu -> MaxPool -> Add(const [4,1,1]) -> Concat(axis 1) with itself: all channels-last,
    // so one Transpose in and one out.
    pb::Graph g;
    g.input(pb::value_info("x", kFloat, {1, 3, 8, 8}));
    g.initializer(pb::tensor_f32("w", {4, 3, 3, 3}, seq(108, 0.5f, 0.f)));
    g.initializer(pb::tensor_f32("bias", {4, 1, 1}, {1.f, -1.f, 0.5f, 2.f}));
    g.node("Conv", {"x", "w"}, {"c"}, {pb::Attr::ints("pads", {1, 1, 1, 1})});
    g.node("Relu", {"c"}, {"r"});
    g.node("MaxPool", {"r"}, {"p"}, {pb::Attr::ints("kernel_shape", {2, 2}), pb::Attr::ints("strides", {2, 2})});
    g.node("Add", {"p", "bias"}, {"a"});
    g.node("Concat", {"a", "a"}, {"y"}, {pb::Attr::i("axis", 1)});
    g.output(pb::value_info("y", kFloat, {1, 8, 4, 4}));
    std::string bytes = pb::model(g);
    setenv("VIREO_LAYOUT", "nhwc", 1);
    Both m(bytes);
    unsetenv("VIREO_LAYOUT");
    int transposes = 0;
    for (auto& [op, n] : m.optimized.optimized_op_histogram())
        if (op == "Transpose") transposes = n;
    EXPECT_EQ(transposes, 2);
    m.expect_same_outputs({{"x", input({1, 3, 8, 8})}});
}
