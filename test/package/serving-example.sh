#!/usr/bin/env bash
# The serving example (examples/serving) against the installed package, in
# both of its builds: with the JIT runtime (mlagen::mlagen), run with and
# without a kernel bundle, and with the thin runtime (mlagen::serve), run
# with the bundle mla-bundle wrote. Neither links an LLVM, MLIR or NVRTC
# library in the thin build: ldd of the program and of libmlagen_serve.so
# says so, and the library's size is printed. Each run's host checks must
# pass, and the GPU part must pass or say why it did not run.
# Usage: serving-example.sh <build dir> <source dir>
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
"$build/bin/mla-bundle" -o "$work/bundle" --preset=deepseek-v2-lite \
  --page-size=16 --max-batch=8 --arch=sm_80,sm_90a

package=(jit "-Dmlagen_DIR=$work/prefix/lib/cmake/mlagen"
         bundle "-Dmlagen_serve_DIR=$work/prefix/lib/cmake/mlagen_serve")
for runtime in jit bundle; do
  [ "$runtime" = jit ] && dir=${package[1]} || dir=${package[3]}
  cmake -S "$source/examples/serving" -B "$work/$runtime" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DSERVE_RUNTIME=$runtime "$dir" \
    > "$work/$runtime-configure.log" || { cat "$work/$runtime-configure.log"; exit 1; }
  cmake --build "$work/$runtime" > "$work/$runtime-build.log" ||
    { cat "$work/$runtime-build.log"; exit 1; }
done

check() { # the output of one run
  grep -q "^host: .*: PASS$" "$1"
  grep -Eq "^GPU: not run|^GPU .*: PASS$" "$1"
}
echo "== JIT build, kernels compiled at run time"
"$work/jit/serve" | tee "$work/jit.log"; check "$work/jit.log"
echo "== JIT build, kernels from the bundle"
"$work/jit/serve" "$work/bundle" | tee "$work/jit-bundle.log"
check "$work/jit-bundle.log"
grep -q "^bundle: sm_90a intact" "$work/jit-bundle.log"
echo "== thin build, kernels from the bundle"
"$work/bundle/serve" "$work/bundle" | tee "$work/thin.log"
check "$work/thin.log"
grep -q "^bundle: sm_80 intact" "$work/thin.log"
# The thin build refuses to run without a bundle, saying why.
if "$work/bundle/serve" > /dev/null 2> "$work/usage.log"; then
  echo "the thin build ran without a bundle" >&2; exit 1
fi
grep -q "usage: serve <bundle directory>" "$work/usage.log"

library=$(ls "$work"/prefix/lib/libmlagen_serve.so)
echo "== $library: $(stat -c %s "$library") bytes"
ldd "$library" | tee "$work/ldd.log"
ldd "$work/bundle/serve" >> "$work/ldd.log"
if grep -Ei "llvm|mlir|nvrtc|libcuda" "$work/ldd.log"; then
  echo "the thin runtime links a compiler library" >&2; exit 1
fi
# Nothing left for the loader to find elsewhere but the C and C++ runtimes.
if nm -D --undefined-only "$library" | grep -v "@GLIBC\|@CXXABI\|@GLIBCXX\|@GCC\| w "; then
  echo "libmlagen_serve.so has unresolved symbols" >&2; exit 1
fi
# The thin package installs only the serving headers.
ls "$work/prefix/include/mlagen_serve/mlagen" | tr '\n' ' ' | tee "$work/headers.log"; echo
[ "$(cat "$work/headers.log")" = "Bundle.h Engine.h Gpu.h LaunchDescription.h LayerConfig.h PageTable.h StorageType.h " ]
echo "serving example: PASS"
