/* Port 0x61, System Control Port B (NMI Status and Control), as the IBM AT
 * Technical Reference and the Intel 82371SB (PIIX3) data sheet, "NMI Status
 * and Control Register", describe it:
 *
 *   bit 0  R/W  PIT counter 2 GATE
 *   bit 1  R/W  speaker data enable (ANDed with counter 2's OUT)
 *   bit 2  R/W  parity (PCI SERR#) check enable, active low
 *   bit 3  R/W  I/O channel check (IOCHK#) enable, active low
 *   bit 4  RO   refresh toggle: flips after every DRAM refresh request
 *   bit 5  RO   PIT counter 2 OUT
 *   bit 6  RO   I/O channel check occurred
 *   bit 7  RO   parity error occurred
 *
 * No device raises parity or channel-check errors, so bits 6 and 7 read 0
 * and bits 2-3 are only stored. There is no audio: the speaker bit is
 * stored and reported once under -d unimp. Refresh requests come from PIT
 * counter 1, which PC BIOSes program with 18 (15.085 us); the toggle is a
 * pure function of the machine clock at that rate (edge k of the 1.193182
 * MHz PIT clock toggles it when k is a multiple of 18), so reads are
 * deterministic and independent of how the guest reprograms counter 1. */
#include "devices/pc_port61.h"

#include <stdlib.h>

#define PORT61_GATE2 0x01
#define PORT61_SPEAKER 0x02
#define PORT61_WRITABLE 0x0F        /* bits 0-3; 4-7 are status */
#define PORT61_REFRESH 0x10
#define PORT61_OUT2 0x20
#define PORT61_REFRESH_TICKS 18     /* PIT clocks per refresh request */
#define NS_PER_SEC 1000000000LL

struct PcPort61 {
    Device dev;
    I8254Pit *pit;
    Clock *clock;
    Log *log;
    uint8_t value;              /* bits 0-3 as written */
    uint8_t speaker_logged;     /* host-side: -d unimp said it once */
};

static const StateField port61_fields[] = {
    STATE_UINT(PcPort61, value),
    STATE_END,
};

/* floor(ns * PIT_FREQ_HZ / 1e9) without overflow, as the PIT counts. */
static int64_t port61_pit_tick(int64_t ns)
{
    if (ns <= 0)
        return 0;
    return ns / NS_PER_SEC * PIT_FREQ_HZ + ns % NS_PER_SEC * PIT_FREQ_HZ / NS_PER_SEC;
}

static uint64_t port61_read(void *opaque, uint64_t off, unsigned size)
{
    PcPort61 *p = opaque;
    (void)off, (void)size;
    int64_t refreshes = port61_pit_tick(clock_now(p->clock)) / PORT61_REFRESH_TICKS;
    return (uint8_t)((p->value & PORT61_WRITABLE) | (refreshes & 1 ? PORT61_REFRESH : 0) |
                     (pit_get_out(p->pit, 2) ? PORT61_OUT2 : 0));
}

static void port61_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PcPort61 *p = opaque;
    (void)off, (void)size;
    uint8_t old = p->value;
    p->value = (uint8_t)(val & PORT61_WRITABLE);
    if ((old ^ p->value) & PORT61_GATE2)
        pit_set_gate(p->pit, 2, p->value & PORT61_GATE2);
    if ((p->value & PORT61_SPEAKER) && !p->speaker_logged) {
        p->speaker_logged = 1;
        LOG(p->log, LOG_UNIMP, "port61: PC speaker enabled; the speaker is not emulated (no audio)\n");
    }
}

const IoOps port61_io_ops = {
    .read = port61_read,
    .write = port61_write,
    .min_access = 1,
    .max_access = 1,
};

static void port61_reset(void *opaque)
{
    PcPort61 *p = opaque;
    p->value = 0;
    pit_set_gate(p->pit, 2, false);
}

static void port61_device_free(void *opaque)
{
    port61_free(opaque);
}

PcPort61 *port61_new(I8254Pit *pit, Clock *clock, Log *log)
{
    PcPort61 *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->pit = pit;
    p->clock = clock;
    p->log = log;
    port61_reset(p);
    p->dev = (Device){.name = "port61", .reset = port61_reset, .fields = port61_fields, .state = p,
                      .opaque = p, .free = port61_device_free};
    return p;
}

void port61_free(PcPort61 *p)
{
    free(p);
}

Device *port61_device(PcPort61 *p)
{
    return &p->dev;
}
