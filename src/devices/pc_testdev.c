/* QEMU's pc-testdev (hw/misc/pc-testdev.c's documented behaviour, as
 * kvm-unit-tests uses it):
 *  - 0xE0-0xE3: a 32-bit little-endian scratch register. An access of n
 *    bytes at port 0xE0 + k reads or writes register bytes k..k+n-1, so
 *    outl 0xE0 then inb 0xE2 returns bits 23:16.
 *  - 0xE8-0xEB: the same register, but the device only takes byte
 *    accesses, so wider guest accesses are split (tests string I/O and
 *    access splitting).
 *  - 0xE4: dword write of a guest-physical address: "flush" that page.
 *    QEMU cycles the host mapping's protection so KVM must refault it;
 *    here it becomes a request to the board (drop TLB entries and
 *    translations for the page). Reads return 0.
 *  - 0x2000 + n (n < 24): writing a non-zero byte raises interrupt line n,
 *    zero lowers it. Reads return 0.
 *  - 0xFF000000-0xFF00FFFF: memory-like MMIO: reads return what was
 *    written, little-endian, at any width.
 * Power-on contents are zero; reset does not clear them (QEMU does not). */
#include "devices/pc_testdev.h"

#include <stdlib.h>
#include <string.h>

struct PcTestdev {
    Device dev;
    IrqHandler *set_irq;
    void *irq_opaque;
    void (*flush_page)(void *opaque, uint64_t paddr);
    void *flush_opaque;
    uint32_t ioport_data;
    uint8_t iomem[PC_TESTDEV_IOMEM_SIZE];
};

static const StateField pc_testdev_fields[] = {
    STATE_UINT(PcTestdev, ioport_data),
    STATE_BYTES(PcTestdev, iomem),
    STATE_END,
};

static uint64_t pc_testdev_ioport_read(void *opaque, uint64_t off, unsigned size)
{
    PcTestdev *t = opaque;
    uint64_t mask = size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    return (t->ioport_data >> (8 * (off & 3))) & mask;
}

static void pc_testdev_ioport_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PcTestdev *t = opaque;
    unsigned shift = 8 * (unsigned)(off & 3);
    uint64_t mask = size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    /* Bytes beyond 0xE3 cannot occur: the registry splits accesses that
     * cross the region's end. */
    t->ioport_data = (uint32_t)((t->ioport_data & ~(mask << shift)) | ((val & mask) << shift));
}

const IoOps pc_testdev_ioport_ops = {
    .read = pc_testdev_ioport_read,
    .write = pc_testdev_ioport_write,
    .min_access = 1,
    .max_access = 4,
};

const IoOps pc_testdev_ioport_byte_ops = {
    .read = pc_testdev_ioport_read,
    .write = pc_testdev_ioport_write,
    .min_access = 1,
    .max_access = 1,
};

static uint64_t pc_testdev_zero_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0;
}

static void pc_testdev_flush_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PcTestdev *t = opaque;
    (void)off, (void)size;
    if (t->flush_page)
        t->flush_page(t->flush_opaque, (uint32_t)val & ~0xFFFu);
}

const IoOps pc_testdev_flush_ops = {
    .read = pc_testdev_zero_read,
    .write = pc_testdev_flush_write,
    .min_access = 4,
    .max_access = 4,
};

static void pc_testdev_irq_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PcTestdev *t = opaque;
    (void)size;
    if (t->set_irq && off < PC_TESTDEV_IRQ_LINES)
        t->set_irq(t->irq_opaque, (int)off, (val & 0xFF) != 0);
}

const IoOps pc_testdev_irq_ops = {
    .read = pc_testdev_zero_read,
    .write = pc_testdev_irq_write,
    .min_access = 1,
    .max_access = 1,
};

static uint64_t pc_testdev_iomem_read(void *opaque, uint64_t off, unsigned size)
{
    PcTestdev *t = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size && off + i < PC_TESTDEV_IOMEM_SIZE; i++)
        v |= (uint64_t)t->iomem[off + i] << (8 * i);
    return v;
}

static void pc_testdev_iomem_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PcTestdev *t = opaque;
    for (unsigned i = 0; i < size && off + i < PC_TESTDEV_IOMEM_SIZE; i++)
        t->iomem[off + i] = (uint8_t)(val >> (8 * i));
}

const IoOps pc_testdev_iomem_ops = {
    .read = pc_testdev_iomem_read,
    .write = pc_testdev_iomem_write,
    .min_access = 1,
    .max_access = 8,
};

static void pc_testdev_reset(void *opaque)
{
    (void)opaque;   /* scratch state survives reset, as in QEMU */
}

void pc_testdev_free(PcTestdev *t)
{
    free(t);
}

static void pc_testdev_free_opaque(void *opaque)
{
    pc_testdev_free(opaque);
}

PcTestdev *pc_testdev_new(IrqHandler *set_irq, void *irq_opaque, void (*flush_page)(void *opaque, uint64_t paddr),
                          void *flush_opaque)
{
    PcTestdev *t = calloc(1, sizeof(*t));
    if (!t)
        abort();
    t->set_irq = set_irq;
    t->irq_opaque = irq_opaque;
    t->flush_page = flush_page;
    t->flush_opaque = flush_opaque;
    t->dev = (Device){.name = "pc-testdev", .reset = pc_testdev_reset, .fields = pc_testdev_fields, .state = t,
                      .opaque = t, .free = pc_testdev_free_opaque};
    return t;
}

Device *pc_testdev_device(PcTestdev *t)
{
    return &t->dev;
}
