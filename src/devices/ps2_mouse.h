/* A PS/2 mouse (with the IntelliMouse wheel extension) as seen from its
 * serial link: host commands and movement packets. It sits behind the
 * 8042's auxiliary port (i8042.c), which pulls its bytes one at a time.
 * See ps2_mouse.c. */
#ifndef JITPC_DEVICES_PS2_MOUSE_H
#define JITPC_DEVICES_PS2_MOUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/input.h"
#include "base/log.h"
#include "devices/device.h"

/* Button bits of ps2_mouse_move (the order of the packet's first byte). */
#define PS2_MOUSE_LEFT   0x01
#define PS2_MOUSE_RIGHT  0x02
#define PS2_MOUSE_MIDDLE 0x04

/* Input-layer framing of mouse events: 6 bytes per event: buttons, dx
 * (int16 little-endian), dy (int16 LE), dz (int8); same meaning as the
 * arguments of ps2_mouse_move. */
#define PS2_MOUSE_EVENT_SIZE 6

typedef struct Ps2Mouse Ps2Mouse;

/* A mouse in its power-on state (stream mode, reporting disabled, 100
 * samples/s, 4 counts/mm, ID 0). `log` may be NULL. */
Ps2Mouse *ps2_mouse_new(const char *name, Log *log);
void ps2_mouse_free(Ps2Mouse *m);
/* The embedded Device (name, reset, field table, free = ps2_mouse_free). */
Device *ps2_mouse_device(Ps2Mouse *m);

/* Controller side, as for the keyboard (ps2_kbd.h). */
void ps2_mouse_set_notify(Ps2Mouse *m, void (*notify)(void *opaque), void *opaque);
void ps2_mouse_write(Ps2Mouse *m, uint8_t byte);
size_t ps2_mouse_pending(const Ps2Mouse *m);
bool ps2_mouse_pop(Ps2Mouse *m, uint8_t *byte);

/* Host side: relative motion in host screen terms (dx > 0 right, dy > 0
 * down, dz > 0 wheel turned towards the user) and the buttons now held
 * (PS2_MOUSE_*). Produces a packet when reporting is enabled in stream
 * mode; in remote mode the motion accumulates for 0xEB. */
void ps2_mouse_move(Ps2Mouse *m, int dx, int dy, int dz, unsigned buttons);
/* The device ID 0xF2 reports: 0, or 3 after the IntelliMouse sequence. */
uint8_t ps2_mouse_id(const Ps2Mouse *m);

/* A sink for an input-layer channel carrying PS2_MOUSE_EVENT_SIZE-byte
 * events; like the keyboard's, it takes events only while a whole packet
 * fits in the mouse's buffer. */
InputSink ps2_mouse_input_sink(Ps2Mouse *m);

#endif
