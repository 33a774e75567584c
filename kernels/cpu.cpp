#include "kernels/cpu.hpp"

#include <cstdlib>

#include "vireo/error.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace vireo::kernels {

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::Avx512: return "avx512";
        case Isa::Avx2: return "avx2";
        case Isa::Neon: return "neon";
        default: return "scalar";
    }
}

namespace {

#if defined(__x86_64__) || defined(__i386__)
unsigned long long xgetbv0() {
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (static_cast<unsigned long long>(edx) << 32) | eax;
}

Isa detect() {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return Isa::Scalar;
    bool osxsave = c & bit_OSXSAVE, fma = c & bit_FMA, avx = c & bit_AVX;
    if (!osxsave || !avx || !fma) return Isa::Scalar;
    // The OS must save the vector state, or the registers are lost on a context switch.
    unsigned long long xcr0 = xgetbv0();
    bool ymm_os = (xcr0 & 0x6) == 0x6, zmm_os = (xcr0 & 0xe6) == 0xe6;
    if (!ymm_os || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return Isa::Scalar;
    bool avx2 = b & bit_AVX2;
    bool avx512 = (b & bit_AVX512F) && (b & bit_AVX512BW) && (b & bit_AVX512DQ) && (b & bit_AVX512VL);
    if (avx512 && zmm_os && avx2) return Isa::Avx512;
    if (avx2) return Isa::Avx2;
    return Isa::Scalar;
}
#elif defined(__aarch64__)
Isa detect() { return Isa::Neon; }  // Advanced SIMD is mandatory on AArch64
#else
Isa detect() { return Isa::Scalar; }
#endif

}  // namespace

Isa detected_isa() {
    static const Isa isa = detect();
    return isa;
}

Isa resolve_isa(const std::string& requested) {
    std::string cap = requested;
    if (cap.empty())
        if (const char* env = std::getenv("VIREO_ISA")) cap = env;
    Isa best = detected_isa();
    if (cap.empty() || cap == "auto") return best;
    Isa want;
    if (cap == "scalar") want = Isa::Scalar;
    else if (cap == "avx2") want = Isa::Avx2;
    else if (cap == "avx512") want = Isa::Avx512;
    else if (cap == "neon") want = Isa::Neon;
    else fail("unknown ISA '", cap, "' (expected scalar, avx2, avx512 or neon)");
    bool x86 = best == Isa::Avx2 || best == Isa::Avx512 || (best == Isa::Scalar && want != Isa::Neon);
    if (want == Isa::Scalar) return want;
    if (want == Isa::Neon) check(best == Isa::Neon, "ISA neon requested but this CPU has ", isa_name(best));
    else check(x86 && int(want) <= int(best), "ISA ", cap, " requested but this CPU supports only ", isa_name(best));
    return want;
}

}  // namespace vireo::kernels
