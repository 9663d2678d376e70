#!/usr/bin/env bash
# Builds cuda/build/libmatcher.so and runs the C smoke test.
#
#   bash cuda/build.sh                          CUDA + CPU backends when nvcc exists, else CPU only
#   MATCHER_CPU_ONLY=1 bash cuda/build.sh       CPU backend only, with the host C++ compiler
#   MATCHER_CUDA_CHECK_ONLY=1 bash cuda/build.sh   compile the CUDA sources only (CI without a GPU)
#
# Environment: CUDA_ARCH (default sm_90), NVCC (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc),
# CXX (default g++), CC (default gcc), MATCHER_SKIP_SMOKE=1 to skip running the smoke test.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/src"
out="$here/build"
mkdir -p "$out/obj"

CXX="${CXX:-g++}"
CC="${CC:-gcc}"
CUDA_ARCH="${CUDA_ARCH:-sm_90}"
NVCC="${NVCC:-}"
if [[ -z "$NVCC" ]]; then
  if command -v nvcc >/dev/null 2>&1; then
    NVCC="$(command -v nvcc)"
  elif [[ -x /usr/local/cuda/bin/nvcc ]]; then
    NVCC=/usr/local/cuda/bin/nvcc
  fi
fi

warn="-Wall -Wextra"
# -ffp-contract=off: no fused multiply-adds, so doubles round as in TypeScript (prescore.cpp).
cxxflags="-std=c++17 -O3 -ffp-contract=off -fPIC -fvisibility=hidden -fvisibility-inlines-hidden $warn"
# -fmad=false: no multiply-add contraction anywhere (the similarity also spells out its roundings).
nvccflags="-std=c++17 -O3 -arch=$CUDA_ARCH -fmad=false -Xcompiler=-fPIC,-fvisibility=hidden,-Wall"

compile_cuda() {
  echo "libmatcher: nvcc ($("$NVCC" --version | tail -1)) -arch=$CUDA_ARCH: cuda_backend.cu"
  # shellcheck disable=SC2086
  "$NVCC" $nvccflags -DMATCHER_WITH_CUDA -c "$src/cuda_backend.cu" -o "$out/obj/cuda_backend.o"
}

if [[ "${MATCHER_CUDA_CHECK_ONLY:-0}" == "1" ]]; then
  [[ -n "$NVCC" ]] || { echo "libmatcher: MATCHER_CUDA_CHECK_ONLY=1 but no nvcc found" >&2; exit 1; }
  compile_cuda
  echo "libmatcher: CUDA sources compile"
  exit 0
fi

with_cuda=0
if [[ "${MATCHER_CPU_ONLY:-0}" != "1" && -n "$NVCC" ]]; then with_cuda=1; fi

lib="$out/libmatcher.so"
if [[ "$with_cuda" == "1" ]]; then
  compile_cuda
  cuda_home="$(cd "$(dirname "$NVCC")/.." && pwd)"
  for f in matcher cpu_backend prescore; do
    # shellcheck disable=SC2086
    "$CXX" $cxxflags -DMATCHER_WITH_CUDA -I"$cuda_home/include" -c "$src/$f.cpp" -o "$out/obj/$f.o"
  done
  # shellcheck disable=SC2086
  "$NVCC" -shared -arch=$CUDA_ARCH -cudart static -o "$lib.tmp" \
    "$out/obj/matcher.o" "$out/obj/cpu_backend.o" "$out/obj/prescore.o" "$out/obj/cuda_backend.o" \
    -Xlinker --version-script="$src/exports.map" -Xlinker -z,defs -lpthread -ldl -lrt
  echo "libmatcher: built with CUDA ($CUDA_ARCH) and CPU backends"
else
  [[ "${MATCHER_CPU_ONLY:-0}" == "1" ]] || echo "libmatcher: no nvcc found, building the CPU backend only"
  for f in matcher cpu_backend prescore; do
    # shellcheck disable=SC2086
    "$CXX" $cxxflags -c "$src/$f.cpp" -o "$out/obj/$f.o"
  done
  # shellcheck disable=SC2086
  "$CXX" -shared -o "$lib.tmp" "$out/obj/matcher.o" "$out/obj/cpu_backend.o" "$out/obj/prescore.o" \
    -Wl,--version-script="$src/exports.map" -Wl,-z,defs -lpthread
  echo "libmatcher: built with the CPU backend only"
fi
mv -f "$lib.tmp" "$lib"

# Only matcher_* may be exported.
if command -v nm >/dev/null 2>&1; then
  stray="$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^matcher_' || true)"
  if [[ -n "$stray" ]]; then
    echo "libmatcher: unexpected exported symbols:" >&2
    echo "$stray" >&2
    exit 1
  fi
fi

if [[ "${MATCHER_SKIP_SMOKE:-0}" != "1" ]]; then
  "$CC" -std=c11 -O2 -Wall -Wextra -Werror -I"$here/include" "$here/tests/smoke.c" -o "$out/smoke" \
    -L"$out" -lmatcher -Wl,-rpath,"$out"
  "$out/smoke"
fi
echo "libmatcher: $lib"
