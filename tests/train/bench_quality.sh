#!/usr/bin/env bash
# bench_quality.sh - test ESR of `rnnfx train` on the morphdrive pedals with the dataset's split
# (train on the six training clips, test on guitar-chords + guitar-funk2), the recipe's budget of
# 200 epochs. A benchmark, not a test: 3-6 minutes per run on the shared 2-core machine, two
# runs at a time (about 20 minutes with ALL=0, 40 without).
#
#   [ALL=0] tests/train/bench_quality.sh [RNNFX] [SHARED] [OUT_DIR]
#
# Runs, per pedal and network: the defaults (all six clips to train on, no validation part, the
# epoch of the lowest training loss kept) and, unless ALL=0, --val-fraction 0.1 (validation: the
# last 10 % of each training clip, the epoch of the best validation ESR kept - the former
# default). Prints the test ESR of the model written and
# the same as `rnnfx eval` measures the exported model on the two test clips (pooled; the script
# fails if they differ by more than 1e-5 relative), the best test ESR seen at any epoch
# (optimistic, as the reference table's "best"), the epochs and wall seconds until the test ESR
# was within 10 % of the final one, and the mean training seconds per epoch. Logs and models
# stay in OUT_DIR.
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
# ALL=0: the defaults only (half the time)
runs=()
for j in "${jobs[@]}"; do
    set -- $j
    runs+=("$1 $2 $3")
    [ "${ALL:-1}" = 0 ] || runs+=("$1-val10 $2 $3 --val-fraction 0.1")
done
for ((i = 0; i < ${#runs[@]}; i += 2)); do # two trainings at a time
    run ${runs[i]} &
    [ $((i + 1)) -ge ${#runs[@]} ] || run ${runs[i + 1]}
    wait
done

# the test ESR as `rnnfx eval` measures the exported model on the two test clips, pooled as the
# trainer pools them (sum of squared errors over sum of squared targets); it must match.
python3 - "$OUT" "$RNNFX" "$D" "${jobs[@]}" <<'PY'
import json, os, subprocess, sys
out, rnnfx, data, jobs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
def eval_esr(model, pedal):
    num = den = 0.0
    for clip in ("guitar-chords", "guitar-funk2"):
        r = json.loads(subprocess.run([rnnfx, "eval", "--json", model, f"{data}/dry/{clip}.flac",
                                       f"{data}/{pedal}/{clip}.flac"], check=True, capture_output=True).stdout)
        e = r["samples"] * 10 ** (r["rms_db"]["target"] / 10)
        num, den = num + r["esr"] * e, den + e
    return num / den
print(f"{'pedal / network':22} {'config':14} {'test ESR':>9} {'rnnfx eval':>10} {'best (epoch)':>16} {'epochs to 10 %':>15} {'s to 10 %':>9} {'s/epoch':>8}")
bad = 0
for j in jobs:
    name, pedal = j.split()[:2]
    for suffix, cfg in (("", "defaults"), ("-val10", "10 % tails")):
        if not os.path.exists(f"{out}/{name}{suffix}.log"): continue
        log = [json.loads(l) for l in open(f"{out}/{name}{suffix}.log")]
        final = json.load(open(f"{out}/{name}{suffix}.json"))["metadata"]["esr"]
        ev = eval_esr(f"{out}/{name}{suffix}.json", pedal)
        bad += abs(ev - final) > 1e-5 * final
        best = min(log, key=lambda r: r["test_esr"])
        within = next(r for r in log if r["test_esr"] <= 1.1 * final)
        per = sum(r["epoch_s"] for r in log) / len(log)
        print(f"{name:22} {cfg:14} {final:9.5f} {ev:10.5f} {best['test_esr']:9.5f} ({best['epoch']:3d}) "
              f"{within['epoch']:15d} {within['wall_s']:9.0f} {per:8.2f}")
sys.exit(1 if bad else 0)
PY
