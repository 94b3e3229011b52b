/* The smallest C guest: greets through the debug console, checks the
 * Multiboot magic and the memory size the loader reports (crt0's header
 * asks for it with flags bit 1). With -m 32, mem_upper is at most
 * 32 MiB - 1 MiB = 31744 KiB; jitpc reports exactly that, QEMU 128 KiB less
 * (SeaBIOS keeps the top of RAM), and the Multiboot spec allows both ("not
 * guaranteed to be this value"). So the test accepts 30-31 MiB and requires
 * mem_upper to agree with the memory map's available region at 1 MiB.
 *
 * jitpc-args: -m 32
 * jitpc-expect-output: hello from a jitpc guest\n
 * jitpc-expect-output: multiboot magic 2badb002\n
 * jitpc-expect-output: mem_upper matches the memory map\n
 * jitpc-expect-exit: 0
 */
#include "guest.h"

#define MEM_UPPER_MAX_KIB (32 * 1024 - 1024)
#define MEM_UPPER_MIN_KIB (MEM_UPPER_MAX_KIB - 1024)
#define HIGH_MEMORY 0x100000u

/* KiB of the available region starting at 1 MiB in the memory map, or 0. */
static uint32_t mmap_upper_kib(const volatile MultibootInfo *mbi)
{
    uint32_t addr = mbi->mmap_addr;
    uint32_t end = addr + mbi->mmap_length;
    while (addr < end) {
        const volatile MultibootMmapEntry *e = (const volatile MultibootMmapEntry *)(uintptr_t)addr;
        if (e->type == MULTIBOOT_MMAP_AVAILABLE && e->base_addr == HIGH_MEMORY)
            return (uint32_t)(e->length / 1024);
        addr += e->size + 4;
    }
    return 0;
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
    debug_puts("hello from a jitpc guest\n");
    debug_printf("multiboot magic %08x\n", magic);
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        return 1;
    const volatile MultibootInfo *mbi = (const volatile MultibootInfo *)(uintptr_t)info;
    if (!(mbi->flags & MULTIBOOT_INFO_MEMORY) || !(mbi->flags & MULTIBOOT_INFO_MMAP)) {
        debug_printf("multiboot flags %08x: no mem_upper or no memory map\n", mbi->flags);
        return 1;
    }
    uint32_t upper = mbi->mem_upper;
    uint32_t mapped = mmap_upper_kib(mbi);
    if (upper < MEM_UPPER_MIN_KIB || upper > MEM_UPPER_MAX_KIB || upper != mapped) {
        debug_printf("mem_upper %u KiB, memory map %u KiB at 1 MiB (want %u..%u, equal)\n",
                     upper, mapped, MEM_UPPER_MIN_KIB, MEM_UPPER_MAX_KIB);
        return 1;
    }
    debug_puts("mem_upper matches the memory map\n");
    return 0;
}
