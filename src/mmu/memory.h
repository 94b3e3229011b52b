/* Guest physical address spaces: the memory space (RAM, ROM, MMIO) and the
 * 64 KiB I/O port space share one registry shape. A region is either host
 * memory (RAM, ROM) or a device behind IoOps; regions never overlap, and an
 * overlapping registration is refused with a message naming both regions.
 *
 * Accesses that hit no region are "unassigned": reads return all ones (a
 * floating ISA/PCI bus), writes are dropped, and both are logged under
 * -d unimp and -d guest_errors. Nothing the guest does here can fault the
 * host. Physical addresses are 64-bit (PAE reaches 36 bits). */
#ifndef JITPC_MMU_MEMORY_H
#define JITPC_MMU_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/log.h"

/* A device's register interface. `off` is relative to the region base;
 * `size` is 1, 2, 4 or 8 and lies within [min_access, max_access]: the
 * registry splits wider accesses into little-endian pieces and widens
 * narrower ones, so a device only sees sizes it declared. */
typedef struct IoOps {
    uint64_t (*read)(void *opaque, uint64_t off, unsigned size);
    void (*write)(void *opaque, uint64_t off, uint64_t val, unsigned size);
    uint8_t min_access;     /* 0 means 1 */
    uint8_t max_access;     /* 0 means 4 */
} IoOps;

typedef enum RegionKind {
    REGION_RAM,
    REGION_ROM,             /* reads from host memory, writes dropped (logged) */
    REGION_IO,              /* MMIO or ports: IoOps */
} RegionKind;

typedef struct MemRegion {
    uint64_t base, size;
    RegionKind kind;
    uint8_t *host;          /* RAM/ROM: host address of `base` */
    const IoOps *ops;       /* IO */
    void *opaque;
    char name[40];
} MemRegion;

typedef struct AddressSpace {
    char name[16];          /* "memory" or "ioport", for messages */
    uint64_t size;          /* addresses are < size */
    MemRegion *regions;     /* sorted by base, non-overlapping */
    int count, cap;
    Log *log;
    uint32_t trace_mask;    /* log category that traces every access (LOG_IOPORT for ports), 0 = none */
} AddressSpace;

#define PHYS_ADDR_SPACE_SIZE (1ULL << 36)   /* PAE physical address width */
#define IO_PORT_SPACE_SIZE   0x10000ULL

void as_init(AddressSpace *as, const char *name, uint64_t size, Log *log);
void as_destroy(AddressSpace *as);

/* Register a region; false (with a message) if it overlaps another or does
 * not fit in the space. Host memory stays owned by the caller. */
bool as_map_ram(AddressSpace *as, uint64_t base, uint64_t size, uint8_t *host,
                const char *name, Error *err);
bool as_map_rom(AddressSpace *as, uint64_t base, uint64_t size, uint8_t *host,
                const char *name, Error *err);
bool as_map_io(AddressSpace *as, uint64_t base, uint64_t size, const IoOps *ops,
               void *opaque, const char *name, Error *err);
/* Remove the region starting exactly at `base` (PCI BAR moves); false if none. */
bool as_unmap(AddressSpace *as, uint64_t base);

/* The region containing `addr`, or NULL. */
const MemRegion *as_find(const AddressSpace *as, uint64_t addr);

/* One guest access of 1, 2, 4 or 8 bytes, little-endian. Accesses that
 * straddle regions are split bytewise. */
uint64_t as_read(AddressSpace *as, uint64_t addr, unsigned size);
void as_write(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size);

/* Bulk copies for DMA and loaders. They touch only RAM (and ROM, for
 * reads; `as_load_rom` below writes ROM contents); false if any byte of
 * the range is not backed by host memory, in which case nothing is copied. */
bool as_read_buf(const AddressSpace *as, uint64_t addr, void *buf, size_t len);
bool as_write_buf(AddressSpace *as, uint64_t addr, const void *buf, size_t len);
/* True if [addr, addr+len) is entirely RAM. */
bool as_is_ram(const AddressSpace *as, uint64_t addr, uint64_t len);

/* Print the region table (used by -d mmu at start-up). */
void as_dump(const AddressSpace *as, Log *log);

#endif
