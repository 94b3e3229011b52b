/* A sorting kernel: heap sort of 16 K pseudo-random words, then a
 * check that the array is ordered (pure computation: runs natively). */
#include <stdint.h>

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif
#define N 16384u
#define ROUNDS (6u * BENCH_SCALE)

static uint32_t a[N];

static void sift_down(uint32_t *v, uint32_t root, uint32_t end)
{
    while (2 * root + 1 < end) {
        uint32_t child = 2 * root + 1;
        if (child + 1 < end && v[child] < v[child + 1])
            child++;
        if (v[root] >= v[child])
            return;
        uint32_t t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

static void heap_sort(uint32_t *v, uint32_t n)
{
    for (uint32_t i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (uint32_t end = n - 1; end > 0; end--) {
        uint32_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift_down(v, 0, end);
    }
}

uint32_t bench_kernel(void);
uint32_t bench_kernel(void)
{
    uint32_t x = 12345, sum = 0;
    for (uint32_t r = 0; r < ROUNDS; r++) {
        for (uint32_t i = 0; i < N; i++) {
            x = x * 1664525u + 1013904223u;
            a[i] = x >> (r & 7);
        }
        heap_sort(a, N);
        for (uint32_t i = 1; i < N; i++)
            if (a[i - 1] > a[i])
                return 0xbad;
        for (uint32_t i = 0; i < N; i += 64)
            sum = sum * 31 + a[i];
    }
    return sum;
}
