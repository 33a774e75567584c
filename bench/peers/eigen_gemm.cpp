// vireo bench — Eigen's GEMM as a peer, built once per ISA into its own module
// (libvireo_eigen_peer_<isa>.so; CMakeLists.txt gives each that ISA's -m flags).
//
// Eigen is header-only templates, so a copy compiled with -mavx512f must never
// be linked next to a baseline copy: the linker would keep one of the merged
// instantiations for both. As a module with hidden symbols, bound locally
// (-Bsymbolic), each copy only ever calls itself, and eigen_bench.cpp dlopens
// a module only on a CPU that has its ISA.
#include <Eigen/Core>

#define VIREO_PEER_EXPORT extern "C" __attribute__((visibility("default")))

// C[m×n] = A[m×k]·B[k×n], all row-major and densely packed (ONNX MatMul layout).
VIREO_PEER_EXPORT void vireo_eigen_sgemm(long m, long n, long k, const float* a, const float* b, float* c) {
    using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Eigen::Map<const RowMajorMatrix> lhs(a, m, k), rhs(b, k, n);
    Eigen::Map<RowMajorMatrix> out(c, m, n);
    out.noalias() = lhs * rhs;
}

// Eigen parallelises only under OpenMP, which the module is not built with;
// setting one thread keeps it single-threaded even if that ever changes.
VIREO_PEER_EXPORT void vireo_eigen_single_thread() { Eigen::setNbThreads(1); }

// What Eigen itself says it vectorised with, to check the module's flags took.
VIREO_PEER_EXPORT const char* vireo_eigen_simd() { return Eigen::SimdInstructionSetsInUse(); }
