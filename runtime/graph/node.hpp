// vireo — IR node: one ONNX NodeProto after import, attributes decoded.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "vireo/tensor.hpp"

namespace vireo::rt {

enum class AttrType : int32_t {  // ONNX AttributeProto.AttributeType
    Undefined = 0, Float = 1, Int = 2, String = 3, Tensor = 4, Graph = 5,
    Floats = 6, Ints = 7, Strings = 8, Tensors = 9, Graphs = 10,
};

struct Attribute {
    std::string name;
    AttrType type = AttrType::Undefined;
    float f = 0;
    int64_t i = 0;
    std::string s;
    vireo::Tensor t;
    std::vector<float> floats;
    std::vector<int64_t> ints;
    std::vector<std::string> strings;
};

// Set only by vireo's graph passes, never read from a file.
enum class Layout : uint8_t {
    NCHW,  // ONNX semantics: channels before spatial dims
    NHWC,  // channels last: the op's activation input and output are [N, spatial..., C]
};

enum class FusedActivation : uint8_t { None, Relu, Clip, LeakyRelu, Sigmoid, SiLU, HardSigmoid, HardSwish, Gelu };

// An activation and/or residual add folded into a Conv/Gemm/MatMul by a pass.
// With has_residual, the residual tensor is the node's last input, of the
// output's shape, added before or after the activation.
struct FusedEpilogue {
    FusedActivation act = FusedActivation::None;
    float alpha = 0, beta = 0;  // Clip: min, max; LeakyRelu: alpha; HardSigmoid: alpha, beta
    bool has_residual = false;
    bool residual_before_act = true;  // relu(conv + shortcut), as ResNet does
};

struct NodeDef {
    std::string name;     // may be empty in the file; the importer fills "<op_type>_<index>"
    std::string op_type;
    std::string domain;   // "" for ai.onnx
    int opset = 0;        // ai.onnx opset version the model imports
    std::vector<std::string> inputs;   // "" marks an omitted optional input
    std::vector<std::string> outputs;  // "" marks an omitted optional output
    std::vector<Attribute> attrs;
    Layout layout = Layout::NCHW;
    FusedEpilogue fused;

    const Attribute* find(const std::string& n) const {
        for (auto& a : attrs)
            if (a.name == n) return &a;
        return nullptr;
    }
    bool has(const std::string& n) const { return find(n) != nullptr; }

    // Typed getters: a wrong attribute type is an error naming node and attribute.
    int64_t get_int(const std::string& n, int64_t def) const;
    int64_t req_int(const std::string& n) const;
    float get_float(const std::string& n, float def) const;
    std::string get_string(const std::string& n, const std::string& def) const;
    std::vector<int64_t> get_ints(const std::string& n, std::vector<int64_t> def = {}) const;
    std::vector<float> get_floats(const std::string& n, std::vector<float> def = {}) const;
    const vireo::Tensor* get_tensor(const std::string& n) const;  // null if absent

    size_t num_inputs() const { return inputs.size(); }
    bool has_input(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
    size_t num_outputs() const { return outputs.size(); }
    bool has_output(size_t i) const { return i < outputs.size() && !outputs[i].empty(); }
};

}  // namespace vireo::rt
