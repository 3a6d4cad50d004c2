#!/bin/sh
# Installs the immucore dracut module, its dracut.conf.d snippet and (with --binary) the binary
# into a root: the running system by default, or an image tree being built (--root).
#   scripts/install-dracut-module.sh [--root DIR] [--binary dist/immucore]
# Then build the initramfs with that root's dracut, e.g.
#   chroot DIR dracut --force --no-hostonly --compress "zstd -3" --kver <kver>
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
root=/
binary=
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root="$2"; shift 2 ;;
        --binary) binary="$2"; shift 2 ;;
        *) echo "usage: $0 [--root DIR] [--binary PATH]" >&2; exit 2 ;;
    esac
done

moddir="$root/usr/lib/dracut/modules.d/28immucore"
rm -rf "$moddir"
mkdir -p "$moddir" "$root/etc/dracut.conf.d"
install -m 0755 "$repo/dracut/28immucore/module-setup.sh" "$moddir/module-setup.sh"
install -m 0755 "$repo/dracut/28immucore/immucore-generator.sh" "$moddir/immucore-generator.sh"
install -m 0755 "$repo/dracut/28immucore/live-overlay-dirs.sh" "$moddir/live-overlay-dirs.sh"
install -m 0644 "$repo/dracut/28immucore/immucore.service" "$moddir/immucore.service"
install -m 0755 "$repo/dracut/28immucore/immucore-emergency.sh" "$moddir/immucore-emergency.sh"
install -m 0644 "$repo/dracut/28immucore/emergency-banner.txt" "$moddir/emergency-banner.txt"
install -m 0644 "$repo/dracut/immucore.conf" "$root/etc/dracut.conf.d/10-immucore.conf"

if [ -n "$binary" ]; then
    # install(1) copies bytes as they are: never strip a bun binary (its payload is an ELF section).
    install -D -m 0755 "$binary" "$root/usr/bin/immucore"
fi
echo "installed the immucore dracut module into ${root%/}/usr/lib/dracut/modules.d/28immucore"
