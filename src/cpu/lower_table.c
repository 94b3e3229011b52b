/* The mnemonic -> lowering function table, filled from each lower_*.c
 * file's registration function into the CPU state at cpu_init (no global
 * table). Mnemonics without an entry raise #UD and are logged under
 * -d unimp. */
#include "cpu/translate.h"

void lower_register_alu(LowerFn **t);
void lower_register_mov(LowerFn **t);
void lower_register_control(LowerFn **t);
void lower_register_stack(LowerFn **t);
void lower_register_bit(LowerFn **t);
void lower_register_string(LowerFn **t);
void lower_register_misc(LowerFn **t);
void lower_register_atomic(LowerFn **t);
void lower_register_sys(LowerFn **t);
void lower_register_debug(LowerFn **t);
void lower_register_x87(LowerFn **t);
void lower_register_sse(LowerFn **t);

void lower_table_init(LowerFn **t)
{
    for (unsigned i = 0; i < MN_COUNT; i++)
        t[i] = NULL;
    lower_register_alu(t);
    lower_register_mov(t);
    lower_register_control(t);
    lower_register_stack(t);
    lower_register_bit(t);
    lower_register_string(t);
    lower_register_misc(t);
    lower_register_atomic(t);
    lower_register_sys(t);
    lower_register_debug(t);
    lower_register_x87(t);
    lower_register_sse(t);
}
