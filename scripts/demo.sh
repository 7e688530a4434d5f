#!/usr/bin/env bash
# demo.sh - the main job on a built-in default (no files needed). Grows with the project: today
# it checks the engine against the reference models; the full demo (synthesised DI through the
# shipped models, a short training run, a picture) comes with the models library (issue 5).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
RNNFX_TEST_DATA="$PWD/tests" ./build/tests/nn/test_goldens
