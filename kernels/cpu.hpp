// vireo — CPU feature detection and the VIREO_ISA cap.
#pragma once
#include <string>

namespace vireo::kernels {

enum class Isa { Scalar = 0, Neon = 1, Avx2 = 2, Avx512 = 3 };

const char* isa_name(Isa isa);
// Best ISA this CPU and OS support (cpuid and xgetbv on x86).
Isa detected_isa();
// The ISA to use given a requested cap ("" means VIREO_ISA, else the best).
// A cap above what the machine has is an error naming both.
Isa resolve_isa(const std::string& requested);

}  // namespace vireo::kernels
