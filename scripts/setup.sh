#!/usr/bin/env bash
# setup.sh - install what rnnfx needs on Debian 12 (apt-get, as root or through sudo), then
# configure and build it in ./build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
missing_from() { # package list file: prints the packages of it not installed
    local p
    sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1" | while read -r p; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}
apt_install() { # packages...
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$@" \
        >/dev/null
}

mapfile -t missing < <(missing_from scripts/debian-packages.txt)
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
    "${as_root[@]}" apt-get update -qq
    apt_install "${missing[@]}"
fi

# The ARM cross builds of scripts/test.sh (optional: without them test.sh skips those builds
# and says why). Their libraries are the arm64/armhf builds of Debian's packages (multiarch).
mapfile -t missing < <(missing_from scripts/arm-packages.txt)
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${#missing[@]} Debian packages for the ARM cross builds: ${missing[*]}"
    if ! { "${as_root[@]}" dpkg --add-architecture arm64 && "${as_root[@]}" dpkg --add-architecture armhf &&
           "${as_root[@]}" apt-get update -qq && apt_install "${missing[@]}"; }; then
        echo "setup: could not install the ARM packages; scripts/test.sh will skip the ARM builds" >&2
    fi
fi

if [ ! -d build ]; then
    meson setup build --buildtype=release >/dev/null
fi
ninja -C build
echo "setup: built in ./build (the command is ./build/tools/rnnfx)"
