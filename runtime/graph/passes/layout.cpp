// Channels-last layout pass.
//
// The fast convolution, depthwise and pooling kernels work on NHWC, where a
// pixel's channels are contiguous (vectorizing over channels needs no gathers
// and a 1x1 convolution is a plain GEMM on the activations). ONNX graphs are
// NCHW. This pass moves the convolutional parts of a graph to NHWC and lets the
// layout flow through ops that do not care (activations, elementwise ops,
// Concat), so Transposes appear only where the graph meets an op that needs
// NCHW, or a graph output. ONNX semantics stay NCHW at every boundary.
#include <cstring>
#include <set>

#include "runtime/graph/passes/pass_graph.hpp"

namespace vireo::rt {

namespace {

const std::vector<int64_t> kToNhwc = {0, 2, 3, 1};
const std::vector<int64_t> kToNchw = {0, 3, 1, 2};

// Ops whose output element i depends only on input element i: they compute the
// same thing on a permuted tensor. Extra inputs (Clip's min/max) are scalars.
const std::set<std::string> kUnary = {
    "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Elu", "Selu", "Celu", "Softplus",
    "Softsign", "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Erf", "Floor", "Ceil", "Round", "Sign",
    "Identity", "Clip", "ThresholdedRelu", "Shrink", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh",
    "Cosh", "Asinh", "Acosh", "Atanh", "IsNaN", "IsInf", "Not", "Cast",
};
// Broadcasting ops: fine on permuted tensors if every operand is permuted alike.
const std::set<std::string> kBinary = {"Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean", "Pow", "PRelu",
                                       "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Where"};

Attribute perm_attr(const std::vector<int64_t>& perm) {
    Attribute a;
    a.name = "perm";
    a.type = AttrType::Ints;
    a.ints = perm;
    return a;
}

// A broadcast operand of rank <= 4, right-aligned to rank 4 and permuted to NHWC.
Tensor permute_constant(const Tensor& c) {
    Shape s4(4 - c.rank(), 1);
    s4.insert(s4.end(), c.shape().begin(), c.shape().end());
    Shape out = {s4[0], s4[2], s4[3], s4[1]};
    Tensor r = Tensor::zeros(c.dtype(), out);
    size_t es = dtype_size(c.dtype());
    auto src = static_cast<const uint8_t*>(c.raw());
    auto dst = static_cast<uint8_t*>(r.raw());
    for (int64_t n = 0; n < s4[0]; ++n)
        for (int64_t h = 0; h < s4[2]; ++h)
            for (int64_t w = 0; w < s4[3]; ++w)
                for (int64_t ch = 0; ch < s4[1]; ++ch) {
                    int64_t from = ((n * s4[1] + ch) * s4[2] + h) * s4[3] + w;
                    int64_t to = ((n * s4[2] + h) * s4[3] + w) * s4[1] + ch;
                    std::memcpy(dst + to * es, src + from * es, es);
                }
    return r;
}

class LayoutPass {
public:
    explicit LayoutPass(PassGraph& g) : g_(g) {
        for (auto& n : g_.nodes)
            for (auto& o : n.outputs)
                if (!o.empty()) produced_nchw_.insert(o);
    }

    void run() {
        std::vector<NodeDef> in = std::move(g_.nodes);
        g_.nodes.clear();
        for (auto& n : in) {
            if (wants_nhwc(n)) to_nhwc(n);
            else keep_nchw(n);
            g_.nodes.push_back(std::move(n));
        }
        for (auto& o : g_.outputs) ensure_nchw(o);
    }

private:
    bool is_nhwc(const std::string& v) const { return nhwc_.count(v) > 0; }

    bool wants_nhwc(const NodeDef& n) const {
        auto has = [&](size_t i) { return n.has_input(i); };
        if (n.op_type == "Conv") {
            const Tensor* w = has(1) ? g_.constant(n.inputs[1]) : nullptr;
            // Rank-4 float weights mean a 2-D float convolution.
            return w && w->dtype() == DType::Float32 && w->rank() == 4 && n.outputs.size() == 1;
        }
        if (n.op_type == "MaxPool" || n.op_type == "AveragePool") {
            bool indices = n.has_output(1);
            return !indices && has(0) && is_nhwc(n.inputs[0]) && n.get_ints("kernel_shape").size() == 2;
        }
        if (n.op_type == "GlobalAveragePool" || n.op_type == "GlobalMaxPool") return has(0) && is_nhwc(n.inputs[0]);
        if (kUnary.count(n.op_type)) {
            if (n.op_type == "Cast" && n.opset < 6) return false;
            return has(0) && is_nhwc(n.inputs[0]);
        }
        if (kBinary.count(n.op_type)) {
            bool any = false;
            for (size_t i = 0; i < n.inputs.size(); ++i) {
                if (!has(i)) return false;
                const std::string& v = n.inputs[i];
                if (is_nhwc(v)) { any = true; continue; }
                const Tensor* c = g_.constant(v);
                if (!c || c->rank() > 4) return false;  // an NCHW activation: stay NCHW
            }
            return any;
        }
        if (n.op_type == "Concat") {
            for (size_t i = 0; i < n.inputs.size(); ++i)
                if (!has(i) || !is_nhwc(n.inputs[i])) return false;
            return !n.inputs.empty();
        }
        return false;
    }

    // Name of the NHWC form of v, creating a Transpose if v exists only as NCHW.
    std::string nhwc_of(const std::string& v) {
        auto it = nhwc_.find(v);
        if (it != nhwc_.end()) return it->second;
        std::string t = g_.fresh(v + "/nhwc");
        emit_transpose(v, t, kToNhwc);
        nhwc_[v] = t;
        return t;
    }

    // Makes the NCHW value v exist (it may so far exist only as NHWC).
    void ensure_nchw(const std::string& v) {
        if (produced_nchw_.count(v) || !is_nhwc(v)) return;
        emit_transpose(nhwc_[v], v, kToNchw);
        produced_nchw_.insert(v);
    }

    void emit_transpose(const std::string& from, const std::string& to, const std::vector<int64_t>& perm) {
        NodeDef t;
        t.name = g_.fresh("vireo/transpose/" + to);
        t.op_type = "Transpose";
        t.opset = opset_;
        t.inputs = {from};
        t.outputs = {to};
        t.attrs = {perm_attr(perm)};
        g_.nodes.push_back(std::move(t));
    }

    void to_nhwc(NodeDef& n) {
        opset_ = n.opset;
        bool activation_only_first = n.op_type == "Conv" || n.op_type == "MaxPool" || n.op_type == "AveragePool" ||
                                     n.op_type.rfind("Global", 0) == 0 || kUnary.count(n.op_type);
        for (size_t i = 0; i < n.inputs.size(); ++i) {
            std::string& v = n.inputs[i];
            if (v.empty()) continue;
            if (activation_only_first) {
                if (i == 0) v = nhwc_of(v);
                continue;
            }
            if (is_nhwc(v)) {
                v = nhwc_[v];
            } else if (const Tensor* c = g_.constant(v); c && c->numel() > 1) {
                std::string p = g_.fresh(v + "/nhwc");
                g_.add_constant(p, permute_constant(*c));
                v = p;
            }
        }
        if (n.op_type == "Conv" || n.op_type == "MaxPool" || n.op_type == "AveragePool" ||
            n.op_type.rfind("Global", 0) == 0)
            n.layout = Layout::NHWC;
        if (n.op_type == "Concat")
            for (auto& a : n.attrs)
                if (a.name == "axis") {
                    int64_t ax = a.i < 0 ? a.i + 4 : a.i;
                    static const int64_t kNchwToNhwcAxis[4] = {0, 3, 1, 2};
                    if (ax >= 0 && ax < 4) a.i = kNchwToNhwcAxis[ax];  // else the op reports the bad axis
                }
        for (auto& o : n.outputs) {
            if (o.empty()) continue;
            std::string t = g_.fresh(o + "/nhwc");
            nhwc_[o] = t;
            produced_nchw_.erase(o);
            o = t;
        }
    }

    void keep_nchw(NodeDef& n) {
        opset_ = n.opset;
        for (auto& v : n.inputs)
            if (!v.empty()) ensure_nchw(v);
    }

    PassGraph& g_;
    std::unordered_map<std::string, std::string> nhwc_;  // NCHW name -> NHWC name
    std::unordered_set<std::string> produced_nchw_;      // NCHW names that some node (still) produces
    int opset_ = 13;
};

}  // namespace

void layout_pass(PassGraph& g) {
    // Below opset 7, binary ops broadcast by `axis`, which permuting would break.
    if (g.nodes.empty() || g.nodes.front().opset < 7) return;
    LayoutPass(g).run();
}

}  // namespace vireo::rt
