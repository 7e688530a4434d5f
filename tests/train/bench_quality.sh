#!/usr/bin/env bash
# bench_quality.sh - test ESR of `rnnfx train` on the morphdrive pedals with the dataset's split
# (train on the six training clips, test on guitar-chords + guitar-funk2), the recipe's budget of
# 200 epochs. A benchmark, not a test: about 2-4 minutes per run on a quiet 2-core machine, two
# runs at a time.
#
#   tests/train/bench_quality.sh [RNNFX] [SHARED] [OUT_DIR]
#
# Runs, per pedal and network: the defaults (validation: the last 10 % of each training clip,
# the best epoch kept) and --val-fraction 0 (all six clips to train on, the last epoch kept - as
# the recipe's published figures). Prints the test ESR of the model written, the best test ESR
# seen at any epoch (optimistic, as the reference table's "best"), and the epochs until the test
# ESR was within 10 % of the final one. Logs and models stay in OUT_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
RNNFX=$(realpath "${1:-build/tools/rnnfx}")
SHARED=${2:-../shared}
OUT=${3:-bench-quality}
D=$SHARED/data/morphdrive
mkdir -p "$OUT"

run() { # name pedal type [options]
    local n=$1 p=$2 t=$3
    shift 3
    nice "$RNNFX" train --folders "$D/dry" "$D/$p" --test-names guitar-chords,guitar-funk2 --type "$t" --quiet \
        -o "$OUT/$n.json" --log "$OUT/$n.log" --plot "$OUT/$n.svg" "$@" >"$OUT/$n.out" 2>&1
}

jobs=(
    "zendrive-lstm16 zendrive_g5_t3 lstm"
    "zendrive-gru16 zendrive_g5_t3 gru"
    "honeybee-lstm16 honeybee_g5_t2 lstm"
    "bigfella-lstm16 bigfella_g5_t3 lstm"
    "bigfella-gru16 bigfella_g5_t3 gru"
)
for j in "${jobs[@]}"; do
    set -- $j
    run "$1" "$2" "$3" &
    run "$1-all" "$2" "$3" --val-fraction 0
    wait
done

python3 - "$OUT" "${jobs[@]}" <<'PY'
import json, sys
out, jobs = sys.argv[1], sys.argv[2:]
print(f"{'pedal / network':22} {'config':14} {'test ESR':>9} {'best (epoch)':>16} {'epochs to 10 %':>15}")
for j in jobs:
    name = j.split()[0]
    for suffix, cfg in (("", "defaults"), ("-all", "all six clips")):
        log = [json.loads(l) for l in open(f"{out}/{name}{suffix}.log")]
        final = json.load(open(f"{out}/{name}{suffix}.json"))["metadata"]["esr"]
        best = min(log, key=lambda r: r["test_esr"])
        within = next(r["epoch"] for r in log if r["test_esr"] <= 1.1 * final)
        print(f"{name:22} {cfg:14} {final:9.5f} {best['test_esr']:9.5f} ({best['epoch']:3d}) {within:15d}")
PY
