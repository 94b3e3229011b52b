/* Intel 82093AA I/O APIC, after its datasheet (order no. 290566): the
 * indirect register window, 24 redirection table entries and the
 * interrupt messages they send. Not here: the APIC bus (messages go to a
 * board callback that reaches the one local APIC), the 82093AA's SMI and
 * INIT modes (passed on; the local APIC logs them), the later EOI register.
 *
 * IOREGSEL (offset 0x00, bits 7:0) selects a register that IOWIN (0x10)
 * reads or writes as a dword: ID (0x00, bits 27:24), version (0x01:
 * 0x00170011, maximum redirection entry 23, version 0x11), arbitration
 * (0x02, the ID, read-only), and the redirection table (0x10 + 2 * pin:
 * low dword, + 1: high dword). An entry holds the vector, delivery mode,
 * destination mode, delivery status (always idle here: the message goes
 * out at once), polarity, remote IRR, trigger mode, mask and destination.
 *
 * Edge-triggered pins send a message on each rising edge; an edge on a
 * masked pin is lost (datasheet, "Interrupt Mask"). Level-triggered pins
 * send while asserted and unmasked with remote IRR clear; remote IRR is
 * set when the message goes out and cleared by the local APIC's EOI of the
 * entry's vector, after which a still-asserted pin sends again.
 *
 * Pin levels mean "asserted": the board's IrqLine carries the logical
 * state of the line (PCI INTx# asserted = true) and the guest learns the
 * electrical polarity from the MP/ACPI tables, so the polarity bit is kept
 * for read-back but not applied. */
#include "devices/ioapic.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"

enum {
    IOAPIC_REG_SEL = 0x00,
    IOAPIC_REG_WIN = 0x10,
};

enum {
    IOAPIC_IDX_ID = 0x00,
    IOAPIC_IDX_VERSION = 0x01,
    IOAPIC_IDX_ARB = 0x02,
    IOAPIC_IDX_REDTBL = 0x10,
};

#define IOAPIC_VERSION      0x00170011u

#define RTE_VECTOR(e)       ((uint8_t)((e) & 0xFF))
#define RTE_DM(e)           ((unsigned)((e) >> 8) & 7)
#define RTE_DEST_LOGICAL    (1ull << 11)
#define RTE_REMOTE_IRR      (1ull << 14)
#define RTE_LEVEL           (1ull << 15)
#define RTE_MASKED          (1ull << 16)
#define RTE_DEST(e)         ((uint8_t)((e) >> 56))
/* Writable: vector, delivery mode, destination mode, polarity, trigger
 * mode, mask (low dword) and destination (high dword bits 31:24). */
#define RTE_WRITABLE_LO     0x0001AFFFull
#define RTE_WRITABLE_HI     0xFF00000000000000ull

struct IoApic {
    Device dev;
    IoApicDeliverFn *deliver;
    void *opaque;
    Log *log;
    uint8_t reset_id;
    /* saved state */
    uint32_t id;                /* ID register (bits 27:24) */
    uint32_t regsel;            /* IOREGSEL */
    uint64_t rte[IOAPIC_PINS];  /* redirection table, remote IRR included */
    uint8_t level[IOAPIC_PINS]; /* input pin levels */
};

#define RTE_FIELDS(a, b, c, d) \
    STATE_UINT(IoApic, rte[a]), STATE_UINT(IoApic, rte[b]), STATE_UINT(IoApic, rte[c]), STATE_UINT(IoApic, rte[d])

static const StateField ioapic_fields[] = {
    STATE_UINT(IoApic, id),
    STATE_UINT(IoApic, regsel),
    RTE_FIELDS(0, 1, 2, 3), RTE_FIELDS(4, 5, 6, 7), RTE_FIELDS(8, 9, 10, 11),
    RTE_FIELDS(12, 13, 14, 15), RTE_FIELDS(16, 17, 18, 19), RTE_FIELDS(20, 21, 22, 23),
    STATE_BYTES(IoApic, level),
    STATE_END,
};

static void ioapic_send(IoApic *s, int pin)
{
    uint64_t e = s->rte[pin];
    bool level = e & RTE_LEVEL;
    if (level)
        s->rte[pin] |= RTE_REMOTE_IRR;
    if (s->deliver)
        s->deliver(s->opaque, RTE_VECTOR(e), level, RTE_DM(e), RTE_DEST(e), e & RTE_DEST_LOGICAL);
}

/* A level-triggered pin sends while asserted, unmasked, remote IRR clear. */
static void ioapic_eval_level(IoApic *s, int pin)
{
    uint64_t e = s->rte[pin];
    if ((e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) && s->level[pin])
        ioapic_send(s, pin);
}

void ioapic_set_irq(void *opaque, int pin, bool level)
{
    IoApic *s = opaque;
    if (pin < 0 || pin >= IOAPIC_PINS) {
        LOG(s->log, LOG_GUEST_ERRORS, "ioapic: pin %d is not an input\n", pin);
        return;
    }
    bool rising = level && !s->level[pin];
    s->level[pin] = level;
    uint64_t e = s->rte[pin];
    if (e & RTE_LEVEL)
        ioapic_eval_level(s, pin);
    else if (rising && !(e & RTE_MASKED))
        ioapic_send(s, pin);
}

void ioapic_eoi(IoApic *s, uint8_t vector)
{
    for (int pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t e = s->rte[pin];
        if ((e & RTE_LEVEL) && (e & RTE_REMOTE_IRR) && RTE_VECTOR(e) == vector) {
            s->rte[pin] &= ~RTE_REMOTE_IRR;
            ioapic_eval_level(s, pin);
        }
    }
}

/* ---- registers -------------------------------------------------------- */

static uint32_t ioapic_read_reg(IoApic *s, unsigned idx)
{
    switch (idx) {
    case IOAPIC_IDX_ID: return s->id;
    case IOAPIC_IDX_VERSION: return IOAPIC_VERSION;
    case IOAPIC_IDX_ARB: return s->id;  /* the arbitration ID follows the ID */
    default:
        break;
    }
    if (idx >= IOAPIC_IDX_REDTBL && idx < IOAPIC_IDX_REDTBL + 2 * IOAPIC_PINS) {
        uint64_t e = s->rte[(idx - IOAPIC_IDX_REDTBL) / 2];
        return idx & 1 ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    LOG(s->log, LOG_GUEST_ERRORS, "ioapic: read of undefined register 0x%02x\n", idx);
    return 0;
}

static void ioapic_write_rte(IoApic *s, unsigned idx, uint32_t val)
{
    int pin = (int)(idx - IOAPIC_IDX_REDTBL) / 2;
    uint64_t e = s->rte[pin];
    if (idx & 1)
        e = (e & 0xFFFFFFFFull) | (((uint64_t)val << 32) & RTE_WRITABLE_HI);
    else
        e = (e & ~RTE_WRITABLE_LO & ~0xFFFFFFFFull) | (e & RTE_REMOTE_IRR) | (val & RTE_WRITABLE_LO);
    /* Remote IRR is undefined for edge-triggered entries: keep it clear. */
    if (!(e & RTE_LEVEL))
        e &= ~RTE_REMOTE_IRR;
    s->rte[pin] = e;
    /* Unmasking (or switching to level) an asserted level pin sends now. */
    ioapic_eval_level(s, pin);
}

static void ioapic_write_reg(IoApic *s, unsigned idx, uint32_t val)
{
    if (idx == IOAPIC_IDX_ID) {
        s->id = val & 0x0F000000u;
        return;
    }
    if (idx >= IOAPIC_IDX_REDTBL && idx < IOAPIC_IDX_REDTBL + 2 * IOAPIC_PINS) {
        ioapic_write_rte(s, idx, val);
        return;
    }
    LOG(s->log, LOG_GUEST_ERRORS, "ioapic: write 0x%08" PRIx32 " to %s register 0x%02x ignored\n", val,
        idx == IOAPIC_IDX_VERSION || idx == IOAPIC_IDX_ARB ? "read-only" : "undefined", idx);
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t off, unsigned size)
{
    IoApic *s = opaque;
    if (off == IOAPIC_REG_SEL)
        return s->regsel & ((1ull << (8 * size)) - 1);
    if (off == IOAPIC_REG_WIN && size == 4)
        return ioapic_read_reg(s, s->regsel & 0xFF);
    LOG(s->log, LOG_GUEST_ERRORS, "ioapic: read of %u bytes at offset 0x%02" PRIx64 " ignored\n", size, off);
    return 0;
}

static void ioapic_mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IoApic *s = opaque;
    if (off == IOAPIC_REG_SEL) {
        s->regsel = (uint32_t)val & 0xFF;   /* bits 31:8 reserved */
        return;
    }
    if (off == IOAPIC_REG_WIN && size == 4) {
        ioapic_write_reg(s, s->regsel & 0xFF, (uint32_t)val);
        return;
    }
    LOG(s->log, LOG_GUEST_ERRORS, "ioapic: write of %u bytes at offset 0x%02" PRIx64 " ignored\n", size, off);
}

/* The datasheet asks for dword accesses; IOREGSEL also takes a byte
 * (its only defined bits), everything else of another size is ignored. */
const IoOps ioapic_mmio_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .min_access = 1,
    .max_access = 4,
};

/* ---- life cycle ------------------------------------------------------- */

void ioapic_reset(IoApic *s)
{
    s->id = (uint32_t)(s->reset_id & 0x0F) << 24;
    s->regsel = 0;
    for (int i = 0; i < IOAPIC_PINS; i++)
        s->rte[i] = RTE_MASKED;
}

static void ioapic_device_reset(void *opaque)
{
    ioapic_reset(opaque);
}

static void ioapic_device_free(void *opaque)
{
    ioapic_free(opaque);
}

IoApic *ioapic_new(uint8_t id, IoApicDeliverFn *deliver, void *opaque, Log *log)
{
    IoApic *s = calloc(1, sizeof(*s));
    if (!s)
        abort();
    s->deliver = deliver;
    s->opaque = opaque;
    s->log = log;
    s->reset_id = id;
    s->dev = (Device){
        .name = "ioapic",
        .reset = ioapic_device_reset,
        .fields = ioapic_fields,
        .state = s,
        .opaque = s,
        .free = ioapic_device_free,
    };
    ioapic_reset(s);
    return s;
}

void ioapic_free(IoApic *s)
{
    free(s);
}

Device *ioapic_device(IoApic *s)
{
    return &s->dev;
}
