// vireo — f32 GEMM driver: BLIS-style blocking and packing around the per-ISA
// micro-kernel of GemmKernels (gemm.hpp).
//
//   C[M×N] = epilogue( op(A)[M×K] · op(B)[K×N] )       row-major, explicit strides
//
// How the work is cut (see gemm_driver.cpp for the why):
//   * B lives in NR-column panels spanning all of K (PackedB), packed once for
//     weights or once per call for dynamic operands, unless A has so few rows
//     that reading a row-major B in place is cheaper (gemm_prefers_unpacked_b).
//   * C is split into tasks of up to mc rows × (nc or all) columns. A task walks
//     K in blocks of ~kc; for each it packs its rows of A once (MR-row panels),
//     then sweeps every A panel (L1) across one B block (kc × nc, L2) at a time.
//   * Tasks are independent and each C element is reduced by one micro-kernel
//     call chain in increasing k, so the result is bitwise identical for any
//     task split, thread count or K blocking.
//
// Baseline-compiled only: never include this from an ISA file.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "kernels/f32-gemm/gemm.hpp"

namespace vireo::kernels {

// ---------------------------------------------------------------------------
// B operand

// Elements of the panel layout for a K×N matrix: ceil(N/NR) panels of K×NR.
size_t packed_b_size(const GemmKernels& kernels, size_t K, size_t N);

// Packs panels [panel_begin, panel_end) of op(B) (K×N; B is K×N row-major, or
// N×K row-major when transposed) into dst, which holds packed_b_size() floats.
// Panel p covers columns [p·NR, p·NR + NR) and is stored at dst + p·K·NR;
// columns past N are zero. Disjoint panel ranges may be packed concurrently.
void pack_b_panels(const GemmKernels& kernels, const float* B, size_t ldb, bool transposed,
                   size_t K, size_t N, float* dst, size_t panel_begin, size_t panel_end);

// B packed once (weights): build it in Op::prepare(), use it in every run.
class PackedB {
public:
    PackedB() = default;
    size_t K() const { return K_; }
    size_t N() const { return N_; }
    size_t nr() const { return nr_; }
    const float* data() const { return data_.get(); }
    bool empty() const { return !data_; }

private:
    friend PackedB pack_b(const GemmKernels&, const float*, size_t, bool, size_t, size_t);
    struct FreeAligned {
        void operator()(float* p) const;
    };
    std::unique_ptr<float[], FreeAligned> data_;
    size_t K_ = 0, N_ = 0, nr_ = 0;
};

// op(B) is K×N; `transposed` means B is stored N×K (ONNX transB=1).
PackedB pack_b(const GemmKernels& kernels, const float* B, size_t ldb, bool transposed, size_t K,
               size_t N);

// ---------------------------------------------------------------------------
// A operand

// Writes one A panel: rows [m0, m0 + rows) (rows <= MR) × columns [k0, k0 + kc)
// of the logical A into dst as dst[k·MR + r]; rows r >= `rows` are never read
// and may be left unwritten. Called concurrently from several threads with
// different dst.
// This is how a convolution feeds im2col / indirection rows straight from its
// input without materializing A.
using GemmPackA = void (*)(const void* ctx, size_t m0, size_t rows, size_t k0, size_t kc,
                           float* dst);

struct GemmA {
    // Either a row-major matrix (M×K, or K×M when transposed)...
    const float* data = nullptr;
    size_t ld = 0;
    bool transposed = false;
    // ...or a packing callback.
    GemmPackA pack = nullptr;
    const void* pack_ctx = nullptr;

    static GemmA matrix(const float* a, size_t lda, bool transposed = false) {
        GemmA r;
        r.data = a;
        r.ld = lda;
        r.transposed = transposed;
        return r;
    }
    static GemmA packer(GemmPackA fn, const void* ctx) {
        GemmA r;
        r.pack = fn;
        r.pack_ctx = ctx;
        return r;
    }
};

// ---------------------------------------------------------------------------
// One product

struct GemmArgs {
    size_t M = 0, N = 0, K = 0;
    GemmA a;
    // B: packed panels (PackedB::data(), or pack_b_panels output for this K, N),
    // or else a row-major matrix (K×N, or N×K when b_transposed) that gemm()
    // packs per call or reads in place (gemm_tasks reads it in place, which
    // requires !b_transposed).
    const float* b_packed = nullptr;
    const float* b = nullptr;
    size_t ldb = 0;
    bool b_transposed = false;
    float* c = nullptr;
    size_t ldc = 0;
    GemmEpilogue epilogue;
};

// The task split of one product. Depends only on the kernels and the shape,
// never on the thread count.
struct GemmPlan {
    size_t M = 0, N = 0, K = 0;
    size_t m_block = 0, n_block = 0;  // task extent (multiples of MR / NR, except at edges)
    size_t m_tasks = 0, n_tasks = 0;
    size_t k_block = 0;  // K block actually used (K split into equal blocks <= kc)
    size_t tasks() const { return m_tasks * n_tasks; }
    // Tasks per parallel chunk, so that a chunk amortizes scheduling.
    size_t grain() const;
};

GemmPlan plan_gemm(const GemmKernels& kernels, size_t M, size_t N, size_t K);

// Computes tasks [task_begin, task_end) of `plan` (task t covers M block
// t / n_tasks, N block t % n_tasks). Requires args.b_packed, or an unpacked
// args.b that is not transposed (or K == 0: B is not read). The packed A block lives in a per-thread
// scratch buffer, allocated on a thread's first call and reused after.
void gemm_tasks(const GemmKernels& kernels, const GemmArgs& args, const GemmPlan& plan,
                size_t task_begin, size_t task_end);

// True when reading a dynamic, non-transposed B (row stride ldb) in place
// beats packing it: few rows of A use each B element too few times to pay for
// a copy.
bool gemm_prefers_unpacked_b(const GemmKernels& kernels, size_t M, size_t N, size_t K, size_t ldb);

// The whole product through `parallel_for(n, grain, fn(begin, end))` (the shape
// of RunContext::parallel_for; a plain loop works). An unpacked B is packed
// here, in parallel, unless it is better read in place.
template <class ParallelFor>
void gemm(const GemmKernels& kernels, GemmArgs args, ParallelFor&& parallel_for) {
    if (args.M == 0 || args.N == 0) return;
    std::vector<float> packed;
    if (!args.b_packed && args.K &&
        (args.b_transposed || !gemm_prefers_unpacked_b(kernels, args.M, args.N, args.K, args.ldb))) {
        packed.resize(packed_b_size(kernels, args.K, args.N));
        const size_t panels = (args.N + kernels.nr - 1) / kernels.nr;
        const size_t grain = std::max<size_t>(1, (size_t(1) << 16) / std::max<size_t>(1, args.K * kernels.nr));
        parallel_for(int64_t(panels), int64_t(grain), [&](int64_t p0, int64_t p1) {
            pack_b_panels(kernels, args.b, args.ldb, args.b_transposed, args.K, args.N,
                          packed.data(), size_t(p0), size_t(p1));
        });
        args.b_packed = packed.data();
    }
    const GemmPlan plan = plan_gemm(kernels, args.M, args.N, args.K);
    parallel_for(int64_t(plan.tasks()), int64_t(plan.grain()), [&](int64_t t0, int64_t t1) {
        gemm_tasks(kernels, args, plan, size_t(t0), size_t(t1));
    });
}

// Single-threaded convenience.
inline void gemm(const GemmKernels& kernels, const GemmArgs& args) {
    gemm(kernels, args, [](int64_t n, int64_t, auto&& fn) {
        if (n > 0) fn(int64_t(0), n);
    });
}

}  // namespace vireo::kernels
