/* A generic PCI bus (bus 0 only, no bridges) and the part of every PCI
 * function that the PCI Local Bus Specification 2.2 fixes: the 256-byte
 * configuration space with its type 0 header, write masks, BAR sizing and
 * decoding, the interrupt pin and line. Chips (pci_i440fx.c, pci_piix3.c,
 * later NICs and disk controllers) embed a PciDevice and add their own
 * registers through the write masks and the config_write hook. How the CPU
 * reaches configuration space (mechanism #1 at 0xCF8/0xCFC) belongs to the
 * host bridge, not here. */
#ifndef JITPC_DEVICES_PCI_H
#define JITPC_DEVICES_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/log.h"
#include "mmu/memory.h"

/* Type 0 header offsets (PCI 2.2, 6.1). */
#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define PCI_STATUS          0x06
#define PCI_REVISION_ID     0x08
#define PCI_CLASS_PROG      0x09    /* class code: prog-if 0x09, sub-class 0x0A, base class 0x0B */
#define PCI_CACHE_LINE_SIZE 0x0C
#define PCI_LATENCY_TIMER   0x0D
#define PCI_HEADER_TYPE     0x0E
#define PCI_BAR0            0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2C
#define PCI_SUBSYSTEM_ID    0x2E
#define PCI_ROM_ADDRESS     0x30
#define PCI_INTERRUPT_LINE  0x3C
#define PCI_INTERRUPT_PIN   0x3D

#define PCI_COMMAND_IO          0x0001  /* respond to I/O BARs */
#define PCI_COMMAND_MEMORY      0x0002  /* respond to memory BARs */
#define PCI_COMMAND_MASTER      0x0004
#define PCI_COMMAND_PARITY      0x0040
#define PCI_COMMAND_SERR        0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400 /* PCI 2.3: the function may not assert INTx# */

#define PCI_STATUS_INTERRUPT    0x0008  /* PCI 2.3: INTx# is asserted internally */
#define PCI_HEADER_MULTI_FUNCTION 0x80

#define PCI_NUM_BARS 6
#define PCI_DEVFN(slot, fn) ((unsigned)(((slot) << 3) | (fn)))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1F)
#define PCI_FUNC(devfn) ((devfn) & 7)

typedef enum PciBarKind {
    PCI_BAR_NONE,
    PCI_BAR_IO,             /* bit 0 = 1; decoded when COMMAND.IO */
    PCI_BAR_MEM32,          /* type 00, not prefetchable; decoded when COMMAND.MEMORY */
    PCI_BAR_MEM32_PREFETCH, /* type 00, prefetchable (bit 3) */
} PciBarKind;

#define PCI_BAR_UNMAPPED UINT64_MAX

typedef struct PciBar {
    PciBarKind kind;
    uint32_t size;          /* power of two: >= 4 (I/O), >= 16 (memory) */
    const IoOps *ops;       /* device registers, or NULL with `host` */
    void *opaque;
    uint8_t *host;          /* RAM-like memory BAR (frame buffer), else NULL */
    uint64_t mapped;        /* where it is registered now, or PCI_BAR_UNMAPPED */
    char name[40];          /* region name in the address space */
} PciBar;

typedef struct PciBus PciBus;
typedef struct PciDevice PciDevice;

struct PciDevice {
    uint8_t config[256];    /* guest-visible configuration space */
    uint8_t wmask[256];     /* bits a config write may change */
    uint8_t w1cmask[256];   /* bits a config write of 1 clears (status) */
    uint8_t power_on[256];  /* config at pci_bus_add_device: what reset restores */
    PciBar bar[PCI_NUM_BARS];
    PciBus *bus;            /* NULL until added */
    uint8_t devfn;
    bool irq_level;         /* the function's INTx request (saved) */
    bool intx_asserted;     /* request reaches the bus (not INTX_DISABLEd) */
    const char *name;
    /* Called after the generic part of a config write has updated `config`
     * (masks applied, BARs remapped): `off`/`size` is the access, `old` the
     * bytes it covered before. A chip may fix up its registers here. */
    void (*config_write)(void *opaque, unsigned off, unsigned size, uint32_t old);
    /* Called by pci_bus_post_load after a snapshot load. */
    void (*post_load)(void *opaque);
    void *opaque;
};

/* Little-endian accessors on a config array. */
static inline uint8_t pci_get8(const uint8_t *c, unsigned off) { return c[off]; }
static inline uint16_t pci_get16(const uint8_t *c, unsigned off)
{
    return (uint16_t)(c[off] | c[off + 1] << 8);
}
static inline uint32_t pci_get32(const uint8_t *c, unsigned off)
{
    return (uint32_t)pci_get16(c, off) | (uint32_t)pci_get16(c, off + 2) << 16;
}
static inline void pci_set8(uint8_t *c, unsigned off, uint8_t v) { c[off] = v; }
static inline void pci_set16(uint8_t *c, unsigned off, uint16_t v)
{
    c[off] = (uint8_t)v;
    c[off + 1] = (uint8_t)(v >> 8);
}
static inline void pci_set32(uint8_t *c, unsigned off, uint32_t v)
{
    pci_set16(c, off, (uint16_t)v);
    pci_set16(c, off + 2, (uint16_t)(v >> 16));
}

/* A bus decoding BARs into `mem` and `io`. `log` may be NULL. */
PciBus *pci_bus_new(AddressSpace *mem, AddressSpace *io, Log *log);
/* Free the bus only: it touches neither the devices (which may already be
 * freed by the device list) nor the address spaces. NULL is accepted. */
void pci_bus_free(PciBus *b);

/* Fill in the identity and the default type 0 header masks: command
 * (I/O, memory, master, parity, SERR, INTx disable), status write-one-to-
 * clear error bits, cache line size, latency timer, interrupt line.
 * `class_code` is base << 16 | sub << 8 | prog-if; `header_type` 0x00 or
 * 0x80 (multi-function). Everything from 0x40 up is read-only zero until
 * the chip sets config/wmask itself. */
void pci_device_init(PciDevice *d, const char *name, uint16_t vendor, uint16_t device, uint8_t revision,
                     uint32_t class_code, uint8_t header_type);
/* Declare BAR `idx` (0-5). I/O and memory BARs reach `ops`; a memory BAR
 * may instead be RAM-like with `host` (ops NULL). Sizes that are not a
 * power of two or are too small abort (a board bug). Call before
 * pci_bus_add_device. */
void pci_device_register_bar(PciDevice *d, int idx, PciBarKind kind, uint32_t size, const IoOps *ops,
                             void *opaque, uint8_t *host);
/* INTx pin (1 = INTA# .. 4 = INTD#, 0 = none), read-only to the guest. */
void pci_device_set_pin(PciDevice *d, uint8_t pin);
/* The function drives its INTx# request. */
void pci_device_set_irq(PciDevice *d, bool level);
/* Power-on config (as snapshotted when added), BARs unmapped, INTx low. */
void pci_device_reset(PciDevice *d);

/* Attach `d` at `devfn` (slot << 3 | function); false with a message if
 * the slot is taken. Snapshots `config` as the power-on state. */
bool pci_bus_add_device(PciBus *b, PciDevice *d, unsigned devfn, Error *err);
PciDevice *pci_bus_find(PciBus *b, unsigned devfn);

/* A configuration cycle (size 1, 2 or 4, naturally inside one dword). A
 * missing function or a bus other than 0 reads all ones; writes to it are
 * dropped (master abort). */
uint32_t pci_bus_config_read(PciBus *b, unsigned bus, unsigned devfn, unsigned off, unsigned size);
void pci_bus_config_write(PciBus *b, unsigned bus, unsigned devfn, unsigned off, uint32_t val,
                          unsigned size);

/* Who receives the four PCI interrupt lines PIRQA#-PIRQD# (the PIIX3).
 * Function INTx pins reach them through the usual PC swizzle:
 * PIRQ = (slot + pin - 1) mod 4. `set_pirq` is called on level changes. */
void pci_bus_set_pirq_handler(PciBus *b, void (*set_pirq)(void *opaque, int pirq, bool level), void *opaque);
/* The PIRQ line (0-3) that `devfn`'s pin `pin` (1-4) reaches. */
int pci_bus_pirq_of(unsigned devfn, unsigned pin);

/* Called after a memory BAR appears at or disappears from [base, base +
 * size), so the board can drop TLB entries and translated code that may
 * hold the old backing (RAM-like BARs). I/O BARs are not reported. */
void pci_bus_set_mem_map_notify(PciBus *b, void (*changed)(void *opaque, uint64_t base, uint64_t size),
                                void *opaque);

/* After the devices' fields were loaded: remap every BAR from the loaded
 * config, re-drive the PIRQ lines, and run each device's post_load. */
void pci_bus_post_load(PciBus *b);

#endif
