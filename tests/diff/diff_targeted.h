/* Hand-written cases of the host differential test: the corners random
 * sequences reach rarely (flags after a shift by 0, ADC with a carry in, IDIV
 * of the minimum by -1, AAM 0, bit offsets outside the operand...). Each has
 * a known answer worked out from the SDM, which the native self-test checks so
 * the harness itself is proven; in a differential run they are cases
 * 0..diff_targeted_count()-1. */
#ifndef JITPC_TESTS_DIFF_TARGETED_H
#define JITPC_TESTS_DIFF_TARGETED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diff_case.h"

unsigned diff_targeted_count(void);

/* Builds targeted case `index` (< diff_targeted_count()). */
void diff_targeted_build(uint64_t seed, uint32_t index, DiffCase *c);

/* Compares a state with the case's known answer; false with a reason in
 * `why` on the first difference. */
bool diff_targeted_check(uint32_t index, const DiffState *s, char *why, size_t len);

#endif
