/* The x87 FPU state machine around the portable float library: the
 * register stack (TOP, tag word), status and control words, exception
 * masking and the ES summary, the saved-state layouts (FSTENV/FSAVE in
 * their 16/32-bit real and protected forms, FXSAVE), reset, and the MMX
 * aliasing hooks. The helpers translated x87 code calls are in fpu.c too.
 * References: Intel SDM Vol. 1 ch. 8 (x87), §10.5 (FXSAVE), Vol. 3A §9.2
 * (FPU initialization), Table 9-1 (state after power-up and INIT). */
#ifndef JITPC_CPU_FPU_H
#define JITPC_CPU_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Status word bits (SDM Vol. 1 Figure 8-4). */
#define FSW_IE (1u << 0)
#define FSW_DE (1u << 1)
#define FSW_ZE (1u << 2)
#define FSW_OE (1u << 3)
#define FSW_UE (1u << 4)
#define FSW_PE (1u << 5)
#define FSW_SF (1u << 6)        /* stack fault (with IE) */
#define FSW_ES (1u << 7)        /* error summary: an unmasked exception is pending */
#define FSW_C0 (1u << 8)
#define FSW_C1 (1u << 9)
#define FSW_C2 (1u << 10)
#define FSW_TOP_SHIFT 11
#define FSW_C3 (1u << 14)
#define FSW_B (1u << 15)        /* busy: mirrors ES on the 387 and later */
#define FSW_CC (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)
#define FSW_EXC 0x3Fu

/* Control word (Figure 8-6): exception masks in bits 0-5 (same positions
 * as the flags), precision control 9:8, rounding control 11:10. */
#define FCW_INIT 0x037Fu
#define MXCSR_INIT 0x1F80u
/* MXCSR_MASK as FXSAVE reports it: all 16 bits, DAZ (bit 6) included, as
 * on the Pentium 4 and the later Pentium III steppings (SDM Vol. 1
 * §11.6.6). FXRSTOR/LDMXCSR with bits outside it raise #GP(0). */
#define MXCSR_MASK 0xFFFFu

/* Tags (2 bits per physical register). */
enum { FPU_TAG_VALID, FPU_TAG_ZERO, FPU_TAG_SPECIAL, FPU_TAG_EMPTY };

/* power_on = false: the FNINIT state (FCW 037F, FSW 0, all empty,
 * pointers and FOP 0; registers and XMM kept) with MXCSR 1F80.
 * power_on = true: the power-up / RESET state of Table 9-1 (FCW 0040,
 * FTW 5555: every register +0.0 and tagged zero, MXCSR 1F80, XMM 0).
 * (The FNINIT instruction itself leaves MXCSR alone; an INIT# signal
 * keeps x87 and SSE state, Table 9-1.) Does not longjmp. */
void fpu_reset(FpuState *f, bool power_on);

/* MMX entry: TOP = 0 and every tag valid (SDM Vol. 1 §9.5.1); EMMS
 * tags every register empty. Do not longjmp. */
void fpu_mmx_enter(FpuState *f);
void fpu_mmx_emms(FpuState *f);

/* The status word with TOP merged in, and its inverse. */
uint16_t fpu_get_fsw(const FpuState *f);
void fpu_set_fsw(FpuState *f, uint16_t fsw);
/* The class tag of a register's contents (valid, zero or special). */
unsigned fpu_tag_of(Float80 v);
/* The tag word as FSTENV stores it: empty registers stay empty, the
 * others are re-classified from their contents (SDM Vol. 1 §8.1.7). */
uint16_t fpu_get_ftw(const FpuState *f);
/* FXSAVE's abridged tag byte (1 = not empty, per physical register) and
 * its expansion back to the full tag word. */
uint8_t fpu_get_abridged_ftw(const FpuState *f);
void fpu_set_abridged_ftw(FpuState *f, uint8_t tw);

/* ST(i) and its tag. */
static inline unsigned fpu_phys(const FpuState *f, unsigned i)
{
    return (f->top + i) & 7;
}
static inline bool fpu_empty(const FpuState *f, unsigned i)
{
    return ((f->ftw >> (2 * fpu_phys(f, i))) & 3) == FPU_TAG_EMPTY;
}
void fpu_set_st(FpuState *f, unsigned i, Float80 v);
void fpu_free_st(FpuState *f, unsigned i);

/* Saved-state images (memory accesses through cpu_ld/cpu_st at linear
 * `addr`; they may raise #PF/#GP and longjmp). `op32` picks the 32-bit
 * layout; real mode and virtual-8086 mode use the real-mode layouts. */
void fpu_store_env(CpuState *cpu, uint32_t addr, bool op32);
void fpu_load_env(CpuState *cpu, uint32_t addr, bool op32);
void fpu_fsave(CpuState *cpu, uint32_t addr, bool op32);   /* FNSAVE: image, then FNINIT */
void fpu_frstor(CpuState *cpu, uint32_t addr, bool op32);
void fpu_fxsave(CpuState *cpu, uint32_t addr);             /* #GP(0) unless 16-byte aligned */
void fpu_fxrstor(CpuState *cpu, uint32_t addr);

/* What lower_x87.c tells the x87 helpers about an instruction (argument
 * a0; a1 is the memory operand's linear address, a2 its offset in the
 * segment, a3 the instruction's EIP). */
enum {
    X87_FMT_NONE, X87_FMT_F32, X87_FMT_F64, X87_FMT_F80, X87_FMT_I16, X87_FMT_I32, X87_FMT_I64, X87_FMT_BCD,
    X87_FMT_W16,                /* FLDCW, FNSTCW, FNSTSW m16 */
    X87_FMT_BLOCK,              /* environment, state, FXSAVE area */
};
#define X87_DESC(mn, sti, fmt, seg, op32, cond, fop, segcheck, dst_sti) \
    ((uint64_t)(mn) | (uint64_t)(sti) << 10 | (uint64_t)(fmt) << 13 | (uint64_t)(seg) << 18 | \
     (uint64_t)(op32) << 21 | (uint64_t)(cond) << 22 | (uint64_t)(fop) << 32 | (uint64_t)(segcheck) << 44 | \
     (uint64_t)(dst_sti) << 45)
#define X87_DESC_MN(d) ((unsigned)((d) & 0x3FF))
#define X87_DESC_STI(d) ((unsigned)((d) >> 10) & 7)
#define X87_DESC_FMT(d) ((unsigned)((d) >> 13) & 0xF)
#define X87_DESC_SEG(d) ((unsigned)((d) >> 18) & 7)         /* 7: no memory operand */
#define X87_DESC_OP32(d) ((unsigned)((d) >> 21) & 1)
#define X87_DESC_COND(d) ((unsigned)((d) >> 22) & 0xF)
#define X87_DESC_FOP(d) ((uint16_t)(((d) >> 32) & 0x7FF))
#define X87_DESC_SEGCHECK(d) ((unsigned)((d) >> 44) & 1)    /* protected-mode limit/type check needed */
#define X87_DESC_DST_STI(d) ((unsigned)((d) >> 45) & 1)     /* DC/DE register forms: ST(i) is the destination */
#define X87_SEG_NONE 7

#endif
