// Executor behaviour: arena reuse, plan caching across shapes, folding of
// shape chains, dynamic (value-dependent) shapes, thread-count independence.
#include <gtest/gtest.h>

#include <cstring>

#include "tests/unit/onnx_builder.hpp"
#include "vireo/vireo.hpp"

namespace pb = vireo::test::pb;
using vireo::DType;
using vireo::Tensor;

namespace {

constexpr int kFloat = 1, kInt64 = 7;

vireo::Model load(const std::string& bytes) { return vireo::Model::from_buffer(bytes.data(), bytes.size()); }

Tensor iota(vireo::Shape s) {
    Tensor t = Tensor::zeros(DType::Float32, s);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = float(i % 97) - 48.0f;
    return t;
}

}  // namespace

TEST(Runtime, ArenaReusesBuffersOfDeadValues) {
    // x -> Neg -> Neg -> Neg -> Neg -> Neg -> y: at most two intermediates live at once.
    pb::Graph g;
    g.input(pb::value_info("x", kFloat, {1000}));
    std::string prev = "x";
    for (int i = 0; i < 5; ++i) {
        std::string out = i == 4 ? "y" : "t" + std::to_string(i);
        g.node("Neg", {prev}, {out});
        prev = out;
    }
    g.output(pb::value_info("y", kFloat, {1000}));
    vireo::Session s(load(pb::model(g)), {.threads = 1});
    auto out = s.run({{"x", iota({1000})}});
    Tensor x = iota({1000});
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(out[0].data<float>()[i], -x.data<float>()[i]);
    // Four intermediates of 4000 bytes, but only two live at any time (y is not in the arena).
    EXPECT_EQ(s.arena_bytes(), 2 * 4032u);
}

TEST(Runtime, ReplansWhenSymbolicDimsChange) {
    pb::Graph g;
    g.input(pb::value_info("x", kFloat, {-1, 8}));
    g.node("Relu", {"x"}, {"r"}).node("Neg", {"r"}, {"y"});
    g.output(pb::value_info("y", kFloat, {-1, 8}));
    vireo::Model m = load(pb::model(g));
    ASSERT_EQ(m.inputs()[0].shape, (std::vector<int64_t>{-1, 8}));
    EXPECT_EQ(m.inputs()[0].dim_names[0], "N");
    vireo::Session s(m, {.threads = 1});
    for (int64_t n : {1, 5, 2, 5}) {
        auto out = s.run({{"x", iota({n, 8})}});
        ASSERT_EQ(out[0].shape(), (vireo::Shape{n, 8}));
        EXPECT_EQ(s.arena_bytes(), size_t((n * 8 * 4 + 63) / 64 * 64));
    }
    EXPECT_THROW(s.run({{"x", iota({2, 7})}}), vireo::Error);  // fixed dim must match
    EXPECT_THROW(s.run({{"x", iota({8})}}), vireo::Error);     // rank must match
}

TEST(Runtime, FoldsShapeChainsAndRunsValueDependentReshape) {
    // y = Reshape(x, Concat(Shape(x)[0:1], [-1])): the shape is known once x's shape is.
    pb::Graph g;
    g.input(pb::value_info("x", kFloat, {-1, 3, 4}));
    g.initializer(pb::tensor_i64("minus1", {1}, {-1}));
    g.initializer(pb::tensor_i64("zero", {1}, {0}));
    g.initializer(pb::tensor_i64("one", {1}, {1}));
    g.node("Shape", {"x"}, {"s"}).node("Slice", {"s", "zero", "one"}, {"n"});
    g.node("Concat", {"n", "minus1"}, {"shape"}, {pb::Attr::i("axis", 0)});
    g.node("Reshape", {"x", "shape"}, {"y"});
    g.output(pb::value_info("y", kFloat, {-1, 12}));
    vireo::Session s(load(pb::model(g)), {.threads = 1});
    auto out = s.run({{"x", iota({2, 3, 4})}});
    EXPECT_EQ(out[0].shape(), (vireo::Shape{2, 12}));
    EXPECT_EQ(std::memcmp(out[0].raw(), iota({2, 3, 4}).raw(), 2 * 12 * 4), 0);

    // Reshape to a shape computed from input *values* is dynamic: inferred at run time.
    pb::Graph d;
    d.input(pb::value_info("x", kFloat, {6}));
    d.input(pb::value_info("shape", kInt64, {2}));
    d.node("Reshape", {"x", "shape"}, {"y"});
    d.output(pb::value_info("y", kFloat, {-1, -1}));
    vireo::Session sd(load(pb::model(d)), {.threads = 1});
    auto o1 = sd.run({{"x", iota({6})}, {"shape", Tensor::from_vector<int64_t>({2}, {3, 2})}});
    EXPECT_EQ(o1[0].shape(), (vireo::Shape{3, 2}));
    auto o2 = sd.run({{"x", iota({6})}, {"shape", Tensor::from_vector<int64_t>({2}, {1, 6})}});
    EXPECT_EQ(o2[0].shape(), (vireo::Shape{1, 6}));
    EXPECT_THROW(sd.run({{"x", iota({6})}, {"shape", Tensor::from_vector<int64_t>({2}, {4, 2})}}), vireo::Error);
}

TEST(Runtime, InputErrorsNameTheInput) {
    pb::Graph g;
    g.input(pb::value_info("x", kFloat, {2}));
    g.node("Relu", {"x"}, {"y"});
    g.output(pb::value_info("y", kFloat, {2}));
    vireo::Session s(load(pb::model(g)), {.threads = 1});
    auto msg = [&](const vireo::NamedTensors& in) {
        try {
            s.run(in);
        } catch (const vireo::Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(msg({}).find("missing input 'x'"), std::string::npos);
    EXPECT_NE(msg({{"z", iota({2})}}).find("no input named 'z'"), std::string::npos);
    EXPECT_NE(msg({{"x", Tensor::from_vector<int64_t>({2}, {1, 2})}}).find("must be float32"), std::string::npos);
}

TEST(Runtime, OutputsDoNotAliasConstantsOrInputs) {
    pb::Graph g;
    g.input(pb::value_info("x", kFloat, {2}));
    g.initializer(pb::tensor_f32("w", {2}, {1.f, 2.f}));
    g.output(pb::value_info("x", kFloat, {2}));
    g.output(pb::value_info("w", kFloat, {2}));
    vireo::Session s(load(pb::model(g)), {.threads = 1});
    Tensor x = iota({2});
    auto out = s.run({{"x", x}});
    out[1].data<float>()[0] = 42.f;
    EXPECT_NE(out[0].raw(), x.raw());
    EXPECT_EQ(s.run({{"x", x}})[1].data<float>()[0], 1.f);
}

TEST(Runtime, SessionOptionsAreValidated) {
    pb::Graph g;
    g.input(pb::value_info("x", kFloat, {2}));
    g.node("Relu", {"x"}, {"y"});
    g.output(pb::value_info("y", kFloat, {2}));
    vireo::Model m = load(pb::model(g));
    EXPECT_THROW(vireo::Session(m, {.threads = -1}), vireo::Error);
    EXPECT_THROW(vireo::Session(m, {.threads = 1, .isa = "sse9"}), vireo::Error);
    vireo::Session s(m, {.threads = 1, .isa = "scalar"});
    EXPECT_EQ(s.isa(), "scalar");
    EXPECT_EQ(s.threads(), 1);
}
