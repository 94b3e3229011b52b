/* The smallest C guest: greets through the debug console, checks the
 * Multiboot magic and reports mem_upper from the Multiboot info (which the
 * loader must fill in: crt0's header asks for it with flags bit 1).
 * With -m 32, mem_upper is 32 MiB - 1 MiB = 31744 KiB (as QEMU reports it).
 *
 * jitpc-args: -m 32
 * jitpc-expect-output: hello from a jitpc guest\n
 * jitpc-expect-output: multiboot magic 2badb002\n
 * jitpc-expect-output: mem_upper 31744 KiB\n
 * jitpc-expect-exit: 0
 */
#include "guest.h"

uint32_t guest_main(uint32_t magic, uint32_t info)
{
    debug_puts("hello from a jitpc guest\n");
    debug_printf("multiboot magic %08x\n", magic);
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        return 1;
    const volatile MultibootInfo *mbi = (const volatile MultibootInfo *)(uintptr_t)info;
    if (mbi->flags & MULTIBOOT_INFO_MEMORY)
        debug_printf("mem_upper %u KiB\n", mbi->mem_upper);
    return 0;
}
