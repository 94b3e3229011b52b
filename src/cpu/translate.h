/* The x86 front end: decode guest instructions and lower them to IR, one
 * block at a time. DisasContext carries the per-block state the lowering
 * files (lower_*.c) share; this header is their common vocabulary. */
#ifndef JITPC_CPU_TRANSLATE_H
#define JITPC_CPU_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cc_op.h"
#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "cpu/guest.h"
#include "translate/ir.h"
#include "translate/tb.h"

#define TRANSLATE_MAX_INSNS 64

typedef struct DisasContext DisasContext;
struct DisasContext {
    CpuState *cpu;
    IrBlock *b;
    const DecodedInsn *d;
    uint32_t pc;                /* EIP of the instruction being lowered */
    uint32_t next_pc;           /* EIP of the next one */
    uint32_t cs_base;
    uint32_t hflags;
    bool code32;                /* default operand/address size 32 */
    bool ss32;                  /* 32-bit stack pointer */
    bool pe, vm;
    CcOp cc_op;                 /* statically known, or CC_OP_DYNAMIC */
    bool ended;                 /* the block's exit has been emitted */
    /* Effective address of the current instruction's memory operand,
     * computed once (linear address, and the offset within its segment). */
    IrTemp ea_linear, ea_offset;
    bool ea_valid;
    /* Linear addresses made by gen_linear in this instruction, with their
     * segment and offset, so loads and stores can add the segment checks. */
    struct {
        IrTemp linear, offset;
        int seg;
    } segref[8];
    unsigned nsegref;
};

/* Build the block for `key` into tb->ir; false with `why` on a translator
 * failure (never for guest input: bad code becomes #UD/#GP/#PF ops). */
bool x86_translate_block(CpuState *cpu, TranslationBlock *tb, char *why, size_t why_len);

typedef CpuLowerFn LowerFn;
/* Fill the mnemonic -> lowering table (NULL: not implemented, #UD). */
void lower_table_init(LowerFn **table);

/* ---- shared lowering helpers (lower_common.c) ---- */
static inline IrTemp reg_global(int r) { return ir_global((unsigned)(G_EAX + r)); }
#define CPU_OFF(field) ((uint32_t)offsetof(CpuState, field))

IrTemp gen_tmp(DisasContext *s);
IrTemp gen_imm(DisasContext *s, uint32_t v);
/* Register `r` of `size` bytes (1: AL..BH), zero-extended. */
IrTemp gen_get_reg(DisasContext *s, int r, unsigned size);
void gen_set_reg(DisasContext *s, int r, unsigned size, IrTemp v);
/* Effective address of the ModRM memory operand (with segment). */
void gen_compute_ea(DisasContext *s);
/* The same with ESP as a base replaced by `esp` (POP m with an ESP base). */
void gen_compute_ea_esp(DisasContext *s, IrTemp esp);
IrTemp gen_seg_base(DisasContext *s, int seg);
/* Linear address seg:offset (offset already masked to the address size). */
IrTemp gen_linear(DisasContext *s, int seg, IrTemp offset);
IrTemp gen_load(DisasContext *s, IrTemp linear, unsigned size, bool sign);
void gen_store(DisasContext *s, IrTemp linear, IrTemp v, unsigned size);
/* The ModRM r/m operand (register or memory) of `size` bytes. */
IrTemp gen_ld_rm(DisasContext *s, unsigned size);
void gen_st_rm(DisasContext *s, unsigned size, IrTemp v);
/* Stack: push/pop with the current stack width. */
void gen_push(DisasContext *s, IrTemp v, unsigned size);
IrTemp gen_pop(DisasContext *s, unsigned size);
/* Record a flag-setting operation (lazy flags). */
void gen_set_cc(DisasContext *s, CcOp op, IrTemp dst, IrTemp src, IrTemp src2);
/* Materialize all six arithmetic flags (CC_ALL bits) into a temp. */
IrTemp gen_flags(DisasContext *s);
/* Flags now live in CC_OP_EFLAGS form with these six bits. */
void gen_set_flags_eflags(DisasContext *s, IrTemp flags);
/* Branch to `label` if x86 condition `cc` (0..15, Jcc numbering) holds. */
void gen_brcond_cc(DisasContext *s, unsigned cc, unsigned label);
/* 1 if condition `cc` holds, else 0. */
IrTemp gen_setcc(DisasContext *s, unsigned cc);
/* Block exits. */
void gen_jmp_to(DisasContext *s, uint32_t eip);          /* direct, chained */
void gen_jmp_indirect(DisasContext *s, IrTemp eip);
void gen_end_block(DisasContext *s);                      /* eip = next_pc, back to the loop */
/* Helper calls. */
void gen_helper(DisasContext *s, unsigned helper, IrTemp ret, unsigned nargs, ...);
void gen_exception(DisasContext *s, int vector);
/* #UD for an instruction jitpc does not implement (logged under -d unimp). */
void gen_unimplemented(DisasContext *s);
/* Generic operands (lower_operand.c): size, read, write of operand i. */
unsigned op_size(const DisasContext *s, unsigned i);
IrTemp gen_ld_op(DisasContext *s, unsigned i);
void gen_st_op(DisasContext *s, unsigned i, IrTemp v);
/* Mask an offset to the address or operand size. */
IrTemp gen_mask(DisasContext *s, IrTemp v, unsigned size);

#endif
