#!/usr/bin/env bash
# bench_train.sh - seconds per epoch of `rnnfx train` side by side with the PyTorch recipe
# (../shared/reference/train_ref.py, CPU, 1 thread) on the same data, in the same run, as ratios.
# A benchmark, not a test: run it by hand on a quiet machine (it takes ~10 minutes).
#
#   tests/train/bench_train.sh [RNNFX] [SHARED]      (defaults: build/tools/rnnfx, ../shared)
#
# Both train on the six training clips of morphdrive/zendrive_g5_t3 (111 segments of 0.5 s, batch
# 50, warm-up 200, steps of 1000 samples) and measure the training pass of each epoch (not the
# test-set evaluation). rnnfx runs with 1 and 2 threads; PyTorch with 1 (the reference's default:
# "1 ran faster than 2 on these 2-core machines"). Runs alternate so that both see the same load;
# the figures are medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
RNNFX=${1:-build/tools/rnnfx}
SHARED=${2:-../shared}
D=$SHARED/data/morphdrive
PY=${PYTHON:-/usr/bin/python3}
EP_OURS=${EP_OURS:-6}   # epochs per rnnfx run (the first is dropped: page faults, caches)
EP_REF=${EP_REF:-3}     # epochs per PyTorch run
ROUNDS=${ROUNDS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

ours() { # type hidden threads -> epoch seconds, one per line
    "$RNNFX" train --folders "$D/dry" "$D/zendrive_g5_t3" --test-names guitar-chords,guitar-funk2 \
        --val-fraction 0 --type "$1" --hidden "$2" --threads "$3" --epochs "$EP_OURS" --quiet \
        -o "$tmp/m.json" --log "$tmp/log" >/dev/null 2>&1
    tail -n +2 "$tmp/log" | sed 's/.*"epoch_s": \([0-9.]*\).*/\1/'
}

ref() { # type hidden -> epoch seconds
    "$PY" "$SHARED/reference/train_ref.py" "$D" zendrive_g5_t3 --type "$1" --hidden "$2" --epochs "$EP_REF" \
        --threads 1 2>/dev/null | sed 's/.*"epoch_s": \([0-9.]*\).*/\1/'
}

printf '%-8s %12s %12s %12s %10s %10s\n' net "torch s/ep" "rnnfx 1 thr" "rnnfx 2 thr" "ratio 1" "ratio 2"
for net in lstm:16 gru:16 lstm:32; do
    t=${net%%:*} h=${net##*:}
    : >"$tmp/o1"; : >"$tmp/o2"; : >"$tmp/r"
    for _ in $(seq "$ROUNDS"); do
        ours "$t" "$h" 1 >>"$tmp/o1"
        ref "$t" "$h" >>"$tmp/r"
        ours "$t" "$h" 2 >>"$tmp/o2"
    done
    r=$(median <"$tmp/r") o1=$(median <"$tmp/o1") o2=$(median <"$tmp/o2")
    printf '%-8s %12.3f %12.3f %12.3f %9.1fx %9.1fx\n' "${t^^}-$h" "$r" "$o1" "$o2" \
        "$(echo "$r / $o1" | bc -l)" "$(echo "$r / $o2" | bc -l)"
done
