#!/usr/bin/env python3
"""test_models_presets.py RNNFX MODELS_DIR PRESETS_TXT BUNDLE_DIR - every shipped model is a
preset of both plugins, which hosts list by name: ttl/presets.txt names each models/*.json
once, with a label a musician picks by - the pedal, its gain and tone as the model's metadata
states them, the network - and a comment; the label says "(recommended)" exactly for the
network models/README.md marks best for that setting; the built bundle holds each model file,
and it loads; and lilv sees them - `lv2ls` lists both plugins and `lv2info` lists every label
among each plugin's presets, with only the bundle on LV2_PATH."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from models_common import Checker, load_json, run, shipped_models, skip

PLUGINS = ["urn:rnnfx:mono", "urn:rnnfx:stereo"]


def read_presets(path):
    """(file, label, comment) per line."""
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                parts = [p.strip() for p in line.split("|")]
                out.append(tuple(parts) if len(parts) == 3 else (parts[0], "|".join(parts[1:]), ""))
    return out


def best_in_readme(models_dir):
    """The files models/README.md's table marks **best** (the recommended network per setting)."""
    best = set()
    with open(os.path.join(models_dir, "README.md")) as f:
        for line in f:
            m = re.match(r"\|[^|]*\| `([^`]+)` \|.*\*\*best\*\*", line)
            if m:
                best.add(m.group(1))
    return best


def network_of(file):
    """honeybee_g5_t2_gru16.json -> GRU-16."""
    m = re.search(r"_(lstm|gru|rnn)(\d+)\.json$", file)
    return f"{m.group(1).upper()}-{m.group(2)}" if m else None


def lv2info_presets(text):
    """The labels lv2info prints under "Presets:" (one per line, indented, up to a blank line)."""
    labels, inside = [], False
    for line in text.splitlines():
        if line.strip().startswith("Presets:"):
            inside = True
            rest = line.split("Presets:", 1)[1].strip()
            if rest:
                labels.append(rest)
        elif inside:
            if not line.strip():
                break
            labels.append(line.strip())
    return labels


def main():
    rnnfx, models_dir, presets_txt, bundle = sys.argv[1:5]
    for tool in ("lv2ls", "lv2info"):
        if not shutil.which(tool):
            skip(f"{tool} not installed (Debian package lilv-utils): cannot ask lilv for the presets")
    c = Checker()
    presets = read_presets(presets_txt)
    files = [f for f, _, _ in presets]
    shipped = [os.path.basename(p) for p in shipped_models(models_dir)]
    c.check(sorted(files) == sorted(set(files)), f"{presets_txt}: a model listed twice: {files}")
    c.check(set(files) == set(shipped),
            f"{presets_txt} and models/ differ: not presets {sorted(set(shipped) - set(files))}, "
            f"not models {sorted(set(files) - set(shipped))}")
    best = best_in_readme(models_dir)
    c.check(len(best) >= 5, f"models/README.md marks {len(best)} networks best: {sorted(best)}")
    for file, label, comment in presets:
        path = os.path.join(models_dir, file)
        if not c.check(os.path.exists(path), f"{file}: listed in {presets_txt}, not in models/"):
            continue
        device = load_json(path)["metadata"].get("device") or ""
        # "Hermida Audio Zendrive overdrive, gain 5/5, tone 3/5": the pedal's name, its settings.
        pedal = next((p for p in ("Honey Bee", "Zendrive", "Big Fella") if p in device), None)
        c.check(pedal and label.startswith(pedal), f"{file}: label \"{label}\" does not start with the pedal ({device})")
        for setting in re.findall(r"(gain \d/5|tone \d/5)", device):
            c.check(setting in label, f"{file}: label \"{label}\" lacks \"{setting}\" ({device})")
        c.check(network_of(file) and network_of(file) in label, f"{file}: label \"{label}\" lacks the network")
        c.check(("(recommended)" in label) == (file in best),
                f"{file}: label \"{label}\", but models/README.md {'marks' if file in best else 'does not mark'} "
                f"it best")
        c.check(len(comment) > 20 and pedal and pedal in comment, f"{file}: comment \"{comment}\"")
        copy = os.path.join(bundle, file)
        c.check(os.path.exists(copy), f"{file}: not in the built bundle {bundle}")
        r = run([rnnfx, "info", copy])
        c.check(r.returncode == 0, f"{copy}: does not load: {r.stderr.strip()}")

    with tempfile.TemporaryDirectory() as lv2path:
        os.symlink(os.path.abspath(bundle), os.path.join(lv2path, "rnnfx.lv2"))
        env = dict(os.environ, LV2_PATH=lv2path)
        ls = subprocess.run(["lv2ls"], capture_output=True, text=True, env=env)
        for uri in PLUGINS:
            c.check(uri in ls.stdout.split(), f"lv2ls does not list {uri}: {ls.stdout!r} {ls.stderr!r}")
            info = subprocess.run(["lv2info", uri], capture_output=True, text=True, env=env)
            labels = lv2info_presets(info.stdout)
            print(f"{uri}: {len(labels)} presets: {', '.join(labels)}")
            c.check(sorted(labels) == sorted(l for _, l, _ in presets),
                    f"lv2info {uri}: presets {sorted(labels)}, expected {sorted(l for _, l, _ in presets)}")
    c.exit()


if __name__ == "__main__":
    main()
