// vireo — the scalar f32 vector kernels: the generic kernels instantiated with
// a one-lane wrapper. Built with baseline flags; the table starts from these.
// Fused multiply-adds only where the code asks for them (V::fmadd): GCC would
// otherwise contract a*b+c on its own in C++ mode, and kernels documented as
// bitwise equal to the scalar expression (hard_sigmoid, the binary ops) would not be.
#pragma GCC optimize("fp-contract=off")

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/f32-vector/vector.hpp"

namespace vireo::kernels {
namespace {
#include "kernels/f32-vector/simd-scalar.inl"
#include "kernels/f32-vector/vector-generic.inl"
}  // namespace

void init_vector_scalar(VectorKernels& t) { fill_vector_table<ScalarVec>(t); }

}  // namespace vireo::kernels
