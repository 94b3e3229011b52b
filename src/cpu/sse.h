/* MMX, SSE and SSE2 (SDM Vol. 1 ch. 9-11, Vol. 3A §13): what the lowering
 * (lower_mmx.c, lower_sse.c) and the helpers (helper_sse*.c) share. Every
 * SIMD instruction becomes one helper call whose first argument is an
 * SseDesc, a 64-bit packing of the decoded instruction, so the helpers
 * need no decoder and the IR stays one call per instruction. Operands live
 * in CpuState.fpu (xmm[], st[].mant), which translated code never reaches. */
#ifndef JITPC_CPU_SSE_H
#define JITPC_CPU_SSE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/fpu.h"            /* fpu_mmx_enter, fpu_mmx_emms, MXCSR_MASK */

/* SseDesc bit fields (built by the lowering, read by sse_insn_unpack). */
#define SSE_D_MN_SHIFT 0        /* Mnemonic, 10 bits */
#define SSE_D_PFX_SHIFT 10      /* mandatory prefix: 0 none, 1 66, 2 F3, 3 F2 */
#define SSE_D_OPC_SHIFT 12      /* opcode byte in the 0F map */
#define SSE_D_REG_SHIFT 20      /* ModRM.reg */
#define SSE_D_RM_SHIFT 23       /* ModRM.rm */
#define SSE_D_MEM (1ull << 26)  /* the r/m operand is in memory (addr, offset in a1, a2) */
#define SSE_D_SEGCHK (1ull << 27) /* protected mode, segment not known flat: check limits */
#define SSE_D_SEG_SHIFT 28      /* segment of the memory operand */
#define SSE_D_WRITE (1ull << 31)/* the memory operand is written */
#define SSE_D_IMM_SHIFT 32      /* imm8 */
#define SSE_D_SIZE_SHIFT 40     /* bytes of the memory access */

enum { SSE_PFX_NONE, SSE_PFX_66, SSE_PFX_F3, SSE_PFX_F2 };

/* An SseDesc unpacked, with the helper's other arguments. */
typedef struct SseInsn {
    unsigned mn;                /* Mnemonic */
    unsigned pfx;               /* SSE_PFX_* */
    unsigned opcode;
    unsigned reg, rm;
    bool mem, segchk, write;
    unsigned seg;
    unsigned imm;
    unsigned size;              /* memory access width */
    uint32_t addr;              /* linear address (mem), or a GPR's value (register form of Ed) */
    uint32_t offset;            /* offset within the segment (mem) */
} SseInsn;

static inline SseInsn sse_insn_unpack(uint64_t desc, uint64_t a1, uint64_t a2)
{
    SseInsn i;
    i.mn = (unsigned)(desc >> SSE_D_MN_SHIFT) & 0x3FF;
    i.pfx = (unsigned)(desc >> SSE_D_PFX_SHIFT) & 3;
    i.opcode = (unsigned)(desc >> SSE_D_OPC_SHIFT) & 0xFF;
    i.reg = (unsigned)(desc >> SSE_D_REG_SHIFT) & 7;
    i.rm = (unsigned)(desc >> SSE_D_RM_SHIFT) & 7;
    i.mem = desc & SSE_D_MEM;
    i.segchk = desc & SSE_D_SEGCHK;
    i.write = desc & SSE_D_WRITE;
    i.seg = (unsigned)(desc >> SSE_D_SEG_SHIFT) & 7;
    i.imm = (unsigned)(desc >> SSE_D_IMM_SHIFT) & 0xFF;
    i.size = (unsigned)(desc >> SSE_D_SIZE_SHIFT) & 0x1F;
    i.addr = (uint32_t)a1;
    i.offset = (uint32_t)a2;
    return i;
}

/* ---- helper_sse.c: checks, operand access, MXCSR ---- */

/* The device-not-available and mode checks of SDM Vol. 3A §13.1/Table 13-?
 * for an instruction on XMM registers: CR0.EM or !CR4.OSFXSR -> #UD,
 * CR0.TS -> #NM. May longjmp. */
void sse_check_xmm(CpuState *cpu);
/* The same for an instruction on MMX registers (SDM Vol. 1 §9.5.1,
 * Vol. 3A Table 12-1): CR0.EM -> #UD, CR0.TS -> #NM, a pending x87
 * exception (FSW.ES) -> #MF. May longjmp. */
void sse_check_mmx(CpuState *cpu);
/* Segment checks of the memory operand, and #GP(0) when `align` bytes of
 * alignment are required and missing. May longjmp. */
void sse_check_mem(CpuState *cpu, const SseInsn *in, unsigned align);
/* Read `in->size` bytes of the memory operand, zero-extended into v[0..1]. */
void sse_load(CpuState *cpu, const SseInsn *in, uint64_t v[2]);
/* Write `size` bytes of v to linear `addr`, with no byte written if any
 * page of the access faults. May longjmp. */
void sse_store(CpuState *cpu, uint32_t addr, const uint64_t v[2], unsigned size);
/* An MMX register write: the value, and exponent and sign all ones (SDM
 * Vol. 1 §9.5.1). */
void mmx_set(CpuState *cpu, unsigned n, uint64_t v);
/* Float status for one SSE operation from MXCSR (rounding, DAZ, FTZ, UM). */
FloatStatus sse_float_status(const CpuState *cpu);
/* Fold the flags of one instruction into MXCSR; if one is unmasked, raise
 * #XM (CR4.OSXMMEXCPT) or #UD and return only by longjmp, so the caller
 * writes its result only when this returns. Pre-computation exceptions
 * (IE, DE, ZE) that are unmasked hide the post-computation ones
 * (SDM Vol. 1 §11.5.2.1). */
void sse_commit_flags(CpuState *cpu, unsigned pre, unsigned post);

/* ---- lowering (lower_sse.c, lower_mmx.c) ---- */
struct DisasContext;
/* One helper call for the current SIMD instruction: its SseDesc, the
 * memory operand's linear address and offset (or a GPR source's value),
 * and the GPR or EFLAGS result written back. */
void gen_simd(struct DisasContext *s, unsigned helper);
/* Register the MMX mnemonics (lower_mmx.c); lower_register_sse calls it. */
void lower_register_mmx(CpuLowerFn **t);
void lower_register_sse(CpuLowerFn **t);

#endif
