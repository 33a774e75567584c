// vireo — 8x8 transpose of 4-byte elements in ymm registers (AVX), shared by
// the AVX2 and AVX-512 vector files (each compiles its own internal copy).
// Include inside an anonymous namespace, before the wrapper that uses it.
//
// Elements are moved as bits (loads, unpacks, shuffles, lane permutes, stores;
// no arithmetic), so any 4-byte type passes through unchanged, NaN payloads
// included.

// out[c * out_stride + r] = in[r * in_stride + c] for r < rows, c < cols
// (both <= 8). Rows and columns outside the block are never touched: partial
// blocks load and store with lane masks.
inline void transpose_8x8_avx(const float* in, size_t in_stride, float* out, size_t out_stride, size_t rows = 8,
                              size_t cols = 8) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const bool full = rows == 8 && cols == 8;
    const __m256i col_mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(cols)), lanes);
    __m256 r[8];
    for (size_t i = 0; i < 8; ++i) {
        if (full)
            r[i] = _mm256_loadu_ps(in + i * in_stride);
        else
            r[i] = i < rows ? _mm256_maskload_ps(in + i * in_stride, col_mask) : _mm256_setzero_ps();
    }
    // Pairs of rows interleaved, then quads, then the 128-bit halves swapped
    // into place: the classic three-stage 8x8 transpose.
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 o[8] = {
        _mm256_permute2f128_ps(u0, u4, 0x20), _mm256_permute2f128_ps(u1, u5, 0x20),
        _mm256_permute2f128_ps(u2, u6, 0x20), _mm256_permute2f128_ps(u3, u7, 0x20),
        _mm256_permute2f128_ps(u0, u4, 0x31), _mm256_permute2f128_ps(u1, u5, 0x31),
        _mm256_permute2f128_ps(u2, u6, 0x31), _mm256_permute2f128_ps(u3, u7, 0x31),
    };
    if (full) {
        for (size_t i = 0; i < 8; ++i) _mm256_storeu_ps(out + i * out_stride, o[i]);
        return;
    }
    const __m256i row_mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(rows)), lanes);
    for (size_t i = 0; i < cols; ++i) _mm256_maskstore_ps(out + i * out_stride, row_mask, o[i]);
}
