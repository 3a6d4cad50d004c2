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

# Modules a Kairos image boots with when this dracut has them, each decided on its own: naming a
# module here that cannot be installed would make dracut drop immucore, and with it the build.
#   lvm, mdraid: COS_* filesystems on LVM or md RAID. immucore activates them itself (it runs
#     before dracut-initqueue.service, where dracut would); these bring the tools and udev rules.
#   dmsquash-live: live media and the squashfs recovery (root=live:LABEL=COS_RECOVERY): dracut
#     mounts /sysroot, immucore waits for it. dracut refuses it in a hostonly build.
#   livenet, network: live media over the network (root=live:http://...).
#   dm: encrypted volumes (kcrypt). dmsetup and the device-mapper udev rules: without
#     95-dm-notify.rules, cryptsetup open waits forever on its udev cookie. Not dracut's crypt
#     module: it would ask for a passphrase for every LUKS device, where immucore unlocks them.
IMMUCORE_OPTIONAL_MODULES="lvm mdraid dmsquash-live livenet network dm"

# _immucore_installable <module>: true when dracut would install <module> as a dependency: it is
# there, not omitted, its check() says 0 or 255 ("when asked for"), and so do its dependencies'.
# Runs inside depends(), which dracut calls in a command substitution: module_check and
# module_depends source other modules' setup files there without touching dracut's own shell.
_immucore_installable() {
    local mod=$1 dir dep rc
    [[ " $_immucore_bad " == *" $mod "* ]] && return 1
    # Checked already, or being checked (a dependency cycle): its own answer decides.
    [[ " $_immucore_ok " == *" $mod "* ]] && return 0
    _immucore_ok+=" $mod "
    for dir in "$dracutbasedir"/modules.d/[0-9][0-9]"$mod"; do
        break
    done
    if [[ " $omit_dracutmodules " == *" $mod "* ]] || [[ ! -d $dir ]]; then
        _immucore_bad+=" $mod "
        return 1
    fi
    module_check "$mod" 0 "$dir" > /dev/null 2>&1
    rc=$?
    if [[ $rc != 0 && $rc != 255 ]]; then
        _immucore_bad+=" $mod "
        return 1
    fi
    for dep in $(module_depends "$mod" "$dir" 2> /dev/null); do
        if ! _immucore_installable "$dep"; then
            _immucore_bad+=" $mod "
            return 1
        fi
    done
    return 0
}

# The initramfs compressor when nobody chose one, for the ~30 MiB immucore adds. On a Kairos-like
# Debian bookworm image (bench/initramfs-size.bench.ts) zstd -19 makes that growth 28.7 MiB,
# against 32.0 at -15 (`compress="zstd"`) and 38.4 with dracut 059's default, gzip -9. Under TCG
# the kernel unpacks it in 5.68 s against 5.40 at -15 (medians of 12, within their spread of
# 4.3-6.1 s; bench/vm-initramfs.bench.ts); dracut takes 1-2 min more CPU on a 2-core host. -18 is
# about as small (28.8 MiB) for ~30 % less CPU; -19 with -15's 4 MiB window unpacked no faster.
# Only -18 and up keep the growth under 30 MiB. README, "Initramfs size".
IMMUCORE_DEFAULT_COMPRESS="zstd -19 -q -T0"

# _immucore_rd_zstd: whether the target kernel ($kernel, under $dracutsysrootdir) unpacks a zstd
# initramfs: "yes", "no", or "unknown" when none of its configs can be read. Looks where dracut's
# check_kernel_config looks (/lib/modules/<kver>/config, then /boot/config-<kver>), then at
# /proc/config.gz when building for the running kernel on this root.
_immucore_rd_zstd() {
    local cfg
    for cfg in "$dracutsysrootdir/lib/modules/$kernel/config" "$dracutsysrootdir/boot/config-$kernel"; do
        if [[ -f $cfg && -r $cfg ]]; then
            grep -q -x 'CONFIG_RD_ZSTD=y' "$cfg" && echo yes || echo no
            return 0
        fi
    done
    if [[ -z $dracutsysrootdir && $kernel == "$(uname -r)" && -r /proc/config.gz ]]; then
        gzip -dc /proc/config.gz 2> /dev/null | grep -q -x 'CONFIG_RD_ZSTD=y' && echo yes || echo no
        return 0
    fi
    echo unknown
}

# _immucore_default_compress: sets dracut's $compress to IMMUCORE_DEFAULT_COMPRESS when nothing
# chose a compressor and the target kernel is known to unpack zstd; otherwise leaves it alone.
# Called from install(), not set in dracut/immucore.conf, because only here is all of this true:
#   - every choice is in: dracut has read /etc/dracut.conf and every conf.d file, those sorted
#     after ours too, then INITRD_COMPRESS, then --compress/--zstd/--gzip/... (--no-compress has
#     made it "cat"). An empty $compress here means nobody chose;
#   - the kernel is known: a conf file is read before dracut defaults $kernel to `uname -r`, and
#     before its logger (dinfo/dwarn) is loaded;
#   - it applies only to an initramfs with immucore in it (`--omit immucore` keeps dracut's own).
# dracut reads $compress after every module's install() (module_install runs in dracut's own
# shell, as the do_strip setting below relies on too), and drops a zstd $compress itself when the
# kernel config says no; it assumes yes when it finds no config, where this leaves its default.
_immucore_default_compress() {
    [[ $compress ]] && return 0
    # dracut 060+ (dracut-ng) takes a level alone (--compress-level, compress_level_<tool>=): a
    # choice too, for the compressor it picks (zstd first there).
    [[ ${!compress_level_*} ]] && return 0
    case $(_immucore_rd_zstd) in
        yes)
            compress=$IMMUCORE_DEFAULT_COMPRESS
            dinfo "immucore: no compressor chosen: using '$compress' (kernel $kernel has CONFIG_RD_ZSTD=y; set compress= in dracut.conf or pass --compress to choose)"
            ;;
        no)
            dinfo "immucore: no compressor chosen and kernel $kernel cannot unpack zstd (no CONFIG_RD_ZSTD=y): leaving dracut's default"
            ;;
        *)
            dwarning "immucore: no compressor chosen and no config of kernel $kernel found (/lib/modules/$kernel/config, /boot/config-$kernel): leaving dracut's default; set compress= in dracut.conf to choose (zstd -19 makes it ~14 MiB smaller than gzip -9)"
            ;;
    esac
    return 0
}

# called by dracut
depends() {
    # systemd-initrd: initrd*.target; dracut-systemd: dracut-initqueue.service, which the unit is
    # ordered before; rootfs-block: root= parsing; fs-lib: fsck helpers; udev-rules: by-label links.
    local mods="systemd-initrd dracut-systemd rootfs-block fs-lib udev-rules" mod
    _immucore_ok=" $mods immucore " _immucore_bad=
    for mod in $IMMUCORE_OPTIONAL_MODULES; do
        _immucore_installable "$mod" && mods+=" $mod"
    done
    echo "$mods"
    return 0
}

# called by dracut
installkernel() {
    # hostonly='': these are needed whatever the build host mounts. overlay: RW paths; loop: the
    # root image; ext4: images and partitions; squashfs: recovery.squashfs.
    hostonly='' instmods overlay loop ext4 squashfs
    # Encrypted volumes: dm-crypt with the ciphers kcrypt formats with (aes-xts-plain64), the
    # kernel crypto API cryptsetup uses for keyslots, and the TPM drivers; each when this kernel
    # has it as a module (built in is fine, missing is named at boot by the volume that needs it).
    hostonly='' instmods dm_crypt xts aesni_intel aes_generic sha256_generic cbc ecb \
        af_alg algif_skcipher algif_hash tpm_tis tpm_crb
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
    _immucore_default_compress

    inst_binary /usr/bin/immucore

    # Tools immucore runs through its Sys seam (src/sys): devices, loop images, mounts, fsck, the
    # copy-up of persistent paths, chrooted stage commands; the rd.immucore.break shell (sh, setsid,
    # systemd-notify to push back the unit's start timeout, findmnt to look around); the key that
    # ends the failure screen's hold (stty, dd) and the reboot after it (systemctl). lvm and mdadm
    # (activate-devices) come with dracut's lvm and mdraid modules, when depends() adds them.
    inst_multiple losetup blkid mount umount e2fsck fsck fsck.ext4 cp udevadm sh setsid chroot sync \
        systemd-notify systemctl findmnt stty dd
    inst_multiple -o fsck.ext2 fsck.ext3 tune2fs dumpe2fs
    # What the rootfs stage's commands and directives call, seen from the initramfs (`sed -i` on
    # cos-layout.env, `ln -sf`, `modules`, `hostname`). Optional: a missing one fails only the step
    # that calls it, naming the tool. The initramfs stage runs its tools chrooted in /sysroot, the
    # image's own, so `users` (useradd, usermod) needs none here: in the rootfs stage it could only
    # edit the initramfs's /etc/passwd, gone at switch-root (with libsemanage and libsepol, 0.5 MB
    # of a zstd -15 initramfs).
    inst_multiple -o touch sed grep chown chmod ln rm mv mkdir cat modprobe hostname
    # `layout` (sfdisk edits the table, partx tells the kernel, resize2fs/mkfs.* the filesystems) and
    # `datasource` (the cidata/config-2 media are iso9660 or vfat, mounted read-only).
    inst_multiple -o sfdisk partx blockdev stat resize2fs mkfs.ext2 mkfs.ext3 mkfs.ext4 mkfs.vfat mkfs.xfs \
        mkfs.btrfs mkswap
    # sr_mod (and cdrom): the CD drive a `cidata` seed is in, whatever its controller.
    hostonly='' instmods isofs vfat nls_cp437 nls_iso8859-1 nls_utf8 sr_mod cdrom

    if ! dracut_module_included dmsquash-live; then
        dwarning "immucore: no dmsquash-live in this initramfs (not installed, or a hostonly build): live media and the squashfs recovery (root=live:...) will not boot"
    elif ! compgen -G "$dracutbasedir/modules.d/[0-9][0-9]overlayfs/prepare-overlayfs.sh" > /dev/null; then
        # dracut 059 (Debian bookworm) makes a live overlay's directories only after systemd has
        # tried to mount it (live-overlay-dirs.sh says more); dracut 060 ships this fix itself.
        inst_hook pre-mount 01 "$moddir/live-overlay-dirs.sh"
    fi

    # Encrypted volumes (SPEC §5, kcrypt): cryptsetup opens the containers, tpm2-tools read the
    # passphrase kcrypt sealed in the TPM, systemd-cryptsetup opens a systemd-tpm2 token; each when
    # this host has it. The token plugin and the TSS2 libraries are dlopen'ed, so dracut's ldd walk
    # misses them: systemd opens esys, rc and mu, tctildr opens a TCTI (libtss2-tcti-*). Not
    # libtss2-fapi (or policy): nothing here calls it, and it drags libcurl (0.3 MB at zstd -15).
    inst_multiple -o cryptsetup dmsetup tpm2_nvread tpm2_rsadecrypt \
        /lib/systemd/systemd-cryptsetup /usr/lib/systemd/systemd-cryptsetup
    inst_libdir_file "cryptsetup/libcryptsetup-token-systemd-tpm2.so" "libtss2-esys.so*" "libtss2-rc.so*" \
        "libtss2-mu.so*" "libtss2-sys.so*" "libtss2-tctildr.so*" "libtss2-tcti-*.so*"
    # The image's key-server plugins (kcrypt-discovery-challenger...), in $PATH or where kcrypt
    # looks: put in /usr/bin, since /system becomes a link to /sysroot/system at the rootfs stage.
    local plugin
    for plugin in "$dracutsysrootdir"{/usr/local/bin,/usr/bin,/usr/sbin,/system/discovery}/kcrypt-discovery-*; do
        [[ -f $plugin && -x $plugin ]] || continue
        inst_binary "${plugin#"$dracutsysrootdir"}" "/usr/bin/${plugin##*/}"
    done

    inst_simple "$moddir/immucore.service" "$systemdsystemunitdir/immucore.service"
    # The emergency shell's banner names immucore status, timeline, retry and slot.
    inst_simple "$moddir/emergency-banner.txt" /usr/lib/immucore/emergency-banner.txt
    inst_hook emergency 50 "$moddir/immucore-emergency.sh"
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
