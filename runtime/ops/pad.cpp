// vireo — index family: Pad (constant, reflect and edge modes; negative pads
// crop). Before opset 11 the pads and the constant are attributes (opset 1
// calls the pads `paddings`); from opset 11 they are inputs, so the output
// shape is only known once the pads value is.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

namespace {

enum class PadMode { Constant, Reflect, Edge };

PadMode parse_mode(const std::string& m) {
    if (m == "constant") return PadMode::Constant;
    if (m == "reflect") return PadMode::Reflect;
    if (m == "edge") return PadMode::Edge;
    fail("Pad: unsupported mode '", m, "' (expected constant, reflect or edge)");
}

// For one axis, the input index each output index reads, or -1 where the
// constant goes. Validates the pads against the mode.
std::vector<int64_t> source_indices(int64_t in, int64_t begin, int64_t end, PadMode mode, size_t axis) {
    int64_t out = 0;
    check(!__builtin_add_overflow(in, begin, &out) && !__builtin_add_overflow(out, end, &out),
          "Pad: pads overflow on axis ", axis);
    check(out >= 0, "Pad: pads ", begin, ", ", end, " crop axis ", axis, " of size ", in,
          " below zero");
    if (mode == PadMode::Reflect)
        check(begin < in && end < in, "Pad: reflect pads ", begin, ", ", end, " on axis ", axis,
              " must be smaller than its size ", in);
    if (mode == PadMode::Edge)
        check(in > 0 || (begin <= 0 && end <= 0), "Pad: cannot edge-pad empty axis ", axis);
    std::vector<int64_t> src(static_cast<size_t>(out));
    for (int64_t o = 0; o < out; ++o) {
        int64_t i = o - begin;
        if (i < 0 || i >= in) {
            switch (mode) {
                case PadMode::Constant: i = -1; break;
                case PadMode::Edge: i = i < 0 ? 0 : in - 1; break;
                case PadMode::Reflect: i = i < 0 ? -i : 2 * (in - 1) - i; break;
            }
        }
        src[size_t(o)] = i;
    }
    return src;
}

class PadOp final : public Op {
public:
    explicit PadOp(const NodeDef& n)
        : pads_from_input_(n.opset >= 11), mode_(parse_mode(n.get_string("mode", "constant"))) {
        if (!pads_from_input_) {
            const char* name = n.opset >= 2 ? "pads" : "paddings";
            check(n.has(name), "Pad: required attribute '", name, "' is missing");
            attr_pads_ = n.get_ints(name);
            attr_value_ = n.get_float("value", 0.0f);
        }
    }

    bool infer(InferContext& ctx) const override {
        const DType t = ctx.dtype(0);
        check(dtype_size(t) != 0, "Pad: unsupported element type ", dtype_name(t));
        const Shape& in = ctx.shape(0);
        if (pads_from_input_) {
            check(ctx.has_input(1), "Pad: the pads input is required");
            check(ctx.dtype(1) == DType::Int64 || ctx.dtype(1) == DType::Int32, "Pad: pads must be int64");
            check(ctx.shape(1).size() == 1 && ctx.shape(1)[0] == 2 * int64_t(in.size()),
                  "Pad: pads must be a 1-D tensor of ", 2 * in.size(), " values, got shape ",
                  shape_str(ctx.shape(1)));
            if (ctx.has_input(2)) {
                check(ctx.dtype(2) == t, "Pad: constant_value type ", dtype_name(ctx.dtype(2)),
                      " differs from data type ", dtype_name(t));
                check(checked_numel(ctx.shape(2)) <= 1, "Pad: constant_value must be a scalar");
            }
            if (!ctx.has_value(1)) return false;
        } else if (t == DType::Float16 || t == DType::BFloat16) {
            check(attr_value_ == 0.0f, "Pad: a non-zero value is not supported for ", dtype_name(t));
        }
        const std::vector<int64_t> pads = pads_from_input_ ? to_i64_vector(ctx.value(1), "Pad") : attr_pads_;
        ctx.set_output(0, t, plan(in, pads).out_shape);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& out = ctx.output(0);
        const std::vector<int64_t> pads = pads_from_input_ ? to_i64_vector(ctx.input(1), "Pad") : attr_pads_;
        const Plan p = plan(x.shape(), pads);
        const size_t esize = dtype_size(x.dtype());
        std::array<unsigned char, 8> fill = fill_bytes(ctx, x.dtype());
        if (out.numel() == 0) return;
        const auto* src = static_cast<const unsigned char*>(x.raw());
        auto* dst = static_cast<unsigned char*>(out.raw());
        if (x.rank() == 0) {
            std::memcpy(dst, src, esize);
            return;
        }
        const size_t last = x.rank() - 1;
        const Shape& os = p.out_shape;
        const std::vector<int64_t> in_strides = contiguous_strides(x.shape());
        const std::vector<int64_t>& last_src = p.src[last];
        const int64_t row_len = os[last];
        // Output positions [copy_lo, copy_hi) of the last axis read the input
        // one to one, so each row's middle is a single memcpy.
        const int64_t begin = pads[last];
        const int64_t copy_lo = std::clamp<int64_t>(begin, 0, row_len);
        const int64_t copy_hi = std::clamp<int64_t>(begin + x.dim(last), copy_lo, row_len);
        const int64_t rows = out.numel() / row_len;

        auto write_row = [&](int64_t row, auto esize_c) {
            constexpr size_t N = decltype(esize_c)::value;
            unsigned char* d = dst + size_t(row * row_len) * N;
            // Locate the input row: -1 on any outer axis means the row is all constant.
            int64_t off = 0, rest = row;
            bool constant_row = false;
            for (size_t a = last; a-- > 0;) {
                const int64_t s = p.src[a][size_t(rest % os[a])];
                rest /= os[a];
                if (s < 0) constant_row = true;
                off += s * in_strides[a];
            }
            if (constant_row) {
                for (int64_t j = 0; j < row_len; ++j) std::memcpy(d + size_t(j) * N, fill.data(), N);
                return;
            }
            const unsigned char* s = src + size_t(off) * N;
            for (int64_t j = 0; j < copy_lo; ++j)
                std::memcpy(d + size_t(j) * N, last_src[size_t(j)] < 0 ? fill.data() : s + size_t(last_src[size_t(j)]) * N, N);
            if (copy_hi > copy_lo)
                std::memcpy(d + size_t(copy_lo) * N, s + size_t(copy_lo - begin) * N, size_t(copy_hi - copy_lo) * N);
            for (int64_t j = copy_hi; j < row_len; ++j)
                std::memcpy(d + size_t(j) * N, last_src[size_t(j)] < 0 ? fill.data() : s + size_t(last_src[size_t(j)]) * N, N);
        };
        auto run_rows = [&](auto esize_c) {
            ctx.parallel_for(rows, std::max<int64_t>(1, 16384 / (row_len * int64_t(esize))),
                             [&](int64_t b, int64_t e) {
                                 for (int64_t r = b; r < e; ++r) write_row(r, esize_c);
                             });
        };
        switch (esize) {
            case 1: run_rows(std::integral_constant<size_t, 1>{}); break;
            case 2: run_rows(std::integral_constant<size_t, 2>{}); break;
            case 4: run_rows(std::integral_constant<size_t, 4>{}); break;
            case 8: run_rows(std::integral_constant<size_t, 8>{}); break;
            default: fail("Pad: unsupported element size ", esize);
        }
    }

private:
    struct Plan {
        Shape out_shape;
        std::vector<std::vector<int64_t>> src;  // per axis: output index -> input index or -1
    };

    Plan plan(const Shape& in, const std::vector<int64_t>& pads) const {
        const size_t r = in.size();
        check(pads.size() == 2 * r, "Pad: expected ", 2 * r, " pads for rank ", r, ", got ", pads.size());
        Plan p;
        for (size_t a = 0; a < r; ++a) {
            p.src.push_back(source_indices(in[a], pads[a], pads[a + r], mode_, a));
            p.out_shape.push_back(int64_t(p.src.back().size()));
        }
        checked_numel(p.out_shape);
        return p;
    }

    // The constant's bytes in the data's element type (zero when absent).
    std::array<unsigned char, 8> fill_bytes(RunContext& ctx, DType t) const {
        std::array<unsigned char, 8> b{};
        if (mode_ != PadMode::Constant) return b;
        if (pads_from_input_) {
            if (ctx.has_input(2) && ctx.input(2).numel() == 1)
                std::memcpy(b.data(), ctx.input(2).raw(), dtype_size(t));
        } else if (attr_value_ != 0.0f) {
            dispatch_types<VIREO_ALL_TYPES>(t, "Pad", [&](auto tag) {
                using T = typename decltype(tag)::type;
                const T v = T(attr_value_);
                std::memcpy(b.data(), &v, sizeof(T));
            });
        }
        return b;
    }

    bool pads_from_input_;
    PadMode mode_;
    std::vector<int64_t> attr_pads_;
    float attr_value_ = 0.0f;
};

template <class O>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<O>(n);
}

}  // namespace

void register_index_pad_ops(OpRegistry& reg) { reg.add("Pad", &make<PadOp>, 1); }

}  // namespace vireo::rt
