/* isa-debugcon: the Bochs/QEMU debug console port (0xE9 by default). */
#ifndef JITPC_DEVICES_ISA_DEBUGCON_H
#define JITPC_DEVICES_ISA_DEBUGCON_H

#include "base/chardev.h"
#include "devices/device.h"
#include "mmu/memory.h"

typedef struct IsaDebugcon IsaDebugcon;

IsaDebugcon *debugcon_new(const char *name, Chardev *chr);
extern const IoOps debugcon_io_ops;     /* one port; opaque = the IsaDebugcon */
Device *debugcon_device(IsaDebugcon *d);

#endif
