// Runs one op outside any graph: infer with every input value known, allocate
// the outputs, run. For unit tests of a single op's semantics and errors.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "runtime/graph/node.hpp"
#include "runtime/ops/op.hpp"
#include "vireo/tensor.hpp"

namespace vireo::test {

// Builds a NodeDef. Inputs are named in0, in1, ...; an undefined Tensor passed to
// run_op marks an omitted optional input.
inline rt::NodeDef node(const std::string& op_type, int opset, size_t num_outputs = 1,
                        std::vector<rt::Attribute> attrs = {}) {
    rt::NodeDef n;
    n.name = "test_" + op_type;
    n.op_type = op_type;
    n.opset = opset;
    for (size_t i = 0; i < num_outputs; ++i) n.outputs.push_back("out" + std::to_string(i));
    n.attrs = std::move(attrs);
    return n;
}

inline rt::Attribute attr_int(const std::string& name, int64_t v) {
    rt::Attribute a; a.name = name; a.type = rt::AttrType::Int; a.i = v; return a;
}
inline rt::Attribute attr_float(const std::string& name, float v) {
    rt::Attribute a; a.name = name; a.type = rt::AttrType::Float; a.f = v; return a;
}
inline rt::Attribute attr_ints(const std::string& name, std::vector<int64_t> v) {
    rt::Attribute a; a.name = name; a.type = rt::AttrType::Ints; a.ints = std::move(v); return a;
}
inline rt::Attribute attr_floats(const std::string& name, std::vector<float> v) {
    rt::Attribute a; a.name = name; a.type = rt::AttrType::Floats; a.floats = std::move(v); return a;
}
inline rt::Attribute attr_string(const std::string& name, std::string v) {
    rt::Attribute a; a.name = name; a.type = rt::AttrType::String; a.s = std::move(v); return a;
}
inline rt::Attribute attr_tensor(const std::string& name, Tensor v) {
    rt::Attribute a; a.name = name; a.type = rt::AttrType::Tensor; a.t = std::move(v); return a;
}

namespace detail_harness {
struct Infer final : rt::InferContext {
    std::vector<rt::TensorInfo> in;
    std::vector<bool> present;
    std::vector<rt::TensorInfo> out;
    std::vector<bool> set;
    size_t num_inputs() const override { return in.size(); }
    bool has_input(size_t i) const override { return i < in.size() && present[i]; }
    const rt::TensorInfo& input(size_t i) const override { return in.at(i); }
    size_t num_outputs() const override { return out.size(); }
    bool has_output(size_t i) const override { return i < out.size(); }
    void set_output(size_t i, DType t, Shape s) override {
        out.at(i) = {t, std::move(s), nullptr};
        set.at(i) = true;
    }
};
struct Run final : rt::RunContext {
    std::vector<Tensor> in;
    std::vector<Tensor> out;
    size_t num_inputs() const override { return in.size(); }
    bool has_input(size_t i) const override { return i < in.size() && in[i].defined(); }
    const Tensor& input(size_t i) const override { return in.at(i); }
    size_t num_outputs() const override { return out.size(); }
    bool has_output(size_t i) const override { return i < out.size(); }
    Tensor& output(size_t i) override { return out.at(i); }
    void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) const override {
        // Uneven chunks exercise the ops' range handling as threads would.
        grain = std::max<int64_t>(grain, 1);
        for (int64_t b = 0; b < n; b += grain) fn(b, std::min(n, b + grain));
    }
    int num_threads() const override { return 1; }
};
}  // namespace detail_harness

// Throws vireo::Error exactly where the runtime would (construction, infer, run).
inline std::vector<Tensor> run_op(rt::NodeDef n, const std::vector<Tensor>& inputs) {
    n.inputs.clear();
    for (size_t i = 0; i < inputs.size(); ++i) n.inputs.push_back(inputs[i].defined() ? "in" + std::to_string(i) : "");
    rt::OpFactory f = rt::OpRegistry::global().find(n.op_type, n.opset);
    if (!f) fail("op ", n.op_type, " is not registered for opset ", n.opset);
    auto op = f(n);
    detail_harness::Infer ic;
    for (auto& t : inputs) {
        ic.in.push_back({t.dtype(), t.shape(), t.defined() ? &t : nullptr});
        ic.present.push_back(t.defined());
    }
    ic.out.resize(n.outputs.size());
    ic.set.assign(n.outputs.size(), false);
    if (!op->infer(ic)) fail(n.op_type, ": infer failed with every input value known");
    detail_harness::Run rc;
    rc.in = inputs;
    for (size_t i = 0; i < ic.out.size(); ++i) {
        if (!ic.set[i]) fail(n.op_type, ": output ", i, " not inferred");
        rc.out.push_back(Tensor::zeros(ic.out[i].dtype, ic.out[i].shape));
    }
    op->run(rc);
    return rc.out;
}

}  // namespace vireo::test
