#!/bin/sh
# Boot test: SeaBIOS (Debian's package, BUILD/firmware/bios-256k.bin, which
# jitpc finds on its own without -kernel or -bios) on jitpc reaches
# "No bootable device" — it found the configured RAM, set up
# the PCI bus and tried every boot device — within a bounded time. Checked
# from the BIOS debug port log (0x402, -debugcon). Exit 77 (skipped) when
# the firmware could not be fetched.
# Usage: tests/boot/seabios.sh BUILD-DIR jit|interp
set -u
build=$1
accel=$2
bios=$build/firmware/bios-256k.bin
[ -f "$bios" ] || { echo "SKIP: no $bios (tools/fetch-firmware could not fetch seabios)"; exit 77; }
work=$build/tests/boot/seabios-$accel
rm -rf "$work"
mkdir -p "$work"
log=$work/bios.log
"$build/jitpc" -accel "$accel" -m 128 -display none -serial null \
    -debugcon "file:$log" -d stats -D "$work/stats.log" </dev/null >"$work/stdout" 2>"$work/stderr" &
pid=$!
limit=${JITPC_BOOT_TIMEOUT:-120}
t=0
while [ "$t" -lt "$((limit * 10))" ]; do
    grep -q "No bootable device" "$log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
    t=$((t + 1))
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
fail=0
check() {
    if grep -q "$1" "$log"; then echo "ok: $2"; else echo "FAIL: $2 (no '$1' in $log)"; fail=1; fi
}
check "SeaBIOS (version" "SeaBIOS started"
check "e820: addr 0x0000000000000000 len 0x0000000008000000 \[RAM\]" "128 MiB of RAM detected (fw_cfg e820)"
check "Found [0-9]* PCI devices" "PCI bus enumerated"
check "No bootable device" "reached 'No bootable device'"
echo "after $((t / 10)).$((t % 10)) s; $(grep -o '[0-9]* instructions retired' "$work/stats.log" 2>/dev/null)"
[ "$fail" -eq 0 ] || { echo "--- $log (tail)"; tail -20 "$log"; echo "--- stderr"; tail -5 "$work/stderr"; }
exit $fail
