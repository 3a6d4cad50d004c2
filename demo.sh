#!/usr/bin/env bash
# README command one: install what is missing, build immucore and a Debian image whose dracut
# initramfs carries it, and boot that image in QEMU with the console on this terminal.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
ensure_apt "${VM_PACKAGES[@]}" e2fsprogs util-linux
ensure_npm
npm run compile --silent
exec npx tsx vm-tests/demo.ts
