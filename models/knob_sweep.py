#!/usr/bin/python3
"""knob_sweep.py MODEL.json [KNOB] - how a conditioned model moves between its two trained
settings: the knob from 0 to 1 in steps of 0.1, on the two test clips (guitar-chords +
guitar-funk2, never seen in training), through `rnnfx process`.

Per knob value: the output's RMS level (dBFS), its spectral centroid (Hz, of the power spectrum
of both clips, 20 Hz - 20 kHz) and its ESR against each end's real recording (Zendrive g5 t3 =
knob 0, g5 t5 = knob 1); then the same for the two recordings themselves (their ESR against
each other: how far apart the two settings are). A knob that moves smoothly shows level and
centroid going one way in small steps, the ESR against t3 rising and against t5 falling; a
jump is a step much larger than the others.

Needs python3-numpy, sox, and the recordings (DATA, ../shared/data/morphdrive). A documentation
figure (models/README.md); tests/models/test_models_knob.py checks the same property with
`rnnfx eval` alone.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

CLIPS = ["guitar-chords", "guitar-funk2"]
ENDS = [(0.0, "zendrive_g5_t3"), (1.0, "zendrive_g5_t5")]


def read(path):
    raw = subprocess.run(["sox", path, "-t", "f32", "-e", "floating-point", "-c", "1", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.float32).astype(np.float64)


def level_db(ys):
    return 10 * np.log10(sum(np.sum(y ** 2) for y in ys) / sum(len(y) for y in ys))


def centroid(ys, rate=48000.0):
    num = den = 0.0
    for y in ys:
        p = np.abs(np.fft.rfft(y)) ** 2
        f = np.fft.rfftfreq(len(y), 1 / rate)
        band = (f >= 20) & (f <= 20000)
        num += float(np.sum(f[band] * p[band]))
        den += float(np.sum(p[band]))
    return num / den


def esr(ys, ts):
    return sum(float(np.sum((y - t) ** 2)) for y, t in zip(ys, ts)) / sum(float(np.sum(t ** 2)) for t in ts)


def main():
    model = sys.argv[1]
    knob = sys.argv[2] if len(sys.argv) > 2 else "tone"
    here = os.path.dirname(os.path.abspath(__file__))
    rnnfx = os.environ.get("RNNFX", os.path.join(here, "..", "build", "tools", "rnnfx"))
    data = os.environ.get("DATA", os.path.join(here, "..", "..", "shared", "data", "morphdrive"))
    targets = {f: [read(os.path.join(data, f, c + ".flac")) for c in CLIPS] for _, f in ENDS}
    print(f"| {knob} | level (dBFS) | centroid (Hz) | ESR vs {ENDS[0][1]} | ESR vs {ENDS[1][1]} |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for k in [i / 10 for i in range(11)]:
            ys = []
            for c in CLIPS:
                out = os.path.join(tmp, c + ".wav")
                subprocess.run([rnnfx, "process", model, os.path.join(data, "dry", c + ".flac"), out,
                                "--param", f"{knob}={k:g}"], check=True, capture_output=True)
                ys.append(read(out))
            print(f"| {k:.1f} | {level_db(ys):.2f} | {centroid(ys):.0f} | {esr(ys, targets[ENDS[0][1]]):.4f} | "
                  f"{esr(ys, targets[ENDS[1][1]]):.4f} |")
    for k, f in ENDS:  # the recordings themselves, and how far each is from the other
        print(f"| {f} (the pedal) | {level_db(targets[f]):.2f} | {centroid(targets[f]):.0f} | "
              f"{esr(targets[f], targets[ENDS[0][1]]):.4f} | {esr(targets[f], targets[ENDS[1][1]]):.4f} |")


if __name__ == "__main__":
    main()
