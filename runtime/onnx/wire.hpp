// vireo — a bounds-checked reader for the protobuf wire format.
//
// Only what ONNX needs: varints, fixed32/64 and length-delimited fields.
// Every read is checked against the end of the enclosing message, so a
// truncated or hostile file yields a vireo::Error, never an out-of-range read.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "vireo/error.hpp"

namespace vireo::rt::wire {

enum WireType : uint32_t { Varint = 0, Fixed64 = 1, LengthDelimited = 2, StartGroup = 3, EndGroup = 4, Fixed32 = 5 };

// Nested messages deeper than this are refused rather than recursed into.
inline constexpr int kMaxDepth = 64;

class Reader {
public:
    Reader(const uint8_t* begin, const uint8_t* end, const uint8_t* file_base, int depth = 0)
        : p_(begin), end_(end), base_(file_base), depth_(depth) {
        if (depth_ > kMaxDepth) fail("ONNX: messages nested deeper than ", kMaxDepth, " levels");
    }

    bool done() const { return p_ >= end_; }
    size_t offset() const { return size_t(p_ - base_); }

    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p_ >= end_) fail("ONNX: truncated varint at byte ", offset());
            uint8_t b = *p_++;
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        fail("ONNX: malformed varint (more than 10 bytes) at byte ", offset());
    }

    // Returns false at end of message. Field number 0 is invalid in protobuf.
    bool next(uint32_t& field, WireType& type) {
        if (done()) return false;
        size_t at = offset();
        uint64_t key = varint();
        field = uint32_t(key >> 3);
        type = WireType(key & 7);
        if (field == 0 || (key >> 3) > 0x1fffffff) fail("ONNX: invalid field number at byte ", at);
        if (type == StartGroup || type == EndGroup || type > Fixed32)
            fail("ONNX: unsupported wire type ", uint32_t(type), " at byte ", at);
        return true;
    }

    uint32_t fixed32() {
        need(4);
        uint32_t v;
        std::memcpy(&v, p_, 4);
        p_ += 4;
        return v;
    }
    uint64_t fixed64() {
        need(8);
        uint64_t v;
        std::memcpy(&v, p_, 8);
        p_ += 8;
        return v;
    }

    // Length-delimited payload as a byte range inside the current message.
    std::string_view bytes() {
        uint64_t n = varint();
        if (n > uint64_t(end_ - p_)) fail("ONNX: field length ", n, " runs past the end of its message at byte ", offset());
        std::string_view s(reinterpret_cast<const char*>(p_), size_t(n));
        p_ += n;
        return s;
    }
    std::string string() { return std::string(bytes()); }

    // A reader over a nested message, one level deeper.
    Reader message() {
        std::string_view s = bytes();
        auto b = reinterpret_cast<const uint8_t*>(s.data());
        return Reader(b, b + s.size(), base_, depth_ + 1);
    }

    void skip(WireType t) {
        switch (t) {
            case Varint: varint(); break;
            case Fixed64: need(8); p_ += 8; break;
            case Fixed32: need(4); p_ += 4; break;
            case LengthDelimited: bytes(); break;
            default: fail("ONNX: unsupported wire type ", uint32_t(t));
        }
    }

    int64_t int64_value(WireType t) {
        expect(t, Varint);
        return int64_t(varint());
    }
    float float_value(WireType t) {
        expect(t, Fixed32);
        uint32_t u = fixed32();
        float f;
        std::memcpy(&f, &u, 4);
        return f;
    }

    // Repeated numeric field, packed or not. Calls emit(value) per element;
    // Decode turns the raw varint/fixed bits into the element type.
    template <class Emit>
    void repeated_varint(WireType t, Emit&& emit) {
        if (t == LengthDelimited) {
            Reader r = message_no_depth();
            while (!r.done()) emit(r.varint());
        } else {
            expect(t, Varint);
            emit(varint());
        }
    }
    template <class Emit>
    void repeated_fixed32(WireType t, Emit&& emit) {
        if (t == LengthDelimited) {
            Reader r = message_no_depth();
            if ((r.end_ - r.p_) % 4) fail("ONNX: packed fixed32 field length is not a multiple of 4");
            while (!r.done()) emit(r.fixed32());
        } else {
            expect(t, Fixed32);
            emit(fixed32());
        }
    }
    template <class Emit>
    void repeated_fixed64(WireType t, Emit&& emit) {
        if (t == LengthDelimited) {
            Reader r = message_no_depth();
            if ((r.end_ - r.p_) % 8) fail("ONNX: packed fixed64 field length is not a multiple of 8");
            while (!r.done()) emit(r.fixed64());
        } else {
            expect(t, Fixed64);
            emit(fixed64());
        }
    }
    // Upper bound on the element count of a packed field, to reserve without
    // trusting anything but the bytes present.
    size_t remaining() const { return size_t(end_ - p_); }

    void expect(WireType got, WireType want) const {
        if (got != want) fail("ONNX: field has wire type ", uint32_t(got), ", expected ", uint32_t(want), " at byte ", offset());
    }

private:
    void need(size_t n) const {
        if (size_t(end_ - p_) < n) fail("ONNX: truncated field at byte ", offset());
    }
    Reader message_no_depth() {
        std::string_view s = bytes();
        auto b = reinterpret_cast<const uint8_t*>(s.data());
        return Reader(b, b + s.size(), base_, depth_);
    }

    const uint8_t* p_;
    const uint8_t* end_;
    const uint8_t* base_;
    int depth_;
};

}  // namespace vireo::rt::wire
