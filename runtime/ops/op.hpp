// vireo — the contract between the graph runtime and one operator.
//
// An Op is built once per node from its NodeDef (the constructor parses and
// validates attributes and throws vireo::Error on bad ones). The runtime then
// calls infer() to learn output types and shapes, plans memory, and calls run()
// with outputs already allocated at the inferred shapes.
//
// Data-dependent shapes: infer() may read an input's *value* when it is known
// (initializer, Constant, or folded). When a shape depends on a value that is not
// known, infer() returns false. The runtime then treats the node as dynamic: at
// run time it calls infer() again with every input value known, allocates the
// outputs outside the arena, and calls run().
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernels/dispatch.hpp"
#include "runtime/graph/node.hpp"
#include "vireo/tensor.hpp"

namespace vireo::rt {

// Per-session, per-node state an op builds once in prepare(): pre-packed
// weights, chosen kernels. Immutable while the session runs.
struct OpState {
    virtual ~OpState() = default;
};

// What an op may look at when a session is created.
class PrepareContext {
public:
    virtual ~PrepareContext() = default;
    virtual const kernels::KernelTable& kernels() const = 0;
    virtual size_t num_inputs() const = 0;
    virtual bool has_input(size_t i) const = 0;
    // The input's value if it is an initializer (weights), else null.
    virtual const Tensor* constant(size_t i) const = 0;
    virtual int num_threads() const = 0;
};

struct TensorInfo {
    DType dtype = DType::Undefined;
    Shape shape;
    const Tensor* value = nullptr;  // non-null when the value is known
};

class InferContext {
public:
    virtual ~InferContext() = default;
    virtual size_t num_inputs() const = 0;
    virtual bool has_input(size_t i) const = 0;   // present and not omitted ("")
    virtual const TensorInfo& input(size_t i) const = 0;  // requires has_input(i)
    virtual size_t num_outputs() const = 0;
    virtual bool has_output(size_t i) const = 0;
    // Every present output must be set once infer() returns true.
    virtual void set_output(size_t i, DType t, Shape s) = 0;

    // Convenience
    DType dtype(size_t i) const { return input(i).dtype; }
    const Shape& shape(size_t i) const { return input(i).shape; }
    bool has_value(size_t i) const { return has_input(i) && input(i).value != nullptr; }
    const Tensor& value(size_t i) const { return *input(i).value; }
};

class RunContext {
public:
    virtual ~RunContext() = default;
    virtual size_t num_inputs() const = 0;
    virtual bool has_input(size_t i) const = 0;
    virtual const Tensor& input(size_t i) const = 0;
    virtual size_t num_outputs() const = 0;
    virtual bool has_output(size_t i) const = 0;
    // Preallocated at the shape infer() gave. Contents are undefined (not zeroed)
    // unless the op writes every element.
    virtual Tensor& output(size_t i) = 0;

    // Runs fn over [0, n) split into chunks of at least `grain`, on the session's
    // threads. Each index must be written by exactly one chunk, so results do not
    // depend on the thread count.
    virtual void parallel_for(int64_t n, int64_t grain,
                              const std::function<void(int64_t, int64_t)>& fn) const = 0;
    virtual int num_threads() const = 0;
    // The session's kernels (at its ISA level) and this node's prepared state.
    virtual const kernels::KernelTable& kernels() const { return kernels::kernel_table(kernels::Isa::Scalar); }
    virtual const OpState* state() const { return nullptr; }
};

class Op {
public:
    virtual ~Op() = default;
    virtual bool infer(InferContext& ctx) const = 0;
    virtual void run(RunContext& ctx) const = 0;
    // False for ops whose output must not be computed at load time (random ops).
    virtual bool foldable() const { return true; }
    // False when run() reads only the shape and type of input i (Shape, Size), so
    // the node can be folded once shapes are known even if the values are not.
    // run() then sees a tensor of the right shape whose data must not be read.
    virtual bool reads_input_data(size_t i) const { (void)i; return true; }
    // Called once per session before any run: pre-pack weights, pick kernels.
    // run() gets the result back through RunContext::state().
    virtual std::unique_ptr<OpState> prepare(PrepareContext& ctx) const { (void)ctx; return nullptr; }
};

using OpFactory = std::unique_ptr<Op> (*)(const NodeDef& node);

struct OpSchema {
    const char* op_type;
    int since_version;   // lowest ai.onnx opset this factory accepts
    OpFactory factory;
};

class OpRegistry {
public:
    void add(const char* op_type, OpFactory f, int since_version = 1);
    // Null if the op or the opset is not supported.
    OpFactory find(const std::string& op_type, int opset) const;
    bool knows(const std::string& op_type) const;
    std::vector<std::string> op_types() const;  // sorted, unique
    static const OpRegistry& global();

private:
    std::vector<OpSchema> entries_;
};

}  // namespace vireo::rt
