#!/usr/bin/env bash
# Builds the vireo CLI and runs it on a bundled model (ResNet-8 on a CIFAR-sized image).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DVIREO_BUILD_TESTS=OFF
cmake --build build -j"$(nproc)" --target vireo_cli
m=tests/models/ic_resnet8
./build/vireo info $m/model.onnx
./build/vireo run $m/model.onnx --input $m/input_0.npy --output-dir /tmp/vireo-demo
./build/vireo bench $m/model.onnx --runs 50
