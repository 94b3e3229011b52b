/* Self-modifying code: a 4 KiB page holds a small function
 * `mov $imm, %eax; add %ecx, %eax; ... ret`; every iteration rewrites its
 * immediates and calls it, so each call runs code that changed since it was
 * last translated (guest only: the host maps no writable code). */
#include <stdint.h>

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif
#define ITERS (450000u * BENCH_SCALE)

static uint8_t code[4096] __attribute__((aligned(4096)));

uint32_t bench_kernel(void);
uint32_t bench_kernel(void)
{
    static const uint8_t tmpl[] = {
        0xb8, 0, 0, 0, 0,           /* mov $imm, %eax */
        0x01, 0xc8,                 /* add %ecx, %eax */
        0xc1, 0xc0, 5,              /* rol $5, %eax */
        0x35, 0, 0, 0, 0,           /* xor $imm, %eax */
        0x0f, 0xaf, 0xc1,           /* imul %ecx, %eax */
        0xc3,                       /* ret */
    };
    for (unsigned i = 0; i < sizeof(tmpl); i++)
        code[i] = tmpl[i];
    uint32_t acc = 0x1234;
    for (uint32_t i = 0; i < ITERS; i++) {
        *(volatile uint32_t *)&code[1] = i * 0x9e3779b9u;
        *(volatile uint32_t *)&code[11] = acc;
        uint32_t r, c = acc | 1;
        __asm__ volatile("call *%2" : "=a"(r), "+c"(c) : "r"(code) : "edx", "memory");
        acc += r;
    }
    return acc;
}
