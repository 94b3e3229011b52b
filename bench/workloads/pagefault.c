/* Page faults: unmap a page (clear P, INVLPG), touch it, take #PF; the
 * handler reads CR2, maps the page back onto one of two frames and returns
 * to retry the access (guest only). */
#include "bench_guest.h"

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif
#define ITERS (400000u * BENCH_SCALE)

static uint32_t window[1024] __attribute__((aligned(4096)));  /* the faulting page */
static uint32_t frames[2][1024] __attribute__((aligned(4096)));
static uint32_t faults, cr2_sum;

void bench_pf_entry(void);
void bench_pf_handler(uint32_t err);
__asm__(".text\n"
        "bench_pf_entry:\n"
        "    pushal\n"
        "    cld\n"
        "    pushl 32(%esp)\n"          /* the error code */
        "    call bench_pf_handler\n"
        "    addl $4, %esp\n"
        "    popal\n"
        "    addl $4, %esp\n"           /* drop the error code */
        "    iret\n");

void bench_pf_handler(uint32_t err)
{
    uint32_t cr2 = bench_read_cr2();
    faults++;
    cr2_sum += cr2 ^ err;
    *bench_pte(cr2) = (uint32_t)frames[faults & 1] | BENCH_PTE_P | BENCH_PTE_RW;
    bench_invlpg(cr2);
}

uint32_t bench_kernel(void);
uint32_t bench_kernel(void)
{
    bench_set_idt(14, bench_pf_entry);
    for (uint32_t i = 0; i < 1024; i++) {
        frames[0][i] = i;
        frames[1][i] = i * 3;
    }
    uint32_t base = (uint32_t)window, sum = 0;
    for (uint32_t i = 0; i < ITERS; i++) {
        uint32_t off = (i * 67) & 1023;
        *bench_pte(base) &= ~BENCH_PTE_P;
        bench_invlpg(base);
        sum += ((volatile uint32_t *)window)[off];      /* faults, then reads */
        if (i & 1)
            ((volatile uint32_t *)window)[off] = sum;    /* present again: no fault */
    }
    return sum ^ cr2_sum ^ faults;
}
