#!/bin/sh
# The luks scenario's guest side (vm-tests/luks.test.ts), run by the agent:
#   provision  what a Kairos install with kcrypt's local TPM mode leaves: a random passphrase
#              RSA-OAEP-encrypted to a persistent key at 0x81000008, sealed in NV index 0x1500000,
#              and one container per generation of Kairos installs, each holding an ext4 filesystem:
#                persistent  LUKS1, random UUID, no label  → COS_PERSISTENT (found by partition name)
#                data1       LUKS1, UUID uuidv5(URL, DATA1) → DATA1
#                data2       LUKS2, header label DATA2      → DATA2 (same label inside and out)
#                data3       LUKS2, header label DATA3_LUKS, uuidv5, argon2id (today's kcrypt) → DATA3
#                data4       LUKS2 + systemd-tpm2 token on PCR 7 (systemd-cryptenroll) → DATA4
#                data5       LUKS2 + systemd-tpm2 token enrolled after PCR 7 was extended, so no
#                            later boot has that PCR 7 (a changed Secure Boot state) → DATA5
#              Each also gets a keyslot "kms-<label>", the passphrase the fake key server plugin
#              (kcrypt-discovery-fake) answers, and a file "made-by-provision"; nothing of it is
#              mounted afterwards.
#   status     `immucore status` and the dm-crypt mappers, for the report.
#   status+oem the same, then COS_OEM (plain, unmounted first) becomes a LUKS2 container labelled
#              COS_OEM_LUKS whose only key is the key server's "kms-COS_OEM", holding an ext4 COS_OEM
#              with "made-by-provision": an encrypted OEM opened with the cmdline's kcrypt config.
set -eu
status() {
    immucore status || true
    echo '--- dmsetup'
    dmsetup ls --target crypt || true
}
fast='--pbkdf pbkdf2 --pbkdf-force-iterations 1000'
case "$1" in
status) status; exit 0 ;;
status+oem)
    status
    # A failure is reported in luks.txt (the facts), not by stopping the agent.
    (
        set -e
        dev=$(blkid -L COS_OEM)
        for _ in 1 2 3; do umount "$dev" 2>/dev/null || break; done
        if findmnt -rn -S "$dev" >/dev/null; then echo "encrypt-oem: $dev still mounted"; exit 1; fi
        printf %s kms-COS_OEM | cryptsetup luksFormat -q --key-file=- --type luks2 $fast --label COS_OEM_LUKS "$dev"
        printf %s kms-COS_OEM | cryptsetup open --key-file=- "$dev" provision
        mkfs.ext4 -q -L COS_OEM /dev/mapper/provision
        mkdir -p /run/immucore-test/mnt
        mount /dev/mapper/provision /run/immucore-test/mnt
        echo COS_OEM > /run/immucore-test/mnt/made-by-provision
        umount /run/immucore-test/mnt
        cryptsetup close provision
        echo "encrypted OEM $dev: $(cryptsetup luksUUID "$dev")"
    ) || echo "encrypt-oem FAILED"
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
# With two TCG guests on a loaded host, the guest kernel's TPM driver can time out waiting for
# swtpm (tcti "Failed to get response size ... Timer expired"): each TPM step is tried again, and
# skipped when an earlier try did it but lost the answer. Provisioning only: immucore never retries.
tpm() { # <what is done already (a command), or ""> <command...>
    done_check=$1
    shift
    for try in 1 2 3 4 5; do
        if [ -n "$done_check" ] && sh -c "$done_check" >/dev/null 2>&1; then return 0; fi
        "$@" && return 0
        echo "TPM step failed (try $try): $*" >&2
        sleep 2 # test provisioning only: give the loaded host's swtpm a moment
    done
    return 1
}
tpm '' tpm2_createprimary -Q -C o -G rsa2048 -g sha256 \
    -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt' -c primary.ctx
tpm 'tpm2_getcap handles-persistent | grep -q 0x81000008' tpm2_evictcontrol -Q -C o -c primary.ctx 0x81000008
tpm '' tpm2_rsaencrypt -c 0x81000008 -s oaep -o blob pw
tpm 'tpm2_getcap handles-nv-index | grep -q 0x1500000' tpm2_nvdefine -Q -C o -s 256 -a 'ownerread|ownerwrite' 0x1500000
tpm '' tpm2_nvwrite -Q -C o -i blob 0x1500000
echo "sealed a passphrase in NV 0x1500000"

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
    printf %s "kms-$label" > kms
    cryptsetup luksAddKey -q --key-file=pw $fast "$dev" kms
    echo "formatted $dev ($*) holding $label: $(cryptsetup luksUUID "$dev")"
}
# No python3 in the image: uuidv5(URL, DATA1) and (URL, DATA3), as kcryptUuid computes them
# (vm-tests/luks.test.ts checks that).
fmt persistent COS_PERSISTENT --type luks1 $fast
fmt data1 DATA1 --type luks1 $fast --uuid 5f9b7bbf-8fe2-5fc4-8e4f-3561f36261ab
fmt data2 DATA2 --type luks2 $fast --label DATA2
fmt data3 DATA3 --type luks2 --pbkdf argon2id --pbkdf-memory 131072 --label DATA3_LUKS \
    --uuid 39ceeaa2-ed24-5fcd-9658-0bfc5b0ed16a
fmt data4 DATA4 --type luks2 $fast --label DATA4_LUKS
fmt data5 DATA5 --type luks2 $fast --label DATA5_LUKS
enroll() { # <partition name>: a systemd-tpm2 token on PCR 7, as systemd-cryptenroll makes it
    dev=$(readlink -f "/dev/disk/by-partlabel/$1")
    PASSWORD=$pw
    export PASSWORD # systemd-cryptenroll reads the existing passphrase from $PASSWORD
    tpm "cryptsetup luksDump $dev | grep -q systemd-tpm2" \
        systemd-cryptenroll --tpm2-device=auto --tpm2-pcrs=7 "$dev"
    unset PASSWORD
    echo "enrolled a systemd-tpm2 token on PCR 7 for $dev: $(cryptsetup luksDump "$dev" | grep -c systemd-tpm2) token(s)"
}
enroll data4
echo "PCR 7 before: $(tpm2_pcrread sha256:7 | tail -1 || true)"
# Extending once more on a retry changes nothing that matters: PCR 7 differs from any boot's.
tpm '' tpm2_pcrextend 7:sha1=1111111111111111111111111111111111111111,sha256=2222222222222222222222222222222222222222222222222222222222222222
echo "PCR 7 extended: $(tpm2_pcrread sha256:7 | tail -1 || true)"
enroll data5
rm -f pw kms
echo provisioned
