#!/usr/bin/env bash
# train_all.sh - trains the shipped models (models/*.json) with `rnnfx train`, one after the
# other, from the MorphDrive recordings in ../shared/data/morphdrive (see models/README.md).
#
#   models/train_all.sh                 # every shipped model of the list below
#   models/train_all.sh zendrive_g5_t3_lstm16 ...   # only these (shipped or candidates)
#   CANDIDATES=1 models/train_all.sh    # also the candidates tried for the best networks
#   RNNFX=build/tools/rnnfx DATA=/path/to/morphdrive OUT=/tmp/models models/train_all.sh
#
# Every model: the six train clips of the data README (bass, epiano, organ, guitar-distorted,
# guitar-flanger, guitar-funk), validation = the last 15 % of each of them (split by time:
# the best epoch by validation ESR is kept, early stopping after 40 epochs without a better
# one), test = guitar-chords + guitar-funk2, never seen in training. The recipe of the
# published amp-modelling work (rnnfx train's defaults), 200 epochs at most, seed 0, one
# thread, under `nice`. Per model: OUT/NAME.json (OUT: models), its epoch log and loss/ESR curves
# OUT/training/NAME.jsonl and NAME.svg, its checkpoint in $WORK (build/models-work); then
# models/annotate.py writes the data's origin and the rnnfx eval test ESR into it.
set -euo pipefail
cd "$(dirname "$0")/.."

RNNFX=${RNNFX:-build/tools/rnnfx}
DATA=${DATA:-${RNNFX_SHARED:-../shared}/data/morphdrive}
WORK=${WORK:-build/models-work}
OUT=${OUT:-models}
PYTHON=${PYTHON:-python3}
export RNNFX DATA # for annotate.py
[ -x "$RNNFX" ] || { echo "train_all.sh: $RNNFX not built (ninja -C build)" >&2; exit 1; }
[ -d "$DATA/dry" ] || { echo "train_all.sh: no recordings in $DATA" >&2; exit 1; }
mkdir -p "$WORK" "$OUT/training"

AUTHOR="rnnfx models/train_all.sh"
LICENSE="CC BY-NC 4.0: trained on the MorphDrive recordings (CC BY-NC 4.0, Dal Ri, Stefani, Turchet, Conci); attribution, non-commercial use"

device_of() { # pedal folder -> what the metadata calls the device
    local g=${1#*_g} t=${1##*_t}
    g=${g%%_*}
    case $1 in
    honeybee_*) echo "Bearfoot Honey Bee overdrive, gain $g/5, tone $t/5" ;;
    zendrive_*) echo "Hermida Audio Zendrive overdrive, gain $g/5, tone $t/5" ;;
    bigfella_*) echo "Lunastone Big Fella overdrive, gain $g/5, tone $t/5" ;;
    *) echo "$1" ;;
    esac
}

# The split every model uses (the test pairs stay out of training and validation).
split_args=(--test-names guitar-chords,guitar-funk2 --split time --val-fraction 0.15)

# train NAME PEDAL LABEL [rnnfx train options...] - one model of one pedal setting.
train() {
    local name=$1 pedal=$2 label=$3
    shift 3
    echo "== $name ($label)"
    nice -n 10 "$RNNFX" train --folders "$DATA/dry" "$DATA/$pedal" "${split_args[@]}" \
        --epochs 200 --seed 0 --threads 1 --quiet \
        --name "$label" --device "$(device_of "$pedal")" --author "$AUTHOR" --license "$LICENSE" \
        --log "$OUT/training/$name.jsonl" --plot "$OUT/training/$name.svg" \
        --checkpoint "$WORK/$name.ckpt" -o "$OUT/$name.json" "$@"
    "$PYTHON" models/annotate.py "$OUT/$name.json" "$pedal"
}

# train_tone NAME LABEL [options...] - the Zendrive with a tone knob: g5_t3 at tone=0, g5_t5 at
# tone=1, each clip of both settings a pair of its own.
train_tone() {
    local name=$1 label=$2
    shift 2
    local pairs=() role clip
    for clip in bass epiano organ guitar-distorted guitar-flanger guitar-funk guitar-chords guitar-funk2; do
        role=--pair
        case $clip in guitar-chords | guitar-funk2) role=--test ;; esac
        pairs+=("$role" "$DATA/dry/$clip.flac" "$DATA/zendrive_g5_t3/$clip.flac" --cond tone=0)
        pairs+=("$role" "$DATA/dry/$clip.flac" "$DATA/zendrive_g5_t5/$clip.flac" --cond tone=1)
    done
    echo "== $name ($label)"
    nice -n 10 "$RNNFX" train "${pairs[@]}" --split time --val-fraction 0.15 \
        --epochs 200 --seed 0 --threads 1 --quiet \
        --name "$label" --device "Hermida Audio Zendrive overdrive, gain 5/5, tone 3/5 (knob 0) to 5/5 (knob 1)" \
        --author "$AUTHOR" --license "$LICENSE" \
        --log "$OUT/training/$name.jsonl" --plot "$OUT/training/$name.svg" \
        --checkpoint "$WORK/$name.ckpt" -o "$OUT/$name.json" "$@"
    "$PYTHON" models/annotate.py "$OUT/$name.json" zendrive_g5_t3:tone=0 zendrive_g5_t5:tone=1
}

# NAME | ship (a shipped model, models/NAME.json) or try (a candidate tried for the best network,
# not shipped: trained with CANDIDATES=1 or by name) | how to train it
all_models() {
    cat <<'LIST'
# the AIDA-X models, and the plain RNN of the same size (what gating buys)
honeybee_g5_t2_lstm16 | ship | train honeybee_g5_t2_lstm16 honeybee_g5_t2 "Honey Bee g5 t2 (LSTM-16)" --type lstm --hidden 16
honeybee_g5_t0_lstm16 | ship | train honeybee_g5_t0_lstm16 honeybee_g5_t0 "Honey Bee g5 t0 (LSTM-16)" --type lstm --hidden 16
zendrive_g5_t3_lstm16 | ship | train zendrive_g5_t3_lstm16 zendrive_g5_t3 "Zendrive g5 t3 (LSTM-16)" --type lstm --hidden 16
zendrive_g5_t5_lstm16 | ship | train zendrive_g5_t5_lstm16 zendrive_g5_t5 "Zendrive g5 t5 (LSTM-16)" --type lstm --hidden 16
bigfella_g5_t3_lstm16 | ship | train bigfella_g5_t3_lstm16 bigfella_g5_t3 "Big Fella g5 t3 (LSTM-16)" --type lstm --hidden 16
honeybee_g5_t2_rnn16 | ship | train honeybee_g5_t2_rnn16 honeybee_g5_t2 "Honey Bee g5 t2 (RNN-16)" --type rnn --hidden 16
honeybee_g5_t0_rnn16 | ship | train honeybee_g5_t0_rnn16 honeybee_g5_t0 "Honey Bee g5 t0 (RNN-16)" --type rnn --hidden 16
zendrive_g5_t3_rnn16 | ship | train zendrive_g5_t3_rnn16 zendrive_g5_t3 "Zendrive g5 t3 (RNN-16)" --type rnn --hidden 16
zendrive_g5_t5_rnn16 | ship | train zendrive_g5_t5_rnn16 zendrive_g5_t5 "Zendrive g5 t5 (RNN-16)" --type rnn --hidden 16
bigfella_g5_t3_rnn16 | ship | train bigfella_g5_t3_rnn16 bigfella_g5_t3 "Big Fella g5 t3 (RNN-16)" --type rnn --hidden 16
# the Zendrive with a tone knob (conditioned): g5_t3 at tone = 0, g5_t5 at tone = 1; a GRU-16 (the
# best Zendrive network by validation ESR when it was trained; the GRU-32s came later)
zendrive_g5_tone_gru16 | ship | train_tone zendrive_g5_tone_gru16 "Zendrive g5, tone knob (GRU-16)" --type gru --hidden 16
# the GRU-16s (the third cell at 16 units, every setting), then the GRU-32s: the best network per
# pedal setting is chosen by validation ESR among all of these (see models/README.md) - the
# GRU-16 for the Honey Bee at tone 2, the GRU-32 for the other settings (shipped; the Honey Bee
# t2's GRU-32 is a candidate, not shipped)
honeybee_g5_t2_gru16 | ship | train honeybee_g5_t2_gru16 honeybee_g5_t2 "Honey Bee g5 t2 (GRU-16)" --type gru --hidden 16
honeybee_g5_t0_gru16 | ship | train honeybee_g5_t0_gru16 honeybee_g5_t0 "Honey Bee g5 t0 (GRU-16)" --type gru --hidden 16
zendrive_g5_t3_gru16 | ship | train zendrive_g5_t3_gru16 zendrive_g5_t3 "Zendrive g5 t3 (GRU-16)" --type gru --hidden 16
zendrive_g5_t5_gru16 | ship | train zendrive_g5_t5_gru16 zendrive_g5_t5 "Zendrive g5 t5 (GRU-16)" --type gru --hidden 16
bigfella_g5_t3_gru16 | ship | train bigfella_g5_t3_gru16 bigfella_g5_t3 "Big Fella g5 t3 (GRU-16)" --type gru --hidden 16
honeybee_g5_t2_gru32 | try | train honeybee_g5_t2_gru32 honeybee_g5_t2 "Honey Bee g5 t2 (GRU-32)" --type gru --hidden 32
honeybee_g5_t0_gru32 | ship | train honeybee_g5_t0_gru32 honeybee_g5_t0 "Honey Bee g5 t0 (GRU-32)" --type gru --hidden 32
zendrive_g5_t3_gru32 | ship | train zendrive_g5_t3_gru32 zendrive_g5_t3 "Zendrive g5 t3 (GRU-32)" --type gru --hidden 32
zendrive_g5_t5_gru32 | ship | train zendrive_g5_t5_gru32 zendrive_g5_t5 "Zendrive g5 t5 (GRU-32)" --type gru --hidden 32
bigfella_g5_t3_gru32 | ship | train bigfella_g5_t3_gru32 bigfella_g5_t3 "Big Fella g5 t3 (GRU-32)" --type gru --hidden 32
# the nearly linear Honey Bee: most of its error is at 100-500 Hz, which the pre-emphasis
# (1 - 0.85/z) of the recipe's loss weights down by 10-16 dB; the loss on the plain signal
honeybee_g5_t2_lstm16_pe0 | try | train honeybee_g5_t2_lstm16_pe0 honeybee_g5_t2 "Honey Bee g5 t2 (LSTM-16, plain ESR loss)" --type lstm --hidden 16 --pre-emphasis 0
honeybee_g5_t2_gru16_pe0 | try | train honeybee_g5_t2_gru16_pe0 honeybee_g5_t2 "Honey Bee g5 t2 (GRU-16, plain ESR loss)" --type gru --hidden 16 --pre-emphasis 0
honeybee_g5_t0_lstm16_pe0 | try | train honeybee_g5_t0_lstm16_pe0 honeybee_g5_t0 "Honey Bee g5 t0 (LSTM-16, plain ESR loss)" --type lstm --hidden 16 --pre-emphasis 0
honeybee_g5_t0_gru16_pe0 | try | train honeybee_g5_t0_gru16_pe0 honeybee_g5_t0 "Honey Bee g5 t0 (GRU-16, plain ESR loss)" --type gru --hidden 16 --pre-emphasis 0
LIST
}

want=("$@")
while IFS='|' read -r name kind cmd; do
    name=${name// /}
    kind=${kind// /}
    [[ $name == \#* ]] && continue
    if [ ${#want[@]} -gt 0 ]; then
        printf '%s\n' "${want[@]}" | grep -qx "$name" || continue
    elif [ "$kind" != ship ] && [ -z "${CANDIDATES:-}" ]; then
        continue
    fi
    eval "$cmd" </dev/null
done < <(all_models)
