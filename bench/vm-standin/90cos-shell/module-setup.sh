#!/bin/bash
# bench only (npm run bench:vm), never shipped: a shell stand-in for immucore, so the TCG boot ratio
# is immucore against the same work done by shell, not against a boot that mounts one partition.
# It does what the Kairos shell modules did for the default layout: COS_STATE, the loop-attached
# root image, COS_OEM, COS_PERSISTENT, a tmpfs with an overlay per RW path, a bind per persistent
# path with copy-up on first use, and /sysroot/etc/fstab. The layout is cos-shell-layout.env,
# written by the bench from the image's layout cloud-config (no yip here to run it).

# called by dracut
check() {
    return 255
}

# called by dracut
depends() {
    echo systemd-initrd dracut-systemd rootfs-block fs-lib udev-rules
    return 0
}

# called by dracut
installkernel() {
    hostonly='' instmods overlay loop ext4
}

# called by dracut
install() {
    inst_multiple sh losetup blkid mount mkdir cp ls sed grep udevadm
    inst_simple "$moddir/cos-shell.sh" /usr/lib/cos-shell/cos-shell.sh
    inst_simple "$moddir/cos-shell-layout.env" /usr/lib/cos-shell/layout.env
    inst_simple "$moddir/cos-shell.service" "$systemdsystemunitdir/cos-shell.service"
    # The same early sysroot.mount immucore's generator writes: the script mounts /sysroot, the
    # unit only records it (no fsck of the loop device by the fstab generator's unit).
    inst_simple "$moddir/sysroot.mount" /etc/systemd/system/sysroot.mount
    mkdir -p "$initdir$systemdsystemunitdir/initrd-fs.target.requires"
    ln_r "$systemdsystemunitdir/cos-shell.service" \
        "$systemdsystemunitdir/initrd-fs.target.requires/cos-shell.service"
    dracut_need_initqueue
}
