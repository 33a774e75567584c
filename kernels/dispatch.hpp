// vireo — the kernel table: one set of function pointers per ISA level.
//
// Filled once per ISA (std::call_once): scalar entries first, then each family
// overwrites what it has for the ISA. Kernel code for an ISA lives only in files
// named *-avx2.cpp, *-avx512.cpp or *-neon.cpp, which alone are compiled with
// that ISA's flags (see CMakeLists.txt); this header and everything it includes
// is ISA-neutral, so no AVX-512 instruction can leak into baseline code.
#pragma once
#include "kernels/cpu.hpp"
#include "kernels/f32-conv/conv.hpp"
#include "kernels/f32-gemm/gemm.hpp"
#include "kernels/f32-vector/vector.hpp"

namespace vireo::kernels {

struct KernelTable {
    Isa isa = Isa::Scalar;
    GemmKernels gemm;
    ConvKernels conv;
    VectorKernels vector;
};

// The table for `isa`, which must not exceed detected_isa().
const KernelTable& kernel_table(Isa isa);

}  // namespace vireo::kernels
