// vireo — f32 vector kernels: the table entries and their contract.
//
// Elementwise math, activations and the row kernels of the memory-bound ops
// (softmax, normalization, affine, transpose, resampling rows). Each entry is
// written once, in vector-generic.inl, against a small vector wrapper, and
// instantiated per ISA (vector-scalar.cpp, vector-avx2.cpp, vector-avx512.cpp).
//
// Common contract:
//  - n is an element count; n == 0 is allowed and does nothing.
//  - Pointers need no alignment. Kernels never read or write past the n
//    elements they are given (tails use masked loads and stores).
//  - Unary and binary outputs may alias an input exactly (in-place); otherwise
//    outputs must not overlap inputs.
//  - A kernel's result for one element never depends on where the element sits
//    in the array, so splitting work across threads cannot change results.
//  - No kernel allocates, throws or starts threads.
//
// Accuracy of the transcendental entries: maximum error over all 2^32 float
// inputs against double-precision libm, in ULPs of the exact result (scalar /
// AVX2 / AVX-512; tests/kernels/activation_accuracy_test.cpp measures it):
//   exp 1.18/0.91/0.91  log 1.01/1.01/1.01  sigmoid 2.40/2.40/2.40
//   tanh 1.57/1.51/1.51  erf 3.13/2.15/2.15  gelu 7.04/6.21/6.21
//   silu 3.44/3.34/3.34  softplus 2.84/2.80/2.80  expm1 (elu) 1.44/1.38/1.38
// Subnormal results keep their precision (one rounding), ±inf and NaN give
// the IEEE limits; gelu(-inf) and silu(-inf) give -0, the limit.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo::kernels {

// Attributes of the parameterized activations; which fields are read depends
// on the entry (named at each one below).
struct UnaryParams {
    float alpha = 0.0f;
    float beta = 0.0f;
};

// y[i] = f(x[i]) for i < n.
using UnaryKernel = void (*)(size_t n, const float* x, float* y, const UnaryParams& params);

// Binary arithmetic over one contiguous run, in the three forms a broadcast
// driver produces: both operands walk the run, or one of them is a scalar.
struct BinaryKernel {
    void (*vv)(size_t n, const float* a, const float* b, float* y) = nullptr;  // y[i] = a[i] op b[i]
    void (*vs)(size_t n, const float* a, float b, float* y) = nullptr;         // y[i] = a[i] op b
    void (*sv)(size_t n, float a, const float* b, float* y) = nullptr;         // y[i] = a op b[i]
};

struct VectorKernels {
    // ---- unary: exact (bitwise equal to the plain C++ expression) ----
    UnaryKernel abs = nullptr;
    UnaryKernel neg = nullptr;
    UnaryKernel relu = nullptr;          // x > 0 ? x : 0 (NaN -> 0, as the reference op)
    UnaryKernel leaky_relu = nullptr;    // x < 0 ? alpha * x : x
    UnaryKernel clip = nullptr;          // min(max(x, alpha), beta); NaN passes through
    UnaryKernel hard_sigmoid = nullptr;  // max(0, min(1, alpha * x + beta)), mul then add
    UnaryKernel sqrt = nullptr;
    UnaryKernel reciprocal = nullptr;
    UnaryKernel floor = nullptr;
    UnaryKernel ceil = nullptr;
    UnaryKernel softsign = nullptr;  // x / (1 + |x|)

    // ---- unary: polynomial approximations (see the accuracy note above) ----
    UnaryKernel exp = nullptr;
    UnaryKernel log = nullptr;
    UnaryKernel sigmoid = nullptr;
    UnaryKernel tanh = nullptr;
    UnaryKernel erf = nullptr;
    UnaryKernel gelu = nullptr;        // x * Phi(x), the erf form
    UnaryKernel silu = nullptr;        // x * sigmoid(x)
    UnaryKernel softplus = nullptr;    // log(1 + e^x)
    UnaryKernel hard_swish = nullptr;  // x * max(0, min(1, x / 6 + 1/2)), with x * (1/6)
    UnaryKernel elu = nullptr;         // x < 0 ? alpha * expm1(x) : x
    UnaryKernel selu = nullptr;        // beta * (x > 0 ? x : alpha * expm1(x)); beta is gamma
    UnaryKernel celu = nullptr;        // x > 0 ? x : alpha * expm1(x / alpha)

    // ---- binary, bitwise equal to the scalar expression ----
    BinaryKernel add, sub, mul, div;
    // NaN in either operand gives NaN; otherwise a >= b ? a : b (and a <= b ? a : b
    // for min), so equal operands (+0, -0) return a.
    BinaryKernel max, min;

    // ---- row kernels ----
    // y[i] = x[i] * scale + shift (one fused multiply-add where the ISA has it).
    void (*affine)(size_t n, const float* x, float* y, float scale, float shift) = nullptr;
    // y[i] = x[i] * scale[i] + shift[i].
    void (*affine_vec)(size_t n, const float* x, float* y, const float* scale, const float* shift) = nullptr;
    // Softmax (log_softmax false) or LogSoftmax along the n-long axis of x
    // viewed as [n, inner] (inner == 1: one contiguous row). The sum runs in
    // float, in an order fixed by n and inner alone.
    void (*softmax)(size_t n, size_t inner, const float* x, float* y, bool log_softmax) = nullptr;
    // LayerNormalization of one row of d elements: y = (x - mean) * inv_std *
    // scale + bias (bias may be null). mean and inv_std (1/sqrt(var + epsilon))
    // are returned for the optional outputs. Two passes, float accumulation.
    void (*layer_norm)(size_t d, const float* x, float* y, const float* scale, const float* bias, float epsilon,
                       float* mean, float* inv_std) = nullptr;
    // out[c * out_stride + r] = in[r * in_stride + c] for r < rows, c < cols:
    // a 2-D transpose of 4-byte elements (NCHW <-> NHWC is a batch of these).
    void (*transpose_4b)(size_t rows, size_t cols, const void* in, size_t in_stride, void* out,
                         size_t out_stride) = nullptr;

    // ---- resampling rows (Resize), indices must lie inside src ----
    // y[i] = src[index[i]].
    void (*gather)(size_t n, const float* src, const int32_t* index, float* y) = nullptr;
    // y[i] = a[i] * wa + b[i] * wb.
    void (*blend)(size_t n, const float* a, float wa, const float* b, float wb, float* y) = nullptr;
    // y[i] = src[i0[i]] * w0[i] + src[i1[i]] * w1[i].
    void (*gather_blend)(size_t n, const float* src, const int32_t* i0, const float* w0, const int32_t* i1,
                         const float* w1, float* y) = nullptr;
};

void init_vector_scalar(VectorKernels& t);
void init_vector_avx2(VectorKernels& t);
void init_vector_avx512(VectorKernels& t);
void init_vector_neon(VectorKernels& t);

}  // namespace vireo::kernels
