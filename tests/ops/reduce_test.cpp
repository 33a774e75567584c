// Reduce-family ops (reductions, arg/top-k, cumsum, softmax family and the
// normalizations): integer types, legacy opsets, empty and NaN inputs, the
// general reduce path and error paths that the ONNX backend cases do not cover.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "tests/ops/op_harness.hpp"

namespace vireo::test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

template <class T>
Tensor tensor(Shape shape, std::vector<T> v) {
    return Tensor::from_vector<T>(std::move(shape), v);
}

Tensor f32(Shape shape, std::vector<float> v) { return tensor<float>(std::move(shape), std::move(v)); }
Tensor i64(std::vector<int64_t> v) {
    const int64_t n = int64_t(v.size());
    return tensor<int64_t>({n}, std::move(v));
}

template <class T>
Tensor iota(Shape shape) {
    const int64_t n = checked_numel(shape);
    std::vector<T> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[size_t(i)] = T(i);
    return Tensor::from_vector<T>(std::move(shape), v);
}

template <class T>
std::vector<T> values(const Tensor& t) {
    EXPECT_EQ(t.dtype(), dtype_of<T>);
    const T* p = static_cast<const T*>(t.raw());
    return std::vector<T>(p, p + t.numel());
}

Tensor one(const std::string& op, int opset, std::vector<Tensor> in, std::vector<rt::Attribute> attrs = {}) {
    return run_op(node(op, opset, 1, std::move(attrs)), in).at(0);
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        if (std::isnan(want[i])) EXPECT_TRUE(std::isnan(got[i])) << "at " << i;
        else if (std::isinf(want[i])) EXPECT_EQ(got[i], want[i]) << "at " << i;
        else EXPECT_NEAR(got[i], want[i], tol * std::max(1.0f, std::fabs(want[i]))) << "at " << i;
    }
}

// ---------------------------------------------------------------- Reduce*

TEST(ReduceOps, AxesAttributeAndKeepdims) {
    Tensor x = iota<float>({2, 3, 4});
    Tensor kept = one("ReduceSum", 11, {x}, {attr_ints("axes", {1})});
    EXPECT_EQ(kept.shape(), (Shape{2, 1, 4}));
    EXPECT_EQ(values<float>(kept), (std::vector<float>{12, 15, 18, 21, 48, 51, 54, 57}));
    Tensor dropped = one("ReduceSum", 11, {x}, {attr_ints("axes", {-1}), attr_int("keepdims", 0)});
    EXPECT_EQ(dropped.shape(), (Shape{2, 3}));
    EXPECT_EQ(values<float>(dropped), (std::vector<float>{6, 22, 38, 54, 70, 86}));
}

TEST(ReduceOps, NonContiguousAxesUseGeneralPath) {
    // axes {0, 2} of [2, 3, 4] leave the middle dim: out[j] = sum over i, k.
    Tensor x = iota<int32_t>({2, 3, 4});
    Tensor r = one("ReduceSum", 11, {x}, {attr_ints("axes", {0, 2}), attr_int("keepdims", 0)});
    EXPECT_EQ(r.shape(), (Shape{3}));
    EXPECT_EQ(values<int32_t>(r), (std::vector<int32_t>{60, 92, 124}));
    Tensor m = one("ReduceMax", 13, {iota<float>({2, 3, 4, 5})}, {attr_ints("axes", {1, 3})});
    EXPECT_EQ(m.shape(), (Shape{2, 1, 4, 1}));
    EXPECT_EQ(values<float>(m), (std::vector<float>{44, 49, 54, 59, 104, 109, 114, 119}));
}

TEST(ReduceOps, EmptyAxesReduceEverything) {
    Tensor x = iota<int64_t>({2, 3});
    Tensor r = one("ReduceProd", 11, {tensor<int64_t>({2, 2}, {1, 2, 3, 4})});
    EXPECT_EQ(r.shape(), (Shape{1, 1}));
    EXPECT_EQ(values<int64_t>(r), (std::vector<int64_t>{24}));
    // ReduceSum-13 with an empty axes tensor also reduces everything...
    Tensor s = one("ReduceSum", 13, {x, i64({})}, {attr_int("keepdims", 0)});
    EXPECT_EQ(s.shape(), Shape{});
    EXPECT_EQ(values<int64_t>(s), (std::vector<int64_t>{15}));
    // ...unless noop_with_empty_axes asks for the identity.
    Tensor n = one("ReduceSum", 13, {x, i64({})}, {attr_int("noop_with_empty_axes", 1)});
    EXPECT_EQ(n.shape(), (Shape{2, 3}));
    EXPECT_EQ(values<int64_t>(n), values<int64_t>(x));
    // An omitted axes input is the same as an empty one.
    Tensor omitted = one("ReduceSum", 13, {x, Tensor()});
    EXPECT_EQ(values<int64_t>(omitted), (std::vector<int64_t>{15}));
}

TEST(ReduceOps, AxesMovedToInputAtOpset13ForReduceSumOnly) {
    Tensor x = iota<float>({2, 3});
    EXPECT_THROW(one("ReduceSum", 13, {x}, {attr_ints("axes", {0})}), Error);
    Tensor r = one("ReduceSum", 13, {x, i64({0})});
    EXPECT_EQ(values<float>(r), (std::vector<float>{3, 5, 7}));
    Tensor m = one("ReduceMean", 13, {x}, {attr_ints("axes", {0})});
    EXPECT_EQ(values<float>(m), (std::vector<float>{1.5f, 2.5f, 3.5f}));
}

TEST(ReduceOps, RankZeroInput) {
    Tensor r = one("ReduceMean", 13, {f32({}, {7.0f})}, {attr_int("keepdims", 0)});
    EXPECT_EQ(r.shape(), Shape{});
    EXPECT_EQ(values<float>(r), (std::vector<float>{7.0f}));
}

TEST(ReduceOps, EmptyReductionGivesIdentity) {
    Tensor x = f32({2, 0, 3}, {});
    auto reduce = [&](const char* op) {
        return values<float>(one(op, 12, {x}, {attr_ints("axes", {1}), attr_int("keepdims", 0)}));
    };
    EXPECT_EQ(reduce("ReduceSum"), std::vector<float>(6, 0.0f));
    EXPECT_EQ(reduce("ReduceSumSquare"), std::vector<float>(6, 0.0f));
    EXPECT_EQ(reduce("ReduceL1"), std::vector<float>(6, 0.0f));
    EXPECT_EQ(reduce("ReduceL2"), std::vector<float>(6, 0.0f));
    EXPECT_EQ(reduce("ReduceProd"), std::vector<float>(6, 1.0f));
    EXPECT_EQ(reduce("ReduceMax"), std::vector<float>(6, -kInf));
    EXPECT_EQ(reduce("ReduceMin"), std::vector<float>(6, kInf));
    EXPECT_EQ(reduce("ReduceLogSum"), std::vector<float>(6, -kInf));
    EXPECT_EQ(reduce("ReduceLogSumExp"), std::vector<float>(6, -kInf));
    for (float v : reduce("ReduceMean")) EXPECT_TRUE(std::isnan(v));  // 0/0, as numpy
    Tensor xi = tensor<int8_t>({0, 2}, {});
    Tensor mi = one("ReduceMax", 13, {xi}, {attr_ints("axes", {0})});
    EXPECT_EQ(values<int8_t>(mi), (std::vector<int8_t>{-128, -128}));
    // Empty kept dims: an empty output, nothing to compute.
    Tensor e = one("ReduceSum", 11, {f32({0, 4}, {})}, {attr_ints("axes", {1})});
    EXPECT_EQ(e.shape(), (Shape{0, 1}));
}

TEST(ReduceOps, IntegerTypes) {
    Tensor u8 = tensor<uint8_t>({2, 3}, {5, 200, 7, 9, 1, 255});
    EXPECT_EQ(values<uint8_t>(one("ReduceMax", 12, {u8}, {attr_ints("axes", {1})})), (std::vector<uint8_t>{200, 255}));
    EXPECT_EQ(values<uint8_t>(one("ReduceMin", 12, {u8}, {attr_ints("axes", {0})})), (std::vector<uint8_t>{5, 1, 7}));
    Tensor i8 = tensor<int8_t>({4}, {-128, 3, 127, -5});
    EXPECT_EQ(values<int8_t>(one("ReduceMin", 13, {i8})), (std::vector<int8_t>{-128}));
    // Sums and products wrap around in the element type, as numpy's do.
    Tensor big = tensor<int32_t>({2}, {std::numeric_limits<int32_t>::max(), 2});
    EXPECT_EQ(values<int32_t>(one("ReduceSum", 11, {big})), (std::vector<int32_t>{std::numeric_limits<int32_t>::min() + 1}));
    EXPECT_EQ(values<int32_t>(one("ReduceProd", 11, {big})), (std::vector<int32_t>{-2}));
    // Integer mean truncates toward zero; L1 of the most negative value does not overflow in the accumulator.
    Tensor m = tensor<int64_t>({4}, {1, 2, 2, -7});
    EXPECT_EQ(values<int64_t>(one("ReduceMean", 13, {m})), (std::vector<int64_t>{0}));
    EXPECT_EQ(values<int64_t>(one("ReduceL1", 13, {m})), (std::vector<int64_t>{12}));
    EXPECT_EQ(values<int64_t>(one("ReduceSumSquare", 13, {m})), (std::vector<int64_t>{58}));
    EXPECT_EQ(values<int32_t>(one("ReduceL2", 13, {tensor<int32_t>({2}, {3, 4})})), (std::vector<int32_t>{5}));
    // log(0) = -inf saturates instead of hitting an undefined float->int conversion.
    EXPECT_EQ(values<int32_t>(one("ReduceLogSum", 13, {tensor<int32_t>({2}, {0, 0})})),
              (std::vector<int32_t>{std::numeric_limits<int32_t>::min()}));
    Tensor u64 = tensor<uint64_t>({3}, {1, 2, 3});
    EXPECT_EQ(values<uint64_t>(one("ReduceSum", 11, {u64})), (std::vector<uint64_t>{6}));
}

TEST(ReduceOps, NaNAndInfinity) {
    Tensor x = f32({2, 3}, {1, kNaN, 3, 2, 2, 1});
    expect_near(values<float>(one("ReduceMax", 13, {x}, {attr_ints("axes", {1})})), {kNaN, 2});
    expect_near(values<float>(one("ReduceMin", 13, {x}, {attr_ints("axes", {1})})), {kNaN, 1});
    Tensor inf = f32({3, 3}, {1, kInf, 3, -kInf, -kInf, -kInf, kInf, kInf, 1});
    expect_near(values<float>(one("ReduceLogSumExp", 13, {inf}, {attr_ints("axes", {1})})), {kInf, -kInf, kInf});
    // Stable for values whose exp overflows float.
    Tensor large = f32({3}, {1000, 1000, 990});
    expect_near(values<float>(one("ReduceLogSumExp", 13, {large})), {1000.0f + std::log(2.0f + std::exp(-10.0f))});
}

TEST(ReduceOps, InnerBlocksAndLongRows) {
    // Reducing axis 0 of a wide matrix walks the inner dim in blocks.
    const int64_t rows = 5, cols = 3000;
    Tensor x = iota<float>({rows, cols});
    std::vector<float> want(cols);
    for (int64_t c = 0; c < cols; ++c)
        for (int64_t r = 0; r < rows; ++r) want[size_t(c)] += float(r * cols + c);
    expect_near(values<float>(one("ReduceSum", 11, {x}, {attr_ints("axes", {0}), attr_int("keepdims", 0)})), want);
}

TEST(ReduceOps, Errors) {
    Tensor x = iota<float>({2, 3});
    EXPECT_THROW(one("ReduceSum", 11, {x}, {attr_ints("axes", {2})}), Error);
    EXPECT_THROW(one("ReduceSum", 11, {x}, {attr_ints("axes", {-3})}), Error);
    EXPECT_THROW(one("ReduceSum", 11, {x}, {attr_ints("axes", {1, -1})}), Error);
    EXPECT_THROW(one("ReduceMean", 13, {x}, {attr_int("keepdims", 2)}), Error);
    EXPECT_THROW(one("ReduceSum", 13, {x, i64({0})}, {attr_int("noop_with_empty_axes", 3)}), Error);
    EXPECT_THROW(one("ReduceSum", 13, {x, tensor<int64_t>({1, 1}, {0})}), Error);
    EXPECT_THROW(one("ReduceSum", 13, {x, f32({1}, {0})}), Error);
    EXPECT_THROW(one("ReduceMax", 13, {tensor<bool>({2}, {true, false})}), Error);
}

// ---------------------------------------------------------------- ArgMax / ArgMin

TEST(ArgOps, TiesAndSelectLastIndex) {
    Tensor x = tensor<int32_t>({2, 4}, {1, 5, 5, 2, 0, 0, -1, -1});
    Tensor first = one("ArgMax", 12, {x}, {attr_int("axis", 1), attr_int("keepdims", 0)});
    EXPECT_EQ(first.shape(), (Shape{2}));
    EXPECT_EQ(values<int64_t>(first), (std::vector<int64_t>{1, 0}));
    Tensor last = one("ArgMax", 12, {x}, {attr_int("axis", 1), attr_int("select_last_index", 1)});
    EXPECT_EQ(last.shape(), (Shape{2, 1}));
    EXPECT_EQ(values<int64_t>(last), (std::vector<int64_t>{2, 1}));
    Tensor argmin = one("ArgMin", 13, {x}, {attr_int("axis", -1), attr_int("select_last_index", 1)});
    EXPECT_EQ(values<int64_t>(argmin), (std::vector<int64_t>{0, 3}));
    Tensor axis0 = one("ArgMin", 1, {tensor<uint8_t>({3, 2}, {4, 1, 2, 9, 2, 0})});
    EXPECT_EQ(axis0.shape(), (Shape{1, 2}));
    EXPECT_EQ(values<int64_t>(axis0), (std::vector<int64_t>{1, 2}));
}

TEST(ArgOps, NaNWinsLikeNumpy) {
    Tensor x = f32({4}, {1, kNaN, 3, kNaN});
    EXPECT_EQ(values<int64_t>(one("ArgMax", 13, {x})), (std::vector<int64_t>{1}));
    EXPECT_EQ(values<int64_t>(one("ArgMin", 13, {x})), (std::vector<int64_t>{1}));
    EXPECT_EQ(values<int64_t>(one("ArgMax", 13, {x}, {attr_int("select_last_index", 1)})), (std::vector<int64_t>{3}));
}

TEST(ArgOps, Errors) {
    EXPECT_THROW(one("ArgMax", 13, {f32({0, 3}, {})}, {attr_int("axis", 0)}), Error);
    EXPECT_EQ(one("ArgMax", 13, {f32({0, 3}, {})}, {attr_int("axis", 1)}).shape(), (Shape{0, 1}));
    EXPECT_THROW(one("ArgMax", 13, {f32({2}, {1, 2})}, {attr_int("axis", 1)}), Error);
    EXPECT_THROW(one("ArgMax", 13, {f32({}, {1})}), Error);
    EXPECT_THROW(one("ArgMin", 13, {tensor<bool>({2}, {true, false})}), Error);
}

// ---------------------------------------------------------------- TopK

TEST(TopKOp, LegacyAttributeK) {
    auto out = run_op(node("TopK", 1, 2, {attr_int("k", 2)}), {f32({2, 3}, {1, 3, 2, 6, 5, 4})});
    EXPECT_EQ(out[0].shape(), (Shape{2, 2}));
    EXPECT_EQ(values<float>(out[0]), (std::vector<float>{3, 2, 6, 5}));
    EXPECT_EQ(values<int64_t>(out[1]), (std::vector<int64_t>{1, 2, 0, 1}));
    EXPECT_THROW(run_op(node("TopK", 1, 2), {f32({3}, {1, 2, 3})}), Error);
}

TEST(TopKOp, TiesKeepLowerIndexFirst) {
    Tensor x = tensor<int32_t>({6}, {2, 7, 2, 7, 1, 2});
    auto largest = run_op(node("TopK", 11, 2), {x, i64({4})});
    EXPECT_EQ(values<int32_t>(largest[0]), (std::vector<int32_t>{7, 7, 2, 2}));
    EXPECT_EQ(values<int64_t>(largest[1]), (std::vector<int64_t>{1, 3, 0, 2}));
    auto smallest = run_op(node("TopK", 11, 2, {attr_int("largest", 0)}), {x, i64({3})});
    EXPECT_EQ(values<int32_t>(smallest[0]), (std::vector<int32_t>{1, 2, 2}));
    EXPECT_EQ(values<int64_t>(smallest[1]), (std::vector<int64_t>{4, 0, 2}));
}

TEST(TopKOp, StridedAxisAndZeroK) {
    // Axis 0 of [3, 2]: each column is a slice.
    auto out = run_op(node("TopK", 10, 2, {attr_int("axis", 0)}), {f32({3, 2}, {1, 6, 5, 2, 3, 4}), i64({2})});
    EXPECT_EQ(values<float>(out[0]), (std::vector<float>{5, 6, 3, 4}));
    EXPECT_EQ(values<int64_t>(out[1]), (std::vector<int64_t>{1, 0, 2, 2}));
    auto none = run_op(node("TopK", 10, 2), {f32({2, 3}, {1, 2, 3, 4, 5, 6}), i64({0})});
    EXPECT_EQ(none[0].shape(), (Shape{2, 0}));
}

TEST(TopKOp, NaNRanksAboveNumbers) {
    Tensor x = f32({5}, {1, kNaN, 3, kNaN, 2});
    auto largest = run_op(node("TopK", 11, 2), {x, i64({3})});
    EXPECT_EQ(values<int64_t>(largest[1]), (std::vector<int64_t>{1, 3, 2}));
    auto smallest = run_op(node("TopK", 11, 2, {attr_int("largest", 0)}), {x, i64({4})});
    EXPECT_EQ(values<int64_t>(smallest[1]), (std::vector<int64_t>{0, 4, 2, 1}));
}

TEST(TopKOp, Errors) {
    Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
    EXPECT_THROW(run_op(node("TopK", 11, 2), {x, i64({4})}), Error);
    EXPECT_THROW(run_op(node("TopK", 11, 2), {x, i64({-1})}), Error);
    EXPECT_THROW(run_op(node("TopK", 11, 2), {x, i64({1, 2})}), Error);
    EXPECT_THROW(run_op(node("TopK", 11, 2, {attr_int("axis", 2)}), {x, i64({1})}), Error);
    EXPECT_THROW(run_op(node("TopK", 11, 2, {attr_int("largest", 5)}), {x, i64({1})}), Error);
    EXPECT_THROW(run_op(node("TopK", 1, 2, {attr_int("k", -2)}), {x}), Error);
}

// ---------------------------------------------------------------- CumSum

TEST(CumSumOp, ExclusiveReverseAndIntAxis) {
    Tensor x = tensor<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor axis1 = tensor<int32_t>({}, {1});
    EXPECT_EQ(values<int32_t>(one("CumSum", 11, {x, axis1})), (std::vector<int32_t>{1, 3, 6, 4, 9, 15}));
    EXPECT_EQ(values<int32_t>(one("CumSum", 11, {x, axis1}, {attr_int("exclusive", 1)})),
              (std::vector<int32_t>{0, 1, 3, 0, 4, 9}));
    EXPECT_EQ(values<int32_t>(one("CumSum", 11, {x, axis1}, {attr_int("reverse", 1)})),
              (std::vector<int32_t>{6, 5, 3, 15, 11, 6}));
    EXPECT_EQ(values<int32_t>(one("CumSum", 11, {x, axis1}, {attr_int("reverse", 1), attr_int("exclusive", 1)})),
              (std::vector<int32_t>{5, 3, 0, 11, 6, 0}));
    Tensor axis0 = tensor<int64_t>({1}, {-2});
    EXPECT_EQ(values<int32_t>(one("CumSum", 14, {x, axis0})), (std::vector<int32_t>{1, 2, 3, 5, 7, 9}));
    Tensor u = tensor<uint64_t>({3}, {std::numeric_limits<uint64_t>::max(), 1, 1});
    EXPECT_EQ(values<uint64_t>(one("CumSum", 14, {u, tensor<int64_t>({}, {0})})), (std::vector<uint64_t>{
                                                                                     std::numeric_limits<uint64_t>::max(), 0, 1}));
}

TEST(CumSumOp, Errors) {
    Tensor x = f32({3}, {1, 2, 3});
    EXPECT_THROW(one("CumSum", 14, {x, tensor<int64_t>({}, {1})}), Error);
    EXPECT_THROW(one("CumSum", 14, {x, tensor<int64_t>({2}, {0, 0})}), Error);
    EXPECT_THROW(one("CumSum", 14, {x, f32({}, {0})}), Error);
    EXPECT_THROW(one("CumSum", 14, {f32({}, {1}), tensor<int64_t>({}, {0})}), Error);
    EXPECT_THROW(one("CumSum", 14, {tensor<int8_t>({1}, {1}), tensor<int64_t>({}, {0})}), Error);
    EXPECT_THROW(one("CumSum", 14, {x, tensor<int64_t>({}, {0})}, {attr_int("reverse", 2)}), Error);
}

// ---------------------------------------------------------------- Softmax family

TEST(SoftmaxOps, LegacyCoercesTo2D) {
    // [1, 2, 2] at axis 1: before opset 13 one softmax over all four values,
    // from 13 a softmax over each pair along axis 1.
    Tensor x = f32({1, 2, 2}, {0, 1, 2, 3});
    const float e0 = 1, e1 = std::exp(1.0f), e2 = std::exp(2.0f), e3 = std::exp(3.0f), s = e0 + e1 + e2 + e3;
    expect_near(values<float>(one("Softmax", 11, {x})), {e0 / s, e1 / s, e2 / s, e3 / s});
    expect_near(values<float>(one("Softmax", 13, {x}, {attr_int("axis", 1)})),
                {e0 / (e0 + e2), e1 / (e1 + e3), e2 / (e0 + e2), e3 / (e1 + e3)});
    // Default axis: 1 before opset 13, -1 from 13.
    expect_near(values<float>(one("LogSoftmax", 13, {x})),
                {-std::log(1 + e1), 1 - std::log(1 + e1), -std::log(1 + e1), 1 - std::log(1 + e1)});
    EXPECT_EQ(values<float>(one("Hardmax", 1, {x})), (std::vector<float>{0, 0, 0, 1}));
    EXPECT_EQ(values<float>(one("Hardmax", 13, {x}, {attr_int("axis", 1)})), (std::vector<float>{0, 0, 1, 1}));
}

TEST(SoftmaxOps, StableForLargeValuesAndHardmaxTies) {
    Tensor x = f32({3}, {1000, 1000, -kInf});
    expect_near(values<float>(one("Softmax", 13, {x})), {0.5f, 0.5f, 0.0f});
    expect_near(values<float>(one("LogSoftmax", 13, {x})), {-std::log(2.0f), -std::log(2.0f), -kInf});
    EXPECT_EQ(values<float>(one("Hardmax", 13, {f32({4}, {3, 5, 5, 1})})), (std::vector<float>{0, 1, 0, 0}));
    Tensor d = tensor<double>({2}, {0.0, std::log(3.0)});
    const auto sd = values<double>(one("Softmax", 13, {d}));
    EXPECT_NEAR(sd[0], 0.25, 1e-12);
    EXPECT_NEAR(sd[1], 0.75, 1e-12);
}

TEST(SoftmaxOps, Errors) {
    Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
    EXPECT_THROW(one("Softmax", 13, {x}, {attr_int("axis", 2)}), Error);
    EXPECT_THROW(one("LogSoftmax", 11, {x}, {attr_int("axis", -3)}), Error);
    EXPECT_THROW(one("Softmax", 13, {tensor<int32_t>({2}, {1, 2})}), Error);
    EXPECT_THROW(one("Hardmax", 13, {f32({}, {1})}), Error);
}

// ---------------------------------------------------------------- BatchNormalization

std::vector<Tensor> bn_inputs(Tensor x, std::vector<float> scale, std::vector<float> bias, std::vector<float> mean,
                              std::vector<float> var) {
    const int64_t c = int64_t(scale.size());
    return {x, f32({c}, scale), f32({c}, bias), f32({c}, mean), f32({c}, var)};
}

TEST(BatchNormOp, InferenceAcrossLegacyOpsets) {
    Tensor x = f32({1, 2, 2}, {1, 2, 3, 4});
    auto in = bn_inputs(x, {1, 2}, {0, 1}, {1, 3}, {4, 1});
    const float eps = 1e-5f;
    const std::vector<float> want = {0.0f, 1 / std::sqrt(4 + eps), 1.0f, 1 + 2 / std::sqrt(1 + eps)};
    // Opset 1-5 carry is_test and consumed_inputs; 6 drops consumed_inputs; 7 drops is_test.
    expect_near(values<float>(one("BatchNormalization", 1, in,
                                  {attr_ints("consumed_inputs", {0, 0, 0, 1, 1}), attr_int("is_test", 1)})),
                want);
    expect_near(values<float>(one("BatchNormalization", 6, in, {attr_int("is_test", 1)})), want);
    expect_near(values<float>(one("BatchNormalization", 7, in, {attr_int("spatial", 1)})), want);
    expect_near(values<float>(one("BatchNormalization", 9, in)), want);
    expect_near(values<float>(one("BatchNormalization", 15, in, {attr_float("epsilon", 1e-5f)})), want);
}

TEST(BatchNormOp, PerActivationWhenNotSpatial) {
    // spatial=0: parameters have shape C x D1, one per activation.
    Tensor x = f32({2, 1, 2}, {1, 2, 3, 4});
    std::vector<Tensor> in = {x, f32({1, 2}, {1, 2}), f32({1, 2}, {0, 1}), f32({1, 2}, {1, 2}), f32({1, 2}, {1, 4})};
    expect_near(values<float>(one("BatchNormalization", 7, in, {attr_int("spatial", 0), attr_float("epsilon", 0)})),
                {0, 1, 2, 3});
    EXPECT_THROW(one("BatchNormalization", 7, bn_inputs(x, {1}, {0}, {0}, {1}), {attr_int("spatial", 0)}), Error);
}

TEST(BatchNormOp, TrainingModeOutputsBatchAndRunningStatistics) {
    // Channel 0 holds {1, 3}, channel 1 {2, 6}: batch means 2 and 4, biased variances 1 and 4.
    Tensor x = f32({2, 2}, {1, 2, 3, 6});
    auto in = bn_inputs(x, {1, 1}, {0, 0}, {0, 10}, {1, 1});
    auto out = run_op(node("BatchNormalization", 15, 3,
                           {attr_int("training_mode", 1), attr_float("momentum", 0.5f), attr_float("epsilon", 0)}),
                      in);
    expect_near(values<float>(out[0]), {-1, -1, 1, 1});
    expect_near(values<float>(out[1]), {1, 7});      // 0.5 * running + 0.5 * batch
    expect_near(values<float>(out[2]), {1, 2.5f});
    // Before opset 14 requesting the extra outputs means training; 3 and 4 are the batch statistics.
    auto legacy = run_op(node("BatchNormalization", 9, 5, {attr_float("momentum", 0.5f), attr_float("epsilon", 0)}), in);
    expect_near(values<float>(legacy[0]), {-1, -1, 1, 1});
    expect_near(values<float>(legacy[1]), {1, 7});
    expect_near(values<float>(legacy[3]), {2, 4});
    expect_near(values<float>(legacy[4]), {1, 4});
}

TEST(BatchNormOp, MixedParameterTypes) {
    // Opset 15 lets scale/bias and mean/var differ in type from X.
    Tensor x = tensor<double>({1, 1, 2}, {1, 3});
    std::vector<Tensor> in = {x, f32({1}, {2}), f32({1}, {1}), tensor<double>({1}, {2}), tensor<double>({1}, {1})};
    auto out = one("BatchNormalization", 15, in, {attr_float("epsilon", 0)});
    EXPECT_EQ(values<double>(out), (std::vector<double>{-1, 3}));
}

TEST(BatchNormOp, Errors) {
    Tensor x = f32({1, 2, 2}, {1, 2, 3, 4});
    EXPECT_THROW(one("BatchNormalization", 15, bn_inputs(x, {1, 2, 3}, {0, 0, 0}, {0, 0, 0}, {1, 1, 1})), Error);
    EXPECT_THROW(one("BatchNormalization", 15, bn_inputs(f32({2}, {1, 2}), {1}, {0}, {0}, {1})), Error);
    EXPECT_THROW(one("BatchNormalization", 15, bn_inputs(x, {1, 2}, {0, 0}, {0, 0}, {1, 1}), {attr_float("epsilon", -1)}),
                 Error);
    EXPECT_THROW(one("BatchNormalization", 15, {x, f32({2}, {1, 1})}), Error);
    EXPECT_THROW(one("BatchNormalization", 15, bn_inputs(x, {1, 2}, {0, 0}, {0, 0}, {1, 1}), {attr_int("training_mode", 2)}),
                 Error);
}

// ---------------------------------------------------------------- InstanceNormalization

TEST(InstanceNormOp, PerInstancePerChannel) {
    Tensor x = f32({1, 2, 2}, {1, 3, 8, 12});
    auto y = one("InstanceNormalization", 6, {x, f32({2}, {2, 1}), f32({2}, {1, 5})}, {attr_float("epsilon", 0)});
    expect_near(values<float>(y), {-1, 3, 4, 6});
    // Opset 1 carried consumed_inputs.
    auto legacy = one("InstanceNormalization", 1, {x, f32({2}, {2, 1}), f32({2}, {1, 5})},
                      {attr_ints("consumed_inputs", {0, 0, 0}), attr_float("epsilon", 0)});
    expect_near(values<float>(legacy), {-1, 3, 4, 6});
}

TEST(InstanceNormOp, Errors) {
    EXPECT_THROW(one("InstanceNormalization", 6, {f32({2, 2}, {1, 2, 3, 4}), f32({2}, {1, 1}), f32({2}, {0, 0})}), Error);
    EXPECT_THROW(one("InstanceNormalization", 6, {f32({1, 2, 1}, {1, 2}), f32({3}, {1, 1, 1}), f32({2}, {0, 0})}), Error);
}

// ---------------------------------------------------------------- LayerNormalization

TEST(LayerNormOp, AxisBroadcastScaleAndStatistics) {
    Tensor x = f32({2, 2, 2}, {1, 3, 1, 3, 0, 0, 4, 4});
    // Normalized over the last two dims; Scale [2, 1] broadcasts over the last dim; no bias.
    auto out = run_op(node("LayerNormalization", 17, 3, {attr_int("axis", 1), attr_float("epsilon", 0)}),
                      {x, f32({2, 1}, {1, 2}), Tensor()});
    expect_near(values<float>(out[0]), {-1, 1, -2, 2, -1, -1, 2, 2});
    EXPECT_EQ(out[1].shape(), (Shape{2, 1, 1}));
    EXPECT_EQ(out[1].dtype(), DType::Float32);
    expect_near(values<float>(out[1]), {2, 2});
    expect_near(values<float>(out[2]), {1, 0.5f});
}

TEST(LayerNormOp, DefaultAxisWithBiasAndDouble) {
    Tensor x = tensor<double>({2, 2}, {1, 3, 5, 9});
    auto y = one("LayerNormalization", 17, {x, tensor<double>({2}, {1, 1}), tensor<double>({2}, {10, 20})},
                 {attr_float("epsilon", 0)});
    EXPECT_EQ(values<double>(y), (std::vector<double>{9, 21, 9, 21}));
}

TEST(LayerNormOp, Errors) {
    Tensor x = f32({2, 2}, {1, 2, 3, 4});
    EXPECT_THROW(one("LayerNormalization", 17, {x, f32({3}, {1, 1, 1})}), Error);
    EXPECT_THROW(one("LayerNormalization", 17, {x, f32({1, 1, 2}, {1, 1})}), Error);
    EXPECT_THROW(one("LayerNormalization", 17, {x, f32({2}, {1, 1})}, {attr_int("axis", 3)}), Error);
    EXPECT_THROW(one("LayerNormalization", 17, {x, f32({2}, {1, 1})}, {attr_int("stash_type", 11)}), Error);
    EXPECT_THROW(one("LayerNormalization", 17, {x, tensor<double>({2}, {1, 1})}), Error);
}

// ---------------------------------------------------------------- MeanVarianceNormalization

TEST(MeanVarianceNormOp, DefaultAxesPerChannel) {
    // [2, 2, 1, 1]: channel 0 holds {1, 3}, channel 1 {0, 10}.
    Tensor x = f32({2, 2, 1, 1}, {1, 0, 3, 10});
    expect_near(values<float>(one("MeanVarianceNormalization", 13, {x})), {-1, -1, 1, 1});
    expect_near(values<float>(one("MeanVarianceNormalization", 9, {x}, {attr_ints("axes", {1})})),
                {1, -1, -1, 1});
}

TEST(MeanVarianceNormOp, LegacyAttributes) {
    Tensor x = f32({1, 2, 2}, {1, 3, 10, 20});
    // Per (n, c) over the spatial dims, optionally only mean-centred.
    expect_near(values<float>(one("MeanVarianceNormalization", 1, {x})), {-1, 1, -1, 1});
    expect_near(values<float>(one("MeanVarianceNormalization", 1, {x}, {attr_int("normalize_variance", 0)})),
                {-1, 1, -5, 5});
    // Across channels: one group per instance.
    expect_near(values<float>(one("MeanVarianceNormalization", 1, {x},
                                  {attr_int("across_channels", 1), attr_int("normalize_variance", 0)})),
                {-7.5f, -5.5f, 1.5f, 11.5f});
}

TEST(MeanVarianceNormOp, Errors) {
    EXPECT_THROW(one("MeanVarianceNormalization", 13, {f32({2, 2}, {1, 2, 3, 4})}), Error);  // default axes need rank 4
    EXPECT_THROW(one("MeanVarianceNormalization", 13, {f32({2, 2}, {1, 2, 3, 4})}, {attr_ints("axes", {0, 0})}), Error);
    EXPECT_THROW(one("MeanVarianceNormalization", 13, {tensor<int32_t>({1, 1, 1, 1}, {1})}), Error);
}

}  // namespace
}  // namespace vireo::test
