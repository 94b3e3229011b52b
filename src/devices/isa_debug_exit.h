/* isa-debug-exit: QEMU's test exit port (0xF4 on jitpc's default board). */
#ifndef JITPC_DEVICES_ISA_DEBUG_EXIT_H
#define JITPC_DEVICES_ISA_DEBUG_EXIT_H

#include "base/runstate.h"
#include "devices/device.h"
#include "mmu/memory.h"

typedef struct IsaDebugExit IsaDebugExit;

IsaDebugExit *debug_exit_new(const char *name, RunState *run);
extern const IoOps debug_exit_io_ops;   /* iosize ports; opaque = the IsaDebugExit */
Device *debug_exit_device(IsaDebugExit *d);

#endif
