#!/bin/sh
# dracut emergency hook: dracut-emergency sources it before printing its own banner, only when it
# opens the emergency shell (rd.shell, the default; the rd.shell=0 branch runs the
# shutdown-emergency hooks instead). It names immucore's shell commands on every console, as
# dracut prints its banner on each line of /proc/consoles.
if [ -r /usr/lib/immucore/emergency-banner.txt ] && [ -r /proc/consoles ]; then
    while read -r _immucore_tty _immucore_rest; do
        cat /usr/lib/immucore/emergency-banner.txt > "/dev/$_immucore_tty" 2> /dev/null
    done < /proc/consoles
    unset _immucore_tty _immucore_rest
fi
