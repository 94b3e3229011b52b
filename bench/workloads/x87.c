/* x87 floating point (compiled for i686 without SSE, so every double
 * operation is an x87 instruction at the 80-bit precision Linux and FNINIT
 * both select): a polynomial, Newton square roots and divisions; the
 * checksum folds the result bits (pure computation: runs natively). */
#include <stdint.h>

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif
#define ITERS (1000000u * BENCH_SCALE)

uint32_t bench_kernel(void);
uint32_t bench_kernel(void)
{
    double acc = 0.0, x = 0.5;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < ITERS; i++) {
        x = x * 1.0000001 + 0.25 / (1.0 + (double)(i & 255));
        if (x > 1000.0)
            x -= 999.0;
        double p = ((x * 0.5 - 1.25) * x + 3.5) * x - 0.75;
        double r = x;                       /* Newton: r -> sqrt(x) */
        r = 0.5 * (r + x / r);
        r = 0.5 * (r + x / r);
        acc += p / (r + 1.0);
        union { double d; uint32_t w[2]; } u = { .d = acc };
        sum = (sum << 3 | sum >> 29) ^ u.w[0] ^ u.w[1];
    }
    return sum;
}
