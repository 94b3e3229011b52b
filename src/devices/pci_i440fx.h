/* Intel 82441FX PCI and Memory Controller (the i440FX host bridge) at
 * 00:00.0: PCI configuration mechanism #1 (0xCF8 address, 0xCFC-0xCFF
 * data), the PAM registers that steer 0xC0000-0xFFFFF between shadow DRAM
 * and the ROM/PCI side, and the SMRAM register. DRAM sizing registers are
 * plain storage. See pci_i440fx.c. */
#ifndef JITPC_DEVICES_PCI_I440FX_H
#define JITPC_DEVICES_PCI_I440FX_H

#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "devices/device.h"
#include "devices/pci.h"
#include "mmu/memory.h"

#define I440FX_PAM0         0x59    /* PAM0..PAM6 at 0x59..0x5F */
#define I440FX_SMRAM        0x72
#define I440FX_PAM_SEGMENTS 13      /* 0xC0000-0xEFFFF in 16 KiB pieces, 0xF0000-0xFFFFF whole */

typedef struct I440fx I440fx;

/* Called once per PAM segment whose attributes changed (and for every
 * segment from i440fx_pam_sync): `read_ram` = reads of [base, base+size)
 * go to shadow DRAM, else to the ROM/PCI side; `write_ram` likewise for
 * writes. The signature matches machine/pc_shadow.c's pc_shadow_set; what
 * the board must do with it is in pci_i440fx.c's header. */
typedef void I440fxPamChanged(void *opaque, uint64_t base, uint64_t size, bool read_ram, bool write_ram);

/* A host bridge on `bus` (it adds itself at 00:00.0; NULL if taken).
 * `pam_changed` may be NULL; `log` may be NULL. */
I440fx *i440fx_new(PciBus *bus, I440fxPamChanged *pam_changed, void *opaque, Log *log);
/* Free the bridge; NULL is accepted. */
void i440fx_free(I440fx *h);

/* Ports 0xCF8-0xCFB: a dword access is CONFIG_ADDRESS; byte and word
 * accesses are not (PCI 2.2 3.2.2.3.2) and go to the passthrough below
 * (e.g. the PIIX3 reset control register at 0xCF9), else read all ones.
 * opaque = the I440fx. */
extern const IoOps i440fx_addr_io_ops;
/* Ports 0xCFC-0xCFF: CONFIG_DATA, 1/2/4 bytes at any offset inside. */
extern const IoOps i440fx_data_io_ops;
/* Who gets non-dword accesses to 0xCF8-0xCFB (offset relative to 0xCF8). */
void i440fx_set_addr_passthrough(I440fx *h, const IoOps *ops, void *opaque);

/* The embedded Device ("i440fx": reset, field table, free = i440fx_free). */
Device *i440fx_device(I440fx *h);
PciDevice *i440fx_pci(I440fx *h);

/* Report every segment's current attributes through pam_changed (board
 * start-up; also done by reset and after a snapshot load). */
void i440fx_pam_sync(I440fx *h);
/* Attributes of the segment containing `addr` (0xC0000-0xFFFFF); false
 * for addresses outside. */
bool i440fx_pam_get(I440fx *h, uint32_t addr, bool *read_ram, bool *write_ram);
/* The SMRAM control register (0x72), for a future SMM implementation. */
uint8_t i440fx_smram(I440fx *h);

#endif
