#!/bin/sh
# immucore (pre-mount hook, installed when this dracut lacks its own): the upper and work
# directories of a live root's overlay. dmsquash-live's sysroot.mount mounts LiveOS_rootfs with
# upperdir=/run/overlayfs,workdir=/run/ovlwork (rd.live.overlay.overlayfs, or a squashfs holding
# the root tree itself, which dmsquash-live marks with /xor_overlayfs), but dracut 059 makes those
# directories only in a mount hook, which systemd runs after sysroot.mount: the mount fails with
# "failed to resolve '/run/overlayfs'" and nothing boots. dracut 060 makes them in pre-mount, as
# this does. A persistent overlay has already linked them to its own directories.
type getargbool > /dev/null 2>&1 || . /lib/dracut-lib.sh

if getargbool 0 rd.live.overlay.overlayfs || [ -e /xor_overlayfs ]; then
    [ -e /run/overlayfs ] || mkdir -m 0755 -p /run/overlayfs
    [ -e /run/ovlwork ] || mkdir -m 0755 -p /run/ovlwork
fi
