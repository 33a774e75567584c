// vireo — reference GEMM: the oracle every optimized matrix kernel is tested against.
//
//   C[M×N] = alpha · op(A)[M×K] · op(B)[K×N] + beta · C,   op(X) = X or Xᵀ
//
// All matrices are row-major with explicit leading dimensions (in elements), so a
// caller can multiply sub-matrices of bigger buffers in place. C must not overlap
// A or B.
//
// Numerical contract (what makes this usable as an oracle and as a parallel kernel):
//   * beta == 0 overwrites C without reading it, so C may hold garbage or NaN.
//   * Every C element is computed as  c = beta·c;  c += (alpha·a_k)·b_k  for
//     k = 0, 1, ..., K-1 in that order. The order does not depend on M, N or on
//     which block of C is computed, so splitting C into blocks (gemm_block) and
//     computing them on any number of threads gives bit-identical results.
//   * Integer types wrap modulo 2^bits (like numpy) instead of overflowing into
//     undefined behaviour.
// (Bit-identity across blockings assumes the compiler does not fuse a·b + c into
// FMAs differently in different loops: true for baseline x86-64/ISO builds; with
// -ffp-contract=fast on an FMA target the last bit may differ between blocks.)
//
// Speed comes from loop order alone (plain scalar C++, no intrinsics): i-k-j with
// the j loop innermost and contiguous so the compiler vectorizes it, a C row
// segment that stays in L1, a B panel that stays in L2, and four k steps fused
// per pass over the C segment (written so the additions still happen in k order).
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace vireo::ref {

namespace gemm_detail {

// C columns handled per pass (a C row segment of this many elements stays in L1)
// and K depth per B panel (kKBlock × kNBlock elements stay in L2).
inline constexpr int64_t kNBlock = 256;
inline constexpr int64_t kKBlock = 128;

// Signed overflow is undefined in C++; the unsigned type of the same width gives
// the two's-complement wraparound that numpy (and ONNX reference outputs) have.
template <class T, bool = std::is_integral_v<T> && std::is_signed_v<T>>
struct arith { using type = T; };
template <class T>
struct arith<T, true> { using type = std::make_unsigned_t<T>; };
template <class T>
using arith_t = typename arith<T>::type;

// The C block rows [i0,i1) × cols [j0,j1); U is an arithmetic-safe type.
template <class U>
void gemm_block_impl(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t K, const U* A,
                     int64_t lda, const U* B, int64_t ldb, U* C, int64_t ldc, U alpha, U beta,
                     bool transA, bool transB) {
    static_assert(!std::is_integral_v<U> || sizeof(U) >= sizeof(int),
                  "narrow integers would be promoted to int and could overflow");
    if (i0 >= i1 || j0 >= j1) return;

    for (int64_t i = i0; i < i1; ++i) {
        U* c = C + i * ldc;
        if (beta == U(0)) {
            std::fill(c + j0, c + j1, U(0));
        } else if (beta != U(1)) {
            for (int64_t j = j0; j < j1; ++j) c[j] *= beta;
        }
    }
    if (K <= 0) return;

    // alpha·op(A)[i, k0 .. k0+n) gathered into a contiguous row.
    auto load_a_row = [&](int64_t i, int64_t k0, int64_t n, U* row) {
        if (transA) {
            for (int64_t k = 0; k < n; ++k) row[k] = alpha * A[(k0 + k) * lda + i];
        } else {
            const U* src = A + i * lda + k0;
            for (int64_t k = 0; k < n; ++k) row[k] = alpha * src[k];
        }
    };

    // Narrow blocks (a few columns, or a few rows against a transposed B that
    // would cost more to repack than to use) run as dot products: four C
    // elements at a time, each accumulated in the same k order as below.
    if (j1 - j0 < 8 || (transB && i1 - i0 <= 2)) {
        std::vector<U> arow(static_cast<size_t>(K));
        auto b_at = [&](int64_t k, int64_t j) { return transB ? B[j * ldb + k] : B[k * ldb + j]; };
        for (int64_t i = i0; i < i1; ++i) {
            load_a_row(i, 0, K, arow.data());
            const U* __restrict a = arow.data();
            U* c = C + i * ldc;
            int64_t j = j0;
            for (; j + 4 <= j1; j += 4) {
                U c0 = c[j], c1 = c[j + 1], c2 = c[j + 2], c3 = c[j + 3];
                if (transB) {
                    const U *b0 = B + j * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
                    for (int64_t k = 0; k < K; ++k) {
                        c0 = c0 + a[k] * b0[k];
                        c1 = c1 + a[k] * b1[k];
                        c2 = c2 + a[k] * b2[k];
                        c3 = c3 + a[k] * b3[k];
                    }
                } else {
                    for (int64_t k = 0; k < K; ++k) {
                        const U* b = B + k * ldb + j;
                        c0 = c0 + a[k] * b[0];
                        c1 = c1 + a[k] * b[1];
                        c2 = c2 + a[k] * b[2];
                        c3 = c3 + a[k] * b[3];
                    }
                }
                c[j] = c0;
                c[j + 1] = c1;
                c[j + 2] = c2;
                c[j + 3] = c3;
            }
            for (; j < j1; ++j) {
                U acc = c[j];
                for (int64_t k = 0; k < K; ++k) acc = acc + a[k] * b_at(k, j);
                c[j] = acc;
            }
        }
        return;
    }

    // op(B) with K contiguous (transB) is repacked panel by panel so that the
    // inner loop still runs over contiguous j. Eight source rows are copied
    // together so both the reads and the writes stay sequential.
    std::vector<U> panel;
    if (transB) panel.resize(size_t(std::min(kKBlock, K) * std::min(kNBlock, j1 - j0)));
    U arow[kKBlock];

    for (int64_t jb = j0; jb < j1; jb += kNBlock) {
        const int64_t nb = std::min(kNBlock, j1 - jb);
        for (int64_t kb = 0; kb < K; kb += kKBlock) {
            const int64_t kc = std::min(kKBlock, K - kb);
            const U* bp;
            int64_t ldp;
            if (transB) {
                int64_t j = 0;
                for (; j + 8 <= nb; j += 8) {
                    const U* src = B + (jb + j) * ldb + kb;
                    for (int64_t k = 0; k < kc; ++k) {
                        U* dst = panel.data() + k * nb + j;
                        for (int64_t jj = 0; jj < 8; ++jj) dst[jj] = src[jj * ldb + k];
                    }
                }
                for (; j < nb; ++j) {
                    const U* src = B + (jb + j) * ldb + kb;
                    for (int64_t k = 0; k < kc; ++k) panel[size_t(k * nb + j)] = src[k];
                }
                bp = panel.data();
                ldp = nb;
            } else {
                bp = B + kb * ldb + jb;
                ldp = ldb;
            }

            for (int64_t i = i0; i < i1; ++i) {
                load_a_row(i, kb, kc, arow);
                U* __restrict c = C + i * ldc + jb;
                int64_t k = 0;
                // Four k steps per pass; the expression is left-associative, so
                // c + t0 + t1 + t2 + t3 adds in exactly the k order of the
                // one-step loop below. Only the loads/stores of c are saved.
                for (; k + 4 <= kc; k += 4) {
                    const U a0 = arow[k], a1 = arow[k + 1], a2 = arow[k + 2], a3 = arow[k + 3];
                    const U* __restrict b0 = bp + k * ldp;
                    const U* __restrict b1 = b0 + ldp;
                    const U* __restrict b2 = b1 + ldp;
                    const U* __restrict b3 = b2 + ldp;
                    for (int64_t j = 0; j < nb; ++j)
                        c[j] = c[j] + a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
                }
                for (; k < kc; ++k) {
                    const U a = arow[k];
                    const U* __restrict b = bp + k * ldp;
                    for (int64_t j = 0; j < nb; ++j) c[j] = c[j] + a * b[j];
                }
            }
        }
    }
}

}  // namespace gemm_detail

// Computes only the block rows [i0,i1) × columns [j0,j1) of C (C, A, B are the
// full matrices). Bit-identical to the same elements of gemm() on the whole C.
template <class T>
void gemm_block(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t K, const T* A,
                int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc, T alpha, T beta,
                bool transA, bool transB) {
    using U = gemm_detail::arith_t<T>;
    gemm_detail::gemm_block_impl<U>(i0, i1, j0, j1, K, reinterpret_cast<const U*>(A), lda,
                                    reinterpret_cast<const U*>(B), ldb, reinterpret_cast<U*>(C),
                                    ldc, U(alpha), U(beta), transA, transB);
}

// C = alpha·op(A)·op(B) + beta·C on the whole M×N matrix (single thread).
template <class T>
void gemm(int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb,
          T* C, int64_t ldc, T alpha, T beta, bool transA, bool transB) {
    gemm_block<T>(0, M, 0, N, K, A, lda, B, ldb, C, ldc, alpha, beta, transA, transB);
}

inline void gemm_f32(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                     const float* B, int64_t ldb, float* C, int64_t ldc, float alpha, float beta,
                     bool transA, bool transB) {
    gemm<float>(M, N, K, A, lda, B, ldb, C, ldc, alpha, beta, transA, transB);
}

inline void gemm_f64(int64_t M, int64_t N, int64_t K, const double* A, int64_t lda,
                     const double* B, int64_t ldb, double* C, int64_t ldc, double alpha,
                     double beta, bool transA, bool transB) {
    gemm<double>(M, N, K, A, lda, B, ldb, C, ldc, alpha, beta, transA, transB);
}

// How to cut an M×N×K product into blocks of C for parallel execution. The cut
// depends only on the problem size (never on the thread count), and because of
// gemm_block's contract the result does not depend on it either.
struct GemmTiling {
    int64_t M = 0, N = 0;
    int64_t mb = 1, nb = 1;  // block extent in rows / columns

    int64_t m_blocks() const { return M > 0 ? (M + mb - 1) / mb : 0; }
    int64_t n_blocks() const { return N > 0 ? (N + nb - 1) / nb : 0; }
    int64_t count() const { return m_blocks() * n_blocks(); }
    // Block t (row-block major): rows [i0,i1), columns [j0,j1).
    void block(int64_t t, int64_t& i0, int64_t& i1, int64_t& j0, int64_t& j1) const {
        const int64_t bi = t / n_blocks(), bj = t % n_blocks();
        i0 = bi * mb;
        i1 = std::min(M, i0 + mb);
        j0 = bj * nb;
        j1 = std::min(N, j0 + nb);
    }
    // Blocks per parallel chunk so that a chunk carries enough multiply-adds to
    // amortize scheduling.
    int64_t grain(int64_t K) const {
        const int64_t work = std::max<int64_t>(1, mb * nb * std::max<int64_t>(K, 1));
        return std::max<int64_t>(1, (int64_t(1) << 18) / work);
    }
};

inline GemmTiling plan_gemm_tiling(int64_t M, int64_t N) {
    GemmTiling t;
    t.M = M;
    t.N = N;
    // Tall blocks re-use each packed/L2-resident B panel across many rows; a
    // multiple of the column block keeps full inner passes.
    t.mb = std::clamp<int64_t>(M, 1, 32);
    t.nb = std::clamp<int64_t>(N, 1, 2 * gemm_detail::kNBlock);
    // A single row (matrix-vector shaped products) still splits over N.
    if (M <= 4) t.nb = std::clamp<int64_t>(N, 1, gemm_detail::kNBlock);
    return t;
}

// Runs gemm over a tiling through `parallel_for(n, grain, fn(begin, end))`
// (any executor with that shape; a plain loop works). Bit-identical to gemm().
template <class T, class ParallelFor>
void gemm_parallel(ParallelFor&& parallel_for, int64_t M, int64_t N, int64_t K, const T* A,
                   int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc, T alpha, T beta,
                   bool transA, bool transB) {
    const GemmTiling tiling = plan_gemm_tiling(M, N);
    parallel_for(tiling.count(), tiling.grain(K), [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
            int64_t i0, i1, j0, j1;
            tiling.block(t, i0, i1, j0, j1);
            gemm_block<T>(i0, i1, j0, j1, K, A, lda, B, ldb, C, ldc, alpha, beta, transA,
                          transB);
        }
    });
}

}  // namespace vireo::ref
