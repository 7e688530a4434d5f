#!/usr/bin/env python3
"""test_models_metadata.py RNNFX MODELS_DIR - every shipped model loads (`rnnfx info`: its
self-test passes), carries its metadata (name, device, author, license, dataset, test ESR,
training settings, the test sets its ESR was measured on), its file name says its network
(_lstm16, _gru16, _rnn16; every setting has these three), the LSTM and GRU ones have the shape AIDA-X loads (one LSTM or GRU
layer of a size it supports, then Dense(1); audio and up to two knobs in), and there is the
Zendrive with a tone knob (tone 0 = pedal tone 3/5, 1 = tone 5/5)."""
import json
import re
import sys

from models_common import Checker, load_json, run, shipped_models

# every pedal setting of the recordings has its AIDA-X model
PEDALS = ["honeybee_g5_t2", "honeybee_g5_t0", "zendrive_g5_t3", "zendrive_g5_t5", "bigfella_g5_t3"]
# AIDA-X (RTNeural's templated models) runs an LSTM or GRU of these sizes only
AIDAX_SIZES = {8, 12, 16, 20, 24, 32, 40, 64, 80}


def aidax_problems(m):
    """Why AIDA-X would not load the Keras JSON `m` as an LSTM/GRU + Dense(1) model (None if it
    would): in_shape [null, null, I] with I = 1 (audio) to 3 (audio and two knobs, AIDA-X's
    param1/param2), one recurrent layer of a size it runs, a linear Dense(1)."""
    shape = m.get("in_shape")
    if not (isinstance(shape, list) and shape[:2] == [None, None] and len(shape) == 3 and shape[2] in (1, 2, 3)):
        return f"in_shape {shape}, not [null, null, 1..3]"
    i = shape[2]
    layers = m.get("layers", [])
    types = [l.get("type") for l in layers]
    if types not in (["lstm", "dense"], ["gru", "dense"]):
        return f"layers {types}, not [lstm|gru, dense]"
    rec, dense = layers
    h = rec["shape"][-1]
    if rec["shape"] != [None, None, h] or h not in AIDAX_SIZES:
        return f"{rec['type']} shape {rec['shape']}: AIDA-X runs hidden sizes {sorted(AIDAX_SIZES)}"
    w, u, b = rec["weights"]
    if rec["type"] == "lstm":
        if (len(w), len(w[0]), len(u), len(u[0]), len(b)) != (i, 4 * h, h, 4 * h, 4 * h):
            return "LSTM weights not [I][4H], [H][4H], [4H]"
    elif (len(w), len(w[0]), len(u), len(u[0]), len(b), len(b[0]), len(b[1])) != (i, 3 * h, h, 3 * h, 2, 3 * h, 3 * h):
        return "GRU weights not [I][3H], [H][3H], [2][3H]"
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
    for pedal in PEDALS:  # per setting the three cells at 16 units (the LSTM-16: AIDA-X's network)
        for net in ("lstm16", "gru16", "rnn16"):
            c.check(f"{pedal}_{net}.json" in names, f"{models_dir}: no {pedal}_{net}.json")
    tone_models = 0
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
        m_net = re.search(r"_(lstm|gru|rnn)(\d+)\.json$", name)
        rec = [(l["type"].lower(), l["hidden"]) for l in info["layers"] if l["type"] in ("LSTM", "GRU", "RNN")]
        if c.check(m_net, f"{name}: the file name does not say the network (_lstm16, _gru16, ...)"):
            c.check(rec == [(m_net.group(1), int(m_net.group(2)))], f"{name}: named for its network, but it is {rec}")
        if "_tone_" in name:  # the Zendrive with a tone knob: t3 at tone 0, t5 at tone 1
            c.check(knobs == ["tone"], f"{name}: knobs {knobs}, not [tone]")
            got = sorted((s["target"], s["knobs"]) for s in sets)
            want = [("morphdrive/zendrive_g5_t3", {"tone": 0.0}), ("morphdrive/zendrive_g5_t5", {"tone": 1.0})]
            c.check(got == want, f"{name}: test sets {got}, not {want}")
            tone_models += 1
        if m_net and m_net.group(1) in ("lstm", "gru"):  # the ones AIDA-X can run (README: "load in AIDA-X")
            why = aidax_problems(m)
            c.check(why is None, f"{name}: not AIDA-X-compatible: {why}")
        print(f"{name}: {md.get('name')}; {info['parameters']} parameters; test ESR {meta.get('esr')}")
    c.check(tone_models == 1, f"{models_dir}: {tone_models} Zendrive models with a tone knob (*_tone_*.json), not 1")
    c.exit()


if __name__ == "__main__":
    main()
