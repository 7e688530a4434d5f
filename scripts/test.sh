#!/usr/bin/env bash
# test.sh - build with warnings as errors and run every test twice: a plain release build, then
# an AddressSanitizer + UndefinedBehaviorSanitizer build (tests in the meson suite 'nosan' -
# valgrind, real-time sanitizer, external hosts - run only in the plain build); then a clang
# build of the fuzz targets that runs suite 'fuzz'. Prints each skipped test with its reason,
# and ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

configure() { # dir, options...
    local dir=$1
    shift
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$@" >/dev/null
    else
        rm -rf "$dir"
        meson setup "$dir" "$@" >/dev/null
    fi
}

logs=()
build_and_test() { # label, dir, meson test args, -- configure options
    local label=$1 dir=$2
    shift 2
    local targs=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do targs+=("$1"); shift; done
    shift
    echo "== $label build ($dir)"
    if ! configure "$dir" -Dwerror=true "$@" || ! ninja -C "$dir"; then
        echo "BUILD FAILED: $label" >&2
        printf '{"name": "%s: build", "result": "FAIL", "stdout": ""}\n' "$label" >"$dir.buildfail.json"
        logs+=("$label" "$dir.buildfail.json")
        return
    fi
    rm -f "$dir.buildfail.json"
    echo "== $label tests"
    meson test -C "$dir" --num-processes 2 --print-errorlogs "${targs[@]}"
    logs+=("$label" "$dir/meson-logs/testlog.json")
}

build_and_test plain build-test -- --buildtype=release
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
build_and_test sanitizers build-asan --no-suite nosan -- --buildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false
# The fuzz targets (tests/fuzz/README.md): clang-19 and libFuzzer, the library code instrumented
# too; only suite 'fuzz' - the committed inputs replayed, then a short run of each target.
CC=clang-19 build_and_test fuzz build-fuzz --suite fuzz -- --buildtype=debugoptimized -Dfuzz=true \
    -Dplugin=false -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link

python3 - "${logs[@]}" <<'PY'
import json, sys
args = sys.argv[1:]
passed = failed = skipped = 0
for label, path in zip(args[0::2], args[1::2]):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        print(f"{label}: no test log ({path})"); failed += 1; continue
    for line in lines:
        t = json.loads(line)
        r = t.get("result")
        if r == "OK":
            passed += 1
        elif r == "SKIP":
            skipped += 1
            why = [l for l in (t.get("stdout") or "").splitlines() if l.startswith("SKIP")]
            print(f"skipped ({label}): {t['name']}: {why[-1] if why else 'no reason printed'}")
        else:
            failed += 1
            print(f"FAILED ({label}): {t['name']}: {r}")
print(f"{skipped} skipped (not counted as passed)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
