/* SSE2 (intrinsics, compiled with -msse2 -mfpmath=sse): packed double
 * multiply-add and square root, packed 32-bit integer arithmetic and
 * shuffles over 8 KiB arrays (pure computation: runs natively). */
#include <emmintrin.h>
#include <stdint.h>

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif
#define N 1024u                 /* doubles per array */
#define ROUNDS (3000u * BENCH_SCALE)

static double xa[N] __attribute__((aligned(16)));
static uint32_t ia[N] __attribute__((aligned(16)));

uint32_t bench_kernel(void);
uint32_t bench_kernel(void)
{
    for (uint32_t i = 0; i < N; i++) {
        xa[i] = 1.0 + (double)i / 7.0;
        ia[i] = i * 2654435761u;
    }
    __m128d k = _mm_set1_pd(0.999), c = _mm_set1_pd(0.5);
    __m128i m = _mm_set1_epi32(0x9e3779b9), hi = _mm_setzero_si128();
    for (uint32_t r = 0; r < ROUNDS; r++) {
        for (uint32_t i = 0; i < N; i += 2) {
            __m128d v = _mm_load_pd(&xa[i]);
            v = _mm_add_pd(_mm_mul_pd(v, k), _mm_sqrt_pd(_mm_add_pd(v, c)));
            _mm_store_pd(&xa[i], _mm_mul_pd(v, _mm_set1_pd(0.5)));
        }
        for (uint32_t i = 0; i < N; i += 4) {
            __m128i v = _mm_load_si128((const __m128i *)&ia[i]);
            v = _mm_add_epi32(_mm_xor_si128(v, m), _mm_slli_epi32(v, 3));
            v = _mm_shuffle_epi32(v, 0x39);
            hi = _mm_add_epi64(hi, _mm_mul_epu32(v, m));
            _mm_store_si128((__m128i *)&ia[i], _mm_sub_epi32(v, _mm_srli_epi32(v, 11)));
        }
    }
    uint32_t sum = (uint32_t)_mm_cvtsi128_si32(hi) ^ (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(hi, 8));
    for (uint32_t i = 0; i < N; i++) {
        union { double d; uint32_t w[2]; } u = { .d = xa[i] };
        sum = (sum << 5 | sum >> 27) ^ u.w[0] ^ u.w[1] ^ ia[i];
    }
    return sum;
}
