/* Integer arithmetic: add, sub, multiply, divide, shifts, rotates and a
 * data-dependent branch on a few registers (pure computation: runs natively). */
#include <stdint.h>

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif
#define ITERS (3600000u * BENCH_SCALE)

uint32_t bench_kernel(void);
uint32_t bench_kernel(void)
{
    uint32_t a = 0x12345678, b = 0x9abcdef1, c = 7, d = 0;
    for (uint32_t i = 0; i < ITERS; i++) {
        a = a * 1103515245u + 12345u;
        b ^= a >> 7;
        b = (b << 5) | (b >> 27);
        c += (a & 0xff) / ((b & 7) + 1);
        if (b & 0x100)
            d += c - i;
        else
            d ^= a + (c << 3);
    }
    return a ^ b ^ c ^ d;
}
