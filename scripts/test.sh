#!/usr/bin/env bash
# test.sh - build with warnings as errors and run every test twice: a plain release build, then
# an AddressSanitizer + UndefinedBehaviorSanitizer build (tests in the meson suite 'nosan' -
# valgrind, real-time sanitizer, external hosts - run only in the plain build); then a clang
# build of the fuzz targets that runs suite 'fuzz'; then ARM cross builds (aarch64, armhf) whose
# tests run under qemu-user. Prints each skipped test with its reason, and ends with the line
# "N passed, N failed".
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

# ARM: cross-built with Debian's cross compilers against the multiarch :arm64 / :armhf libraries
# (scripts/arm-packages.txt, which setup.sh installs), the tests run under qemu-user (the meson
# cross files in scripts/cross/ name it as the exe_wrapper). Emulation makes a test 5-20x slower,
# so these builds run what depends on the CPU - the engine (suite nn: kernels, activations,
# denormals), every shipped model against the output stored in it (models_selftest), the
# trainer's library tests, the plugin's shorter scenarios - and leave the long, timing-bound and
# outside-host tests (the same C code) to the x86 builds. Skipped, with the reason, where the
# cross compiler, the libraries or qemu are missing.
arm_missing() { # triplet qemu pkg-config-modules...: prints why the build cannot be made, if so
    local triplet=$1 qemu=$2 m
    shift 2
    command -v "$triplet-gcc" >/dev/null || { echo "$triplet-gcc is not installed"; return; }
    command -v "$qemu" >/dev/null || { echo "$qemu is not installed (qemu-user-static)"; return; }
    command -v "$triplet-pkg-config" >/dev/null || { echo "$triplet-pkg-config is not installed"; return; }
    for m in "$@"; do
        "$triplet-pkg-config" --exists "$m" || { echo "the $triplet library $m is not installed"; return; }
    done
    "$qemu" --version >/dev/null 2>&1 || echo "$qemu does not run here"
}
arm_build_and_test() { # label dir triplet qemu "suites" "test names" "pkg-config modules" -- options
    local label=$1 dir=$2 triplet=$3 qemu=$4 suites=$5 names=$6 modules=$7
    shift 8
    local why
    # shellcheck disable=SC2086
    why=$(arm_missing "$triplet" "$qemu" $modules)
    if [ -n "$why" ]; then
        echo "== $label: SKIPPED: $why (scripts/setup.sh installs scripts/arm-packages.txt)"
        printf '{"name": "%s: all tests", "result": "SKIP", "stdout": "SKIP: %s"}\n' "$label" "$why" \
            >"$dir.skip.json"
        logs+=("$label" "$dir.skip.json")
        return
    fi
    rm -f "$dir.skip.json"
    echo "== $label build ($dir)"
    if ! configure "$dir" -Dwerror=true --cross-file "scripts/cross/$triplet.ini" "$@" ||
        ! ninja -C "$dir"; then
        echo "BUILD FAILED: $label" >&2
        printf '{"name": "%s: build", "result": "FAIL", "stdout": ""}\n' "$label" >"$dir.buildfail.json"
        logs+=("$label" "$dir.buildfail.json")
        return
    fi
    rm -f "$dir.buildfail.json"
    # the named tests that this build has, and every test of the suites
    local all want=() s n
    all=$(meson test -C "$dir" --list 2>/dev/null | grep ' / ')
    for s in $suites; do
        while read -r n; do
            want+=("$n")
        done < <(echo "$all" | grep -E "^[^ ]*[:+]$s(\+[^ ]*)? / " | sed 's|.* / ||')
    done
    for n in $names; do
        echo "$all" | grep -q " / $n\$" && want+=("$n")
    done
    echo "== $label tests under $qemu: ${want[*]}"
    meson test -C "$dir" --num-processes 2 --timeout-multiplier 3 --print-errorlogs "${want[@]}"
    logs+=("$label" "$dir/meson-logs/testlog.json")
}
arm_libs="jansson sndfile samplerate speexdsp openblas fftw3f lv2 lilv-0"
arm_tests="models_selftest gradcheck passes data"
for s in passthrough basic bad_files swap nested latest state restore_live bypass nonfinite knobs; do
    arm_tests+=" plugin_$s"
done
arm_build_and_test aarch64 build-aarch64 aarch64-linux-gnu qemu-aarch64-static nn "$arm_tests" "$arm_libs" \
    -- --buildtype=release
# 32-bit ARM (MOD Duo, Raspberry Pi OS 32-bit): the engine alone (the plugin's and the command's
# code is the same as on aarch64; what differs is the 32-bit size_t, NEON on ARMv7, the FPSCR)
arm_build_and_test armhf build-armhf arm-linux-gnueabihf qemu-arm-static nn "models_selftest" jansson \
    -- --buildtype=release -Dtools=false -Dplugin=false

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
