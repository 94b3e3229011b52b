/* Software interrupts: INT 0x80 through a 32-bit interrupt gate to a
 * handler that does a little arithmetic and IRETs, in a loop (guest only). */
#include "bench_guest.h"

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif
#define ITERS (3500000u * BENCH_SCALE)

void bench_int80(void);
__asm__(".text\n"
        "bench_int80:\n"
        "    leal 1(%eax,%eax,2), %eax\n"
        "    xorl %ecx, %eax\n"
        "    iret\n");

uint32_t bench_kernel(void);
uint32_t bench_kernel(void)
{
    bench_set_idt(0x80, bench_int80);
    uint32_t v = 1;
    for (uint32_t i = 0; i < ITERS; i++)
        __asm__ volatile("int $0x80" : "+a"(v) : "c"(i) : "memory");
    return v;
}
