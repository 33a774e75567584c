// vireo — the fused convolution epilogue applied as a pass over finished
// outputs: activation and residual add, for the activations (or orders) a
// kernel cannot fuse itself.
//
// Baseline-compiled only (ops and drivers); never include from an ISA file.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "kernels/f32-vector/vector.hpp"

namespace vireo::kernels {

enum class ConvActivation : uint8_t {
    None,
    Relu,         // max(x, 0)
    Clip,         // min(max(x, alpha), beta)
    LeakyRelu,    // x >= 0 ? x : alpha·x
    Sigmoid,      // 1 / (1 + e^-x)
    SiLU,         // x · sigmoid(x)
    HardSigmoid,  // max(0, min(1, alpha·x + beta))
    HardSwish,    // x · max(0, min(1, x/6 + 1/2))
    Gelu,         // x/2 · (1 + erf(x/√2))
};

// v = conv + bias; v += residual (before); v = act(v); v += residual (after).
struct ConvEpilogue {
    ConvActivation act = ConvActivation::None;
    float alpha = 0, beta = 0;
    bool has_residual = false;
    bool residual_before_act = true;
    // When set, the float pass runs on these (the session's ISA) instead of
    // scalar code.
    const VectorKernels* vector = nullptr;

    // The activation is a clamp a kernel can apply right after the bias: Relu and
    // Clip, provided no residual has to be added before it.
    bool clamp_in_kernel() const {
        return (act == ConvActivation::Relu || act == ConvActivation::Clip) &&
               !(has_residual && residual_before_act);
    }
    float clamp_min() const {
        if (clamp_in_kernel()) return act == ConvActivation::Relu ? 0.0f : alpha;
        return -std::numeric_limits<float>::infinity();
    }
    float clamp_max() const {
        if (clamp_in_kernel() && act == ConvActivation::Clip) return beta;
        return std::numeric_limits<float>::infinity();
    }
    // Whether anything remains for apply_epilogue() after a kernel applied
    // bias and clamp_min()/clamp_max().
    bool needs_pass() const {
        return has_residual || (act != ConvActivation::None && !clamp_in_kernel());
    }
};

template <class T>
T apply_activation(ConvActivation act, float alpha, float beta, T x) {
    switch (act) {
        case ConvActivation::None: return x;
        case ConvActivation::Relu: return x < T(0) ? T(0) : x;
        case ConvActivation::Clip: return x < T(alpha) ? T(alpha) : (x > T(beta) ? T(beta) : x);
        case ConvActivation::LeakyRelu: return x >= T(0) ? x : T(alpha) * x;
        case ConvActivation::Sigmoid: return T(1) / (T(1) + std::exp(-x));
        case ConvActivation::SiLU: return x / (T(1) + std::exp(-x));
        case ConvActivation::HardSigmoid:
            return std::max(T(0), std::min(T(1), T(alpha) * x + T(beta)));
        case ConvActivation::HardSwish:
            return x * std::max(T(0), std::min(T(1), x / T(6) + T(0.5)));
        case ConvActivation::Gelu: return T(0.5) * x * (T(1) + std::erf(x * T(0.7071067811865476)));
    }
    return x;
}

// The rest of the epilogue over n outputs y (residual r, same layout, may be
// null without a residual). `kernel_clamped`: the producer already applied
// clamp_min()/clamp_max(), so a clamp activation is not applied again.
template <class T>
void apply_epilogue(const ConvEpilogue& e, T* y, const T* r, size_t n, bool kernel_clamped) {
    const ConvActivation act =
        kernel_clamped && e.clamp_in_kernel() ? ConvActivation::None : e.act;
    const bool before = e.has_residual && e.residual_before_act;
    const bool after = e.has_residual && !e.residual_before_act;
    for (size_t i = 0; i < n; ++i) {
        T v = y[i];
        if (before) v += r[i];
        v = apply_activation(act, e.alpha, e.beta, v);
        if (after) v += r[i];
        y[i] = v;
    }
}

// The float pass, on the session's vector kernels when e.vector is set.
inline void apply_epilogue(const ConvEpilogue& e, float* y, const float* r, size_t n,
                           bool kernel_clamped) {
    const VectorKernels* v = e.vector;
    const ConvActivation act =
        kernel_clamped && e.clamp_in_kernel() ? ConvActivation::None : e.act;
    UnaryKernel fn = nullptr;
    if (v) {
        switch (act) {
            case ConvActivation::None: break;
            case ConvActivation::Relu: fn = v->relu; break;
            case ConvActivation::Clip: fn = v->clip; break;
            case ConvActivation::LeakyRelu: fn = v->leaky_relu; break;
            case ConvActivation::Sigmoid: fn = v->sigmoid; break;
            case ConvActivation::SiLU: fn = v->silu; break;
            case ConvActivation::HardSigmoid: fn = v->hard_sigmoid; break;
            case ConvActivation::HardSwish: fn = v->hard_swish; break;
            case ConvActivation::Gelu: fn = v->gelu; break;
        }
    }
    if (!v || !v->add.vv || (act != ConvActivation::None && !fn)) {
        apply_epilogue<float>(e, y, r, n, kernel_clamped);
        return;
    }
    if (e.has_residual && e.residual_before_act) v->add.vv(n, y, r, y);
    if (fn) fn(n, y, y, UnaryParams{e.alpha, e.beta});
    if (e.has_residual && !e.residual_before_act) v->add.vv(n, y, r, y);
}

}  // namespace vireo::kernels
