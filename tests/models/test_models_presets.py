#!/usr/bin/env python3
"""test_models_presets.py RNNFX MODELS_DIR PRESETS_TXT BUNDLE_DIR - every shipped model is a
preset of both plugins, which hosts list by name: ttl/presets.txt names each models/*.json
once, with the model's own name as the label; the built bundle holds each model file, and it
loads; and lilv sees them - `lv2ls` lists both plugins and `lv2info` lists every label among
each plugin's presets, with only the bundle on LV2_PATH."""
import os
import shutil
import subprocess
import sys
import tempfile

from models_common import Checker, load_json, run, shipped_models, skip

PLUGINS = ["urn:rnnfx:mono", "urn:rnnfx:stereo"]


def read_presets(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                file, _, label = line.partition("|")
                out.append((file.strip(), label.strip()))
    return out


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
    files = [f for f, _ in presets]
    shipped = [os.path.basename(p) for p in shipped_models(models_dir)]
    c.check(sorted(files) == sorted(set(files)), f"{presets_txt}: a model listed twice: {files}")
    c.check(set(files) == set(shipped),
            f"{presets_txt} and models/ differ: not presets {sorted(set(shipped) - set(files))}, "
            f"not models {sorted(set(files) - set(shipped))}")
    for file, label in presets:
        path = os.path.join(models_dir, file)
        if not c.check(os.path.exists(path), f"{file}: listed in {presets_txt}, not in models/"):
            continue
        name = load_json(path)["metadata"].get("name")
        c.check(label == name, f"{file}: preset label \"{label}\", but the model's name is \"{name}\"")
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
            c.check(sorted(labels) == sorted(l for _, l in presets),
                    f"lv2info {uri}: presets {sorted(labels)}, expected {sorted(l for _, l in presets)}")
    c.exit()


if __name__ == "__main__":
    main()
