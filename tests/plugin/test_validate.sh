#!/bin/sh
# lv2_validate on the bundle in the build tree: no error, no warning.
# Usage: test_validate.sh BUNDLE_DIR (RNNFX_TEST_DATA = tests/)
bundle=$1
skip() { echo "SKIP: $*"; exit 77; }
command -v lv2_validate >/dev/null || skip "lv2_validate is not installed (Debian: lv2-dev)"
command -v sord_validate >/dev/null || skip "sord_validate is not installed (Debian: sordi), lv2_validate needs it"
out=$(lv2_validate "$bundle"/*.ttl "$RNNFX_TEST_DATA/plugin/mod-fileTypes.ttl" 2>&1)
rc=$?
echo "$out" | grep -v "^Skipping file"
echo "$out" | grep -q "Found 0 errors" || { echo "FAIL: lv2_validate found errors"; exit 1; }
echo "$out" | grep -qi "warning" && { echo "FAIL: lv2_validate warned"; exit 1; }
[ $rc -eq 0 ] || { echo "FAIL: lv2_validate exited with $rc"; exit 1; }
exit 0
