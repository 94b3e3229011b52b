/* The PC's two cascaded 8259A programmable interrupt controllers (master at
 * ports 0x20/0x21, slave at 0xA0/0xA1 on master IR2) and the PIIX3 ELCR
 * edge/level registers at 0x4D0/0x4D1. Behaviour follows the Intel 8259A
 * datasheet; see i8259_pic.c. Devices drive pic_set_irq() through an
 * IrqLine; the CPU samples pic_intr_pending() and takes the vector from
 * pic_intr_ack(). */
#ifndef JITPC_DEVICES_I8259_PIC_H
#define JITPC_DEVICES_I8259_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "base/irq.h"
#include "base/log.h"
#include "devices/device.h"
#include "mmu/memory.h"

typedef struct I8259Pic I8259Pic;   /* both chips */

/* Both chips in their reset state, ELCR all edge. `log` may be NULL. */
I8259Pic *pic_new(Log *log);
/* Free the controller; NULL is accepted. */
void pic_free(I8259Pic *p);
/* System reset: both chips and the ELCR to their power-on state. Input
 * pin levels are wires driven by other devices and are kept. */
void pic_reset(I8259Pic *p);

/* opaque = the I8259Pic. Master (0x20), slave (0xA0): 2 byte-wide ports
 * each; ELCR (0x4D0): 2 ports, byte or word access. */
extern const IoOps pic_master_io_ops, pic_slave_io_ops, pic_elcr_io_ops;

/* The embedded Device (name "pic", reset, field table, free = pic_free). */
Device *pic_device(I8259Pic *p);

/* An IrqHandler: ISA IRQ `irq` (0..15) input is now `level`. IRQ 2 is the
 * cascade input, driven by the slave only. */
void pic_set_irq(void *opaque, int irq, bool level);
/* The CPU's INTR input: the master has a request to present. */
bool pic_intr_pending(void *opaque);
/* The two INTA cycles: the vector the CPU takes. Updates ISR/IRR of the
 * chip(s) involved; a request that went away gives the spurious IRQ 7
 * (or IRQ 15) vector. */
uint8_t pic_intr_ack(void *opaque);

#endif
