/* Port 0x92, System Control Port A, as on PS/2 and later PCs (and the
 * PIIX3): bit 1 gates address line A20 ("fast A20"), writing 1 to bit 0
 * pulses the CPU reset line ("fast reset"). Reading returns the last value
 * with bit 0 reading 0 once the reset pulse is done. The keyboard
 * controller's A20 path arrives with the 8042 (issue 7); both drive the
 * same gate through the board's callback. Reference: Intel 82371SB (PIIX3)
 * datasheet, Port 92h; QEMU's pc machine also starts with A20 enabled. */
#include "devices/port92.h"

#include <stdlib.h>

#define PORT92_RESET 0x01
#define PORT92_A20 0x02

struct Port92 {
    Device dev;
    RunState *run;
    void (*set_a20)(void *opaque, bool enabled);
    void *opaque;
    uint8_t value;          /* guest-visible register */
};

static const StateField port92_fields[] = {
    STATE_UINT(Port92, value),
    STATE_END,
};

static uint64_t port92_read(void *opaque, uint64_t off, unsigned size)
{
    Port92 *p = opaque;
    (void)off, (void)size;
    return p->value;
}

static void port92_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Port92 *p = opaque;
    (void)off, (void)size;
    uint8_t old = p->value;
    p->value = (uint8_t)(val & ~PORT92_RESET);
    if ((old ^ p->value) & PORT92_A20)
        p->set_a20(p->opaque, p->value & PORT92_A20);
    if (val & PORT92_RESET)
        runstate_request_reset(p->run);
}

const IoOps port92_io_ops = {
    .read = port92_read,
    .write = port92_write,
    .min_access = 1,
    .max_access = 1,
};

static void port92_reset(void *opaque)
{
    Port92 *p = opaque;
    p->value = PORT92_A20;
    p->set_a20(p->opaque, true);
}

static void port92_free(void *opaque)
{
    free(opaque);
}

Port92 *port92_new(RunState *run, void (*set_a20)(void *opaque, bool enabled), void *opaque)
{
    Port92 *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->run = run;
    p->set_a20 = set_a20;
    p->opaque = opaque;
    p->dev = (Device){.name = "port92", .reset = port92_reset, .fields = port92_fields, .state = p, .opaque = p,
                      .free = port92_free};
    return p;
}

Device *port92_device(Port92 *p)
{
    return &p->dev;
}
