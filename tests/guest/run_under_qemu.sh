#!/bin/sh
# Run every guest test, known failures included, in QEMU instead of jitpc.
# jitpc's command line is QEMU's, so jitpc-guest-runner can start
# qemu-system-i386 (TCG) with the same arguments; a test that passes there
# has expectations that match a reference x86 emulator. CTest never runs
# this (CI needs no QEMU); run it after writing or changing a guest test.
#
# usage: tests/guest/run_under_qemu.sh BUILD_DIR [QEMU]
#   BUILD_DIR  a configured and built tree (cmake --build BUILD_DIR)
#   QEMU       the emulator (default: qemu-system-i386 from PATH)
# Reads BUILD_DIR/tests/guest/guest_tests.txt (written by guest_test.cmake);
# work directories go to BUILD_DIR/tests/guest/work-qemu/<name>/.
# Exit: 0 all passed, 1 a test failed, 2 usage or setup error.
set -u

usage() {
    echo "usage: $0 BUILD_DIR [QEMU]" >&2
    exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
build=$1
qemu=${2:-qemu-system-i386}

guest_dir=$build/tests/guest
manifest=$guest_dir/guest_tests.txt
runner=$guest_dir/jitpc-guest-runner
if [ ! -f "$manifest" ] || [ ! -x "$runner" ]; then
    echo "$0: $build is not a built jitpc tree (no $manifest or $runner);" \
         "run: cmake -S . -B $build -G Ninja && cmake --build $build" >&2
    exit 2
fi
# The runner execs a path, not a name looked up in PATH.
case $qemu in
    */*) ;;
    *) qemu=$(command -v "$qemu") || {
           echo "$0: $2 not found; Debian: apt-get install qemu-system-x86" >&2
           exit 2
       } ;;
esac
[ -x "$qemu" ] || { echo "$0: $qemu is not executable" >&2; exit 2; }

tab=$(printf '\t')
passed=0
failed=0
failed_names=""
while IFS="$tab" read -r name source image; do
    [ -n "$name" ] || continue
    log=$guest_dir/work-qemu/$name.report
    mkdir -p "$guest_dir/work-qemu"
    if "$runner" --jitpc "$qemu" --source "$source" --image "$image" \
            --workdir "$guest_dir/work-qemu/$name" >"$log" 2>&1; then
        passed=$((passed + 1))
        head -n 1 "$log"
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
        cat "$log"
    fi
done <"$manifest"

total=$((passed + failed))
echo "qemu ($qemu): $passed of $total guest tests passed"
if [ "$failed" -ne 0 ]; then
    echo "failed:$failed_names"
    exit 1
fi
exit 0
