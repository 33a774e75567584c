// vireo — the nn family: Gemm, MatMul and LRN here; Conv/ConvTranspose in
// nn_conv.cpp; pooling in nn_pool.cpp. float32 products run on the session's
// f32 GEMM kernels (kernels/f32-gemm), with a constant B packed once in
// prepare(); the other types go through the reference GEMM in
// kernels/ref/gemm.hpp, split into blocks of C across threads.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "kernels/f32-gemm/gemm_driver.hpp"
#include "kernels/ref/gemm.hpp"
#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

void register_nn_conv_ops(OpRegistry& reg);
void register_nn_pool_ops(OpRegistry& reg);

namespace {

template <class T>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<T>(n);
}

auto executor(const RunContext& ctx) {
    return [&ctx](int64_t n, int64_t grain, const auto& fn) { ctx.parallel_for(n, grain, fn); };
}

bool is_matmul_type(DType t) {
    switch (t) {
        case DType::Float32: case DType::Float64: case DType::Int32: case DType::Int64:
        case DType::UInt32: case DType::UInt64: return true;
        default: return false;
    }
}

#define VIREO_MATMUL_TYPES float, double, int32_t, int64_t, uint32_t, uint64_t

// A float attribute as a GEMM scalar; for integer types it is a whole number
// (infer checked it), converted through int64 so negative values wrap into
// unsigned types instead of being undefined.
template <class T>
T scalar_from(float v) {
    if constexpr (std::is_integral_v<T>) return T(int64_t(v));
    else return T(v);
}

// A constant B (weights) packed for the f32 GEMM of one ISA; MatMul keeps one
// per batch of B.
struct PackedWeights final : OpState {
    kernels::Isa isa = kernels::Isa::Scalar;
    std::vector<kernels::PackedB> b;
};

// The prepared packs when they were built for the kernels this run uses.
const PackedWeights* packed_weights(const RunContext& ctx) {
    const auto* p = dynamic_cast<const PackedWeights*>(ctx.state());
    return p && p->isa == ctx.kernels().isa ? p : nullptr;
}

void check_inputs_same_type(const InferContext& ctx, const char* op) {
    const DType t = ctx.dtype(0);
    check(is_matmul_type(t), op, ": unsupported element type ", dtype_name(t),
          " (expected float32, float64, int32, int64, uint32 or uint64)");
    for (size_t i = 1; i < ctx.num_inputs(); ++i)
        if (ctx.has_input(i))
            check(ctx.dtype(i) == t, op, ": input ", i, " is ", dtype_name(ctx.dtype(i)),
                  " but input 0 is ", dtype_name(t));
}

// ---------------------------------------------------------------------------
// Gemm: Y = alpha·op(A)·op(B) + beta·C.
//   opset 1, 6: C required; attribute `broadcast` (0: C must be exactly M×N).
//   opset 7+:   C unidirectionally broadcast to M×N; opset 11+: C optional.

class GemmOp final : public Op {
public:
    explicit GemmOp(const NodeDef& n)
        : alpha_(n.get_float("alpha", 1.0f)),
          beta_(n.get_float("beta", 1.0f)),
          trans_a_(n.get_int("transA", 0) != 0),
          trans_b_(n.get_int("transB", 0) != 0),
          legacy_no_broadcast_(n.opset < 7 && n.get_int("broadcast", 0) == 0) {
        check(n.num_inputs() == 2 || n.num_inputs() == 3, "Gemm: expected 2 or 3 inputs, got ",
              n.num_inputs());
        check(n.has_input(0) && n.has_input(1), "Gemm: inputs A and B are required");
        check(n.num_outputs() == 1, "Gemm: expected 1 output, got ", n.num_outputs());
    }

    bool infer(InferContext& ctx) const override {
        check_inputs_same_type(ctx, "Gemm");
        const Dims d = dims(ctx.shape(0), ctx.shape(1), ctx.has_input(2) ? &ctx.shape(2) : nullptr);
        if (ctx.dtype(0) != DType::Float32 && ctx.dtype(0) != DType::Float64)
            for (float v : {alpha_, beta_})
                check(v == std::trunc(v) && std::fabs(v) < 9.0e18f,
                      "Gemm: alpha and beta must be whole numbers for integer inputs, got ", alpha_,
                      " and ", beta_);
        ctx.set_output(0, ctx.dtype(0), {d.M, d.N});
        return true;
    }

    std::unique_ptr<OpState> prepare(PrepareContext& ctx) const override {
        const Tensor* b = ctx.constant(1);
        if (!b || b->dtype() != DType::Float32 || b->rank() != 2) return nullptr;
        const size_t K = size_t(trans_b_ ? b->dim(1) : b->dim(0)), N = size_t(trans_b_ ? b->dim(0) : b->dim(1));
        auto s = std::make_unique<PackedWeights>();
        s->isa = ctx.kernels().isa;
        s->b.push_back(kernels::pack_b(ctx.kernels().gemm, b->data<float>(), size_t(b->dim(1)), trans_b_, K, N));
        return s;
    }

    void run(RunContext& ctx) const override {
        const Tensor& a = ctx.input(0);
        const Tensor& b = ctx.input(1);
        const Tensor* c = ctx.has_input(2) ? &ctx.input(2) : nullptr;
        const Dims d = dims(a.shape(), b.shape(), c ? &c->shape() : nullptr);
        Tensor& y = ctx.output(0);
        if (a.dtype() == DType::Float32) {
            run_f32(ctx, a, b, c, d, y);
            return;
        }
        dispatch_types<VIREO_MATMUL_TYPES>(a.dtype(), "Gemm", [&](auto tag) {
            using T = typename decltype(tag)::type;
            T* out = y.data<T>();
            T beta = scalar_from<T>(beta_);
            if (c && beta != T(0)) {
                fill_broadcast(ctx, c->data<T>(), c->shape(), d.M, d.N, out);
            } else {
                beta = T(0);  // no C: the GEMM overwrites Y
            }
            ref::gemm_parallel<T>(executor(ctx), d.M, d.N, d.K, a.data<T>(), a.shape()[1],
                                  b.data<T>(), b.shape()[1], out, d.N, scalar_from<T>(alpha_), beta, trans_a_,
                                  trans_b_);
        });
    }

private:
    struct Dims {
        int64_t M, N, K;
    };

    Dims dims(const Shape& a, const Shape& b, const Shape* c) const {
        check(a.size() == 2, "Gemm: A must be 2-D, got ", shape_str(a));
        check(b.size() == 2, "Gemm: B must be 2-D, got ", shape_str(b));
        const int64_t M = trans_a_ ? a[1] : a[0], K = trans_a_ ? a[0] : a[1];
        const int64_t Kb = trans_b_ ? b[1] : b[0], N = trans_b_ ? b[0] : b[1];
        check(K == Kb, "Gemm: inner dimensions differ: op(A) is ", M, "x", K, ", op(B) is ", Kb,
              "x", N);
        if (c) {
            if (legacy_no_broadcast_) {
                check(*c == Shape{M, N}, "Gemm: C ", shape_str(*c), " must be [", M, ",", N,
                      "] when broadcast=0");
            } else {
                check(c->size() <= 2, "Gemm: C must have rank <= 2, got ", shape_str(*c));
                const int64_t cr = c->size() == 2 ? (*c)[0] : 1;
                const int64_t cc = c->empty() ? 1 : c->back();
                check((cr == 1 || cr == M) && (cc == 1 || cc == N), "Gemm: C ", shape_str(*c),
                      " cannot be broadcast to [", M, ",", N, "]");
            }
        }
        return {M, N, K};
    }

    // Y = alpha·op(A)·op(B) + beta·C with the C term folded into the GEMM's
    // epilogue: a row of C is a per-column bias, a column of C a per-row bias, a
    // full C a residual (scaled copies when beta != 1).
    void run_f32(RunContext& ctx, const Tensor& a, const Tensor& b, const Tensor* c, const Dims& d,
                 Tensor& y) const {
        const size_t M = size_t(d.M), N = size_t(d.N), K = size_t(d.K);
        kernels::GemmArgs args;
        args.M = M;
        args.N = N;
        args.K = K;
        args.a = kernels::GemmA::matrix(a.data<float>(), size_t(a.dim(1)), trans_a_);
        if (const PackedWeights* w = packed_weights(ctx)) {
            args.b_packed = w->b[0].data();
        } else {
            args.b = b.data<float>();
            args.ldb = size_t(b.dim(1));
            args.b_transposed = trans_b_;
        }
        args.c = y.data<float>();
        args.ldc = N;
        args.epilogue.scale = alpha_;

        std::vector<float> scaled;  // beta·C when beta != 1, or a broadcast scalar
        if (c && beta_ != 0.0f && M && N) {
            const Shape& cs = c->shape();
            const size_t cr = cs.size() == 2 ? size_t(cs[0]) : 1, cc = cs.empty() ? 1 : size_t(cs.back());
            const float* cv = c->data<float>();
            auto scaled_copy = [&](size_t n) {
                if (beta_ == 1.0f) return cv;
                scaled.resize(n);
                for (size_t i = 0; i < n; ++i) scaled[i] = beta_ * cv[i];
                return static_cast<const float*>(scaled.data());
            };
            if (cr == 1 && cc == 1) {
                scaled.assign(N, beta_ * cv[0]);
                args.epilogue.bias_kind = kernels::GemmBias::PerColumn;
                args.epilogue.bias = scaled.data();
            } else if (cr == 1) {
                args.epilogue.bias_kind = kernels::GemmBias::PerColumn;
                args.epilogue.bias = scaled_copy(N);
            } else if (cc == 1) {
                args.epilogue.bias_kind = kernels::GemmBias::PerRow;
                args.epilogue.bias = scaled_copy(M);
            } else {
                args.epilogue.residual = scaled_copy(M * N);
                args.epilogue.ld_residual = N;
            }
        }
        kernels::gemm(ctx.kernels().gemm, args, executor(ctx));
    }

    template <class T>
    static void fill_broadcast(const RunContext& ctx, const T* c, const Shape& cs, int64_t M,
                               int64_t N, T* y) {
        const int64_t cr = cs.size() == 2 ? cs[0] : 1, cc = cs.empty() ? 1 : cs.back();
        const int64_t row_step = cr == 1 ? 0 : cc, col_step = cc == 1 ? 0 : 1;
        ctx.parallel_for(M, std::max<int64_t>(1, 16384 / std::max<int64_t>(N, 1)),
                         [&](int64_t i0, int64_t i1) {
                             for (int64_t i = i0; i < i1; ++i)
                                 for (int64_t j = 0; j < N; ++j)
                                     y[i * N + j] = c[i * row_step + j * col_step];
                         });
    }

    float alpha_, beta_;
    bool trans_a_, trans_b_;
    bool legacy_no_broadcast_;
};

// ---------------------------------------------------------------------------
// MatMul: numpy.matmul. A 1-D operand is a row (A) or column (B) vector whose
// unit dimension is dropped from the result; leading dims broadcast as batches.

class MatMulOp final : public Op {
public:
    explicit MatMulOp(const NodeDef& n) {
        check(n.num_inputs() == 2 && n.has_input(0) && n.has_input(1),
              "MatMul: expected 2 inputs, got ", n.num_inputs());
        check(n.num_outputs() == 1, "MatMul: expected 1 output, got ", n.num_outputs());
    }

    bool infer(InferContext& ctx) const override {
        check_inputs_same_type(ctx, "MatMul");
        ctx.set_output(0, ctx.dtype(0), layout(ctx.shape(0), ctx.shape(1)).out);
        return true;
    }

    std::unique_ptr<OpState> prepare(PrepareContext& ctx) const override {
        const Tensor* b = ctx.constant(1);
        if (!b || b->dtype() != DType::Float32 || b->rank() == 0) return nullptr;
        const size_t K = size_t(b->rank() >= 2 ? b->dim(b->rank() - 2) : b->dim(0));
        const size_t N = size_t(b->rank() >= 2 ? b->dim(b->rank() - 1) : 1);
        const size_t batches = K > 0 && N > 0 ? size_t(b->numel()) / (K * N) : 0;
        if (batches == 0) return nullptr;
        auto s = std::make_unique<PackedWeights>();
        s->isa = ctx.kernels().isa;
        for (size_t i = 0; i < batches; ++i)
            s->b.push_back(kernels::pack_b(ctx.kernels().gemm, b->data<float>() + i * K * N, N, false, K, N));
        return s;
    }

    void run(RunContext& ctx) const override {
        const Tensor& a = ctx.input(0);
        const Tensor& b = ctx.input(1);
        const Layout l = layout(a.shape(), b.shape());
        Tensor& y = ctx.output(0);
        if (y.numel() == 0) return;
        if (a.dtype() == DType::Float32) {
            compute_f32(ctx, l, a.data<float>(), b.data<float>(), y.data<float>());
            return;
        }
        dispatch_types<VIREO_MATMUL_TYPES>(a.dtype(), "MatMul", [&](auto tag) {
            using T = typename decltype(tag)::type;
            compute<T>(ctx, l, a.data<T>(), b.data<T>(), y.data<T>());
        });
    }

private:
    struct Layout {
        int64_t M, N, K;
        Shape batch_a, batch_b, batch;  // leading dims only
        Shape out;
    };

    static Layout layout(const Shape& a, const Shape& b) {
        check(!a.empty() && !b.empty(), "MatMul: operands must have rank >= 1, got ", shape_str(a),
              " and ", shape_str(b));
        Layout l;
        l.M = a.size() >= 2 ? a[a.size() - 2] : 1;
        l.K = a.back();
        const int64_t Kb = b.size() >= 2 ? b[b.size() - 2] : b[0];
        l.N = b.size() >= 2 ? b.back() : 1;
        check(l.K == Kb, "MatMul: inner dimensions differ: ", shape_str(a), " x ", shape_str(b));
        if (a.size() > 2) l.batch_a.assign(a.begin(), a.end() - 2);
        if (b.size() > 2) l.batch_b.assign(b.begin(), b.end() - 2);
        l.batch = broadcast_shapes(l.batch_a, l.batch_b, "MatMul");
        l.out = l.batch;
        if (a.size() >= 2) l.out.push_back(l.M);
        if (b.size() >= 2) l.out.push_back(l.N);
        checked_numel(l.out);
        return l;
    }

    // Matrix offsets of A and B (in matrices) for every output batch, with broadcasting.
    static void batch_offsets(const Layout& l, int64_t batches, std::vector<int64_t>& a_off,
                              std::vector<int64_t>& b_off) {
        a_off.resize(size_t(batches));
        b_off.resize(size_t(batches));
        const auto sa = broadcast_strides(l.batch_a, l.batch), sb = broadcast_strides(l.batch_b, l.batch);
        for_each_index(l.batch, [&](int64_t k, const std::vector<int64_t>& idx) {
            int64_t oa = 0, ob = 0;
            for (size_t d = 0; d < idx.size(); ++d) {
                oa += idx[d] * sa[d];
                ob += idx[d] * sb[d];
            }
            a_off[size_t(k)] = oa;
            b_off[size_t(k)] = ob;
        });
    }

    static void compute_f32(RunContext& ctx, const Layout& l, const float* a, const float* b, float* y) {
        const kernels::GemmKernels& gk = ctx.kernels().gemm;
        const size_t M = size_t(l.M), N = size_t(l.N), K = size_t(l.K);
        int64_t batches = 1, b_batches = 1;
        for (int64_t d : l.batch) batches *= d;  // bounded: the output is not empty
        for (int64_t d : l.batch_b) b_batches *= d;
        const PackedWeights* w = packed_weights(ctx);

        kernels::GemmArgs args;
        args.N = N;
        args.K = K;
        args.ldc = N;
        // A single B for every batch: the batches of A stack into one tall product.
        if (b_batches == 1) {
            args.M = size_t(batches) * M;
            args.a = kernels::GemmA::matrix(a, K);
            if (w) args.b_packed = w->b[0].data();
            args.b = b;
            args.ldb = N;
            args.c = y;
            kernels::gemm(gk, args, executor(ctx));
            return;
        }

        std::vector<int64_t> a_off, b_off;
        batch_offsets(l, batches, a_off, b_off);
        // Every distinct B packed once (weights: in prepare()), unless few rows
        // of A make reading B in place cheaper.
        const size_t packed_size = kernels::packed_b_size(gk, K, N);
        std::vector<float> packed;
        const bool in_place = !w && kernels::gemm_prefers_unpacked_b(gk, M, N, K, N);
        if (!w && !in_place && K) {
            packed.resize(size_t(b_batches) * packed_size);
            const size_t panels = (N + gk.nr - 1) / gk.nr;
            ctx.parallel_for(b_batches * int64_t(panels), 1, [&](int64_t t0, int64_t t1) {
                for (int64_t t = t0; t < t1; ++t) {
                    const size_t bi = size_t(t) / panels, p = size_t(t) % panels;
                    kernels::pack_b_panels(gk, b + bi * K * N, N, false, K, N, packed.data() + bi * packed_size, p, p + 1);
                }
            });
        }
        args.M = M;
        const kernels::GemmPlan plan = kernels::plan_gemm(gk, M, N, K);
        const int64_t per_batch = int64_t(plan.tasks());
        ctx.parallel_for(batches * per_batch, int64_t(plan.grain()), [&](int64_t t0, int64_t t1) {
            for (int64_t t = t0; t < t1; ++t) {
                const size_t bi = size_t(t / per_batch), task = size_t(t % per_batch);
                const size_t ob = size_t(b_off[bi]);
                kernels::GemmArgs one = args;
                one.a = kernels::GemmA::matrix(a + size_t(a_off[bi]) * M * K, K);
                one.c = y + bi * M * N;
                if (w) {
                    one.b_packed = w->b[ob].data();
                } else if (!packed.empty()) {
                    one.b_packed = packed.data() + ob * packed_size;
                } else {
                    one.b = b + ob * K * N;
                    one.ldb = N;
                }
                kernels::gemm_tasks(gk, one, plan, task, task + 1);
            }
        });
    }

    template <class T>
    static void compute(RunContext& ctx, const Layout& l, const T* a, const T* b, T* y) {
        const auto pfor = executor(ctx);
        int64_t batches = 1, b_batches = 1;
        for (int64_t d : l.batch) batches *= d;  // bounded: the output is not empty
        for (int64_t d : l.batch_b) b_batches *= d;

        // A single B for every batch: the batches of A stack into one tall product.
        if (b_batches == 1) {
            ref::gemm_parallel<T>(pfor, batches * l.M, l.N, l.K, a, l.K, b, l.N, y, l.N, T(1),
                                  T(0), false, false);
            return;
        }

        // Matrix offsets of A and B for every output batch, with broadcasting.
        std::vector<int64_t> a_off(static_cast<size_t>(batches)), b_off(static_cast<size_t>(batches));
        const auto sa = broadcast_strides(l.batch_a, l.batch), sb = broadcast_strides(l.batch_b, l.batch);
        for_each_index(l.batch, [&](int64_t k, const std::vector<int64_t>& idx) {
            int64_t oa = 0, ob = 0;
            for (size_t d = 0; d < idx.size(); ++d) {
                oa += idx[d] * sa[d];
                ob += idx[d] * sb[d];
            }
            a_off[size_t(k)] = oa * l.M * l.K;
            b_off[size_t(k)] = ob * l.K * l.N;
        });

        const ref::GemmTiling tiling = ref::plan_gemm_tiling(l.M, l.N);
        const int64_t per_batch = tiling.count();
        ctx.parallel_for(batches * per_batch, tiling.grain(l.K), [&](int64_t t0, int64_t t1) {
            for (int64_t t = t0; t < t1; ++t) {
                const int64_t bi = t / per_batch;
                int64_t i0, i1, j0, j1;
                tiling.block(t % per_batch, i0, i1, j0, j1);
                ref::gemm_block<T>(i0, i1, j0, j1, l.K, a + a_off[size_t(bi)], l.K,
                                   b + b_off[size_t(bi)], l.N, y + bi * l.M * l.N, l.N, T(1), T(0),
                                   false, false);
            }
        });
    }
};

// ---------------------------------------------------------------------------
// LRN (opsets 1, 13): local response normalization across channels,
//   y = x / (bias + alpha/size · Σ x²)^beta
// where the sum runs over channels c - floor((size-1)/2) .. c + ceil((size-1)/2).

class LrnOp final : public Op {
public:
    explicit LrnOp(const NodeDef& n)
        : size_(n.req_int("size")),
          alpha_(n.get_float("alpha", 1e-4f)),
          beta_(n.get_float("beta", 0.75f)),
          bias_(n.get_float("bias", 1.0f)) {
        check(size_ > 0, "LRN: size must be positive, got ", size_);
        check(n.num_inputs() == 1 && n.has_input(0), "LRN: expected 1 input, got ", n.num_inputs());
        check(n.num_outputs() == 1, "LRN: expected 1 output, got ", n.num_outputs());
    }

    bool infer(InferContext& ctx) const override {
        const DType t = ctx.dtype(0);
        check(t == DType::Float32 || t == DType::Float64, "LRN: unsupported element type ",
              dtype_name(t), " (expected float32 or float64)");
        check(ctx.shape(0).size() >= 2, "LRN: X must have rank >= 2 (N, C, ...), got ",
              shape_str(ctx.shape(0)));
        ctx.set_output(0, t, ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        dispatch_types<float, double>(x.dtype(), "LRN", [&](auto tag) {
            using T = typename decltype(tag)::type;
            compute<T>(ctx, x, ctx.output(0));
        });
    }

private:
    template <class T>
    void compute(RunContext& ctx, const Tensor& xt, Tensor& yt) const {
        const Shape& s = xt.shape();
        const int64_t N = s[0], C = s[1];
        int64_t plane = 1;
        for (size_t d = 2; d < s.size(); ++d) plane *= s[d];
        if (N * C * plane == 0) return;
        const T* x = xt.data<T>();
        T* y = yt.data<T>();
        const int64_t before = (size_ - 1) / 2, after = size_ - 1 - before;
        const T scale = T(alpha_) / T(size_), bias = T(bias_), beta = T(beta_);

        // One task per (image, channel) plane: sum the squared neighbour planes
        // into a contiguous buffer, then normalize.
        ctx.parallel_for(N * C, std::max<int64_t>(1, 8192 / plane), [&](int64_t p0, int64_t p1) {
            std::vector<T> sq(static_cast<size_t>(plane));
            for (int64_t p = p0; p < p1; ++p) {
                const int64_t n = p / C, c = p % C;
                std::fill(sq.begin(), sq.end(), T(0));
                const int64_t lo = std::max<int64_t>(0, c - before);
                const int64_t hi = std::min<int64_t>(C - 1, c + after);
                for (int64_t k = lo; k <= hi; ++k) {
                    const T* src = x + (n * C + k) * plane;
                    for (int64_t i = 0; i < plane; ++i) sq[size_t(i)] += src[i] * src[i];
                }
                const T* src = x + p * plane;
                T* dst = y + p * plane;
                for (int64_t i = 0; i < plane; ++i)
                    dst[i] = src[i] / std::pow(bias + scale * sq[size_t(i)], beta);
            }
        });
    }

    int64_t size_;
    float alpha_, beta_, bias_;
};

}  // namespace

void register_nn_ops(OpRegistry& reg) {
    reg.add("Gemm", &make<GemmOp>);
    reg.add("MatMul", &make<MatMulOp>);
    reg.add("LRN", &make<LrnOp>);
    register_nn_conv_ops(reg);
    register_nn_pool_ops(reg);
}

#undef VIREO_MATMUL_TYPES

}  // namespace vireo::rt
