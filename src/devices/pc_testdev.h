/* QEMU's "pc-testdev", the ISA test device kvm-unit-tests drives: a 32-bit
 * scratch register at ports 0xE0-0xE3 (and byte-by-byte at 0xE8-0xEB), a
 * page-flush request port at 0xE4, 24 IRQ line controls at 0x2000-0x2017
 * and 64 KiB of RAM-like MMIO at 0xFF000000. See pc_testdev.c. */
#ifndef JITPC_DEVICES_PC_TESTDEV_H
#define JITPC_DEVICES_PC_TESTDEV_H

#include <stdint.h>

#include "base/irq.h"
#include "devices/device.h"
#include "mmu/memory.h"

#define PC_TESTDEV_IOPORT      0xE0
#define PC_TESTDEV_FLUSH       0xE4
#define PC_TESTDEV_IOPORT_BYTE 0xE8
#define PC_TESTDEV_IRQ         0x2000
#define PC_TESTDEV_IRQ_LINES   24
#define PC_TESTDEV_IOMEM       0xFF000000u
#define PC_TESTDEV_IOMEM_SIZE  0x10000u

typedef struct PcTestdev PcTestdev;

/* `set_irq(irq_opaque, n, level)` receives writes to 0x2000 + n (n 0..23:
 * interrupt controller input n; the PIC has 0-15, an I/O APIC all 24).
 * `flush_page(flush_opaque, paddr)` receives a page-flush request (the
 * page-aligned guest-physical address); either may be NULL. */
PcTestdev *pc_testdev_new(IrqHandler *set_irq, void *irq_opaque, void (*flush_page)(void *opaque, uint64_t paddr),
                          void *flush_opaque);
/* Free the device; NULL is accepted. */
void pc_testdev_free(PcTestdev *t);

/* opaque = the PcTestdev for all of these. */
extern const IoOps pc_testdev_ioport_ops;       /* 4 ports at 0xE0 */
extern const IoOps pc_testdev_ioport_byte_ops;  /* 4 ports at 0xE8 */
extern const IoOps pc_testdev_flush_ops;        /* 4 ports at 0xE4 */
extern const IoOps pc_testdev_irq_ops;          /* 24 ports at 0x2000 */
extern const IoOps pc_testdev_iomem_ops;        /* 64 KiB at 0xFF000000 */

/* The embedded Device ("pc-testdev": reset, field table, free). */
Device *pc_testdev_device(PcTestdev *t);

#endif
