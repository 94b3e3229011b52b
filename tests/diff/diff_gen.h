/* Case generator of the host differential test: hand-written targeted cases
 * (diff_targeted.c) first, then random sequences of 1..16 instruction units
 * drawn from the template table (diff_templates.c) by the engine in
 * diff_gen.c. A case depends only on (seed, index), so any one can be rebuilt
 * alone for a reproducer. */
#ifndef JITPC_TESTS_DIFF_GEN_H
#define JITPC_TESTS_DIFF_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "diff_case.h"

/* Builds case `index` of the run `seed`: targeted for index <
 * diff_targeted_count(), random otherwise. */
void diff_gen_case(uint64_t seed, uint32_t index, DiffCase *c);

/* Builds a random case (whatever its index). */
void diff_gen_random(uint64_t seed, uint32_t index, DiffCase *c);

/* The template table, for --list-templates and the report. */
size_t diff_gen_template_count(void);
const char *diff_gen_template_name(size_t i);

#endif
