/* Intel 8254 programmable interval timer as wired in a PC: three counters
 * at ports 0x40-0x42, the control word at 0x43, a 1.193182 MHz input clock.
 * Channel 0's OUT drives IRQ0; channel 2's GATE and OUT belong to port 0x61
 * (the board calls pit_set_gate / pit_get_out); channel 1 (DRAM refresh)
 * only counts. Behaviour follows the Intel 8254 datasheet; see i8254_pit.c. */
#ifndef JITPC_DEVICES_I8254_PIT_H
#define JITPC_DEVICES_I8254_PIT_H

#include <stdbool.h>

#include "base/clock.h"
#include "base/irq.h"
#include "base/log.h"
#include "devices/device.h"
#include "mmu/memory.h"

#define PIT_FREQ_HZ 1193182     /* the PC's PIT input clock */

typedef struct I8254Pit I8254Pit;

/* A PIT in its reset state (see pit_reset). `irq0` receives channel 0's
 * OUT level; `log` may be NULL. */
I8254Pit *pit_new(Clock *clock, IrqLine irq0, Log *log);
/* Free the timer and the PIT; NULL is accepted. */
void pit_free(I8254Pit *p);

/* Four byte-wide ports (counters 0-2, control word); opaque = the I8254Pit. */
extern const IoOps pit_io_ops;

/* The embedded Device ("pit": reset, field table, free = pit_free). */
Device *pit_device(I8254Pit *p);

/* Drive a counter's GATE input (channel 2: port 0x61 bit 0). Channels
 * outside 0-2 are ignored. */
void pit_set_gate(I8254Pit *p, int channel, bool level);
/* A counter's OUT pin now (channel 2: port 0x61 bit 5); false for a
 * channel outside 0-2. */
bool pit_get_out(I8254Pit *p, int channel);

/* Reset as QEMU does: every counter in mode 3, binary, LSB-then-MSB, count
 * 0 (65536) loaded; GATE high on channels 0 and 1, low on channel 2. */
void pit_reset(I8254Pit *p);

#endif
