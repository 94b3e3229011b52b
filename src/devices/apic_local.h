/* The local APIC of one CPU in xAPIC mode (Intel SDM Vol. 3A chapter 10):
 * a 4 KiB MMIO register page at the APIC base (default 0xFEE00000), the
 * IA32_APIC_BASE MSR, interrupt acceptance and priority (IRR/ISR/TMR, TPR,
 * PPR), EOI, the LVT with its timer, LINT0/LINT1 and error entries, and
 * the ICR for self-IPIs. The CPU asks it for interrupts instead of the
 * 8259 PIC; the PIC reaches the CPU through it (LINT0, ExtINT). See
 * apic_local.c for what is emulated and the choices made. */
#ifndef JITPC_DEVICES_APIC_LOCAL_H
#define JITPC_DEVICES_APIC_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/log.h"
#include "devices/device.h"
#include "mmu/memory.h"

#define APIC_DEFAULT_BASE   0xFEE00000u
#define APIC_MMIO_SIZE      0x1000u
/* The timer's input (the "bus clock" of SDM §10.5.4): 1 GHz, so one bus
 * clock is one nanosecond of machine time. */
#define APIC_BUS_FREQ_HZ    1000000000u

/* IA32_APIC_BASE (MSR 0x1B, SDM §10.4.4). */
#define APIC_BASE_BSP       (1u << 8)
#define APIC_BASE_ENABLE    (1u << 11)
#define APIC_BASE_ADDR_MASK 0x0000000FFFFFF000ULL   /* bits 12-35 */

/* Delivery modes (ICR, LVT, I/O APIC redirection entries). */
enum {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_REMOTE_READ = 3,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
};

typedef struct ApicLocal ApicLocal;

/* What the APIC drives outside itself. Any function may be NULL. */
typedef struct ApicCallbacks {
    /* Something became deliverable (IRR, ExtINT, NMI): the CPU must leave
     * chained translated code and poll apic_intr_pending (cpu_kick). */
    void (*kick)(void *opaque);
    /* NMI (LINT1 in NMI mode, an NMI IPI or I/O APIC message): latch the
     * CPU's NMI input. */
    void (*nmi)(void *opaque);
    /* EOI of a level-triggered vector (TMR bit set): the I/O APIC clears
     * remote IRR of the entries with that vector (ioapic_eoi). */
    void (*eoi)(void *opaque, uint8_t vector);
    void *opaque;
} ApicCallbacks;

/* A local APIC in its power-up state (SDM §10.4.7.1) with APIC ID `id`,
 * the BSP flag set when `bsp`. When `mem` is not NULL the APIC maps its
 * register page there itself (and moves it on apic_set_base); otherwise
 * the board maps apic_mmio_ops at apic_get_base() & APIC_BASE_ADDR_MASK.
 * `log` may be NULL. Returns NULL (with a message) if mapping fails. */
ApicLocal *apic_new(Clock *clock, uint8_t id, bool bsp, AddressSpace *mem, ApicCallbacks cb, Log *log,
                    Error *err);
/* Unmap (if it mapped itself), free the timer and the APIC; NULL is accepted. */
void apic_free(ApicLocal *a);
/* Power-up / RESET# state (SDM §10.4.7.1), including the base MSR. */
void apic_reset(ApicLocal *a);

/* The 4 KiB register page; opaque = the ApicLocal. */
extern const IoOps apic_mmio_ops;

/* The embedded Device ("lapic": reset, field table, free = apic_free). */
Device *apic_device(ApicLocal *a);

/* The 8259 PIC as the ExtINT source on LINT0 (pic_intr_pending,
 * pic_intr_ack, the I8259Pic). */
void apic_set_extint_source(ApicLocal *a, bool (*pending)(void *opaque), uint8_t (*ack)(void *opaque),
                            void *opaque);

/* CpuIntrSource for the CPU: an interrupt (APIC vector or the PIC through
 * LINT0) is waiting; the INTA cycle returning its vector. Never longjmp. */
bool apic_intr_pending(void *opaque);
uint8_t apic_intr_ack(void *opaque);

/* LINT0 (n = 0) or LINT1 (n = 1) input is now `level` (asserted = true;
 * LVT polarity is not applied, see apic_local.c). Other n: ignored. */
void apic_set_lint(ApicLocal *a, int n, bool level);

/* An interrupt message from the I/O APIC (or another agent) that the board
 * has already matched to this APIC (apic_match_dest). */
void apic_deliver(ApicLocal *a, uint8_t vector, bool level_triggered, unsigned delivery_mode);
/* Whether destination `dest` (physical: an APIC ID or 0xFF; logical: an
 * MDA under DFR/LDR, SDM §10.6.2) names this APIC. */
bool apic_match_dest(const ApicLocal *a, uint8_t dest, bool logical);

/* RDMSR / WRMSR of IA32_APIC_BASE. apic_set_base returns false for
 * reserved bits set (the CPU raises #GP(0)); the BSP bit is read-only.
 * Clearing the enable bit puts the APIC in its reset state, disabled. */
uint64_t apic_get_base(const ApicLocal *a);
bool apic_set_base(ApicLocal *a, uint64_t value);
/* After loading a snapshot: move the register page to the loaded base
 * (when the APIC maps itself) and re-announce pending interrupts. */
void apic_post_load(ApicLocal *a);

#endif
