/* Function calls and indirect branches: recursion (direct call/ret), a
 * table of function pointers indexed by data, and a switch that compiles
 * to a jump table (pure computation: runs natively). */
#include <stdint.h>

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif
#define ITERS (1500000u * BENCH_SCALE)

typedef uint32_t (*Op)(uint32_t, uint32_t);

static __attribute__((noinline)) uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static __attribute__((noinline)) uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ (b << 1); }
static __attribute__((noinline)) uint32_t op_mul(uint32_t a, uint32_t b) { return a * (b | 1); }
static __attribute__((noinline)) uint32_t op_rot(uint32_t a, uint32_t b) { return (a << (b & 31)) | (a >> ((32 - b) & 31)); }
static __attribute__((noinline)) uint32_t op_sub(uint32_t a, uint32_t b) { return a - b; }
static __attribute__((noinline)) uint32_t op_or(uint32_t a, uint32_t b) { return a | (b >> 3); }
static __attribute__((noinline)) uint32_t op_and(uint32_t a, uint32_t b) { return a & ~b; }
static __attribute__((noinline)) uint32_t op_neg(uint32_t a, uint32_t b) { return b - a; }

static Op const volatile ops[8] = { op_add, op_xor, op_mul, op_rot, op_sub, op_or, op_and, op_neg };

static __attribute__((noinline)) uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static __attribute__((noinline)) uint32_t dispatch(uint32_t k, uint32_t v)
{
    switch (k & 15) {
    case 0: return v + 1;
    case 1: return v * 3;
    case 2: return v ^ 0x55aa55aa;
    case 3: return v >> 1;
    case 4: return v << 2;
    case 5: return ~v;
    case 6: return v - 7;
    case 7: return v | 0x100;
    case 8: return v & 0xfffff;
    case 9: return v + k;
    case 10: return v * 5 + 1;
    case 11: return v ^ k;
    case 12: return v + (v >> 4);
    case 13: return v - (v << 2);
    case 14: return v ^ (v >> 9);
    default: return v + 0x1234567;
    }
}

uint32_t bench_kernel(void);
uint32_t bench_kernel(void)
{
    uint32_t acc = 1, x = 0xdeadbeef;
    for (uint32_t i = 0; i < ITERS; i++) {
        x = x * 1103515245u + 12345u;
        acc = ops[(x >> 16) & 7](acc, x);
        acc = dispatch(x >> 20, acc);
    }
    for (uint32_t r = 0; r < BENCH_SCALE; r++)
        acc += fib(20 + (acc & 1));
    return acc;
}
