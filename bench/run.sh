#!/bin/sh
# bench/run.sh: build the benchmark workloads (bare-metal Multiboot guests on
# tests/guest/lib, plus a -m32 host build of each pure-computation kernel),
# run each on jitpc, on QEMU TCG and natively, and print one table.
# `make bench` runs it; see bench/README.md. Timings are never asserted.
#
#   bench/run.sh [--jitpc PATH] [--qemu PATH] [--work DIR] [--reps N]
#                [--scale N] [--only NAME[,NAME...]]
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
LIB=$ROOT/tests/guest/lib
JITPC=$ROOT/build/jitpc
QEMU=qemu-system-i386
WORK=$ROOT/build-bench
REPS=3
SCALE=1
ONLY=
CC=${CC:-gcc}

while [ $# -gt 0 ]; do
    case $1 in
    --jitpc) JITPC=$2; shift 2 ;;
    --qemu) QEMU=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --scale) SCALE=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

# name  native  extra kernel flags    (native: also run as a host process)
WORKLOADS="
startup    yes
intloop    yes
memcopy    yes
calls      yes
sort       yes
x87        yes
sse2       yes  -msse2 -mfpmath=sse
smc        no
interrupts no
pagefault  no
"

if [ ! -x "$JITPC" ]; then
    echo "bench/run.sh: jitpc binary '$JITPC' not found (run 'make build' first)" >&2
    exit 1
fi
case $JITPC in /*) ;; *) JITPC=$(pwd)/$JITPC ;; esac
if command -v "$QEMU" >/dev/null 2>&1; then
    QEMU=$(command -v "$QEMU")
else
    echo "note: $QEMU not found: its columns say n/a (Debian: apt-get install qemu-system-x86)" >&2
    QEMU=
fi

mkdir -p "$WORK/obj" "$WORK/out"
WORK=$(cd "$WORK" && pwd)

# The kernels get the guest tests' code generation flags (tests/guest/
# guest_test.cmake), and the very same object file goes into the guest
# image and into the host program, so all three runs execute the same code.
KFLAGS="-m32 -march=i686 -O2 -ffreestanding -fno-builtin -fno-pic -fno-pie
 -fno-stack-protector -fno-asynchronous-unwind-tables
 -fno-tree-loop-distribute-patterns -Wall -Wextra -Werror -DBENCH_SCALE=$SCALE"
GFLAGS="-m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-builtin
 -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections -O2 -Wall -Wextra
 -I$LIB -I$BENCH/guest -nostdlib -static -no-pie -Wl,-T,$LIB/guest.ld -Wl,--build-id=none
 -Wl,--gc-sections -Wl,-z,max-page-size=0x1000"

echo "== building workloads in $WORK" >&2
$CC -O2 -Wall -Wextra -o "$WORK/timeit" "$BENCH/timeit.c"
selected() {
    [ -z "$ONLY" ] && return 0
    case ",$ONLY," in *",$1,"*) return 0 ;; esac
    return 1
}
echo "$WORKLOADS" | while read -r name native kflags; do
    [ -n "$name" ] || continue
    selected "$name" || continue
    # shellcheck disable=SC2086
    $CC $KFLAGS $kflags -I"$BENCH/guest" -I"$LIB" -c "$BENCH/workloads/$name.c" \
        -o "$WORK/obj/$name.o"
    # shellcheck disable=SC2086
    $CC $GFLAGS -o "$WORK/$name.elf" "$LIB/crt0.S" "$LIB/guest.c" "$BENCH/guest/bench_guest.c" \
        "$WORK/obj/$name.o" -lgcc
    if [ "$native" = yes ]; then
        $CC -m32 -O2 -no-pie -o "$WORK/$name.native" "$BENCH/host_main.c" "$WORK/obj/$name.o"
    fi
done

# Run one command through timeit; echo "<seconds> <checksum line>" or
# "n/a <why>". $1: tag, rest: the command (the guest's debug console goes to
# $WORK/out/<tag>.dbg for emulators; a native program prints on stdout).
timed() {
    tag=$1; shift
    rm -f "$WORK/out/$tag.dbg"
    res=$("$WORK/timeit" "$REPS" 60 "$WORK/out/$tag.stdout" "$WORK/out/$tag.stderr" -- "$@")
    secs=${res%% *}
    how=${res#* }
    if [ -f "$WORK/out/$tag.dbg" ]; then out=$WORK/out/$tag.dbg; else out=$WORK/out/$tag.stdout; fi
    sum=$(grep -m1 '^checksum ' "$out" 2>/dev/null | cut -d' ' -f2 || true)
    # A guest that returned 0 exits with (0 << 1) | 1 = 1 on both emulators.
    case $tag in *.native) want="exit 0" ;; *) want="exit 1" ;; esac
    if [ "$how" != "$want" ] || [ -z "$sum" ]; then
        echo "bench: $tag failed ($how, checksum '${sum:-none}'); see $WORK/out/$tag.*" >&2
        echo "n/a failed"
    else
        echo "$secs $sum"
    fi
}

emu_args() {  # $1: image, $2: debug console file, $3: accelerator
    echo "-nodefaults -display none -no-reboot -m 128 -accel $3 -cpu max
 -debugcon file:$2 -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel $1"
}

echo "== running (min of $REPS runs each)" >&2
RESULTS=$WORK/results.txt
: > "$RESULTS"
echo "$WORKLOADS" | while read -r name native kflags; do
    [ -n "$name" ] || continue
    selected "$name" || continue
    img=$WORK/$name.elf
    # Count the guest instructions once (this run also warms the caches).
    # shellcheck disable=SC2046
    "$JITPC" $(emu_args "$img" "$WORK/out/$name.count.dbg" jit) -d stats \
        </dev/null >/dev/null 2>"$WORK/out/$name.count.stderr" || true
    insns=$(sed -n 's/^stats: \([0-9]*\) instructions retired.*/\1/p' \
        "$WORK/out/$name.count.stderr" | head -n1)
    # shellcheck disable=SC2046
    j=$(timed "$name.jitpc" "$JITPC" $(emu_args "$img" "$WORK/out/$name.jitpc.dbg" jit))
    # shellcheck disable=SC2046
    i=$(timed "$name.interp" "$JITPC" $(emu_args "$img" "$WORK/out/$name.interp.dbg" interp))
    if [ -n "$QEMU" ]; then
        # shellcheck disable=SC2046
        q=$(timed "$name.qemu" "$QEMU" $(emu_args "$img" "$WORK/out/$name.qemu.dbg" tcg))
    else
        q="n/a missing"
    fi
    if [ "$native" = yes ]; then
        n=$(timed "$name.native" "$WORK/$name.native")
    else
        n="n/a guest-only"
    fi
    echo "$name ${insns:-n/a} $j $q $n $i" >> "$RESULTS"
    echo "   $name done" >&2
done

# One row per workload: times in seconds, MIPS = guest instructions per
# second / 1e6, ratios are speed ratios (time of the other / time of jitpc:
# above 1 means jitpc is faster). Checksums must agree across the runs.
awk -v qemu="${QEMU:-none}" '
function fmt_t(t) { return t == "n/a" ? "n/a" : sprintf("%.3f", t) }
function mips(n, t) { return (n == "n/a" || t == "n/a" || t <= 0) ? "n/a" : sprintf("%.1f", n / t / 1e6) }
function ratio(a, b) { return (a == "n/a" || b == "n/a" || b <= 0) ? "n/a" : sprintf("%.3f", a / b) }
BEGIN {
    printf "%-10s %12s %8s %8s %8s %8s %8s %8s %10s %11s %11s  %s\n", "workload", "guest insns",
        "jit", "interp", "QEMU", "native", "jit MIPS", "QEMU MIPS", "jit/QEMU", "jit/native",
        "interp/jit", "checksum"
}
{
    name = $1; n = $2; jt = $3; js = $4; qt = $5; qs = $6; nt = $7; ns = $8; it = $9; is = $10
    sum = js
    if (sum == "failed" || sum == "missing") sum = qs
    ok = "ok"
    if (js != "failed" && qs != "failed" && qs != "missing" && js != qs) ok = "MISMATCH"
    if (js != "failed" && ns != "failed" && ns != "guest-only" && js != ns) ok = "MISMATCH"
    if (js != "failed" && is != "failed" && js != is) ok = "MISMATCH"
    printf "%-10s %12s %8s %8s %8s %8s %8s %8s %10s %11s %11s  %s %s\n", name, n, fmt_t(jt), fmt_t(it),
        fmt_t(qt), fmt_t(nt), mips(n, jt), mips(n, qt), ratio(qt, jt), ratio(nt, jt), ratio(jt, it), sum, ok
}' "$RESULTS"
echo "(seconds of wall time, min of $REPS; instructions counted by jitpc -d stats; jit/QEMU and" \
     "jit/native: speed ratios, >1 means jitpc's jit is faster; interp/jit: the interpreter's speed" \
     "relative to jit; QEMU: ${QEMU:-not installed})"
