// vireo tests — buffers that end exactly at an inaccessible page.
//
// A kernel that reads or writes even one element past the end of its operand
// faults at once (SIGSEGV) instead of silently reading a neighbour's data, as
// MLAS's tests do. A second PROT_NONE page sits before the buffer, so underruns
// past the start of the first page fault too.
//
//   GuardBuffer<float> a(n);        // a.data()[n - 1] is the last byte before the guard
//   a.fill(rng) / std::copy(..., a.data());
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <vector>

namespace vireo::test {

template <class T>
class GuardBuffer {
public:
    explicit GuardBuffer(size_t count) : count_(count) {
        page_ = size_t(sysconf(_SC_PAGESIZE));
        const size_t bytes = count * sizeof(T);
        const size_t body = (bytes + page_ - 1) / page_ * page_;
        mapped_ = page_ + body + page_;
        void* p = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        base_ = static_cast<unsigned char*>(p);
        if (mprotect(base_, page_, PROT_NONE) != 0 || mprotect(base_ + page_ + body, page_, PROT_NONE) != 0) {
            munmap(base_, mapped_);
            throw std::bad_alloc();
        }
        // The data ends where the trailing guard page begins.
        data_ = reinterpret_cast<T*>(base_ + page_ + body - bytes);
    }
    GuardBuffer(size_t count, const T& value) : GuardBuffer(count) {
        for (size_t i = 0; i < count_; ++i) data_[i] = value;
    }
    explicit GuardBuffer(const std::vector<T>& values) : GuardBuffer(values.size()) {
        if (!values.empty()) std::memcpy(data_, values.data(), values.size() * sizeof(T));
    }
    GuardBuffer(const GuardBuffer&) = delete;
    GuardBuffer& operator=(const GuardBuffer&) = delete;
    ~GuardBuffer() { munmap(base_, mapped_); }

    T* data() { return data_; }
    const T* data() const { return data_; }
    size_t size() const { return count_; }
    T& operator[](size_t i) { return data_[i]; }
    const T& operator[](size_t i) const { return data_[i]; }
    std::span<T> span() { return {data_, count_}; }
    std::vector<T> to_vector() const { return std::vector<T>(data_, data_ + count_); }

private:
    size_t count_ = 0, page_ = 0, mapped_ = 0;
    unsigned char* base_ = nullptr;
    T* data_ = nullptr;
};

}  // namespace vireo::test
