/* struct Machine: one emulated PC and everything it owns. There are no
 * mutable globals anywhere in jitpc, so any number of machines can live in
 * one process (tests build several). */
#ifndef JITPC_MACHINE_MACHINE_H
#define JITPC_MACHINE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/chardev.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/input.h"
#include "base/log.h"
#include "base/runstate.h"
#include "cpu/cpu.h"
#include "devices/device.h"
#include "machine/config.h"
#include "machine/loader_multiboot.h"
#include "machine/loader_rom.h"
#include "machine/pc_shadow.h"
#include "mmu/memory.h"
#include "ui/display.h"

#define MACHINE_MAX_CHARDEVS 16
#define ISA_IRQ_COUNT 16

typedef struct Uart16550 Uart16550;

typedef struct Machine {
    const MachineConfig *cfg;       /* borrowed: outlives the machine */
    Log log;
    RunState run;
    Clock clock;
    InputLayer input;
    AddressSpace mem;               /* guest physical memory */
    AddressSpace io;                /* I/O ports */
    uint8_t *ram;                   /* one host mapping for all guest RAM */
    uint64_t ram_size;
    RamLayout ram_layout;
    RomImage bios;
    PcShadow shadow;                /* the BIOS area's PAM-controlled mapping (pc_shadow.c) */
    CpuState cpu;
    bool cpu_ready;                 /* cpu_init done (for machine_free) */
    Chardev *chardevs[MACHINE_MAX_CHARDEVS];
    int chardev_count;
    DeviceList devices;
    Uart16550 *serial[CONFIG_MAX_SERIAL];
    bool isa_irq_level[ISA_IRQ_COUNT];  /* ISA IRQ line levels as devices drive them */
    struct I8259Pic *pic;           /* the 8259 pair (pc.c) */
    struct ApicLocal *lapic;        /* the CPU's local APIC: its interrupt source */
    struct IoApic *ioapic;
    struct PciBus *pci;
    bool pci_irq_level[ISA_IRQ_COUNT];  /* PCI interrupts routed to each ISA IRQ (PIIX3 PIRQs) */
    Display *display;
    bool handle_signals;            /* main(): collect SIGINT/SIGTERM in the loop */
} Machine;

/* Build the machine `cfg` describes: RAM, board devices, loaded guest.
 * Fails with one line naming the problem (bad file, overlapping device). */
Machine *machine_new(const MachineConfig *cfg, Error *err);
void machine_free(Machine *m);

/* Run until the guest or the user ends the run; returns the exit status.
 * A run that cannot start (no execution engine yet) sets `err`. */
int machine_run(Machine *m, Error *err);

/* One pass of host work: signals, host input, display events, delivery of
 * queued input to the guest, expired timers. */
void machine_poll(Machine *m);

/* System reset: CPU and every device back to power-on state. */
void machine_reset(Machine *m);

/* Board assembly (pc.c): RAM, ROM, devices and their ports and IRQs. */
bool pc_board_init(Machine *m, Error *err);
/* Find a chardev opened for this machine by id, or NULL. */
Chardev *machine_find_chardev(Machine *m, const char *id);

#endif
