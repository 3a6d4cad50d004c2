#!/usr/bin/env bash
# README command two: install what is missing, then run every test: lint, types, unit,
# integration (root: loop devices, overlayfs, private mount namespaces) and the QEMU boots.
# `./test.sh --no-vm` leaves the QEMU suite out.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

vm=1
[[ ${1:-} == --no-vm ]] && vm=0
if ((vm)); then ensure_apt "${TEST_PACKAGES[@]}" "${VM_PACKAGES[@]}"; else ensure_apt "${TEST_PACKAGES[@]}"; fi
ensure_npm

start=$SECONDS
npm test
((vm)) && npm run test:vm
echo "all tests done in $((SECONDS - start)) s"
