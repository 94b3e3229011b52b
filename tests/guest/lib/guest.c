/* The guest runtime behind guest.h: debug console output, a freestanding
 * printf and guest_exit. Kept tiny and integer-only so that it runs on an
 * early CPU core (no x87, no SSE, no 64-bit division helpers). */
#include "guest.h"

void debug_putc(char c)
{
    outb(GUEST_DEBUGCON_PORT, (uint8_t)c);
}

void debug_puts(const char *s)
{
    while (*s)
        debug_putc(*s++);
}

/* Print s padded to width; zero padding goes after a leading '-'. */
static void debug_put_padded(const char *s, unsigned len, unsigned width, char pad)
{
    if (pad == '0' && *s == '-') {
        debug_putc('-');
        s++;
        len--;
        width = width ? width - 1 : 0;
    }
    for (unsigned i = len; i < width; i++)
        debug_putc(pad);
    for (unsigned i = 0; i < len; i++)
        debug_putc(s[i]);
}

static unsigned format_unsigned(char *end, uint32_t v, unsigned base)
{
    static const char digits[] = "0123456789abcdef";
    char *p = end;
    do {
        *--p = digits[v % base];
        v /= base;
    } while (v);
    return (unsigned)(end - p);
}

void debug_vprintf(const char *fmt, va_list ap)
{
    char buf[16];
    char *end = buf + sizeof(buf);

    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            debug_putc(*f);
            continue;
        }
        const char *start = f++;
        char pad = ' ';
        unsigned width = 0;
        if (*f == '0') {
            pad = '0';
            f++;
        }
        while (*f >= '0' && *f <= '9')
            width = width * 10 + (unsigned)(*f++ - '0');

        unsigned len;
        switch (*f) {
        case 'c':
            buf[0] = (char)va_arg(ap, int);
            debug_put_padded(buf, 1, width, ' ');
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            for (len = 0; s[len]; len++)
                ;
            debug_put_padded(s, len, width, ' ');
            break;
        }
        case 'd': {
            int32_t v = va_arg(ap, int32_t);
            /* Negate in unsigned arithmetic: -INT32_MIN overflows int32_t. */
            uint32_t mag = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
            len = format_unsigned(end, mag, 10);
            if (v < 0) {
                end[-(int)len - 1] = '-';
                len++;
            }
            debug_put_padded(end - len, len, width, pad);
            break;
        }
        case 'u':
            len = format_unsigned(end, va_arg(ap, uint32_t), 10);
            debug_put_padded(end - len, len, width, pad);
            break;
        case 'x':
            len = format_unsigned(end, va_arg(ap, uint32_t), 16);
            debug_put_padded(end - len, len, width, pad);
            break;
        case '%':
            debug_putc('%');
            break;
        default:
            /* Echo what we do not understand so the output mismatch shows it. */
            for (const char *p = start; p <= f && *p; p++)
                debug_putc(*p);
            if (!*f)
                return;
            break;
        }
    }
}

void debug_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    debug_vprintf(fmt, ap);
    va_end(ap);
}

void guest_exit(uint32_t v)
{
    outl(GUEST_EXIT_PORT, v);
    for (;;)
        __asm__ volatile("cli; hlt");
}
