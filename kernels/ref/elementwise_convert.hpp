// vireo — reference element conversions: IEEE half and bfloat16 bit patterns,
// and the value conversions Cast (and Pow's integer results) use.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace vireo::ref {

// IEEE binary16 -> binary32; exact for every half value.
inline float half_to_float(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    const uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0x1f)  // inf / NaN: keep the payload
        return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
    if (exponent == 0) {  // zero / subnormal: mantissa * 2^-24
        float v = std::ldexp(float(mantissa), -24);
        return sign ? -v : v;
    }
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));  // rebias 127-15
}

// binary32 -> binary16 rounding to nearest even; overflow goes to infinity, NaN stays NaN.
inline uint16_t float_to_half(float f) {
    const uint32_t bits = std::bit_cast<uint32_t>(f);
    const uint16_t sign = uint16_t((bits >> 16) & 0x8000u);
    uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude >= 0x7f800000u) return sign | (magnitude > 0x7f800000u ? 0x7e00 : 0x7c00);
    if (magnitude >= 0x477ff000u) return sign | 0x7c00;  // >= 65520 rounds past the largest half
    if (magnitude < 0x38800000u) {
        // Below the smallest normal half the result is a subnormal with ulp 2^-24.
        // Adding 0.5f puts the value where a float's ulp is also 2^-24, so the FPU's
        // own round-to-nearest-even does the rounding; the low bits are the half.
        float shifted = std::bit_cast<float>(magnitude) + 0.5f;
        return sign | uint16_t(std::bit_cast<uint32_t>(shifted) - 0x3f000000u);
    }
    // Normal: rebias the exponent (subtract 112 << 23) and round the 13 dropped
    // mantissa bits to nearest, ties to the even result.
    const uint32_t odd = (magnitude >> 13) & 1u;
    magnitude += 0xc8000fffu + odd;
    return sign | uint16_t(magnitude >> 13);
}

// bfloat16 is the top half of a binary32.
inline float bfloat16_to_float(uint16_t h) { return std::bit_cast<float>(uint32_t(h) << 16); }

// binary32 -> bfloat16 by truncation, which is what the ONNX reference (and its
// backend test data for opsets up to 17) does; NaN is kept a quiet NaN rather
// than being truncated into an infinity.
inline uint16_t float_to_bfloat16(float f) {
    const uint32_t bits = std::bit_cast<uint32_t>(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return uint16_t((bits >> 16) | 0x40u);
    return uint16_t(bits >> 16);
}

// Float -> integer with every input defined: truncation toward zero (ONNX/C),
// NaN -> 0, and out-of-range values saturate to the type's limits instead of
// being undefined behaviour.
template <class I, class F>
inline I float_to_int(F x) {
    static_assert(std::is_integral_v<I> && std::is_floating_point_v<F>);
    // Both bounds are powers of two, so they are exact in any float type:
    // [lowest, 2^digits) is the range that truncates into I.
    constexpr F lowest = F(std::numeric_limits<I>::lowest());
    constexpr F upper_exclusive = F(2) * F(uint64_t(1) << (std::numeric_limits<I>::digits - 1));
    if (x != x) return I(0);
    if (x < lowest) return std::numeric_limits<I>::lowest();
    if (x >= upper_exclusive) return std::numeric_limits<I>::max();
    return I(x);
}

// Value conversion between storage types, as ONNX Cast defines it for the
// numeric types: integers wrap (two's complement), floats truncate into
// integers, anything nonzero (NaN included) is true. `To` = bool writes 0/1.
template <class To, class From>
inline To convert_value(From x) {
    if constexpr (std::is_same_v<To, From>) {
        return x;
    } else if constexpr (std::is_same_v<To, bool>) {
        return x != From(0);
    } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
        return float_to_int<To>(x);
    } else {
        return static_cast<To>(x);  // int<->int wraps (C++20), int->float rounds, float<->float rounds
    }
}

}  // namespace vireo::ref
