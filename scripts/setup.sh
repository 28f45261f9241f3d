#!/usr/bin/env bash
# Set-up on a fresh Debian 12 machine: clang-22 + libomp + Graphviz from apt, then the package
# and its test extras in a virtual environment at .venv. Safe to re-run (skips what is there).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PY=${PYTHON:-python3}

pkgs=()
command -v clang-22 >/dev/null 2>&1 || pkgs+=(clang-22)
[ -e /usr/lib/llvm-22/lib/clang/22/include/omp.h ] || pkgs+=(libomp-22-dev)
command -v dot >/dev/null 2>&1 || pkgs+=(graphviz)
"$PY" -c "import ensurepip, venv" >/dev/null 2>&1 || pkgs+=(python3-venv)
if [ "${#pkgs[@]}" -gt 0 ]; then
  # clang-22 comes from bookworm-security, which Debian 12 enables by default.
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
# The CPU build of torch: an unpinned 'torch' would pull several GB of CUDA packages.
.venv/bin/python -m pip install -q --disable-pip-version-check "torch==2.13.0"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test,plot]"
