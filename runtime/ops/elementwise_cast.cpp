// vireo — Cast and CastLike.
//
// Conversions follow ONNX (and numpy): integers wrap, floats truncate toward
// zero into integers (NaN -> 0 and out-of-range values saturate rather than
// being undefined), any nonzero value (NaN included) becomes true, float16
// rounds to nearest even and bfloat16 truncates (as the ONNX reference does).
// Cast before opset 6 names the target type with a string ("FLOAT", "INT64",
// ...); later opsets use the TensorProto enum.
#include <cctype>
#include <cstring>
#include <string>

#include "kernels/ref/elementwise_convert.hpp"
#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

namespace {

constexpr int64_t kElementGrain = 1 << 14;

// How one element type is loaded from and stored to its tensor storage, and
// which C++ type carries its value in between.
template <class T>
struct PlainElement {
    using storage = T;
    using value = T;
    static T load(T x) { return x; }
    static T store(T v) { return v; }
};
struct BoolElement {
    using storage = uint8_t;
    using value = bool;
    static bool load(uint8_t x) { return x != 0; }
    static uint8_t store(bool v) { return v ? 1 : 0; }
};
struct HalfElement {
    using storage = uint16_t;
    using value = float;
    static float load(uint16_t x) { return ref::half_to_float(x); }
    static uint16_t store(float v) { return ref::float_to_half(v); }
};
struct BFloat16Element {
    using storage = uint16_t;
    using value = float;
    static float load(uint16_t x) { return ref::bfloat16_to_float(x); }
    static uint16_t store(float v) { return ref::float_to_bfloat16(v); }
};

bool castable(DType t) {
    switch (t) {
        case DType::Float32: case DType::Float64: case DType::Float16: case DType::BFloat16:
        case DType::Int8: case DType::Int16: case DType::Int32: case DType::Int64:
        case DType::UInt8: case DType::UInt16: case DType::UInt32: case DType::UInt64:
        case DType::Bool:
            return true;
        default:
            return false;
    }
}

template <class F>
void dispatch_element(DType t, const char* op, F&& f) {
    switch (t) {
        case DType::Float32: return f(PlainElement<float>{});
        case DType::Float64: return f(PlainElement<double>{});
        case DType::Int8: return f(PlainElement<int8_t>{});
        case DType::Int16: return f(PlainElement<int16_t>{});
        case DType::Int32: return f(PlainElement<int32_t>{});
        case DType::Int64: return f(PlainElement<int64_t>{});
        case DType::UInt8: return f(PlainElement<uint8_t>{});
        case DType::UInt16: return f(PlainElement<uint16_t>{});
        case DType::UInt32: return f(PlainElement<uint32_t>{});
        case DType::UInt64: return f(PlainElement<uint64_t>{});
        case DType::Bool: return f(BoolElement{});
        case DType::Float16: return f(HalfElement{});
        case DType::BFloat16: return f(BFloat16Element{});
        default: fail(op, ": unsupported element type ", dtype_name(t));
    }
}

void check_castable(DType t, const char* op, const char* what) {
    check(castable(t), op, ": ", what, " type ", dtype_name(t), " is not supported",
          t == DType::String ? " (string tensors are not supported)" : "");
}

void cast_tensor(const RunContext& ctx, const Tensor& in, Tensor& out, const char* op) {
    if (in.numel() == 0) return;
    if (in.dtype() == out.dtype()) {
        std::memcpy(out.raw(), in.raw(), in.nbytes());
        return;
    }
    dispatch_element(in.dtype(), op, [&](auto from) {
        using From = decltype(from);
        dispatch_element(out.dtype(), op, [&](auto to) {
            using To = decltype(to);
            const auto* src = in.data<typename From::storage>();
            auto* dst = out.data<typename To::storage>();
            ctx.parallel_for(in.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i)
                    dst[i] = To::store(ref::convert_value<typename To::value>(From::load(src[i])));
            });
        });
    });
}

// The `to` attribute: a TensorProto.DataType enum, or (Cast-1) its name.
DType parse_target(const NodeDef& n) {
    const Attribute* a = n.find("to");
    check(a != nullptr, "Cast: required attribute 'to' is missing");
    if (a->type == AttrType::Int) return DType(int32_t(a->i));
    check(a->type == AttrType::String, "Cast: attribute 'to' must be an INT (or a STRING before opset 6)");
    std::string name = a->s;
    for (char& c : name) c = char(std::toupper(static_cast<unsigned char>(c)));
    static constexpr struct { const char* name; DType type; } kNames[] = {
        {"FLOAT", DType::Float32}, {"DOUBLE", DType::Float64}, {"FLOAT16", DType::Float16},
        {"BFLOAT16", DType::BFloat16}, {"INT8", DType::Int8}, {"INT16", DType::Int16},
        {"INT32", DType::Int32}, {"INT64", DType::Int64}, {"UINT8", DType::UInt8},
        {"UINT16", DType::UInt16}, {"UINT32", DType::UInt32}, {"UINT64", DType::UInt64},
        {"BOOL", DType::Bool}, {"STRING", DType::String},
    };
    for (const auto& entry : kNames)
        if (name == entry.name) return entry.type;
    fail("Cast: unknown target type name '", a->s, "'");
}

class CastOp final : public Op {
public:
    explicit CastOp(const NodeDef& n) : to_(parse_target(n)) {
        check(n.num_inputs() == 1 && n.has_input(0), "Cast: expects exactly 1 input, got ", n.num_inputs());
        check(n.num_outputs() >= 1, "Cast: expects 1 output");
        check_castable(to_, "Cast", "target");
    }

    bool infer(InferContext& ctx) const override {
        check_castable(ctx.dtype(0), "Cast", "input");
        ctx.set_output(0, to_, ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override { cast_tensor(ctx, ctx.input(0), ctx.output(0), "Cast"); }

private:
    DType to_;
};

// Casts input 0 to the element type of input 1; input 1's values are unused.
class CastLikeOp final : public Op {
public:
    explicit CastLikeOp(const NodeDef& n) {
        check(n.num_inputs() == 2 && n.has_input(0) && n.has_input(1),
              "CastLike: expects exactly 2 inputs (input, target_type), got ", n.num_inputs());
        check(n.num_outputs() >= 1, "CastLike: expects 1 output");
    }

    bool infer(InferContext& ctx) const override {
        check_castable(ctx.dtype(0), "CastLike", "input");
        check_castable(ctx.dtype(1), "CastLike", "target");
        ctx.set_output(0, ctx.dtype(1), ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override { cast_tensor(ctx, ctx.input(0), ctx.output(0), "CastLike"); }

    // target_type contributes only its element type, so it need not be computed.
    bool reads_input_data(size_t i) const override { return i == 0; }
};

template <class OpT>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<OpT>(n);
}

}  // namespace

void register_elementwise_cast_ops(OpRegistry& reg) {
    reg.add("Cast", &make<CastOp>);
    reg.add("CastLike", &make<CastLikeOp>, 15);
}

}  // namespace vireo::rt
