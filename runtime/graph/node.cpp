#include "runtime/graph/node.hpp"

namespace vireo::rt {

namespace {
const Attribute* typed(const NodeDef& n, const std::string& name, AttrType t, const char* tname) {
    const Attribute* a = n.find(name);
    if (a && a->type != t)
        fail(n.op_type, " node '", n.name, "': attribute '", name, "' must be of type ", tname);
    return a;
}
}  // namespace

int64_t NodeDef::get_int(const std::string& n, int64_t def) const {
    auto* a = typed(*this, n, AttrType::Int, "INT");
    return a ? a->i : def;
}
int64_t NodeDef::req_int(const std::string& n) const {
    auto* a = typed(*this, n, AttrType::Int, "INT");
    if (!a) fail(op_type, " node '", name, "': required attribute '", n, "' is missing");
    return a->i;
}
float NodeDef::get_float(const std::string& n, float def) const {
    auto* a = typed(*this, n, AttrType::Float, "FLOAT");
    return a ? a->f : def;
}
std::string NodeDef::get_string(const std::string& n, const std::string& def) const {
    auto* a = typed(*this, n, AttrType::String, "STRING");
    return a ? a->s : def;
}
std::vector<int64_t> NodeDef::get_ints(const std::string& n, std::vector<int64_t> def) const {
    auto* a = typed(*this, n, AttrType::Ints, "INTS");
    return a ? a->ints : def;
}
std::vector<float> NodeDef::get_floats(const std::string& n, std::vector<float> def) const {
    auto* a = typed(*this, n, AttrType::Floats, "FLOATS");
    return a ? a->floats : def;
}
const Tensor* NodeDef::get_tensor(const std::string& n) const {
    auto* a = typed(*this, n, AttrType::Tensor, "TENSOR");
    return a ? &a->t : nullptr;
}

}  // namespace vireo::rt
