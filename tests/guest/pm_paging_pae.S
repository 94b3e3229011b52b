/* Paging: PAE paging with 2 MiB pages and NX (IA32_EFER.NXE; -cpu max
 * gives QEMU the NX bit in CPUID 0x80000001). The checks and
 * what they leave out are described in pm_paging.inc, shared with pm_paging32.S.
 *
 * jitpc-args: -cpu max
 * jitpc-expect-output: paging on: 10 checks ok\n
 * jitpc-expect-output: not present: 25 checks ok\n
 * jitpc-expect-output: accessed/dirty: 7 checks ok\n
 * jitpc-expect-output: read/write, cr0.wp: 19 checks ok\n
 * jitpc-expect-output: user/supervisor: 37 checks ok\n
 * jitpc-expect-output: invlpg, cr3, global pages: 8 checks ok\n
 * jitpc-expect-output: nx: 36 checks ok\n
 * jitpc-expect-output: total: 142 checks ok\n
 * jitpc-expect-exit: 0
 */
#define PAGING_PAE 1
#include "pm_paging.inc"
