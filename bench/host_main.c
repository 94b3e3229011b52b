/* The native (host process) side of a pure-computation workload: the same
 * bench_kernel() object file the guest links, run once, with the same
 * checksum line the guest prints on its debug console. */
#include <stdint.h>
#include <stdio.h>

uint32_t bench_kernel(void);

int main(void)
{
    printf("checksum %08x\n", bench_kernel());
    return 0;
}
