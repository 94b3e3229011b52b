/* The dual 8259A PIC and the ELCR, driven through their IoOps with a fake
 * CPU (pic_intr_pending + pic_intr_ack): Linux and SeaBIOS init sequences,
 * masks, EOIs, priorities and rotation, AEOI, the cascade and special
 * fully nested mode, edge vs level (LTIM and ELCR), spurious IRQ 7/15,
 * poll mode, special mask mode, logging, save/load and a fuzz run. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/state.h"
#include "devices/i8259_pic.h"

#define NONE (-1)   /* fake CPU: no interrupt taken */

static I8259Pic *pic;
static Log logger;
static char *log_buf;
static size_t log_len;

static void setup(void)
{
    log_buf = NULL;
    log_len = 0;
    logger = (Log){.mask = LOG_GUEST_ERRORS | LOG_UNIMP, .out = open_memstream(&log_buf, &log_len)};
    cr_assert_not_null(logger.out);
    pic = pic_new(&logger);
    cr_assert_not_null(pic);
}

static void teardown(void)
{
    pic_free(pic);
    fclose(logger.out);
    free(log_buf);
}

TestSuite(pic, .init = setup, .fini = teardown);

static const char *log_text(void)
{
    fflush(logger.out);
    return log_buf ? log_buf : "";
}

static void log_clear(void)
{
    fflush(logger.out);
    rewind(logger.out);
    fflush(logger.out);
    if (log_buf)
        log_buf[0] = 0;
}

/* Port I/O at PC addresses. */
static void outb(unsigned port, uint8_t val)
{
    if ((port & ~1u) == 0x20)
        pic_master_io_ops.write(pic, port & 1, val, 1);
    else if ((port & ~1u) == 0xA0)
        pic_slave_io_ops.write(pic, port & 1, val, 1);
    else if ((port & ~1u) == 0x4D0)
        pic_elcr_io_ops.write(pic, port & 1, val, 1);
    else
        cr_assert_fail("port 0x%x", port);
}

static uint8_t inb(unsigned port)
{
    uint64_t v;
    if ((port & ~1u) == 0x20)
        v = pic_master_io_ops.read(pic, port & 1, 1);
    else if ((port & ~1u) == 0xA0)
        v = pic_slave_io_ops.read(pic, port & 1, 1);
    else if ((port & ~1u) == 0x4D0)
        v = pic_elcr_io_ops.read(pic, port & 1, 1);
    else
        cr_assert_fail("port 0x%x", port);
    cr_assert_leq(v, 0xFF);
    return (uint8_t)v;
}

/* The fake CPU with IF=1: takes the interrupt if INTR is up. */
static int cpu_take(void)
{
    if (!pic_intr_pending(pic))
        return NONE;
    return pic_intr_ack(pic);
}

static void irq(int n, bool level) { pic_set_irq(pic, n, level); }
static void pulse(int n) { irq(n, true); irq(n, false); }

static uint8_t read_isr(unsigned cmd_port)
{
    outb(cmd_port, 0x0B);
    uint8_t v = inb(cmd_port);
    outb(cmd_port, 0x0A);
    return v;
}

static uint8_t read_irr(unsigned cmd_port)
{
    outb(cmd_port, 0x0A);
    return inb(cmd_port);
}

/* Linux init_8259A(auto_eoi): master base 0x30, slave 0x38. */
static void linux_init(bool auto_eoi)
{
    outb(0x21, 0xFF);
    outb(0xA1, 0xFF);
    outb(0x20, 0x11);
    outb(0x21, 0x30);
    outb(0x21, 1 << 2);
    outb(0x21, auto_eoi ? 0x03 : 0x01);
    outb(0xA0, 0x11);
    outb(0xA1, 0x38);
    outb(0xA1, 2);
    outb(0xA1, 0x01);
    outb(0x21, 0x00);
    outb(0xA1, 0x00);
}

/* SeaBIOS pic_reset(0x08, 0x70): both ICW1 first, then interleaved. */
static void seabios_init(void)
{
    outb(0x20, 0x11);
    outb(0xA0, 0x11);
    outb(0x21, 0x08);
    outb(0xA1, 0x70);
    outb(0x21, 0x04);
    outb(0xA1, 0x02);
    outb(0x21, 0x01);
    outb(0xA1, 0x01);
    outb(0x21, 0xFB);
    outb(0xA1, 0xFF);
}

Test(pic, io_ops_and_device_record)
{
    cr_assert_eq(pic_master_io_ops.min_access, 1);
    cr_assert_eq(pic_master_io_ops.max_access, 1);
    cr_assert_eq(pic_slave_io_ops.max_access, 1);
    cr_assert_eq(pic_elcr_io_ops.max_access, 2);
    Device *d = pic_device(pic);
    cr_assert_str_eq(d->name, "pic");
    cr_assert_not_null(d->fields);
    cr_assert_eq(d->state, d->opaque);
    outb(0x21, 0x5A);
    outb(0x4D0, 0x20);
    d->reset(d->opaque);
    cr_assert_eq(inb(0x21), 0);
    cr_assert_eq(inb(0x4D0), 0, "ELCR resets to all edge");
    d->free(d->opaque);
    pic = NULL;
}

Test(pic, reset_state)
{
    cr_assert_eq(inb(0x20), 0, "IRR");
    cr_assert_eq(inb(0x21), 0, "IMR");
    cr_assert_eq(inb(0xA0), 0);
    cr_assert_eq(inb(0xA1), 0);
    cr_assert_eq(read_isr(0x20), 0);
    cr_assert_eq(inb(0x4D0), 0);
    cr_assert_eq(inb(0x4D1), 0);
    cr_assert_not(pic_intr_pending(pic));
    /* Before any ICW the slave still reaches the CPU through IR2. */
    pulse(9);
    cr_assert_eq(cpu_take(), 0x01);
    cr_assert_eq(read_isr(0x20), 0x04);
    cr_assert_eq(read_isr(0xA0), 0x02);
}

Test(pic, linux_init_sequence_and_vectors)
{
    linux_init(false);
    cr_assert_eq(inb(0x21), 0);
    pulse(0);
    cr_assert(pic_intr_pending(pic));
    cr_assert_eq(pic_intr_ack(pic), 0x30);
    cr_assert_eq(read_isr(0x20), 0x01);
    cr_assert_not(pic_intr_pending(pic));
    outb(0x20, 0x60);   /* specific EOI IR0, as Linux does */
    cr_assert_eq(read_isr(0x20), 0);
    pulse(12);
    cr_assert_eq(cpu_take(), 0x3C);
    cr_assert_eq(read_isr(0xA0), 0x10);
    cr_assert_eq(read_isr(0x20), 0x04);
    outb(0xA0, 0x64);
    outb(0x20, 0x62);
    cr_assert_eq(read_isr(0x20) | read_isr(0xA0), 0);
    cr_assert_eq(cpu_take(), NONE);
    cr_assert_str_eq(log_text(), "", "a clean init logs nothing");
}

Test(pic, seabios_init_sequence_and_masks)
{
    seabios_init();
    cr_assert_eq(inb(0x21), 0xFB);
    cr_assert_eq(inb(0xA1), 0xFF);
    pulse(0);
    pulse(14);
    cr_assert_not(pic_intr_pending(pic), "all masked");
    cr_assert_eq(read_irr(0x20), 0x01, "masked requests still show in IRR");
    cr_assert_eq(read_irr(0xA0), 0x40);
    outb(0xA1, 0xBF);
    cr_assert_eq(read_irr(0x20), 0x05, "unmasked slave request reaches IR2");
    cr_assert_eq(cpu_take(), 0x76, "IR2 is unmasked at the master, IR0 is not");
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), NONE);
    outb(0x21, 0xFA);
    cr_assert_eq(cpu_take(), 0x08);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), NONE);
    cr_assert_str_eq(log_text(), "");
}

Test(pic, icw2_low_bits_ignored_and_single_mode_skips_icw3)
{
    outb(0x20, 0x11);
    outb(0x21, 0x47);
    outb(0x21, 0x04);
    outb(0x21, 0x01);
    pulse(3);
    cr_assert_eq(cpu_take(), 0x43);
    outb(0x20, 0x20);
    /* Single mode: ICW1, ICW2, ICW4, then OCW1. */
    outb(0xA0, 0x13);
    outb(0xA1, 0x50);
    outb(0xA1, 0x01);
    outb(0xA1, 0x3C);
    cr_assert_eq(inb(0xA1), 0x3C, "the 3rd write was ICW4, the 4th OCW1");
    cr_assert(strstr(log_text(), "single mode"));
    /* Without IC4 the sequence ends after ICW3 and AEOI is off. */
    outb(0x20, 0x10);
    outb(0x21, 0x60);
    outb(0x21, 0x04);
    outb(0x21, 0x77);
    cr_assert_eq(inb(0x21), 0x77);
    outb(0x21, 0);
    pulse(1);
    cr_assert_eq(cpu_take(), 0x61);
    cr_assert_eq(read_isr(0x20), 0x02, "no AEOI");
    cr_assert(strstr(log_text(), "MCS-80"));
}

Test(pic, icw1_resets_the_chip)
{
    linux_init(false);
    pulse(5);
    pulse(6);
    cr_assert_eq(cpu_take(), 0x35);
    outb(0x21, 0x80);
    outb(0x20, 0xC3);       /* set priority: IR3 lowest */
    outb(0x20, 0x6B);       /* SMM on, read ISR */
    cr_assert_eq(inb(0x20), 0x20);
    irq(4, true);           /* held high across ICW1 */
    outb(0x20, 0x11);
    cr_assert_eq(inb(0x20), 0, "IRR cleared, read select back to IRR");
    cr_assert_eq(inb(0x21), 0, "IMR cleared");
    outb(0x21, 0x30);
    outb(0x21, 0x04);
    outb(0x21, 0x01);
    cr_assert_eq(read_isr(0x20), 0, "ISR cleared");
    cr_assert_eq(cpu_take(), NONE, "edge sense reset: a held line needs a new edge");
    irq(4, false);
    pulse(7);
    pulse(0);
    cr_assert_eq(cpu_take(), 0x30, "fixed priority again");
    cr_assert_eq(cpu_take(), NONE);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), 0x37);
}

Test(pic, edge_triggered_needs_a_new_edge)
{
    linux_init(false);
    irq(3, true);
    cr_assert_eq(cpu_take(), 0x33);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), NONE, "held high: no second interrupt");
    irq(3, true);
    cr_assert_eq(cpu_take(), NONE, "no edge without a low first");
    irq(3, false);
    irq(3, true);
    cr_assert_eq(cpu_take(), 0x33);
    outb(0x20, 0x20);
    /* A pulse is latched; two pulses before INTA are one interrupt. */
    pulse(4);
    pulse(4);
    cr_assert_eq(read_irr(0x20), 0x10);
    cr_assert_eq(cpu_take(), 0x34);
    cr_assert_eq(read_irr(0x20), 0, "INTA consumes the edge");
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), NONE);
}

Test(pic, level_triggered_by_ltim)
{
    outb(0x20, 0x19);
    outb(0x21, 0x30);
    outb(0x21, 0x04);
    outb(0x21, 0x01);
    irq(3, true);
    cr_assert_eq(cpu_take(), 0x33);
    cr_assert_eq(read_irr(0x20), 0x08, "level IRR stays while high");
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), 0x33, "still high after EOI: again");
    irq(3, false);
    cr_assert_eq(read_irr(0x20), 0);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), NONE);
    cr_assert_str_eq(log_text(), "");
}

Test(pic, elcr_registers)
{
    outb(0x4D0, 0xFF);
    outb(0x4D1, 0xFF);
    cr_assert_eq(inb(0x4D0), 0xF8, "IRQ 0, 1, 2 are always edge");
    cr_assert_eq(inb(0x4D1), 0xDE, "IRQ 8 and 13 are always edge");
    cr_assert(strstr(log_text(), "reserved"));
    cr_assert_eq(pic_elcr_io_ops.read(pic, 0, 2), 0xDEF8, "word access");
    pic_elcr_io_ops.write(pic, 0, 0x0820, 2);
    cr_assert_eq(inb(0x4D0), 0x20);
    cr_assert_eq(inb(0x4D1), 0x08);
    linux_init(false);
    cr_assert_eq(inb(0x4D1), 0x08, "ICW1 leaves the ELCR alone");
    /* IRQ 11 level, IRQ 10 edge. */
    irq(11, true);
    cr_assert_eq(cpu_take(), 0x3B);
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), 0x3B, "level: again while high");
    irq(11, false);
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    irq(10, true);
    cr_assert_eq(cpu_take(), 0x3A);
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), NONE, "edge: once");
    /* IRQ 0 stays edge even with the bit written. */
    outb(0x4D0, 0x01);
    irq(0, true);
    cr_assert_eq(cpu_take(), 0x30);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), NONE);
    /* Switching a held line to level makes it pending. */
    irq(5, true);
    cr_assert_eq(cpu_take(), 0x35);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), NONE);
    outb(0x4D0, 0x20);
    cr_assert_eq(cpu_take(), 0x35);
}

Test(pic, fixed_priority_and_nesting)
{
    linux_init(false);
    pulse(5);
    pulse(3);
    cr_assert_eq(cpu_take(), 0x33, "IR3 beats IR5");
    cr_assert_eq(cpu_take(), NONE, "IR5 waits for IR3's EOI");
    pulse(1);
    cr_assert_eq(cpu_take(), 0x31, "IR1 nests over IR3");
    cr_assert_eq(read_isr(0x20), 0x0A);
    outb(0x20, 0x20);
    cr_assert_eq(read_isr(0x20), 0x08, "non-specific EOI clears the highest");
    cr_assert_eq(cpu_take(), NONE);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), 0x35);
    /* Slave IRQs rank between IR1 and IR3. */
    outb(0x20, 0x20);
    pulse(3);
    pulse(15);
    cr_assert_eq(cpu_take(), 0x3F);
    cr_assert_eq(cpu_take(), NONE);
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), 0x33);
}

Test(pic, specific_eoi)
{
    linux_init(false);
    pulse(6);
    cr_assert_eq(cpu_take(), 0x36);
    pulse(2 + 2);
    cr_assert_eq(cpu_take(), 0x34);
    outb(0x20, 0x66);
    cr_assert_eq(read_isr(0x20), 0x10, "specific EOI cleared the lower one");
    log_clear();
    outb(0x20, 0x61);
    cr_assert(strstr(log_text(), "not in service"));
    cr_assert_eq(read_isr(0x20), 0x10);
    log_clear();
    outb(0x20, 0x20);
    outb(0x20, 0x20);
    cr_assert(strstr(log_text(), "nothing in service"));
}

Test(pic, rotation_commands)
{
    linux_init(false);
    /* Rotate on non-specific EOI: the serviced level becomes lowest. */
    pulse(4);
    cr_assert_eq(cpu_take(), 0x34);
    outb(0x20, 0xA0);
    pulse(3);
    pulse(5);
    cr_assert_eq(cpu_take(), 0x35, "IR5 now highest");
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), 0x33);
    outb(0x20, 0x20);
    /* Set priority: IR6 lowest, IR7 highest. */
    outb(0x20, 0xC6);
    pulse(0);
    pulse(7);
    cr_assert_eq(cpu_take(), 0x37);
    cr_assert_eq(cpu_take(), NONE, "IR7 in service blocks IR0 now");
    /* Rotate on specific EOI: IR7 lowest, IR0 highest again. */
    outb(0x20, 0xE7);
    cr_assert_eq(cpu_take(), 0x30);
    outb(0x20, 0x20);
    outb(0x20, 0xC0);       /* IR0 lowest, IR1 highest */
    pulse(0);
    pulse(1);
    cr_assert_eq(cpu_take(), 0x31);
}

Test(pic, auto_eoi_and_rotate_in_aeoi)
{
    linux_init(true);
    pulse(3);
    cr_assert_eq(cpu_take(), 0x33);
    cr_assert_eq(read_isr(0x20), 0, "AEOI: nothing stays in service");
    pulse(5);
    pulse(4);
    cr_assert_eq(cpu_take(), 0x34);
    cr_assert_eq(cpu_take(), 0x35);
    outb(0x20, 0x80);       /* rotate in AEOI: set */
    pulse(2 + 1);
    cr_assert_eq(cpu_take(), 0x33);
    pulse(1);
    pulse(4);
    cr_assert_eq(cpu_take(), 0x34, "IR3 became lowest: IR4 first");
    cr_assert_eq(cpu_take(), 0x31);
    outb(0x20, 0x00);       /* rotate in AEOI: clear (IR1 stays lowest) */
    pulse(0);
    pulse(2 + 5);
    cr_assert_eq(cpu_take(), 0x32 + 5);
    pulse(6);
    pulse(5);
    cr_assert_eq(cpu_take(), 0x35, "no further rotation");
}

Test(pic, cascade_and_special_fully_nested_mode)
{
    linux_init(false);
    pulse(12);
    cr_assert_eq(cpu_take(), 0x3C);
    pulse(9);
    cr_assert_eq(read_irr(0x20) & 0x04, 0x04, "slave INT reaches master IR2");
    cr_assert_eq(cpu_take(), NONE, "fully nested: IR2 in service blocks the slave");
    outb(0x21, 0x04);
    outb(0x20, 0x62);
    cr_assert_eq(cpu_take(), NONE, "master IMR bit 2 masks the whole slave");
    outb(0x21, 0x00);
    cr_assert_eq(cpu_take(), 0x39, "slave-side nesting: IRQ9 over IRQ12");
    cr_assert_eq(read_isr(0xA0), 0x12);
    /* Special fully nested mode on the master. */
    outb(0x20, 0x11);
    outb(0x21, 0x30);
    outb(0x21, 0x04);
    outb(0x21, 0x11);
    outb(0xA0, 0x11);
    outb(0xA1, 0x38);
    outb(0xA1, 0x02);
    outb(0xA1, 0x01);
    pulse(12);
    cr_assert_eq(cpu_take(), 0x3C);
    pulse(9);
    cr_assert_eq(cpu_take(), 0x39, "SFNM: a higher slave request nests");
    pulse(14);
    cr_assert_eq(cpu_take(), NONE, "but a lower one does not");
    cr_assert_eq(read_isr(0x20), 0x04);
    cr_assert_eq(read_isr(0xA0), 0x12);
}

Test(pic, spurious_irq7_when_the_request_goes_away)
{
    linux_init(false);
    outb(0x4D0, 0x08);      /* IRQ 3 level */
    irq(3, true);
    cr_assert(pic_intr_pending(pic));
    irq(3, false);
    cr_assert_eq(pic_intr_ack(pic), 0x37);
    cr_assert_eq(read_isr(0x20), 0, "no ISR bit for a spurious interrupt");
    /* A mask written between INTR and INTA does the same. */
    pulse(4);
    cr_assert(pic_intr_pending(pic));
    outb(0x21, 0x10);
    cr_assert_eq(pic_intr_ack(pic), 0x37);
    cr_assert_eq(read_isr(0x20), 0);
    cr_assert_eq(read_irr(0x20), 0x10, "the masked edge stays latched");
    outb(0x21, 0);
    cr_assert_eq(cpu_take(), 0x34);
    /* A real IRQ 7 sets ISR bit 7: how handlers tell the two apart. */
    pulse(7);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), 0x37);
    cr_assert_eq(read_isr(0x20), 0x80);
}

Test(pic, spurious_irq15_keeps_master_ir2_in_service)
{
    linux_init(false);
    outb(0x4D1, 0x08);      /* IRQ 11 level */
    irq(11, true);
    cr_assert(pic_intr_pending(pic));
    irq(11, false);
    cr_assert(pic_intr_pending(pic), "the master latched the edge on IR2");
    cr_assert_eq(pic_intr_ack(pic), 0x3F);
    cr_assert_eq(read_isr(0xA0), 0, "slave: nothing in service");
    cr_assert_eq(read_isr(0x20), 0x04, "master: IR2 in service, as on hardware");
    outb(0x20, 0x62);
    cr_assert_eq(read_isr(0x20), 0);
    cr_assert_eq(cpu_take(), NONE);
    cr_assert_str_eq(log_text(), "");
}

Test(pic, poll_mode)
{
    linux_init(false);
    outb(0x21, 0xFF);
    outb(0x20, 0x0C);
    cr_assert_eq(inb(0x20), 0x00, "poll: nothing requesting... IMR masks requests");
    pulse(5);
    pulse(6);
    outb(0x21, 0x00);
    cr_assert_eq(cpu_take() , 0x35);
    outb(0x20, 0x20);
    outb(0x20, 0x0C);
    cr_assert_eq(inb(0x21), 0x86, "poll on the data port too");
    cr_assert_eq(read_isr(0x20), 0x40, "the poll acknowledged");
    cr_assert_eq(read_irr(0x20), 0x00);
    outb(0x20, 0x0C);
    cr_assert_eq(inb(0x20), 0x00, "IR6 in service, nothing else");
    cr_assert_eq(inb(0x20), 0x00, "the poll ended: IRR read");
    outb(0x20, 0x20);
    /* Polling through the cascade: master says IR2, then poll the slave. */
    pulse(13);
    outb(0x20, 0x0C);
    cr_assert_eq(inb(0x20), 0x82);
    outb(0xA0, 0x0C);
    cr_assert_eq(inb(0xA0), 0x85);
    cr_assert_eq(read_isr(0xA0), 0x20);
    cr_assert_eq(read_isr(0x20), 0x04);
    cr_assert_not(pic_intr_pending(pic));
    /* Poll takes precedence over a read-register command in the same OCW3. */
    pulse(1);
    outb(0x20, 0x0F);
    cr_assert_eq(inb(0x20), 0x81);
    cr_assert_eq(inb(0x20), 0x06, "RR/RIS took effect: ISR");
}

Test(pic, special_mask_mode)
{
    linux_init(false);
    pulse(3);
    cr_assert_eq(cpu_take(), 0x33);
    pulse(5);
    cr_assert_eq(cpu_take(), NONE);
    outb(0x21, 0x08);
    outb(0x20, 0x68);       /* SMM on */
    cr_assert_eq(cpu_take(), 0x35, "the masked in-service IR3 no longer blocks");
    pulse(6);
    cr_assert_eq(cpu_take(), NONE, "unmasked IR5 in service still blocks IR6");
    outb(0x20, 0x20);
    cr_assert_eq(read_isr(0x20), 0x08, "non-specific EOI skips the masked IR3");
    cr_assert_eq(cpu_take(), 0x36);
    outb(0x20, 0x20);
    outb(0x20, 0x20);
    cr_assert_eq(read_isr(0x20), 0x08);
    outb(0x20, 0x48);       /* SMM off */
    outb(0x20, 0x20);
    cr_assert_eq(read_isr(0x20), 0x00);
}

Test(pic, read_select_persists)
{
    linux_init(false);
    pulse(2 + 2);
    pulse(6);
    cr_assert_eq(cpu_take(), 0x34);
    outb(0x20, 0x0B);
    cr_assert_eq(inb(0x20), 0x10);
    cr_assert_eq(inb(0x20), 0x10, "ISR until changed");
    outb(0x20, 0x08);       /* RR = 0: no change */
    cr_assert_eq(inb(0x20), 0x10);
    cr_assert_eq(inb(0x21), 0x00, "the data port is always the IMR");
    outb(0x20, 0x0A);
    cr_assert_eq(inb(0x20), 0x40);
}

Test(pic, invalid_uses_are_logged)
{
    pic_set_irq(pic, 16, true);
    pic_set_irq(pic, -1, true);
    pic_set_irq(pic, 2, true);
    cr_assert_not(pic_intr_pending(pic));
    cr_assert(strstr(log_text(), "IRQ 16"));
    cr_assert(strstr(log_text(), "IRQ 2 "));
    log_clear();
    outb(0x20, 0x11);
    outb(0x21, 0x30);
    outb(0x21, 0x05);
    outb(0x21, 0xE0);
    cr_assert(strstr(log_text(), "ICW3 0x05"));
    cr_assert(strstr(log_text(), "reserved bits 7:5"));
    cr_assert(strstr(log_text(), "MCS-80"));
    log_clear();
    outb(0x20, 0x88);
    cr_assert(strstr(log_text(), "OCW3"));
    /* Without a Log nothing is printed and nothing breaks. */
    I8259Pic *quiet = pic_new(NULL);
    pic_set_irq(quiet, 99, true);
    pic_master_io_ops.write(quiet, 0, 0x20, 1);
    pic_free(quiet);
}

static void save(I8259Pic *from, StateWriter *w)
{
    state_writer_init(w);
    state_save(w, pic_device(from)->fields, pic_device(from)->state);
}

Test(pic, save_then_load_round_trip)
{
    seabios_init();
    outb(0x21, 0x00);
    outb(0xA1, 0x00);
    outb(0x4D1, 0x08);
    irq(11, true);
    pulse(4);
    pulse(1);
    cr_assert_eq(cpu_take(), 0x09);
    outb(0x20, 0xC5);
    outb(0xA0, 0x0B);
    outb(0x20, 0x11);       /* master mid-initialization */
    outb(0x21, 0x08);

    StateWriter w;
    save(pic, &w);
    I8259Pic *p2 = pic_new(NULL);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, pic_device(p2)->fields, pic_device(p2)->state, "pic", &err), "%s", err.msg);
    cr_assert_eq(r.pos, w.len);
    StateWriter w2;
    save(p2, &w2);
    cr_assert_eq(w.len, w2.len);
    cr_assert_arr_eq(w.buf, w2.buf, w.len, "identical state");
    state_writer_free(&w);
    state_writer_free(&w2);

    /* Both behave the same from here. */
    I8259Pic *both[2] = {pic, p2};
    int got[2][6];
    for (int k = 0; k < 2; k++) {
        I8259Pic *q = both[k];
        pic_master_io_ops.write(q, 1, 0x04, 1);
        pic_master_io_ops.write(q, 1, 0x01, 1);
        got[k][0] = (int)pic_slave_io_ops.read(q, 0, 1);
        got[k][1] = (int)pic_elcr_io_ops.read(q, 0, 2);
        pic_set_irq(q, 6, true);
        for (int i = 2; i < 6; i++) {
            got[k][i] = pic_intr_pending(q) ? pic_intr_ack(q) : NONE;
            pic_master_io_ops.write(q, 0, 0x20, 1);
            pic_slave_io_ops.write(q, 0, 0x20, 1);
        }
    }
    cr_assert_arr_eq(got[0], got[1], sizeof(got[0]));
    cr_assert_eq(got[0][0], 0x00, "slave ISR read select survived (nothing in service)");
    cr_assert_eq(got[0][1], 0x0800);
    /* The master's ICW1 reset its edge sense while the slave's INT stayed
     * high for level IRQ 11: IR2 needs a new edge, so only IR6 comes. */
    cr_assert_eq(got[0][2], 0x0E);
    cr_assert_eq(got[0][3], NONE);
    pic_free(p2);
}

/* Overwrite one integer field's payload in a saved stream. */
static void patch_field(StateWriter *w, const char *name, uint8_t val)
{
    size_t len = strlen(name);
    for (size_t i = 2; i + len + 4 < w->len; i++) {
        if (w->buf[i - 2] == len && w->buf[i - 1] == 0 && !memcmp(w->buf + i, name, len)) {
            w->buf[i + len + 4] = val;
            return;
        }
    }
    cr_assert_fail("field %s not in the stream", name);
}

Test(pic, hostile_snapshot_stays_in_bounds)
{
    StateWriter w;
    save(pic, &w);
    patch_field(&w, "master.lowest", 0xEE);
    patch_field(&w, "master.init_step", 0x77);
    patch_field(&w, "slave.elcr", 0xFF);
    patch_field(&w, "slave.lowest", 0x99);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, pic_device(pic)->fields, pic, "pic", &err), "%s", err.msg);
    state_writer_free(&w);
    outb(0x21, 0x00);
    cr_assert_eq(inb(0x21), 0x00, "an unknown init step acts as ready");
    pic_set_irq(pic, 8, true);
    pic_set_irq(pic, 8, false);
    cr_assert(pic_intr_pending(pic));
    cr_assert_eq(pic_intr_ack(pic), 0x00, "IRQ 8 stays edge-triggered");
}

Test(pic, fuzz_both_chips)
{
    static const unsigned ports[] = {0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1};
    srand(0x8259);
    logger.mask = 0;
    for (int i = 0; i < 100000; i++) {
        int op = rand() % 16;
        unsigned port = ports[rand() % 6];
        if (op < 5) {
            uint8_t v = inb(port);
            if (port >= 0x4D0)
                cr_assert_eq(v & ~(port == 0x4D0 ? 0xF8 : 0xDE), 0);
        } else if (op < 11) {
            outb(port, (uint8_t)rand());
        } else if (op < 14) {
            int n = rand() % 16;
            if (n != 2)
                irq(n, rand() & 1);
        } else {
            bool p = pic_intr_pending(pic);
            cr_assert_eq(p, pic_intr_pending(pic), "INTR has no side effects");
            if (p)
                pic_intr_ack(pic);
        }
    }
    /* Whatever the fuzz left, a reinit brings back a working PIC. */
    logger.mask = LOG_GUEST_ERRORS;
    for (int n = 0; n < 16; n++)
        if (n != 2)
            irq(n, false);
    outb(0x4D0, 0);
    outb(0x4D1, 0);
    linux_init(false);
    outb(0x20, 0x48);
    outb(0xA0, 0x48);
    cr_assert_eq(cpu_take(), NONE);
    pulse(14);
    pulse(0);
    cr_assert_eq(cpu_take(), 0x30);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), 0x3E);
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    cr_assert_eq(cpu_take(), NONE);
}
