/* Port 0x61, the PC's "System Control Port B": PIT channel 2's GATE and
 * OUT, the speaker data enable, the refresh toggle and the parity / I/O
 * channel check bits. See pc_port61.c. */
#ifndef JITPC_DEVICES_PC_PORT61_H
#define JITPC_DEVICES_PC_PORT61_H

#include "base/clock.h"
#include "base/log.h"
#include "devices/device.h"
#include "devices/i8254_pit.h"
#include "mmu/memory.h"

typedef struct PcPort61 PcPort61;

/* Port 61h wired to `pit` channel 2; the refresh toggle runs on `clock`.
 * `log` may be NULL. Starts in the reset state (all written bits 0). */
PcPort61 *port61_new(I8254Pit *pit, Clock *clock, Log *log);
/* Free the port; NULL is accepted. */
void port61_free(PcPort61 *p);

/* One byte at 0x61; opaque = the PcPort61. */
extern const IoOps port61_io_ops;

/* The embedded Device ("port61": reset, field table, free). */
Device *port61_device(PcPort61 *p);

#endif
