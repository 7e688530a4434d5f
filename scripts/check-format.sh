#!/usr/bin/env bash
# check-format.sh - are the C sources laid out as .clang-format says? Lists each file that
# clang-format 14 would change (with the number of places it would change) and exits 1; exits 0
# when none would change; exits 77 (skip, saying why) without clang-format 14, since other
# versions lay out the same options differently.
#   scripts/check-format.sh          check (the meson test 'clang-format', suite 'format')
#   scripts/check-format.sh --fix    rewrite the files in place
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

fmt=
for c in "${CLANG_FORMAT:-}" clang-format-14 clang-format; do
    [ -n "$c" ] && command -v "$c" >/dev/null || continue
    "$c" --version | grep -q 'version 14\.' && fmt=$c && break
done
if [ -z "$fmt" ]; then
    echo "SKIP: clang-format 14 not found (Debian 12's clang-format package; see scripts/debian-packages.txt)"
    exit 77
fi

# The tracked sources; outside a git checkout, every .c/.h but build folders.
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git -C "$root" ls-files '*.c' '*.h')
else
    mapfile -t files < <(find . -path './build*' -prune -o \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | sort)
fi

if [ "${1:-}" = "--fix" ]; then
    "$fmt" -i "${files[@]}"
    exit $?
fi

# One clang-format run over every file: --dry-run prints a warning per place it would change.
report=$("$fmt" --dry-run "${files[@]}" 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' |
    uniq -c | awk '{ printf "%s: %d places differ from .clang-format\x27s layout\n", $2, $1 }')
if [ -n "$report" ]; then
    echo "$report"
    echo "$(echo "$report" | wc -l) of ${#files[@]} files are not formatted: scripts/check-format.sh --fix rewrites them"
    exit 1
fi
echo "${#files[@]} files formatted as .clang-format says"
