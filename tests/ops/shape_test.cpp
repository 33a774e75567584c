// Shape-family ops: legacy opsets, integer/bool element types, edge cases and
// error paths that the ONNX backend cases do not cover.
#include <gtest/gtest.h>

#include <limits>
#include <numeric>
#include <random>

#include "kernels/ref/transpose.hpp"
#include "runtime/ops/util.hpp"
#include "tests/ops/op_harness.hpp"

namespace vireo::test {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

Tensor i64(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({int64_t(v.size())}, v); }

template <class T>
Tensor iota(Shape shape) {
    int64_t n = checked_numel(shape);
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

std::vector<uint8_t> bytes(const Tensor& t) {
    const auto* p = static_cast<const uint8_t*>(t.raw());
    return std::vector<uint8_t>(p, p + t.nbytes());
}

Tensor one(const std::string& op, int opset, std::vector<Tensor> in, std::vector<rt::Attribute> attrs = {}) {
    auto out = run_op(node(op, opset, 1, std::move(attrs)), in);
    return out.at(0);
}

// ---------------------------------------------------------------- Reshape

TEST(ShapeOps, ReshapeZeroCopiesDimAndMinusOneInfers) {
    Tensor r = one("Reshape", 13, {iota<int32_t>({2, 3, 4}), i64({0, -1})});
    EXPECT_EQ(r.shape(), (Shape{2, 12}));
    EXPECT_EQ(values<int32_t>(r), values<int32_t>(iota<int32_t>({2, 3, 4})));
}

TEST(ShapeOps, ReshapeLegacyAttribute) {
    Tensor r = one("Reshape", 4, {iota<float>({6})}, {attr_ints("shape", {3, -1}), attr_ints("consumed_inputs", {0})});
    EXPECT_EQ(r.shape(), (Shape{3, 2}));
    EXPECT_THROW(one("Reshape", 4, {iota<float>({6})}), Error);
}

TEST(ShapeOps, ReshapeAllowZero) {
    Tensor r = one("Reshape", 14, {iota<float>({0, 3}), i64({3, 0})}, {attr_int("allowzero", 1)});
    EXPECT_EQ(r.shape(), (Shape{3, 0}));
    // allowzero is ignored before opset 14: 0 copies the input dim.
    EXPECT_EQ(one("Reshape", 13, {iota<float>({2, 3}), i64({0, 3})}, {attr_int("allowzero", 1)}).shape(),
              (Shape{2, 3}));
    EXPECT_THROW(one("Reshape", 14, {iota<float>({0, 3}), i64({0, -1})}, {attr_int("allowzero", 1)}), Error);
}

TEST(ShapeOps, ReshapeScalarAndBool) {
    Tensor b = Tensor::from_vector<bool>({1, 1}, {true});
    Tensor r = one("Reshape", 13, {b, i64({})});
    EXPECT_EQ(r.shape(), Shape{});
    EXPECT_EQ(r.dtype(), DType::Bool);
    EXPECT_EQ(bytes(r), std::vector<uint8_t>{1});
}

TEST(ShapeOps, ReshapeErrors) {
    Tensor x = iota<float>({2, 3});
    EXPECT_THROW(one("Reshape", 13, {x, i64({-1, -1})}), Error);
    EXPECT_THROW(one("Reshape", 13, {x, i64({4, 2})}), Error);
    EXPECT_THROW(one("Reshape", 13, {x, i64({-2, 3})}), Error);
    EXPECT_THROW(one("Reshape", 13, {x, i64({4, -1})}), Error);
    EXPECT_THROW(one("Reshape", 13, {x, i64({2, 3, 0})}), Error);  // 0 past the input rank
    EXPECT_THROW(one("Reshape", 13, {iota<float>({0, 3}), i64({0, -1})}), Error);
    EXPECT_THROW(one("Reshape", 13, {x, i64({kMax, kMax})}), Error);
}

// ---------------------------------------------------------------- Transpose

TEST(ShapeOps, TransposeDefaultReversesDims) {
    Tensor r = one("Transpose", 13, {iota<int64_t>({2, 3})});
    EXPECT_EQ(r.shape(), (Shape{3, 2}));
    EXPECT_EQ(values<int64_t>(r), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
}

TEST(ShapeOps, TransposeAllTypesAndPerms) {
    // Every permutation of a 4-D tensor, checked against direct indexing, for
    // element sizes 1, 2, 4 and 8.
    Shape s{3, 4, 5, 6};
    std::vector<int64_t> perm{0, 1, 2, 3};
    do {
        for (DType t : {DType::UInt8, DType::Int16, DType::Float32, DType::Float64}) {
            Tensor x = t == DType::UInt8 ? iota<uint8_t>(s)
                       : t == DType::Int16 ? iota<int16_t>(s)
                       : t == DType::Float32 ? iota<float>(s)
                                             : iota<double>(s);
            Tensor y = one("Transpose", 1, {x}, {attr_ints("perm", perm)});
            Shape os(4);
            for (int k = 0; k < 4; ++k) os[k] = s[perm[k]];
            ASSERT_EQ(y.shape(), os);
            auto ist = rt::contiguous_strides(s);
            int64_t k = 0;
            for (int64_t a = 0; a < os[0]; ++a)
                for (int64_t b = 0; b < os[1]; ++b)
                    for (int64_t c = 0; c < os[2]; ++c)
                        for (int64_t d = 0; d < os[3]; ++d, ++k) {
                            int64_t src = a * ist[perm[0]] + b * ist[perm[1]] + c * ist[perm[2]] + d * ist[perm[3]];
                            double got = rt::element_as_double(y, k);
                            ASSERT_EQ(got, rt::element_as_double(x, src)) << "perm " << shape_str(perm);
                        }
        }
    } while (std::next_permutation(perm.begin(), perm.end()));
}

TEST(ShapeOps, TransposeBlockedPathLargerThanTile) {
    // Non-multiple-of-block sizes through the blocked last-two-dims swap.
    Tensor x = iota<float>({2, 70, 45});
    Tensor y = one("Transpose", 13, {x}, {attr_ints("perm", {0, 2, 1})});
    auto v = values<float>(y);
    for (int64_t n = 0; n < 2; ++n)
        for (int64_t i = 0; i < 45; ++i)
            for (int64_t j = 0; j < 70; ++j)
                ASSERT_EQ(v[size_t((n * 45 + i) * 70 + j)], float((n * 70 + j) * 45 + i));
}

TEST(ShapeOps, TransposeErrors) {
    Tensor x = iota<float>({2, 3, 4});
    EXPECT_THROW(one("Transpose", 13, {x}, {attr_ints("perm", {0, 1})}), Error);
    EXPECT_THROW(one("Transpose", 13, {x}, {attr_ints("perm", {0, 1, 1})}), Error);
    EXPECT_THROW(one("Transpose", 13, {x}, {attr_ints("perm", {0, 1, 3})}), Error);
    EXPECT_THROW(one("Transpose", 13, {x}, {attr_ints("perm", {0, 1, -1})}), Error);
}

TEST(StridedCopyKernel, RandomViewsMatchNaiveGather) {
    std::mt19937 rng(7);
    for (int iter = 0; iter < 300; ++iter) {
        int rank = int(rng() % 5) + 1;
        Shape in_shape(static_cast<size_t>(rank));
        for (auto& d : in_shape) d = int64_t(rng() % 5) + 1;
        std::vector<int64_t> perm(static_cast<size_t>(rank));
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), rng);
        std::vector<int32_t> in(static_cast<size_t>(checked_numel(in_shape)));
        std::iota(in.begin(), in.end(), 0);
        std::vector<int32_t> out(in.size(), -1);
        auto plan = kernels::ref::transpose_plan(in_shape, perm);
        // Run the units in two uneven halves, as two threads would.
        int64_t half = plan.work_units() / 3;
        plan.run(in.data(), out.data(), 0, half);
        plan.run(in.data(), out.data(), half, plan.work_units());
        Shape os(static_cast<size_t>(rank));
        for (int k = 0; k < rank; ++k) os[size_t(k)] = in_shape[size_t(perm[size_t(k)])];
        auto ist = rt::contiguous_strides(in_shape);
        rt::for_each_index(os, [&](int64_t k, const std::vector<int64_t>& idx) {
            int64_t src = 0;
            for (int d = 0; d < rank; ++d) src += idx[size_t(d)] * ist[size_t(perm[size_t(d)])];
            ASSERT_EQ(out[size_t(k)], in[size_t(src)]);
        });
    }
}

TEST(StridedCopyKernel, RandomStridesIncludingBroadcastAndReversal) {
    std::mt19937 rng(11);
    for (int iter = 0; iter < 500; ++iter) {
        const int rank = int(rng() % 4) + 1;
        Shape shape(static_cast<size_t>(rank));
        std::vector<int64_t> strides(static_cast<size_t>(rank));
        int64_t lo = 0, hi = 0;  // extreme offsets relative to the first element
        for (int d = 0; d < rank; ++d) {
            shape[size_t(d)] = int64_t(rng() % 40) + 1;
            strides[size_t(d)] = int64_t(rng() % 7) - 3;  // -3..3, zero = broadcast
            if (rng() % 4 == 0) strides[size_t(d)] *= 37;   // far jumps exercise the tiles
            int64_t span = (shape[size_t(d)] - 1) * strides[size_t(d)];
            (span < 0 ? lo : hi) += span;
        }
        std::vector<int16_t> in(size_t(hi - lo + 1));
        std::iota(in.begin(), in.end(), int16_t(0));
        const int64_t n = checked_numel(shape);
        std::vector<int16_t> out(size_t(n), -1);
        kernels::ref::StridedCopy plan(shape, strides, -lo);
        ASSERT_EQ(plan.numel(), n);
        for (int64_t u = 0; u < plan.work_units(); u += 3)
            plan.run(in.data(), out.data(), u, std::min(plan.work_units(), u + 3));
        rt::for_each_index(shape, [&](int64_t k, const std::vector<int64_t>& idx) {
            int64_t src = -lo;
            for (int d = 0; d < rank; ++d) src += idx[size_t(d)] * strides[size_t(d)];
            ASSERT_EQ(out[size_t(k)], in[size_t(src)]) << "shape " << shape_str(shape) << " strides "
                                                       << shape_str(strides);
        });
    }
}

// ---------------------------------------------------------------- Squeeze / Unsqueeze / Flatten

TEST(ShapeOps, SqueezeForms) {
    Tensor x = iota<int8_t>({1, 3, 1, 2});
    EXPECT_EQ(one("Squeeze", 1, {x}).shape(), (Shape{3, 2}));
    EXPECT_EQ(one("Squeeze", 1, {x}, {attr_ints("axes", {2})}).shape(), (Shape{1, 3, 2}));
    EXPECT_EQ(one("Squeeze", 11, {x}, {attr_ints("axes", {-2})}).shape(), (Shape{1, 3, 2}));
    EXPECT_EQ(one("Squeeze", 13, {x, i64({0, -2})}).shape(), (Shape{3, 2}));
    EXPECT_EQ(one("Squeeze", 13, {x}).shape(), (Shape{3, 2}));
    EXPECT_EQ(values<int8_t>(one("Squeeze", 13, {x})), values<int8_t>(x));
}

TEST(ShapeOps, SqueezeErrors) {
    Tensor x = iota<float>({1, 3});
    EXPECT_THROW(one("Squeeze", 13, {x, i64({1})}), Error);      // size 3
    EXPECT_THROW(one("Squeeze", 13, {x, i64({2})}), Error);      // out of range
    EXPECT_THROW(one("Squeeze", 13, {x, i64({0, -2})}), Error);  // duplicate
    // Negative axes predate their opset-11 spec in exported models; accepted everywhere.
    EXPECT_EQ(one("Squeeze", 1, {x}, {attr_ints("axes", {-2})}).shape(), (Shape{3}));
}

TEST(ShapeOps, UnsqueezeAxesReferToOutput) {
    Tensor x = iota<uint8_t>({3, 4});
    EXPECT_EQ(one("Unsqueeze", 13, {x, i64({0, 3})}).shape(), (Shape{1, 3, 4, 1}));
    EXPECT_EQ(one("Unsqueeze", 13, {x, i64({-1, 0})}).shape(), (Shape{1, 3, 4, 1}));
    EXPECT_EQ(one("Unsqueeze", 1, {x}, {attr_ints("axes", {1})}).shape(), (Shape{3, 1, 4}));
    EXPECT_EQ(one("Unsqueeze", 13, {Tensor::scalar<int64_t>(5), i64({0})}).shape(), (Shape{1}));
    EXPECT_THROW(one("Unsqueeze", 13, {x, i64({0, 0})}), Error);
    EXPECT_THROW(one("Unsqueeze", 13, {x, i64({4})}), Error);
    EXPECT_THROW(one("Unsqueeze", 1, {x}), Error);
    EXPECT_EQ(one("Unsqueeze", 1, {x}, {attr_ints("axes", {-1})}).shape(), (Shape{3, 4, 1}));
}

TEST(ShapeOps, Flatten) {
    Tensor x = iota<int64_t>({2, 3, 4});
    EXPECT_EQ(one("Flatten", 1, {x}).shape(), (Shape{2, 12}));
    EXPECT_EQ(one("Flatten", 1, {x}, {attr_int("axis", 0)}).shape(), (Shape{1, 24}));
    EXPECT_EQ(one("Flatten", 1, {x}, {attr_int("axis", 3)}).shape(), (Shape{24, 1}));
    EXPECT_EQ(one("Flatten", 11, {x}, {attr_int("axis", -1)}).shape(), (Shape{6, 4}));
    EXPECT_EQ(one("Flatten", 11, {Tensor::scalar<float>(1)}, {attr_int("axis", 0)}).shape(), (Shape{1, 1}));
    EXPECT_EQ(one("Flatten", 9, {x}, {attr_int("axis", -3)}).shape(), (Shape{1, 24}));
    EXPECT_THROW(one("Flatten", 11, {x}, {attr_int("axis", -4)}), Error);
    EXPECT_THROW(one("Flatten", 11, {x}, {attr_int("axis", 4)}), Error);
}

// ---------------------------------------------------------------- Concat / Split

TEST(ShapeOps, ConcatTypesAndEmptyInputs) {
    Tensor a = iota<int32_t>({2, 1}), b = iota<int32_t>({2, 0}), c = iota<int32_t>({2, 2});
    Tensor r = run_op(node("Concat", 13, 1, {attr_int("axis", -1)}), {a, b, c})[0];
    EXPECT_EQ(r.shape(), (Shape{2, 3}));
    EXPECT_EQ(values<int32_t>(r), (std::vector<int32_t>{0, 0, 1, 1, 2, 3}));
}

TEST(ShapeOps, ConcatLegacyDefaultAxis) {
    Tensor a = iota<float>({1, 2}), b = iota<float>({1, 1});
    EXPECT_EQ(run_op(node("Concat", 1), {a, b})[0].shape(), (Shape{1, 3}));
    EXPECT_THROW(run_op(node("Concat", 4), {a, b}), Error);  // axis required from opset 4
}

TEST(ShapeOps, ConcatErrors) {
    auto concat = [](int64_t axis, std::vector<Tensor> in) {
        return run_op(node("Concat", 13, 1, {attr_int("axis", axis)}), in);
    };
    EXPECT_THROW(concat(0, {iota<float>({2, 3}), iota<float>({2, 4})}), Error);
    EXPECT_THROW(concat(0, {iota<float>({2, 3}), iota<float>({3})}), Error);
    EXPECT_THROW(concat(0, {iota<float>({2}), iota<int64_t>({2})}), Error);
    EXPECT_THROW(concat(2, {iota<float>({2, 3}), iota<float>({2, 3})}), Error);
    EXPECT_THROW(concat(0, {Tensor::scalar<float>(1), Tensor::scalar<float>(2)}), Error);
}

TEST(ShapeOps, SplitForms) {
    Tensor x = iota<int64_t>({2, 6});
    auto eq = run_op(node("Split", 13, 3, {attr_int("axis", 1)}), {x});
    ASSERT_EQ(eq.size(), 3u);
    EXPECT_EQ(eq[1].shape(), (Shape{2, 2}));
    EXPECT_EQ(values<int64_t>(eq[1]), (std::vector<int64_t>{2, 3, 8, 9}));

    auto attr = run_op(node("Split", 11, 2, {attr_int("axis", -1), attr_ints("split", {1, 5})}), {x});
    EXPECT_EQ(attr[1].shape(), (Shape{2, 5}));
    EXPECT_EQ(values<int64_t>(attr[0]), (std::vector<int64_t>{0, 6}));

    auto in = run_op(node("Split", 13, 2, {attr_int("axis", 1)}), {x, i64({4, 2})});
    EXPECT_EQ(values<int64_t>(in[1]), (std::vector<int64_t>{4, 5, 10, 11}));

    // Split-1 could take the sizes as a second input.
    auto v1 = run_op(node("Split", 1, 2, {attr_int("axis", 1)}), {x, i64({3, 3})});
    EXPECT_EQ(v1[0].shape(), (Shape{2, 3}));
}

TEST(ShapeOps, SplitErrors) {
    Tensor x = iota<float>({2, 5});
    EXPECT_THROW(run_op(node("Split", 13, 2, {attr_int("axis", 1)}), {x}), Error);  // uneven
    EXPECT_THROW(run_op(node("Split", 13, 2, {attr_int("axis", 1)}), {x, i64({2, 2})}), Error);
    EXPECT_THROW(run_op(node("Split", 13, 2, {attr_int("axis", 1)}), {x, i64({6, -1})}), Error);
    EXPECT_THROW(run_op(node("Split", 13, 3, {attr_int("axis", 1)}), {x, i64({5, 0})}), Error);
    EXPECT_THROW(run_op(node("Split", 13, 1, {attr_int("axis", 2)}), {x}), Error);
}

// ---------------------------------------------------------------- Slice

TEST(ShapeOps, SliceLegacyAttributes) {
    Tensor x = iota<float>({2, 4});
    Tensor r = one("Slice", 1, {x}, {attr_ints("starts", {0, 1}), attr_ints("ends", {-1, 1000})});
    EXPECT_EQ(r.shape(), (Shape{1, 3}));
    EXPECT_EQ(values<float>(r), (std::vector<float>{1, 2, 3}));
    r = one("Slice", 9, {x}, {attr_ints("starts", {1}), attr_ints("ends", {3}), attr_ints("axes", {1})});
    EXPECT_EQ(values<float>(r), (std::vector<float>{1, 2, 5, 6}));
    EXPECT_EQ(one("Slice", 9, {x}, {attr_ints("starts", {1}), attr_ints("ends", {3}), attr_ints("axes", {-1})}).shape(),
              (Shape{2, 2}));
}

TEST(ShapeOps, SliceNegativeStepsAndSentinels) {
    Tensor x = iota<int64_t>({5});
    auto slice = [&](int64_t s, int64_t e, int64_t st) {
        return values<int64_t>(one("Slice", 13, {x, i64({s}), i64({e}), i64({0}), i64({st})}));
    };
    EXPECT_EQ(slice(kMax, kMin, -1), (std::vector<int64_t>{4, 3, 2, 1, 0}));
    EXPECT_EQ(slice(-1, kMin, -2), (std::vector<int64_t>{4, 2, 0}));
    EXPECT_EQ(slice(3, 0, -1), (std::vector<int64_t>{3, 2, 1}));
    EXPECT_EQ(slice(0, kMax, 2), (std::vector<int64_t>{0, 2, 4}));
    EXPECT_EQ(slice(0, kMax, kMax), (std::vector<int64_t>{0}));
    EXPECT_EQ(slice(4, kMin, kMin), (std::vector<int64_t>{4}));
    EXPECT_EQ(slice(kMin, kMax, 1), (std::vector<int64_t>{0, 1, 2, 3, 4}));
    EXPECT_TRUE(slice(10, 20, 1).empty());
    EXPECT_TRUE(slice(0, 3, -1).empty());
    EXPECT_THROW(slice(0, 3, 0), Error);
}

TEST(ShapeOps, SliceInt32IndicesAndDefaults) {
    Tensor x = iota<uint8_t>({3, 4});
    auto i32 = [](std::vector<int32_t> v) { return Tensor::from_vector<int32_t>({int64_t(v.size())}, v); };
    Tensor r = one("Slice", 13, {x, i32({1, -3}), i32({3, -1})});
    EXPECT_EQ(r.shape(), (Shape{2, 2}));
    EXPECT_EQ(values<uint8_t>(r), (std::vector<uint8_t>{5, 6, 9, 10}));
    // Reverse both axes.
    r = one("Slice", 13, {x, i64({-1, -1}), i64({kMin, kMin}), i64({1, 0}), i64({-1, -1})});
    EXPECT_EQ(values<uint8_t>(r), (std::vector<uint8_t>{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
    // Empty input dim with a backward step.
    EXPECT_EQ(one("Slice", 13, {iota<float>({0, 2}), i64({-1}), i64({kMin}), i64({0}), i64({-1})}).shape(),
              (Shape{0, 2}));
    EXPECT_THROW(one("Slice", 13, {x, i64({0, 0}), i64({1, 1}), i64({1, -1})}), Error);  // duplicate axis
    EXPECT_THROW(one("Slice", 13, {x, i64({0}), i64({1, 1})}), Error);
}

// ---------------------------------------------------------------- Shape / Size

TEST(ShapeOps, ShapeStartEnd) {
    Tensor x = iota<float>({2, 3, 4});
    EXPECT_EQ(values<int64_t>(one("Shape", 13, {x})), (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(values<int64_t>(one("Shape", 15, {x}, {attr_int("start", -2)})), (std::vector<int64_t>{3, 4}));
    EXPECT_EQ(values<int64_t>(one("Shape", 15, {x}, {attr_int("start", 1), attr_int("end", -1)})),
              (std::vector<int64_t>{3}));
    EXPECT_EQ(values<int64_t>(one("Shape", 15, {x}, {attr_int("start", -10), attr_int("end", 10)})),
              (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(one("Shape", 15, {x}, {attr_int("start", 2), attr_int("end", 1)}).shape(), (Shape{0}));
    // start/end do not exist before opset 15.
    EXPECT_EQ(one("Shape", 13, {x}, {attr_int("start", 1)}).shape(), (Shape{3}));
    EXPECT_EQ(one("Shape", 1, {Tensor::scalar<uint8_t>(1)}).shape(), (Shape{0}));
}

TEST(ShapeOps, Size) {
    Tensor r = one("Size", 13, {iota<bool>({2, 0, 3})});
    EXPECT_EQ(r.shape(), Shape{});
    EXPECT_EQ(values<int64_t>(r), (std::vector<int64_t>{0}));
    EXPECT_EQ(values<int64_t>(one("Size", 1, {iota<int16_t>({2, 3})})), (std::vector<int64_t>{6}));
}

// ---------------------------------------------------------------- Constant / ConstantOfShape

TEST(ShapeOps, ConstantForms) {
    Tensor t = iota<int32_t>({2, 2});
    EXPECT_EQ(values<int32_t>(one("Constant", 1, {}, {attr_tensor("value", t)})), values<int32_t>(t));
    Tensor f = one("Constant", 12, {}, {attr_float("value_float", 2.5f)});
    EXPECT_EQ(f.shape(), Shape{});
    EXPECT_EQ(values<float>(f), std::vector<float>{2.5f});
    EXPECT_EQ(one("Constant", 12, {}, {attr_floats("value_floats", {1, 2, 3})}).shape(), (Shape{3}));
    EXPECT_EQ(values<int64_t>(one("Constant", 13, {}, {attr_int("value_int", -7)})), std::vector<int64_t>{-7});
    EXPECT_EQ(values<int64_t>(one("Constant", 13, {}, {attr_ints("value_ints", {4, 5})})),
              (std::vector<int64_t>{4, 5}));
    EXPECT_EQ(one("Constant", 13, {}, {attr_ints("value_ints", {})}).shape(), (Shape{0}));
}

TEST(ShapeOps, ConstantErrors) {
    EXPECT_THROW(one("Constant", 13, {}), Error);
    EXPECT_THROW(one("Constant", 13, {}, {attr_int("value_int", 1), attr_float("value_float", 1)}), Error);
    EXPECT_THROW(one("Constant", 13, {}, {attr_string("value_string", "x")}), Error);
    EXPECT_THROW(one("Constant", 13, {}, {attr_int("value", 1)}), Error);  // wrong attribute type
}

TEST(ShapeOps, ConstantOfShape) {
    Tensor r = one("ConstantOfShape", 9, {i64({2, 3})});
    EXPECT_EQ(r.dtype(), DType::Float32);
    EXPECT_EQ(values<float>(r), std::vector<float>(6, 0.0f));
    r = one("ConstantOfShape", 9, {i64({3})}, {attr_tensor("value", Tensor::from_vector<int32_t>({1}, {-4}))});
    EXPECT_EQ(values<int32_t>(r), (std::vector<int32_t>{-4, -4, -4}));
    r = one("ConstantOfShape", 9, {i64({2, 2})}, {attr_tensor("value", Tensor::scalar<bool>(true))});
    EXPECT_EQ(bytes(r), (std::vector<uint8_t>{1, 1, 1, 1}));
    r = one("ConstantOfShape", 9, {i64({})}, {attr_tensor("value", Tensor::scalar<int64_t>(9))});
    EXPECT_EQ(r.shape(), Shape{});
    EXPECT_EQ(values<int64_t>(r), std::vector<int64_t>{9});
    EXPECT_EQ(one("ConstantOfShape", 9, {i64({4, 0})}).numel(), 0);
}

TEST(ShapeOps, ConstantOfShapeErrors) {
    EXPECT_THROW(one("ConstantOfShape", 9, {i64({2, -1})}), Error);
    EXPECT_THROW(one("ConstantOfShape", 9, {i64({kMax, kMax})}), Error);
    EXPECT_THROW(one("ConstantOfShape", 9, {i64({int64_t(1) << 62})}), Error);  // overflows bytes
    EXPECT_THROW(one("ConstantOfShape", 9, {i64({2})}, {attr_tensor("value", iota<float>({2}))}), Error);
    EXPECT_THROW(one("ConstantOfShape", 8, {i64({2})}), Error);  // not in opset 8
}

// ---------------------------------------------------------------- Identity / Dropout

TEST(ShapeOps, IdentityAnyType) {
    Tensor b = Tensor::from_vector<bool>({3}, {true, false, true});
    EXPECT_EQ(bytes(one("Identity", 13, {b})), (std::vector<uint8_t>{1, 0, 1}));
    EXPECT_EQ(values<uint64_t>(one("Identity", 1, {iota<uint64_t>({2})})), (std::vector<uint64_t>{0, 1}));
}

TEST(ShapeOps, DropoutLegacyIsIdentityWithTypedMask) {
    Tensor x = iota<float>({4});
    auto out = run_op(node("Dropout", 6, 2, {attr_int("is_test", 0), attr_float("ratio", 0.3f)}), {x});
    EXPECT_EQ(values<float>(out[0]), values<float>(x));
    EXPECT_EQ(values<float>(out[1]), std::vector<float>(4, 1.0f));  // mask typed like the data
    out = run_op(node("Dropout", 1, 2, {attr_ints("consumed_inputs", {0})}), {x});
    EXPECT_EQ(out[1].dtype(), DType::Float32);
    out = run_op(node("Dropout", 10, 2), {x});
    EXPECT_EQ(out[1].dtype(), DType::Bool);
    EXPECT_EQ(bytes(out[1]), std::vector<uint8_t>(4, 1));
}

TEST(ShapeOps, DropoutTrainingMode) {
    Tensor x = iota<double>({1000});
    Tensor on = Tensor::scalar<bool>(true), off = Tensor::scalar<bool>(false);
    // training_mode false, or ratio 0: identity with an all-true mask.
    auto out = run_op(node("Dropout", 13, 2), {x, Tensor::scalar<float>(0.5f), off});
    EXPECT_EQ(values<double>(out[0]), values<double>(x));
    out = run_op(node("Dropout", 13, 2), {x, Tensor::scalar<float>(0.0f), on});
    EXPECT_EQ(values<double>(out[0]), values<double>(x));
    EXPECT_EQ(bytes(out[1]), std::vector<uint8_t>(1000, 1));
    // Random dropout: kept values are scaled by 1 / (1 - ratio), and the result is reproducible.
    out = run_op(node("Dropout", 13, 2, {attr_int("seed", 3)}), {x, Tensor::scalar<float>(0.5f), on});
    auto again = run_op(node("Dropout", 13, 2, {attr_int("seed", 3)}), {x, Tensor::scalar<float>(0.5f), on});
    EXPECT_EQ(values<double>(out[0]), values<double>(again[0]));
    auto y = values<double>(out[0]);
    auto m = bytes(out[1]);
    int kept = 0;
    for (size_t i = 0; i < y.size(); ++i) {
        EXPECT_EQ(y[i], m[i] ? 2.0 * double(i) : 0.0);
        kept += m[i];
    }
    EXPECT_GT(kept, 400);
    EXPECT_LT(kept, 600);
    EXPECT_THROW(run_op(node("Dropout", 13, 1), {x, Tensor::scalar<float>(1.0f), on}), Error);
    EXPECT_THROW(run_op(node("Dropout", 13, 1), {iota<int32_t>({2})}), Error);
}

// ---------------------------------------------------------------- Expand / Tile

TEST(ShapeOps, ExpandBidirectional) {
    Tensor x = iota<int16_t>({3, 1});
    Tensor r = one("Expand", 8, {x, i64({2, 1, 2})});
    EXPECT_EQ(r.shape(), (Shape{2, 3, 2}));
    EXPECT_EQ(values<int16_t>(r), (std::vector<int16_t>{0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2}));
    // A shorter shape keeps the input's dims.
    EXPECT_EQ(one("Expand", 13, {x, i64({1})}).shape(), (Shape{3, 1}));
    EXPECT_EQ(one("Expand", 13, {x, i64({0})}).shape(), (Shape{3, 0}));
    EXPECT_THROW(one("Expand", 13, {x, i64({2, 2})}), Error);
    EXPECT_THROW(one("Expand", 13, {x, i64({-1})}), Error);
    EXPECT_THROW(one("Expand", 13, {x, i64({kMax, kMax})}), Error);
}

TEST(ShapeOps, Tile) {
    Tensor x = Tensor::from_vector<bool>({2}, {true, false});
    Tensor r = one("Tile", 13, {x, i64({3})});
    EXPECT_EQ(bytes(r), (std::vector<uint8_t>{1, 0, 1, 0, 1, 0}));
    r = one("Tile", 6, {iota<int32_t>({2, 2}), i64({1, 0})});
    EXPECT_EQ(r.shape(), (Shape{2, 0}));
    EXPECT_THROW(one("Tile", 13, {x, i64({1, 1})}), Error);
    EXPECT_THROW(one("Tile", 13, {x, i64({-1})}), Error);
    EXPECT_THROW(one("Tile", 13, {x, i64({kMax})}), Error);
}

TEST(ShapeOps, TileLegacyTilesAndAxis) {
    Tensor x = iota<float>({2, 2});
    Tensor r = one("Tile", 1, {x, Tensor::scalar<float>(2), Tensor::scalar<float>(1)});
    EXPECT_EQ(r.shape(), (Shape{2, 4}));
    EXPECT_EQ(values<float>(r), (std::vector<float>{0, 1, 0, 1, 2, 3, 2, 3}));
    EXPECT_THROW(one("Tile", 1, {x, Tensor::scalar<float>(1.5f), Tensor::scalar<float>(0)}), Error);
    EXPECT_THROW(one("Tile", 1, {x, Tensor::scalar<float>(2), Tensor::scalar<float>(2)}), Error);
}

// ---------------------------------------------------------------- DepthToSpace / SpaceToDepth

TEST(ShapeOps, DepthToSpaceRoundTripsWithSpaceToDepth) {
    Tensor x = iota<int64_t>({2, 8, 3, 5});
    Tensor d2s = one("DepthToSpace", 1, {x}, {attr_int("blocksize", 2)});
    EXPECT_EQ(d2s.shape(), (Shape{2, 2, 6, 10}));
    Tensor back = one("SpaceToDepth", 13, {d2s}, {attr_int("blocksize", 2)});
    EXPECT_EQ(values<int64_t>(back), values<int64_t>(x));
}

TEST(ShapeOps, DepthToSpaceModes) {
    Tensor x = iota<float>({1, 4, 1, 1});
    // DCR: channel = (bh * 2 + bw) * C' + c; with C' = 1 it is the identity order.
    EXPECT_EQ(values<float>(one("DepthToSpace", 11, {x}, {attr_int("blocksize", 2)})),
              (std::vector<float>{0, 1, 2, 3}));
    Tensor y = iota<float>({1, 8, 1, 1});
    EXPECT_EQ(values<float>(one("DepthToSpace", 11, {y}, {attr_int("blocksize", 2)})),
              (std::vector<float>{0, 2, 4, 6, 1, 3, 5, 7}));
    EXPECT_EQ(values<float>(one("DepthToSpace", 11, {y}, {attr_int("blocksize", 2), attr_string("mode", "CRD")})),
              (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(ShapeOps, DepthSpaceErrors) {
    Tensor x = iota<float>({1, 6, 2, 2});
    EXPECT_THROW(one("DepthToSpace", 11, {x}, {attr_int("blocksize", 2)}), Error);  // 6 % 4
    EXPECT_THROW(one("DepthToSpace", 11, {x}, {attr_int("blocksize", 0)}), Error);
    EXPECT_THROW(one("DepthToSpace", 11, {x}), Error);
    EXPECT_THROW(one("DepthToSpace", 11, {x}, {attr_int("blocksize", 1), attr_string("mode", "XYZ")}), Error);
    EXPECT_THROW(one("DepthToSpace", 11, {iota<float>({4, 1, 1})}, {attr_int("blocksize", 1)}), Error);
    EXPECT_THROW(one("SpaceToDepth", 1, {iota<float>({1, 1, 3, 2})}, {attr_int("blocksize", 2)}), Error);
    EXPECT_THROW(one("SpaceToDepth", 1, {x}, {attr_int("blocksize", -2)}), Error);
}

}  // namespace
}  // namespace vireo::test
