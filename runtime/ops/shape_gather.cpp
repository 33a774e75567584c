// vireo — shape family, part 2: ops that move data between layouts.
//
// Transpose, Slice, Expand, Tile, DepthToSpace and SpaceToDepth each read a
// permuted / stepped / broadcast view of their input, so all of them build a
// kernels::ref::StridedCopy and differ only in the view they describe.
// Concat and Split copy contiguous row chunks.
//
// Everything here is type-agnostic: the kernels move elements of 1, 2, 4 or 8
// bytes, which covers every type vireo stores. A Transpose of 4-byte elements
// that amounts to a batch of 2-D transposes (NCHW <-> NHWC, the last two dims
// swapped) takes the session's register-blocked kernel instead.
//
// Negative axes entered the spec in opset 11, but exporters emitted them for
// older opsets too (Concat axis=-1 at opset 9) and other runtimes accept them,
// so every opset accepts them.
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "kernels/f32-vector/vector.hpp"
#include "kernels/ref/transpose.hpp"
#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

namespace {

using kernels::ref::StridedCopy;

template <class T>
std::unique_ptr<Op> create(const NodeDef& node) {
    return std::make_unique<T>(node);
}

// Below this many elements a task is not worth handing to another thread.
constexpr int64_t kMinElementsPerTask = int64_t(1) << 15;

void check_storable(const char* op, DType t) {
    check(dtype_size(t) != 0, op, ": unsupported element type ", dtype_name(t));
}

// Int64 list from a 1-D (or scalar) index input; int32 is accepted as well.
std::vector<int64_t> read_index_list(const Tensor& t, const char* op, const char* what) {
    check(t.rank() <= 1, op, ": '", what, "' must be a 1-D tensor, got shape ", shape_str(t.shape()));
    check(t.dtype() == DType::Int64 || t.dtype() == DType::Int32, op, ": '", what,
          "' must be int64, got ", dtype_name(t.dtype()));
    return to_i64_vector(t, op);
}

int64_t checked_mul(int64_t a, int64_t b, const char* op) {
    int64_t r = 0;
    check(!__builtin_mul_overflow(a, b, &r), op, ": output size overflows");
    return r;
}

// Runs a planned gather from `in` into `out`, split over the session's threads.
void run_gather(const RunContext& ctx, const StridedCopy& plan, const Tensor& in, Tensor& out) {
    if (plan.work_units() == 0) return;
    const size_t elem = dtype_size(in.dtype());  // 1, 2, 4 or 8 for every storable type
    const int64_t grain = std::max<int64_t>(1, kMinElementsPerTask / std::max<int64_t>(1, plan.unit_size()));
    ctx.parallel_for(plan.work_units(), grain, [&](int64_t begin, int64_t end) {
        plan.run_bytes(elem, in.raw(), out.raw(), begin, end);
    });
}

// A permutation that moves whole blocks: input [batch, rows, cols] to output
// [batch, cols, rows], each of the three a product of input dims.
struct BatchedTranspose {
    int64_t batch = 1, rows = 1, cols = 1;
};

// Drops size-1 dims and merges input dims that stay adjacent in the output;
// what is left is a batched 2-D transpose when it has the form [1, 0] or
// [0, 2, 1] (NCHW -> NHWC is [N][C][HW] -> [N][HW][C], NHWC -> NCHW the reverse).
std::optional<BatchedTranspose> as_batched_transpose(const Shape& shape, const std::vector<int64_t>& perm) {
    std::vector<int64_t> rank_of(shape.size(), -1);  // position among the kept input dims
    int64_t kept = 0;
    for (size_t d = 0; d < shape.size(); ++d)
        if (shape[d] != 1) rank_of[d] = kept++;
    // Output-ordered groups of consecutive kept input dims: {first kept rank, extent}.
    std::vector<std::pair<int64_t, int64_t>> groups;
    int64_t previous = -2;
    for (int64_t p : perm) {
        const int64_t r = rank_of[size_t(p)];
        if (r < 0) continue;
        if (r == previous + 1 && !groups.empty()) groups.back().second *= shape[size_t(p)];
        else groups.push_back({r, shape[size_t(p)]});
        previous = r;
    }
    if (groups.size() == 2 && groups[0].first > groups[1].first)
        return BatchedTranspose{1, groups[1].second, groups[0].second};
    if (groups.size() == 3 && groups[0].first < groups[2].first && groups[2].first < groups[1].first)
        return BatchedTranspose{groups[0].second, groups[2].second, groups[1].second};
    return std::nullopt;
}

// The batched transpose in tiles of up to kTileRows x kTileCols, each a work unit.
void run_batched_transpose(const RunContext& ctx, const BatchedTranspose& t, const Tensor& in, Tensor& out) {
    constexpr int64_t kTileRows = 256, kTileCols = 64;
    const int64_t row_tiles = (t.rows + kTileRows - 1) / kTileRows, col_tiles = (t.cols + kTileCols - 1) / kTileCols;
    const int64_t units = t.batch * row_tiles * col_tiles;
    if (units == 0) return;
    const auto transpose = ctx.kernels().vector.transpose_4b;
    const auto* src = static_cast<const unsigned char*>(in.raw());
    auto* dst = static_cast<unsigned char*>(out.raw());
    const int64_t grain = std::max<int64_t>(1, kMinElementsPerTask / (kTileRows * kTileCols));
    ctx.parallel_for(units, grain, [&](int64_t begin, int64_t end) {
        for (int64_t u = begin; u < end; ++u) {
            const int64_t b = u / (row_tiles * col_tiles), rt = u / col_tiles % row_tiles, ct = u % col_tiles;
            const int64_t r0 = rt * kTileRows, c0 = ct * kTileCols;
            const int64_t plane = b * t.rows * t.cols;
            transpose(size_t(std::min(kTileRows, t.rows - r0)), size_t(std::min(kTileCols, t.cols - c0)),
                      src + 4 * (plane + r0 * t.cols + c0), size_t(t.cols), dst + 4 * (plane + c0 * t.rows + r0),
                      size_t(t.rows));
        }
    });
}

// A contiguous tensor of shape `shape` viewed through `perm`.
void run_transpose(const RunContext& ctx, const Shape& shape, const std::vector<int64_t>& perm,
                   const Tensor& in, Tensor& out) {
    if (dtype_size(in.dtype()) == 4) {
        if (const auto batched = as_batched_transpose(shape, perm)) {
            run_batched_transpose(ctx, *batched, in, out);
            return;
        }
    }
    run_gather(ctx, kernels::ref::transpose_plan(shape, perm), in, out);
}

// ---------------------------------------------------------------- Transpose

class TransposeOp final : public Op {
public:
    explicit TransposeOp(const NodeDef& node) : has_perm_(node.has("perm")), perm_(node.get_ints("perm")) {}

    bool infer(InferContext& ctx) const override {
        check_storable("Transpose", ctx.dtype(0));
        const Shape& in = ctx.shape(0);
        auto perm = permutation(in.size());
        Shape out(in.size());
        for (size_t i = 0; i < in.size(); ++i) out[i] = in[size_t(perm[i])];
        ctx.set_output(0, ctx.dtype(0), out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& in = ctx.input(0);
        run_transpose(ctx, in.shape(), permutation(in.rank()), in, ctx.output(0));
    }

private:
    // The validated permutation for an input of this rank (default: reverse the dims).
    std::vector<int64_t> permutation(size_t rank) const {
        if (!has_perm_) {
            std::vector<int64_t> p(rank);
            for (size_t i = 0; i < rank; ++i) p[i] = int64_t(rank - 1 - i);
            return p;
        }
        check(perm_.size() == rank, "Transpose: perm has ", perm_.size(), " entries but the input has rank ",
              rank);
        std::vector<bool> seen(rank, false);
        for (int64_t p : perm_) {
            check(p >= 0 && p < int64_t(rank) && !seen[size_t(p)], "Transpose: perm ", shape_str(perm_),
                  " is not a permutation of 0..", int64_t(rank) - 1);
            seen[size_t(p)] = true;
        }
        return perm_;
    }

    bool has_perm_;
    std::vector<int64_t> perm_;
};

// ---------------------------------------------------------------- DepthToSpace / SpaceToDepth

// Both are a 6-D transpose of an NCHW tensor; the ONNX spec defines them that way.
class DepthToSpaceOp final : public Op {
public:
    explicit DepthToSpaceOp(const NodeDef& node) : block_(node.req_int("blocksize")) {
        check(block_ > 0, "DepthToSpace: blocksize must be positive, got ", block_);
        // mode arrived in opset 11; before that the layout was always DCR.
        std::string mode = node.opset >= 11 ? node.get_string("mode", "DCR") : "DCR";
        check(mode == "DCR" || mode == "CRD", "DepthToSpace: mode must be DCR or CRD, got '", mode, "'");
        crd_ = mode == "CRD";
    }

    bool infer(InferContext& ctx) const override {
        check_storable("DepthToSpace", ctx.dtype(0));
        const Shape& in = ctx.shape(0);
        check(in.size() == 4, "DepthToSpace: input must be 4-D (NCHW), got shape ", shape_str(in));
        const int64_t area = checked_mul(block_, block_, "DepthToSpace");
        check(in[1] % area == 0, "DepthToSpace: channels ", in[1], " are not divisible by blocksize^2 = ",
              area);
        ctx.set_output(0, ctx.dtype(0),
                       {in[0], in[1] / area, checked_mul(in[2], block_, "DepthToSpace"),
                        checked_mul(in[3], block_, "DepthToSpace")});
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& in = ctx.input(0);
        const int64_t n = in.dim(0), c = in.dim(1) / (block_ * block_), h = in.dim(2), w = in.dim(3);
        const int64_t b = block_;
        // DCR: channel = (bh * b + bw) * c + oc; CRD: channel = (oc * b + bh) * b + bw.
        // Either way the output is [n, c, h, bh, w, bw].
        if (crd_)
            run_transpose(ctx, {n, c, b, b, h, w}, {0, 1, 4, 2, 5, 3}, in, ctx.output(0));
        else
            run_transpose(ctx, {n, b, b, c, h, w}, {0, 3, 4, 1, 5, 2}, in, ctx.output(0));
    }

private:
    int64_t block_;
    bool crd_ = false;
};

class SpaceToDepthOp final : public Op {
public:
    explicit SpaceToDepthOp(const NodeDef& node) : block_(node.req_int("blocksize")) {
        check(block_ > 0, "SpaceToDepth: blocksize must be positive, got ", block_);
    }

    bool infer(InferContext& ctx) const override {
        check_storable("SpaceToDepth", ctx.dtype(0));
        const Shape& in = ctx.shape(0);
        check(in.size() == 4, "SpaceToDepth: input must be 4-D (NCHW), got shape ", shape_str(in));
        check(in[2] % block_ == 0 && in[3] % block_ == 0, "SpaceToDepth: spatial dims ", in[2], "x", in[3],
              " are not divisible by blocksize ", block_);
        const int64_t area = checked_mul(block_, block_, "SpaceToDepth");
        ctx.set_output(0, ctx.dtype(0),
                       {in[0], checked_mul(in[1], area, "SpaceToDepth"), in[2] / block_, in[3] / block_});
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& in = ctx.input(0);
        const int64_t n = in.dim(0), c = in.dim(1), h = in.dim(2) / block_, w = in.dim(3) / block_;
        const int64_t b = block_;
        // [n, c, h, bh, w, bw] -> [n, bh, bw, c, h, w]: output channel = (bh * b + bw) * c + ic.
        run_transpose(ctx, {n, c, h, b, w, b}, {0, 3, 5, 1, 2, 4}, in, ctx.output(0));
    }

private:
    int64_t block_;
};

// ---------------------------------------------------------------- Expand / Tile

class ExpandOp final : public Op {
public:
    explicit ExpandOp(const NodeDef& node) {
        check(node.has_input(1), "Expand: missing 'shape' input");
    }

    bool infer(InferContext& ctx) const override {
        check_storable("Expand", ctx.dtype(0));
        if (!ctx.has_value(1)) return false;
        Shape target = read_index_list(ctx.value(1), "Expand", "shape");
        for (int64_t d : target)
            check(d >= 0, "Expand: negative dimension in shape ", shape_str(target));
        // Bidirectional: a 1 in `shape` keeps the input's dim (unlike numpy.broadcast_to).
        Shape out = broadcast_shapes(ctx.shape(0), target, "Expand");
        checked_nbytes(ctx.dtype(0), out);
        ctx.set_output(0, ctx.dtype(0), out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& in = ctx.input(0);
        Tensor& out = ctx.output(0);
        run_gather(ctx, StridedCopy(out.shape(), broadcast_strides(in.shape(), out.shape())), in, out);
    }
};

class TileOp final : public Op {
public:
    explicit TileOp(const NodeDef& node) : opset_(node.opset) {
        // Tile-1 took (input, tiles, axis); Tile-6 replaced them with one repeats vector.
        check(node.has_input(1) && (opset_ >= 6 || node.has_input(2)),
              opset_ >= 6 ? "Tile: missing 'repeats' input" : "Tile: missing 'tiles' or 'axis' input");
    }

    bool infer(InferContext& ctx) const override {
        check_storable("Tile", ctx.dtype(0));
        if (!ctx.has_value(1) || (opset_ < 6 && !ctx.has_value(2))) return false;
        const Shape& in = ctx.shape(0);
        auto reps = repeats(in.size(), ctx.value(1), opset_ < 6 ? &ctx.value(2) : nullptr);
        Shape out(in.size());
        for (size_t i = 0; i < in.size(); ++i) out[i] = checked_mul(in[i], reps[i], "Tile");
        checked_nbytes(ctx.dtype(0), out);
        ctx.set_output(0, ctx.dtype(0), out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& in = ctx.input(0);
        auto reps = repeats(in.rank(), ctx.input(1), opset_ < 6 ? &ctx.input(2) : nullptr);
        // Output dim k (extent reps[k] * d_k) is read as [reps[k], d_k]: the
        // repeat index does not move in the input (stride 0).
        const auto in_strides = contiguous_strides(in.shape());
        Shape view;
        std::vector<int64_t> strides;
        for (size_t k = 0; k < in.rank(); ++k) {
            view.insert(view.end(), {reps[k], in.dim(k)});
            strides.insert(strides.end(), {0, in_strides[k]});
        }
        run_gather(ctx, StridedCopy(view, strides), in, ctx.output(0));
    }

private:
    // Per-dim repeat counts, validated.
    std::vector<int64_t> repeats(size_t rank, const Tensor& reps_or_tiles, const Tensor* axis) const {
        if (axis == nullptr) {
            auto reps = read_index_list(reps_or_tiles, "Tile", "repeats");
            check(reps.size() == rank, "Tile: repeats has ", reps.size(), " entries but the input has rank ",
                  rank);
            for (int64_t r : reps) check(r >= 0, "Tile: negative repeat count ", r);
            return reps;
        }
        // Tile-1: scalar tile count and axis, typed like the data (usually float).
        check(reps_or_tiles.numel() == 1 && axis->numel() == 1, "Tile: 'tiles' and 'axis' must be scalars");
        const double tiles = element_as_double(reps_or_tiles, 0), ax = element_as_double(*axis, 0);
        check(tiles >= 0 && tiles == double(int64_t(tiles)) && tiles < 9.2e18,
              "Tile: 'tiles' must be a non-negative integer, got ", tiles);
        check(ax == double(int64_t(ax)) && ax >= 0 && ax < double(rank), "Tile: axis ", ax,
              " out of range for rank ", rank);
        std::vector<int64_t> reps(rank, 1);
        reps[size_t(ax)] = int64_t(tiles);
        return reps;
    }

    int opset_;
};

// ---------------------------------------------------------------- Slice

class SliceOp final : public Op {
public:
    explicit SliceOp(const NodeDef& node) : opset_(node.opset) {
        if (opset_ < 10) {
            // Slice-1 carried starts/ends/axes as attributes and had no steps.
            check(node.has("starts") && node.has("ends"),
                  "Slice: 'starts' and 'ends' attributes are required before opset 10");
            attr_starts_ = node.get_ints("starts");
            attr_ends_ = node.get_ints("ends");
            has_attr_axes_ = node.has("axes");
            attr_axes_ = node.get_ints("axes");
        } else {
            check(node.has_input(1) && node.has_input(2), "Slice: missing 'starts' or 'ends' input");
        }
    }

    bool infer(InferContext& ctx) const override {
        check_storable("Slice", ctx.dtype(0));
        Args args;
        if (opset_ < 10) {
            args = {attr_starts_, attr_ends_, attr_axes_, {}, has_attr_axes_, false};
        } else {
            for (size_t i = 1; i <= 4; ++i)
                if (ctx.has_input(i) && !ctx.has_value(i)) return false;
            args = read_args([&](size_t i) { return ctx.has_input(i) ? &ctx.value(i) : nullptr; });
        }
        ctx.set_output(0, ctx.dtype(0), plan(ctx.shape(0), args).out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& in = ctx.input(0);
        Args args;
        if (opset_ < 10)
            args = {attr_starts_, attr_ends_, attr_axes_, {}, has_attr_axes_, false};
        else
            args = read_args([&](size_t i) { return ctx.has_input(i) ? &ctx.input(i) : nullptr; });
        Plan p = plan(in.shape(), args);
        // Output dim k reads input dim k from `start` with stride step * in_stride.
        const auto in_strides = contiguous_strides(in.shape());
        std::vector<int64_t> strides(in.rank());
        int64_t offset = 0;
        for (size_t k = 0; k < in.rank(); ++k) {
            // A dim of extent <= 1 never steps; skipping the product keeps huge
            // steps (e.g. INT64_MAX) from overflowing it.
            strides[k] = p.out[k] > 1 ? p.step[k] * in_strides[k] : 0;
            if (p.out[k] > 0) offset += p.start[k] * in_strides[k];
        }
        run_gather(ctx, StridedCopy(p.out, strides, offset), in, ctx.output(0));
    }

private:
    struct Args {
        std::vector<int64_t> starts, ends, axes, steps;
        bool has_axes = false, has_steps = false;
    };
    struct Plan {
        Shape out;
        std::vector<int64_t> start, step;
    };

    template <class Get>
    static Args read_args(Get&& get) {
        Args a;
        a.starts = read_index_list(*get(1), "Slice", "starts");
        a.ends = read_index_list(*get(2), "Slice", "ends");
        if (const Tensor* t = get(3)) {
            a.axes = read_index_list(*t, "Slice", "axes");
            a.has_axes = true;
        }
        if (const Tensor* t = get(4)) {
            a.steps = read_index_list(*t, "Slice", "steps");
            a.has_steps = true;
        }
        return a;
    }

    Plan plan(const Shape& in, const Args& a) const {
        const size_t n = a.starts.size();
        check(a.ends.size() == n, "Slice: starts has ", n, " entries but ends has ", a.ends.size());
        check(!a.has_axes || a.axes.size() == n, "Slice: axes has ", a.axes.size(), " entries, expected ", n);
        check(!a.has_steps || a.steps.size() == n, "Slice: steps has ", a.steps.size(), " entries, expected ",
              n);
        const int64_t rank = int64_t(in.size());
        Plan p{in, std::vector<int64_t>(in.size(), 0), std::vector<int64_t>(in.size(), 1)};
        std::vector<bool> seen(in.size(), false);
        for (size_t i = 0; i < n; ++i) {
            const int64_t axis = normalize_axis(a.has_axes ? a.axes[i] : int64_t(i), rank, "Slice");
            check(!seen[size_t(axis)], "Slice: axis ", axis, " is repeated");
            seen[size_t(axis)] = true;
            const int64_t step = a.has_steps ? a.steps[i] : 1;
            check(step != 0, "Slice: step must not be 0");
            const int64_t dim = in[size_t(axis)];
            int64_t start = a.starts[i], end = a.ends[i];
            // Negative indices count from the end; adding dim cannot overflow
            // because it only happens for negative values (INT64_MIN included).
            if (start < 0) start += dim;
            if (end < 0) end += dim;
            int64_t count = 0;
            if (step > 0) {
                start = std::clamp<int64_t>(start, 0, dim);
                end = std::clamp<int64_t>(end, 0, dim);
                if (end > start) count = 1 + (end - start - 1) / step;
            } else if (dim > 0) {
                // Backwards: start is the first element read, end = -1 means "through index 0".
                start = std::clamp<int64_t>(start, 0, dim - 1);
                end = std::clamp<int64_t>(end, -1, dim - 1);
                const uint64_t magnitude = uint64_t(-(step + 1)) + 1;  // |step| without overflow
                if (start > end) count = 1 + int64_t(uint64_t(start - end - 1) / magnitude);
            }
            p.out[size_t(axis)] = count;
            p.start[size_t(axis)] = start;
            p.step[size_t(axis)] = step;
        }
        return p;
    }

    int opset_;
    std::vector<int64_t> attr_starts_, attr_ends_, attr_axes_;
    bool has_attr_axes_ = false;
};

// ---------------------------------------------------------------- Concat / Split

// Both view the tensors as [outer, axis, inner]: each outer row of the big
// tensor is the pieces' rows laid end to end.
struct AxisSplit {
    int64_t outer = 1, inner = 1;
};

AxisSplit split_at(const Shape& s, size_t axis) {
    AxisSplit r;
    for (size_t i = 0; i < axis; ++i) r.outer *= s[i];
    for (size_t i = axis + 1; i < s.size(); ++i) r.inner *= s[i];
    return r;
}

class ConcatOp final : public Op {
public:
    explicit ConcatOp(const NodeDef& node)
        // axis became required in opset 4; Concat-1 defaulted it to 1.
        : axis_(node.opset < 4 ? node.get_int("axis", 1) : node.req_int("axis")) {
        check(node.num_inputs() >= 1, "Concat: needs at least one input");
    }

    bool infer(InferContext& ctx) const override {
        const size_t n = ctx.num_inputs();
        for (size_t i = 0; i < n; ++i) check(ctx.has_input(i), "Concat: input ", i, " is missing");
        const DType t = ctx.dtype(0);
        check_storable("Concat", t);
        const Shape& first = ctx.shape(0);
        check(!first.empty(), "Concat: cannot concatenate scalars");
        const size_t axis = size_t(normalize_axis(axis_, int64_t(first.size()), "Concat"));
        Shape out = first;
        out[axis] = 0;
        for (size_t i = 0; i < n; ++i) {
            const Shape& s = ctx.shape(i);
            check(ctx.dtype(i) == t, "Concat: input ", i, " is ", dtype_name(ctx.dtype(i)), " but input 0 is ",
                  dtype_name(t));
            check(s.size() == first.size(), "Concat: input ", i, " has shape ", shape_str(s),
                  ", rank differs from input 0 ", shape_str(first));
            for (size_t d = 0; d < s.size(); ++d)
                check(d == axis || s[d] == first[d], "Concat: input ", i, " has shape ", shape_str(s),
                      ", incompatible with input 0 ", shape_str(first), " outside axis ", axis);
            check(!__builtin_add_overflow(out[axis], s[axis], &out[axis]), "Concat: output size overflows");
        }
        checked_nbytes(t, out);
        ctx.set_output(0, t, out);
        return true;
    }

    void run(RunContext& ctx) const override {
        Tensor& out = ctx.output(0);
        if (out.numel() == 0) return;
        const size_t axis = size_t(normalize_axis(axis_, int64_t(out.rank()), "Concat"));
        const size_t elem = dtype_size(out.dtype());
        const AxisSplit geo = split_at(out.shape(), axis);
        const size_t out_row = size_t(out.dim(axis) * geo.inner) * elem;
        // Byte offset of each input's piece within an output row, and its size.
        std::vector<size_t> col(ctx.num_inputs()), width(ctx.num_inputs());
        for (size_t i = 0, c = 0; i < ctx.num_inputs(); ++i) {
            col[i] = c;
            width[i] = size_t(ctx.input(i).dim(axis) * geo.inner) * elem;
            c += width[i];
        }
        std::vector<const unsigned char*> src(ctx.num_inputs());
        for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<const unsigned char*>(ctx.input(i).raw());
        auto* dst = static_cast<unsigned char*>(out.raw());
        const int64_t grain = std::max<int64_t>(1, kMinElementsPerTask * int64_t(elem) / int64_t(out_row));
        ctx.parallel_for(geo.outer, grain, [&](int64_t begin, int64_t end) {
            for (int64_t o = begin; o < end; ++o)
                for (size_t i = 0; i < src.size(); ++i)
                    if (width[i] != 0)
                        std::memcpy(dst + size_t(o) * out_row + col[i], src[i] + size_t(o) * width[i], width[i]);
        });
    }

private:
    int64_t axis_;
};

class SplitOp final : public Op {
public:
    explicit SplitOp(const NodeDef& node) : axis_(node.get_int("axis", 0)) {
        check(node.num_outputs() >= 1, "Split: needs at least one output");
        // Sizes: attribute before opset 13 (Split-1 also accepted a second
        // input), an optional input from opset 13.
        if (node.opset < 13) {
            has_attr_split_ = node.has("split");
            attr_split_ = node.get_ints("split");
        }
        split_from_input_ = (node.opset >= 13 || (node.opset < 2 && !has_attr_split_)) && node.has_input(1);
    }

    bool infer(InferContext& ctx) const override {
        check_storable("Split", ctx.dtype(0));
        if (split_from_input_ && !ctx.has_value(1)) return false;
        const Shape& in = ctx.shape(0);
        check(!in.empty(), "Split: cannot split a scalar");
        const size_t axis = size_t(normalize_axis(axis_, int64_t(in.size()), "Split"));
        auto sizes = part_sizes(in[axis], ctx.num_outputs(), split_from_input_ ? &ctx.value(1) : nullptr);
        for (size_t i = 0; i < sizes.size(); ++i) {
            if (!ctx.has_output(i)) continue;
            Shape s = in;
            s[axis] = sizes[i];
            ctx.set_output(i, ctx.dtype(0), s);
        }
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& in = ctx.input(0);
        const size_t axis = size_t(normalize_axis(axis_, int64_t(in.rank()), "Split"));
        auto sizes = part_sizes(in.dim(axis), ctx.num_outputs(), split_from_input_ ? &ctx.input(1) : nullptr);
        const size_t elem = dtype_size(in.dtype());
        const AxisSplit geo = split_at(in.shape(), axis);
        const size_t in_row = size_t(in.dim(axis) * geo.inner) * elem;
        if (in_row == 0 || geo.outer == 0) return;
        std::vector<unsigned char*> dst(sizes.size(), nullptr);
        std::vector<size_t> col(sizes.size()), width(sizes.size());
        for (size_t i = 0, c = 0; i < sizes.size(); ++i) {
            col[i] = c;
            width[i] = size_t(sizes[i] * geo.inner) * elem;
            c += width[i];
            if (ctx.has_output(i)) dst[i] = static_cast<unsigned char*>(ctx.output(i).raw());
        }
        const auto* src = static_cast<const unsigned char*>(in.raw());
        const int64_t grain = std::max<int64_t>(1, kMinElementsPerTask * int64_t(elem) / int64_t(in_row));
        ctx.parallel_for(geo.outer, grain, [&](int64_t begin, int64_t end) {
            for (int64_t o = begin; o < end; ++o)
                for (size_t i = 0; i < dst.size(); ++i)
                    if (dst[i] && width[i] != 0)
                        std::memcpy(dst[i] + size_t(o) * width[i], src + size_t(o) * in_row + col[i], width[i]);
        });
    }

private:
    std::vector<int64_t> part_sizes(int64_t dim, size_t parts, const Tensor* split_input) const {
        std::vector<int64_t> sizes;
        bool explicit_sizes = has_attr_split_;
        if (split_input) {
            sizes = read_index_list(*split_input, "Split", "split");
            explicit_sizes = !sizes.empty();  // an empty split tensor means "equal parts"
        } else {
            sizes = attr_split_;
        }
        if (!explicit_sizes) {
            // Equal parts must divide evenly before opset 18.
            check(dim % int64_t(parts) == 0, "Split: axis of size ", dim, " cannot be split into ", parts,
                  " equal parts");
            return std::vector<int64_t>(parts, dim / int64_t(parts));
        }
        check(sizes.size() == parts, "Split: ", sizes.size(), " split sizes for ", parts, " outputs");
        int64_t total = 0;
        for (int64_t s : sizes) {
            check(s >= 0, "Split: negative split size ", s);
            check(!__builtin_add_overflow(total, s, &total), "Split: split sizes overflow");
        }
        check(total == dim, "Split: split sizes ", shape_str(sizes), " sum to ", total, ", expected ", dim);
        return sizes;
    }

    int64_t axis_;
    bool has_attr_split_ = false;
    bool split_from_input_ = false;
    std::vector<int64_t> attr_split_;
};

}  // namespace

// Called by register_shape_ops (shape.cpp).
void register_shape_gather_ops(OpRegistry& reg) {
    reg.add("Transpose", &create<TransposeOp>);
    reg.add("DepthToSpace", &create<DepthToSpaceOp>);
    reg.add("SpaceToDepth", &create<SpaceToDepthOp>);
    reg.add("Expand", &create<ExpandOp>, 8);
    reg.add("Tile", &create<TileOp>);
    reg.add("Slice", &create<SliceOp>);
    reg.add("Concat", &create<ConcatOp>);
    reg.add("Split", &create<SplitOp>);
}

}  // namespace vireo::rt
