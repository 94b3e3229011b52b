/* Intel 8042 (UPI-42) keyboard controller running the PC/AT and PS/2
 * keyboard BIOS firmware, after the IBM PS/2 Hardware Interface Technical
 * Reference ("Keyboard and Auxiliary Device Controller") and the OSDev
 * wiki "8042 PS/2 Controller" page. Not here: the keyboard and the mouse
 * themselves (ps2_kbd.c, ps2_mouse.c), which ports and IRQs it uses (board).
 *
 * The guest sees a one-byte output buffer (port 0x60 read), a status
 * register (0x64 read), the input buffer (0x60 write: data for the
 * keyboard or for a pending controller command; 0x64 write: a controller
 * command). The controller's 32-byte RAM holds the command byte at
 * address 0; commands 0x20..0x3F / 0x60..0x7F read and write it. Each
 * attached device keeps its own queue; the controller takes the next byte
 * only when the output buffer is empty (a real 8042 holds the device's
 * clock low meanwhile), and IRQ1 / IRQ12 follow "output buffer full with
 * keyboard / auxiliary data" gated by command byte bits 0 / 1.
 *
 * With command byte bit 6 set, keyboard bytes pass through the set 2 ->
 * set 1 translation, and an F0 prefix is swallowed and sets bit 7 of the
 * following code (so F0 1C becomes 9E).
 *
 * Emulation choices: commands run at once, so the input buffer is never
 * seen full (IBF = 0) and there are no timeouts or parity errors. Replies
 * to controller commands wait in a small queue of their own that goes
 * before device bytes; when both devices have bytes the controller
 * alternates between them. Self-test (0xAA) answers 0x55 and changes
 * nothing else. */
#include "devices/i8042.h"

#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"

/* Status register (Technical Reference, "Status Register"). */
#define ST_OBF  0x01    /* output buffer full */
#define ST_IBF  0x02    /* input buffer full: never, commands run at once */
#define ST_SYS  0x04    /* system flag: a copy of command byte bit 2 */
#define ST_A2   0x08    /* last write was to 0x64 (command), not 0x60 (data) */
#define ST_INH  0x10    /* 1: keyboard not inhibited (the key lock is open) */
#define ST_AUXB 0x20    /* the output buffer holds auxiliary-device data */

/* Command byte (RAM address 0). */
#define CMD_KBD_INT  0x01
#define CMD_AUX_INT  0x02
#define CMD_SYS      0x04
#define CMD_KBD_DIS  0x10   /* keyboard clock held: no keyboard bytes taken */
#define CMD_AUX_DIS  0x20
#define CMD_XLATE    0x40
/* Power-on: keyboard interrupt and translation on, as an AT BIOS leaves
 * them; the BIOS sets SYS after its own tests. */
#define CMD_DEFAULT  (CMD_KBD_INT | CMD_XLATE)

/* Output port. */
#define OUT_RESET    0x01   /* 0 asserts the CPU reset line */
#define OUT_A20      0x02
#define OUT_KBD_OBF  0x10   /* IRQ1 output */
#define OUT_AUX_OBF  0x20   /* IRQ12 output */
#define OUT_DEFAULT  0xCF   /* reset inactive, A20 on, clock/data lines high */

/* Input port: bit 7 = keyboard not inhibited; the rest (display type,
 * memory jumpers) read 0. */
#define IN_PORT      0x80

#define CQ_SIZE 4           /* controller replies waiting */

enum { SRC_KBD = 0, SRC_AUX = 1 };

struct I8042 {
    Device dev;
    RunState *run;
    IrqLine irq_kbd, irq_aux;
    Ps2Kbd *kbd;
    Ps2Mouse *mouse;
    void (*set_a20)(void *opaque, bool enabled);
    void *a20_opaque;
    Log *log;

    /* Guest-visible state: all of it is in i8042_fields. */
    uint8_t ram[32];            /* ram[0] is the command byte */
    uint8_t status;             /* OBF, AUXB and A2; the rest is computed */
    uint8_t out;                /* the output buffer */
    uint8_t outport;
    uint8_t pending;            /* command waiting for a data byte, or 0 */
    uint8_t xlat_break;         /* translation saw F0 */
    uint8_t last_src;           /* device that filled the buffer last */
    uint8_t cq[CQ_SIZE];        /* controller replies */
    uint8_t cq_aux[CQ_SIZE];    /* ... and whether each is auxiliary data */
    uint8_t cq_count;
    uint8_t irq_kbd_level, irq_aux_level;
};

static const StateField i8042_fields[] = {
    STATE_BYTES(I8042, ram),
    STATE_UINT(I8042, status),
    STATE_UINT(I8042, out),
    STATE_UINT(I8042, outport),
    STATE_UINT(I8042, pending),
    STATE_UINT(I8042, xlat_break),
    STATE_UINT(I8042, last_src),
    STATE_BYTES(I8042, cq),
    STATE_BYTES(I8042, cq_aux),
    STATE_UINT(I8042, cq_count),
    STATE_UINT(I8042, irq_kbd_level),
    STATE_UINT(I8042, irq_aux_level),
    STATE_END,
};

static void i8042_update_irq(I8042 *c)
{
    uint8_t cmd = c->ram[0];
    bool full = c->status & ST_OBF, aux = c->status & ST_AUXB;
    bool kbd_level = full && !aux && (cmd & CMD_KBD_INT);
    bool aux_level = full && aux && (cmd & CMD_AUX_INT);
    if (kbd_level != c->irq_kbd_level) {
        c->irq_kbd_level = kbd_level;
        irq_set(c->irq_kbd, kbd_level);
    }
    if (aux_level != c->irq_aux_level) {
        c->irq_aux_level = aux_level;
        irq_set(c->irq_aux, aux_level);
    }
}

static void i8042_fill(I8042 *c, uint8_t byte, int src)
{
    c->out = byte;
    c->status |= ST_OBF;
    if (src == SRC_AUX)
        c->status |= ST_AUXB;
    else
        c->status &= (uint8_t)~ST_AUXB;
}

static bool i8042_kbd_ready(const I8042 *c)
{
    return c->kbd && !(c->ram[0] & CMD_KBD_DIS) && ps2_kbd_pending(c->kbd);
}

static bool i8042_aux_ready(const I8042 *c)
{
    return c->mouse && !(c->ram[0] & CMD_AUX_DIS) && ps2_mouse_pending(c->mouse);
}

/* Take the next keyboard byte through translation if it is on; false when
 * the keyboard had only an F0 prefix to give. */
static bool i8042_take_kbd(I8042 *c, uint8_t *byte)
{
    while (ps2_kbd_pop(c->kbd, byte)) {
        if (!(c->ram[0] & CMD_XLATE))
            return true;
        if (*byte == 0xF0) {
            c->xlat_break = 1;
            continue;
        }
        *byte = ps2_set2_to_set1(*byte);
        if (c->xlat_break)
            *byte |= 0x80;
        c->xlat_break = 0;
        return true;
    }
    return false;
}

/* Load the output buffer if it is empty: controller replies first, then
 * the device whose turn it is. */
static void i8042_refill(I8042 *c)
{
    if (!(c->status & ST_OBF)) {
        unsigned n = MIN(c->cq_count, CQ_SIZE);
        if (n) {
            i8042_fill(c, c->cq[0], c->cq_aux[0] ? SRC_AUX : SRC_KBD);
            memmove(c->cq, c->cq + 1, CQ_SIZE - 1);
            memmove(c->cq_aux, c->cq_aux + 1, CQ_SIZE - 1);
            c->cq_count = (uint8_t)(n - 1);
        } else {
            bool kbd = i8042_kbd_ready(c), aux = i8042_aux_ready(c);
            if (kbd && aux)
                kbd = c->last_src != SRC_KBD;
            uint8_t b;
            if (kbd && i8042_take_kbd(c, &b)) {
                i8042_fill(c, b, SRC_KBD);
                c->last_src = SRC_KBD;
            } else if (aux && ps2_mouse_pop(c->mouse, &b)) {
                i8042_fill(c, b, SRC_AUX);
                c->last_src = SRC_AUX;
            }
        }
    }
    i8042_update_irq(c);
}

static void i8042_device_notify(void *opaque)
{
    i8042_refill(opaque);
}

/* A reply from the controller itself. */
static void i8042_reply(I8042 *c, uint8_t byte, int src)
{
    if (c->cq_count >= CQ_SIZE) {
        LOG(c->log, LOG_GUEST_ERRORS, "i8042: reply 0x%02x dropped, output not read\n", byte);
        return;
    }
    c->cq[c->cq_count] = byte;
    c->cq_aux[c->cq_count] = src == SRC_AUX;
    c->cq_count++;
    i8042_refill(c);
}

static void i8042_set_outport(I8042 *c, uint8_t val)
{
    uint8_t old = c->outport;
    /* The reset line is an output the CPU sees pulsed; it reads back as
     * inactive once the board has reset. */
    c->outport = val | OUT_RESET;
    if ((old ^ c->outport) & OUT_A20)
        c->set_a20(c->a20_opaque, c->outport & OUT_A20);
    if (!(val & OUT_RESET))
        runstate_request_reset(c->run);
}

static uint8_t i8042_read_outport(const I8042 *c)
{
    uint8_t v = c->outport & (uint8_t)~(OUT_KBD_OBF | OUT_AUX_OBF);
    if (c->status & ST_OBF)
        v |= (c->status & ST_AUXB) ? OUT_AUX_OBF : OUT_KBD_OBF;
    return v;
}

static void i8042_write_ram(I8042 *c, unsigned addr, uint8_t val)
{
    c->ram[addr & 31] = val;
    if ((addr & 31) == 0) {
        c->xlat_break = 0;
        /* Enables and clock inhibits may have changed. */
        i8042_refill(c);
    }
}

/* A data byte (port 0x60) for the command in c->pending. */
static void i8042_command_data(I8042 *c, uint8_t cmd, uint8_t val)
{
    if (cmd >= 0x60 && cmd <= 0x7F) {
        i8042_write_ram(c, cmd - 0x60, val);
        return;
    }
    switch (cmd) {
    case 0xD1:
        i8042_set_outport(c, val);
        break;
    case 0xD2:
        i8042_reply(c, val, SRC_KBD);
        break;
    case 0xD3:
        i8042_reply(c, val, SRC_AUX);
        break;
    case 0xD4:
        if (c->mouse)
            ps2_mouse_write(c->mouse, val);
        break;
    }
}

static void i8042_command(I8042 *c, uint8_t cmd)
{
    if (cmd >= 0x20 && cmd <= 0x3F) {
        i8042_reply(c, c->ram[cmd - 0x20], SRC_KBD);
        return;
    }
    if ((cmd >= 0x60 && cmd <= 0x7F) || (cmd >= 0xD1 && cmd <= 0xD4)) {
        c->pending = cmd;
        return;
    }
    if (cmd >= 0xF0) {
        /* Pulse output port bits 0..3 that are 0 in the command; only
         * bit 0 (reset) is wired to anything. */
        if (!(cmd & OUT_RESET))
            runstate_request_reset(c->run);
        return;
    }
    switch (cmd) {
    case 0xA7:                  /* disable auxiliary interface */
        i8042_write_ram(c, 0, c->ram[0] | CMD_AUX_DIS);
        break;
    case 0xA8:                  /* enable auxiliary interface */
        i8042_write_ram(c, 0, c->ram[0] & (uint8_t)~CMD_AUX_DIS);
        break;
    case 0xA9:                  /* auxiliary interface test: no error */
    case 0xAB:                  /* keyboard interface test: no error */
        i8042_reply(c, 0x00, SRC_KBD);
        break;
    case 0xAA:                  /* self-test passed */
        i8042_reply(c, 0x55, SRC_KBD);
        break;
    case 0xAD:                  /* disable keyboard interface */
        i8042_write_ram(c, 0, c->ram[0] | CMD_KBD_DIS);
        break;
    case 0xAE:                  /* enable keyboard interface */
        i8042_write_ram(c, 0, c->ram[0] & (uint8_t)~CMD_KBD_DIS);
        break;
    case 0xC0:                  /* read input port */
        i8042_reply(c, IN_PORT, SRC_KBD);
        break;
    case 0xD0:                  /* read output port */
        i8042_reply(c, i8042_read_outport(c), SRC_KBD);
        break;
    case 0xDD:                  /* A20 off (some controllers) */
        i8042_set_outport(c, c->outport & (uint8_t)~OUT_A20);
        break;
    case 0xDF:                  /* A20 on (some controllers) */
        i8042_set_outport(c, c->outport | OUT_A20);
        break;
    default:
        LOG(c->log, LOG_UNIMP, "i8042: unknown command 0x%02x\n", cmd);
        break;
    }
}

static uint64_t i8042_data_read(void *opaque, uint64_t off, unsigned size)
{
    I8042 *c = opaque;
    (void)off, (void)size;
    /* An empty buffer reads back its last byte. */
    uint8_t v = c->out;
    c->status &= (uint8_t)~(ST_OBF | ST_AUXB);
    /* The IRQ drops before the next byte raises it again: the PIC sees
     * one rising edge per byte, as with a real controller's gap. */
    i8042_update_irq(c);
    i8042_refill(c);
    return v;
}

static void i8042_data_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I8042 *c = opaque;
    (void)off, (void)size;
    c->status &= (uint8_t)~ST_A2;
    uint8_t cmd = c->pending;
    c->pending = 0;
    if (cmd)
        i8042_command_data(c, cmd, (uint8_t)val);
    else if (c->kbd)
        ps2_kbd_write(c->kbd, (uint8_t)val);
}

static uint64_t i8042_status_read(void *opaque, uint64_t off, unsigned size)
{
    I8042 *c = opaque;
    (void)off, (void)size;
    uint8_t st = (c->status & (ST_OBF | ST_AUXB | ST_A2)) | ST_INH;
    if (c->ram[0] & CMD_SYS)
        st |= ST_SYS;
    return st;
}

static void i8042_cmd_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I8042 *c = opaque;
    (void)off, (void)size;
    c->status |= ST_A2;
    c->pending = 0;             /* a command cancels one waiting for data */
    i8042_command(c, (uint8_t)val);
}

const IoOps i8042_data_io_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .min_access = 1,
    .max_access = 1,
};

const IoOps i8042_cmd_io_ops = {
    .read = i8042_status_read,
    .write = i8042_cmd_write,
    .min_access = 1,
    .max_access = 1,
};

static void i8042_init_state(I8042 *c)
{
    memset(c->ram, 0, sizeof(c->ram));
    c->ram[0] = CMD_DEFAULT;
    c->status = 0;
    c->out = 0;
    c->outport = OUT_DEFAULT;
    c->pending = 0;
    c->xlat_break = 0;
    c->last_src = SRC_KBD;
    c->cq_count = 0;
}

static void i8042_device_reset(void *opaque)
{
    I8042 *c = opaque;
    i8042_init_state(c);
    c->set_a20(c->a20_opaque, true);
    /* Lower both IRQs. Nothing is pulled yet: the devices reset after or
     * before us and bring their bytes through the notify call. */
    i8042_update_irq(c);
}

static void i8042_device_free(void *opaque)
{
    i8042_free(opaque);
}

I8042 *i8042_new(RunState *run, IrqLine irq_kbd, IrqLine irq_aux, Ps2Kbd *kbd, Ps2Mouse *mouse,
                 void (*set_a20)(void *opaque, bool enabled), void *a20_opaque, Log *log)
{
    I8042 *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->run = run;
    c->irq_kbd = irq_kbd;
    c->irq_aux = irq_aux;
    c->kbd = kbd;
    c->mouse = mouse;
    c->set_a20 = set_a20;
    c->a20_opaque = a20_opaque;
    c->log = log;
    i8042_init_state(c);
    if (kbd)
        ps2_kbd_set_notify(kbd, i8042_device_notify, c);
    if (mouse)
        ps2_mouse_set_notify(mouse, i8042_device_notify, c);
    c->dev = (Device){
        .name = "i8042",
        .reset = i8042_device_reset,
        .fields = i8042_fields,
        .state = c,
        .opaque = c,
        .free = i8042_device_free,
    };
    return c;
}

void i8042_free(I8042 *c)
{
    /* The devices may already be gone (DeviceList frees in order), so
     * they are not touched here. */
    free(c);
}

Device *i8042_device(I8042 *c)
{
    return &c->dev;
}
