// vireo — reference strided gather: transpose, broadcast, tile and slice as one kernel.
//
// Every pure data-movement op that reads a permuted, broadcast, repeated or
// stepped view of one tensor into a contiguous output is the same loop nest:
//
//   out[i_0, ..., i_{r-1}] = in[offset + sum_k i_k * in_strides[k]]
//
// StridedCopy plans that loop once (dropping unit dims and merging dims that are
// contiguous in both tensors, so e.g. NCHW->NHWC becomes a batched 2-D transpose
// of [HW, C]) and then runs it over independent work units, so callers can hand
// the units to a thread pool. Strides may be zero (broadcast) or negative
// (reversed slices).
//
// Two inner paths:
//  - rows: the innermost output dim is copied as a row (memcpy when it is also
//    contiguous in the input, a fill when broadcast, a strided read otherwise);
//  - blocked: when the innermost output dim jumps through the input but another
//    output dim walks it contiguously (the last-two-dims swap, NCHW<->NHWC, a
//    full reversal of the dims), kBlock x kBlock tiles of those two dims are
//    copied, so a tile's reads and writes are short contiguous runs that stay
//    in L1.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace vireo::kernels::ref {

class StridedCopy {
public:
    // Output tile edge of the blocked path: 32x32 elements of up to 8 bytes is
    // 8 KiB read + 8 KiB written, which fits every L1 vireo targets.
    static constexpr int64_t kBlock = 32;

    // out_shape: the contiguous output's shape; in_strides: element stride in the
    // input of each output dim; in_offset: element offset of out[0,...,0] in the input.
    // The caller guarantees that every address the view touches is inside the input.
    StridedCopy(std::span<const int64_t> out_shape, std::span<const int64_t> in_strides,
                int64_t in_offset = 0)
        : offset_(in_offset) {
        numel_ = 1;
        for (int64_t d : out_shape) numel_ *= d;
        if (numel_ == 0) return;
        // A size-1 dim only ever has index 0, so its stride is irrelevant; an outer
        // dim whose stride equals the inner dim's extent continues it seamlessly.
        for (size_t k = 0; k < out_shape.size(); ++k) {
            int64_t n = out_shape[k], s = in_strides[k];
            if (n == 1) continue;
            if (!shape_.empty() && strides_.back() == s * n) {
                shape_.back() *= n;
                strides_.back() = s;
            } else {
                shape_.push_back(n);
                strides_.push_back(s);
            }
        }
        if (shape_.empty()) {  // a single element
            shape_ = {1};
            strides_ = {1};
        }
        const size_t r = shape_.size();
        out_strides_.assign(r, 1);
        for (size_t i = r - 1; i-- > 0;) out_strides_[i] = out_strides_[i + 1] * shape_[i + 1];
        // Blocked when the innermost output dim jumps through the input and some
        // other output dim walks the input contiguously: tiling those two dims
        // turns both the reads and the writes into short contiguous runs.
        if (r >= 2 && strides_[r - 1] != 1 && strides_[r - 1] != 0) {
            for (size_t k = 0; k + 1 < r; ++k)
                if (strides_[k] == 1) row_dim_ = int(k);
        }
        if (row_dim_ >= 0) {
            const int64_t rows = shape_[size_t(row_dim_)];
            row_blocks_ = (rows + kBlock - 1) / kBlock;
            units_ = numel_ / (rows * shape_[r - 1]) * row_blocks_;
        } else {
            units_ = numel_ / shape_[r - 1];
        }
    }

    int64_t numel() const { return numel_; }
    // Independent pieces of work; each output element belongs to exactly one.
    int64_t work_units() const { return units_; }
    // Output elements per work unit (the last one may be smaller); for choosing a grain.
    int64_t unit_size() const {
        if (units_ == 0) return 0;
        const int64_t cols = shape_.back();
        return row_dim_ >= 0 ? std::min(kBlock, shape_[size_t(row_dim_)]) * cols : cols;
    }

    // Copies the elements of work units [unit_begin, unit_end).
    template <class T>
    void run(const T* in, T* out, int64_t unit_begin, int64_t unit_end) const {
        if (unit_begin >= unit_end) return;
        if (row_dim_ >= 0)
            run_blocked(in, out, unit_begin, unit_end);
        else
            run_rows(in, out, unit_begin, unit_end);
    }
    template <class T>
    void run(const T* in, T* out) const { run(in, out, 0, units_); }

    // Type-agnostic form for pure data movement: any element of 1, 2, 4 or 8 bytes.
    // Returns false for other element sizes.
    bool run_bytes(size_t elem_size, const void* in, void* out, int64_t unit_begin,
                   int64_t unit_end) const {
        switch (elem_size) {
            case 1: run_as<1>(in, out, unit_begin, unit_end); return true;
            case 2: run_as<2>(in, out, unit_begin, unit_end); return true;
            case 4: run_as<4>(in, out, unit_begin, unit_end); return true;
            case 8: run_as<8>(in, out, unit_begin, unit_end); return true;
            default: return false;
        }
    }

private:
    // Opaque element of N bytes. may_alias: the storage really holds floats,
    // ints, ...; copying it through this type must not break strict aliasing.
    template <size_t N>
    struct __attribute__((__may_alias__)) Bytes {
        unsigned char b[N];
    };

    template <size_t N>
    void run_as(const void* in, void* out, int64_t unit_begin, int64_t unit_end) const {
        run(static_cast<const Bytes<N>*>(in), static_cast<Bytes<N>*>(out), unit_begin, unit_end);
    }

    // Input offset of row `row` of the rows path (an index over all dims but the
    // last), also filling in its multi-index.
    int64_t row_offset(int64_t row, std::vector<int64_t>& idx) const {
        int64_t off = offset_;
        for (size_t d = idx.size(); d-- > 0;) {
            idx[d] = row % shape_[d];
            row /= shape_[d];
            off += idx[d] * strides_[d];
        }
        return off;
    }

    template <class T>
    void run_rows(const T* in, T* out, int64_t unit_begin, int64_t unit_end) const {
        const size_t outer_dims = shape_.size() - 1;
        const int64_t n = shape_.back(), s = strides_.back();
        std::vector<int64_t> idx(outer_dims, 0);
        int64_t off = row_offset(unit_begin, idx);
        for (int64_t u = unit_begin; u < unit_end; ++u) {
            T* o = out + u * n;
            const T* p = in + off;
            if (s == 1) {
                std::copy(p, p + n, o);
            } else if (s == 0) {
                std::fill(o, o + n, *p);
            } else {
                for (int64_t j = 0; j < n; ++j) o[j] = p[j * s];
            }
            // Odometer step over the outer dims, keeping the input offset incremental.
            for (size_t d = outer_dims; d-- > 0;) {
                off += strides_[d];
                if (++idx[d] < shape_[d]) break;
                off -= strides_[d] * shape_[d];
                idx[d] = 0;
            }
        }
    }

    template <class T>
    void run_blocked(const T* in, T* out, int64_t unit_begin, int64_t unit_end) const {
        const size_t r = shape_.size(), k = size_t(row_dim_);
        const int64_t rows = shape_[k], cols = shape_[r - 1], col_stride = strides_[r - 1];
        const int64_t row_out_stride = out_strides_[k];
        for (int64_t u = unit_begin; u < unit_end; ++u) {
            // Offsets of this unit's (rows x cols) plane: decompose the index over
            // the remaining dims.
            int64_t rest = u / row_blocks_, in_off = offset_, out_off = 0;
            for (size_t d = r - 1; d-- > 0;) {
                if (d == k) continue;
                const int64_t i = rest % shape_[d];
                rest /= shape_[d];
                in_off += i * strides_[d];
                out_off += i * out_strides_[d];
            }
            const int64_t i0 = (u % row_blocks_) * kBlock, i1 = std::min(rows, i0 + kBlock);
            for (int64_t j0 = 0; j0 < cols; j0 += kBlock) {
                const int64_t j1 = std::min(cols, j0 + kBlock);
                for (int64_t i = i0; i < i1; ++i) {
                    T* o = out + out_off + i * row_out_stride;
                    const T* p = in + in_off + i;
                    for (int64_t j = j0; j < j1; ++j) o[j] = p[j * col_stride];
                }
            }
        }
    }

    std::vector<int64_t> shape_, strides_;  // simplified loop nest: extents, input strides
    std::vector<int64_t> out_strides_;      // contiguous strides of shape_
    int64_t offset_ = 0;
    int64_t numel_ = 0;
    int64_t units_ = 0;
    int64_t row_blocks_ = 0;
    int row_dim_ = -1;  // blocked path: the output dim that is contiguous in the input
};

// Plan for out = transpose(in, perm), out.shape[i] = in_shape[perm[i]], both
// contiguous. perm must be a permutation of [0, rank) (callers validate).
inline StridedCopy transpose_plan(std::span<const int64_t> in_shape, std::span<const int64_t> perm) {
    const size_t r = in_shape.size();
    std::vector<int64_t> in_strides(r, 1), out_shape(r), strides(r);
    for (size_t i = r; i-- > 1;) in_strides[i - 1] = in_strides[i] * in_shape[i];
    for (size_t i = 0; i < r; ++i) {
        out_shape[i] = in_shape[size_t(perm[i])];
        strides[i] = in_strides[size_t(perm[i])];
    }
    return StridedCopy(out_shape, strides);
}

// Contiguous transpose of a typed buffer, single-threaded.
template <class T>
void transpose(const T* in, T* out, std::span<const int64_t> in_shape, std::span<const int64_t> perm) {
    transpose_plan(in_shape, perm).run(in, out);
}

}  // namespace vireo::kernels::ref
