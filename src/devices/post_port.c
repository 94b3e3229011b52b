/* Port 0x80, the POST code port. Each write is logged under -d ioport as
 * "POST code 0xNN" and kept. Reads return the last code written: on the
 * PIIX3 (Intel 82371SB data sheet, DMA page registers 80h-8Fh) port 80h is
 * a read/write page register that no DMA channel uses, so firmware that
 * writes a code and reads it back sees it, as a POST card's latch does.
 * QEMU instead answers 0xFF to reads of 0x80 and drops writes; jitpc
 * follows the chipset. When the 8237 DMA controller arrives, its page
 * registers take 81h-8Fh and this stays at 80h. */
#include "devices/post_port.h"

#include <stdlib.h>

struct PostPort {
    Device dev;
    Log *log;
    uint8_t code;               /* last value written */
};

static const StateField post_port_fields[] = {
    STATE_UINT(PostPort, code),
    STATE_END,
};

static uint64_t post_port_read(void *opaque, uint64_t off, unsigned size)
{
    PostPort *p = opaque;
    (void)off, (void)size;
    return p->code;
}

static void post_port_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PostPort *p = opaque;
    (void)off, (void)size;
    p->code = (uint8_t)val;
    LOG(p->log, LOG_IOPORT, "POST code 0x%02x\n", p->code);
}

const IoOps post_port_io_ops = {
    .read = post_port_read,
    .write = post_port_write,
    .min_access = 1,
    .max_access = 1,
};

uint8_t post_port_last(const PostPort *p)
{
    return p->code;
}

static void post_port_reset(void *opaque)
{
    PostPort *p = opaque;
    p->code = 0;
}

static void post_port_device_free(void *opaque)
{
    post_port_free(opaque);
}

PostPort *post_port_new(Log *log)
{
    PostPort *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->log = log;
    p->dev = (Device){.name = "post", .reset = post_port_reset, .fields = post_port_fields, .state = p,
                      .opaque = p, .free = post_port_device_free};
    return p;
}

void post_port_free(PostPort *p)
{
    free(p);
}

Device *post_port_device(PostPort *p)
{
    return &p->dev;
}
