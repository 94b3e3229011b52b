/* What every device offers the machine: a name, a reset, and a field table
 * for save/load (DESIGN.md invariant 6). A device embeds a Device and the
 * board links it into the machine's DeviceList. Devices reach the rest of
 * the machine only through what they are given at creation: address
 * spaces, IRQ lines, the clock, character devices, the log, the run state. */
#ifndef JITPC_DEVICES_DEVICE_H
#define JITPC_DEVICES_DEVICE_H

#include <stdbool.h>

#include "base/error.h"
#include "base/state.h"

typedef struct Device {
    const char *name;               /* instance name, e.g. "serial0" */
    void (*reset)(void *opaque);    /* power-on / system reset state */
    const StateField *fields;       /* NULL-terminated, relative to `state` */
    void *state;                    /* base of the field table (usually the device) */
    void *opaque;                   /* passed to reset */
    void (*free)(void *opaque);     /* release the device; may be NULL */
    struct Device *next;
} Device;

typedef struct DeviceList {
    Device *head;
    Device **tail;
} DeviceList;

void device_list_init(DeviceList *l);
void device_list_add(DeviceList *l, Device *d);
/* Reset every device in registration order. */
void device_list_reset(DeviceList *l);
/* Free every device (in reverse is not needed: devices own no peers). */
void device_list_free(DeviceList *l);
Device *device_list_find(DeviceList *l, const char *name);

/* Save or load every device's fields, in order. */
void device_list_save(DeviceList *l, StateWriter *w);
bool device_list_load(DeviceList *l, StateReader *r, Error *err);

#endif
