/* guest_main of every benchmark guest: puts the CPU in the state an OS
 * kernel runs in (own flat GDT, a 256-entry IDT whose unexpected vectors
 * report and exit, identity-mapped 32-bit paging with 4 KiB pages, x87
 * initialised, SSE enabled through CR4.OSFXSR), runs the workload's
 * bench_kernel() once and prints its checksum on the debug console.
 * References: SDM vol. 3A 3.4.5 (descriptors), 6.11 (IDT), 4.3 (32-bit
 * paging), 13.1.4 (enabling SSE). */
#include "bench_guest.h"
#include "guest.h"

uint32_t bench_kernel(void);

static uint64_t gdt[3] __attribute__((aligned(8))) = {
    0,
    0x00cf9a000000ffffull,  /* 0x08: flat 32-bit code, DPL 0 */
    0x00cf92000000ffffull,  /* 0x10: flat data, DPL 0 */
};
static uint64_t idt[256] __attribute__((aligned(8)));
static uint32_t page_dir[1024] __attribute__((aligned(4096)));
static uint32_t page_tables[BENCH_MAPPED_BYTES >> 22][1024] __attribute__((aligned(4096)));

struct __attribute__((packed)) DescPtr {
    uint16_t limit;
    uint32_t base;
};

void bench_set_idt(unsigned vec, void (*handler)(void))
{
    uint32_t off = (uint32_t)handler;
    idt[vec & 0xff] = (uint64_t)(off & 0xffff) | ((uint64_t)BENCH_SEL_CODE << 16) |
                      ((uint64_t)0x8e00 << 32) | ((uint64_t)(off >> 16) << 48);
}

volatile uint32_t *bench_pte(uint32_t addr)
{
    return &page_tables[addr >> 22][(addr >> 12) & 1023];
}

/* Any vector nobody installed: say which and stop (exit value 3). */
void bench_unexpected(uint32_t vec, uint32_t err, uint32_t eip);
void bench_unexpected(uint32_t vec, uint32_t err, uint32_t eip)
{
    debug_printf("bench: unexpected vector %u, error %x, eip %08x, cr2 %08x\n", vec, err, eip,
                 bench_read_cr2());
    guest_exit(3);
}

/* Stubs for vectors 0-31 (those with an error code skip the dummy push) and
 * one catch-all for 32-255. */
__asm__(".text\n"
        ".macro BENCH_STUB v\n"
        "bench_stub_\\v:\n"
        ".if (\\v == 8) || (\\v >= 10 && \\v <= 14) || (\\v == 17)\n"
        "    pushl $\\v\n"
        ".else\n"
        "    pushl $0\n"
        "    pushl $\\v\n"
        ".endif\n"
        "    jmp bench_stub_common\n"
        ".endm\n"
        ".irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "BENCH_STUB \\v\n"
        ".endr\n"
        "bench_stub_other:\n"
        "    pushl $0\n"
        "    pushl $255\n"
        "bench_stub_common:\n"
        "    cld\n"
        "    call bench_unexpected\n"  /* (vec, err, eip) are on the stack */
        "    .section .rodata\n"
        "    .balign 4\n"
        "bench_stub_table:\n"
        ".irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "    .long bench_stub_\\v\n"
        ".endr\n"
        "    .text\n");
extern void (*const bench_stub_table[32])(void);
void bench_stub_other(void);

static void setup_cpu(void)
{
    struct DescPtr gp = { sizeof(gdt) - 1, (uint32_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n"
                     "1:\n\t"
                     "movl %2, %%eax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     "movw %%ax, %%ss\n\t"
                     : : "m"(gp), "i"(BENCH_SEL_CODE), "i"(BENCH_SEL_DATA) : "eax", "memory");

    for (unsigned v = 0; v < 256; v++)
        bench_set_idt(v, v < 32 ? bench_stub_table[v] : bench_stub_other);
    struct DescPtr ip = { sizeof(idt) - 1, (uint32_t)idt };
    __asm__ volatile("lidt %0" : : "m"(ip));

    for (uint32_t t = 0; t < (BENCH_MAPPED_BYTES >> 22); t++) {
        for (uint32_t i = 0; i < 1024; i++)
            page_tables[t][i] = ((t << 22) | (i << 12)) | BENCH_PTE_P | BENCH_PTE_RW;
        page_dir[t] = (uint32_t)page_tables[t] | BENCH_PTE_P | BENCH_PTE_RW;
    }
    uint32_t cr0, cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= (1u << 9) | (1u << 10);              /* OSFXSR, OSXMMEXCPT */
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
    __asm__ volatile("mov %0, %%cr3" : : "r"((uint32_t)page_dir) : "memory");
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 &= ~(1u << 2 | 1u << 3);                /* EM, TS off */
    cr0 |= (1u << 1) | (1u << 5) | (1u << 31);  /* MP, NE, PG */
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
    __asm__ volatile("fninit");
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
    (void)magic;
    (void)info;
    setup_cpu();
    debug_printf("checksum %08x\n", bench_kernel());
    return 0;
}
