#!/bin/sh
# The demo's closing screen (./demo.sh boots with `immucore.demo`): what immucore did for this
# boot, as the booted system sees it, on the console; then the machine powers off.
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
{
    printf '\n\033[1m===== immucore demo: the booted system =====\033[0m\n'
    say immucore status
    immucore status
    say "findmnt (what immucore mounted)"
    findmnt --list -o TARGET,SOURCE,FSTYPE,OPTIONS | awk 'NR == 1 || $3 ~ /^(ext4|overlay|tmpfs)$/ && $1 !~ /^\/(dev|sys|proc)/ && $1 != "/run" && $1 != "/dev/shm" && $1 !~ /^\/run\/(user|credentials|lock)/' | cut -c1-150
    say cat /etc/fstab
    cat /etc/fstab
    say ls /run/cos
    ls /run/cos
    say "immucore plan (for this cmdline; touches nothing)"
    immucore plan | sed -n '1,3p'
    printf '\nThe boot timeline is in /run/immucore/boot-timeline.json (open it in Perfetto).\n'
    printf '\033[1m===== powering off =====\033[0m\n'
} > /dev/console 2>&1
systemctl poweroff --no-block
