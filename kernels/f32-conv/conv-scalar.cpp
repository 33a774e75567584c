// vireo — portable NHWC conv/pool kernels: conv-body.inc at vector width 1.
#include <cstddef>
#include <cstdint>

#include "kernels/f32-conv/conv.hpp"

namespace vireo::kernels {

namespace {

struct Simd {
    static constexpr size_t kWidth = 1;
    using V = float;
    using Mask = bool;  // width 1 has no tail
    using NanMask = bool;
    using Acc = double;

    static Mask tail_mask(size_t) { return true; }
    static V load(const float* p) { return *p; }
    static V load(const float* p, Mask) { return *p; }
    static void store(float* p, V v) { *p = v; }
    static void store(float* p, V v, Mask) { *p = v; }
    static V set1(float x) { return x; }
    // Baseline x86-64 has no FMA instruction and std::fma would be a libm call;
    // the scalar path is the portable fallback, not a bit-exact twin of the SIMD ones.
    static V fmadd(V a, V b, V c) { return a * b + c; }
    static V fnmadd(V a, V b, V c) { return c - a * b; }
    static V add(V a, V b) { return a + b; }
    static V sub(V a, V b) { return a - b; }
    static V mul(V a, V b) { return a * b; }
    static V div(V a, V b) { return a / b; }
    static V max_keep(V v, V acc) { return v > acc ? v : acc; }
    static V clamp(V v, V lo, V hi) { return v < lo ? lo : (v > hi ? hi : v); }
    static NanMask nan_none() { return false; }
    static NanMask nan_or(NanMask m, V v) { return m || v != v; }
    static V with_nan(V v, NanMask m) { return m ? __builtin_nanf("") : v; }
    static Acc acc_zero() { return 0; }
    static Acc acc_add(Acc a, V v) { return a + double(v); }
    static V acc_mean(Acc a, double n) { return float(a / n); }
};

#include "kernels/f32-conv/conv-body.inc"

}  // namespace

void init_conv_scalar(ConvKernels& t) { fill_body_table(t); }

}  // namespace vireo::kernels
