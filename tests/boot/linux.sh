#!/bin/sh
# Boot test: the default Linux guest (BUILD/guest from tools/mkguest:
# Debian's i386 kernel, busybox initramfs) boots on jitpc, runs /smoke.sh
# (jitpc.test=smoke) and reboots; jitpc must exit 0 (-no-reboot) and every
# marker must be right: checksums equal to the host's for the same data,
# 200 (or 20) fork/execs, awk floating point, the date within a minute of
# the host's, the CPUID model, a pipe and a signal, and no oops in the log.
# Exit 77 (skipped) when the guest could not be built.
# Usage: tests/boot/linux.sh BUILD-DIR jit|interp full|short
set -u
build=$1
accel=$2
variant=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -f "$build/guest/vmlinuz" ] && ! "$root/tools/mkguest" "$build" >/dev/null 2>&1; then
    echo "SKIP: the default guest could not be built (tools/mkguest $build)"
    exit 77
fi
work=$build/tests/boot/linux-$accel
rm -rf "$work"
mkdir -p "$work"
log=$work/console.log
append="console=ttyS0 jitpc.test=smoke"
[ "$variant" = short ] && append="$append jitpc.smoke=short"
start=$(date +%s)
timeout 840 "$build/jitpc" -accel "$accel" -m 256 -icount shift=0 -kernel "$build/guest/vmlinuz" \
    -initrd "$build/guest/initramfs.cpio.gz" -append "$append" -display none -serial "file:$log" \
    -no-reboot -d stats -D "$work/stats.log" </dev/null >"$work/stdout" 2>"$work/stderr"
status=$?
end=$(date +%s)
fail=0
check() {
    if grep -q "$1" "$log"; then echo "ok: $2"; else echo "FAIL: $2 (no '$1')"; fail=1; fi
}
[ "$status" -eq 0 ] && echo "ok: jitpc exited with status 0 after reboot -f" ||
    { echo "FAIL: jitpc exited with status $status"; fail=1; }
check "^SMOKE uname Linux" "uname"
n=$(sed -n 's/^SMOKE seq \([0-9]*\).*/\1/p' "$log" | tr -d '\r')
if [ -n "$n" ]; then
    md5=$(seq 1 "$n" | md5sum | cut -d' ' -f1)
    sha=$(seq 1 "$n" | sha256sum | cut -d' ' -f1)
    check "^SMOKE md5 $md5" "md5sum of seq 1 $n equals the host's"
    check "^SMOKE sha256 $sha" "sha256sum of seq 1 $n equals the host's"
else
    echo "FAIL: no SMOKE seq line"; fail=1
fi
check "^SMOKE fork [0-9]" "fork/exec loop"
check "^SMOKE awk 7.485471" "awk floating point"
gdate=$(sed -n 's/^SMOKE date \([0-9]*\).*/\1/p' "$log" | tr -d '\r')
if [ -n "$gdate" ] && [ "$gdate" -ge $((start - 60)) ] && [ "$gdate" -le $((end + 60)) ]; then
    echo "ok: guest date $gdate within a minute of the host's"
else
    echo "FAIL: guest date '$gdate' not within [$((start - 60)), $((end + 60))]"; fail=1
fi
check "^SMOKE cpu " "/proc/cpuinfo model name"
check "^SMOKE pipe 3" "pipe"
check "^SMOKE signal 143" "signal"
check "^SMOKE done" "smoke script finished"
if grep -q "tsc: Detected .* MHz processor" "$log"; then echo "ok: TSC calibrated"; else echo "FAIL: no TSC calibration"; fail=1; fi
if grep -q "Oops\|BUG:\|Kernel panic\|lost .* timer\|unknown CPU" "$log"; then
    echo "FAIL: the kernel log has an oops, panic or timer/CPU complaint"; fail=1
fi
echo "boot + smoke: $((end - start)) s on $accel; $(grep -o '[0-9]* instructions retired' "$work/stats.log" 2>/dev/null)"
[ "$fail" -eq 0 ] || { echo "--- $log (tail)"; tail -25 "$log"; echo "--- stderr"; tail -5 "$work/stderr"; }
exit $fail
