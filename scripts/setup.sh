# Sourced by ./test.sh and ./demo.sh: install what is missing on a fresh Debian machine.
# apt packages when run as root (the exact apt line otherwise), then npm dependencies.

# ensure_apt PKG...: install the packages that are not installed yet.
ensure_apt() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  if [[ $EUID -ne 0 ]]; then
    echo "missing packages: ${missing[*]}" >&2
    echo "run as root, or first: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_npm: npm ci when node_modules is missing or older than the lockfile.
ensure_npm() {
  if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund
  fi
}

# What the tests use: mkfs/debugfs, losetup/unshare, udevadm, setfattr, mkfs.vfat, sgdisk, busybox
# (stage chroots), nohang (the memory policy), grub-common (grub-editenv: the grubenv golden
# tests), lvm2 (pvcreate for test/sys/member-scan.test.ts), cryptsetup-bin, swtpm and tpm2-tools (LUKS headers and kcrypt's TPM NV mode on a software
# TPM: test/sys/luks.test.ts), and for the QEMU suite qemu, debootstrap, sfdisk, lvm2 (the LVM
# disk), squashfs-tools (the squashfs recovery), grub-pc-bin (BIOS GRUB for the boot assessment
# scenarios) and xorriso (the kairos-configs scenario's cidata CD).
TEST_PACKAGES=(e2fsprogs util-linux udev attr rsync coreutils dosfstools gdisk busybox-static nohang grub-common lvm2
    cryptsetup-bin swtpm swtpm-tools tpm2-tools)
VM_PACKAGES=(qemu-system-x86 qemu-utils debootstrap fdisk lvm2 squashfs-tools grub-pc-bin xorriso)
