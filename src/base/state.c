/* Field-table save/load; see state.h for the stream format. */
#include "base/state.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"

void state_writer_init(StateWriter *w)
{
    memset(w, 0, sizeof(*w));
}

void state_writer_free(StateWriter *w)
{
    free(w->buf);
    memset(w, 0, sizeof(*w));
}

static void put_bytes(StateWriter *w, const void *p, size_t n)
{
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        w->buf = realloc(w->buf, cap);
        if (!w->buf)
            abort();
        w->cap = cap;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void put_le(StateWriter *w, uint64_t v, unsigned size)
{
    uint8_t b[8];
    for (unsigned i = 0; i < size; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put_bytes(w, b, size);
}

static uint64_t load_uint(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1: return *p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void store_uint(uint8_t *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *p = (uint8_t)v; break;
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

void state_save(StateWriter *w, const StateField *fields, const void *obj)
{
    const uint8_t *base = obj;
    for (const StateField *f = fields; f->name; f++) {
        size_t nlen = strlen(f->name);
        put_le(w, nlen, 2);
        put_bytes(w, f->name, nlen);
        put_le(w, f->size, 4);
        switch (f->type) {
        case FIELD_UINT:
        case FIELD_INT:
            put_le(w, load_uint(base + f->offset, f->size), f->size);
            break;
        case FIELD_BYTES:
            put_bytes(w, base + f->offset, f->size);
            break;
        case FIELD_TIMER: {
            Timer *t;
            memcpy(&t, base + f->offset, sizeof(t));
            put_le(w, (uint64_t)timer_deadline(t), 8);
            break;
        }
        }
    }
}

static bool get(StateReader *r, void *p, size_t n)
{
    if (r->len - r->pos < n)
        return false;
    memcpy(p, r->buf + r->pos, n);
    r->pos += n;
    return true;
}

static bool get_le(StateReader *r, uint64_t *v, unsigned size)
{
    uint8_t b[8];
    if (!get(r, b, size))
        return false;
    *v = 0;
    for (unsigned i = 0; i < size; i++)
        *v |= (uint64_t)b[i] << (8 * i);
    return true;
}

bool state_load(StateReader *r, const StateField *fields, void *obj, const char *what, Error *err)
{
    uint8_t *base = obj;
    for (const StateField *f = fields; f->name; f++) {
        uint64_t nlen, size, v;
        char name[256];
        if (!get_le(r, &nlen, 2) || nlen >= sizeof(name) || !get(r, name, nlen)) {
            error_setf(err, "%s: state truncated before field '%s'", what, f->name);
            return false;
        }
        name[nlen] = 0;
        if (strcmp(name, f->name)) {
            error_setf(err, "%s: expected field '%s', found '%s'", what, f->name, name);
            return false;
        }
        if (!get_le(r, &size, 4) || size != f->size) {
            error_setf(err, "%s: field '%s' has the wrong size", what, f->name);
            return false;
        }
        switch (f->type) {
        case FIELD_UINT:
        case FIELD_INT:
            if (!get_le(r, &v, f->size))
                goto truncated;
            store_uint(base + f->offset, f->size, v);
            break;
        case FIELD_BYTES:
            if (!get(r, base + f->offset, f->size))
                goto truncated;
            break;
        case FIELD_TIMER: {
            Timer *t;
            if (!get_le(r, &v, 8))
                goto truncated;
            memcpy(&t, base + f->offset, sizeof(t));
            if ((int64_t)v == CLOCK_NEVER)
                timer_del(t);
            else
                timer_mod(t, (int64_t)v);
            break;
        }
        }
    }
    return true;
truncated:
    error_setf(err, "%s: state truncated in a field", what);
    return false;
}
