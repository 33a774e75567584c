#!/usr/bin/env bash
# Installs vireo's build and test dependencies from Debian 12 packages.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS=(cmake g++ make libeigen3-dev libtbb-dev libgtest-dev libbenchmark-dev)
[ "${1:-}" = "--test" ] && PKGS+=(libonnx-testdata python3 python3-onnx python3-numpy)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
