/* Direct boot of multiboot v1 kernels (-kernel prog.elf, -initrd modules,
 * -append): loads the kernel image and its modules into guest RAM and
 * builds the multiboot information structure, following the Multiboot
 * Specification 0.6.96 (§3.1 header, §3.2 machine state, §3.3 boot info).
 * Setting up the CPU (EAX = MULTIBOOT_BOOTLOADER_MAGIC, EBX = info_addr,
 * flat protected mode) is the caller's job. */
#ifndef JITPC_MACHINE_LOADER_MULTIBOOT_H
#define JITPC_MACHINE_LOADER_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/log.h"
#include "mmu/memory.h"

#define MULTIBOOT_HEADER_MAGIC     0x1BADB002u  /* in the kernel image */
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u  /* in EAX at the kernel's entry */
#define MULTIBOOT_SEARCH_LEN       8192         /* the header lies within these bytes */

/* Guest RAM as the board maps it; the loader describes it to the kernel. */
typedef struct RamLayout {
    uint64_t low_end;       /* RAM at [0, 0xA0000) and [0x100000, low_end); low_end >= 0x100000 */
    uint64_t high_size;     /* RAM at [4 GiB, 4 GiB + high_size), 0 if none */
} RamLayout;

typedef struct MultibootEntry {
    uint32_t entry;         /* physical address to start at */
    uint32_t info_addr;     /* physical address of the multiboot information (EBX) */
} MultibootEntry;

/* Is there a valid multiboot v1 header (magic, checksum) 4-byte aligned
 * within the first 8192 bytes of `image`? */
bool multiboot_probe(const uint8_t *image, size_t len);

/* Load the kernel `path` (read-only) into guest RAM, then the modules,
 * then the multiboot information. `cmdline` is the -append string and
 * `modules` the -initrd string (both may be NULL): comma-separated
 * "file [args]" entries, where ",," is a literal comma (QEMU's syntax).
 * On failure returns false with one line in `err` naming the file; guest
 * RAM may then hold part of the image. Does not longjmp. */
bool multiboot_load(AddressSpace *mem, const RamLayout *ram, const char *path, const char *cmdline,
                    const char *modules, Log *log, MultibootEntry *out, Error *err);

#endif
