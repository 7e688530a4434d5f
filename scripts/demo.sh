#!/usr/bin/env bash
# demo.sh - the main job on a built-in default, no files needed (after ./scripts/setup.sh):
#   1. builds (if needed) and installs the plugin for this user, in ~/.lv2/rnnfx.lv2 (every
#      shipped model is one of its presets);
#   2. runs `rnnfx demo`: a synthesised guitar DI phrase through the shipped models, a small
#      model trained for a few seconds on a built-in example pair, a picture of input, target
#      and output - and says where everything went and how to load the plugin in a host.
#
#   ./scripts/demo.sh [OUT_DIR]      (default ./rnnfx-demo; LV2_USER_DIR overrides ~/.lv2)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-rnnfx-demo}

[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null

# The plugin: exactly the files `meson install` puts in the bundle, copied to the user's LV2
# folder (no root needed, and the rest of the project stays where it is).
dest=${LV2_USER_DIR:-$HOME/.lv2}/rnnfx.lv2
rm -rf "$dest"
mkdir -p "$dest"
meson introspect build --installed | python3 -c '
import json, os, shutil, sys
dest = sys.argv[1]
n = 0
for src, to in json.load(sys.stdin).items():
    if "/rnnfx.lv2/" in to:
        shutil.copy2(src, os.path.join(dest, os.path.basename(to)))
        n += 1
sys.exit(0 if n else "demo.sh: the build has no plugin bundle to install")
' "$dest"
presets=$(grep -c '^[^#[:space:]]' ttl/presets.txt || true)
echo "0. installed the plugin in $dest ($presets presets: the shipped models)"

./build/tools/rnnfx demo --out "$out"
