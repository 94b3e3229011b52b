/* The x86 page-table walker (SDM Vol. 3A ch. 4): 32-bit paging with 4 KiB
 * and 4 MiB (CR4.PSE) pages, and PAE paging with 2 MiB pages and the XD/NX
 * bit (IA32_EFER.NXE). It translates one linear address for one access,
 * checks U/S, R/W (with CR0.WP) and NX, sets the A and D bits in the guest's
 * page tables as the hardware does, and reports a page fault with the exact
 * error code. It knows paging, not the CPU: the caller passes the control
 * register bits in a PagingConfig. Page tables are read and written through
 * the physical address space (never outside it: a walk that leaves RAM reads
 * the floating-bus all-ones and faults on the reserved bits, as hardware
 * would read garbage). */
#ifndef JITPC_MMU_PAGING_H
#define JITPC_MMU_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/memory.h"

typedef enum MmuAccess {
    MMU_READ,
    MMU_WRITE,
    MMU_FETCH,
} MmuAccess;

typedef struct PagingConfig {
    bool paging;        /* CR0.PG */
    bool wp;            /* CR0.WP */
    bool pse;           /* CR4.PSE */
    bool pae;           /* CR4.PAE */
    bool pge;           /* CR4.PGE */
    bool nxe;           /* IA32_EFER.NXE (PAE only) */
    uint64_t cr3;
    uint64_t phys_mask; /* physical address bits implemented, as a mask: (1 << MAXPHYADDR) - 1, 36 bits on P6 */
} PagingConfig;

/* Page-fault error code bits (SDM Vol. 3A §4.7). */
#define PF_ERR_P    (1u << 0)   /* the fault was a protection violation (else not present) */
#define PF_ERR_W    (1u << 1)   /* the access was a write */
#define PF_ERR_U    (1u << 2)   /* the access was a user-mode access */
#define PF_ERR_RSVD (1u << 3)   /* a reserved bit was set in a paging-structure entry */
#define PF_ERR_I    (1u << 4)   /* the access was an instruction fetch (with NX enabled) */

typedef struct PageWalk {
    uint64_t phys;          /* physical address of the byte (when no fault) */
    uint64_t page_phys;     /* physical address of the 4 KiB frame holding it */
    uint32_t page_size;     /* 4 KiB, 2 MiB or 4 MiB */
    bool writable;          /* a write by this privilege kind would succeed */
    bool user;              /* the page is user-accessible (U/S in every level) */
    bool executable;        /* not NX */
    bool global;            /* G bit of the final entry, when CR4.PGE is on (false otherwise) */
    bool dirty;             /* the D bit is (now) set */
    uint32_t error_code;    /* PF_ERR_* when the walk faulted */
} PageWalk;

/* Translate `linear` for `access` by a user (CPL 3) or supervisor access.
 * Returns false on a page fault (out->error_code filled; the caller sets
 * CR2 and raises #PF). Sets A, and D for writes, in the guest tables.
 * With paging off, phys = linear. */
bool mmu_walk(AddressSpace *mem, const PagingConfig *cfg, uint32_t linear, MmuAccess access, bool user,
              PageWalk *out);

#endif
