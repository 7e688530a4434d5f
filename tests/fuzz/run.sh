#!/usr/bin/env bash
# run.sh - the meson tests of tests/fuzz (see meson.build there):
#
#   run.sh replay EXE FUZZ_DIR TARGET
#       runs every input of FUZZ_DIR/corpus/TARGET and FUZZ_DIR/regressions/TARGET once, each
#       named in the log; EXE is a libFuzzer program or the same target built with
#       replay_main.c. Fails on the first crash, leak, sanitizer report or broken contract.
#   run.sh fuzz EXE FUZZ_DIR TARGET SECONDS MAX_LEN
#       fuzzes for SECONDS from those inputs (libFuzzer only), seed RNNFX_FUZZ_SEED (default
#       1, so that a run can be repeated), new inputs going to a temporary folder. A crashing
#       input is kept in the build folder (fuzz-artifacts/), and the log says where.
set -uo pipefail

mode=$1 exe=$2 dir=$3 target=$4
# The sanitizers stop at the first report, with a stack trace (scripts/test.sh sets the same).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# Leaks inside third-party libraries that we cannot free (each one explained in the file).
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$dir/lsan.supp:print_suppressions=0

# OpenBLAS's own thread pool only spins beside the trainer's threads (it calls sgemm on one).
export OPENBLAS_NUM_THREADS=1

seeds=()
for d in "$dir/corpus/$target" "$dir/regressions/$target"; do
    [ -d "$d" ] && seeds+=("$d")
done
if [ ${#seeds[@]} -eq 0 ]; then
    echo "no corpus for $target in $dir"
    exit 1
fi

case $mode in
replay)
    mapfile -t inputs < <(find "${seeds[@]}" -type f | LC_ALL=C sort)
    echo "replaying ${#inputs[@]} inputs of $target"
    # libFuzzer runs files given by name once each; replay_main.c does the same.
    "$exe" -error_exitcode=1 -timeout=60 "${inputs[@]}"
    rc=$?
    ;;
fuzz)
    seconds=$5 max_len=$6
    work=$(mktemp -d "${TMPDIR:-/tmp}/rnnfx-$target.XXXXXX") || exit 1
    trap 'rm -rf "$work"' EXIT
    artifacts="$PWD/fuzz-artifacts"
    mkdir -p "$artifacts"
    seed=${RNNFX_FUZZ_SEED:-1}
    dict=()
    [ -f "$dir/$target.dict" ] && dict=(-dict="$dir/$target.dict")
    echo "fuzzing $target for $seconds s, seed $seed; crashing inputs go to $artifacts"
    "$exe" "${dict[@]}" -seed="$seed" -max_total_time="$seconds" -max_len="$max_len" -timeout=30 -rss_limit_mb=2048 \
        -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
        "$work" "${seeds[@]}"
    rc=$?
    [ $rc -ne 0 ] && echo "FAILED: $target found a problem (exit $rc); the input is in $artifacts"
    ;;
*)
    echo "usage: run.sh replay|fuzz EXE FUZZ_DIR TARGET [SECONDS MAX_LEN]" >&2
    exit 2
    ;;
esac
# 77 would read as "skipped" to meson (libFuzzer's default error exit code is 77): a failure is 1.
[ $rc -eq 77 ] && rc=1
exit $rc
