// vireo — the executor behind vireo::Session: per-shape plans, one arena, TBB.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <vector>

#include <tbb/task_arena.h>

#include "kernels/cpu.hpp"
#include "runtime/graph/model_data.hpp"
#include "vireo/vireo.hpp"

namespace vireo::rt {

// How one value is provided during a run.
enum class ValueKind : uint8_t {
    Absent,    // never produced in this plan (unused optional output)
    Input,     // graph input, fed by the caller
    Constant,  // initializer or folded at plan time
    Arena,     // statically shaped intermediate at a planned arena offset
    Heap,      // graph output, or produced by a dynamic node: allocated at run time
};

enum class NodeMode : uint8_t { Folded, Static, Dynamic };

// Everything that depends on the input shapes, computed once per distinct set.
struct Plan {
    std::vector<ValueKind> kind;      // by value id
    std::vector<DType> dtype;         // by value id (static values)
    std::vector<Shape> shape;         // by value id (static values)
    std::vector<size_t> offset;       // by value id (Arena values)
    std::vector<Tensor> folded;       // by value id (values folded in this plan)
    std::vector<NodeMode> mode;       // by node index
    std::vector<std::vector<int>> release_after;  // by node index: heap values dead after it
    size_t arena_bytes = 0;
    size_t folded_nodes = 0;
};

class SessionImpl {
public:
    SessionImpl(std::shared_ptr<const ModelData> model, const Options& options);

    std::vector<Tensor> run(std::vector<Tensor> inputs);  // in model input order
    std::vector<Tensor> run_named(const NamedTensors& inputs);

    const ModelData& model() const { return *model_; }
    int threads() const { return threads_; }
    kernels::Isa isa() const { return isa_; }
    size_t arena_bytes() const { return last_arena_bytes_; }
    void set_profiling(bool on);
    std::vector<OpProfile> profile() const;

private:
    const Plan& plan_for(const std::vector<Tensor>& inputs);
    std::unique_ptr<Plan> build_plan(const std::vector<Tensor>& inputs);
    void check_input(size_t i, const Tensor& t) const;
    std::vector<Tensor> execute(const Plan& plan, const std::vector<Tensor>& inputs);

    std::shared_ptr<const ModelData> model_;
    Options options_;
    int threads_ = 1;
    kernels::Isa isa_ = kernels::Isa::Scalar;
    const kernels::KernelTable* kernels_ = nullptr;
    std::vector<std::unique_ptr<OpState>> states_;  // by node index, from Op::prepare
    tbb::task_arena arena_;
    std::map<std::vector<Shape>, std::unique_ptr<Plan>> plans_;
    std::shared_ptr<void> arena_mem_;
    size_t arena_capacity_ = 0, last_arena_bytes_ = 0;
    bool profiling_ = false;
    std::map<std::string, OpProfile> profile_;
};

int default_thread_count();

}  // namespace vireo::rt
