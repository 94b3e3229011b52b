/* An IBM PS/2 (MF II) keyboard as seen from its serial link: the commands
 * the host sends (reset, identify, LEDs, scancode set, typematic, enable)
 * and the scancodes it produces for host key events. It sits behind an
 * 8042 (i8042.c), which pulls its bytes one at a time. See ps2_kbd.c.
 *
 * Key codes are USB HID usage IDs of the Keyboard/Keypad page (0x07), the
 * numbering SDL_Scancode also uses, so no front end's own codes leak into
 * the device: 0x04 = A ... 0x1D = Z, 0x28 = Enter, 0x48 = Pause,
 * 0xE0..0xE7 = the modifiers (HID Usage Tables, chapter 10). */
#ifndef JITPC_DEVICES_PS2_KBD_H
#define JITPC_DEVICES_PS2_KBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/input.h"
#include "base/log.h"
#include "devices/device.h"

/* A few HID usages the tests and front ends name. */
enum {
    PS2_KEY_A = 0x04,
    PS2_KEY_ENTER = 0x28,
    PS2_KEY_ESCAPE = 0x29,
    PS2_KEY_PRINTSCREEN = 0x46,
    PS2_KEY_PAUSE = 0x48,
    PS2_KEY_LEFT = 0x50,
    PS2_KEY_LCTRL = 0xE0,
    PS2_KEY_LSHIFT = 0xE1,
    PS2_KEY_LALT = 0xE2,
    PS2_KEY_RCTRL = 0xE4,
    PS2_KEY_RALT = 0xE6,
};

/* LED bits as the 0xED command carries them. */
#define PS2_KBD_LED_SCROLL 0x01
#define PS2_KBD_LED_NUM    0x02
#define PS2_KBD_LED_CAPS   0x04

/* Input-layer framing of key events: 2 bytes per event, the HID usage then
 * 1 (pressed) or 0 (released). */
#define PS2_KBD_EVENT_SIZE 2

typedef struct Ps2Kbd Ps2Kbd;

/* A keyboard in its power-on state (scancode set 2, scanning enabled).
 * `log` may be NULL. */
Ps2Kbd *ps2_kbd_new(const char *name, Log *log);
void ps2_kbd_free(Ps2Kbd *k);
/* The embedded Device (name, reset, field table, free = ps2_kbd_free). */
Device *ps2_kbd_device(Ps2Kbd *k);

/* Controller side. `notify` is called whenever the keyboard has queued a
 * byte, so the controller can pull it when its output buffer is free. */
void ps2_kbd_set_notify(Ps2Kbd *k, void (*notify)(void *opaque), void *opaque);
/* A byte from the host (controller) to the keyboard. */
void ps2_kbd_write(Ps2Kbd *k, uint8_t byte);
/* Bytes waiting to be sent to the controller. */
size_t ps2_kbd_pending(const Ps2Kbd *k);
/* Take the next byte; false when none is waiting. */
bool ps2_kbd_pop(Ps2Kbd *k, uint8_t *byte);

/* Host side: a key (HID usage) went down or up. Dropped while scanning is
 * disabled; unknown usages are logged under -d unimp and dropped. */
void ps2_kbd_key(Ps2Kbd *k, unsigned keycode, bool pressed);
/* The LED state last set by the guest (PS2_KBD_LED_*). */
uint8_t ps2_kbd_leds(const Ps2Kbd *k);
/* Called when the guest changes the LEDs (for a front end); may be NULL. */
void ps2_kbd_set_led_callback(Ps2Kbd *k, void (*cb)(void *opaque, uint8_t leds), void *opaque);
/* The current scancode set (1, 2 or 3). */
unsigned ps2_kbd_scancode_set(const Ps2Kbd *k);

/* A sink for an input-layer channel carrying PS2_KBD_EVENT_SIZE-byte
 * events; it takes events only while the keyboard has room for the
 * longest scancode sequence, so host keys wait in the input layer rather
 * than overrunning the keyboard. */
InputSink ps2_kbd_input_sink(Ps2Kbd *k);

/* The 8042's set 2 -> set 1 translation of one byte (no F0 handling: the
 * controller folds F0 xx into xx | 0x80 itself). Exposed so the keyboard
 * in set 1 and the controller use the same table. */
uint8_t ps2_set2_to_set1(uint8_t code);

#endif
