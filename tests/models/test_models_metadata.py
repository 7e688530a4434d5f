#!/usr/bin/env python3
"""test_models_metadata.py RNNFX MODELS_DIR - every shipped model loads (`rnnfx info`: its
self-test passes), carries its metadata (name, device, author, license, dataset, test ESR,
training settings, the test sets its ESR was measured on), and the AIDA-X ones have the one
shape AIDA-X loads: one LSTM layer of a size it supports, then Dense(1), audio in only."""
import json
import sys

from models_common import Checker, load_json, run, shipped_models

# every pedal setting of the recordings has its AIDA-X model
PEDALS = ["honeybee_g5_t2", "honeybee_g5_t0", "zendrive_g5_t3", "zendrive_g5_t5", "bigfella_g5_t3"]
# AIDA-X (RTNeural's templated models) runs an LSTM or GRU of these sizes only
AIDAX_SIZES = {8, 12, 16, 20, 24, 32, 40, 64, 80}


def aidax_problems(m):
    """Why AIDA-X would not load the Keras JSON `m` as an LSTM + Dense(1) model (None if it would)."""
    if m.get("in_shape") != [None, None, 1]:
        return f"in_shape {m.get('in_shape')}, not [null, null, 1]"
    layers = m.get("layers", [])
    if [l.get("type") for l in layers] != ["lstm", "dense"]:
        return f"layers {[l.get('type') for l in layers]}, not [lstm, dense]"
    lstm, dense = layers
    h = lstm["shape"][-1]
    if lstm["shape"] != [None, None, h] or h not in AIDAX_SIZES:
        return f"LSTM shape {lstm['shape']}: AIDA-X runs hidden sizes {sorted(AIDAX_SIZES)}"
    w, u, b = lstm["weights"]
    if (len(w), len(w[0]), len(u), len(u[0]), len(b)) != (1, 4 * h, h, 4 * h, 4 * h):
        return "LSTM weights not [1][4H], [H][4H], [4H]"
    if dense["shape"] != [None, None, 1] or dense.get("activation", "") not in ("", "linear"):
        return f"dense {dense['shape']} {dense.get('activation')}: not a linear Dense(1)"
    dw, db = dense["weights"]
    if (len(dw), len(dw[0]), len(db)) != (h, 1, 1):
        return "Dense weights not [H][1], [1]"
    return None


def main():
    rnnfx, models_dir = sys.argv[1], sys.argv[2]
    c = Checker()
    models = shipped_models(models_dir)
    names = [p.rsplit("/", 1)[-1] for p in models]
    for pedal in PEDALS:
        c.check(f"{pedal}_lstm16.json" in names, f"{models_dir}: no {pedal}_lstm16.json (the AIDA-X model of {pedal})")
    for path in models:
        name = path.rsplit("/", 1)[-1]
        r = run([rnnfx, "info", "--json", path])
        if not c.check(r.returncode == 0, f"{name}: rnnfx info failed: {r.stderr.strip()}"):
            continue
        info = json.loads(r.stdout)
        c.check(info["selftest"] and info["selftest"]["pass"], f"{name}: self-test {info['selftest']}")
        c.check(info["sample_rate"] == 48000 and info["sample_rate_stated"], f"{name}: sample rate not 48 kHz")
        md = info["metadata"]
        for key in ("name", "author", "device", "license", "description", "training"):
            c.check(md.get(key), f"{name}: metadata has no {key}")
        c.check("MorphDrive" in (md.get("description") or ""), f"{name}: the dataset does not say where it comes from")
        c.check("CC BY-NC" in (md.get("license") or ""), f"{name}: the license does not carry the data's terms")
        m = load_json(path)
        meta = m["metadata"]
        c.check(isinstance(meta.get("esr"), float) and 0 < meta["esr"] < 1, f"{name}: no test ESR (metadata.esr)")
        sets = meta.get("test_sets", [])
        c.check(len(sets) >= 1 and all(0 < s["esr"] < 1 for s in sets), f"{name}: no test_sets with their ESR")
        train = meta.get("training", {})
        c.check(train.get("trainer") == "rnnfx" and train.get("epochs_run", 0) > 0,
                f"{name}: not trained by rnnfx train ({train.get('trainer')})")
        knobs = info["knobs"]
        c.check(len(knobs) == info["inputs"] - 1, f"{name}: {info['inputs']} inputs but knobs {knobs}")
        for s in sets:
            c.check(set(s["knobs"]) <= set(knobs), f"{name}: test set knobs {s['knobs']} not the model's {knobs}")
        if "_lstm16" in name:
            why = aidax_problems(m)
            c.check(why is None, f"{name}: not AIDA-X-compatible: {why}")
            c.check(m["layers"][0]["shape"][-1] == 16, f"{name}: named LSTM-16 but hidden {m['layers'][0]['shape']}")
        print(f"{name}: {md.get('name')}; {info['parameters']} parameters; test ESR {meta.get('esr')}")
    c.exit()


if __name__ == "__main__":
    main()
