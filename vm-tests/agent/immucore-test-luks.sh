#!/bin/sh
# The luks scenario's guest side (vm-tests/luks.test.ts), run by the agent:
#   provision  what a Kairos install with kcrypt's local TPM mode leaves: a random passphrase
#              RSA-OAEP-encrypted to a persistent key at 0x81000008, sealed in NV index 0x1500000,
#              and one container per generation of Kairos installs, each holding an ext4 filesystem:
#                persistent  LUKS1, random UUID, no label  → COS_PERSISTENT (found by partition name)
#                data1       LUKS1, UUID uuidv5(URL, DATA1) → DATA1
#                data2       LUKS2, header label DATA2      → DATA2 (same label inside and out)
#                data3       LUKS2, header label DATA3_LUKS, uuidv5, argon2id (today's kcrypt) → DATA3
#              Each gets a file "made-by-provision"; nothing of it is mounted afterwards.
#   status     `immucore status` and the dm-crypt mappers, for the report.
set -eu
case "$1" in
status)
    immucore status || true
    echo '--- dmsetup'
    dmsetup ls --target crypt || true
    exit 0
    ;;
provision) ;;
*) echo "luks.sh: unknown mode $1" >&2; exit 2 ;;
esac

export TPM2TOOLS_TCTI=device:/dev/tpmrm0
work=/run/immucore-test/luks
mkdir -p "$work"
cd "$work"
pw=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf %s "$pw" > pw
tpm2_createprimary -Q -C o -G rsa2048 -g sha256 \
    -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt' -c primary.ctx
tpm2_evictcontrol -Q -C o -c primary.ctx 0x81000008
tpm2_rsaencrypt -c 0x81000008 -s oaep -o blob pw
tpm2_nvdefine -Q -C o -s 256 -a 'ownerread|ownerwrite' 0x1500000
tpm2_nvwrite -Q -C o -i blob 0x1500000
rm -f pw
echo "sealed a passphrase in NV 0x1500000"

fast='--pbkdf pbkdf2 --pbkdf-force-iterations 1000'
fmt() { # <partition name> <inner label> <luksFormat args...>
    dev=$(readlink -f "/dev/disk/by-partlabel/$1")
    label=$2
    shift 2
    printf %s "$pw" | cryptsetup luksFormat -q --key-file=- "$@" "$dev"
    printf %s "$pw" | cryptsetup open --key-file=- "$dev" provision
    mkfs.ext4 -q -L "$label" /dev/mapper/provision
    mkdir -p /run/immucore-test/mnt
    mount /dev/mapper/provision /run/immucore-test/mnt
    echo "$label" > /run/immucore-test/mnt/made-by-provision
    umount /run/immucore-test/mnt
    cryptsetup close provision
    echo "formatted $dev ($*) holding $label: $(cryptsetup luksUUID "$dev")"
}
# No python3 in the image: uuidv5(URL, DATA1) and (URL, DATA3), as kcryptUuid computes them
# (vm-tests/luks.test.ts checks that).
fmt persistent COS_PERSISTENT --type luks1 $fast
fmt data1 DATA1 --type luks1 $fast --uuid 5f9b7bbf-8fe2-5fc4-8e4f-3561f36261ab
fmt data2 DATA2 --type luks2 $fast --label DATA2
fmt data3 DATA3 --type luks2 --pbkdf argon2id --pbkdf-memory 131072 --label DATA3_LUKS \
    --uuid 39ceeaa2-ed24-5fcd-9658-0bfc5b0ed16a
echo provisioned
