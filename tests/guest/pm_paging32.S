/* Paging: 32-bit paging (CR4.PSE for the 4 MiB pages). The checks and
 * what they leave out are described in pm_paging.inc, shared with pm_paging_pae.S.
 *
 * jitpc-expect-output: paging on: 9 checks ok\n
 * jitpc-expect-output: not present: 25 checks ok\n
 * jitpc-expect-output: accessed/dirty: 7 checks ok\n
 * jitpc-expect-output: read/write, cr0.wp: 19 checks ok\n
 * jitpc-expect-output: user/supervisor: 37 checks ok\n
 * jitpc-expect-output: invlpg, cr3, global pages: 8 checks ok\n
 * jitpc-expect-output: total: 105 checks ok\n
 * jitpc-expect-exit: 0
 */
#define PAGING_PAE 0
#include "pm_paging.inc"
