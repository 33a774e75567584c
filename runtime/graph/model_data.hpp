// vireo — the imported model: a validated, topologically sorted graph whose
// values are numbered, with one bound Op per node.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/graph/node.hpp"
#include "runtime/ops/op.hpp"
#include "vireo/vireo.hpp"

namespace vireo::rt {

struct GraphNode {
    NodeDef def;
    std::unique_ptr<Op> op;
    std::vector<int> in;   // value ids; -1 for an omitted optional input
    std::vector<int> out;  // value ids; -1 for an omitted optional output
};

struct ModelData {
    int64_t ir_version = 0;
    int opset = 0;
    std::string producer;

    std::vector<std::string> value_names;      // by value id
    std::vector<Tensor> initializers;          // by value id; undefined if not an initializer
    std::vector<GraphNode> nodes;              // topological order
    std::vector<int> input_ids, output_ids;    // graph inputs (non-initializer) and outputs
    std::vector<ValueInfo> inputs, outputs;    // as declared

    std::map<std::string, int> source_histogram;  // op types as in the file, before passes
    size_t source_node_count = 0;
    size_t zero_copy_initializers = 0, copied_initializers = 0;
    std::vector<std::shared_ptr<const void>> keepalive;  // mappings the initializers view
};

struct ImportOptions {
    bool optimize = true;     // graph passes: identity removal, BatchNorm folding, fusion (VIREO_OPTIMIZE=0: none)
    bool layout_pass = true;  // channels-last for 2-D float convolutions (VIREO_LAYOUT=nchw turns it off)
};

// Imports an ONNX model from bytes. `keepalive` owns the bytes (so initializers
// can view them); base_dir is where external data may be read from ("" forbids it).
std::shared_ptr<const ModelData> import_model(const uint8_t* data, size_t size, std::shared_ptr<const void> keepalive,
                                              const std::string& base_dir, bool allow_external,
                                              const ImportOptions& options = {});

}  // namespace vireo::rt
