#!/usr/bin/python3
"""fir_baseline.py [--taps N] [DATA_DIR] - the best linear filter's test ESR, per pedal setting.

What a model must beat to have learnt any nonlinearity (models/README.md, the table's "linear
FIR" column): a causal FIR filter of N taps (512: 10.7 ms at 48 kHz, far longer than the
pedals' lag and their filters' memory), fitted by least squares on the same six train clips
the networks train on (the whole clips: this baseline needs no validation), then run over the
two test clips; ESR pooled over both as `rnnfx eval` figures are (sum of squared errors over
sum of squared targets).

Needs python3-numpy (Debian) and sox (to decode FLAC). Prints one line per pedal setting, and
with --json a JSON object {folder: esr}. Not part of the build or the tests: a documentation
figure, reproducible with this script.
"""
import json
import os
import subprocess
import sys

import numpy as np

TRAIN = ["bass", "epiano", "organ", "guitar-distorted", "guitar-flanger", "guitar-funk"]
TEST = ["guitar-chords", "guitar-funk2"]
FOLDERS = ["honeybee_g5_t2", "honeybee_g5_t0", "zendrive_g5_t3", "zendrive_g5_t5", "bigfella_g5_t3"]


def read(path):
    raw = subprocess.run(["sox", path, "-t", "f32", "-e", "floating-point", "-c", "1", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.float32).astype(np.float64)


def xcorr(a, b, lags):
    """c[k] = sum_n a[n] b[n + k] for k = 0..lags-1 (b zero beyond its end), by FFT."""
    n = len(a) + lags
    size = 1 << (n - 1).bit_length()
    c = np.fft.irfft(np.conj(np.fft.rfft(a, size)) * np.fft.rfft(b, size), size)
    return c[:lags]


def fit(pairs, taps):
    """Least-squares FIR y ~ sum_k w[k] x[n - k] over all pairs (the autocorrelation method:
    each clip zero-padded at its ends, which at these lengths changes nothing that matters)."""
    r = np.zeros(taps)
    p = np.zeros(taps)
    for x, y in pairs:
        r += xcorr(x, x, taps)
        p += xcorr(x, y, taps)
    toeplitz = r[np.abs(np.arange(taps)[:, None] - np.arange(taps)[None, :])]
    return np.linalg.solve(toeplitz + 1e-9 * r[0] * np.eye(taps), p)


def esr(w, pairs):
    err = tgt = 0.0
    for x, y in pairs:
        yhat = np.convolve(x, w)[: len(x)]
        err += float(np.sum((yhat - y) ** 2))
        tgt += float(np.sum(y ** 2))
    return err / tgt


def main():
    args = sys.argv[1:]
    taps, as_json = 512, False
    if "--json" in args:
        args.remove("--json")
        as_json = True
    if "--taps" in args:
        i = args.index("--taps")
        taps = int(args[i + 1])
        del args[i : i + 2]
    here = os.path.dirname(os.path.abspath(__file__))
    data = args[0] if args else os.path.join(here, "..", "..", "shared", "data", "morphdrive")
    data = os.environ.get("DATA", data)
    dry = {c: read(os.path.join(data, "dry", c + ".flac")) for c in TRAIN + TEST}
    out = {}
    for folder in FOLDERS:
        wet = {c: read(os.path.join(data, folder, c + ".flac")) for c in TRAIN + TEST}
        w = fit([(dry[c], wet[c]) for c in TRAIN], taps)
        out[folder] = esr(w, [(dry[c], wet[c]) for c in TEST])
        if not as_json:
            print(f"{folder}: FIR-{taps} test ESR {out[folder]:.4g}")
    if as_json:
        print(json.dumps({"taps": taps, "test_esr": out}))


if __name__ == "__main__":
    main()
