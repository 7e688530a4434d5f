#!/usr/bin/env python3
"""annotate.py MODEL.json SET [SET...] - the facts `rnnfx train` cannot know, into a shipped
model's metadata.

SET: a pedal setting's folder of the MorphDrive recordings, with the model's knob values for
it when it has knobs: "zendrive_g5_t3", or "zendrive_g5_t3:tone=0".

`rnnfx train` writes what it knows: name, device, author, license, the test ESR ("esr"), the
split ("dataset") and the training settings. This adds:
  - where the recordings come from, at the head of "dataset" (the key AIDA-X and rnnfx show as
    the description);
  - "test_sets": per SET, the test clips, the knob values and the test ESR that `rnnfx eval`
    measures on them (pooled over the clips: sum of squared errors over sum of squared
    targets) - what models/README.md's table shows and tests/models re-checks.
Every other key - the weights included - is left as it was (Python writes the shortest text of
the same double, which reads back as the same float). The file is replaced atomically.

Environment: RNNFX (the command, build/tools/rnnfx), DATA (the morphdrive folder,
../shared/data/morphdrive).
"""
import json
import os
import subprocess
import sys
import tempfile

TEST_CLIPS = ["guitar-chords", "guitar-funk2"]
SOURCE = ("MorphDrive recordings (Dal Ri, Stefani, Turchet, Conci, DAFx 2025; full set "
          "doi:10.5281/zenodo.15389652, CC BY-NC 4.0), the demo clips of "
          "github.com/domenicostefani/morphdrive docs/demo @234dd9e8, {folders}; "
          "48 kHz mono DI in / DI out. Split: ")


def eval_set(rnnfx, data, model, folder, knobs):
    """Pooled test ESR of `model` on the test clips of `folder`, by `rnnfx eval --json`."""
    err = tgt = 0.0
    for clip in TEST_CLIPS:
        cmd = [rnnfx, "eval", "--json", model, os.path.join(data, "dry", clip + ".flac"),
               os.path.join(data, folder, clip + ".flac")]
        for k, v in knobs.items():
            cmd += ["--param", f"{k}={v:g}"]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        energy = r["samples"] * 10 ** (r["rms_db"]["target"] / 10)  # sum of t^2
        err += r["esr"] * energy
        tgt += energy
    return err / tgt


def parse_set(s):
    folder, _, knobs = s.partition(":")
    out = {}
    for kv in filter(None, knobs.split(",")):
        k, _, v = kv.partition("=")
        out[k] = float(v)
    return folder, out


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: annotate.py MODEL.json FOLDER[:knob=value,...] [...]")
    path = sys.argv[1]
    sets = [parse_set(s) for s in sys.argv[2:]]
    here = os.path.dirname(os.path.abspath(__file__))
    rnnfx = os.environ.get("RNNFX", os.path.join(here, "..", "build", "tools", "rnnfx"))
    data = os.environ.get("DATA", os.path.join(here, "..", "..", "shared", "data", "morphdrive"))

    with open(path) as f:
        model = json.load(f)
    meta = model.setdefault("metadata", {})
    split = meta.get("dataset", "")
    if split.startswith("MorphDrive"):  # annotated before: keep only the split
        split = split.split("Split: ", 1)[-1]
    names = " and ".join(
        f"folder {folder}" + "".join(f" ({k} = {v:g})" for k, v in knobs.items()) for folder, knobs in sets)
    meta["dataset"] = SOURCE.format(folders=names) + split
    meta["test_sets"] = [
        {"input": "morphdrive/dry", "target": "morphdrive/" + folder, "clips": TEST_CLIPS, "knobs": knobs,
         "esr": round(eval_set(rnnfx, data, path, folder, knobs), 7)}
        for folder, knobs in sets
    ]

    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            # the layout rnnfx writes: one line, ", " and ": " separators
            json.dump(model, f, ensure_ascii=False)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    for s in meta["test_sets"]:
        print(f"{os.path.basename(path)}: {s['target']} {s['knobs'] or ''} test ESR {s['esr']:.5g} (rnnfx eval); "
              f"trainer: {meta.get('esr')}")


if __name__ == "__main__":
    main()
