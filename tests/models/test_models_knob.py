#!/usr/bin/env python3
"""test_models_knob.py RNNFX MODELS_DIR - a shipped model with a knob reproduces the two settings
it was trained on at the knob's ends, and moves smoothly from one to the other in between.

For every model whose metadata.test_sets holds two settings of one knob (the Zendrive: tone 0 =
pedal tone 3/5, tone 1 = tone 5/5), `rnnfx eval` runs it on the test clips (never seen in
training) at knob values 0, 0.125, ..., 1 against both settings' recordings (ESR pooled over the
clips: sum of squared errors over sum of squared targets). The expected values are the real
pedal's recordings and the bounds below (models/README.md states them), never a figure of the
model itself:
  - the ends reproduce each setting: at knob 0 the ESR against the knob-0 setting's recording,
    at knob 1 against the knob-1 setting's, is at most END_ESR_MAX - a tenth of how far the two
    settings' recordings are from each other (ESR 0.20-0.26 for the Zendrive t3/t5), and about
    0.01 above the single-setting models (0.006-0.012);
  - and select it: at each end the ESR against the other setting is over OTHER_RATIO times the
    ESR against its own (the knob is not ignored; the model does not average the settings);
  - it travels monotonically: at 0, 0.25, 0.5, 0.75 and 1 the ESR against the knob-0 recording
    rises at every step and the ESR against the knob-1 recording falls at every step;
  - without a jump: across the nine values, no step of either ESR is more than JUMP_FRAC of
    the whole way from end to end (a knob that switched between the settings would make one step
    of all of it).

Needs the recordings (RNNFX_SHARED/data/morphdrive): skips, saying so, where they are absent."""
import json
import os
import sys

from models_common import Checker, load_json, morphdrive_or_skip, run, shipped_models

STEPS = 8  # a multiple of 4: the quarters are among the values
END_ESR_MAX = 0.02
OTHER_RATIO = 5.0
JUMP_FRAC = 0.4


def measure(rnnfx, data, model, test_set, knob, value):
    """ESR of `model` at knob=value against test_set's recordings, pooled over its clips."""
    err = tgt = 0.0
    folder = test_set["target"].split("/", 1)[1]
    for clip in test_set["clips"]:
        r = run([rnnfx, "eval", "--json", model, os.path.join(data, "dry", clip + ".flac"),
                 os.path.join(data, folder, clip + ".flac"), "--param", f"{knob}={value:.6g}"])
        if r.returncode != 0:
            raise RuntimeError(f"rnnfx eval: {r.stderr.strip()}")
        e = json.loads(r.stdout)
        t2 = e["samples"] * 10 ** (e["rms_db"]["target"] / 10)
        err += e["esr"] * t2
        tgt += t2
    return err / tgt


def check_model(c, rnnfx, data, path, knob, a, b):
    """a: the test set at the knob's low end, b: at its high end."""
    name = os.path.basename(path)
    lo, hi = a["knobs"][knob], b["knobs"][knob]
    values = [lo + (hi - lo) * i / STEPS for i in range(STEPS + 1)]
    to_a, to_b = [], []
    for v in values:
        to_a.append(measure(rnnfx, data, path, a, knob, v))
        to_b.append(measure(rnnfx, data, path, b, knob, v))
        print(f"{name}: {knob} {v:.2f}: ESR vs {a['target']} {to_a[-1]:.4f}, vs {b['target']} {to_b[-1]:.4f}")

    # the ends reproduce their settings, and select them
    c.check(to_a[0] <= END_ESR_MAX,
            f"{name}: at {knob} {lo:g} the ESR against {a['target']} is {to_a[0]:.4f}, over {END_ESR_MAX}")
    c.check(to_b[-1] <= END_ESR_MAX,
            f"{name}: at {knob} {hi:g} the ESR against {b['target']} is {to_b[-1]:.4f}, over {END_ESR_MAX}")
    c.check(to_b[0] > OTHER_RATIO * to_a[0],
            f"{name}: at {knob} {lo:g} the output is as close to {b['target']} ({to_b[0]:.4f}) as to its own "
            f"setting {a['target']} ({to_a[0]:.4f})")
    c.check(to_a[-1] > OTHER_RATIO * to_b[-1],
            f"{name}: at {knob} {hi:g} the output is as close to {a['target']} ({to_a[-1]:.4f}) as to its own "
            f"setting {b['target']} ({to_b[-1]:.4f})")

    # monotone at the quarters
    quarters = [q * STEPS // 4 for q in range(5)]  # 0, 0.25, 0.5, 0.75, 1
    for i, j in zip(quarters, quarters[1:]):
        c.check(to_a[j] > to_a[i], f"{name}: the ESR against {a['target']} does not rise from {knob} "
                f"{values[i]:g} ({to_a[i]:.4f}) to {values[j]:g} ({to_a[j]:.4f})")
        c.check(to_b[j] < to_b[i], f"{name}: the ESR against {b['target']} does not fall from {knob} "
                f"{values[i]:g} ({to_b[i]:.4f}) to {values[j]:g} ({to_b[j]:.4f})")

    # no jump
    for what, curve in ((f"against {a['target']}", to_a), (f"against {b['target']}", to_b)):
        total = abs(curve[-1] - curve[0])
        biggest = max(abs(y - x) for x, y in zip(curve, curve[1:]))
        c.check(biggest <= JUMP_FRAC * total,
                f"{name}: the ESR {what} jumps by {biggest:.4f} in one step of {(hi - lo) / STEPS:g} "
                f"(the whole way: {total:.4f})")


def main():
    rnnfx, models_dir = sys.argv[1], sys.argv[2]
    data = morphdrive_or_skip("the knob cannot be swept against the pedal")
    c = Checker()
    swept = 0
    for path in shipped_models(models_dir):
        sets = load_json(path)["metadata"].get("test_sets", [])
        knobs = {k for s in sets for k in s["knobs"]}
        if len(sets) != 2 or len(knobs) != 1:
            continue
        knob = knobs.pop()
        a, b = sorted(sets, key=lambda s: s["knobs"][knob])
        check_model(c, rnnfx, data, path, knob, a, b)
        swept += 1
    c.check(swept > 0, f"no model with a knob and two test settings in {models_dir}")
    c.exit()


if __name__ == "__main__":
    main()
