/* Intel 8042 keyboard controller as on PC/AT and PS/2 boards: the data
 * port (0x60), the status/command port (0x64), IRQ1 for the keyboard and
 * IRQ12 for the auxiliary (mouse) port, the output port's A20 gate and
 * reset line. The keyboard and mouse are separate devices (ps2_kbd.h,
 * ps2_mouse.h) that the controller drives; see i8042.c.
 *
 * The board maps i8042_data_io_ops at 0x60 and i8042_cmd_io_ops at 0x64
 * (one byte each; 0x61..0x63 belong to other chips) and adds the three
 * Devices to its DeviceList. */
#ifndef JITPC_DEVICES_I8042_H
#define JITPC_DEVICES_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "base/irq.h"
#include "base/log.h"
#include "base/runstate.h"
#include "devices/device.h"
#include "devices/ps2_kbd.h"
#include "devices/ps2_mouse.h"
#include "mmu/memory.h"

typedef struct I8042 I8042;

/* A controller in its power-on state, attached to `kbd` and `mouse`
 * (either may be NULL: nothing attached to that port). The devices stay
 * owned by the caller and must outlive the controller. `set_a20` is called
 * whenever the output port's A20 bit changes and once at reset (A20 on).
 * A reset pulse (0xFE, 0xF0..0xFF with bit 0 clear, or output port bit 0
 * written as 0) calls runstate_request_reset(run). `log` may be NULL. */
I8042 *i8042_new(RunState *run, IrqLine irq_kbd, IrqLine irq_aux, Ps2Kbd *kbd, Ps2Mouse *mouse,
                 void (*set_a20)(void *opaque, bool enabled), void *a20_opaque, Log *log);
void i8042_free(I8042 *c);

/* Port 0x60 (data) and port 0x64 (status / command); opaque = the I8042. */
extern const IoOps i8042_data_io_ops;
extern const IoOps i8042_cmd_io_ops;

/* The embedded Device (name "i8042", reset, field table, free = i8042_free). */
Device *i8042_device(I8042 *c);

#endif
