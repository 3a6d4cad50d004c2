#!/bin/sh
# The default layout's mounts, one process per command, as the Kairos shell modules made them.
set -e
. /usr/lib/cos-shell/layout.env
img=${IMAGE:-/cOS/active.img}
label() { echo "/dev/disk/by-label/$1"; }
# Event-driven, as immucore: udev's by-label links, with a timeout.
udevadm wait --timeout=120 "$(label COS_STATE)" "$(label COS_OEM)" "$(label COS_PERSISTENT)"
mkdir -p /run/initramfs/cos-state /run/cos
echo 1 > /run/cos/active_mode
mount -o ro "$(label COS_STATE)" /run/initramfs/cos-state
loop=$(losetup --find --show --read-only "/run/initramfs/cos-state$img")
mount -o ro "$loop" /sysroot
fstab="$(label COS_ACTIVE) / ext4 ro 0 0
$(label COS_STATE) /run/initramfs/cos-state ext4 ro 0 0"
mount -o rw "$(label COS_OEM)" /sysroot/oem
fstab="$fstab
$(label COS_OEM) /oem ext4 rw 0 0"
mkdir -p /run/overlay
mount -t tmpfs -o rw,size=25% tmpfs /run/overlay
for v in $VOLUMES; do
    l=${v#LABEL=}; l=${l%%:*}; at=${v#*:}
    mkdir -p "/sysroot$at"
    mount -o rw "$(label "$l")" "/sysroot$at"
    fstab="$fstab
$(label "$l") $at ext4 rw 0 0"
done
for p in $RW_PATHS; do
    d=/run/overlay$p/.overlay
    mkdir -p "$d/upper" "$d/work"
    mount -t overlay overlay -o "lowerdir=/sysroot$p,upperdir=$d/upper,workdir=$d/work" "/sysroot$p"
    fstab="$fstab
overlay $p overlay lowerdir=/sysroot$p,upperdir=$d/upper,workdir=$d/work 0 0"
done
state=/sysroot$PERSISTENT_STATE_TARGET
for p in $PERSISTENT_STATE_PATHS; do
    name=$(echo "${p#/}" | sed 's,/,-,g')
    src=$state/$name.bind
    if [ ! -d "$src" ]; then
        mkdir -p "$src"
        # Copy-up on first use: the image's content of the path seeds its state dir.
        if [ -d "/sysroot$p" ] && [ -n "$(ls -A "/sysroot$p")" ]; then cp -a "/sysroot$p/." "$src/"; fi
    fi
    # A path the read-only root lacks is skipped, as immucore does (a warning there).
    mkdir -p "/sysroot$p" 2> /dev/null || { echo "cos-shell: no $p in the image, skipped"; continue; }
    mount --bind "$src" "/sysroot$p"
    fstab="$fstab
$PERSISTENT_STATE_TARGET/$name.bind $p none bind 0 0"
done
echo "$fstab" > /sysroot/etc/fstab
echo "cos-shell: $(grep -c ' /sysroot' /proc/self/mountinfo) mounts under /sysroot"
