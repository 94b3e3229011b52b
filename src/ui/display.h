/* Display front ends. Everything works headless (-display none); the SDL
 * window (-display sdl) shows the guest's screen once a display device
 * exists (VGA arrives with the PC platform), and closing it ends the run
 * as closing QEMU's window does. */
#ifndef JITPC_UI_DISPLAY_H
#define JITPC_UI_DISPLAY_H

#include <stdbool.h>

#include "base/error.h"

typedef struct Display Display;

/* Open an SDL window; fails with one line when no video device is usable
 * (no X11/Wayland display). */
Display *display_open_sdl(const char *title, Error *err);
/* Handle window events and redraw; false once the user closed the window. */
bool display_poll(Display *d);
void display_close(Display *d);

#endif
