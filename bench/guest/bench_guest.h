/* What a benchmark workload can use inside the guest, beyond tests/guest/lib's
 * guest.h: the flat GDT, IDT gates and identity page tables that
 * bench_guest.c sets up before it calls the workload's bench_kernel(). */
#ifndef JITPC_BENCH_GUEST_H
#define JITPC_BENCH_GUEST_H

#include <stdint.h>

#define BENCH_SEL_CODE 0x08
#define BENCH_SEL_DATA 0x10
#define BENCH_PTE_P 0x001u
#define BENCH_PTE_RW 0x002u
#define BENCH_MAPPED_BYTES (32u << 20)  /* identity-mapped with 4 KiB pages */

/* IDT gate for vector vec: a 32-bit interrupt gate (DPL 0) to handler. */
void bench_set_idt(unsigned vec, void (*handler)(void));
/* The page-table entry that maps linear address addr (below BENCH_MAPPED_BYTES). */
volatile uint32_t *bench_pte(uint32_t addr);

static inline void bench_invlpg(uint32_t addr)
{
    __asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

static inline uint32_t bench_read_cr2(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

#endif
