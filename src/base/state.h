/* Save/load of device and CPU state through field tables (DESIGN.md
 * invariant 6). A table lists the fields of one struct; the same table
 * drives saving, loading and (later) snapshot diffing.
 *
 * Stream format, per field: u16 name length, name bytes, u32 payload
 * length, payload (integers little-endian). Loading checks each name and
 * length against the table, so a snapshot from a different layout fails
 * with a message naming the field instead of loading garbage. */
#ifndef JITPC_BASE_STATE_H
#define JITPC_BASE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef enum FieldType {
    FIELD_UINT,         /* unsigned integer of 1, 2, 4 or 8 bytes (also bool) */
    FIELD_INT,          /* signed integer of 1, 2, 4 or 8 bytes */
    FIELD_BYTES,        /* raw byte array */
    FIELD_TIMER,        /* Timer * : its deadline is saved, re-armed on load */
} FieldType;

typedef struct StateField {
    const char *name;   /* NULL ends the table */
    size_t offset;
    uint32_t size;
    FieldType type;
} StateField;

#define STATE_FIELD_SIZE(type, f) ((uint32_t)sizeof(((type *)0)->f))
#define STATE_UINT(type, f) {#f, offsetof(type, f), STATE_FIELD_SIZE(type, f), FIELD_UINT}
#define STATE_INT(type, f) {#f, offsetof(type, f), STATE_FIELD_SIZE(type, f), FIELD_INT}
#define STATE_BOOL(type, f) STATE_UINT(type, f)
#define STATE_BYTES(type, f) {#f, offsetof(type, f), STATE_FIELD_SIZE(type, f), FIELD_BYTES}
#define STATE_TIMER(type, f) {#f, offsetof(type, f), 8, FIELD_TIMER}
#define STATE_END {NULL, 0, 0, FIELD_UINT}

typedef struct StateWriter {
    uint8_t *buf;
    size_t len, cap;
} StateWriter;

typedef struct StateReader {
    const uint8_t *buf;
    size_t len, pos;
} StateReader;

void state_writer_init(StateWriter *w);
void state_writer_free(StateWriter *w);
/* Append every field of `obj` described by `fields`. */
void state_save(StateWriter *w, const StateField *fields, const void *obj);
/* Read the fields back into `obj`; fails (leaving `obj` partly loaded) on a
 * name or size mismatch or a truncated stream. `what` names the owner. */
bool state_load(StateReader *r, const StateField *fields, void *obj, const char *what, Error *err);

#endif
