/* The PC's dual Intel 8259A PIC (Intel 8259A datasheet, order 231468) and
 * the PIIX3 ELCR (Intel 82371SB datasheet, ELCR1/ELCR2 at 4D0h/4D1h). Not
 * here: the APIC, and which device drives which IRQ (board).
 *
 * Each chip has eight inputs IR0-7 and three registers: IRR (requests),
 * ISR (in service) and IMR (masks). Writes to the command port (A0 = 0)
 * with bit 4 set are ICW1 and start the initialization sequence: ICW2
 * (vector base, bits 7:3), ICW3 (cascade wiring, unless single mode) and
 * ICW4 (if ICW1 bit 0) follow on the data port. After that the data port
 * holds the IMR (OCW1) and the command port takes OCW2 (EOIs, rotation)
 * and OCW3 (IRR/ISR read select, poll, special mask mode). The highest-
 * priority unmasked request that beats everything in service raises INT;
 * the CPU's INTA moves it from IRR to ISR and reads the vector. The slave's
 * INT is the master's IR2: when the master picks IR2 the slave supplies
 * the vector. An input is edge-triggered (IRR latches a rising edge, INTA
 * clears it) unless ICW1 LTIM or its ELCR bit makes it level-triggered
 * (IRR follows the input). IRQ 0, 1, 2, 8 and 13 are always edge on a PC.
 *
 * Emulation choices: an edge request stays latched after the input falls
 * (devices signal edges with irq_pulse()), as in QEMU and Bochs; the
 * datasheet's "IR must remain high until the first INTA" therefore shows
 * only for level inputs and masks written between INTR and INTA, which
 * both give the spurious IR7 vector. ICW1 resets the edge sense as the
 * datasheet says: an input held high across it (the slave's INT too)
 * needs a new rising edge; QEMU instead re-latches it. MCS-80/85 mode and buffered mode are
 * not emulated: 8086 mode is assumed. */
#include "devices/i8259_pic.h"

#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"

#define PIC_ICW1        0x10    /* command port, bit 4: ICW1 */
#define PIC_ICW1_IC4    0x01    /* ICW4 follows */
#define PIC_ICW1_SNGL   0x02    /* single chip: no ICW3 */
#define PIC_ICW1_LTIM   0x08    /* level-triggered inputs */
#define PIC_OCW3        0x08    /* command port, bits 4:3 = 01: OCW3 */
#define PIC_OCW3_RIS    0x01
#define PIC_OCW3_RR     0x02
#define PIC_OCW3_POLL   0x04
#define PIC_OCW3_SMM    0x20
#define PIC_OCW3_ESMM   0x40
#define PIC_ICW4_8086   0x01
#define PIC_ICW4_AEOI   0x02
#define PIC_ICW4_SFNM   0x10

#define PIC_CASCADE_IR  2       /* the PC wires the slave to master IR2 */

/* ELCR bits that exist: IRQ 0, 1, 2 (ELCR1) and 8, 13 (ELCR2) are
 * reserved and always edge (PIIX3 datasheet). */
static const uint8_t pic_elcr_writable[2] = {0xF8, 0xDE};

/* Initialization sequence: which ICW the data port expects next. */
enum { PIC_READY = 0, PIC_WANT_ICW2, PIC_WANT_ICW3, PIC_WANT_ICW4 };

/* One 8259A. All fields are guest-visible state in pic_fields. */
typedef struct PicChip {
    uint8_t pins;           /* input levels of IR0-7 (the wires) */
    uint8_t irr, isr, imr;
    uint8_t vector_base;    /* ICW2 bits 7:3 */
    uint8_t lowest;         /* the lowest-priority IR (7 after ICW1) */
    uint8_t init_step;      /* PIC_READY or the ICW expected next */
    uint8_t icw1, icw3, icw4;
    uint8_t read_isr;       /* OCW3 RIS: command port reads ISR */
    uint8_t poll;           /* OCW3 P: the next read is a poll */
    uint8_t special_mask;   /* OCW3 SMM */
    uint8_t rotate_aeoi;    /* OCW2 rotate in automatic EOI mode */
    uint8_t elcr;           /* PIIX3 ELCR: 1 = level-triggered */
} PicChip;

struct I8259Pic {
    Device dev;
    Log *log;
    PicChip master, slave;
};

#define PIC_CHIP_FIELDS(chip)                                                  \
    STATE_UINT(I8259Pic, chip.pins), STATE_UINT(I8259Pic, chip.irr),           \
    STATE_UINT(I8259Pic, chip.isr), STATE_UINT(I8259Pic, chip.imr),            \
    STATE_UINT(I8259Pic, chip.vector_base), STATE_UINT(I8259Pic, chip.lowest), \
    STATE_UINT(I8259Pic, chip.init_step), STATE_UINT(I8259Pic, chip.icw1),     \
    STATE_UINT(I8259Pic, chip.icw3), STATE_UINT(I8259Pic, chip.icw4),          \
    STATE_UINT(I8259Pic, chip.read_isr), STATE_UINT(I8259Pic, chip.poll),      \
    STATE_UINT(I8259Pic, chip.special_mask),                                   \
    STATE_UINT(I8259Pic, chip.rotate_aeoi), STATE_UINT(I8259Pic, chip.elcr)

static const StateField pic_fields[] = {
    PIC_CHIP_FIELDS(master),
    PIC_CHIP_FIELDS(slave),
    STATE_END,
};

static const char *pic_chip_name(const I8259Pic *p, const PicChip *c)
{
    return c == &p->master ? "pic master" : "pic slave";
}

/* Inputs whose IRR follows the level: LTIM for the whole chip, else ELCR.
 * Masked with the writable bits, so a loaded snapshot cannot make IRQ 0
 * level-triggered either. */
static uint8_t pic_level_mask(const I8259Pic *p, const PicChip *c)
{
    if (c->icw1 & PIC_ICW1_LTIM)
        return 0xFF;
    return c->elcr & pic_elcr_writable[c == &p->slave];
}

static bool pic_cascaded(const PicChip *c)
{
    return !(c->icw1 & PIC_ICW1_SNGL);
}

/* The set bit of `mask` with the highest priority, or -1: IR(lowest+1)
 * first, going round (fixed priority is lowest = 7: IR0 first). */
static int pic_highest(const PicChip *c, uint8_t mask)
{
    for (int k = 1; k <= 8; k++) {
        int ir = (c->lowest + k) & 7;
        if (mask & (1u << ir))
            return ir;
    }
    return -1;
}

/* 0 is the highest priority, 7 the lowest. */
static int pic_rank(const PicChip *c, int ir)
{
    return (ir - c->lowest - 1) & 7;
}

/* The IR this chip presents on INT, or -1: the highest-priority unmasked
 * request that beats the highest-priority in-service level. In special
 * mask mode masked levels in service do not block; in special fully
 * nested mode the master does not let a slave in service block that
 * slave's further (higher) requests (datasheet, "Special Fully Nest
 * Mode"). */
static int pic_chip_request(const I8259Pic *p, const PicChip *c)
{
    int req = pic_highest(c, c->irr & ~c->imr);
    if (req < 0)
        return -1;
    uint8_t isr = c->isr;
    if (c->special_mask)
        isr &= ~c->imr;
    if (c == &p->master && (c->icw4 & PIC_ICW4_SFNM) && pic_cascaded(c))
        isr &= ~c->icw3;
    int cur = pic_highest(c, isr);
    if (cur >= 0 && pic_rank(c, req) >= pic_rank(c, cur))
        return -1;
    return req;
}

/* Drive input `ir` of chip `c`: a rising edge latches IRR, a level input's
 * IRR follows the wire. */
static void pic_chip_input(const I8259Pic *p, PicChip *c, int ir, bool level)
{
    uint8_t bit = (uint8_t)(1u << ir);
    if (level) {
        if (!(c->pins & bit))
            c->irr |= bit;
        c->pins |= bit;
    } else {
        c->pins &= ~bit;
        if (pic_level_mask(p, c) & bit)
            c->irr &= ~bit;
    }
}

/* After any change: level inputs' IRR equals their wire, and the slave's
 * INT drives master IR2. */
static void pic_update(I8259Pic *p)
{
    PicChip *chips[2] = {&p->slave, &p->master};
    for (int i = 0; i < 2; i++) {
        PicChip *c = chips[i];
        uint8_t lvl = pic_level_mask(p, c);
        c->irr = (uint8_t)((c->irr & ~lvl) | (c->pins & lvl));
        if (c == &p->slave)
            pic_chip_input(p, &p->master, PIC_CASCADE_IR, pic_chip_request(p, c) >= 0);
    }
}

/* The INTA (or poll) of `ir` on one chip: ISR set (or, in AEOI mode, the
 * EOI done at once), an edge request consumed. */
static void pic_chip_ack(const I8259Pic *p, PicChip *c, int ir)
{
    uint8_t bit = (uint8_t)(1u << ir);
    if (!(pic_level_mask(p, c) & bit))
        c->irr &= ~bit;
    if (c->icw4 & PIC_ICW4_AEOI) {
        if (c->rotate_aeoi)
            c->lowest = (uint8_t)ir;
    } else {
        c->isr |= bit;
    }
}

/* The chip's state after ICW1 (datasheet, "Initialization Command Words"):
 * edge sense reset, IMR cleared, IR7 lowest priority, special mask mode
 * off, status read = IRR, and ICW4 functions zero. Like QEMU and Bochs we
 * also clear the ISR. */
static void pic_chip_icw1(I8259Pic *p, PicChip *c, uint8_t val)
{
    c->icw1 = val;
    c->irr = 0;
    c->isr = 0;
    c->imr = 0;
    c->lowest = 7;
    c->read_isr = 0;
    c->poll = 0;
    c->special_mask = 0;
    c->rotate_aeoi = 0;
    c->icw4 = 0;
    c->init_step = PIC_WANT_ICW2;
    if (!(val & PIC_ICW1_IC4))
        LOG(p->log, LOG_UNIMP, "%s: ICW1 0x%02x without ICW4 selects MCS-80/85 mode; using 8086 mode\n",
            pic_chip_name(p, c), val);
    if (val & PIC_ICW1_SNGL)
        LOG(p->log, LOG_GUEST_ERRORS, "%s: ICW1 0x%02x selects single mode, but the PC cascades two chips\n",
            pic_chip_name(p, c), val);
}

static void pic_chip_data_write(I8259Pic *p, PicChip *c, uint8_t val)
{
    switch (c->init_step) {
    case PIC_WANT_ICW2:
        c->vector_base = val & 0xF8;    /* T2-T0 come from the IR number */
        if (pic_cascaded(c))
            c->init_step = PIC_WANT_ICW3;
        else
            c->init_step = (c->icw1 & PIC_ICW1_IC4) ? PIC_WANT_ICW4 : PIC_READY;
        break;
    case PIC_WANT_ICW3: {
        c->icw3 = val;
        uint8_t expect = c == &p->master ? 1u << PIC_CASCADE_IR : PIC_CASCADE_IR;
        if (val != expect)
            LOG(p->log, LOG_GUEST_ERRORS, "%s: ICW3 0x%02x, but the PC wiring needs 0x%02x\n",
                pic_chip_name(p, c), val, expect);
        c->init_step = (c->icw1 & PIC_ICW1_IC4) ? PIC_WANT_ICW4 : PIC_READY;
        break;
    }
    case PIC_WANT_ICW4:
        c->icw4 = val & 0x1F;
        if (!(val & PIC_ICW4_8086))
            LOG(p->log, LOG_UNIMP, "%s: ICW4 0x%02x selects MCS-80/85 mode; using 8086 mode\n",
                pic_chip_name(p, c), val);
        if (val & 0xE0)
            LOG(p->log, LOG_GUEST_ERRORS, "%s: ICW4 0x%02x has reserved bits 7:5 set\n",
                pic_chip_name(p, c), val);
        c->init_step = PIC_READY;
        break;
    default:
        c->imr = val;   /* OCW1 */
        break;
    }
}

/* The in-service level a non-specific EOI clears: the highest priority
 * one, except that in special mask mode "an IS bit that is masked by an
 * IM bit will not be cleared by a non-specific EOI" (datasheet). */
static int pic_eoi_target(const PicChip *c)
{
    uint8_t isr = c->isr;
    if (c->special_mask)
        isr &= ~c->imr;
    return pic_highest(c, isr);
}

/* OCW2: bits 7:5 are R, SL, EOI; bits 2:0 the level for SL commands. */
static void pic_chip_ocw2(I8259Pic *p, PicChip *c, uint8_t val)
{
    int level = val & 7;
    unsigned cmd = val >> 5;
    switch (cmd) {
    case 1:     /* non-specific EOI */
    case 5: {   /* rotate on non-specific EOI */
        int ir = pic_eoi_target(c);
        if (ir < 0) {
            LOG(p->log, LOG_GUEST_ERRORS, "%s: non-specific EOI with nothing in service\n",
                pic_chip_name(p, c));
            break;
        }
        c->isr &= ~(1u << ir);
        if (cmd == 5)
            c->lowest = (uint8_t)ir;
        break;
    }
    case 3:     /* specific EOI */
    case 7:     /* rotate on specific EOI */
        if (!(c->isr & (1u << level)))
            LOG(p->log, LOG_GUEST_ERRORS, "%s: specific EOI for IR%d, which is not in service\n",
                pic_chip_name(p, c), level);
        c->isr &= ~(1u << level);
        if (cmd == 7)
            c->lowest = (uint8_t)level;
        break;
    case 6:     /* set priority: `level` becomes the lowest */
        c->lowest = (uint8_t)level;
        break;
    case 4:     /* rotate in automatic EOI mode (set) */
    case 0:     /* rotate in automatic EOI mode (clear) */
        c->rotate_aeoi = cmd == 4;
        break;
    default:    /* 2: no operation */
        break;
    }
}

static void pic_chip_ocw3(I8259Pic *p, PicChip *c, uint8_t val)
{
    if (val & 0x80)
        LOG(p->log, LOG_GUEST_ERRORS, "%s: OCW3 0x%02x has bit 7 set\n", pic_chip_name(p, c), val);
    if (val & PIC_OCW3_ESMM)
        c->special_mask = !!(val & PIC_OCW3_SMM);
    if (val & PIC_OCW3_RR)
        c->read_isr = val & PIC_OCW3_RIS;
    c->poll = !!(val & PIC_OCW3_POLL);
}

static void pic_chip_write(I8259Pic *p, PicChip *c, uint64_t off, uint8_t val)
{
    if (off & 1)
        pic_chip_data_write(p, c, val);
    else if (val & PIC_ICW1)
        pic_chip_icw1(p, c, val);
    else if (val & PIC_OCW3)
        pic_chip_ocw3(p, c, val);
    else
        pic_chip_ocw2(p, c, val);
    pic_update(p);
}

/* Poll command (OCW3 P): the read acts as an INTA on this chip alone and
 * returns I (bit 7) and the level; 0 with no request. Polling the master
 * with the slave's request returns IR2; software polls the slave next. */
static uint8_t pic_chip_poll(I8259Pic *p, PicChip *c)
{
    c->poll = 0;
    int ir = pic_chip_request(p, c);
    if (ir < 0)
        return 0;
    pic_chip_ack(p, c, ir);
    pic_update(p);
    return (uint8_t)(0x80 | ir);
}

static uint8_t pic_chip_read(I8259Pic *p, PicChip *c, uint64_t off)
{
    if (c->poll)
        return pic_chip_poll(p, c);
    if (off & 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

static uint64_t pic_master_read(void *opaque, uint64_t off, unsigned size)
{
    I8259Pic *p = opaque;
    (void)size;
    return pic_chip_read(p, &p->master, off);
}

static void pic_master_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I8259Pic *p = opaque;
    (void)size;
    pic_chip_write(p, &p->master, off, (uint8_t)val);
}

static uint64_t pic_slave_read(void *opaque, uint64_t off, unsigned size)
{
    I8259Pic *p = opaque;
    (void)size;
    return pic_chip_read(p, &p->slave, off);
}

static void pic_slave_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I8259Pic *p = opaque;
    (void)size;
    pic_chip_write(p, &p->slave, off, (uint8_t)val);
}

const IoOps pic_master_io_ops = {
    .read = pic_master_read,
    .write = pic_master_write,
    .min_access = 1,
    .max_access = 1,
};

const IoOps pic_slave_io_ops = {
    .read = pic_slave_read,
    .write = pic_slave_write,
    .min_access = 1,
    .max_access = 1,
};

static uint8_t pic_elcr_read_byte(I8259Pic *p, unsigned i)
{
    return i ? p->slave.elcr : p->master.elcr;
}

static void pic_elcr_write_byte(I8259Pic *p, unsigned i, uint8_t val)
{
    PicChip *c = i ? &p->slave : &p->master;
    if (val & ~pic_elcr_writable[i])
        LOG(p->log, LOG_GUEST_ERRORS, "pic: ELCR%u 0x%02x sets reserved bits 0x%02x (always edge)\n",
            i + 1, val, val & ~pic_elcr_writable[i] & 0xFF);
    c->elcr = val & pic_elcr_writable[i];
}

/* ELCR1 (IRQ 0-7) at offset 0, ELCR2 (IRQ 8-15) at offset 1; a word
 * access at offset 0 covers both. */
static uint64_t pic_elcr_read(void *opaque, uint64_t off, unsigned size)
{
    I8259Pic *p = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size && off + i < 2; i++)
        v |= (uint64_t)pic_elcr_read_byte(p, (unsigned)off + i) << (8 * i);
    return v;
}

static void pic_elcr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I8259Pic *p = opaque;
    for (unsigned i = 0; i < size && off + i < 2; i++)
        pic_elcr_write_byte(p, (unsigned)off + i, (uint8_t)(val >> (8 * i)));
    pic_update(p);
}

const IoOps pic_elcr_io_ops = {
    .read = pic_elcr_read,
    .write = pic_elcr_write,
    .min_access = 1,
    .max_access = 2,
};

void pic_set_irq(void *opaque, int irq, bool level)
{
    I8259Pic *p = opaque;
    if (irq < 0 || irq > 15 || irq == PIC_CASCADE_IR) {
        LOG(p->log, LOG_GUEST_ERRORS, "pic: IRQ %d is not an input the board can drive\n", irq);
        return;
    }
    pic_chip_input(p, irq < 8 ? &p->master : &p->slave, irq & 7, level);
    pic_update(p);
}

bool pic_intr_pending(void *opaque)
{
    I8259Pic *p = opaque;
    return pic_chip_request(p, &p->master) >= 0;
}

/* The request is resolved again at INTA time: if it went away since INTR
 * (input fell, mask set), the chip answers with IR7 and sets no ISR bit
 * (datasheet, "Interrupt Sequence"). A spurious slave request still puts
 * master IR2 in service, so the guest must EOI the master. */
uint8_t pic_intr_ack(void *opaque)
{
    I8259Pic *p = opaque;
    PicChip *m = &p->master, *s = &p->slave;
    int ir = pic_chip_request(p, m);
    uint8_t vector;
    if (ir < 0) {
        vector = m->vector_base | 7;
    } else {
        pic_chip_ack(p, m, ir);
        if (ir == PIC_CASCADE_IR && pic_cascaded(m) && (m->icw3 & (1u << PIC_CASCADE_IR))) {
            int sir = pic_chip_request(p, s);
            if (sir < 0)
                vector = s->vector_base | 7;
            else {
                pic_chip_ack(p, s, sir);
                vector = (uint8_t)(s->vector_base | sir);
            }
        } else {
            vector = (uint8_t)(m->vector_base | ir);
        }
    }
    pic_update(p);
    return vector;
}

static void pic_chip_reset(PicChip *c)
{
    uint8_t pins = c->pins;
    memset(c, 0, sizeof(*c));
    c->pins = pins;
    c->lowest = 7;
}

void pic_reset(I8259Pic *p)
{
    pic_chip_reset(&p->master);
    pic_chip_reset(&p->slave);
    /* Power-on wiring as the BIOS will program it: the master knows its
     * slave on IR2 and the slave its ID, so IRQ 8-15 reach the CPU even
     * before ICW3 is written. */
    p->master.icw3 = 1u << PIC_CASCADE_IR;
    p->slave.icw3 = PIC_CASCADE_IR;
    p->master.icw4 = p->slave.icw4 = PIC_ICW4_8086;
    pic_update(p);
}

static void pic_device_reset(void *opaque)
{
    pic_reset(opaque);
}

static void pic_device_free(void *opaque)
{
    pic_free(opaque);
}

I8259Pic *pic_new(Log *log)
{
    I8259Pic *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->log = log;
    pic_reset(p);
    p->dev = (Device){
        .name = "pic",
        .reset = pic_device_reset,
        .fields = pic_fields,
        .state = p,
        .opaque = p,
        .free = pic_device_free,
    };
    return p;
}

void pic_free(I8259Pic *p)
{
    free(p);
}

Device *pic_device(I8259Pic *p)
{
    return &p->dev;
}
