/* Compiler helpers shared by every layer: attributes and tiny macros.
 * Nothing here has state; it is included by nearly every file. */
#ifndef JITPC_BASE_COMPILER_H
#define JITPC_BASE_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF_FMT(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* Each argument is evaluated once (a MAX(f(), x) once copied a kernel twice). */
#define MIN(a, b) ({ __typeof__(a) min_a_ = (a); __typeof__(b) min_b_ = (b); min_a_ < min_b_ ? min_a_ : min_b_; })
#define MAX(a, b) ({ __typeof__(a) max_a_ = (a); __typeof__(b) max_b_ = (b); max_a_ > max_b_ ? max_a_ : max_b_; })

/* Mask of the low `bytes` bytes of a 64-bit value (bytes = 1..8). */
static inline uint64_t size_mask(unsigned bytes)
{
    return bytes >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (bytes * 8)) - 1;
}

#endif
