#include "runtime/exec/session_impl.hpp"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

namespace vireo::rt {

namespace {

constexpr size_t kArenaAlign = 64;
// Constant subgraphs whose outputs exceed this are left to run time, so a
// hostile model cannot make planning allocate without bound.
constexpr uint64_t kMaxFoldBytes = uint64_t(64) << 20;
constexpr size_t kMaxCachedPlans = 16;

size_t align_up(size_t n) { return (n + kArenaAlign - 1) / kArenaAlign * kArenaAlign; }

std::string node_label(const NodeDef& n) { return detail::cat("node '", n.name, "' (", n.op_type, ")"); }

// Errors from inside an op are reported with the node that raised them; an op's
// own "OpType: " prefix is dropped since the label names the op.
[[noreturn]] void rethrow_for_node(const NodeDef& n, const std::exception& e) {
    std::string msg = e.what();
    std::string own = n.op_type + ": ";
    if (msg.rfind(own, 0) == 0) msg = msg.substr(own.size());
    if (dynamic_cast<const Error*>(&e) == nullptr) msg = "internal error: " + msg;
    fail(node_label(n), ": ", msg);
}

struct PlanInferContext final : InferContext {
    const GraphNode& node;
    const std::vector<TensorInfo>& infos;
    std::vector<TensorInfo> outs;
    std::vector<bool> set;

    PlanInferContext(const GraphNode& n, const std::vector<TensorInfo>& i)
        : node(n), infos(i), outs(n.out.size()), set(n.out.size(), false) {}
    size_t num_inputs() const override { return node.in.size(); }
    bool has_input(size_t i) const override { return i < node.in.size() && node.in[i] >= 0; }
    const TensorInfo& input(size_t i) const override {
        if (!has_input(i)) fail("input ", i, " is missing");
        return infos[node.in[i]];
    }
    size_t num_outputs() const override { return node.out.size(); }
    bool has_output(size_t i) const override { return i < node.out.size() && node.out[i] >= 0; }
    void set_output(size_t i, DType t, Shape s) override {
        if (i >= outs.size()) fail("output ", i, " does not exist");
        outs[i].dtype = t;
        outs[i].shape = std::move(s);
        set[i] = true;
    }
    // Every present output must be set, with a sane type and size.
    void validate(uint64_t max_bytes) const {
        for (size_t i = 0; i < outs.size(); ++i) {
            if (!has_output(i)) continue;
            if (!set[i]) fail("output ", i, " was not inferred");
            uint64_t b = checked_nbytes(outs[i].dtype, outs[i].shape);
            check(b <= max_bytes, "output '", node.def.outputs[i], "' of shape ", shape_str(outs[i].shape), " needs ", b,
                  " bytes, over the limit of ", max_bytes);
        }
    }
};

struct ExecRunContext final : RunContext {
    const GraphNode& node;
    std::vector<Tensor>& slots;
    int threads;
    const kernels::KernelTable& table;
    const OpState* op_state;

    ExecRunContext(const GraphNode& n, std::vector<Tensor>& s, int t, const kernels::KernelTable& k, const OpState* st)
        : node(n), slots(s), threads(t), table(k), op_state(st) {}
    const kernels::KernelTable& kernels() const override { return table; }
    const OpState* state() const override { return op_state; }
    size_t num_inputs() const override { return node.in.size(); }
    bool has_input(size_t i) const override { return i < node.in.size() && node.in[i] >= 0; }
    const Tensor& input(size_t i) const override {
        if (!has_input(i)) fail("input ", i, " is missing");
        return slots[node.in[i]];
    }
    size_t num_outputs() const override { return node.out.size(); }
    bool has_output(size_t i) const override { return i < node.out.size() && node.out[i] >= 0; }
    Tensor& output(size_t i) override {
        if (!has_output(i)) fail("output ", i, " is not requested");
        return slots[node.out[i]];
    }
    void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) const override {
        if (n <= 0) return;
        grain = std::max<int64_t>(grain, 1);
        if (threads <= 1 || n <= grain) {
            fn(0, n);
            return;
        }
        tbb::parallel_for(
            tbb::blocked_range<int64_t>(0, n, grain), [&](const tbb::blocked_range<int64_t>& r) { fn(r.begin(), r.end()); },
            tbb::simple_partitioner());
    }
    int num_threads() const override { return threads; }
};

struct SessionPrepareContext final : PrepareContext {
    const GraphNode& node;
    const ModelData& model;
    const kernels::KernelTable& table;
    int threads;
    SessionPrepareContext(const GraphNode& n, const ModelData& m, const kernels::KernelTable& k, int t)
        : node(n), model(m), table(k), threads(t) {}
    const kernels::KernelTable& kernels() const override { return table; }
    size_t num_inputs() const override { return node.in.size(); }
    bool has_input(size_t i) const override { return i < node.in.size() && node.in[i] >= 0; }
    const Tensor* constant(size_t i) const override {
        if (!has_input(i)) return nullptr;
        const Tensor& t = model.initializers[node.in[i]];
        return t.defined() ? &t : nullptr;
    }
    int num_threads() const override { return threads; }
};

}  // namespace

int default_thread_count() {
    if (const char* env = std::getenv("VIREO_NUM_THREADS")) {
        char* end = nullptr;
        long v = std::strtol(env, &end, 10);
        check(end != env && *end == '\0' && v >= 1 && v <= 1024, "VIREO_NUM_THREADS='", env,
              "' is not a thread count between 1 and 1024");
        return int(v);
    }
    // Physical cores this process may run on: distinct (package, core) pairs
    // among the CPUs in its affinity mask. SMT siblings share the FMA units, so
    // extra threads on them slow dense kernels down; CPUs outside the mask (a
    // pinned container) would only oversubscribe the ones inside it.
    cpu_set_t mask;
    CPU_ZERO(&mask);
    bool have_mask = sched_getaffinity(0, sizeof mask, &mask) == 0;
    std::set<std::pair<std::string, std::string>> cores;
    int allowed = 0;
    bool topology = true;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (have_mask && !CPU_ISSET(c, &mask)) continue;
        if (!have_mask && c >= int(std::thread::hardware_concurrency())) break;
        ++allowed;
        std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(c) + "/topology/";
        std::ifstream pk(base + "physical_package_id"), co(base + "core_id");
        std::string p, k;
        if (pk >> p && co >> k) cores.emplace(p, k);
        else topology = false;
    }
    if (!topology) return std::max(1, allowed);  // no sysfs topology: count logical CPUs
    return int(std::max<size_t>(1, cores.size()));
}

SessionImpl::SessionImpl(std::shared_ptr<const ModelData> model, const Options& options)
    : model_(std::move(model)), options_(options) {
    check(options.threads >= 0 && options.threads <= 1024, "threads must be between 0 and 1024, got ", options.threads);
    threads_ = options.threads > 0 ? options.threads : default_thread_count();
    isa_ = kernels::resolve_isa(options.isa);
    kernels_ = &kernels::kernel_table(isa_);
    arena_.initialize(threads_);
    states_.resize(model_->nodes.size());
    for (size_t k = 0; k < model_->nodes.size(); ++k) {
        const GraphNode& node = model_->nodes[k];
        SessionPrepareContext pc(node, *model_, *kernels_, threads_);
        try {
            states_[k] = node.op->prepare(pc);
        } catch (const std::exception& e) {
            rethrow_for_node(node.def, e);
        }
    }
}

void SessionImpl::set_profiling(bool on) {
    profiling_ = on;
    profile_.clear();
}

std::vector<OpProfile> SessionImpl::profile() const {
    std::vector<OpProfile> r;
    for (auto& [k, v] : profile_) r.push_back(v);
    std::sort(r.begin(), r.end(), [](auto& a, auto& b) { return a.total_ms > b.total_ms; });
    return r;
}

void SessionImpl::check_input(size_t i, const Tensor& t) const {
    const ValueInfo& vi = model_->inputs[i];
    check(t.defined(), "input '", vi.name, "' is empty");
    check(t.dtype() == vi.dtype, "input '", vi.name, "' must be ", dtype_name(vi.dtype), ", got ", dtype_name(t.dtype()));
    if (!vi.has_shape) return;
    check(t.rank() == vi.shape.size(), "input '", vi.name, "' must have rank ", vi.shape.size(), ", got shape ",
          shape_str(t.shape()));
    for (size_t d = 0; d < vi.shape.size(); ++d)
        check(vi.shape[d] < 0 || vi.shape[d] == t.dim(d), "input '", vi.name, "' dimension ", d, " must be ",
              vi.shape[d], ", got shape ", shape_str(t.shape()));
}

std::unique_ptr<Plan> SessionImpl::build_plan(const std::vector<Tensor>& inputs) {
    const ModelData& m = *model_;
    size_t nv = m.value_names.size(), nn = m.nodes.size();
    auto plan = std::make_unique<Plan>();
    plan->kind.assign(nv, ValueKind::Absent);
    plan->dtype.assign(nv, DType::Undefined);
    plan->shape.assign(nv, {});
    plan->offset.assign(nv, 0);
    plan->folded.assign(nv, {});
    plan->mode.assign(nn, NodeMode::Static);
    plan->release_after.assign(nn, {});

    std::vector<TensorInfo> infos(nv);
    std::vector<bool> known(nv, false);
    for (size_t v = 0; v < nv; ++v)
        if (m.initializers[v].defined()) {
            infos[v] = {m.initializers[v].dtype(), m.initializers[v].shape(), &m.initializers[v]};
            known[v] = true;
            plan->kind[v] = ValueKind::Constant;
        }
    for (size_t i = 0; i < m.input_ids.size(); ++i) {
        int v = m.input_ids[i];
        infos[v] = {inputs[i].dtype(), inputs[i].shape(), nullptr};
        known[v] = true;
        plan->kind[v] = ValueKind::Input;
    }

    // Slots for folding, shared by all folded nodes and left empty between them:
    // one fresh vector of nv slots per folded node made planning quadratic.
    std::vector<Tensor> fold_slots(nv);
    for (size_t k = 0; k < nn; ++k) {
        const GraphNode& node = m.nodes[k];
        bool inputs_known = true, inputs_constant = true;
        for (size_t i = 0; i < node.in.size(); ++i) {
            int v = node.in[i];
            if (v < 0) continue;
            inputs_known = inputs_known && known[v];
            inputs_constant = inputs_constant && (infos[v].value != nullptr || !node.op->reads_input_data(i));
        }
        bool inferred = false;
        PlanInferContext ctx(node, infos);
        if (inputs_known) {
            try {
                inferred = node.op->infer(ctx);
                if (inferred) ctx.validate(options_.max_tensor_bytes);
            } catch (const std::exception& e) {
                rethrow_for_node(node.def, e);
            }
        }
        if (!inferred) {
            plan->mode[k] = NodeMode::Dynamic;
            for (int v : node.out)
                if (v >= 0) plan->kind[v] = ValueKind::Heap;
            continue;
        }
        uint64_t out_bytes = 0;
        for (size_t i = 0; i < node.out.size(); ++i) {
            int v = node.out[i];
            if (v < 0) continue;
            infos[v] = ctx.outs[i];
            known[v] = true;
            plan->dtype[v] = ctx.outs[i].dtype;
            plan->shape[v] = ctx.outs[i].shape;
            plan->kind[v] = ValueKind::Arena;
            out_bytes += checked_nbytes(ctx.outs[i].dtype, ctx.outs[i].shape);
        }
        if (inputs_constant && node.op->foldable() && out_bytes <= kMaxFoldBytes) {
            // Everything this node reads is known now, so compute it once here.
            std::vector<Tensor>& slots = fold_slots;
            for (int v : node.in)
                if (v >= 0) slots[v] = infos[v].value ? *infos[v].value : Tensor::view(infos[v].dtype, infos[v].shape, nullptr);
            for (int v : node.out)
                if (v >= 0) slots[v] = Tensor::zeros(plan->dtype[v], plan->shape[v], options_.max_tensor_bytes);
            ExecRunContext rc(node, slots, 1, *kernels_, states_[k].get());
            try {
                node.op->run(rc);
            } catch (const std::exception& e) {
                rethrow_for_node(node.def, e);
            }
            for (int v : node.out) {
                if (v < 0) continue;
                plan->folded[v] = std::move(slots[v]);
                plan->kind[v] = ValueKind::Constant;
                infos[v].value = &plan->folded[v];
            }
            for (int v : node.in)
                if (v >= 0) slots[v] = Tensor();
            plan->mode[k] = NodeMode::Folded;
            ++plan->folded_nodes;
        }
    }

    // Graph outputs are handed to the caller, so they never live in the arena.
    for (int v : m.output_ids)
        if (plan->kind[v] == ValueKind::Arena) plan->kind[v] = ValueKind::Heap;

    // Liveness over executed nodes: [producer, last consumer].
    std::vector<int> first(nv, -1), last(nv, -1);
    for (size_t k = 0; k < nn; ++k) {
        if (plan->mode[k] == NodeMode::Folded) continue;
        for (int v : m.nodes[k].out)
            if (v >= 0) first[v] = last[v] = int(k);
        for (int v : m.nodes[k].in)
            if (v >= 0) last[v] = std::max(last[v], int(k));
    }
    std::vector<bool> is_output(nv, false);
    for (int v : m.output_ids) is_output[v] = true;
    for (size_t v = 0; v < nv; ++v)
        if (plan->kind[v] == ValueKind::Heap && !is_output[v] && last[v] >= 0) plan->release_after[last[v]].push_back(int(v));

    // Greedy by size (largest first), each at the lowest offset that does not
    // overlap a buffer whose lifetime intersects its own.
    struct Buf { int v; size_t size; int b, e; };
    std::vector<Buf> bufs;
    for (size_t v = 0; v < nv; ++v)
        if (plan->kind[v] == ValueKind::Arena && first[v] >= 0)
            bufs.push_back({int(v), align_up(checked_nbytes(plan->dtype[v], plan->shape[v])), first[v], last[v]});
    std::stable_sort(bufs.begin(), bufs.end(), [](const Buf& a, const Buf& b) { return a.size > b.size; });
    // live_at[t] lists the placed buffers alive at node t, so a buffer checks
    // only the ones it can collide with (linear for chains, not quadratic).
    std::vector<std::vector<int>> live_at(nn);
    std::vector<int> seen(bufs.size(), -1);
    size_t total = 0;
    for (size_t bi = 0; bi < bufs.size(); ++bi) {
        const Buf& b = bufs[bi];
        std::vector<std::pair<size_t, size_t>> busy;
        for (int t = b.b; t <= b.e; ++t)
            for (int pi : live_at[t])
                if (seen[pi] != int(bi)) {
                    seen[pi] = int(bi);
                    busy.emplace_back(plan->offset[bufs[pi].v], plan->offset[bufs[pi].v] + bufs[pi].size);
                }
        std::sort(busy.begin(), busy.end());
        size_t off = 0;
        for (auto& [s, e] : busy) {
            if (off + b.size <= s) break;
            off = std::max(off, e);
        }
        plan->offset[b.v] = off;
        total = std::max(total, off + b.size);
        for (int t = b.b; t <= b.e; ++t) live_at[t].push_back(int(bi));
    }
    plan->arena_bytes = total;
    return plan;
}

const Plan& SessionImpl::plan_for(const std::vector<Tensor>& inputs) {
    std::vector<Shape> key;
    key.reserve(inputs.size());
    for (auto& t : inputs) key.push_back(t.shape());
    auto it = plans_.find(key);
    if (it != plans_.end()) return *it->second;
    if (plans_.size() >= kMaxCachedPlans) plans_.clear();
    auto plan = build_plan(inputs);
    return *plans_.emplace(std::move(key), std::move(plan)).first->second;
}

std::vector<Tensor> SessionImpl::execute(const Plan& plan, const std::vector<Tensor>& inputs) {
    const ModelData& m = *model_;
    size_t nv = m.value_names.size();
    if (plan.arena_bytes > arena_capacity_) {
        void* p = std::aligned_alloc(kArenaAlign, align_up(plan.arena_bytes));
        check(p != nullptr, "out of memory allocating a ", plan.arena_bytes, "-byte arena");
        arena_mem_ = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
        arena_capacity_ = plan.arena_bytes;
    }
    last_arena_bytes_ = plan.arena_bytes;
    auto* arena = static_cast<uint8_t*>(arena_mem_.get());

    std::vector<Tensor> slots(nv);
    for (size_t i = 0; i < m.input_ids.size(); ++i) slots[m.input_ids[i]] = inputs[i];
    for (size_t v = 0; v < nv; ++v) {
        switch (plan.kind[v]) {
            case ValueKind::Constant:
                slots[v] = plan.folded[v].defined() ? plan.folded[v] : m.initializers[v];
                break;
            case ValueKind::Arena:
                slots[v] = Tensor::view(plan.dtype[v], plan.shape[v], arena + plan.offset[v]);
                break;
            default: break;
        }
    }

    std::vector<TensorInfo> dyn_infos;
    for (size_t k = 0; k < m.nodes.size(); ++k) {
        if (plan.mode[k] == NodeMode::Folded) continue;
        const GraphNode& node = m.nodes[k];
        try {
            if (plan.mode[k] == NodeMode::Dynamic) {
                // Shapes here depend on values; every input is now computed.
                // dyn_infos is shared by the dynamic nodes and left empty
                // between them (one fresh vector per node was quadratic).
                if (dyn_infos.size() != nv) dyn_infos.assign(nv, {});
                for (int v : node.in)
                    if (v >= 0) dyn_infos[v] = {slots[v].dtype(), slots[v].shape(), &slots[v]};
                PlanInferContext ctx(node, dyn_infos);
                bool inferred = node.op->infer(ctx);
                for (int v : node.in)
                    if (v >= 0) dyn_infos[v] = {};
                check(inferred, "could not infer output shapes from the input values");
                ctx.validate(options_.max_tensor_bytes);
                for (size_t i = 0; i < node.out.size(); ++i)
                    if (node.out[i] >= 0)
                        slots[node.out[i]] = Tensor::zeros(ctx.outs[i].dtype, ctx.outs[i].shape, options_.max_tensor_bytes);
            } else {
                for (int v : node.out)
                    if (v >= 0 && plan.kind[v] == ValueKind::Heap)
                        slots[v] = Tensor::zeros(plan.dtype[v], plan.shape[v], options_.max_tensor_bytes);
            }
            ExecRunContext rc(node, slots, threads_, *kernels_, states_[k].get());
            if (profiling_) {
                auto t0 = std::chrono::steady_clock::now();
                node.op->run(rc);
                auto& p = profile_[node.def.op_type];
                p.op_type = node.def.op_type;
                ++p.calls;
                p.total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            } else {
                node.op->run(rc);
            }
        } catch (const std::exception& e) {
            rethrow_for_node(node.def, e);
        }
        for (int v : plan.release_after[k]) slots[v] = Tensor();
    }

    std::vector<Tensor> outs;
    outs.reserve(m.output_ids.size());
    for (int v : m.output_ids) {
        ValueKind k = plan.kind[v];
        // Inputs and constants are shared; the caller gets its own copy.
        outs.push_back(k == ValueKind::Heap ? slots[v] : slots[v].clone());
    }
    return outs;
}

std::vector<Tensor> SessionImpl::run(std::vector<Tensor> inputs) {
    const ModelData& m = *model_;
    check(inputs.size() == m.inputs.size(), "model takes ", m.inputs.size(), " inputs, got ", inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) check_input(i, inputs[i]);
    std::vector<Tensor> out;
    arena_.execute([&] {
        const Plan& plan = plan_for(inputs);
        out = execute(plan, inputs);
    });
    return out;
}

std::vector<Tensor> SessionImpl::run_named(const NamedTensors& named) {
    const ModelData& m = *model_;
    std::vector<Tensor> ordered(m.inputs.size());
    for (auto& [name, t] : named) {
        size_t i = 0;
        while (i < m.inputs.size() && m.inputs[i].name != name) ++i;
        check(i < m.inputs.size(), "model has no input named '", name, "'");
        check(!ordered[i].defined(), "input '", name, "' given twice");
        ordered[i] = t;
    }
    for (size_t i = 0; i < ordered.size(); ++i) check(ordered[i].defined(), "missing input '", m.inputs[i].name, "'");
    return run(std::move(ordered));
}

}  // namespace vireo::rt
