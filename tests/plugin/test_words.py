#!/usr/bin/env python3
"""test_words.py BUNDLE_DIR - what hosts show of the bundle speaks to a musician:
  - each plugin has a name that says what it is (more than "rnnfx") and a description
    (rdfs:comment), and lists lv2:DistortionPlugin beside lv2:SimulatorPlugin (Carla files
    plugins by the classes they list: with Simulator alone it put rnnfx under "Other");
  - the project names a maintainer with an email and a homepage (lv2lint asks for them);
  - the minor version is even (LV2: an odd minor version marks a development release);
  - Dry/wet is in percent (0..100, units:pc, default 100); every control port has a comment;
  - every preset has a comment.
The bundle's Turtle is read with sordi (Debian: sordi), as N-Triples."""
import os
import re
import shutil
import subprocess
import sys

LV2 = "http://lv2plug.in/ns/lv2core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DOAP = "http://usefulinc.com/ns/doap#"
FOAF = "http://xmlns.com/foaf/0.1/"
UNITS = "http://lv2plug.in/ns/extensions/units#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TRIPLE = re.compile(r'^(\S+) <([^>]+)> (.+) \.$')

failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg)


def triples(path):
    out = subprocess.run(["sordi", "-i", "turtle", "-o", "ntriples", path, "file://" + os.path.abspath(path)],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        m = TRIPLE.match(line.strip())
        if m:
            s, p, o = m.groups()
            o = o[1:-1] if o.startswith("<") else re.sub(r'^"(.*)"(\^\^<[^>]+>|@\w+)?$', r"\1", o)
            yield s, p, o


def main():
    bundle = sys.argv[1]
    if not shutil.which("sordi"):
        print("SKIP: sordi is not installed (Debian package sordi)")
        sys.exit(77)
    t = list(triples(os.path.join(bundle, "rnnfx.ttl")))

    def values(s, p):
        return [o for (s2, p2, o) in t if s2 == s and p2 == p]

    for uri in ("<urn:rnnfx:mono>", "<urn:rnnfx:stereo>"):
        names = values(uri, DOAP + "name")
        check(len(names) == 1 and names[0].startswith("rnnfx ") and len(names[0]) > len("rnnfx ") + 5,
              f"{uri}: name {names}")
        comments = values(uri, RDFS + "comment")
        check(len(comments) == 1 and len(comments[0]) > 100, f"{uri}: description {comments}")
        types = values(uri, TYPE)
        check(LV2 + "DistortionPlugin" in types and LV2 + "SimulatorPlugin" in types, f"{uri}: classes {types}")
        minor = values(uri, LV2 + "minorVersion")
        check(len(minor) == 1 and int(minor[0]) % 2 == 0, f"{uri}: minor version {minor} (odd: unstable)")
        print(f"{uri}: \"{names[0] if names else ''}\", minor version {minor[0] if minor else '?'}")

    project = "<urn:rnnfx>"
    check(values(project, DOAP + "homepage"), "the project has no homepage")
    maint = values(project, DOAP + "maintainer")
    check(len(maint) == 1, f"maintainers: {maint}")
    if maint:
        m = maint[0] if maint[0].startswith("_:") else "<" + maint[0] + ">"
        check(values(m, FOAF + "name"), "the maintainer has no name")
        check(any(v.startswith("mailto:") for v in values(m, FOAF + "mbox")), "the maintainer has no email")

    ports = [o for (s, p, o) in t if s == "<urn:rnnfx:mono>" and p == LV2 + "port"]
    for port in ports:
        node = port if port.startswith("_:") else "<" + port + ">"
        symbol = (values(node, LV2 + "symbol") or ["?"])[0]
        check(values(node, RDFS + "comment") or LV2 + "AudioPort" in values(node, TYPE), f"port {symbol}: no comment")
        if symbol == "mix":
            check(values(node, UNITS + "unit") == [UNITS + "pc"], f"mix: unit {values(node, UNITS + 'unit')}")
            check([float(v) for v in values(node, LV2 + "maximum")] == [100.0], "mix: maximum is not 100")
            check([float(v) for v in values(node, LV2 + "default")] == [100.0], "mix: default is not 100")
    check(len(ports) >= 12, f"{len(ports)} ports")

    presets_ttl = os.path.join(bundle, "presets.ttl")
    if os.path.exists(presets_ttl):
        pt = list(triples(presets_ttl))
        presets = {s for (s, p, o) in pt if p == TYPE and o.endswith("#Preset")}
        for s in presets:
            check(any(s2 == s and p == RDFS + "comment" and len(o) > 20 for (s2, p, o) in pt), f"{s}: no comment")
        print(f"{len(presets)} presets, each with a comment")
    print(f"{failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
