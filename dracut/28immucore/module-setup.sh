#!/bin/bash
# dracut module for immucore (SPEC §11): the single binary, the unit that runs it before
# /sysroot is needed, the generator that orders that unit for a disk or a live boot, and every
# tool the binary runs. Opt-in: add "immucore" to add_dracutmodules (dracut/immucore.conf does).

# called by dracut
check() {
    # The ordering lives in systemd units; without systemd in the initramfs nothing would run it.
    require_binaries "$systemdutildir"/systemd || return 1
    require_binaries /usr/bin/immucore || return 1
    # 255: only when asked for, never because a host merely has the binary installed.
    return 255
}

# called by dracut
depends() {
    # systemd-initrd: initrd*.target; dracut-systemd: dracut-initqueue.service, which the unit is
    # ordered before; rootfs-block: root= parsing; fs-lib: fsck helpers; udev-rules: by-label links.
    echo systemd-initrd dracut-systemd rootfs-block fs-lib udev-rules
    return 0
}

# called by dracut
installkernel() {
    # hostonly='': these are needed whatever the build host mounts. overlay: RW paths; loop: the
    # root image; ext4: images and partitions; squashfs: recovery.squashfs.
    hostonly='' instmods overlay loop ext4 squashfs
}

# called by dracut
install() {
    # dracut strips every executable at the end of the build (strip -g); a bun binary keeps its
    # JavaScript in an ELF section that strip drops, leaving a bare bun runtime that answers
    # "immucore run" by looking for a script named "run". Stripping is turned off for the whole
    # build: module_install runs in dracut's own shell, and there is no per-file exemption.
    if [[ $do_strip == yes ]]; then
        dwarning "immucore: not stripping binaries (stripping breaks the bun-compiled immucore)"
        do_strip=no
    fi

    inst_binary /usr/bin/immucore

    # Tools immucore runs through its Sys seam (src/sys): devices, loop images, mounts, fsck, the
    # copy-up of persistent paths, chrooted stage commands; the rd.immucore.break shell (sh, setsid,
    # systemd-notify to push back the unit's start timeout, findmnt to look around); the key that
    # ends the failure screen's hold (stty, dd) and the reboot after it (systemctl).
    inst_multiple losetup blkid mount umount e2fsck fsck fsck.ext4 cp udevadm sh setsid chroot sync \
        systemd-notify systemctl findmnt stty dd
    inst_multiple -o fsck.ext2 fsck.ext3 tune2fs dumpe2fs

    inst_simple "$moddir/immucore.service" "$systemdsystemunitdir/immucore.service"
    inst_script "$moddir/immucore-generator.sh" "$systemdutildir/system-generators/immucore-generator"

    # Required by initrd-fs.target: when immucore fails, initrd-fs.target (and with it
    # initrd.target) fails, so the initrd never reaches initrd-switch-root.target.
    mkdir -p "$initdir$systemdsystemunitdir/initrd-fs.target.requires"
    ln_r "$systemdsystemunitdir/immucore.service" \
        "$systemdsystemunitdir/initrd-fs.target.requires/immucore.service"

    # dracut-initqueue.service only runs when something needs it; the root= wait does, and the
    # unit's ordering relies on it running after immucore.
    dracut_need_initqueue
}
