// vireo — decoding of the ONNX protobuf messages vireo needs, straight from the
// wire format (no libprotobuf). Field numbers follow onnx/onnx.proto (IR v8).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/graph/node.hpp"
#include "runtime/onnx/mapped_file.hpp"
#include "runtime/onnx/wire.hpp"
#include "vireo/tensor.hpp"

namespace vireo::rt::onnx {

struct ValueInfoProto {
    std::string name;
    bool is_tensor = false;      // false: no type, or a sequence/map/optional/sparse type
    bool non_tensor = false;     // the type is a sequence/map/optional/sparse type
    DType elem = DType::Undefined;
    int32_t raw_elem = 0;        // the elem_type as written, for messages
    bool has_shape = false;
    std::vector<int64_t> dims;   // -1 where symbolic or unknown
    std::vector<std::string> dim_names;
};

struct GraphProto {
    std::string name;
    std::vector<NodeDef> nodes;
    std::vector<std::pair<std::string, Tensor>> initializers;
    std::vector<ValueInfoProto> inputs, outputs, value_info;
    size_t sparse_initializers = 0;
};

struct ModelProto {
    int64_t ir_version = 0;
    std::vector<std::pair<std::string, int64_t>> opset_imports;  // domain, version
    std::string producer_name, producer_version;
    bool has_graph = false;
    GraphProto graph;
};

// Where tensor bytes live and how external data may be reached.
struct ParseEnv {
    std::shared_ptr<const void> keepalive;  // owner of the bytes being parsed
    std::string base_dir;                   // directory external data must stay inside
    bool allow_external = false;
    std::map<std::string, std::shared_ptr<const MappedFile>> external_files;
    size_t zero_copy_tensors = 0, copied_tensors = 0;
};

ModelProto parse_model(const uint8_t* data, size_t size, ParseEnv& env);

// Decodes one TensorProto message. `name` receives its name.
Tensor parse_tensor(wire::Reader r, ParseEnv& env, std::string* name);

// Limits that bound what a file may ask for.
inline constexpr size_t kMaxNodes = 1 << 20;
inline constexpr size_t kMaxRank = 64;
inline constexpr size_t kMaxNameBytes = 1 << 16;

}  // namespace vireo::rt::onnx
