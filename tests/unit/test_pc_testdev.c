/* pc-testdev through a real port space and memory space: the scratch
 * register at 0xE0 (byte lanes) and its byte-only view at 0xE8, the page
 * flush request, IRQ line control into a spy, the 64 KiB MMIO window and
 * save/load. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/state.h"
#include "devices/pc_testdev.h"

static AddressSpace mem, io;
static PcTestdev *td;
static bool levels[PC_TESTDEV_IRQ_LINES];
static int irq_calls;
static uint64_t flushed[8];
static int nflushed;

static void irq_spy(void *opaque, int n, bool level)
{
    (void)opaque;
    cr_assert(n >= 0 && n < PC_TESTDEV_IRQ_LINES);
    levels[n] = level;
    irq_calls++;
}

static void flush_spy(void *opaque, uint64_t paddr)
{
    (void)opaque;
    cr_assert_lt(nflushed, 8);
    flushed[nflushed++] = paddr;
}

static void setup(void)
{
    as_init(&mem, "memory", PHYS_ADDR_SPACE_SIZE, NULL);
    as_init(&io, "ioport", IO_PORT_SPACE_SIZE, NULL);
    memset(levels, 0, sizeof(levels));
    irq_calls = nflushed = 0;
    td = pc_testdev_new(irq_spy, NULL, flush_spy, NULL);
    Error err = {0};
    cr_assert(as_map_io(&io, PC_TESTDEV_IOPORT, 4, &pc_testdev_ioport_ops, td, "pc-testdev-ioport", &err));
    cr_assert(as_map_io(&io, PC_TESTDEV_FLUSH, 4, &pc_testdev_flush_ops, td, "pc-testdev-flush", &err));
    cr_assert(as_map_io(&io, PC_TESTDEV_IOPORT_BYTE, 4, &pc_testdev_ioport_byte_ops, td, "pc-testdev-ioport-byte",
                        &err));
    cr_assert(as_map_io(&io, PC_TESTDEV_IRQ, PC_TESTDEV_IRQ_LINES, &pc_testdev_irq_ops, td, "pc-testdev-irq", &err));
    cr_assert(as_map_io(&mem, PC_TESTDEV_IOMEM, PC_TESTDEV_IOMEM_SIZE, &pc_testdev_iomem_ops, td, "pc-testdev-iomem",
                        &err), "%s", err.msg);
}

static void teardown(void)
{
    as_destroy(&mem);
    as_destroy(&io);
    pc_testdev_free(td);
}

TestSuite(pc_testdev, .init = setup, .fini = teardown);

Test(pc_testdev, scratch_register_byte_lanes)
{
    as_write(&io, 0xE0, 0x12345678, 4);
    cr_assert_eq(as_read(&io, 0xE0, 4), 0x12345678);
    cr_assert_eq(as_read(&io, 0xE0, 1), 0x78);
    cr_assert_eq(as_read(&io, 0xE2, 1), 0x34);
    cr_assert_eq(as_read(&io, 0xE2, 2), 0x1234);
    as_write(&io, 0xE1, 0xABCD, 2);
    cr_assert_eq(as_read(&io, 0xE0, 4), 0x12ABCD78, "word at 0xE1 replaces bytes 1-2");
    as_write(&io, 0xE3, 0x99, 1);
    cr_assert_eq(as_read(&io, 0xE0, 4), 0x99ABCD78);
}

Test(pc_testdev, byte_view_is_the_same_register)
{
    as_write(&io, 0xE8, 0xDEADBEEF, 4);     /* split into four byte writes */
    cr_assert_eq(as_read(&io, 0xE0, 4), 0xDEADBEEF);
    as_write(&io, 0xE0, 0x01020304, 4);
    cr_assert_eq(as_read(&io, 0xE8, 4), 0x01020304);
    cr_assert_eq(as_read(&io, 0xEA, 2), 0x0102);
}

Test(pc_testdev, flush_page_request)
{
    as_write(&io, 0xE4, 0x00123456, 4);
    cr_assert_eq(nflushed, 1);
    cr_assert_eq(flushed[0], 0x00123000, "page-aligned");
    cr_assert_eq(as_read(&io, 0xE4, 4), 0);
}

Test(pc_testdev, irq_lines)
{
    as_write(&io, 0x2005, 1, 1);
    cr_assert(levels[5]);
    as_write(&io, 0x2005, 0, 1);
    cr_assert(!levels[5]);
    as_write(&io, 0x2000 + 23, 0x80, 1);
    cr_assert(levels[23], "any non-zero value raises; 24 lines");
    as_write(&io, 0x200E, 0x0101, 2);       /* two byte writes: lines 14 and 15 */
    cr_assert(levels[14] && levels[15]);
    cr_assert_eq(irq_calls, 5);
    cr_assert_eq(as_read(&io, 0x2005, 1), 0);
}

Test(pc_testdev, iomem_window)
{
    as_write(&mem, 0xFF000010, 0x1122334455667788ULL, 8);
    cr_assert_eq(as_read(&mem, 0xFF000010, 8), 0x1122334455667788ULL);
    cr_assert_eq(as_read(&mem, 0xFF000014, 4), 0x11223344);
    cr_assert_eq(as_read(&mem, 0xFF000011, 1), 0x77);
    as_write(&mem, 0xFF00FFFF, 0xA5, 1);
    cr_assert_eq(as_read(&mem, 0xFF00FFFF, 1), 0xA5, "last byte");
    cr_assert_eq(as_read(&mem, 0xFF010000, 1), 0xFF, "window is 64 KiB");
    as_write(&mem, 0xFF00FFFE, 0xBBCC, 2);
    cr_assert_eq(as_read(&mem, 0xFF00FFFE, 2), 0xBBCC);
}

Test(pc_testdev, save_load)
{
    as_write(&io, 0xE0, 0xCAFEBABE, 4);
    as_write(&mem, 0xFF001234, 0x5A, 1);
    StateWriter w;
    state_writer_init(&w);
    Device *d = pc_testdev_device(td);
    state_save(&w, d->fields, d->state);
    PcTestdev *t2 = pc_testdev_new(NULL, NULL, NULL, NULL);
    Device *d2 = pc_testdev_device(t2);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, d2->fields, d2->state, "pc-testdev", &err), "%s", err.msg);
    cr_assert_eq(pc_testdev_ioport_ops.read(t2, 0, 4), 0xCAFEBABE);
    cr_assert_eq(pc_testdev_iomem_ops.read(t2, 0x1234, 1), 0x5A);
    pc_testdev_free(t2);
    state_writer_free(&w);
}
