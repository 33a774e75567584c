// vireo — the graph as the import passes see it: nodes in topological order,
// named values, constants. Passes rewrite it before ops are bound.
#pragma once
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "runtime/graph/node.hpp"
#include "vireo/tensor.hpp"

namespace vireo::rt {

struct PassGraph {
    std::vector<NodeDef> nodes;                              // topological order
    std::unordered_map<std::string, Tensor> constants;       // initializers (views), plus any a pass adds
    std::unordered_set<std::string> added_constants;         // names of constants a pass created
    std::vector<std::string> outputs;                        // graph output names: must stay produced
    std::unordered_set<std::string> names;                   // every value name in use

    const Tensor* constant(const std::string& name) const {
        auto it = constants.find(name);
        return it == constants.end() ? nullptr : &it->second;
    }
    // A value name not yet in use, derived from `base`.
    std::string fresh(const std::string& base) {
        std::string n = base;
        for (int i = 1; names.count(n); ++i) n = base + "_" + std::to_string(i);
        names.insert(n);
        return n;
    }
    void add_constant(const std::string& name, Tensor t) {
        constants[name] = std::move(t);
        added_constants.insert(name);
    }
};

// Constant nodes become initializers, so later passes see their values.
void constants_to_initializers(PassGraph& g);
// Drops Identity, and Dropout in inference, rewiring their readers.
void remove_identities(PassGraph& g);
// Conv -> BatchNormalization (inference, constant parameters) becomes one Conv
// with rescaled weights and bias.
void fold_batchnorm_into_conv(PassGraph& g);
// Conv -> Relu/Clip/LeakyRelu/Sigmoid/HardSigmoid/HardSwish becomes one Conv
// with a fused epilogue, when the Conv's output has no other reader.
void fuse_activations(PassGraph& g);

// Rewrites float32 2-D convolutions and the pools, activations and elementwise
// ops around them to channels-last (NHWC), with Transposes only where the graph
// meets an op that needs NCHW or a graph output.
void layout_pass(PassGraph& g);

}  // namespace vireo::rt
