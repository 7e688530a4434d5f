#!/usr/bin/env python3
"""table.py - the table of models/README.md, from the models themselves.

For every models/*.json: the device and setting, the network, its parameters (`rnnfx info`),
the validation ESR of the epoch kept (metadata.training.val_esr: what the best network per
pedal setting is chosen by - the lowest of the setting's models is marked "best"), the test
ESR per test set (metadata.test_sets, measured by `rnnfx eval` when the model was annotated;
tests/models re-checks them), the best linear filter's test ESR on the same clips
(models/training/fir_baseline.json, written by fir_baseline.py), and the real-time cost: ns per
sample and times real time at 48 kHz, as `rnnfx info` measures them here and now (one core,
blocks of 128; the median of --runs runs of it).

    python3 models/table.py [--runs N] [NAME...]   (RNNFX: the command, build/tools/rnnfx;
                                                     NAME: only these models, without .json)
    python3 models/table.py --candidates

--candidates: the networks tried per pedal setting instead (shipped or not), from their epoch
logs models/training/NAME.jsonl: validation / test ESR of the epoch kept (the lowest validation
ESR), and the best by validation ESR.
"""
import glob
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ["honeybee_g5_t2", "honeybee_g5_t0", "zendrive_g5_t3", "zendrive_g5_t5", "zendrive_g5_tone", "bigfella_g5_t3"]
DEVICE = {"honeybee": "Bearfoot Honey Bee", "zendrive": "Hermida Zendrive", "bigfella": "Lunastone Big Fella"}


def info(rnnfx, path, runs):
    outs = [json.loads(subprocess.run([rnnfx, "info", "--json", path], check=True, capture_output=True,
                                      text=True).stdout) for _ in range(runs)]
    ns = statistics.median(o["speed"]["ns_per_sample"] for o in outs)
    return outs[0], ns


def network(i):
    rec = [l for l in i["layers"] if l["type"] in ("LSTM", "GRU", "RNN")]
    s = " + ".join(f"{l['type']}-{l['hidden']}" for l in rec)
    if len(rec) > 1 and len({l["hidden"] for l in rec}) == 1:
        s = f"{len(rec)} x {rec[0]['type']}-{rec[0]['hidden']}"
    if i["skip"]:
        s += " + skip"
    if i["knobs"]:
        s += " + knob " + ", ".join(i["knobs"])
    return s


def order_key(path):
    base = os.path.basename(path)
    for k, prefix in enumerate(ORDER):
        if base.startswith(prefix):
            return (k, base)
    return (len(ORDER), base)


def candidates():
    rows = {}  # setting -> {network: (val, test)}
    nets = []
    for path in glob.glob(os.path.join(HERE, "training", "*.jsonl")):
        name = os.path.basename(path)[: -len(".jsonl")]
        setting, net = name.rsplit("_", 1)
        if not any(setting == o for o in ORDER if o != "zendrive_g5_tone"):
            continue  # one model per setting only (not the tone knob), the recipe's options only
        epochs = [json.loads(line) for line in open(path) if line.strip()]
        kept = min(epochs, key=lambda e: e["val_esr"])
        rows.setdefault(setting, {})[net] = (kept["val_esr"], kept["test_esr"])
        if net not in nets:
            nets.append(net)
    nets.sort(key=lambda n: (["lstm16", "gru16", "rnn16"] + [n]).index(n))
    label = lambda n: n[:-2].upper() + "-" + n[-2:] if n[-2:].isdigit() else n
    print("| setting | " + " | ".join(f"{label(n)} val / test" for n in nets) + " | best (val) |")
    print("|---" * (len(nets) + 2) + "|")
    for setting in (o for o in ORDER if o in rows):
        r = rows[setting]
        best = min(r, key=lambda n: r[n][0])
        cells = [f"{r[n][0]:.4f} / {r[n][1]:.4f}" if n in r else "-" for n in nets]
        cells = [f"**{c}**" if n == best else c for n, c in zip(nets, cells)]
        print(f"| {setting} | " + " | ".join(cells) + f" | {label(best)} |")


def main():
    args = sys.argv[1:]
    if args == ["--candidates"]:
        return candidates()
    runs = 3
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i : i + 2]
    rnnfx = os.environ.get("RNNFX", os.path.join(HERE, "..", "build", "tools", "rnnfx"))
    fir_path = os.path.join(HERE, "training", "fir_baseline.json")
    fir = json.load(open(fir_path)) if os.path.exists(fir_path) else {"taps": None, "test_esr": {}}
    print("| device, setting | file | network | parameters | validation ESR | test ESR | linear FIR-%s ESR "
          "| ns/sample | x real time |" % fir["taps"])
    print("|---|---|---|---|---|---|---|---|---|")
    paths = [os.path.join(HERE, a + ".json") for a in args] or glob.glob(os.path.join(HERE, "*.json"))
    metas = {p: json.load(open(p))["metadata"] for p in paths}
    best = {}  # pedal setting (a model of one setting, no knob) -> its model of lowest validation ESR
    for p, meta in metas.items():
        if len(meta["test_sets"]) == 1 and not meta["test_sets"][0]["knobs"]:
            folder = meta["test_sets"][0]["target"]
            if folder not in best or meta["training"]["val_esr"] < metas[best[folder]]["training"]["val_esr"]:
                best[folder] = p
    for path in sorted(paths, key=order_key):
        i, ns = info(rnnfx, path, runs)
        meta = metas[path]
        val = f"{meta['training']['val_esr']:.4f}"
        if best.get(meta["test_sets"][0]["target"]) == path:
            val += " **best**"
        for s in meta["test_sets"]:
            folder = s["target"].split("/", 1)[1]
            pedal, g, t = folder.split("_")
            setting = f"{DEVICE[pedal]}, gain {g[1:]}/5, tone {t[1:]}/5"
            knobs = ", ".join(f"{k} {v:g}" for k, v in s["knobs"].items())
            if knobs:
                setting += f" (knob {knobs})"
            f = fir["test_esr"].get(folder)
            fir_s = f"{f:.4f}" if f is not None else "-"
            print(f"| {setting} | `{os.path.basename(path)}` | {network(i)} | {i['parameters']} | {val} | {s['esr']:.4f} | "
                  f"{fir_s} | {ns:.0f} | {1e9 / ns / 48000:.0f} |")


if __name__ == "__main__":
    main()
