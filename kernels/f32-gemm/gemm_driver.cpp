// vireo — f32 GEMM driver (portable; baseline flags).
//
// Loop nest of one task (an mc-row block of C, over all of N or an nc slice),
// in the BLIS order transposed for row-major C, whose vectors run along N:
//
//   for each K block (kb ≈ kc; none for a narrow B that fits L2)
//     for each B block of nc columns      kb × nc, stays in L2
//       for each MR-row A panel           packed on the first B block, in L1
//         for each NR-column B panel      streamed from L2
//           micro-kernel: MR×NR tile of C, accumulating over the K block
//
// A is packed once per task and K block, a panel at a time right before its
// first use, while the source of the panel two ahead is prefetched (by the
// micro-kernel itself when those rows are contiguous). B is packed for the
// whole K once (PackedB, or per call in gemm()), so a K block of a panel is a
// contiguous slice and every task shares one copy.
#include "kernels/f32-gemm/gemm_driver.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "vireo/error.hpp"

namespace vireo::kernels {

namespace {

// Sanity bounds on a kernel table entry.
constexpr size_t kMaxMr = 16;
constexpr size_t kMaxKc = 1024;
// How many A panels ahead of the one computing the source rows are prefetched:
// with a narrow N the sweep of one panel is too short to cover the latency.
constexpr size_t kPrefetchPanels = 2;
// Largest B (all of K × N) a product runs without K blocking (up to 2·kc):
// half the L2 of this generation of cores.
constexpr size_t kWholeKBytes = size_t(1) << 20;
constexpr size_t kLineFloats = 64 / sizeof(float);

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }
size_t round_up(size_t a, size_t b) { return ceil_div(a, b) * b; }

// The packed A block of the task a thread is running: grown on demand, kept
// for the thread's lifetime, so steady-state runs allocate nothing.
float* a_block_scratch(size_t floats) {
    struct Scratch {
        float* data = nullptr;
        size_t size = 0;
        ~Scratch() { std::free(data); }
    };
    thread_local Scratch scratch;
    if (scratch.size < floats) {
        const size_t bytes = round_up(floats * sizeof(float), 64);
        float* grown = static_cast<float*>(std::aligned_alloc(64, bytes));
        if (!grown) throw std::bad_alloc();
        std::free(scratch.data);
        scratch.data = grown;
        scratch.size = bytes / sizeof(float);
    }
    return scratch.data;
}

void check_kernels(const GemmKernels& k) {
    check(k.ukernel && k.pack_a && k.mr > 0 && k.mr <= kMaxMr && k.nr > 0 && k.kc > 0 &&
              k.kc <= kMaxKc && k.mc % k.mr == 0 && k.nc % k.nr == 0 && k.mc > 0 && k.nc > 0,
          "f32 gemm: kernel table entry is incomplete or exceeds the driver's limits");
}

// op(A) rows [m0, m0+rows) × columns [k0, k0+kc) into one panel.
void pack_a_panel(const GemmKernels& kernels, const GemmA& a, size_t m0, size_t rows, size_t k0,
                  size_t kc, float* dst) {
    if (a.pack) {
        a.pack(a.pack_ctx, m0, rows, k0, kc, dst);
    } else if (a.transposed) {
        // Stored K×M: each k already holds the panel's rows contiguously.
        const size_t mr = kernels.mr;
        const float* src = a.data + k0 * a.ld + m0;
        for (size_t k = 0; k < kc; ++k) std::memcpy(dst + k * mr, src + k * a.ld, rows * sizeof(float));
    } else {
        kernels.pack_a(a.data + m0 * a.ld + k0, a.ld, rows, kc, dst);
    }
}

// Asks for part `part` of `parts` of a future A panel (rows [m0, m0+rows) ×
// columns [k0, k0+kc)) to be brought into L2: its rows are short strided runs
// that the hardware prefetchers pick up too late. Spreading a panel over
// several micro-kernel calls keeps the line-fill buffers free for B.
void prefetch_a_part(const GemmA& a, size_t m0, size_t rows, size_t k0, size_t kc, size_t part,
                     size_t parts) {
    if (a.pack || kc == 0 || rows == 0) return;
    if (a.transposed) {
        // Stored K×M: one short run per k.
        const size_t per = ceil_div(kc, parts);
        for (size_t k = part * per; k < std::min(kc, (part + 1) * per); ++k)
            __builtin_prefetch(a.data + (k0 + k) * a.ld + m0, 0, 2);
        return;
    }
    const size_t per = ceil_div(rows, parts);
    for (size_t r = part * per; r < std::min(rows, (part + 1) * per); ++r) {
        const float* row = a.data + (m0 + r) * a.ld + k0;
        for (size_t k = 0; k < kc; k += kLineFloats) __builtin_prefetch(row + k, 0, 2);
        __builtin_prefetch(row + kc - 1, 0, 2);
    }
}

}  // namespace

// ---------------------------------------------------------------------------
// B packing

size_t packed_b_size(const GemmKernels& kernels, size_t K, size_t N) {
    return ceil_div(N, kernels.nr) * kernels.nr * K;
}

void pack_b_panels(const GemmKernels& kernels, const float* B, size_t ldb, bool transposed,
                   size_t K, size_t N, float* dst, size_t panel_begin, size_t panel_end) {
    const size_t nr = kernels.nr;
    for (size_t p = panel_begin; p < panel_end; ++p) {
        const size_t n0 = p * nr, cols = std::min(nr, N - n0);
        float* panel = dst + p * K * nr;
        if (!transposed) {
            for (size_t k = 0; k < K; ++k) {
                float* row = panel + k * nr;
                std::memcpy(row, B + k * ldb + n0, cols * sizeof(float));
                std::fill(row + cols, row + nr, 0.0f);
            }
            continue;
        }
        // B is N×K: walk K in short runs so the panel rows being written stay
        // in L1 while each source row is read sequentially.
        constexpr size_t kRun = 64;
        for (size_t k0 = 0; k0 < K; k0 += kRun) {
            const size_t kn = std::min(kRun, K - k0);
            for (size_t j = 0; j < cols; ++j) {
                const float* src = B + (n0 + j) * ldb + k0;
                float* out = panel + k0 * nr + j;
                for (size_t k = 0; k < kn; ++k) out[k * nr] = src[k];
            }
            if (cols < nr)
                for (size_t k = 0; k < kn; ++k) std::fill(panel + (k0 + k) * nr + cols, panel + (k0 + k + 1) * nr, 0.0f);
        }
    }
}

void PackedB::FreeAligned::operator()(float* p) const { std::free(p); }

PackedB pack_b(const GemmKernels& kernels, const float* B, size_t ldb, bool transposed, size_t K,
               size_t N) {
    check_kernels(kernels);
    PackedB packed;
    packed.K_ = K;
    packed.N_ = N;
    packed.nr_ = kernels.nr;
    // One cache line of slack keeps a zero-size product non-null.
    const size_t bytes = round_up(packed_b_size(kernels, K, N) * sizeof(float) + 64, 64);
    float* data = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!data) throw std::bad_alloc();
    packed.data_.reset(data);
    pack_b_panels(kernels, B, ldb, transposed, K, N, data, 0, ceil_div(N, kernels.nr));
    return packed;
}

// ---------------------------------------------------------------------------
// Planning

bool gemm_prefers_unpacked_b(const GemmKernels& kernels, size_t M, size_t N, size_t K, size_t ldb) {
    (void)N;
    (void)K;
    // Within a couple of M blocks each B block is fetched once per block and
    // then reused from L2 by every A panel, as a packed one would be, so a
    // copy costs more than it saves (measured: 49×512×4608 1.4× and
    // 196×256×2304 1.1× faster in place, 400×1000×1000 1.1× slower). When B's
    // rows are a multiple of 4 KiB apart (all in the same cache sets) a packed
    // copy wins as soon as there are more than a couple of A panels.
    const bool aliasing_rows = ldb % 1024 == 0;
    return M <= (aliasing_rows ? 2 * kernels.mr : 2 * kernels.mc);
}

GemmPlan plan_gemm(const GemmKernels& kernels, size_t M, size_t N, size_t K) {
    check_kernels(kernels);
    GemmPlan p;
    p.M = M;
    p.N = N;
    p.K = K;
    // Equal K blocks (no short tail block that would pay a full C reload for
    // little work), starting on cache-line boundaries of A's rows.
    const size_t m_all = round_up(std::max<size_t>(M, 1), kernels.mr);
    const size_t n_all = round_up(std::max<size_t>(N, 1), kernels.nr);
    size_t k_blocks = std::max<size_t>(1, ceil_div(K, kernels.kc));
    // A narrow B whose every K fits in L2 needs no K blocking, and without it
    // an A panel's source is one contiguous run of rows that the hardware
    // prefetchers stream well (blocked, it is MR short runs).
    if (K <= 2 * kernels.kc && K * n_all * sizeof(float) <= kWholeKBytes) k_blocks = 1;
    p.k_block = k_blocks == 1 ? K : round_up(ceil_div(K, k_blocks), 16);

    p.m_block = std::min(kernels.mc, m_all);
    // A task packs its A block once per K block and sweeps it over its whole
    // N range, so tall products take all of N per task (A packed exactly
    // once); short ones cut N into B blocks to have enough tasks.
    const size_t m_tasks = ceil_div(m_all, p.m_block);
    p.n_block = m_tasks >= 4 ? n_all : std::min(kernels.nc, n_all);
    // Few rows (matrix-vector shaped): cut N finer still, down to a few
    // panels per task, so that several threads share the stream of B.
    if (M <= kernels.mr)
        p.n_block = std::min(n_all, std::clamp(round_up(ceil_div(N, 8), kernels.nr), 4 * kernels.nr, p.n_block));
    p.m_tasks = M ? ceil_div(M, p.m_block) : 0;
    p.n_tasks = N ? ceil_div(N, p.n_block) : 0;
    return p;
}

size_t GemmPlan::grain() const {
    const size_t work = std::max<size_t>(1, m_block * n_block * std::max<size_t>(K, 1));
    return std::max<size_t>(1, (size_t(1) << 20) / work);
}

// ---------------------------------------------------------------------------
// Tasks

void gemm_tasks(const GemmKernels& kernels, const GemmArgs& args, const GemmPlan& plan,
                size_t task_begin, size_t task_end) {
    const size_t mr = kernels.mr, nr = kernels.nr, K = args.K;
    check(K == 0 || args.b_packed || (args.b && !args.b_transposed),
          "f32 gemm: a transposed B must be packed (use gemm() or pack_b)");
    const GemmEpilogue& ep = args.epilogue;
    float* a_block = a_block_scratch(plan.m_block * std::max<size_t>(plan.k_block, 1));

    for (size_t t = task_begin; t < task_end; ++t) {
        const size_t m_begin = (t / plan.n_tasks) * plan.m_block;
        const size_t n_begin = (t % plan.n_tasks) * plan.n_block;
        const size_t m_end = std::min(args.M, m_begin + plan.m_block);
        const size_t n_end = std::min(args.N, n_begin + plan.n_block);

        // K == 0 still runs one (empty) block so the epilogue writes C.
        for (size_t k0 = 0; k0 == 0 || k0 < K; k0 += plan.k_block) {
            const size_t kc = std::min(plan.k_block, K - k0);
            const bool last = k0 + kc >= K;
            // One B block (kc × nc, L2-resident) at a time, swept by every A
            // panel of the task. The first sweep packs the A panels as it goes,
            // with the source of a panel further on prefetched meanwhile.
            for (size_t n_sub = n_begin; n_sub < n_end; n_sub += kernels.nc) {
                const size_t n_sub_end = std::min(n_end, n_sub + kernels.nc);
                for (size_t m = m_begin; m < m_end; m += mr) {
                    float* a_panel = a_block + (m - m_begin) * kc;
                    const bool first_sweep = n_sub == n_begin && kc;
                    if (first_sweep && m == m_begin)
                        for (size_t p = 1; p < kPrefetchPanels && m + p * mr < m_end; ++p)
                            prefetch_a_part(args.a, m + p * mr, std::min(mr, m_end - m - p * mr), k0, kc, 0, 1);
                    if (first_sweep) pack_a_panel(kernels, args.a, m, std::min(mr, m_end - m), k0, kc, a_panel);
                    // The source of a panel further on, a part per micro-kernel
                    // call: streamed by the micro-kernel itself when its rows
                    // are one contiguous run, else requested here in a burst.
                    const size_t ahead = m + kPrefetchPanels * mr;
                    const size_t next_rows = first_sweep && ahead < m_end ? std::min(mr, m_end - ahead) : 0;
                    const size_t calls = ceil_div(n_sub_end - n_sub, nr);
                    const bool contiguous = !args.a.pack && !args.a.transposed && args.a.ld == kc;
                    const size_t stream_lines = contiguous ? ceil_div(next_rows * kc, kLineFloats) : 0;
                    GemmTile tile;
                    tile.ldc = args.ldc;
                    tile.mr = std::min(mr, m_end - m);
                    tile.accumulate = k0 > 0;
                    if (last) tile.epilogue = &ep;
                    for (size_t n = n_sub; n < n_sub_end; n += nr) {
                        tile.c = args.c + m * args.ldc + n;
                        tile.nr = std::min(nr, n_sub_end - n);
                        if (last) {
                            if (ep.bias_kind == GemmBias::PerColumn) tile.bias = ep.bias + n;
                            if (ep.bias_kind == GemmBias::PerRow) tile.bias = ep.bias + m;
                            if (ep.residual) tile.residual = ep.residual + m * ep.ld_residual + n;
                        }
                        // The next tile's C rows are needed at the start of its
                        // call (accumulating) or its end: fetch them under this one.
                        if (n + nr < n_sub_end)
                            for (size_t r = 0; r < tile.mr; ++r)
                                for (size_t j = 0; j < nr; j += 16) __builtin_prefetch(tile.c + r * args.ldc + nr + j, 1, 3);
                        const size_t call = (n - n_sub) / nr;
                        if (stream_lines) {
                            const size_t l0 = stream_lines * call / calls, l1 = stream_lines * (call + 1) / calls;
                            tile.prefetch = args.a.data + ahead * args.a.ld + l0 * kLineFloats;
                            tile.prefetch_lines = l1 - l0;
                        } else if (next_rows) {
                            prefetch_a_part(args.a, ahead, next_rows, k0, kc, call, calls);
                        }
                        const float* b;
                        size_t b_stride;
                        if (args.b_packed) {
                            b = args.b_packed + (n / nr) * K * nr + k0 * nr;
                            b_stride = nr;
                        } else {
                            b = args.b + k0 * args.ldb + n;
                            b_stride = args.ldb;
                        }
                        kernels.ukernel(kc, a_panel, b, b_stride, tile);
                    }
                }
            }
            if (K == 0) break;
        }
    }
}

}  // namespace vireo::kernels
