#!/usr/bin/env bash
# Builds vireo (Release) and runs the whole test suite once per ISA level this
# machine supports (VIREO_ISA=scalar, avx2, avx512; neon on arm64).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh --test
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
best=$(./build/vireo info tests/models/ic_resnet8/model.onnx | sed -n 's/^isa: //p')
case "$best" in
  avx512) levels="scalar avx2 avx512" ;;
  avx2) levels="scalar avx2" ;;
  neon) levels="scalar neon" ;;
  *) levels="scalar" ;;
esac
for isa in $levels; do
  echo "=== tests at VIREO_ISA=$isa ==="
  VIREO_ISA=$isa ctest --test-dir build --output-on-failure -j"$(nproc)"
done
