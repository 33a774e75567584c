#include <algorithm>
#include <mutex>

#include "runtime/ops/op.hpp"

namespace vireo::rt {

#define VIREO_OP_FAMILY(name) void register_##name##_ops(OpRegistry&);
#include "runtime/ops/families.inc"
#undef VIREO_OP_FAMILY

void OpRegistry::add(const char* op_type, OpFactory f, int since_version) {
    entries_.push_back({op_type, since_version, f});
}

OpFactory OpRegistry::find(const std::string& op_type, int opset) const {
    // Highest since_version not above the model's opset wins.
    const OpSchema* best = nullptr;
    for (auto& e : entries_)
        if (op_type == e.op_type && e.since_version <= opset &&
            (!best || e.since_version > best->since_version))
            best = &e;
    return best ? best->factory : nullptr;
}

bool OpRegistry::knows(const std::string& op_type) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const OpSchema& e) { return op_type == e.op_type; });
}

std::vector<std::string> OpRegistry::op_types() const {
    std::vector<std::string> v;
    for (auto& e : entries_) v.push_back(e.op_type);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

const OpRegistry& OpRegistry::global() {
    static OpRegistry reg;
    static std::once_flag once;
    std::call_once(once, [] {
#define VIREO_OP_FAMILY(name) register_##name##_ops(reg);
#include "runtime/ops/families.inc"
#undef VIREO_OP_FAMILY
    });
    return reg;
}

}  // namespace vireo::rt
