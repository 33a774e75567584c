// Clean-up and fusion passes that need no shapes: they look only at op types,
// attributes, constants and how many consumers a value has.
#include <cmath>
#include <unordered_map>

#include "runtime/graph/passes/pass_graph.hpp"

namespace vireo::rt {

namespace {

// How many node inputs read each value; graph outputs count as a reader too,
// so a value the caller sees is never fused away.
std::unordered_map<std::string, int> reader_counts(const PassGraph& g) {
    std::unordered_map<std::string, int> n;
    for (auto& node : g.nodes)
        for (auto& in : node.inputs)
            if (!in.empty()) ++n[in];
    for (auto& o : g.outputs) ++n[o];
    return n;
}

void rename_input(PassGraph& g, const std::string& from, const std::string& to) {
    for (auto& node : g.nodes)
        for (auto& in : node.inputs)
            if (in == from) in = to;
}

bool is_graph_output(const PassGraph& g, const std::string& v) {
    for (auto& o : g.outputs)
        if (o == v) return true;
    return false;
}

// Dropout is the identity in inference unless a training_mode input may be true.
bool is_inference_identity(const PassGraph& g, const NodeDef& n) {
    if (n.op_type == "Identity") return n.inputs.size() == 1 && !n.inputs[0].empty();
    if (n.op_type != "Dropout" || n.inputs.empty() || n.inputs[0].empty()) return false;
    if (n.has_output(1)) return false;  // the mask is read
    if (n.has_input(2)) {
        const Tensor* training = g.constant(n.inputs[2]);
        if (!training || training->numel() != 1 || training->data<uint8_t>()[0] != 0) return false;
    }
    return n.get_int("is_test", 1) != 0 || n.opset >= 7;
}

const Tensor* float_constant(const PassGraph& g, const NodeDef& n, size_t i) {
    if (!n.has_input(i)) return nullptr;
    const Tensor* t = g.constant(n.inputs[i]);
    return t && t->dtype() == DType::Float32 ? t : nullptr;
}

}  // namespace

void constants_to_initializers(PassGraph& g) {
    std::vector<NodeDef> kept;
    kept.reserve(g.nodes.size());
    for (auto& n : g.nodes) {
        if (n.op_type == "Constant" && n.outputs.size() == 1 && n.attrs.size() == 1 && !is_graph_output(g, n.outputs[0])) {
            const Attribute& a = n.attrs[0];
            Tensor t;
            if (a.name == "value" && a.type == AttrType::Tensor) t = a.t;
            else if (a.name == "value_float" && a.type == AttrType::Float) t = Tensor::scalar<float>(a.f);
            else if (a.name == "value_int" && a.type == AttrType::Int) t = Tensor::scalar<int64_t>(a.i);
            else if (a.name == "value_floats" && a.type == AttrType::Floats)
                t = Tensor::from_vector<float>({int64_t(a.floats.size())}, a.floats);
            else if (a.name == "value_ints" && a.type == AttrType::Ints)
                t = Tensor::from_vector<int64_t>({int64_t(a.ints.size())}, a.ints);
            if (t.defined()) {
                g.add_constant(n.outputs[0], std::move(t));
                continue;
            }
        }
        kept.push_back(std::move(n));
    }
    g.nodes = std::move(kept);
}

void remove_identities(PassGraph& g) {
    std::vector<NodeDef> kept;
    kept.reserve(g.nodes.size());
    for (auto& n : g.nodes) {
        if (is_inference_identity(g, n) && !is_graph_output(g, n.outputs[0])) {
            rename_input(g, n.outputs[0], n.inputs[0]);
            continue;
        }
        kept.push_back(std::move(n));
    }
    g.nodes = std::move(kept);
}

void fold_batchnorm_into_conv(PassGraph& g) {
    auto readers = reader_counts(g);
    std::unordered_map<std::string, size_t> producer;
    for (size_t i = 0; i < g.nodes.size(); ++i)
        for (auto& o : g.nodes[i].outputs) producer[o] = i;
    std::vector<bool> drop(g.nodes.size(), false);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        NodeDef& bn = g.nodes[i];
        if (bn.op_type != "BatchNormalization" || bn.outputs.size() != 1 || bn.inputs.size() != 5) continue;
        if (bn.opset < 7 && bn.get_int("spatial", 1) != 1) continue;
        if (bn.get_int("training_mode", 0) != 0) continue;
        auto p = producer.find(bn.inputs[0]);
        if (p == producer.end() || readers[bn.inputs[0]] != 1) continue;
        NodeDef& conv = g.nodes[p->second];
        if (conv.op_type != "Conv" || conv.outputs.size() != 1 || conv.fused.act != FusedActivation::None ||
            conv.fused.has_residual)
            continue;
        const Tensor* w = float_constant(g, conv, 1);
        const Tensor* b = conv.has_input(2) ? float_constant(g, conv, 2) : nullptr;
        const Tensor *scale = float_constant(g, bn, 1), *shift = float_constant(g, bn, 2);
        const Tensor *mean = float_constant(g, bn, 3), *var = float_constant(g, bn, 4);
        if (!w || w->rank() < 3 || (conv.has_input(2) && !b) || !scale || !shift || !mean || !var) continue;
        int64_t oc = w->dim(0);
        auto per_channel = [&](const Tensor* t) { return t->numel() == oc; };
        if (!per_channel(scale) || !per_channel(shift) || !per_channel(mean) || !per_channel(var) ||
            (b && !per_channel(b)))
            continue;
        double eps = bn.get_float("epsilon", 1e-5f);
        Tensor nw = Tensor::zeros(DType::Float32, w->shape());
        Tensor nb = Tensor::zeros(DType::Float32, {oc});
        int64_t per = w->numel() / oc;
        for (int64_t c = 0; c < oc; ++c) {
            double s = double(scale->data<float>()[c]) / std::sqrt(double(var->data<float>()[c]) + eps);
            for (int64_t k = 0; k < per; ++k) nw.data<float>()[c * per + k] = float(w->data<float>()[c * per + k] * s);
            double bias = b ? b->data<float>()[c] : 0.0;
            nb.data<float>()[c] = float((bias - mean->data<float>()[c]) * s + shift->data<float>()[c]);
        }
        std::string wn = g.fresh(conv.inputs[1] + "/bn_folded"), bnn = g.fresh(bn.outputs[0] + "/bias");
        g.add_constant(wn, std::move(nw));
        g.add_constant(bnn, std::move(nb));
        conv.inputs.resize(3);
        conv.inputs[1] = wn;
        conv.inputs[2] = bnn;
        conv.outputs[0] = bn.outputs[0];
        drop[i] = true;
    }
    std::vector<NodeDef> kept;
    for (size_t i = 0; i < g.nodes.size(); ++i)
        if (!drop[i]) kept.push_back(std::move(g.nodes[i]));
    g.nodes = std::move(kept);
}

void fuse_activations(PassGraph& g) {
    auto readers = reader_counts(g);
    std::unordered_map<std::string, size_t> producer;
    for (size_t i = 0; i < g.nodes.size(); ++i)
        for (auto& o : g.nodes[i].outputs) producer[o] = i;
    std::vector<bool> drop(g.nodes.size(), false);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        NodeDef& act = g.nodes[i];
        if (act.inputs.empty() || act.outputs.size() != 1) continue;
        auto p = producer.find(act.inputs[0]);
        if (p == producer.end() || readers[act.inputs[0]] != 1) continue;
        NodeDef& conv = g.nodes[p->second];
        // Only Conv takes a fused epilogue so far; its float path applies it in the GEMM store.
        if (conv.op_type != "Conv" || conv.outputs.size() != 1 || conv.fused.act != FusedActivation::None ||
            conv.fused.has_residual || !float_constant(g, conv, 1))
            continue;
        FusedEpilogue f;
        if (act.op_type == "Relu") {
            f.act = FusedActivation::Relu;
        } else if (act.op_type == "LeakyRelu") {
            f.act = FusedActivation::LeakyRelu;
            f.alpha = act.get_float("alpha", 0.01f);
        } else if (act.op_type == "Sigmoid") {
            f.act = FusedActivation::Sigmoid;
        } else if (act.op_type == "HardSigmoid") {
            f.act = FusedActivation::HardSigmoid;
            f.alpha = act.get_float("alpha", 0.2f);
            f.beta = act.get_float("beta", 0.5f);
        } else if (act.op_type == "HardSwish") {
            f.act = FusedActivation::HardSwish;
        } else if (act.op_type == "Clip") {
            f.act = FusedActivation::Clip;
            if (act.opset < 11) {
                f.alpha = act.get_float("min", -3.402823466e38f);
                f.beta = act.get_float("max", 3.402823466e38f);
            } else {
                const Tensor* lo = act.has_input(1) ? float_constant(g, act, 1) : nullptr;
                const Tensor* hi = act.has_input(2) ? float_constant(g, act, 2) : nullptr;
                if ((act.has_input(1) && (!lo || lo->numel() != 1)) || (act.has_input(2) && (!hi || hi->numel() != 1)))
                    continue;  // bounds computed at run time
                f.alpha = lo ? lo->data<float>()[0] : -3.402823466e38f;
                f.beta = hi ? hi->data<float>()[0] : 3.402823466e38f;
            }
        } else {
            continue;
        }
        conv.fused = f;
        conv.outputs[0] = act.outputs[0];
        drop[i] = true;
    }
    std::vector<NodeDef> kept;
    for (size_t i = 0; i < g.nodes.size(); ++i)
        if (!drop[i]) kept.push_back(std::move(g.nodes[i]));
    g.nodes = std::move(kept);
}

}  // namespace vireo::rt
