// ONNX ModelProto -> ModelData: validates names, opsets and ops, sorts the
// graph topologically and binds an Op to every node.
#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <unordered_set>

#include "runtime/graph/model_data.hpp"
#include "runtime/graph/passes/pass_graph.hpp"
#include "runtime/onnx/proto.hpp"

namespace vireo::rt {

namespace {

constexpr int kMinOpset = 1, kMaxOpset = 17;

bool is_onnx_domain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

ValueInfo to_value_info(const onnx::ValueInfoProto& v) {
    ValueInfo r;
    r.name = v.name;
    r.dtype = v.elem;
    r.has_shape = v.has_shape;
    r.shape = v.dims;
    r.dim_names = v.dim_names;
    return r;
}

std::string node_label(const NodeDef& n) { return detail::cat("node '", n.name, "' (", n.op_type, ")"); }

std::string attr_type_name(AttrType t) {
    static const char* const names[] = {"UNDEFINED", "FLOAT",  "INT",           "STRING",         "TENSOR",
                                        "GRAPH",     "FLOATS", "INTS",          "STRINGS",        "TENSORS",
                                        "GRAPHS",    "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"};
    auto i = int32_t(t);
    return i >= 0 && i < int32_t(std::size(names)) ? names[i] : std::to_string(i);
}

}  // namespace

std::shared_ptr<const ModelData> import_model(const uint8_t* data, size_t size, std::shared_ptr<const void> keepalive,
                                              const std::string& base_dir, bool allow_external,
                                              const ImportOptions& options) {
    onnx::ParseEnv env;
    env.keepalive = keepalive;
    env.base_dir = base_dir;
    env.allow_external = allow_external;
    onnx::ModelProto mp = onnx::parse_model(data, size, env);

    auto md = std::make_shared<ModelData>();
    md->ir_version = mp.ir_version;
    md->producer = mp.producer_name + (mp.producer_version.empty() ? "" : " " + mp.producer_version);
    md->zero_copy_initializers = env.zero_copy_tensors;
    md->copied_initializers = env.copied_tensors;
    if (keepalive) md->keepalive.push_back(keepalive);
    for (auto& [loc, file] : env.external_files) md->keepalive.push_back(file);

    // Opset: the ai.onnx import decides which version of each op applies.
    int64_t opset = -1;
    bool imports_onnx = false;
    for (auto& [domain, version] : mp.opset_imports)
        if (is_onnx_domain(domain)) {
            check(!imports_onnx || opset == version, "model imports ai.onnx twice, as opsets ", opset, " and ", version);
            opset = version;
            imports_onnx = true;
        }
    if (!imports_onnx) {
        // Before IR version 3 there were no opset imports; such models are opset 1.
        check(mp.ir_version < 3, "model imports no ai.onnx opset");
        opset = 1;
    }
    check(opset >= kMinOpset && opset <= kMaxOpset, "ai.onnx opset ", opset, " is not supported (vireo supports ",
          kMinOpset, " to ", kMaxOpset, ")");
    md->opset = int(opset);

    onnx::GraphProto& g = mp.graph;
    check(g.sparse_initializers == 0, "sparse initializers are not supported");

    // Value ids: initializers, then graph inputs, then node outputs.
    std::unordered_map<std::string, int> ids;
    std::vector<int> producer;  // node index producing each value, -1 for inputs/initializers
    auto new_value = [&](const std::string& name, int prod) {
        int id = int(md->value_names.size());
        md->value_names.push_back(name);
        md->initializers.emplace_back();
        producer.push_back(prod);
        ids.emplace(name, id);
        return id;
    };
    for (auto& [name, t] : g.initializers) {
        check(!name.empty(), "an initializer has no name");
        check(!ids.count(name), "initializer '", name, "' is defined twice");
        int id = new_value(name, -1);
        md->initializers[id] = std::move(t);
    }
    for (auto& in : g.inputs) {
        check(!in.name.empty(), "a graph input has no name");
        auto it = ids.find(in.name);
        if (it != ids.end()) {
            // IR < 4 lists initializers as inputs too; they stay constants.
            check(md->initializers[it->second].defined(), "graph input '", in.name, "' is declared twice");
            continue;
        }
        check(in.is_tensor, "graph input '", in.name, "' is not a tensor (sequence, map and optional types are not supported)");
        check(in.elem != DType::Undefined, "graph input '", in.name, "' has unsupported element type ", in.raw_elem);
        int id = new_value(in.name, -1);
        md->input_ids.push_back(id);
        md->inputs.push_back(to_value_info(in));
    }

    // Nodes: domain and op support first, so the error lists every missing op at once.
    const OpRegistry& reg = OpRegistry::global();
    std::set<std::string> unsupported;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        NodeDef& n = g.nodes[i];
        if (n.name.empty()) n.name = n.op_type + "_" + std::to_string(i);
        n.opset = int(opset);
        check(!n.op_type.empty(), "node '", n.name, "' has no op_type");
        if (!is_onnx_domain(n.domain)) fail(node_label(n), ": operator domain '", n.domain, "' is not supported");
        if (!reg.find(n.op_type, n.opset)) unsupported.insert(n.op_type);
    }
    if (!unsupported.empty()) {
        std::string list;
        for (auto& u : unsupported) list += (list.empty() ? "" : ", ") + u;
        fail("unsupported ops at opset ", opset, ": ", list);
    }
    // The parser skips the payload of subgraph, tensor-list, sparse and type
    // attributes without looking inside (it may nest without bound); no
    // supported op takes one, so a node carrying one is refused.
    for (auto& n : g.nodes)
        for (auto& a : n.attrs) {
            auto t = a.type;
            check(t == AttrType::Undefined || t == AttrType::Float || t == AttrType::Int || t == AttrType::String ||
                      t == AttrType::Tensor || t == AttrType::Floats || t == AttrType::Ints || t == AttrType::Strings,
                  node_label(n), ": attribute '", a.name, "' has type ", attr_type_name(t), ", which vireo does not support");
        }
    for (size_t i = 0; i < g.nodes.size(); ++i)
        for (auto& o : g.nodes[i].outputs) {
            if (o.empty()) continue;
            check(!ids.count(o), node_label(g.nodes[i]), ": output '", o, "' is already produced elsewhere");
            new_value(o, int(i));
        }

    // Kahn's algorithm; leftover nodes sit on (or behind) a cycle.
    size_t nn = g.nodes.size();
    std::vector<int> pending(nn, 0);
    std::vector<std::vector<int>> consumers(md->value_names.size());
    for (size_t i = 0; i < nn; ++i)
        for (auto& in : g.nodes[i].inputs) {
            if (in.empty()) continue;
            auto it = ids.find(in);
            check(it != ids.end(), node_label(g.nodes[i]), ": input '", in,
                  "' is not produced by any node, initializer or graph input");
            if (producer[it->second] >= 0) {
                ++pending[i];
                consumers[it->second].push_back(int(i));
            }
        }
    std::vector<int> order;
    order.reserve(nn);
    for (size_t i = 0; i < nn; ++i)
        if (pending[i] == 0) order.push_back(int(i));
    for (size_t k = 0; k < order.size(); ++k) {
        for (auto& o : g.nodes[order[k]].outputs) {
            if (o.empty()) continue;
            for (int c : consumers[ids[o]])
                if (--pending[c] == 0) order.push_back(c);
        }
    }
    if (order.size() != nn) {
        for (size_t i = 0; i < nn; ++i)
            if (pending[i] > 0) fail("graph has a cycle through ", node_label(g.nodes[i]));
    }

    std::unordered_set<int> output_set;  // a linear search per output made many outputs quadratic
    for (auto& out : g.outputs) {
        check(!out.non_tensor, "graph output '", out.name,
              "' is not a tensor (sequence, map and optional types are not supported)");
        auto it = ids.find(out.name);
        check(it != ids.end(), "graph output '", out.name, "' is not produced by any node, initializer or input");
        check(output_set.insert(it->second).second, "graph output '", out.name, "' is listed twice");
        md->output_ids.push_back(it->second);
        ValueInfo vi = to_value_info(out);
        md->outputs.push_back(vi);
    }
    check(!md->output_ids.empty(), "graph has no outputs");

    // Passes work on names; new values they create get ids afterwards.
    PassGraph pg;
    pg.nodes.reserve(nn);
    for (int i : order) pg.nodes.push_back(std::move(g.nodes[i]));
    for (size_t v = 0; v < md->value_names.size(); ++v) {
        pg.names.insert(md->value_names[v]);
        if (md->initializers[v].defined()) pg.constants.emplace(md->value_names[v], md->initializers[v]);
    }
    for (auto& out : md->outputs) pg.outputs.push_back(out.name);
    for (auto& n : pg.nodes) ++md->source_histogram[n.op_type];
    md->source_node_count = pg.nodes.size();
    if (options.optimize) {
        constants_to_initializers(pg);
        remove_identities(pg);
        fold_batchnorm_into_conv(pg);
        fuse_activations(pg);
    }
    if (options.optimize && options.layout_pass) layout_pass(pg);
    for (auto& name : pg.added_constants) {
        auto it = ids.find(name);  // a Constant node's output keeps its id
        int id = it != ids.end() ? it->second : new_value(name, -1);
        md->initializers[id] = pg.constants.at(name);
    }

    md->nodes.reserve(pg.nodes.size());
    for (auto& def : pg.nodes) {
        GraphNode gn;
        gn.def = std::move(def);
        for (auto& o : gn.def.outputs)
            if (!o.empty() && !ids.count(o)) new_value(o, -1);
        for (auto& in : gn.def.inputs) gn.in.push_back(in.empty() ? -1 : ids.at(in));
        for (auto& o : gn.def.outputs) gn.out.push_back(o.empty() ? -1 : ids.at(o));
        try {
            gn.op = reg.find(gn.def.op_type, gn.def.opset)(gn.def);
        } catch (const Error& e) {
            fail(node_label(gn.def), ": ", e.what());
        }
        md->nodes.push_back(std::move(gn));
    }
    return md;
}

}  // namespace vireo::rt
