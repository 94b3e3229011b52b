/* IRQ lines: a tiny handle a device drives and an interrupt controller (or
 * a test spy) receives. A line with no handler is simply not connected. */
#ifndef JITPC_BASE_IRQ_H
#define JITPC_BASE_IRQ_H

#include <stdbool.h>

typedef void IrqHandler(void *opaque, int n, bool level);

typedef struct IrqLine {
    IrqHandler *handler;    /* NULL: not connected */
    void *opaque;
    int n;                  /* input number at the receiver (e.g. PIC pin) */
} IrqLine;

static inline IrqLine irq_line(IrqHandler *handler, void *opaque, int n)
{
    return (IrqLine){handler, opaque, n};
}

static inline void irq_set(IrqLine line, bool level)
{
    if (line.handler)
        line.handler(line.opaque, line.n, level);
}

static inline void irq_raise(IrqLine line) { irq_set(line, true); }
static inline void irq_lower(IrqLine line) { irq_set(line, false); }

/* An edge: raise then lower (edge-triggered inputs latch the rising edge). */
static inline void irq_pulse(IrqLine line)
{
    irq_set(line, true);
    irq_set(line, false);
}

#endif
