/* Port 0x92, "System Control Port A" (PS/2 fast A20 and fast reset). */
#ifndef JITPC_DEVICES_PORT92_H
#define JITPC_DEVICES_PORT92_H

#include <stdbool.h>

#include "base/runstate.h"
#include "devices/device.h"
#include "mmu/memory.h"

typedef struct Port92 Port92;

/* `set_a20` is called whenever the gate changes (the board applies it to
 * the CPU's address mask). */
Port92 *port92_new(RunState *run, void (*set_a20)(void *opaque, bool enabled), void *opaque);
extern const IoOps port92_io_ops;       /* one byte at 0x92 */
Device *port92_device(Port92 *p);

#endif
