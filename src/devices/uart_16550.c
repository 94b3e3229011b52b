/* NS16550A UART, after the National (now TI) PC16550D datasheet, "UART with
 * FIFOs" (SNLS378). Not here: which port and IRQ a COM port uses (board).
 *
 * The chip has eight byte-wide registers; LCR bit 7 (DLAB) swaps RBR/THR
 * and IER at offsets 0 and 1 for the two halves of the baud-rate divisor.
 * Received bytes land in RBR (16450 mode) or a 16-byte FIFO (FCR bit 0);
 * the IIR reports the highest-priority pending interrupt of four levels
 * (Interrupt Control Functions table): receiver line status, received
 * data or character timeout, transmitter holding register empty, modem
 * status. The INTR pin of a PC COM port reaches the ISA bus only through
 * a buffer enabled by OUT2 (MCR bit 3), so software sets OUT2 to get
 * interrupts.
 *
 * Emulation choices: transmitted bytes go to the host chardev at once (no
 * baud-rate delay, as in QEMU), so THR and the TX FIFO are always empty
 * again by the time the guest looks and the TX FIFO needs no storage. The
 * divisor and LCR still matter: they set the character time of the RX FIFO
 * timeout, measured on the machine clock. Host input arrives through the
 * input layer and is flow-controlled by uart_can_receive(), so it never
 * overruns; bytes the guest loops back to itself can. */
#include "devices/uart_16550.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"

#define UART_FIFO_SIZE 16   /* a power of two: ring indices wrap with a mask */

/* Register offsets (datasheet, register summary table). */
enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0,
    UART_IER = 1, UART_DLM = 1,
    UART_IIR = 2, UART_FCR = 2,
    UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define UART_IER_ERBFI  0x01    /* received data available (and timeout) */
#define UART_IER_ETBEI  0x02    /* THR empty */
#define UART_IER_ELSI   0x04    /* receiver line status */
#define UART_IER_EDSSI  0x08    /* modem status */

#define UART_IIR_NONE   0x01    /* bit 0 set: nothing pending */
#define UART_IIR_RLS    0x06
#define UART_IIR_RDA    0x04
#define UART_IIR_CTI    0x0C    /* character timeout (FIFO mode) */
#define UART_IIR_THRE   0x02
#define UART_IIR_MSR    0x00
#define UART_IIR_FIFOS  0xC0    /* FCR bit 0 mirrored in bits 7:6 */

#define UART_FCR_ENABLE   0x01
#define UART_FCR_RX_RESET 0x02
#define UART_FCR_TX_RESET 0x04
#define UART_FCR_KEPT     0xC9  /* enable, DMA mode, trigger level */

#define UART_LCR_STB    0x04    /* 2 stop bits (1.5 with 5-bit words) */
#define UART_LCR_PEN    0x08
#define UART_LCR_EPS    0x10
#define UART_LCR_BREAK  0x40
#define UART_LCR_DLAB   0x80

#define UART_MCR_OUT2   0x08
#define UART_MCR_LOOP   0x10
#define UART_MCR_MASK   0x1F    /* bits 5-7 are always 0 */

#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_PE     0x04
#define UART_LSR_FE     0x08
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_LSR_RXERR  0x80    /* FIFO mode: PE/FE/BI somewhere in the FIFO */
#define UART_LSR_INT    (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS   0x01
#define UART_MSR_DDSR   0x02
#define UART_MSR_TERI   0x04
#define UART_MSR_DDCD   0x08
#define UART_MSR_DELTA  0x0F
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80

#define UART_XTAL_HZ    1843200 /* the PC's baud-rate crystal */

struct Uart16550 {
    Device dev;
    char name[32];
    Clock *clock;
    IrqLine irq;
    Chardev *chr;               /* NULL: no host side */
    Log *log;
    Timer *timeout_timer;       /* RX FIFO character timeout */

    /* Guest-visible state: all of it is in uart_fields. */
    uint16_t divisor;           /* DLM:DLL */
    uint8_t rbr;                /* byte last presented at RBR */
    uint8_t ier, lcr, mcr, lsr, msr, scr;
    uint8_t fcr;                /* write-only: the bits that stick */
    uint8_t rx_fifo[UART_FIFO_SIZE];
    uint8_t rx_err[UART_FIFO_SIZE];     /* PE/FE/BI that came with each byte */
    uint8_t rx_head, rx_count;
    uint8_t thr_pending;        /* THRE interrupt latched */
    uint8_t timeout_pending;    /* character timeout interrupt latched */
    uint8_t irq_level;          /* level last driven on `irq` */
};

static const StateField uart_fields[] = {
    STATE_UINT(Uart16550, divisor),
    STATE_UINT(Uart16550, rbr),
    STATE_UINT(Uart16550, ier),
    STATE_UINT(Uart16550, lcr),
    STATE_UINT(Uart16550, mcr),
    STATE_UINT(Uart16550, lsr),
    STATE_UINT(Uart16550, msr),
    STATE_UINT(Uart16550, scr),
    STATE_UINT(Uart16550, fcr),
    STATE_BYTES(Uart16550, rx_fifo),
    STATE_BYTES(Uart16550, rx_err),
    STATE_UINT(Uart16550, rx_head),
    STATE_UINT(Uart16550, rx_count),
    STATE_UINT(Uart16550, thr_pending),
    STATE_UINT(Uart16550, timeout_pending),
    STATE_UINT(Uart16550, irq_level),
    STATE_TIMER(Uart16550, timeout_timer),
    STATE_END,
};

static bool uart_fifo_mode(const Uart16550 *u)
{
    return u->fcr & UART_FCR_ENABLE;
}

static bool uart_loopback(const Uart16550 *u)
{
    return u->mcr & UART_MCR_LOOP;
}

/* Clamped: a loaded snapshot may hold any value, and must not index out
 * of the FIFO (DESIGN.md invariant 4 applies to snapshots too). */
static unsigned uart_rx_count(const Uart16550 *u)
{
    return MIN(u->rx_count, UART_FIFO_SIZE);
}

static unsigned uart_rx_index(const Uart16550 *u, unsigned i)
{
    return (u->rx_head + i) & (UART_FIFO_SIZE - 1);
}

/* FCR bits 7:6 select the RX trigger level (datasheet, FCR description). */
static unsigned uart_rx_trigger(const Uart16550 *u)
{
    static const uint8_t levels[4] = {1, 4, 8, 14};
    return levels[u->fcr >> 6];
}

/* Four character times on the wire, rounded up to whole nanoseconds. A
 * character is start + 5..8 data + parity + stop bits, where "2 stop bits"
 * means 1.5 with 5-bit words (LCR bit 2); counting in half bits keeps it
 * exact. One bit lasts divisor * 16 clocks of the 1.8432 MHz crystal. */
static int64_t uart_timeout_ns(const Uart16550 *u)
{
    unsigned word = 5 + (u->lcr & 3);
    uint64_t half_bits = 2 * (1 + word + !!(u->lcr & UART_LCR_PEN));
    if (u->lcr & UART_LCR_STB)
        half_bits += word == 5 ? 3 : 4;
    else
        half_bits += 2;
    /* The datasheet gives no meaning to divisor 0; we take the 16-bit
     * counter's wrap (65536), the slowest rate, rather than a zero time. */
    uint64_t divisor = u->divisor ? u->divisor : 65536;
    uint64_t num = 4 * half_bits * divisor * 16 * 1000000000ULL;
    uint64_t den = 2ULL * UART_XTAL_HZ;
    return (int64_t)((num + den - 1) / den);
}

/* The pending interrupt the IIR reports, by the priorities of the
 * datasheet's Interrupt Control Functions table. The character timeout
 * shares level 2 with received data; its code 0x0C includes the RDA bit,
 * so it is reported when both hold. */
static uint8_t uart_iir_source(const Uart16550 *u)
{
    if ((u->ier & UART_IER_ELSI) && (u->lsr & UART_LSR_INT))
        return UART_IIR_RLS;
    if (u->ier & UART_IER_ERBFI) {
        if (u->timeout_pending)
            return UART_IIR_CTI;
        /* FIFO mode: at or above the trigger level, cleared as soon as it
         * drops below; 16450 mode: whenever RBR holds a byte. */
        if (uart_fifo_mode(u) ? uart_rx_count(u) >= uart_rx_trigger(u)
                              : (u->lsr & UART_LSR_DR))
            return UART_IIR_RDA;
    }
    if ((u->ier & UART_IER_ETBEI) && u->thr_pending)
        return UART_IIR_THRE;
    if ((u->ier & UART_IER_EDSSI) && (u->msr & UART_MSR_DELTA))
        return UART_IIR_MSR;
    return UART_IIR_NONE;
}

/* Drive the IRQ line = INTR AND OUT2: on PC serial boards the OUT2 output
 * enables the buffer between INTR and the ISA IRQ line, so a guest that
 * leaves OUT2 clear polls (Linux sets OUT2 when it wants interrupts). Real
 * boards and Bochs gate like this; QEMU does not. We gate on the MCR bit,
 * as Bochs does, in loopback too, although there a discrete 16550 forces
 * its OUT2 pin inactive (datasheet, MCR bit 4). */
static void uart_update_irq(Uart16550 *u)
{
    uint8_t level = uart_iir_source(u) != UART_IIR_NONE && (u->mcr & UART_MCR_OUT2);
    if (level != u->irq_level) {
        u->irq_level = level;
        irq_set(u->irq, level);
    }
}

/* "The timeout timer is reset after a new character is received or after
 * the CPU reads the RCVR FIFO" (datasheet, FIFO interrupt mode operation). */
static void uart_timeout_restart(Uart16550 *u)
{
    if (uart_fifo_mode(u) && uart_rx_count(u))
        timer_mod(u->timeout_timer, clock_now(u->clock) + uart_timeout_ns(u));
    else
        timer_del(u->timeout_timer);
}

static void uart_timeout_fire(void *opaque)
{
    Uart16550 *u = opaque;
    if (uart_fifo_mode(u) && uart_rx_count(u)) {
        u->timeout_pending = 1;
        uart_update_irq(u);
    }
}

static void uart_rx_clear(Uart16550 *u)
{
    memset(u->rx_fifo, 0, sizeof(u->rx_fifo));
    memset(u->rx_err, 0, sizeof(u->rx_err));
    u->rx_head = 0;
    u->rx_count = 0;
    u->lsr &= ~(UART_LSR_DR | UART_LSR_RXERR);
    u->timeout_pending = 0;
    timer_del(u->timeout_timer);
}

/* One character completes in the receiver shift register; `err` holds its
 * PE/FE/BI bits. The caller updates the IRQ. */
static void uart_rx_put(Uart16550 *u, uint8_t byte, uint8_t err)
{
    if (!uart_fifo_mode(u)) {
        /* 16450 mode: an unread RBR is overwritten and OE set. */
        if (u->lsr & UART_LSR_DR)
            u->lsr |= UART_LSR_OE;
        u->rbr = byte;
        u->lsr |= UART_LSR_DR | err;
        return;
    }
    unsigned n = uart_rx_count(u);
    if (n == UART_FIFO_SIZE) {
        /* "The character in the shift register is overwritten, but it is
         * not transferred to the FIFO"; OE shows at once. */
        u->lsr |= UART_LSR_OE;
        return;
    }
    unsigned i = uart_rx_index(u, n);
    u->rx_fifo[i] = byte;
    u->rx_err[i] = err;
    u->rx_count = (uint8_t)(n + 1);
    /* PE/FE/BI reach the LSR when their byte is at the top of the FIFO;
     * LSR bit 7 as soon as such a byte is anywhere in it. */
    if (n == 0)
        u->lsr |= err;
    if (err)
        u->lsr |= UART_LSR_RXERR;
    u->lsr |= UART_LSR_DR;
    /* Once a timeout is signalled, only a CPU read clears and restarts it. */
    if (!u->timeout_pending)
        uart_timeout_restart(u);
}

/* The receiver sees a break: the line held spacing for a whole frame loads
 * one zero character with BI. The stop bit is then 0 too (FE), and the
 * parity bit is 0, which is wrong exactly when odd or stick-1 parity is
 * set (LCR: PEN set, EPS clear). */
static void uart_rx_break(Uart16550 *u)
{
    uint8_t err = UART_LSR_BI | UART_LSR_FE;
    if ((u->lcr & (UART_LCR_PEN | UART_LCR_EPS)) == UART_LCR_PEN)
        err |= UART_LSR_PE;
    uart_rx_put(u, 0, err);
}

static uint8_t uart_read_rbr(Uart16550 *u)
{
    if (!uart_fifo_mode(u)) {
        u->lsr &= ~UART_LSR_DR;
    } else {
        unsigned n = uart_rx_count(u);
        /* An empty FIFO returns the last byte again (DR already says 0). */
        if (n) {
            unsigned i = uart_rx_index(u, 0);
            u->rbr = u->rx_fifo[i];
            u->rx_err[i] = 0;
            u->rx_head = (uint8_t)uart_rx_index(u, 1);
            u->rx_count = (uint8_t)(n - 1);
            if (n == 1)
                u->lsr &= ~UART_LSR_DR;
            else
                u->lsr |= u->rx_err[u->rx_head];
        }
        u->timeout_pending = 0;
        uart_timeout_restart(u);
    }
    uart_update_irq(u);
    return u->rbr;
}

static uint8_t uart_read_iir(Uart16550 *u)
{
    uint8_t id = uart_iir_source(u);
    /* Reading the IIR clears THRE only when THRE is what it reports. */
    if (id == UART_IIR_THRE) {
        u->thr_pending = 0;
        uart_update_irq(u);
    }
    return id | (uart_fifo_mode(u) ? UART_IIR_FIFOS : 0);
}

static uint8_t uart_read_lsr(Uart16550 *u)
{
    uint8_t v = u->lsr;
    /* OE, PE, FE and BI clear on read; bit 7 too unless more bytes with
     * errors wait in the FIFO. */
    u->lsr &= ~(UART_LSR_INT | UART_LSR_RXERR);
    if (uart_fifo_mode(u))
        for (unsigned i = 0; i < uart_rx_count(u); i++)
            if (u->rx_err[uart_rx_index(u, i)])
                u->lsr |= UART_LSR_RXERR;
    uart_update_irq(u);
    return v;
}

static uint8_t uart_read_msr(Uart16550 *u)
{
    uint8_t v = u->msr;
    u->msr &= ~UART_MSR_DELTA;
    uart_update_irq(u);
    return v;
}

static uint64_t uart_io_read(void *opaque, uint64_t off, unsigned size)
{
    Uart16550 *u = opaque;
    (void)size;
    switch (off & 7) {
    case UART_RBR:
        return (u->lcr & UART_LCR_DLAB) ? (u->divisor & 0xFF) : uart_read_rbr(u);
    case UART_IER:
        return (u->lcr & UART_LCR_DLAB) ? (u->divisor >> 8) : u->ier;
    case UART_IIR:
        return uart_read_iir(u);
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR:
        return uart_read_lsr(u);
    case UART_MSR:
        return uart_read_msr(u);
    default:
        return u->scr;
    }
}

/* A write to THR: the byte leaves at once, so THR empties again and THRE
 * and TEMT are back before the guest can look. The IRQ goes through low
 * (a THR write clears the THRE interrupt) and back high (THR empty again):
 * an edge-triggered PIC sees one interrupt per write, as with a real
 * transmitter. During a break (LCR bit 6) SOUT is held spacing, so the
 * byte never reaches the line, though the transmitter runs as usual. */
static void uart_transmit(Uart16550 *u, uint8_t byte)
{
    u->thr_pending = 0;
    u->lsr &= ~(UART_LSR_THRE | UART_LSR_TEMT);
    uart_update_irq(u);
    if (!(u->lcr & UART_LCR_BREAK)) {
        if (uart_loopback(u)) {
            /* Unused high bits of a short word are neither sent nor
             * received. Bytes for the host go out whole: guests that
             * print without programming LCR (reset: 5 bits) still work,
             * as with QEMU. */
            uart_rx_put(u, byte & (0xFF >> (3 - (u->lcr & 3))), 0);
        } else {
            chardev_write_byte(u->chr, byte);
        }
    }
    u->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    u->thr_pending = 1;
    uart_update_irq(u);
}

static void uart_write_ier(Uart16550 *u, uint8_t val)
{
    uint8_t old = u->ier;
    u->ier = val & 0x0F;
    /* Enabling ETBEI while THR is empty raises THRE at once. The datasheet
     * is silent; real chips do it and Linux (start_tx) and Windows rely on
     * it. Like Bochs and QEMU, only the enabling edge samples THRE. */
    if ((u->ier & ~old & UART_IER_ETBEI) && (u->lsr & UART_LSR_THRE))
        u->thr_pending = 1;
    uart_update_irq(u);
}

static void uart_write_fcr(Uart16550 *u, uint8_t val)
{
    /* Toggling FCR bit 0 clears both FIFOs; the other bits are programmed
     * only together with bit 0 set (datasheet, FCR description). */
    if ((val ^ u->fcr) & UART_FCR_ENABLE)
        uart_rx_clear(u);
    if (val & UART_FCR_ENABLE) {
        u->fcr = val & UART_FCR_KEPT;
        if (val & UART_FCR_RX_RESET)
            uart_rx_clear(u);
        /* UART_FCR_TX_RESET: the TX FIFO is already empty (THRE is set
         * and stays set), so there is nothing to clear or signal. */
    } else {
        u->fcr &= ~UART_FCR_ENABLE;
    }
    uart_update_irq(u);
}

static void uart_write_lcr(Uart16550 *u, uint8_t val)
{
    uint8_t old = u->lcr;
    u->lcr = val;
    if (uart_loopback(u) && (val & ~old & UART_LCR_BREAK))
        uart_rx_break(u);
    uart_update_irq(u);
}

/* The modem inputs CTS, DSR, RI, DCD (MSR bits 4-7). In loopback they are
 * RTS, DTR, OUT1, OUT2 (datasheet, MCR bit 4); otherwise a connected,
 * ready peer with no ring, as QEMU reports (MSR = 0xB0). */
static uint8_t uart_modem_inputs(uint8_t mcr)
{
    if (!(mcr & UART_MCR_LOOP))
        return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    return ((mcr & 0x02) ? UART_MSR_CTS : 0) | ((mcr & 0x01) ? UART_MSR_DSR : 0) |
           ((mcr & 0x04) ? UART_MSR_RI : 0) | ((mcr & 0x08) ? UART_MSR_DCD : 0);
}

static void uart_write_mcr(Uart16550 *u, uint8_t val)
{
    uint8_t old_mcr = u->mcr;
    u->mcr = val & UART_MCR_MASK;

    /* Delta bits latch each change of an input since the last MSR read;
     * TERI only on RI's trailing (1 to 0) edge. */
    uint8_t old_in = u->msr & 0xF0, new_in = uart_modem_inputs(u->mcr);
    uint8_t changed = old_in ^ new_in, delta = 0;
    if (changed & UART_MSR_CTS)
        delta |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR)
        delta |= UART_MSR_DDSR;
    if (old_in & ~new_in & UART_MSR_RI)
        delta |= UART_MSR_TERI;
    if (changed & UART_MSR_DCD)
        delta |= UART_MSR_DDCD;
    u->msr = new_in | (u->msr & UART_MSR_DELTA) | delta;

    /* Entering loopback with the break bit set puts the break on the
     * internal line the receiver now listens to. */
    if ((u->mcr & ~old_mcr & UART_MCR_LOOP) && (u->lcr & UART_LCR_BREAK))
        uart_rx_break(u);
    uart_update_irq(u);
}

static void uart_io_write(void *opaque, uint64_t off, uint64_t val64, unsigned size)
{
    Uart16550 *u = opaque;
    uint8_t val = (uint8_t)val64;
    (void)size;
    switch (off & 7) {
    case UART_THR:
        if (u->lcr & UART_LCR_DLAB)
            u->divisor = (uint16_t)((u->divisor & 0xFF00) | val);
        else
            uart_transmit(u, val);
        break;
    case UART_IER:
        if (u->lcr & UART_LCR_DLAB)
            u->divisor = (uint16_t)((u->divisor & 0x00FF) | (val << 8));
        else
            uart_write_ier(u, val);
        break;
    case UART_FCR:
        uart_write_fcr(u, val);
        break;
    case UART_LCR:
        uart_write_lcr(u, val);
        break;
    case UART_MCR:
        uart_write_mcr(u, val);
        break;
    case UART_LSR:
    case UART_MSR:
        /* "Writing to the LSR/MSR is not recommended as this operation is
         * only intended for factory testing"; ignored, as in QEMU. */
        LOG(u->log, LOG_GUEST_ERRORS, "%s: write 0x%02x to read-only %s ignored\n",
            u->name, val, (off & 7) == UART_LSR ? "LSR" : "MSR");
        break;
    default:
        u->scr = val;
        break;
    }
}

const IoOps uart_io_ops = {
    .read = uart_io_read,
    .write = uart_io_write,
    .min_access = 1,
    .max_access = 1,
};

size_t uart_can_receive(Uart16550 *u)
{
    /* In loopback SIN is disconnected: host bytes wait in the input layer. */
    if (uart_loopback(u))
        return 0;
    if (uart_fifo_mode(u))
        return UART_FIFO_SIZE - uart_rx_count(u);
    return (u->lsr & UART_LSR_DR) ? 0 : 1;
}

void uart_receive(Uart16550 *u, const uint8_t *buf, size_t len)
{
    if (uart_loopback(u))
        return;
    for (size_t i = 0; i < len; i++)
        uart_rx_put(u, buf[i], 0);
    uart_update_irq(u);
}

/* Master reset (datasheet, UART Reset Configuration table). The
 * divisor latch and the scratch register are not in the table: MR leaves
 * them alone. */
void uart_reset(Uart16550 *u)
{
    u->ier = 0;
    u->lcr = 0;
    u->mcr = 0;
    u->fcr = 0;
    u->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    u->msr = uart_modem_inputs(0);
    uart_rx_clear(u);
    u->thr_pending = 0;
    u->timeout_pending = 0;
    if (u->irq_level) {
        u->irq_level = 0;
        irq_set(u->irq, false);
    }
}

static void uart_device_reset(void *opaque)
{
    uart_reset(opaque);
}

static void uart_device_free(void *opaque)
{
    uart_free(opaque);
}

static size_t uart_sink_can_receive(void *opaque)
{
    return uart_can_receive(opaque);
}

static void uart_sink_receive(void *opaque, const uint8_t *buf, size_t len)
{
    uart_receive(opaque, buf, len);
}

Uart16550 *uart_new(const char *name, Clock *clock, IrqLine irq, Chardev *chr, Log *log)
{
    Uart16550 *u = calloc(1, sizeof(*u));
    if (!u)
        abort();
    snprintf(u->name, sizeof(u->name), "%s", name);
    u->clock = clock;
    u->irq = irq;
    u->chr = chr;
    u->log = log;
    u->timeout_timer = timer_new(clock, uart_timeout_fire, u);
    /* Power-on values of what MR does not reset: 9600 baud, as QEMU. */
    u->divisor = 12;
    u->scr = 0;
    uart_reset(u);

    u->dev = (Device){
        .name = u->name,
        .reset = uart_device_reset,
        .fields = uart_fields,
        .state = u,
        .opaque = u,
        .free = uart_device_free,
    };
    const InputSink sink = {
        .can_receive = uart_sink_can_receive,
        .receive = uart_sink_receive,
        .opaque = u,
    };
    chardev_set_sink(chr, &sink);
    return u;
}

void uart_free(Uart16550 *u)
{
    if (!u)
        return;
    chardev_set_sink(u->chr, NULL);
    timer_free(u->timeout_timer);
    free(u);
}

Device *uart_device(Uart16550 *u)
{
    return &u->dev;
}
