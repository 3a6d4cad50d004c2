#!/bin/sh
# The VM test agent: once the booted system is up, prints the facts a test asserts on as ONE JSON
# line between marker lines on its own serial port (ttyS1, which the harness reads; the console
# when there is none), then powers off.
# Cmdline knobs, all optional:
#   immucore.test.agent=off          do nothing (interactive boots, the demo)
#   immucore.test.poweroff=0         stay up after reporting
#   immucore.test.files=/a,/b        include these files' contents (null when missing)
#   immucore.test.write=/a,/b        after reporting, write "<boot id>" into these files
#                                    (persistence scenarios read them back on the next boot)
#   immucore.test.time=1             time `immucore --version` and `immucore plan` in the guest
#   immucore.test.hog=1              memory scenario: wait for nohang.service (<= 90 s), start a
#                                    process named sshd holding ~55 % of MemAvailable (matched by
#                                    the server preset's protect rule), then a hog (`tail /dev/zero`)
#                                    and wait (<= 90 s) for it to die; reported as "memory"
#   immucore.test.after=<unit>       report only once <unit> has finished (the GRUB scenarios wait
#                                    for immucore-bless.service, which is ordered after
#                                    multi-user.target, after this unit): the agent hands itself
#                                    to a transient unit ordered after it and exits
#   immucore.test.slot=1             include `immucore slot status --json` as "slot"
#   immucore.test.analyze=1          before the report, print on the console where the boot's time
#                                    went: systemd's own journal (unit start/finish, monotonic
#                                    times) and the loaded modules (for tuning the test image)
#   immucore.test.luks=provision     first: encrypt partitions as Kairos' kcrypt does (luks.sh);
#   immucore.test.luks=status        or: record `immucore status`; both in /run/immucore-test/luks.txt
#   immucore.test.stat=/a,/b         include these paths' inode, mtime (s), size and owner (null when
#                                    missing), for "not rewritten" checks across boots
#   immucore.test.disk=1             include /dev/vda's size and partitions (start and size in
#                                    sectors, from sysfs) and COS_PERSISTENT's ext4 block count
set -u
read -r started _ < /proc/uptime
out=/run/immucore-test
mkdir -p "$out"

agent=on poweroff=1 files= writes= time=0 hog=0 after= slot=0 analyze=0 stats= disk=0
read -r cmdline < /proc/cmdline
for word in $cmdline; do
    case "$word" in
        immucore.test.agent=off) agent=off ;;
        immucore.test.poweroff=0) poweroff=0 ;;
        immucore.test.files=*) files="${word#*=}" ;;
        immucore.test.write=*) writes="${word#*=}" ;;
        immucore.test.time=1) time=1 ;;
        immucore.test.hog=1) hog=1 ;;
        immucore.test.after=*) after="${word#*=}" ;;
        immucore.test.slot=1) slot=1 ;;
        immucore.test.analyze=1) analyze=1 ;;
        immucore.test.luks=*) luks="${word#*=}" ;;
        immucore.test.stat=*) stats="${word#*=}" ;;
        immucore.test.disk=1) disk=1 ;;
    esac
done
[ "$agent" = on ] || exit 0
if [ -n "$after" ] && [ -z "${IMMUCORE_TEST_LATE:-}" ]; then
    exec systemd-run --no-block --unit=immucore-test-agent-late -p DefaultDependencies=no \
        -p "After=$after" --setenv=IMMUCORE_TEST_LATE=1 /usr/lib/immucore-test/agent.sh
fi
[ -n "${luks:-}" ] && /usr/lib/immucore-test/luks.sh "$luks" > "$out/luks.txt" 2>&1

# Each fact is written to a file first: --rawfile has no argv length limit.
findmnt --json --list -o TARGET,SOURCE,FSTYPE,OPTIONS > "$out/mounts.json" 2>/dev/null || echo '{"filesystems":[]}' > "$out/mounts.json"
# /run/cos in one awk and one jq (process start-up is slow under TCG): name → content (an empty
# file is left out; sentinels hold "1"). awk tags each line with its file: jq alone reads its files
# as one stream, so a file without a final newline (a sentinel) would run into the next one.
set -- /run/cos/*
if [ -f "$1" ]; then
    awk '{ print FILENAME "\t" $0 }' "$@" |
        jq -c -n -R 'reduce inputs as $l ({}; ($l | index("\t")) as $i | .[$l[:$i] | sub(".*/"; "")] += $l[$i + 1:] + "\n")' > "$out/cos.json"
else
    echo '{}' > "$out/cos.json"
fi
# The asked-for files in one jq as well: --arg pN names file N, --rawfile fN holds it if it exists.
(
    IFS=,
    set --
    n=0
    for f in $files; do
        [ -f "$f" ] && set -- "$@" --rawfile "f$n" "$f"
        set -- "$@" --arg "p$n" "$f"
        n=$((n + 1))
    done
    jq -cn --argjson n "$n" "$@" '[range($n) | {($ARGS.named["p\(.)"]): $ARGS.named["f\(.)"]}] | add // {}'
) > "$out/files.json"
# stat(1) of the asked-for paths: "inode mtime size uid:gid" per line, then one jq.
(
    IFS=,
    for f in $stats; do
        printf '%s\t%s\n' "$f" "$(stat -c '%i %Y %s %u:%g' "$f" 2> /dev/null)"
    done
) | jq -c -n -R 'reduce inputs as $l ({}; ($l | split("\t")) as [$p, $s] |
    .[$p] = (if $s == "" then null else ($s | split(" ") | {inode: (.[0] | tonumber), mtime: (.[1] | tonumber), size: (.[2] | tonumber), owner: .[3]}) end))' > "$out/stat.json"
# The first disk from sysfs (512-byte sectors) and what COS_PERSISTENT's superblock says.
if [ "$disk" = 1 ]; then
    for p in /sys/class/block/vda/vda*; do
        [ -f "$p/start" ] && printf '%s %s %s\n' "${p##*/}" "$(cat "$p/start")" "$(cat "$p/size")"
    done > "$out/parts.txt"
    dumpe2fs -h /dev/disk/by-label/COS_PERSISTENT 2> /dev/null | grep -E '^Block (count|size):' > "$out/ext4.txt"
    jq -cn --arg size "$(cat /sys/class/block/vda/size)" --rawfile parts "$out/parts.txt" --rawfile ext4 "$out/ext4.txt" '{
        sectors: ($size | tonumber),
        partitions: ($parts | split("\n") | map(select(length > 0) | split(" ") | {name: .[0], start: (.[1] | tonumber), size: (.[2] | tonumber)})),
        persistentExt4: ($ext4 | split("\n") | map(select(length > 0) | split(":") | {(.[0]): (.[1] | gsub(" "; "") | tonumber)}) | add)
    }' > "$out/disk.json"
else
    echo null > "$out/disk.json"
fi
# nohang's units, and with immucore.test.hog=1 the hog: who nohang kills, who survives.
wait_until() { # <seconds> <command...>: 0 once the command succeeds, 1 after the time is up
    n=$(($1 * 5))
    shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        n=$((n - 1))
        sleep 0.2
    done
    return 1
}
nohang_monitoring() { journalctl -b -u nohang.service -o cat --no-pager 2>/dev/null | grep -q 'Monitoring has started'; }
unit_gone() { ! systemctl is-active --quiet "$1"; }
protected_ready() { [ -f "$out/protected-ready" ]; }
hogJson=null
if [ "$hog" = 1 ]; then
    waitedNohang=true waitedProtected=true waitedHog=true
    wait_until 90 systemctl is-active --quiet nohang.service || waitedNohang=false
    wait_until 60 nohang_monitoring || waitedNohang=false
    avail=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
    protectMiB=$((avail * 55 / 100))
    # comm is the name exec was given: a symlink named sshd makes python3 "sshd" to nohang.
    ln -sf "$(readlink -f /usr/bin/python3)" "$out/sshd"
    systemd-run --quiet --unit=immucore-test-protected "$out/sshd" -c \
        'import sys, time; b = b"\x01" * (int(sys.argv[1]) << 20); open(sys.argv[2], "w").close(); time.sleep(3600)' \
        "$protectMiB" "$out/protected-ready"
    wait_until 90 protected_ready || waitedProtected=false
    availBeforeHog=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
    systemd-run --quiet --unit=immucore-test-hog tail /dev/zero
    hogPid=$(systemctl show -p MainPID --value immucore-test-hog.service 2>/dev/null)
    sleep 1
    wait_until 90 unit_gone immucore-test-hog.service || waitedHog=false
    # SIGTERM is a clean exit to systemd: a hog nohang terminated leaves no unit behind (Result and
    # status then read as defaults); the journal names its PID.
    systemctl show -p Result -p ExecMainCode -p ExecMainStatus immucore-test-hog.service > "$out/hog-show.txt" 2>&1
    systemctl show -p ActiveState -p MainPID immucore-test-protected.service > "$out/protected-show.txt" 2>&1
    protectedComm=$(cat "/proc/$(systemctl show -p MainPID --value immucore-test-protected.service)/comm" 2>/dev/null)
    protectedActive=$(systemctl is-active immucore-test-protected.service 2>/dev/null)
    journalctl -b -u nohang.service -o cat --no-pager > "$out/nohang-journal.txt" 2>/dev/null
    journalctl -k -b -o cat --no-pager 2>/dev/null | grep -i 'out of memory\|oom-kill\|killed process' > "$out/kernel-oom.txt"
    systemctl stop immucore-test-protected.service 2>/dev/null
    systemctl reset-failed immucore-test-hog.service immucore-test-protected.service 2>/dev/null
    hogJson=$(jq -cn \
        --argjson waitedNohang "$waitedNohang" --argjson waitedProtected "$waitedProtected" --argjson waitedHog "$waitedHog" \
        --arg avail "$avail" --arg protectMiB "$protectMiB" --arg availBeforeHog "$availBeforeHog" \
        --arg protectedComm "$protectedComm" --arg protectedActive "$protectedActive" --arg hogPid "$hogPid" \
        --rawfile hog "$out/hog-show.txt" --rawfile protected "$out/protected-show.txt" \
        --rawfile kernel "$out/kernel-oom.txt" \
        '{
            waited: {nohang: $waitedNohang, protected: $waitedProtected, hogGone: $waitedHog},
            memAvailableMiB: ($avail | tonumber), protectedMiB: ($protectMiB | tonumber),
            memAvailableBeforeHogMiB: ($availBeforeHog | tonumber? // null),
            hogPid: ($hogPid | tonumber? // null),
            hog: ($hog | split("\n") | map(select(contains("=")) | split("=") | {(.[0]): (.[1:] | join("="))}) | add // {}),
            protected: ($protected | split("\n") | map(select(contains("=")) | split("=") | {(.[0]): (.[1:] | join("="))}) | add // {}),
            protectedComm: $protectedComm, protectedActive: $protectedActive,
            kernelOom: $kernel
        }') || hogJson='{"error":"jq failed"}'
else
    journalctl -b -u nohang.service -o cat --no-pager > "$out/nohang-journal.txt" 2>/dev/null
fi
echo "$hogJson" > "$out/hog.json"
# Both nohang units in one systemctl call (each call costs a busy PID 1 and a TCG CPU ~1 s):
# UnitFileState and ActiveState are what `is-enabled` and `is-active` print ('' and "inactive" for
# a unit that does not exist); one block of Key=value lines per unit, blocks apart by a blank line.
systemctl show -p Id -p UnitFileState -p ActiveState -p ExecStart -p DropInPaths \
    nohang.service nohang-desktop.service > "$out/nohang-show.txt" 2>/dev/null
jq -cn \
    --rawfile show "$out/nohang-show.txt" \
    --rawfile journal "$out/nohang-journal.txt" --slurpfile hog "$out/hog.json" \
    '($show | split("\n\n") | map(split("\n") | map(select(contains("=")) | index("=") as $i | {(.[:$i]): .[$i + 1:]}) | add // {})
        | map(select(.Id != null) | {(.Id): .}) | add // {}) as $u
     | {units: ({"nohang.service": $u["nohang.service"], "nohang-desktop.service": $u["nohang-desktop.service"]}
            | map_values({enabled: (.UnitFileState // ""), active: (.ActiveState // "inactive")})),
        execStart: ($u["nohang.service"].ExecStart // ""),
        dropIns: ($u["nohang.service"].DropInPaths // "" | split(" ") | map(select(length > 0))),
        journal: $journal, hog: $hog[0]}' \
    > "$out/memory.json" 2>/dev/null || echo '{"error":"jq failed"}' > "$out/memory.json"
systemctl list-units --failed --plain --no-legend > "$out/failed.txt" 2>/dev/null
journalctl -b -u immucore.service -o short-monotonic --no-pager > "$out/immucore-journal.txt" 2>/dev/null
# The final jq reads these in place (a missing one as empty): no copy, no process of its own.
report=/run/immucore/report.json fstab=/etc/fstab marker=/etc/immucore-test-image
[ -r "$report" ] || report=/dev/null
[ -r "$fstab" ] || fstab=/dev/null
[ -r "$marker" ] || marker=/dev/null
# Monotonic µs: when the initrd's systemd started and when the booted system's did (switch-root).
systemctl show -p InitRDTimestampMonotonic -p UserspaceTimestampMonotonic > "$out/timing.txt" 2>/dev/null
# Start-up cost of the binary under this CPU (TCG): ms of a first and a second run of each.
ms() { s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
if [ "$time" = 1 ]; then
    echo "{\"version\":[$(ms immucore --version),$(ms immucore --version)],\"plan\":[$(ms immucore plan),$(ms immucore plan)]}"
else
    echo null
fi > "$out/binary-ms.json"
if [ "$slot" = 1 ]; then
    immucore slot status --json > "$out/slot.json" 2> "$out/slot.err" || [ -s "$out/slot.json" ] ||
        jq -cn --rawfile e "$out/slot.err" '{error: $e}' > "$out/slot.json"
else
    echo null > "$out/slot.json"
fi
read -r uptime _ < /proc/uptime

jq -cn \
    --arg uptime "$uptime" \
    --arg started "$started" \
    --rawfile cmdline /proc/cmdline \
    --rawfile bootId /proc/sys/kernel/random/boot_id \
    --rawfile marker "$marker" \
    --rawfile fstab "$fstab" \
    --rawfile report "$report" \
    --rawfile journal "$out/immucore-journal.txt" \
    --rawfile failed "$out/failed.txt" \
    --rawfile timing "$out/timing.txt" \
    --slurpfile mounts "$out/mounts.json" \
    --slurpfile cos "$out/cos.json" \
    --slurpfile files "$out/files.json" \
    --slurpfile binaryMs "$out/binary-ms.json" \
    --slurpfile memory "$out/memory.json" \
    --slurpfile slot "$out/slot.json" \
    --slurpfile stat "$out/stat.json" \
    --slurpfile disk "$out/disk.json" \
    '{
        uptime: ($uptime | tonumber),
        agentStarted: ($started | tonumber),
        cmdline: ($cmdline | rtrimstr("\n")),
        bootId: ($bootId | rtrimstr("\n")),
        marker: (if $marker == "" then null else ($marker | rtrimstr("\n")) end),
        mounts: $mounts[0].filesystems,
        cos: $cos[0],
        report: (if $report == "" then null else ($report | try fromjson catch $report) end),
        fstab: (if $fstab == "" then null else $fstab end),
        files: $files[0],
        failedUnits: ($failed | split("\n") | map(sub("^\\s+"; "") | split(" ")[0] // "") | map(select(length > 0))),
        binaryMs: $binaryMs[0],
        memory: $memory[0],
        slot: $slot[0],
        stat: $stat[0],
        disk: $disk[0],
        timing: ($timing | split("\n") | map(select(contains("=")) | split("=") | {(.[0]): (.[1] | tonumber? // null)}) | add // {}),
        immucoreJournal: $journal
    }' > "$out/facts.json" || echo '{"agentError":"jq failed"}' > "$out/facts.json"

# Before the report: the harness stops QEMU once it has the report. The facts' uptime is read
# above, so this costs the measured boot nothing but the harness's own boot time.
if [ "$analyze" = 1 ]; then
    {
        echo "immucore-test-agent: analyze: agent started at $started s, facts done at $uptime s"
        journalctl -b _PID=1 -o short-monotonic --no-pager 2>/dev/null | grep -E 'Starting|Started|Finished|Reached target|Deactivated' | sed 's/^/analyze: /'
        echo "analyze: modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
    } > /dev/console
fi

# The facts go to the second serial port, which the harness gives the agent alone: on the console,
# kernel messages and systemd's status lines can land in the middle of the JSON line. Without that
# port (a VM started by other means) they go to the console. One redirection for the three lines.
port=/dev/console
stty -F /dev/ttyS1 > /dev/null 2>&1 && port=/dev/ttyS1
{
    echo '@@IMMUCORE-AGENT-BEGIN@@'
    cat "$out/facts.json"
    echo '@@IMMUCORE-AGENT-END@@'
} > "$port"
[ "$port" = /dev/console ] || echo "immucore-test-agent: facts written to $port ($(wc -c < "$out/facts.json") bytes)" > /dev/console

# The console keeps up to 4 KiB queued in the UART driver after the write returns, and a forced
# power-off drops it (the END marker with it): wait until the transmit counter stops moving.
drain_console() {
    last= i=0
    while [ $i -lt 100 ]; do
        now=$(grep -o 'tx:[0-9]*' /proc/tty/driver/serial 2>/dev/null | tr '\n' ' ')
        [ "$now" = "$last" ] && return
        last=$now i=$((i + 1))
        sleep 0.2
    done
}
drain_console

(
    IFS=,
    for f in $writes; do
        mkdir -p "${f%/*}" && cat /proc/sys/kernel/random/boot_id > "$f"
    done
)
sync
# --force: stop services by killing them, unmount, sync, power off (a clean unmount, so a
# persistence scenario keeps its writes) without the full shutdown transaction.
[ "$poweroff" = 1 ] && systemctl poweroff --force
exit 0
