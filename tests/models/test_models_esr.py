#!/usr/bin/env python3
"""test_models_esr.py RNNFX MODELS_DIR - every shipped model's stated test ESR still holds:
`rnnfx eval` on the test clips of each of its test sets (metadata.test_sets: the pedal
setting, the knob values, the clips) gives the ESR stated there, and the trainer's own figure
(metadata.esr, all test sets pooled) agrees. For the conditioned Zendrive, that is its knob at
0 against tone 3/5 and at 1 against tone 5/5.

Needs the recordings (RNNFX_SHARED/data/morphdrive): skips, saying so, where they are absent."""
import json
import os
import sys

from models_common import Checker, load_json, morphdrive_or_skip, run, shipped_models

REL_TOL = 1e-3  # the figures are printed to 7 digits; eval and the trainer compute the same sums


def pooled_esr(rnnfx, data, model, test_set):
    """ESR over all clips of the set: sum of squared errors / sum of squared targets."""
    err = tgt = 0.0
    folder = test_set["target"].split("/", 1)[1]
    for clip in test_set["clips"]:
        cmd = [rnnfx, "eval", "--json", model, os.path.join(data, "dry", clip + ".flac"),
               os.path.join(data, folder, clip + ".flac")]
        for k, v in test_set["knobs"].items():
            cmd += ["--param", f"{k}={v:g}"]
        r = run(cmd)
        if r.returncode != 0:
            return None, r.stderr.strip()
        e = json.loads(r.stdout)
        energy = e["samples"] * 10 ** (e["rms_db"]["target"] / 10)
        err += e["esr"] * energy
        tgt += energy
    return err / tgt, tgt


def close(a, b):
    return abs(a - b) <= REL_TOL * abs(b)


def main():
    rnnfx, models_dir = sys.argv[1], sys.argv[2]
    data = morphdrive_or_skip("the stated test ESRs cannot be re-measured here")
    c = Checker()
    models = shipped_models(models_dir)
    c.check(models, f"no models in {models_dir}")
    for path in models:
        name = os.path.basename(path)
        meta = load_json(path)["metadata"]
        err_sum = tgt_sum = 0.0
        for s in meta.get("test_sets", []):
            esr, tgt = pooled_esr(rnnfx, data, path, s)
            if not c.check(esr is not None, f"{name}: rnnfx eval failed: {tgt}"):
                continue
            knobs = ", ".join(f"{k}={v:g}" for k, v in s["knobs"].items())
            print(f"{name}: {s['target']} {knobs}: test ESR {esr:.6g} (stated {s['esr']:.6g})")
            c.check(close(esr, s["esr"]), f"{name}: {s['target']} {knobs}: ESR {esr:.6g}, stated {s['esr']:.6g}")
            err_sum += esr * tgt
            tgt_sum += tgt
        if c.check(tgt_sum > 0, f"{name}: no test sets to measure"):
            pooled = err_sum / tgt_sum
            c.check(close(pooled, meta["esr"]),
                    f"{name}: all test sets pooled: ESR {pooled:.6g}, the trainer stated {meta['esr']:.6g}")
    c.exit()


if __name__ == "__main__":
    main()
