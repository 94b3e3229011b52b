/* NS16550A UART (a PC COM port): eight byte-wide registers behind IoOps,
 * 16-byte receive FIFO, IRQ gated by MCR.OUT2, host side through a Chardev.
 * Behaviour follows the National/TI PC16550D datasheet; see uart_16550.c.
 * The board maps uart_io_ops at the port base (0x3F8, 0x2F8, ...) and adds
 * uart_device() to its DeviceList. */
#ifndef JITPC_DEVICES_UART_16550_H
#define JITPC_DEVICES_UART_16550_H

#include <stddef.h>
#include <stdint.h>

#include "base/chardev.h"
#include "base/clock.h"
#include "base/irq.h"
#include "base/log.h"
#include "devices/device.h"
#include "mmu/memory.h"

typedef struct Uart16550 Uart16550;

/* A UART in its power-on state. `chr` may be NULL (no host side: output
 * dropped, no input); otherwise the UART installs itself as the chardev's
 * input sink. The chardev stays owned by the caller and must outlive the
 * UART. `log` may be NULL. */
Uart16550 *uart_new(const char *name, Clock *clock, IrqLine irq, Chardev *chr, Log *log);
/* Detach from the chardev, free the timer and the UART; NULL is accepted. */
void uart_free(Uart16550 *u);

/* The register file: 8 byte-wide registers; opaque = the Uart16550. */
extern const IoOps uart_io_ops;

/* The embedded Device (name, reset, field table, free = uart_free). */
Device *uart_device(Uart16550 *u);

/* How many host bytes the receiver can take now without an overrun. */
size_t uart_can_receive(Uart16550 *u);
/* Host bytes arriving on the serial input (SIN). Bytes beyond
 * uart_can_receive() overrun as they would on the wire. */
void uart_receive(Uart16550 *u, const uint8_t *buf, size_t len);

/* Master reset (the MR pin): registers to the datasheet's reset values. */
void uart_reset(Uart16550 *u);

#endif
