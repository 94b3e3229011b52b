/* Intel 82371SB (PIIX3) function 0, the PCI-to-ISA bridge at 00:01.0:
 * its configuration registers and the PIRQA#-PIRQD# to ISA IRQ steering
 * (PIRQRC, 0x60-0x63). The ELCR at 0x4D0 lives with the PIC
 * (i8259_pic.c); IDE (function 1), USB and the power management function
 * are separate chips/files. See pci_piix3.c. */
#ifndef JITPC_DEVICES_PCI_PIIX3_H
#define JITPC_DEVICES_PCI_PIIX3_H

#include <stdbool.h>

#include "base/irq.h"
#include "base/log.h"
#include "devices/device.h"
#include "devices/pci.h"

#define PIIX3_PIRQRC 0x60   /* PIRQRC[A..D] at 0x60..0x63 */

typedef struct Piix3 Piix3;

/* The bridge at `devfn` (normally PCI_DEVFN(1, 0)) on `bus`; it becomes
 * the bus's PIRQ handler. Routed PIRQ levels go out through
 * isa_irq(opaque, irq 0..15, level), only on changes. NULL if the slot is
 * taken. `log` may be NULL. */
Piix3 *piix3_new(PciBus *bus, unsigned devfn, IrqHandler *isa_irq, void *opaque, Log *log);
/* Free the bridge; NULL is accepted. */
void piix3_free(Piix3 *p);

/* The embedded Device ("piix3": reset, field table, free = piix3_free). */
Device *piix3_device(Piix3 *p);
PciDevice *piix3_pci(Piix3 *p);

/* The ISA IRQ PIRQ line `pirq` (0 = PIRQA# .. 3 = PIRQD#) is steered to,
 * or -1 when its routing is disabled (bit 7) or names a reserved IRQ. */
int piix3_pirq_to_isa(Piix3 *p, int pirq);

#endif
