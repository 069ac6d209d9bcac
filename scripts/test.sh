#!/bin/bash
# Builds fetchsum (installing packages if needed) and runs every test layer,
# each in its own build directory and each closing with ctest's summary:
#   normal  build/       unit suites and integration tests (RelWithDebInfo)
#   asan    build-asan/  the same tests under ASan+UBSan (gcc); any sanitizer
#                        report of any process fails its test
#   fuzz    build-fuzz/  libFuzzer targets (clang): every seed corpus
#                        replayed, then each target fuzzed for
#                        FETCHSUM_FUZZ_SECONDS (default 25) seconds
# For a quick local run choose layers, e.g. FETCHSUM_TEST_LAYERS=normal or
# "normal fuzz"; CI (CI=true) always runs all three. Arguments go to every
# ctest (e.g. -R journal). Exits non-zero if any layer fails; every layer
# runs even after one failed.
set -euo pipefail
cd "$(dirname "$0")/.."

layers=${FETCHSUM_TEST_LAYERS:-normal asan fuzz}
[[ ${CI:-} == true ]] && layers="normal asan fuzz"
jobs=$(nproc)
failed=()
timings=()

elapsed() {
  local s=$(($(date +%s) - $1))
  printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# run_layer NAME DIR: ctest in DIR, after printing what the layers took.
run_layer() {
  local name=$1 dir=$2
  echo "== test.sh: layer $name${timings:+ (so far: ${timings[*]})}" >&2
  (cd "$dir" && ctest --output-on-failure -j "$jobs" "${ctest_args[@]}") \
    || failed+=("$name")
}
ctest_args=("$@")

setup_start=$(date +%s)
scripts/setup.sh # packages and build/
for layer in $layers; do
  start=$(date +%s)
  [[ $layer == normal ]] && start=$setup_start # its build is setup.sh's
  case $layer in
    normal)
      # setup.sh has built build/ already
      run_layer normal build ;;
    asan)
      echo "== test.sh: building build-asan (ASan+UBSan, gcc)" >&2
      cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DFETCHSUM_SANITIZE=address,undefined >&2
      cmake --build build-asan -j "$jobs" >&2
      run_layer asan build-asan ;;
    fuzz)
      echo "== test.sh: building build-fuzz (libFuzzer, clang)" >&2
      cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DCMAKE_CXX_COMPILER=clang++ -DFETCHSUM_FUZZ=ON \
            -DFETCHSUM_FUZZ_SECONDS="${FETCHSUM_FUZZ_SECONDS:-25}" >&2
      cmake --build build-fuzz -j "$jobs" --target fuzz_targets >&2
      run_layer fuzz build-fuzz ;;
    *)
      echo "test.sh: unknown layer '$layer' (normal, asan, fuzz)" >&2
      exit 2 ;;
  esac
  timings+=("$layer $(elapsed "$start")")
done
if ((${#failed[@]})); then
  echo "test.sh: FAILED layers: ${failed[*]} (${timings[*]})" >&2
  exit 1
fi
