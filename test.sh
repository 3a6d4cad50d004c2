#!/usr/bin/env bash
# README command two: install what is missing, then run every test.
# The tests mount for real (loop devices, overlayfs, mount namespaces): run as root.
set -euo pipefail
cd "$(dirname "$0")"

apt_packages=(e2fsprogs util-linux udev attr rsync coreutils dosfstools gdisk busybox-static)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $EUID -ne 0 ]]; then
    echo "missing packages: ${missing[*]}; run as root, or: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci when node_modules is missing or older than the lockfile.
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

npm test
