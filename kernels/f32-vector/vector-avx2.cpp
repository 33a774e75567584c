// vireo — the AVX2 + FMA f32 vector kernels: the generic kernels instantiated
// with the 8-lane wrapper. Everything but init_vector_avx2 has internal linkage.

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
#include "kernels/f32-vector/simd-avx2.inl"
#include "kernels/f32-vector/vector-generic.inl"
}  // namespace

void init_vector_avx2(VectorKernels& t) { fill_vector_table<Avx2Vec>(t); }

}  // namespace vireo::kernels
