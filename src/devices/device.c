/* The machine's device list: reset, free, save/load in order. */
#include "devices/device.h"

#include <string.h>

void device_list_init(DeviceList *l)
{
    l->head = NULL;
    l->tail = &l->head;
}

void device_list_add(DeviceList *l, Device *d)
{
    d->next = NULL;
    *l->tail = d;
    l->tail = &d->next;
}

void device_list_reset(DeviceList *l)
{
    for (Device *d = l->head; d; d = d->next)
        if (d->reset)
            d->reset(d->opaque);
}

void device_list_free(DeviceList *l)
{
    Device *d = l->head;
    while (d) {
        Device *next = d->next;
        if (d->free)
            d->free(d->opaque);
        d = next;
    }
    device_list_init(l);
}

Device *device_list_find(DeviceList *l, const char *name)
{
    for (Device *d = l->head; d; d = d->next)
        if (!strcmp(d->name, name))
            return d;
    return NULL;
}

void device_list_save(DeviceList *l, StateWriter *w)
{
    for (Device *d = l->head; d; d = d->next)
        if (d->fields)
            state_save(w, d->fields, d->state);
}

bool device_list_load(DeviceList *l, StateReader *r, Error *err)
{
    for (Device *d = l->head; d; d = d->next)
        if (d->fields && !state_load(r, d->fields, d->state, d->name, err))
            return false;
    return true;
}
