#!/usr/bin/env bash
# bench_capture.sh - the whole capture flow on devices we did not write: third-party models
# (../shared/models-ref) played as if they were pedals. A benchmark, not a test (minutes).
#
#   tests/train/bench_capture.sh [RNNFX] [SHARED]      (defaults: build/tools/rnnfx, ../shared)
#
# For each device: `rnnfx signal` (the default: 3 minutes at 48 kHz), played through it with
# `rnnfx process`, delayed by 517 samples, with white noise at -60 dBFS added (sox), then
# `rnnfx train --capture` for an LSTM-16 and a GRU-16 (EPOCHS epochs, default 30; the default
# 200 reaches lower ESRs). Reports the latency found, the repeatability floor (the ESR between
# the recording's two copies of the repeated phrase: the noise sets it here), the test ESR on the
# signal's held-out phrases, and the wall time of the training.
set -euo pipefail
cd "$(dirname "$0")/../.."
RNNFX=${1:-build/tools/rnnfx}
SHARED=${2:-../shared}
EPOCHS=${EPOCHS:-30}
DEVICES=${DEVICES:-"guitarml_lstm20_skip.json nam_lstm_2x8.nam"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$RNNFX" signal -o "$tmp/reamp.wav" >/dev/null
printf '%-26s %-8s %8s %10s %10s %9s %8s\n' device net latency floor "test ESR" "x floor" "train s"
for dev in $DEVICES; do
    "$RNNFX" process "$SHARED/models-ref/$dev" "$tmp/reamp.wav" "$tmp/out.wav" >/dev/null
    # the recording: 517 samples late, a noise floor at -60 dBFS (uniform noise, amplitude 1.7e-3)
    sox -V1 "$tmp/out.wav" -e floating-point "$tmp/late.wav" pad 517s 0.5
    sox -n -r 48000 -c 1 -e floating-point "$tmp/noise.wav" synth "$(soxi -s "$tmp/late.wav")s" whitenoise vol 1.73e-3
    sox -V1 -m "$tmp/late.wav" "$tmp/noise.wav" -e floating-point "$tmp/rec.wav"
    for net in lstm gru; do
        start=$(date +%s.%N)
        "$RNNFX" train --capture "$tmp/rec.wav" --input "$tmp/reamp.wav" --type "$net" --hidden 16 \
            --epochs "$EPOCHS" --device "$dev" --quiet -o "$tmp/m.json" >"$tmp/train.out" 2>"$tmp/train.err"
        end=$(date +%s.%N)
        lat=$("$RNNFX" train --capture "$tmp/rec.wav" --input "$tmp/reamp.wav" --check --json 2>/dev/null |
            sed 's/.*"latency_samples":\([-0-9]*\).*/\1/')
        floor=$(sed -n 's/.*repeatability floor ESR \([0-9.e+-]*\).*/\1/p' "$tmp/train.out")
        esr=$(sed -n 's/^test ESR \([0-9.e+-]*\)$/\1/p' "$tmp/train.out")
        awk -v d="$dev" -v n="${net^^}-16" -v l="$lat" -v f="$floor" -v e="$esr" -v a="$start" -v b="$end" \
            'BEGIN { printf "%-26s %-8s %8s %10.3g %10.4g %8.1fx %8.0f\n", d, n, l, f, e, e / f, b - a }'
    done
done
