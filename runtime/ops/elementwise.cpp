// vireo — the elementwise op family. The ops live in three files by shape of
// computation; this file only gathers their registrations.
//   elementwise_unary.cpp   math functions, activations, IsNaN/IsInf/Not, Clip
//   elementwise_binary.cpp  arithmetic, Pow, Mod, comparisons, logic, PRelu,
//                           Max/Min/Sum/Mean, Where (broadcast machinery in
//                           kernels/ref/elementwise_broadcast.hpp)
//   elementwise_cast.cpp    Cast, CastLike (conversions in kernels/ref/elementwise_convert.hpp)
#include "runtime/ops/op.hpp"

namespace vireo::rt {

void register_elementwise_unary_ops(OpRegistry& reg);
void register_elementwise_binary_ops(OpRegistry& reg);
void register_elementwise_cast_ops(OpRegistry& reg);

void register_elementwise_ops(OpRegistry& reg) {
    register_elementwise_unary_ops(reg);
    register_elementwise_binary_ops(reg);
    register_elementwise_cast_ops(reg);
}

}  // namespace vireo::rt
