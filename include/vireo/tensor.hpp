// vireo — element types and the Tensor value type of the public API.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "vireo/error.hpp"

namespace vireo {

// Values match ONNX TensorProto.DataType so the loader can cast directly.
enum class DType : int32_t {
    Undefined = 0,
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Float64 = 11,
    UInt32 = 12,
    UInt64 = 13,
    BFloat16 = 16,
};

// Bytes per element; 0 for types vireo cannot hold (String, Undefined, unknown).
constexpr size_t dtype_size(DType t) {
    switch (t) {
        case DType::Float32: case DType::Int32: case DType::UInt32: return 4;
        case DType::UInt8: case DType::Int8: case DType::Bool: return 1;
        case DType::UInt16: case DType::Int16: case DType::Float16: case DType::BFloat16: return 2;
        case DType::Int64: case DType::Float64: case DType::UInt64: return 8;
        default: return 0;
    }
}

inline const char* dtype_name(DType t) {
    switch (t) {
        case DType::Float32: return "float32";
        case DType::UInt8: return "uint8";
        case DType::Int8: return "int8";
        case DType::UInt16: return "uint16";
        case DType::Int16: return "int16";
        case DType::Int32: return "int32";
        case DType::Int64: return "int64";
        case DType::String: return "string";
        case DType::Bool: return "bool";
        case DType::Float16: return "float16";
        case DType::Float64: return "float64";
        case DType::UInt32: return "uint32";
        case DType::UInt64: return "uint64";
        case DType::BFloat16: return "bfloat16";
        default: return "undefined";
    }
}

// Bool is stored as one byte holding 0 or 1, as ONNX and numpy do.
template <class T> struct dtype_of_t;
template <> struct dtype_of_t<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of_t<double> { static constexpr DType value = DType::Float64; };
template <> struct dtype_of_t<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of_t<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of_t<int16_t> { static constexpr DType value = DType::Int16; };
template <> struct dtype_of_t<int8_t> { static constexpr DType value = DType::Int8; };
template <> struct dtype_of_t<uint64_t> { static constexpr DType value = DType::UInt64; };
template <> struct dtype_of_t<uint32_t> { static constexpr DType value = DType::UInt32; };
template <> struct dtype_of_t<uint16_t> { static constexpr DType value = DType::UInt16; };
template <> struct dtype_of_t<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of_t<bool> { static constexpr DType value = DType::Bool; };
template <class T> constexpr DType dtype_of = dtype_of_t<T>::value;

using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& s);  // "[1,3,224,224]"

// Largest single tensor the engine will allocate unless Options raise it.
// Keeps a hostile shape from asking the allocator for terabytes.
inline constexpr uint64_t kDefaultMaxTensorBytes = uint64_t(4) << 30;

// Overflow-checked element count; throws vireo::Error on negative dims or overflow.
int64_t checked_numel(const Shape& s);
// Overflow-checked byte size of a tensor of this type and shape.
uint64_t checked_nbytes(DType t, const Shape& s);

// A typed n-dimensional array. Copies share storage (like a shared_ptr);
// use clone() for a deep copy. Storage may be owned, borrowed from a memory
// mapping (zero-copy initializers), or a slot in a session's arena.
class Tensor {
public:
    Tensor() = default;

    // Zero-filled owned tensor. Throws if the size overflows or exceeds max_bytes.
    static Tensor zeros(DType t, Shape shape, uint64_t max_bytes = kDefaultMaxTensorBytes);
    // Non-owning view; keepalive (may be null) is held for the view's lifetime.
    static Tensor view(DType t, Shape shape, const void* data, std::shared_ptr<const void> keepalive = {});

    template <class T>
    static Tensor from_vector(Shape shape, const std::vector<T>& v) {
        Tensor r = zeros(dtype_of<T>, std::move(shape));
        check(size_t(r.numel()) == v.size(), "Tensor::from_vector: ", v.size(), " values for shape ",
              shape_str(r.shape()));
        if constexpr (std::is_same_v<T, bool>) {
            for (size_t i = 0; i < v.size(); ++i) r.data<uint8_t>()[i] = v[i] ? 1 : 0;
        } else if (!v.empty()) {
            std::memcpy(r.raw(), v.data(), v.size() * sizeof(T));
        }
        return r;
    }
    template <class T>
    static Tensor scalar(T v) { return from_vector<T>({}, std::vector<T>{v}); }

    bool defined() const { return dtype_ != DType::Undefined; }
    DType dtype() const { return dtype_; }
    const Shape& shape() const { return shape_; }
    size_t rank() const { return shape_.size(); }
    int64_t dim(size_t i) const { return shape_[i]; }
    int64_t numel() const { return numel_; }
    size_t nbytes() const { return size_t(numel_) * dtype_size(dtype_); }

    const void* raw() const { return data_; }
    void* raw() { return const_cast<void*>(data_); }
    // Typed access. T must be the storage type (uint8_t for Bool, uint16_t for Float16).
    template <class T> T* data() { return static_cast<T*>(raw()); }
    template <class T> const T* data() const { return static_cast<const T*>(data_); }

    // Same storage, new shape of equal element count.
    Tensor reshaped(Shape shape) const;
    // Deep copy into owned storage.
    Tensor clone() const;

private:
    DType dtype_ = DType::Undefined;
    Shape shape_;
    int64_t numel_ = 0;
    const void* data_ = nullptr;
    std::shared_ptr<const void> storage_;
};

}  // namespace vireo
