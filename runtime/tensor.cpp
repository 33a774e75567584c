#include <cstdlib>
#include <sstream>

#include "vireo/tensor.hpp"

namespace vireo {

std::string shape_str(const Shape& s) {
    std::ostringstream os;
    os << '[';
    for (size_t i = 0; i < s.size(); ++i) os << (i ? "," : "") << s[i];
    os << ']';
    return os.str();
}

int64_t checked_numel(const Shape& s) {
    int64_t n = 1;
    for (int64_t d : s) {
        check(d >= 0, "negative dimension in shape ", shape_str(s));
        check(!__builtin_mul_overflow(n, d, &n), "element count of shape ", shape_str(s), " overflows");
    }
    return n;
}

uint64_t checked_nbytes(DType t, const Shape& s) {
    size_t es = dtype_size(t);
    check(es != 0, "unsupported element type ", dtype_name(t));
    uint64_t n = uint64_t(checked_numel(s)), b = 0;
    check(!__builtin_mul_overflow(n, uint64_t(es), &b), "byte size of shape ", shape_str(s), " overflows");
    return b;
}

Tensor Tensor::zeros(DType t, Shape shape, uint64_t max_bytes) {
    uint64_t bytes = checked_nbytes(t, shape);
    check(bytes <= max_bytes, "tensor of ", dtype_name(t), shape_str(shape), " needs ", bytes,
          " bytes, over the limit of ", max_bytes);
    Tensor r;
    r.dtype_ = t;
    r.numel_ = checked_numel(shape);
    r.shape_ = std::move(shape);
    // 64-byte alignment suits every vector ISA vireo targets.
    size_t alloc = size_t((bytes + 63) / 64 * 64);
    if (alloc == 0) alloc = 64;
    void* p = std::aligned_alloc(64, alloc);
    check(p != nullptr, "out of memory allocating ", bytes, " bytes");
    std::memset(p, 0, alloc);
    r.storage_ = std::shared_ptr<const void>(p, [](const void* q) { std::free(const_cast<void*>(q)); });
    r.data_ = p;
    return r;
}

Tensor Tensor::view(DType t, Shape shape, const void* data, std::shared_ptr<const void> keepalive) {
    Tensor r;
    checked_nbytes(t, shape);
    r.dtype_ = t;
    r.numel_ = checked_numel(shape);
    r.shape_ = std::move(shape);
    r.data_ = data;
    r.storage_ = std::move(keepalive);
    return r;
}

Tensor Tensor::reshaped(Shape shape) const {
    check(checked_numel(shape) == numel_, "cannot reshape ", shape_str(shape_), " to ", shape_str(shape));
    Tensor r = *this;
    r.shape_ = std::move(shape);
    return r;
}

Tensor Tensor::clone() const {
    Tensor r = zeros(dtype_, shape_, ~uint64_t(0));
    if (nbytes()) std::memcpy(r.raw(), data_, nbytes());
    return r;
}

}  // namespace vireo
