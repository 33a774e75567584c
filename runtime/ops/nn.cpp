#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

void register_nn_ops(OpRegistry& reg) { (void)reg; }

}  // namespace vireo::rt
