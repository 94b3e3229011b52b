/* Direct boot of Linux bzImage kernels (-kernel bzImage, -initrd FILE,
 * -append STR) without a BIOS, by the 32-bit boot protocol of
 * Documentation/arch/x86/boot.rst (setup header versions 2.04 and up): the
 * protected-mode kernel at 1 MiB, the initrd as high as the header allows,
 * boot_params ("zero page") with the setup header, the command line and an
 * e820 memory map, and a GDT with the __BOOT_CS (0x10) and __BOOT_DS (0x18)
 * descriptors the protocol names. Entering the kernel (flat protected mode,
 * interrupts off, ESI = boot_params) is cpu_enter_linux's job. */
#ifndef JITPC_MACHINE_LOADER_LINUX_H
#define JITPC_MACHINE_LOADER_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/log.h"
#include "machine/loader_multiboot.h"
#include "mmu/memory.h"

/* Guest addresses the loader uses below 1 MiB. */
#define LINUX_GDT_ADDR         0x1000u
#define LINUX_BOOT_PARAMS_ADDR 0x10000u
#define LINUX_CMDLINE_ADDR     0x20000u
#define LINUX_KERNEL_ADDR      0x100000u

typedef struct LinuxEntry {
    uint32_t entry;             /* code32_start */
    uint32_t boot_params;       /* ESI */
    uint32_t gdt_base, gdt_limit;
} LinuxEntry;

/* Does `image` carry a Linux setup header ("HdrS" at 0x202)? */
bool linux_probe(const uint8_t *image, size_t len);

/* Load `path` (a bzImage), the initrd `initrd_path` (may be NULL) and the
 * command line `cmdline` (may be NULL). On failure false with one line in
 * `err` (not a bzImage, protocol too old, truncated, too large for the
 * RAM); guest RAM may then hold part of the image. */
bool linux_load(AddressSpace *mem, const RamLayout *ram, const char *path, const char *cmdline,
                const char *initrd_path, Log *log, LinuxEntry *out, Error *err);

#endif
