#!/usr/bin/env python3
"""test_demo.py RNNFX MODELS_DIR - `rnnfx demo` makes what it says, consistently:
  - the DI phrase, and one WAV per shipped model (three for a model with a knob) holding the
    same samples as `rnnfx process` makes from that phrase;
  - a model trained on the built-in pair (3 epochs: the same on every machine) that loads, has
    learnt something (test ESR well under 1, an untrained network's), and whose test ESR as
    printed is what `rnnfx eval` measures on the files the demo wrote;
  - the pictures: well-formed SVG with the three panels and their curves;
  - without the recordings, no second picture, and it says why.
"""
import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ET

from models_common import Checker, load_json, run, shipped_models

SVG = "{http://www.w3.org/2000/svg}"


def main():
    rnnfx, models_dir = sys.argv[1], sys.argv[2]
    c = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "demo out")
        r = run([rnnfx, "demo", "--out", out, "--models", models_dir, "--data", os.path.join(tmp, "none"),
                 "--epochs", "3"])
        print(r.stdout)
        if not c.check(r.returncode == 0, f"rnnfx demo failed ({r.returncode}): {r.stderr.strip()}"):
            c.exit()
        di = os.path.join(out, "di.wav")
        c.check(os.path.getsize(di) > 48000 * 4 * 5, "di.wav: shorter than 5 s")
        for path in shipped_models(models_dir):
            base = os.path.basename(path)[:-5]
            knobs = load_json(path).get("metadata", {}).get("knobs") or []
            wavs = [(f"{base}_{knobs[0]}{v:.1f}.wav", ["--param", f"{knobs[0]}={v:g}"]) for v in (0, 0.5, 1)] \
                if knobs else [(f"{base}.wav", [])]
            for wav, params in wavs:
                made = os.path.join(out, "shipped", wav)
                if not c.check(os.path.exists(made), f"{made}: not written"):
                    continue
                # ESR exactly 0: every sample is what `rnnfx eval` (= `rnnfx process`) computes
                p = run([rnnfx, "eval", "--json", path, di, made] + params)
                c.check(p.returncode == 0 and '"esr": 0.0,' in p.stdout,
                        f"{wav}: not what rnnfx process makes of di.wav {' '.join(params)} {p.stderr.strip()}")

        toy = os.path.join(out, "toy")
        model = os.path.join(toy, "model.json")
        info = run([rnnfx, "info", model])
        c.check(info.returncode == 0, f"{model}: does not load: {info.stderr.strip()}")
        m = re.search(r"the test phrase through it: ESR ([0-9.]+)", r.stdout)
        if c.check(m, "the demo printed no test ESR"):
            printed = float(m.group(1))
            c.check(printed < 0.6, f"after 3 epochs the test ESR is {printed}: it learnt nothing")
            e = run([rnnfx, "eval", model, os.path.join(toy, "test_di.wav"), os.path.join(toy, "test_target.wav")])
            em = re.search(r"ESR\s+([0-9.e-]+)", e.stdout)
            c.check(e.returncode == 0 and em and abs(float(em.group(1)) - printed) <= 1e-4,
                    f"rnnfx eval on the demo's files: {e.stdout.strip()} {e.stderr.strip()}; the demo printed {printed}")
            y = run([rnnfx, "eval", model, os.path.join(toy, "test_di.wav"), os.path.join(toy, "test_model.wav")])
            ym = re.search(r"ESR\s+([0-9.e-]+)", y.stdout)
            c.check(y.returncode == 0 and ym and float(ym.group(1)) == 0.0,
                    f"toy/test_model.wav is not the model's output: {y.stdout.strip()}")

        svg = os.path.join(out, "demo.svg")
        try:
            root = ET.parse(svg).getroot()
            lines = root.iter(SVG + "polyline")
            counts = [len(l.get("points").split()) for l in lines]
            c.check(len(counts) == 8, f"demo.svg: {len(counts)} curves, expected 2 + 3 + 3")
            c.check(all(n > 50 for n in counts), f"demo.svg: curves with too few points: {counts}")
            texts = " ".join(t.text or "" for t in root.iter(SVG + "text"))
            for word in ("input (DI)", "target", "model", "Spectrum", "frequency (Hz)"):
                c.check(word in texts, f"demo.svg: no \"{word}\"")
        except (OSError, ET.ParseError) as e:
            c.check(False, f"demo.svg: {e}")
        c.check(not os.path.exists(os.path.join(out, "demo_zendrive.svg")), "a real-pedal picture without recordings")
        c.check("no MorphDrive recordings" in r.stdout, "the demo does not say why there is no real-pedal picture")
    c.exit()


if __name__ == "__main__":
    main()
