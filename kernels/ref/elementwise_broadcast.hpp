// vireo — reference broadcast iteration for elementwise kernels.
//
// Every elementwise op with more than one input (binary arithmetic, comparisons,
// PRelu, the variadic Max/Min/Sum/Mean, Where) reads its inputs through a
// BroadcastLayout: the output shape with size-1 dims dropped and adjacent dims
// merged wherever every input walks them the same way. After merging, each
// input's innermost stride is 0 (broadcast) or 1 (contiguous), so the inner loops
// below are plain contiguous or scalar reads that the compiler can vectorize.
// Equal shapes collapse to one dim; "tensor op scalar" collapses to one dim with
// a zero stride; only genuinely strided broadcasts pay for the outer index walk.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "vireo/error.hpp"
#include "vireo/tensor.hpp"

namespace vireo::ref {

template <size_t N>
struct BroadcastLayout {
    std::vector<int64_t> dims;                    // merged output dims, outermost first
    std::array<std::vector<int64_t>, N> strides;  // each input's element stride per merged dim
    int64_t numel = 0;                            // output element count
};

// `inputs` are right-aligned against `out`; each input dim must equal the output
// dim or be 1. Callers that broadcast differently (the opset < 7 `axis` form,
// legacy PRelu) first rewrite the input shape into this form by padding with 1s.
template <size_t N>
BroadcastLayout<N> make_broadcast_layout(const Shape& out, const std::array<Shape, N>& inputs) {
    BroadcastLayout<N> layout;
    layout.numel = checked_numel(out);
    const size_t rank = out.size();

    // Full-rank strides first: 0 where the input is broadcast, else row-major.
    std::array<std::vector<int64_t>, N> full;
    for (size_t k = 0; k < N; ++k) {
        const Shape& in = inputs[k];
        check(in.size() <= rank, "broadcast: input ", shape_str(in), " has higher rank than output ",
              shape_str(out));
        full[k].assign(rank, 0);
        int64_t stride = 1;
        for (size_t j = 0; j < in.size(); ++j) {
            size_t i = in.size() - 1 - j, o = rank - 1 - j;
            check(in[i] == out[o] || in[i] == 1, "broadcast: input ", shape_str(in),
                  " does not broadcast to ", shape_str(out));
            full[k][o] = in[i] == 1 ? 0 : stride;
            stride *= in[i];
        }
    }
    if (layout.numel == 0) return layout;

    // Merge dim d into the previous merged dim when, for every input, stepping
    // the previous dim once equals stepping dim d through its whole extent.
    // That holds for contiguous spans and for spans broadcast in both dims.
    for (size_t d = 0; d < rank; ++d) {
        if (out[d] == 1) continue;
        bool mergeable = !layout.dims.empty();
        for (size_t k = 0; k < N && mergeable; ++k)
            mergeable = layout.strides[k].back() == full[k][d] * out[d];
        if (mergeable) {
            layout.dims.back() *= out[d];
            for (size_t k = 0; k < N; ++k) layout.strides[k].back() = full[k][d];
        } else {
            layout.dims.push_back(out[d]);
            for (size_t k = 0; k < N; ++k) layout.strides[k].push_back(full[k][d]);
        }
    }
    if (layout.dims.empty()) {  // one element: a 1-long run with every input broadcast
        layout.dims.push_back(1);
        for (size_t k = 0; k < N; ++k) layout.strides[k].push_back(0);
    }
    return layout;
}

// Calls fn(offsets, steps, out_offset, length) for each maximal run of output
// elements inside [begin, end) that lies within one innermost row. offsets[k] is
// input k's element offset at the start of the run and steps[k] (0 or 1) its
// stride along the run. Splitting [0, numel) into any chunks visits every output
// element exactly once, which is what lets callers parallelize over elements.
template <size_t N, class F>
void for_each_broadcast_run(const BroadcastLayout<N>& layout, int64_t begin, int64_t end, F&& fn) {
    if (begin >= end) return;
    const size_t outer_rank = layout.dims.size() - 1;
    const int64_t inner = layout.dims.back();

    std::array<int64_t, N> steps, row_base{}, offsets;
    for (size_t k = 0; k < N; ++k) steps[k] = layout.strides[k].back();

    // Decompose `begin` into (outer index, position in row).
    std::vector<int64_t> index(outer_rank, 0);
    int64_t pos_in_row = begin % inner;
    int64_t rest = begin / inner;
    for (size_t d = outer_rank; d-- > 0;) {
        index[d] = rest % layout.dims[d];
        rest /= layout.dims[d];
        for (size_t k = 0; k < N; ++k) row_base[k] += index[d] * layout.strides[k][d];
    }

    int64_t out = begin;
    while (true) {
        const int64_t len = std::min(inner - pos_in_row, end - out);
        for (size_t k = 0; k < N; ++k) offsets[k] = row_base[k] + pos_in_row * steps[k];
        fn(offsets, steps, out, len);
        out += len;
        if (out >= end) return;
        pos_in_row = 0;
        // Odometer step over the outer dims, keeping the row bases in sync.
        for (size_t d = outer_rank; d-- > 0;) {
            for (size_t k = 0; k < N; ++k) row_base[k] += layout.strides[k][d];
            if (++index[d] < layout.dims[d]) break;
            for (size_t k = 0; k < N; ++k) row_base[k] -= index[d] * layout.strides[k][d];
            index[d] = 0;
        }
    }
}

// out[i] = f(a[i * step_a], b[i * step_b]) for i < n, steps 0 or 1. Each stride
// combination gets its own loop so every body is branch-free and vectorizable.
// `a` may alias `out` (the variadic ops accumulate in place).
template <class A, class B, class O, class F>
inline void binary_run(const A* a, int64_t step_a, const B* b, int64_t step_b, O* out, int64_t n,
                       const F& f) {
    if (step_a && step_b) {
        for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
    } else if (step_a) {
        const B bv = *b;
        for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], bv);
    } else if (step_b) {
        const A av = *a;
        for (int64_t i = 0; i < n; ++i) out[i] = f(av, b[i]);
    } else {
        const O v = f(*a, *b);
        std::fill(out, out + n, v);
    }
}

// Output elements [begin, end) of out = f(a, b) under a two-input layout.
template <class A, class B, class O, class F>
void binary_broadcast(const BroadcastLayout<2>& layout, const A* a, const B* b, O* out, int64_t begin,
                      int64_t end, const F& f) {
    for_each_broadcast_run(layout, begin, end, [&](const auto& off, const auto& step, int64_t o, int64_t n) {
        binary_run(a + off[0], step[0], b + off[1], step[1], out + o, n, f);
    });
}

// Output elements [begin, end) of out = broadcast(in) (a one-input layout).
template <class T>
void broadcast_copy(const BroadcastLayout<1>& layout, const T* in, T* out, int64_t begin, int64_t end) {
    for_each_broadcast_run(layout, begin, end, [&](const auto& off, const auto& step, int64_t o, int64_t n) {
        if (step[0])
            std::copy(in + off[0], in + off[0] + n, out + o);
        else
            std::fill(out + o, out + o + n, in[off[0]]);
    });
}

// Output elements [begin, end) of out = f(a, b, c) under a three-input layout.
// Where is the only user; the all-contiguous case gets a tight loop and the rest
// a general one (eight stride combinations are not worth a loop each).
template <class A, class B, class C, class O, class F>
void ternary_broadcast(const BroadcastLayout<3>& layout, const A* a, const B* b, const C* c, O* out,
                       int64_t begin, int64_t end, const F& f) {
    for_each_broadcast_run(layout, begin, end, [&](const auto& off, const auto& step, int64_t o, int64_t n) {
        const A* pa = a + off[0];
        const B* pb = b + off[1];
        const C* pc = c + off[2];
        O* po = out + o;
        if (step[0] && step[1] && step[2]) {
            for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i], pc[i]);
        } else {
            for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i * step[0]], pb[i * step[1]], pc[i * step[2]]);
        }
    });
}

}  // namespace vireo::ref
