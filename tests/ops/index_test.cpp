// Index-family ops (Gather*, Scatter*, Range, NonZero, OneHot, Trilu, EyeLike,
// Pad, Resize, Upsample): legacy opsets, integer/bool element types, N-d
// resizing and the error paths that the ONNX backend cases do not cover.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/ref/resize.hpp"
#include "tests/ops/op_harness.hpp"

namespace vireo::test {
namespace {

Tensor i64(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({int64_t(v.size())}, v); }
Tensor i32(std::vector<int32_t> v) { return Tensor::from_vector<int32_t>({int64_t(v.size())}, v); }
Tensor f32(std::vector<float> v) { return Tensor::from_vector<float>({int64_t(v.size())}, v); }

template <class T>
Tensor iota(Shape shape, T start = T(0)) {
    const int64_t n = checked_numel(shape);
    std::vector<T> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[size_t(i)] = T(start + T(i));
    return Tensor::from_vector<T>(std::move(shape), v);
}

template <class T>
std::vector<T> values(const Tensor& t) {
    EXPECT_EQ(t.dtype(), dtype_of<T>);
    const T* p = static_cast<const T*>(t.raw());
    return std::vector<T>(p, p + t.numel());
}

std::vector<uint8_t> bools(const Tensor& t) {
    EXPECT_EQ(t.dtype(), DType::Bool);
    const auto* p = static_cast<const uint8_t*>(t.raw());
    return std::vector<uint8_t>(p, p + t.numel());
}

Tensor bool_tensor(Shape shape, std::vector<bool> v) { return Tensor::from_vector<bool>(std::move(shape), v); }

Tensor one(const std::string& op, int opset, std::vector<Tensor> in, std::vector<rt::Attribute> attrs = {}) {
    return run_op(node(op, opset, 1, std::move(attrs)), in).at(0);
}

const Tensor kNone;  // an omitted optional input

// ---------------------------------------------------------------- Gather

TEST(IndexOps, GatherInt32IndicesNegativeAndShape) {
    // data [3, 2] int64, indices [2, 2] on axis 0 -> [2, 2, 2]
    Tensor data = iota<int64_t>({3, 2}, 10);
    Tensor ind = Tensor::from_vector<int32_t>({2, 2}, {0, -1, 2, 1});
    Tensor r = one("Gather", 13, {data, ind});
    EXPECT_EQ(r.shape(), (Shape{2, 2, 2}));
    EXPECT_EQ(values<int64_t>(r), (std::vector<int64_t>{10, 11, 14, 15, 14, 15, 12, 13}));
}

TEST(IndexOps, GatherScalarIndexDropsAxisAndKeepsBool) {
    Tensor data = bool_tensor({2, 3}, {true, false, true, false, false, true});
    Tensor r = one("Gather", 1, {data, Tensor::scalar<int64_t>(1)}, {attr_int("axis", -1)});
    EXPECT_EQ(r.shape(), (Shape{2}));
    EXPECT_EQ(bools(r), (std::vector<uint8_t>{0, 0}));
}

TEST(IndexOps, GatherEmptyIndices) {
    Tensor r = one("Gather", 13, {iota<float>({4, 3}), Tensor::from_vector<int64_t>({0}, {})});
    EXPECT_EQ(r.shape(), (Shape{0, 3}));
}

TEST(IndexOps, GatherRejectsBadIndicesAndAxis) {
    Tensor data = iota<float>({3, 2});
    EXPECT_THROW(one("Gather", 13, {data, i64({3})}), Error);
    EXPECT_THROW(one("Gather", 13, {data, i64({-4})}), Error);
    EXPECT_THROW(one("Gather", 13, {data, i64({0})}, {attr_int("axis", 2)}), Error);
    EXPECT_THROW(one("Gather", 13, {data, f32({0})}), Error);
    EXPECT_THROW(one("Gather", 13, {Tensor::scalar<float>(1), i64({0})}), Error);
}

// ---------------------------------------------------------------- GatherElements

TEST(IndexOps, GatherElementsAxis1Int8) {
    Tensor data = Tensor::from_vector<int8_t>({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor ind = Tensor::from_vector<int32_t>({2, 2}, {2, -3, 1, 1});
    Tensor r = one("GatherElements", 13, {data, ind}, {attr_int("axis", 1)});
    EXPECT_EQ(values<int8_t>(r), (std::vector<int8_t>{3, 1, 5, 5}));
}

TEST(IndexOps, GatherElementsAxis0SmallerIndices) {
    // indices [1, 2] inside data [3, 3]: out[0][j] = data[idx][j]
    Tensor data = iota<float>({3, 3});
    Tensor ind = Tensor::from_vector<int64_t>({1, 2}, {2, 0});
    Tensor r = one("GatherElements", 13, {data, ind});
    EXPECT_EQ(values<float>(r), (std::vector<float>{6, 1}));
}

TEST(IndexOps, GatherElementsErrors) {
    Tensor data = iota<float>({2, 2});
    EXPECT_THROW(one("GatherElements", 13, {data, Tensor::from_vector<int64_t>({1, 1}, {2})}), Error);
    EXPECT_THROW(one("GatherElements", 13, {data, i64({0, 1})}), Error);  // rank mismatch
    EXPECT_THROW(one("GatherElements", 13, {data, Tensor::from_vector<int64_t>({1, 3}, {0, 0, 0})}),
                 Error);  // exceeds data outside the axis
}

// ---------------------------------------------------------------- GatherND

TEST(IndexOps, GatherNDBatchDimsInt64) {
    // data [2, 2, 2], batch_dims 1, indices [2, 1] -> out [2, 2]
    Tensor data = iota<int64_t>({2, 2, 2});
    Tensor ind = Tensor::from_vector<int64_t>({2, 1}, {1, -2});
    Tensor r = one("GatherND", 12, {data, ind}, {attr_int("batch_dims", 1)});
    EXPECT_EQ(r.shape(), (Shape{2, 2}));
    EXPECT_EQ(values<int64_t>(r), (std::vector<int64_t>{2, 3, 4, 5}));
}

TEST(IndexOps, GatherNDFullTuplesGiveElements) {
    Tensor data = iota<int32_t>({2, 3});
    Tensor ind = Tensor::from_vector<int32_t>({3, 2}, {0, 0, 1, 2, -1, -3});
    Tensor r = one("GatherND", 13, {data, ind});
    EXPECT_EQ(values<int32_t>(r), (std::vector<int32_t>{0, 5, 3}));
}

TEST(IndexOps, GatherNDErrors) {
    Tensor data = iota<float>({2, 3});
    EXPECT_THROW(one("GatherND", 13, {data, Tensor::from_vector<int64_t>({1, 3}, {0, 0, 0})}), Error);
    EXPECT_THROW(one("GatherND", 13, {data, Tensor::from_vector<int64_t>({1, 2}, {0, 3})}), Error);
    EXPECT_THROW(one("GatherND", 13, {data, Tensor::from_vector<int64_t>({3, 1}, {0, 0, 0})},
                     {attr_int("batch_dims", 1)}),
                 Error);  // batch dims differ (2 vs 3)
    EXPECT_THROW(one("GatherND", 13, {data, i64({0})}, {attr_int("batch_dims", -1)}), Error);
}

// ---------------------------------------------------------------- Scatters

TEST(IndexOps, ScatterElementsReductionsOnIntegers) {
    Tensor data = Tensor::from_vector<int32_t>({1, 4}, {1, 2, 3, 4});
    Tensor ind = Tensor::from_vector<int64_t>({1, 3}, {1, 1, -1});
    Tensor upd = Tensor::from_vector<int32_t>({1, 3}, {10, 20, 3});
    EXPECT_EQ(values<int32_t>(one("ScatterElements", 16, {data, ind, upd},
                                  {attr_int("axis", 1), attr_string("reduction", "add")})),
              (std::vector<int32_t>{1, 32, 3, 7}));
    EXPECT_EQ(values<int32_t>(one("ScatterElements", 16, {data, ind, upd},
                                  {attr_int("axis", 1), attr_string("reduction", "mul")})),
              (std::vector<int32_t>{1, 400, 3, 12}));
    // No reduction: duplicates resolve in index order, the last write wins.
    EXPECT_EQ(values<int32_t>(one("ScatterElements", 13, {data, ind, upd}, {attr_int("axis", 1)})),
              (std::vector<int32_t>{1, 20, 3, 3}));
}

TEST(IndexOps, ScatterElementsBoolAndErrors) {
    Tensor data = bool_tensor({3}, {false, false, true});
    Tensor r = one("ScatterElements", 16, {data, i64({0, 2}), bool_tensor({2}, {true, false})},
                   {attr_string("reduction", "add")});
    EXPECT_EQ(bools(r), (std::vector<uint8_t>{1, 0, 1}));
    Tensor f = iota<float>({3});
    EXPECT_THROW(one("ScatterElements", 13, {f, i64({3}), f32({1})}), Error);
    EXPECT_THROW(one("ScatterElements", 13, {f, i64({0, 1}), f32({1})}), Error);  // updates shape
    EXPECT_THROW(one("ScatterElements", 13, {f, i64({0}), i32({1})}), Error);     // updates type
    EXPECT_THROW(one("ScatterElements", 16, {f, i64({0}), f32({1})}, {attr_string("reduction", "max")}),
                 Error);
}

TEST(IndexOps, ScatterNDSlicesAndReduction) {
    Tensor data = iota<int64_t>({3, 2});
    Tensor ind = Tensor::from_vector<int64_t>({2, 1}, {-1, 0});
    Tensor upd = Tensor::from_vector<int64_t>({2, 2}, {7, 8, 9, 10});
    EXPECT_EQ(values<int64_t>(one("ScatterND", 13, {data, ind, upd})),
              (std::vector<int64_t>{9, 10, 2, 3, 7, 8}));
    EXPECT_EQ(values<int64_t>(one("ScatterND", 16, {data, ind, upd}, {attr_string("reduction", "mul")})),
              (std::vector<int64_t>{0, 10, 2, 3, 28, 40}));
}

TEST(IndexOps, ScatterNDErrors) {
    Tensor data = iota<float>({3, 2});
    EXPECT_THROW(one("ScatterND", 13, {data, Tensor::from_vector<int64_t>({1, 1}, {3}), iota<float>({1, 2})}),
                 Error);
    EXPECT_THROW(one("ScatterND", 13, {data, Tensor::from_vector<int64_t>({1, 1}, {0}), iota<float>({1, 3})}),
                 Error);
    EXPECT_THROW(one("ScatterND", 13, {data, Tensor::from_vector<int64_t>({1, 3}, {0, 0, 0}), f32({1})}),
                 Error);
}

// ---------------------------------------------------------------- Range

TEST(IndexOps, RangeIntegerTypes) {
    Tensor r = one("Range", 11, {Tensor::scalar<int64_t>(10), Tensor::scalar<int64_t>(1), Tensor::scalar<int64_t>(-4)});
    EXPECT_EQ(values<int64_t>(r), (std::vector<int64_t>{10, 6, 2}));
    Tensor s = one("Range", 11, {Tensor::scalar<int16_t>(0), Tensor::scalar<int16_t>(5), Tensor::scalar<int16_t>(2)});
    EXPECT_EQ(values<int16_t>(s), (std::vector<int16_t>{0, 2, 4}));
    Tensor e = one("Range", 11, {Tensor::scalar<int32_t>(5), Tensor::scalar<int32_t>(5), Tensor::scalar<int32_t>(1)});
    EXPECT_EQ(e.shape(), (Shape{0}));
    // Extreme int64 bounds: the span overflows int64, the length does not.
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
    Tensor x = one("Range", 11, {Tensor::scalar<int64_t>(kMin), Tensor::scalar<int64_t>(kMax),
                                 Tensor::scalar<int64_t>(int64_t(1) << 62)});
    EXPECT_EQ(values<int64_t>(x), (std::vector<int64_t>{kMin, kMin / 2, 0, int64_t(1) << 62}));
}

TEST(IndexOps, RangeFloatAndErrors) {
    Tensor r = one("Range", 11, {Tensor::scalar<double>(1), Tensor::scalar<double>(2), Tensor::scalar<double>(0.25)});
    EXPECT_EQ(values<double>(r), (std::vector<double>{1, 1.25, 1.5, 1.75}));
    EXPECT_THROW(one("Range", 11, {Tensor::scalar<float>(0), Tensor::scalar<float>(1), Tensor::scalar<float>(0)}),
                 Error);
    EXPECT_THROW(one("Range", 11, {Tensor::scalar<int64_t>(0), Tensor::scalar<int64_t>(1), Tensor::scalar<int64_t>(0)}),
                 Error);
    EXPECT_THROW(one("Range", 11, {Tensor::scalar<float>(0), Tensor::scalar<float>(1e30f), Tensor::scalar<float>(1)}),
                 Error);  // length capped
    EXPECT_THROW(one("Range", 11, {Tensor::scalar<float>(0), Tensor::scalar<float>(INFINITY), Tensor::scalar<float>(1)}),
                 Error);
    EXPECT_THROW(one("Range", 11, {f32({0, 1}), Tensor::scalar<float>(1), Tensor::scalar<float>(1)}), Error);
    EXPECT_THROW(one("Range", 11, {Tensor::scalar<int64_t>(0), Tensor::scalar<int32_t>(1), Tensor::scalar<int64_t>(1)}),
                 Error);
}

// ---------------------------------------------------------------- NonZero

TEST(IndexOps, NonZeroBoolIntAndScalar) {
    Tensor b = one("NonZero", 13, {bool_tensor({2, 2}, {false, true, true, false})});
    EXPECT_EQ(b.shape(), (Shape{2, 2}));
    EXPECT_EQ(values<int64_t>(b), (std::vector<int64_t>{0, 1, 1, 0}));
    Tensor i = one("NonZero", 9, {Tensor::from_vector<int32_t>({4}, {0, 3, 0, -1})});
    EXPECT_EQ(values<int64_t>(i), (std::vector<int64_t>{1, 3}));
    Tensor s = one("NonZero", 13, {Tensor::scalar<float>(2)});
    EXPECT_EQ(s.shape(), (Shape{1, 1}));
    EXPECT_EQ(one("NonZero", 13, {Tensor::scalar<float>(0)}).shape(), (Shape{1, 0}));
    EXPECT_EQ(one("NonZero", 13, {iota<float>({0, 3})}).shape(), (Shape{2, 0}));
}

// ---------------------------------------------------------------- OneHot

TEST(IndexOps, OneHotNegativeIndicesByOpset) {
    Tensor ind = i64({1, -1, 5});
    Tensor values_ = Tensor::from_vector<int64_t>({2}, {0, 7});
    // Opset 11 wraps -1 to depth-1; opset 9 treats it as out of range (all off).
    Tensor r11 = one("OneHot", 11, {ind, Tensor::scalar<int64_t>(3), values_});
    EXPECT_EQ(values<int64_t>(r11), (std::vector<int64_t>{0, 7, 0, 0, 0, 7, 0, 0, 0}));
    Tensor r9 = one("OneHot", 9, {ind, Tensor::scalar<int64_t>(3), values_});
    EXPECT_EQ(values<int64_t>(r9), (std::vector<int64_t>{0, 7, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(IndexOps, OneHotFloatDepthAxis0AndErrors) {
    // depth 2.9 truncates to 2; axis 0 puts depth first: out[d][i].
    Tensor r = one("OneHot", 11, {f32({1, 0, 1}), f32({2.9f}), bool_tensor({2}, {false, true})},
                   {attr_int("axis", 0)});
    EXPECT_EQ(r.shape(), (Shape{2, 3}));
    EXPECT_EQ(bools(r), (std::vector<uint8_t>{0, 1, 0, 1, 0, 1}));
    Tensor v = f32({0, 1});
    EXPECT_THROW(one("OneHot", 11, {i64({0}), Tensor::scalar<int64_t>(0), v}), Error);
    EXPECT_THROW(one("OneHot", 11, {i64({0}), i64({2, 2}), v}), Error);
    EXPECT_THROW(one("OneHot", 11, {i64({0}), Tensor::scalar<int64_t>(2), f32({0, 1, 2})}), Error);
    EXPECT_THROW(one("OneHot", 11, {i64({0}), Tensor::scalar<int64_t>(2), v}, {attr_int("axis", 2)}), Error);
}

// ---------------------------------------------------------------- Trilu / EyeLike

TEST(IndexOps, TriluBatchedBoolAndHugeK) {
    Tensor x = bool_tensor({2, 2, 3}, std::vector<bool>(12, true));
    Tensor up = one("Trilu", 14, {x, Tensor::scalar<int64_t>(1)});
    EXPECT_EQ(bools(up), (std::vector<uint8_t>{0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1}));
    Tensor lo = one("Trilu", 14, {iota<int32_t>({2, 3}, 1), kNone}, {attr_int("upper", 0)});
    EXPECT_EQ(values<int32_t>(lo), (std::vector<int32_t>{1, 0, 0, 4, 5, 0}));
    Tensor all = one("Trilu", 14, {iota<int32_t>({2, 3}, 1), Tensor::scalar<int64_t>(std::numeric_limits<int64_t>::min())});
    EXPECT_EQ(values<int32_t>(all), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
    Tensor none = one("Trilu", 14, {iota<int32_t>({2, 3}, 1), Tensor::scalar<int64_t>(std::numeric_limits<int64_t>::max())});
    EXPECT_EQ(values<int32_t>(none), (std::vector<int32_t>(6, 0)));
    EXPECT_THROW(one("Trilu", 14, {iota<float>({3})}), Error);
}

TEST(IndexOps, EyeLikeOffsetsAndDtype) {
    Tensor r = one("EyeLike", 9, {iota<float>({3, 2})}, {attr_int("k", -1), attr_int("dtype", int64_t(DType::Bool))});
    EXPECT_EQ(bools(r), (std::vector<uint8_t>{0, 0, 1, 0, 0, 1}));
    Tensor far = one("EyeLike", 9, {iota<int64_t>({2, 2})}, {attr_int("k", 5)});
    EXPECT_EQ(values<int64_t>(far), (std::vector<int64_t>{0, 0, 0, 0}));
    EXPECT_THROW(one("EyeLike", 9, {iota<float>({2, 2, 2})}), Error);
    EXPECT_THROW(one("EyeLike", 9, {iota<float>({2, 2})}, {attr_int("dtype", 8)}), Error);  // string
}

// ---------------------------------------------------------------- Pad

TEST(IndexOps, PadLegacyAttributes) {
    Tensor x = iota<float>({2, 2}, 1);
    // Opset 1 names the pads `paddings`.
    Tensor r1 = one("Pad", 1, {x}, {attr_ints("paddings", {0, 1, 0, 0}), attr_float("value", 9)});
    EXPECT_EQ(values<float>(r1), (std::vector<float>{9, 1, 2, 9, 3, 4}));
    Tensor r2 = one("Pad", 2, {x}, {attr_ints("pads", {1, 0, 0, 0}), attr_string("mode", "edge")});
    EXPECT_EQ(values<float>(r2), (std::vector<float>{1, 2, 1, 2, 3, 4}));
    EXPECT_THROW(one("Pad", 2, {x}, {attr_ints("paddings", {0, 1, 0, 0})}), Error);
    EXPECT_THROW(one("Pad", 2, {x}), Error);
}

TEST(IndexOps, PadInputsIntegerConstantAndCrop) {
    Tensor x = Tensor::from_vector<int8_t>({1, 4}, {1, 2, 3, 4});
    Tensor r = one("Pad", 11, {x, i64({0, 2, 0, -1}), Tensor::scalar<int8_t>(-5)});
    EXPECT_EQ(values<int8_t>(r), (std::vector<int8_t>{-5, -5, 1, 2, 3}));
    Tensor z = one("Pad", 13, {x, i64({0, -1, 1, 0}), kNone});
    EXPECT_EQ(z.shape(), (Shape{2, 3}));
    EXPECT_EQ(values<int8_t>(z), (std::vector<int8_t>{2, 3, 4, 0, 0, 0}));
}

TEST(IndexOps, PadReflectAndEdgeModes) {
    Tensor x = Tensor::from_vector<int32_t>({4}, {1, 2, 3, 4});
    EXPECT_EQ(values<int32_t>(one("Pad", 11, {x, i64({3, 2})}, {attr_string("mode", "reflect")})),
              (std::vector<int32_t>{4, 3, 2, 1, 2, 3, 4, 3, 2}));
    EXPECT_EQ(values<int32_t>(one("Pad", 11, {x, i64({2, 1})}, {attr_string("mode", "edge")})),
              (std::vector<int32_t>{1, 1, 1, 2, 3, 4, 4}));
    // Cropping one side while reflecting the other still reflects about the original edge.
    EXPECT_EQ(values<int32_t>(one("Pad", 11, {x, i64({-1, 2})}, {attr_string("mode", "reflect")})),
              (std::vector<int32_t>{2, 3, 4, 3, 2}));
    Tensor b = bool_tensor({2}, {true, false});
    EXPECT_EQ(bools(one("Pad", 13, {b, i64({1, 1})}, {attr_string("mode", "edge")})),
              (std::vector<uint8_t>{1, 1, 0, 0}));
}

TEST(IndexOps, PadErrors) {
    Tensor x = iota<float>({2, 3});
    EXPECT_THROW(one("Pad", 11, {x, i64({0, 1, 0})}), Error);                                        // length
    EXPECT_THROW(one("Pad", 11, {x, i64({0, 3, 0, 0})}, {attr_string("mode", "reflect")}), Error);  // pad >= dim
    EXPECT_THROW(one("Pad", 11, {x, i64({0, -2, 0, -2})}), Error);                                   // crops below 0
    EXPECT_THROW(one("Pad", 11, {x, i64({0, 0, 0, 0})}, {attr_string("mode", "wrap")}), Error);
    EXPECT_THROW(one("Pad", 11, {x, i64({0, 0, 0, 0}), Tensor::scalar<double>(1)}), Error);         // value type
    EXPECT_THROW(one("Pad", 11, {iota<float>({0, 2}), i64({1, 0, 0, 0})}, {attr_string("mode", "edge")}), Error);
}

// ---------------------------------------------------------------- Resize / Upsample

TEST(IndexOps, ResizeOpset10NearestAndLinear) {
    // Resize-10 uses asymmetric coordinates; nearest downsampling takes the ceiling.
    Tensor x = iota<float>({1, 1, 2, 4}, 1);
    Tensor r = one("Resize", 10, {x, f32({1, 1, 0.6f, 0.6f})});
    EXPECT_EQ(r.shape(), (Shape{1, 1, 1, 2}));
    EXPECT_EQ(values<float>(r), (std::vector<float>{1, 3}));
    Tensor lin = one("Resize", 10, {iota<float>({1, 2}), f32({1, 2})}, {attr_string("mode", "linear")});
    EXPECT_EQ(values<float>(lin), (std::vector<float>{0, 0.5f, 1, 1}));
    EXPECT_THROW(one("Resize", 10, {x, f32({1, 1, 2, 2})}, {attr_string("mode", "cubic")}), Error);
}

TEST(IndexOps, ResizeScalesOrSizes) {
    Tensor x = iota<float>({1, 4});
    EXPECT_THROW(one("Resize", 13, {x, kNone, f32({1, 2}), i64({1, 8})}), Error);  // both
    EXPECT_THROW(one("Resize", 13, {x, kNone, kNone, kNone}), Error);             // neither
    // Empty tensors mean absent (opset 11 requires the scales slot to be filled).
    Tensor empty = Tensor::from_vector<float>({0}, {});
    EXPECT_EQ(one("Resize", 11, {x, empty, empty, i64({1, 2})}).shape(), (Shape{1, 2}));
    EXPECT_THROW(one("Resize", 13, {x, kNone, f32({1, 0})}), Error);
    EXPECT_THROW(one("Resize", 13, {x, kNone, f32({1, -2})}), Error);
    EXPECT_THROW(one("Resize", 13, {x, kNone, f32({1, NAN})}), Error);
    EXPECT_THROW(one("Resize", 13, {x, kNone, kNone, i64({1, 0})}), Error);
    EXPECT_THROW(one("Resize", 13, {x, kNone, kNone, i64({1, 2, 3})}), Error);
    EXPECT_THROW(one("Resize", 13, {x, kNone, f32({1, 1e30f})}), Error);
    EXPECT_THROW(one("Resize", 13, {iota<float>({0, 2}), kNone, kNone, i64({2, 2})}), Error);
}

TEST(IndexOps, ResizeAttributeValidation) {
    Tensor x = iota<float>({2, 2});
    Tensor s = f32({2, 2});
    EXPECT_THROW(one("Resize", 13, {x, kNone, s}, {attr_string("mode", "area")}), Error);
    EXPECT_THROW(one("Resize", 13, {x, kNone, s}, {attr_string("coordinate_transformation_mode", "tf_half_pixel_for_nn")}),
                 Error);  // removed in opset 13
    EXPECT_NO_THROW(one("Resize", 11, {x, kNone, s}, {attr_string("coordinate_transformation_mode", "tf_half_pixel_for_nn")}));
    EXPECT_THROW(one("Resize", 13, {x, kNone, s}, {attr_string("nearest_mode", "nearest")}), Error);
    EXPECT_THROW(one("Resize", 13, {bool_tensor({1}, {true}), kNone, f32({2})}, {attr_string("mode", "linear")}), Error);
    EXPECT_THROW(one("Resize", 13, {Tensor::scalar<float>(1), kNone, f32({})}), Error);
}

// Linear interpolation reproduces an affine function exactly, so an N-d
// align_corners resize of f(i, j, k) = 100 i + 10 j + k must equal f at the
// mapped coordinates — a check of every axis of the separable passes.
TEST(IndexOps, ResizeTrilinearAlignCornersIsExactOnAffineData) {
    const Shape in{2, 3, 4}, out{3, 5, 7};
    std::vector<double> v;
    for (int64_t i = 0; i < in[0]; ++i)
        for (int64_t j = 0; j < in[1]; ++j)
            for (int64_t k = 0; k < in[2]; ++k) v.push_back(100.0 * i + 10.0 * j + k);
    Tensor x = Tensor::from_vector<double>(in, v);
    Tensor r = one("Resize", 13, {x, kNone, kNone, i64(out)},
                   {attr_string("mode", "linear"), attr_string("coordinate_transformation_mode", "align_corners")});
    ASSERT_EQ(r.shape(), out);
    const std::vector<double> got = values<double>(r);
    size_t n = 0;
    for (int64_t i = 0; i < out[0]; ++i)
        for (int64_t j = 0; j < out[1]; ++j)
            for (int64_t k = 0; k < out[2]; ++k) {
                const double want = 100.0 * i * (in[0] - 1) / (out[0] - 1) + 10.0 * j * (in[1] - 1) / (out[1] - 1) +
                                    double(k) * (in[2] - 1) / (out[2] - 1);
                EXPECT_NEAR(got[n++], want, 1e-9) << i << "," << j << "," << k;
            }
}

TEST(IndexOps, ResizeCubicFiveDimsMatchesSeparableProduct) {
    // Resizing only the last axis of a 5-D tensor equals 1-D cubic on each row.
    Tensor x = iota<float>({1, 2, 1, 2, 5});
    Tensor r = one("Resize", 13, {x, kNone, f32({1, 1, 1, 1, 2})}, {attr_string("mode", "cubic")});
    ASSERT_EQ(r.shape(), (Shape{1, 2, 1, 2, 10}));
    Tensor row = one("Resize", 13, {iota<float>({5}), kNone, f32({2})}, {attr_string("mode", "cubic")});
    const std::vector<float> all = values<float>(r), one_row = values<float>(row);
    for (size_t b = 0; b < 4; ++b)
        for (size_t j = 0; j < 10; ++j) EXPECT_NEAR(all[b * 10 + j], one_row[j] + 5.0f * float(b), 1e-4);
}

TEST(IndexOps, ResizeIntegerLinearRoundsAndSaturates) {
    // Half-pixel 2x upsampling of [0, 255]: 0, 63.75, 191.25, 255 -> rounded.
    Tensor x = Tensor::from_vector<uint8_t>({2}, {0, 255});
    Tensor r = one("Resize", 13, {x, kNone, f32({2})}, {attr_string("mode", "linear")});
    EXPECT_EQ(values<uint8_t>(r), (std::vector<uint8_t>{0, 64, 191, 255}));
    // Cubic under/overshoot around a step must saturate, not wrap: the result
    // stays monotonic, and the samples next to the step hit the type's limits
    // (about -155 and +154 before clamping).
    Tensor step = Tensor::from_vector<uint8_t>({4}, {0, 0, 255, 255});
    const std::vector<uint8_t> u = values<uint8_t>(one("Resize", 13, {step, kNone, f32({2})}, {attr_string("mode", "cubic")}));
    EXPECT_TRUE(std::is_sorted(u.begin(), u.end()));
    Tensor s = Tensor::from_vector<int8_t>({4}, {-128, -128, 127, 127});
    const std::vector<int8_t> c = values<int8_t>(one("Resize", 13, {s, kNone, f32({2})}, {attr_string("mode", "cubic")}));
    EXPECT_EQ(c[2], -128);
    EXPECT_EQ(c[5], 127);
    EXPECT_TRUE(std::is_sorted(c.begin(), c.end()));
}

TEST(IndexOps, ResizeNearestBoolAndCropExtrapolation) {
    Tensor b = bool_tensor({1, 2}, {true, false});
    EXPECT_EQ(bools(one("Resize", 13, {b, kNone, f32({1, 2})})), (std::vector<uint8_t>{1, 1, 0, 0}));
    // Half-pixel samples -0.25, 0.25, 0.75, 1.25: floor takes index 0 for the first three.
    EXPECT_EQ(bools(one("Resize", 13, {b, kNone, f32({1, 2})}, {attr_string("nearest_mode", "floor")})),
              (std::vector<uint8_t>{1, 1, 1, 0}));
    // tf_crop_and_resize: the box [0.5, 1.5] maps to input coordinates 1, 2, 3;
    // 3 lies past the input's end and takes the extrapolation value.
    Tensor x = iota<int32_t>({3}, 1);
    Tensor r = one("Resize", 13, {x, f32({0.5f, 1.5f}), kNone, i64({3})},
                   {attr_string("coordinate_transformation_mode", "tf_crop_and_resize"),
                    attr_float("extrapolation_value", -7)});
    EXPECT_EQ(values<int32_t>(r), (std::vector<int32_t>{2, 3, -7}));
}

TEST(IndexOps, ResizeIdentityScalesCopy) {
    Tensor x = iota<int64_t>({2, 3});
    for (const char* mode : {"nearest", "linear", "cubic"}) {
        Tensor r = one("Resize", 13, {x, kNone, f32({1, 1})}, {attr_string("mode", mode)});
        EXPECT_EQ(values<int64_t>(r), values<int64_t>(x)) << mode;
    }
}

TEST(IndexOps, UpsampleAllVersions) {
    Tensor x = iota<float>({1, 1, 2, 2}, 1);
    const std::vector<float> want{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4};
    EXPECT_EQ(values<float>(one("Upsample", 1, {x}, {attr_float("height_scale", 2), attr_float("width_scale", 3)})),
              want);
    EXPECT_EQ(values<float>(one("Upsample", 7, {x}, {attr_floats("scales", {1, 1, 2, 3})})), want);
    EXPECT_EQ(values<float>(one("Upsample", 9, {x, f32({1, 1, 2, 3})})), want);
    // Linear (alias bilinear) uses asymmetric coordinates: x / scale, edge-clamped.
    Tensor lin = one("Upsample", 9, {iota<float>({1, 2}), f32({1, 2})}, {attr_string("mode", "bilinear")});
    EXPECT_EQ(values<float>(lin), (std::vector<float>{0, 0.5f, 1, 1}));
    Tensor ints = one("Upsample", 7, {iota<int32_t>({2})}, {attr_floats("scales", {2})});
    EXPECT_EQ(values<int32_t>(ints), (std::vector<int32_t>{0, 0, 1, 1}));
}

TEST(IndexOps, UpsampleErrors) {
    Tensor x = iota<float>({1, 1, 2, 2});
    EXPECT_THROW(one("Upsample", 9, {x, f32({1, 1, 0.5f, 2})}), Error);  // scales must be >= 1
    EXPECT_THROW(one("Upsample", 9, {x, f32({1, 2})}), Error);           // one scale per axis
    EXPECT_THROW(one("Upsample", 7, {x}), Error);                        // scales attribute required
    EXPECT_THROW(one("Upsample", 1, {iota<float>({2, 2})}, {attr_float("height_scale", 2), attr_float("width_scale", 2)}),
                 Error);  // 4-D only
    EXPECT_THROW(one("Upsample", 9, {x, f32({1, 1, 2, 2})}, {attr_string("mode", "cubic")}), Error);
}

// The kernel's tap planning, directly: cubic weights sum to one and
// exclude_outside renormalizes away taps beyond the edges.
TEST(IndexOps, ResizeAxisPlanWeights) {
    namespace kr = vireo::kernels::ref;
    kr::ResizeSpec spec;
    spec.interp = kr::ResizeInterp::Cubic;
    spec.exclude_outside = true;
    spec.cubic_a = -0.5;
    const kr::AxisTaps p = kr::plan_resize_axis(spec, 4, 8, 2.0, 8.0);
    for (int64_t j = 0; j < 8; ++j) {
        double sum = 0;
        for (int t = 0; t < 4; ++t) {
            sum += p.weight[size_t(j * 4 + t)];
            EXPECT_GE(p.index[size_t(j * 4 + t)], 0);
            EXPECT_LT(p.index[size_t(j * 4 + t)], 4);
        }
        EXPECT_NEAR(sum, 1.0, 1e-12);
    }
    // Scale 1 maps every sample onto an input index: an identity the kernel skips.
    spec.interp = kr::ResizeInterp::Linear;
    EXPECT_TRUE(kr::plan_resize_axis(spec, 5, 5, 1.0, 5.0).identity());
    spec.coord = kr::ResizeCoord::AlignCorners;
    EXPECT_TRUE(kr::plan_resize_axis(spec, 5, 5, 1.0, 5.0).identity());
    EXPECT_FALSE(kr::plan_resize_axis(spec, 5, 5, 1.0, 5.5).identity());
}

}  // namespace
}  // namespace vireo::test
