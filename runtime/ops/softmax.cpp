// vireo — Softmax, LogSoftmax and Hardmax.
//
// Before opset 13 these ops coerce the input to 2-D at `axis` (default 1) and
// normalize each row of the flattened trailing block [axis, rank). From opset 13
// they normalize along the single dim `axis` (default -1).
//
// float32 Softmax and LogSoftmax use the session's vector kernel (float sums in
// a fixed order, within 1e-5 relative of the double-sum reference kernel);
// Hardmax and float64 use kernels/ref/reduce_softmax.hpp.
#include <algorithm>
#include <memory>
#include <string>

#include "kernels/f32-vector/vector.hpp"
#include "kernels/ref/reduce_softmax.hpp"
#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

namespace {

using ref::SoftmaxKind;

template <SoftmaxKind K>
class SoftmaxOp final : public Op {
public:
    explicit SoftmaxOp(const NodeDef& n) : op_(n.op_type), coerce_2d_(n.opset < 13) {
        axis_ = n.get_int("axis", coerce_2d_ ? 1 : -1);
    }

    bool infer(InferContext& ctx) const override {
        check(ctx.num_inputs() >= 1 && ctx.has_input(0), op_, ": missing input 'input'");
        const DType t = ctx.dtype(0);
        check(t == DType::Float32 || t == DType::Float64, op_, ": unsupported element type ", dtype_name(t));
        resolve_axis(ctx.shape(0).size());
        ctx.set_output(0, t, ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        if (x.numel() == 0) return;
        const Shape& s = x.shape();
        const size_t axis = resolve_axis(s.size());
        int64_t outer = 1, n = 1, inner = 1;
        for (size_t d = 0; d < s.size(); ++d) {
            if (d < axis) outer *= s[d];
            else if (d == axis || coerce_2d_) n *= s[d];
            else inner *= s[d];
        }
        const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(1, n * inner));
        if constexpr (K != SoftmaxKind::Hardmax) {
            if (x.dtype() == DType::Float32) {
                const auto softmax = ctx.kernels().vector.softmax;
                const float* in = x.data<float>();
                float* out = y.data<float>();
                const int64_t slab = n * inner;
                ctx.parallel_for(outer, grain, [&](int64_t b, int64_t e) {
                    for (int64_t o = b; o < e; ++o)
                        softmax(size_t(n), size_t(inner), in + o * slab, out + o * slab, K == SoftmaxKind::LogSoftmax);
                });
                return;
            }
        }
        dispatch_types<float, double>(x.dtype(), op_.c_str(), [&](auto tag) {
            using T = typename decltype(tag)::type;
            ctx.parallel_for(outer, grain, [&](int64_t b, int64_t e) {
                ref::softmax<K, T>(x.data<T>(), y.data<T>(), n, inner, b, e);
            });
        });
    }

private:
    size_t resolve_axis(size_t rank) const {
        return size_t(normalize_axis(axis_, int64_t(rank), op_.c_str()));
    }

    std::string op_;
    bool coerce_2d_;
    int64_t axis_;
};

template <class OpT>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<OpT>(n);
}

}  // namespace

void register_softmax_ops(OpRegistry& reg) {
    reg.add("Softmax", &make<SoftmaxOp<SoftmaxKind::Softmax>>);
    reg.add("LogSoftmax", &make<SoftmaxOp<SoftmaxKind::LogSoftmax>>);
    reg.add("Hardmax", &make<SoftmaxOp<SoftmaxKind::Hardmax>>);
}

}  // namespace vireo::rt
