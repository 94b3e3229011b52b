/* isa-debugcon: every byte the guest writes to the port goes to a
 * character device; reads return 0xE9 so a guest can detect the port (the
 * "port E9 hack" of Bochs, and QEMU's default readback value). The device
 * has no state to save: output leaves the machine at once. */
#include "devices/isa_debugcon.h"

#include <stdlib.h>

#define DEBUGCON_READBACK 0xE9

struct IsaDebugcon {
    Device dev;
    Chardev *chr;
};

static uint64_t debugcon_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return DEBUGCON_READBACK;
}

static void debugcon_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IsaDebugcon *d = opaque;
    (void)off, (void)size;
    chardev_write_byte(d->chr, (uint8_t)val);
}

/* One byte lane: a 16- or 32-bit write reaches the next ports too, as on
 * an ISA bus, and only the low byte lands here. */
const IoOps debugcon_io_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .min_access = 1,
    .max_access = 1,
};

static const StateField debugcon_fields[] = {STATE_END};

static void debugcon_free(void *opaque)
{
    free(opaque);
}

IsaDebugcon *debugcon_new(const char *name, Chardev *chr)
{
    IsaDebugcon *d = calloc(1, sizeof(*d));
    if (!d)
        abort();
    d->chr = chr;
    d->dev = (Device){.name = name, .fields = debugcon_fields, .state = d, .opaque = d, .free = debugcon_free};
    return d;
}

Device *debugcon_device(IsaDebugcon *d)
{
    return &d->dev;
}
