/* The Intel 82093AA I/O APIC at 0xFEC00000: 24 interrupt input pins, each
 * routed by a 64-bit redirection table entry to an interrupt message for
 * the local APIC(s). Registers are reached indirectly through IOREGSEL
 * (offset 0x00) and IOWIN (offset 0x10). See ioapic.c. */
#ifndef JITPC_DEVICES_IOAPIC_H
#define JITPC_DEVICES_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "devices/device.h"
#include "mmu/memory.h"

#define IOAPIC_DEFAULT_BASE 0xFEC00000u
#define IOAPIC_MMIO_SIZE    0x20u       /* IOREGSEL and IOWIN */
#define IOAPIC_PINS         24

typedef struct IoApic IoApic;

/* An interrupt message: the board matches `dest` (an APIC ID, or a logical
 * MDA when `dest_logical`) against the local APIC (apic_match_dest) and
 * hands it to apic_deliver. `delivery_mode` is APIC_DM_* (apic_local.h). */
typedef void IoApicDeliverFn(void *opaque, uint8_t vector, bool trigger_level, unsigned delivery_mode,
                             uint8_t dest, bool dest_logical);

/* An I/O APIC in its reset state with ID `id` (bits 27:24 of the ID
 * register; the board picks the one its MP/ACPI tables announce). `log`
 * may be NULL. */
IoApic *ioapic_new(uint8_t id, IoApicDeliverFn *deliver, void *opaque, Log *log);
/* Free the I/O APIC; NULL is accepted. */
void ioapic_free(IoApic *s);
/* RESET: every entry masked, ID restored. Pin levels (wires) are kept. */
void ioapic_reset(IoApic *s);

/* IOREGSEL/IOWIN, IOAPIC_MMIO_SIZE bytes; opaque = the IoApic. */
extern const IoOps ioapic_mmio_ops;

/* The embedded Device ("ioapic": reset, field table, free = ioapic_free). */
Device *ioapic_device(IoApic *s);

/* An IrqHandler: input `pin` (0..23) is now `level` (true = asserted; the
 * polarity bit is stored, not applied: see ioapic.c). */
void ioapic_set_irq(void *opaque, int pin, bool level);
/* A local APIC's EOI of a level-triggered `vector`: clear remote IRR of
 * the level entries with that vector and deliver again if still asserted. */
void ioapic_eoi(IoApic *s, uint8_t vector);

#endif
