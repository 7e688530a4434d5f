"""models_common.py - what the tests of tests/models share: the shipped models, `rnnfx`, and
the test protocol (exit 0 pass, 1 fail, 77 skip after printing "SKIP: <reason>")."""
import glob
import json
import os
import subprocess
import sys

SKIP = 77


class Checker:
    def __init__(self):
        self.failed = 0

    def check(self, ok, what):
        if not ok:
            print(f"FAIL: {what}")
            self.failed += 1
        return ok

    def exit(self):
        print("FAILED" if self.failed else "ok")
        sys.exit(1 if self.failed else 0)


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def shipped_models(models_dir):
    """The shipped models: every .json of models/, sorted."""
    return sorted(glob.glob(os.path.join(models_dir, "*.json")))


def load_json(path):
    with open(path) as f:
        return json.load(f)


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def morphdrive_or_skip(why):
    """The MorphDrive recordings folder under $RNNFX_SHARED, or a visible skip saying `why` is
    not checked without them."""
    shared = os.environ.get("RNNFX_SHARED", "")
    data = os.path.join(shared, "data", "morphdrive")
    if not shared or not os.path.isdir(os.path.join(data, "dry")):
        skip(f"no MorphDrive recordings in {data or '$RNNFX_SHARED/data/morphdrive'} (RNNFX_SHARED): {why}")
    return data
