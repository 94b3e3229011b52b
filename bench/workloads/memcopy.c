/* Memory copy and checksum over 2 x 2 MiB buffers (the guest runs it with
 * paging on, 4 KiB pages): a C word loop, `rep movsl`, and a summing pass
 * (pure computation: runs natively). */
#include <stdint.h>

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif
#define WORDS (512u * 1024u)    /* 2 MiB per buffer */
#define ROUNDS (4u * BENCH_SCALE)

static uint32_t src[WORDS] __attribute__((aligned(4096)));
static uint32_t dst[WORDS] __attribute__((aligned(4096)));

uint32_t bench_kernel(void);
uint32_t bench_kernel(void)
{
    uint32_t x = 1, sum = 0;
    for (uint32_t i = 0; i < WORDS; i++) {
        x = x * 1664525u + 1013904223u;
        src[i] = x;
    }
    for (uint32_t r = 0; r < ROUNDS; r++) {
        for (uint32_t i = 0; i < WORDS; i++)
            dst[i] = src[i] + r;
        for (uint32_t i = 0; i < WORDS; i++)
            sum = (sum << 1 | sum >> 31) ^ dst[i];
        uint32_t n = WORDS;
        void *s = dst, *d = src;
        __asm__ volatile("rep movsl" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
        for (uint32_t i = 0; i < WORDS; i += 2)
            sum += src[i] ^ src[i + 1];
    }
    return sum;
}
