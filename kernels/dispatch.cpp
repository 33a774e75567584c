#include "kernels/dispatch.hpp"

#include <mutex>

#include "vireo/error.hpp"

namespace vireo::kernels {

namespace {

KernelTable build(Isa isa) {
    KernelTable t;
    t.isa = isa;
    init_gemm_scalar(t.gemm);
    init_conv_scalar(t.conv);
    init_vector_scalar(t.vector);
#if defined(__x86_64__)
    if (isa == Isa::Avx2 || isa == Isa::Avx512) {
        init_gemm_avx2(t.gemm);
        init_conv_avx2(t.conv);
        init_vector_avx2(t.vector);
    }
    if (isa == Isa::Avx512) {
        init_gemm_avx512(t.gemm);
        init_conv_avx512(t.conv);
        init_vector_avx512(t.vector);
    }
#elif defined(__aarch64__)
    if (isa == Isa::Neon) {
        init_gemm_neon(t.gemm);
        init_conv_neon(t.conv);
        init_vector_neon(t.vector);
    }
#endif
    return t;
}

}  // namespace

const KernelTable& kernel_table(Isa isa) {
    static KernelTable tables[4];
    static std::once_flag once[4];
    int i = int(isa);
    check(i >= 0 && i < 4, "invalid ISA");
    check(int(isa) <= int(detected_isa()) || isa == Isa::Scalar, "ISA ", isa_name(isa), " is not available on this CPU");
    std::call_once(once[i], [&] { tables[i] = build(isa); });
    return tables[i];
}

}  // namespace vireo::kernels
