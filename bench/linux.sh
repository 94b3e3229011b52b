#!/bin/sh
# bench/linux.sh: boot the default Linux guest (tools/mkguest) with
# jitpc.test=bench on jitpc (-accel jit) and on QEMU TCG, N times each, and
# print one table of the guest-timed workloads of its /bench.sh (min of the
# runs) plus the host wall time from start to "Run /init as init process".
# `make bench-linux` runs it; see bench/README.md. Timings are never asserted.
#
#   bench/linux.sh [--build DIR] [--jitpc PATH] [--qemu PATH] [--reps N]
#                  [--only NAME[,NAME...]] [--short]
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
JITPC=
QEMU=qemu-system-i386
REPS=3
ONLY=
SHORT=
MEM=256           # the same for both engines
TIMEOUT=600       # seconds per boot

while [ $# -gt 0 ]; do
    case $1 in
    --build) BUILD=$2; shift 2 ;;
    --jitpc) JITPC=$2; shift 2 ;;
    --qemu) QEMU=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --short) SHORT=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "bench/linux.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
[ -n "$JITPC" ] || JITPC=$BUILD/jitpc
case $JITPC in /*) ;; *) JITPC=$(pwd)/$JITPC ;; esac
if [ ! -x "$JITPC" ]; then
    echo "bench/linux.sh: jitpc binary '$JITPC' not found (run 'make build' first)" >&2
    exit 1
fi
if ! command -v "$QEMU" >/dev/null 2>&1 && [ "$QEMU" = qemu-system-i386 ] && [ "$(id -u)" -eq 0 ]; then
    echo "== installing qemu-system-x86" >&2
    apt-get -o DPkg::Lock::Timeout=600 install -y -q qemu-system-x86 >/dev/null || true
fi
if command -v "$QEMU" >/dev/null 2>&1; then
    QEMU=$(command -v "$QEMU")
else
    echo "note: $QEMU not found: its column says n/a (Debian: apt-get install qemu-system-x86)" >&2
    QEMU=
fi

echo "== building the guest (tools/mkguest $BUILD)" >&2
"$ROOT/tools/mkguest" "$BUILD"
KERNEL=$BUILD/guest/vmlinuz
INITRD=$BUILD/guest/initramfs.cpio.gz
WORK=$BUILD/bench-linux
rm -rf "$WORK"
mkdir -p "$WORK"

APPEND="console=ttyS0 jitpc.test=bench"
[ -n "$SHORT" ] && APPEND="$APPEND jitpc.bench=short"
[ -n "$ONLY" ] && APPEND="$APPEND jitpc.bench.only=$ONLY"

# Runs one boot: $1 = console log, rest = the command. Prints
# "<exit status> <wall s> <wall s to 'Run /init as init process' or n/a>";
# the log is polled every 5 ms, so the last number is that coarse.
boot() {
    python3 - "$TIMEOUT" "$@" <<'EOF'
import os, subprocess, sys, time
limit, log, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(log + ".stdout", "wb"),
                     stderr=open(log + ".stderr", "wb"))
t_init, status = None, None
# Host time of each workload: from its "BENCHSTART name" line to its
# "BENCH name secs" line as they appear in the console log (the guest clock
# may not count what the emulator hides from it, e.g. translation time).
pos, partial, started, host = 0, b"", {}, []
while status is None:
    time.sleep(0.005)
    now = time.monotonic()
    try:
        with open(log, "rb") as f:
            f.seek(pos)
            data = f.read()
            pos += len(data)
    except FileNotFoundError:
        data = b""
    lines = (partial + data).split(b"\n")
    partial = lines.pop()
    for line in lines:
        line = line.strip().decode("latin-1")
        if t_init is None and "Run /init as init process" in line:
            t_init = now - t0
        w = line.split()
        if len(w) == 2 and w[0] == "BENCHSTART":
            started[w[1]] = now
        elif len(w) == 3 and w[0] == "BENCH" and w[1] in started:
            host.append("%s %.3f" % (w[1], now - started[w[1]]))
    status = p.poll()
    if status is None and now - t0 > limit:
        p.kill()
        p.wait()
        status = "timeout"
wall = time.monotonic() - t0
with open(log + ".host", "w") as f:
    f.write("".join(h + "\n" for h in host))
print(status, "%.3f" % wall, "n/a" if t_init is None else "%.3f" % t_init)
EOF
}

RESULTS=$WORK/results.txt  # engine rep name seconds
OUTPUTS=$WORK/outputs.txt  # engine rep name result...
: >"$RESULTS"
: >"$OUTPUTS"
FAILED=
run_engine() {  # $1: engine name, rest: emulator command without -serial
    engine=$1; shift
    rep=1
    while [ "$rep" -le "$REPS" ]; do
        log=$WORK/$engine.$rep.log
        res=$(boot "$log" "$@" -m "$MEM" -kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND" \
            -display none -serial "file:$log" -no-reboot)
        st=${res%% *}
        echo "   $engine run $rep: exit $st, ${res#* } s (wall, to init)" >&2
        if [ "$st" != 0 ] || ! grep -aq '^BENCH done' "$log"; then
            echo "bench/linux.sh: $engine run $rep failed (exit $st); console log tail ($log):" >&2
            tail -n 25 "$log" | sed 's/^/    /' >&2
            FAILED="$FAILED $engine"
            return 0
        fi
        # Workloads timed on the host (log.host). The guest's own "BENCH init"
        # uptime is not compared: jitpc's real-time clock stands still while
        # it translates, QEMU's does not.
        sed "s/^/$engine $rep /" "$log.host" >>"$RESULTS"
        echo "$engine $rep wall_init $(echo "$res" | cut -d' ' -f3)" >>"$RESULTS"
        tr -d '\r' <"$log" | sed -n 's/^BENCHOUT //p' | sed "s/^/$engine $rep /" >>"$OUTPUTS"
        rep=$((rep + 1))
    done
}

echo "== running (min of $REPS boots each; logs in $WORK)" >&2
run_engine jitpc "$JITPC" -accel jit
[ -n "$QEMU" ] && run_engine qemu "$QEMU" -accel tcg -nodefaults

# Every run of both engines must print the same results (checksums, counts).
MISMATCH=$(awk '{ k = $3; v = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", v)
                  if (k in ref && ref[k] != v) bad[k] = 1; else ref[k] = v }
                END { for (k in bad) printf "%s ", k }' "$OUTPUTS")

echo
awk -v mismatch=" $MISMATCH" -v failed=" $FAILED " '
function fmt(t) { return t == "" ? "n/a" : sprintf("%.3f", t) }
{
    e = $1; n = $3; t = $4 + 0
    if ($4 == "n/a") next
    if (!(n in seen)) { seen[n] = 1; order[++cnt] = n }
    if (!((e, n) in best) || t < best[e, n]) best[e, n] = t
}
END {
    label["init"] = "reach init (guest s)"; label["wall_init"] = "reach init (host wall s)"
    printf "%-26s %9s %9s %12s\n", "workload", "jitpc s", "QEMU s", "QEMU/jitpc"
    for (i = 1; i <= cnt; i++) {
        n = order[i]
        if (n == "done" || n == "init") continue   # guest uptime at init: not comparable (see below)
        j = ((("jitpc", n) in best) ? best["jitpc", n] : "")
        q = ((("qemu", n) in best) ? best["qemu", n] : "")
        r = (j != "" && q != "" && j > 0) ? sprintf("%.2f", q / j) : "n/a"
        note = (index(mismatch, " " n " ") ? "  OUTPUT MISMATCH" : "")
        printf "%-26s %9s %9s %12s%s\n", (n in label) ? label[n] : n, fmt(j), fmt(q), r, note
    }
}' "$RESULTS"
echo
echo "min of $REPS boots per engine; workload times on the host clock, from the workload's start line to its" \
     "end line in the console log (5 ms polling); QEMU/jitpc > 1 means jitpc is faster. -m $MEM for both;" \
     "append: $APPEND"
echo "machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), nproc $(nproc)"
echo "jitpc: $JITPC -accel jit ($(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown))"
if [ -n "$QEMU" ]; then
    echo "QEMU: $QEMU -accel tcg: $("$QEMU" --version | head -n 1)"
else
    echo "QEMU: not installed"
fi
[ -z "$MISMATCH" ] || echo "OUTPUT MISMATCH between runs for: $MISMATCH (see $OUTPUTS)"
[ -z "$FAILED" ] || { echo "FAILED runs:$FAILED (console logs in $WORK)"; exit 1; }
exit 0
