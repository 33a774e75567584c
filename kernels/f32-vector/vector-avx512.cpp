// vireo — the AVX-512 f32 vector kernels: the generic kernels instantiated with
// the 16-lane wrapper. Everything but init_vector_avx512 has internal linkage.

// GCC 12 reports the deliberately self-initialized _mm512_undefined_*() inside
// the AVX-512 intrinsics as uninitialized once they are inlined (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// Fused multiply-adds only where the code asks for them (V::fmadd): GCC would
// otherwise contract a*b+c on its own in C++ mode, and kernels documented as
// bitwise equal to the scalar expression (hard_sigmoid, the binary ops) would not be.
#pragma GCC optimize("fp-contract=off")

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/f32-vector/vector.hpp"

namespace vireo::kernels {
namespace {
#include "kernels/f32-vector/transpose8x8-avx.inl"
#include "kernels/f32-vector/simd-avx512.inl"
#include "kernels/f32-vector/vector-generic.inl"
}  // namespace

void init_vector_avx512(VectorKernels& t) { fill_vector_table<Avx512Vec>(t); }

}  // namespace vireo::kernels
