// Elementwise family: behaviour the ONNX backend cases do not reach — integer and
// bool types, division by zero, legacy (opset < 7/8/11) forms, Cast edge cases,
// the broadcast iteration itself, and errors for bad attributes and shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernels/ref/elementwise_broadcast.hpp"
#include "kernels/ref/elementwise_convert.hpp"
#include "tests/ops/op_harness.hpp"

namespace vireo {
namespace {

using test::attr_float;
using test::attr_int;
using test::attr_string;
using test::node;
using test::run_op;

template <class T>
std::vector<T> values(const Tensor& t) {
    using S = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
    const S* p = t.data<S>();
    return std::vector<T>(p, p + t.numel());
}

template <class T>
Tensor tensor(Shape shape, std::vector<T> v) {
    return Tensor::from_vector<T>(std::move(shape), v);
}

Tensor run1(const rt::NodeDef& n, const std::vector<Tensor>& inputs) { return run_op(n, inputs).at(0); }

// ---- broadcast machinery ------------------------------------------------------

TEST(ElementwiseBroadcast, MergesContiguousAndBroadcastDims) {
    // Equal shapes collapse to one contiguous run.
    auto same = ref::make_broadcast_layout<2>({2, 3, 4}, {Shape{2, 3, 4}, Shape{2, 3, 4}});
    EXPECT_EQ(same.dims, (std::vector<int64_t>{24}));
    EXPECT_EQ(same.strides[1], (std::vector<int64_t>{1}));
    // A scalar operand is a zero-stride run.
    auto scalar = ref::make_broadcast_layout<2>({2, 3, 4}, {Shape{2, 3, 4}, Shape{}});
    EXPECT_EQ(scalar.dims, (std::vector<int64_t>{24}));
    EXPECT_EQ(scalar.strides[1], (std::vector<int64_t>{0}));
    // Per-channel bias: [N,C,H,W] + [C,1,1] keeps H*W as the inner run.
    auto bias = ref::make_broadcast_layout<2>({2, 3, 4, 5}, {Shape{2, 3, 4, 5}, Shape{3, 1, 1}});
    EXPECT_EQ(bias.dims, (std::vector<int64_t>{2, 3, 20}));
    EXPECT_EQ(bias.strides[1], (std::vector<int64_t>{0, 1, 0}));
}

TEST(ElementwiseBroadcast, AnyChunkingVisitsEachElementOnce) {
    const Shape out{3, 4, 5};
    auto layout = ref::make_broadcast_layout<2>(out, {Shape{3, 1, 5}, Shape{4, 1}});
    std::vector<int> a(15), b(4), expect(60), got(60, -1);
    for (int i = 0; i < 15; ++i) a[size_t(i)] = i * 10;
    for (int i = 0; i < 4; ++i) b[size_t(i)] = i;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 4; ++j)
            for (int k = 0; k < 5; ++k) expect[size_t((i * 4 + j) * 5 + k)] = a[size_t(i * 5 + k)] + b[size_t(j)];
    for (int64_t chunk : {1, 3, 7, 60}) {
        std::fill(got.begin(), got.end(), -1);
        for (int64_t lo = 0; lo < 60; lo += chunk)
            ref::binary_broadcast(layout, a.data(), b.data(), got.data(), lo, std::min<int64_t>(60, lo + chunk),
                                  [](int x, int y) { return x + y; });
        EXPECT_EQ(got, expect) << "chunk " << chunk;
    }
}

// ---- unary --------------------------------------------------------------------

TEST(ElementwiseUnary, IntegerAbsNegSignRelu) {
    auto x = tensor<int32_t>({4}, {-3, 0, 5, std::numeric_limits<int32_t>::min()});
    EXPECT_EQ(values<int32_t>(run1(node("Abs", 13), {x})),
              (std::vector<int32_t>{3, 0, 5, std::numeric_limits<int32_t>::min()}));  // wraps, no UB
    EXPECT_EQ(values<int32_t>(run1(node("Neg", 13), {x})),
              (std::vector<int32_t>{3, 0, -5, std::numeric_limits<int32_t>::min()}));
    EXPECT_EQ(values<int32_t>(run1(node("Sign", 13), {x})), (std::vector<int32_t>{-1, 0, 1, -1}));
    EXPECT_EQ(values<int32_t>(run1(node("Relu", 14), {x})), (std::vector<int32_t>{0, 0, 5, 0}));
    auto u = tensor<uint8_t>({2}, {0, 200});
    EXPECT_EQ(values<uint8_t>(run1(node("Abs", 13), {u})), (std::vector<uint8_t>{0, 200}));
    EXPECT_THROW(run_op(node("Neg", 13), {u}), Error);  // Neg has no unsigned types
    EXPECT_THROW(run_op(node("Exp", 13), {x}), Error);  // Exp is float-only
}

TEST(ElementwiseUnary, RoundIsHalfToEven) {
    auto x = tensor<float>({6}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.6f});
    EXPECT_EQ(values<float>(run1(node("Round", 11), {x})), (std::vector<float>{0, 2, 2, -0.f, -2, 3}));
}

TEST(ElementwiseUnary, ActivationsAtExtremes) {
    auto x = tensor<float>({3}, {-1000.f, 0.f, 1000.f});
    auto sig = values<float>(run1(node("Sigmoid", 13), {x}));
    EXPECT_EQ(sig[0], 0.f);
    EXPECT_EQ(sig[1], 0.5f);
    EXPECT_EQ(sig[2], 1.f);
    auto sp = values<float>(run1(node("Softplus", 1), {x}));
    EXPECT_EQ(sp[0], 0.f);
    EXPECT_NEAR(sp[1], std::log(2.f), 1e-6);
    EXPECT_EQ(sp[2], 1000.f);
}

TEST(ElementwiseUnary, IsInfDetectFlagsAndIsNaN) {
    const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
    auto x = tensor<float>({4}, {inf, -inf, nan, 1.f});
    EXPECT_EQ(values<bool>(run1(node("IsInf", 10, 1, {attr_int("detect_negative", 0)}), {x})),
              (std::vector<bool>{true, false, false, false}));
    EXPECT_EQ(values<bool>(run1(node("IsInf", 10, 1, {attr_int("detect_positive", 0)}), {x})),
              (std::vector<bool>{false, true, false, false}));
    EXPECT_EQ(values<bool>(run1(node("IsNaN", 13), {x})), (std::vector<bool>{false, false, true, false}));
}

TEST(ElementwiseUnary, NotAndShrinkOnIntegers) {
    EXPECT_EQ(values<bool>(run1(node("Not", 1), {tensor<bool>({2}, {true, false})})),
              (std::vector<bool>{false, true}));
    auto x = tensor<int32_t>({5}, {-3, -1, 0, 1, 3});
    auto y = run1(node("Shrink", 9, 1, {attr_float("lambd", 1.5f), attr_float("bias", 1.f)}), {x});
    EXPECT_EQ(values<int32_t>(y), (std::vector<int32_t>{-2, 0, 0, 0, 2}));
}

TEST(ElementwiseUnary, OpsAbsentBeforeTheirOpset) {
    auto x = tensor<float>({1}, {1.f});
    EXPECT_THROW(run_op(node("HardSwish", 13), {x}), Error);
    EXPECT_THROW(run_op(node("Celu", 11), {x}), Error);
    EXPECT_THROW(run_op(node("Celu", 12, 1, {attr_float("alpha", 0.f)}), {x}), Error);
}

// ---- Clip -----------------------------------------------------------------------

TEST(ElementwiseClip, AttributeFormBeforeOpset11) {
    auto x = tensor<float>({4}, {-2.f, -0.2f, 0.3f, 2.f});
    auto y = run1(node("Clip", 6, 1, {attr_float("min", -0.5f), attr_float("max", 0.5f)}), {x});
    EXPECT_EQ(values<float>(y), (std::vector<float>{-0.5f, -0.2f, 0.3f, 0.5f}));
    auto only_max = run1(node("Clip", 6, 1, {attr_float("max", 0.f)}), {x});
    EXPECT_EQ(values<float>(only_max), (std::vector<float>{-2.f, -0.2f, 0.f, 0.f}));
}

TEST(ElementwiseClip, InputFormWithIntegersAndOmittedMin) {
    auto x = tensor<int8_t>({4}, {-100, -5, 5, 100});
    auto y = run1(node("Clip", 13), {x, Tensor(), Tensor::scalar<int8_t>(10)});
    EXPECT_EQ(values<int8_t>(y), (std::vector<int8_t>{-100, -5, 5, 10}));
    auto crossed = run1(node("Clip", 13), {x, Tensor::scalar<int8_t>(3), Tensor::scalar<int8_t>(1)});
    EXPECT_EQ(values<int8_t>(crossed), (std::vector<int8_t>{1, 1, 1, 1}));  // min > max -> max
    EXPECT_THROW(run_op(node("Clip", 13), {x, Tensor::scalar<int32_t>(1)}), Error);  // type mismatch
    EXPECT_THROW(run_op(node("Clip", 13), {x, tensor<int8_t>({2}, {1, 2})}), Error);  // not a scalar
}

// ---- binary -------------------------------------------------------------------

TEST(ElementwiseBinary, IntegerDivisionTruncatesAndSurvivesZero) {
    auto a = tensor<int32_t>({5}, {7, -7, 7, 5, std::numeric_limits<int32_t>::min()});
    auto b = tensor<int32_t>({5}, {2, 2, -2, 0, -1});
    EXPECT_EQ(values<int32_t>(run1(node("Div", 14), {a, b})),
              (std::vector<int32_t>{3, -3, -3, 0, std::numeric_limits<int32_t>::min()}));
}

TEST(ElementwiseBinary, ModSignFollowsDivisorOrDividend) {
    auto a = tensor<int64_t>({5}, {-4, 7, -7, 4, 3});
    auto b = tensor<int64_t>({5}, {3, -3, -3, 0, -1});
    EXPECT_EQ(values<int64_t>(run1(node("Mod", 13), {a, b})), (std::vector<int64_t>{2, -2, -1, 0, 0}));
    EXPECT_EQ(values<int64_t>(run1(node("Mod", 13, 1, {attr_int("fmod", 1)}), {a, b})),
              (std::vector<int64_t>{-1, 1, -1, 0, 0}));
    auto f = tensor<float>({1}, {1.f});
    EXPECT_THROW(run_op(node("Mod", 13), {f, f}), Error);  // floats need fmod=1
    EXPECT_THROW(run_op(node("Mod", 13, 1, {attr_int("fmod", 2)}), {a, b}), Error);
}

TEST(ElementwiseBinary, IntegerArithmeticWraps) {
    auto a = tensor<uint16_t>({1}, {65535});
    EXPECT_EQ(values<uint16_t>(run1(node("Mul", 14), {a, a})), (std::vector<uint16_t>{1}));
    auto b = tensor<int64_t>({1}, {std::numeric_limits<int64_t>::max()});
    EXPECT_EQ(values<int64_t>(run1(node("Add", 14), {b, tensor<int64_t>({1}, {1})})),
              (std::vector<int64_t>{std::numeric_limits<int64_t>::min()}));
}

TEST(ElementwiseBinary, NumpyBroadcastAndMismatch) {
    auto a = tensor<float>({2, 1}, {1.f, 2.f});
    auto b = tensor<float>({3}, {10.f, 20.f, 30.f});
    auto y = run1(node("Sub", 13), {a, b});
    EXPECT_EQ(y.shape(), (Shape{2, 3}));
    EXPECT_EQ(values<float>(y), (std::vector<float>{-9, -19, -29, -8, -18, -28}));
    EXPECT_THROW(run_op(node("Add", 13), {tensor<float>({2}, {1, 2}), b}), Error);
    EXPECT_THROW(run_op(node("Add", 13), {a, tensor<int32_t>({1}, {1})}), Error);  // type mismatch
}

TEST(ElementwiseBinary, EmptyAndScalarShapes) {
    auto empty = Tensor::zeros(DType::Float32, {0, 3});
    auto y = run1(node("Add", 13), {empty, tensor<float>({3}, {1, 2, 3})});
    EXPECT_EQ(y.shape(), (Shape{0, 3}));
    auto s = run1(node("Mul", 13), {Tensor::scalar<float>(3.f), Tensor::scalar<float>(4.f)});
    EXPECT_EQ(s.shape(), Shape{});
    EXPECT_EQ(values<float>(s), (std::vector<float>{12.f}));
}

TEST(ElementwiseBinary, LegacyAxisBroadcast) {
    // A (2,3,2) + B (3) at axis 1: B runs along A's second dim.
    std::vector<float> av(12, 0.f);
    auto a = tensor<float>({2, 3, 2}, av);
    auto b = tensor<float>({3}, {1.f, 2.f, 3.f});
    auto y = run1(node("Add", 6, 1, {attr_int("broadcast", 1), attr_int("axis", 1)}), {a, b});
    EXPECT_EQ(values<float>(y), (std::vector<float>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
    // Without axis the match is a suffix.
    auto c = tensor<float>({2}, {5.f, 6.f});
    auto z = run1(node("Mul", 6, 1, {attr_int("broadcast", 1)}), {tensor<float>({3, 2}, {1, 1, 1, 1, 1, 1}), c});
    EXPECT_EQ(values<float>(z), (std::vector<float>{5, 6, 5, 6, 5, 6}));
    // A one-element B is a scalar whatever its rank.
    auto s = run1(node("Sub", 1, 1, {attr_int("broadcast", 1)}), {c, tensor<float>({1, 1}, {1.f})});
    EXPECT_EQ(values<float>(s), (std::vector<float>{4, 5}));
    // Without `broadcast` the shapes must match exactly.
    EXPECT_THROW(run_op(node("Add", 6), {a, b}), Error);
    // And the axis must place B inside A.
    EXPECT_THROW(run_op(node("Add", 6, 1, {attr_int("broadcast", 1), attr_int("axis", 2)}), {a, b}), Error);
}

TEST(ElementwiseBinary, ComparisonsAndLogicGiveBool) {
    auto a = tensor<int32_t>({3}, {1, 2, 3});
    auto b = tensor<int32_t>({1}, {2});
    auto gt = run1(node("Greater", 13), {a, b});
    EXPECT_EQ(gt.dtype(), DType::Bool);
    EXPECT_EQ(values<bool>(gt), (std::vector<bool>{false, false, true}));
    EXPECT_EQ(values<bool>(run1(node("LessOrEqual", 16), {a, b})), (std::vector<bool>{true, true, false}));
    auto p = tensor<bool>({2}, {true, false});
    auto q = tensor<bool>({2, 1}, {true, false});
    EXPECT_EQ(values<bool>(run1(node("Xor", 7), {p, q})), (std::vector<bool>{false, true, true, false}));
    EXPECT_EQ(values<bool>(run1(node("Equal", 11), {p, q})), (std::vector<bool>{true, false, false, true}));
    EXPECT_THROW(run_op(node("And", 7), {a, a}), Error);  // logic is bool-only
}

TEST(ElementwiseBinary, PowMixedTypes) {
    auto base = tensor<int32_t>({4}, {2, -3, 2, 5});
    auto e = tensor<int64_t>({4}, {10, 3, -1, 0});
    auto y = run1(node("Pow", 15), {base, e});
    EXPECT_EQ(y.dtype(), DType::Int32);
    EXPECT_EQ(values<int32_t>(y), (std::vector<int32_t>{1024, -27, 0, 1}));
    auto f = run1(node("Pow", 15), {tensor<float>({2}, {4.f, 2.f}), tensor<int32_t>({2}, {2, -1})});
    EXPECT_EQ(values<float>(f), (std::vector<float>{16.f, 0.5f}));
    auto g = run1(node("Pow", 15), {tensor<int64_t>({1}, {9}), tensor<float>({1}, {0.5f})});
    EXPECT_EQ(values<int64_t>(g), (std::vector<int64_t>{3}));
}

TEST(ElementwiseBinary, PReluLegacyPerChannelAndModernBroadcast) {
    auto x = tensor<float>({1, 2, 2}, {-1.f, 1.f, -1.f, 1.f});
    auto slope = tensor<float>({2}, {0.5f, 0.25f});
    // Opset 6: a 1-D slope of channel length applies per channel (dim 1).
    EXPECT_EQ(values<float>(run1(node("PRelu", 6), {x, slope})), (std::vector<float>{-0.5f, 1, -0.25f, 1}));
    // Opset 7+: numpy broadcasting, so the same slope runs along the last dim.
    EXPECT_EQ(values<float>(run1(node("PRelu", 9), {x, slope})), (std::vector<float>{-0.5f, 1, -0.5f, 1}));
    // The slope never broadcasts X.
    EXPECT_THROW(run_op(node("PRelu", 9), {tensor<float>({2}, {1, 1}), tensor<float>({2, 2}, {1, 1, 1, 1})}),
                 Error);
}

// ---- variadic -------------------------------------------------------------------

TEST(ElementwiseVariadic, BroadcastFromOpset8AndSameShapeBefore) {
    auto a = tensor<float>({3}, {1.f, 5.f, 3.f});
    auto b = tensor<float>({2, 1}, {2.f, 4.f});
    auto c = tensor<float>({}, {0.f});
    auto mx = run1(node("Max", 13), {a, b, c});
    EXPECT_EQ(mx.shape(), (Shape{2, 3}));
    EXPECT_EQ(values<float>(mx), (std::vector<float>{2, 5, 3, 4, 5, 4}));
    auto mean = run1(node("Mean", 13), {a, b});
    EXPECT_EQ(values<float>(mean), (std::vector<float>{1.5f, 3.5f, 2.5f, 2.5f, 4.5f, 3.5f}));
    EXPECT_EQ(values<float>(run1(node("Sum", 6), {a})), (std::vector<float>{1, 5, 3}));
    EXPECT_THROW(run_op(node("Sum", 6), {a, b}), Error);
    auto i = tensor<uint8_t>({2}, {3, 250});
    EXPECT_EQ(values<uint8_t>(run1(node("Min", 13), {i, tensor<uint8_t>({1}, {100})})),
              (std::vector<uint8_t>{3, 100}));
}

TEST(ElementwiseVariadic, MaxPropagatesNaN) {
    const float nan = std::nanf("");
    auto y = values<float>(run1(node("Max", 13), {tensor<float>({2}, {nan, 1.f}), tensor<float>({2}, {1.f, nan})}));
    EXPECT_TRUE(std::isnan(y[0]));
    EXPECT_TRUE(std::isnan(y[1]));
}

// ---- Where ----------------------------------------------------------------------

TEST(ElementwiseWhere, ThreeWayBroadcastAnyType) {
    auto cond = tensor<bool>({2, 1}, {true, false});
    auto x = tensor<int64_t>({2}, {1, 2});
    auto y = tensor<int64_t>({}, {-1});
    auto out = run1(node("Where", 16), {cond, x, y});
    EXPECT_EQ(out.shape(), (Shape{2, 2}));
    EXPECT_EQ(values<int64_t>(out), (std::vector<int64_t>{1, 2, -1, -1}));
    auto b = run1(node("Where", 16), {cond, tensor<bool>({1}, {true}), tensor<bool>({1}, {false})});
    EXPECT_EQ(values<bool>(b), (std::vector<bool>{true, false}));
    EXPECT_THROW(run_op(node("Where", 16), {x, x, x}), Error);  // condition must be bool
}

// ---- Cast -----------------------------------------------------------------------

TEST(ElementwiseCast, FloatToIntTruncatesAndSaturates) {
    const float nan = std::nanf("");
    auto x = tensor<float>({6}, {2.7f, -2.7f, 1e10f, -1e10f, nan, 300.f});
    auto i32 = run1(node("Cast", 13, 1, {attr_int("to", int64_t(DType::Int32))}), {x});
    EXPECT_EQ(values<int32_t>(i32), (std::vector<int32_t>{2, -2, std::numeric_limits<int32_t>::max(),
                                                          std::numeric_limits<int32_t>::min(), 0, 300}));
    auto u8 = run1(node("Cast", 13, 1, {attr_int("to", int64_t(DType::UInt8))}), {x});
    EXPECT_EQ(values<uint8_t>(u8), (std::vector<uint8_t>{2, 0, 255, 0, 0, 255}));
    auto b = run1(node("Cast", 13, 1, {attr_int("to", int64_t(DType::Bool))}), {x});
    EXPECT_EQ(values<bool>(b), (std::vector<bool>{true, true, true, true, true, true}));
}

TEST(ElementwiseCast, IntegersWrapAndBoolIsZeroOrOne) {
    auto x = tensor<int32_t>({3}, {300, -1, 0});
    EXPECT_EQ(values<uint8_t>(run1(node("Cast", 13, 1, {attr_int("to", int64_t(DType::UInt8))}), {x})),
              (std::vector<uint8_t>{44, 255, 0}));
    auto b = run1(node("Cast", 13, 1, {attr_int("to", int64_t(DType::Bool))}), {x});
    EXPECT_EQ(values<uint8_t>(b), (std::vector<uint8_t>{1, 1, 0}));
    auto back = run1(node("Cast", 13, 1, {attr_int("to", int64_t(DType::Float64))}), {b});
    EXPECT_EQ(values<double>(back), (std::vector<double>{1, 1, 0}));
}

TEST(ElementwiseCast, StringTargetBeforeOpset6) {
    auto x = tensor<int64_t>({2}, {1, 2});
    auto y = run1(node("Cast", 1, 1, {attr_string("to", "FLOAT")}), {x});
    EXPECT_EQ(y.dtype(), DType::Float32);
    EXPECT_EQ(values<float>(y), (std::vector<float>{1.f, 2.f}));
    EXPECT_THROW(run_op(node("Cast", 1, 1, {attr_string("to", "QUATERNION")}), {x}), Error);
    EXPECT_THROW(run_op(node("Cast", 13, 1, {attr_int("to", int64_t(DType::String))}), {x}), Error);
    EXPECT_THROW(run_op(node("Cast", 13, 1, {attr_int("to", 99)}), {x}), Error);
    EXPECT_THROW(run_op(node("Cast", 13), {x}), Error);  // `to` is required
}

TEST(ElementwiseCast, CastLikeTakesTheTargetType) {
    auto x = tensor<double>({2}, {1.5, -2.5});
    auto y = run1(node("CastLike", 15), {x, tensor<int16_t>({0}, {})});
    EXPECT_EQ(y.dtype(), DType::Int16);
    EXPECT_EQ(values<int16_t>(y), (std::vector<int16_t>{1, -2}));
}

TEST(ElementwiseCast, HalfAndBFloat16RoundTrip) {
    // Exact values survive; ties round to even; overflow goes to infinity.
    EXPECT_EQ(ref::float_to_half(1.0f), 0x3c00);
    EXPECT_EQ(ref::float_to_half(-2.0f), 0xc000);
    EXPECT_EQ(ref::float_to_half(65504.f), 0x7bff);
    EXPECT_EQ(ref::float_to_half(65520.f), 0x7c00);
    EXPECT_EQ(ref::float_to_half(1.0f + 0x1p-11f), 0x3c00);                 // tie -> even (down)
    EXPECT_EQ(ref::float_to_half(1.0f + 3 * 0x1p-11f), 0x3c02);             // tie -> even (up)
    EXPECT_EQ(ref::float_to_half(0x1p-24f), 0x0001);                         // smallest subnormal
    EXPECT_EQ(ref::float_to_half(0x1p-26f), 0x0000);                         // below half of it
    EXPECT_TRUE(std::isnan(ref::half_to_float(ref::float_to_half(std::nanf("")))));
    for (uint32_t h = 0; h < 0x7c00; ++h) {  // every finite positive half round-trips
        float f = ref::half_to_float(uint16_t(h));
        ASSERT_EQ(ref::float_to_half(f), h) << h;
    }
    EXPECT_EQ(ref::float_to_bfloat16(1.0f), 0x3f80);
    EXPECT_EQ(ref::float_to_bfloat16(1.0f + 0x1p-8f), 0x3f80);  // truncates, like the ONNX reference
    EXPECT_TRUE(std::isnan(ref::bfloat16_to_float(ref::float_to_bfloat16(std::nanf("")))));
    EXPECT_EQ(ref::bfloat16_to_float(0x3f80), 1.0f);
    auto x = tensor<float>({2}, {1.0f, -0.5f});
    auto h = run1(node("Cast", 13, 1, {attr_int("to", int64_t(DType::Float16))}), {x});
    EXPECT_EQ(h.dtype(), DType::Float16);
    EXPECT_EQ(values<uint16_t>(h), (std::vector<uint16_t>{0x3c00, 0xb800}));
    auto back = run1(node("Cast", 13, 1, {attr_int("to", int64_t(DType::Int32))}), {h});
    EXPECT_EQ(values<int32_t>(back), (std::vector<int32_t>{1, 0}));
}

TEST(ElementwiseErrors, WrongArity) {
    auto x = tensor<float>({1}, {1.f});
    EXPECT_THROW(run_op(node("Add", 13), {x}), Error);
    EXPECT_THROW(run_op(node("Relu", 13), {x, x}), Error);
    EXPECT_THROW(run_op(node("Where", 16), {tensor<bool>({1}, {true}), x}), Error);
    EXPECT_THROW(run_op(node("Clip", 6), {x, x}), Error);
}

}  // namespace
}  // namespace vireo
