/* x86-64 instruction encoder for the native backend: a bounded code buffer
 * and one emit function per instruction form, byte-exact per the Intel SDM
 * Vol. 2 (2.1 instruction format, 2.2.1 REX, Tables 2-2/2-3 ModRM/SIB).
 * It knows nothing about the IR or register allocation; the backend decides
 * what to emit. Nothing here longjmps; misuse (bad width/scale) asserts. */
#ifndef JITPC_TRANSLATE_BACKEND_X86_64_EMIT_H
#define JITPC_TRANSLATE_BACKEND_X86_64_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A code buffer owned by the caller. An instruction that would not fit sets
 * overflow and is dropped whole (len stays at the last complete instruction;
 * bytes between len and cap may have been scribbled, never past cap); once
 * overflow is set nothing more is written. */
typedef struct X86Emit {
    uint8_t *buf;
    size_t len, cap;
    bool overflow;
} X86Emit;

typedef enum X86Reg {
    X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
    X86_NOREG = -1,                 /* "no base" / "no index" in X86Mem */
} X86Reg;

typedef enum X86Xmm {
    X86_XMM0, X86_XMM1, X86_XMM2, X86_XMM3, X86_XMM4, X86_XMM5, X86_XMM6, X86_XMM7,
    X86_XMM8, X86_XMM9, X86_XMM10, X86_XMM11, X86_XMM12, X86_XMM13, X86_XMM14, X86_XMM15,
} X86Xmm;

/* Operand size in bytes. Width 32 writes zero-extend to 64 bits. Byte
 * registers 4..7 are SPL/BPL/SIL/DIL (an empty REX is emitted); AH..BH are
 * not reachable. */
typedef enum X86Width { X86_W8 = 1, X86_W16 = 2, X86_W32 = 4, X86_W64 = 8 } X86Width;

/* Condition codes: the low nibble of Jcc/SETcc/CMOVcc (SDM Vol. 1 B.1). */
typedef enum X86Cond {
    X86_CC_O, X86_CC_NO, X86_CC_B, X86_CC_AE, X86_CC_E, X86_CC_NE, X86_CC_BE, X86_CC_A,
    X86_CC_S, X86_CC_NS, X86_CC_P, X86_CC_NP, X86_CC_L, X86_CC_GE, X86_CC_LE, X86_CC_G,
} X86Cond;

static inline X86Cond x86_cond_invert(X86Cond c) { return (X86Cond)(c ^ 1); }

/* Group-1 ALU ops; the value is the ModRM /digit. */
typedef enum X86AluOp {
    X86_ALU_ADD, X86_ALU_OR, X86_ALU_ADC, X86_ALU_SBB,
    X86_ALU_AND, X86_ALU_SUB, X86_ALU_XOR, X86_ALU_CMP,
} X86AluOp;

/* Group-2 shift/rotate ops; the value is the ModRM /digit. */
typedef enum X86ShiftOp {
    X86_SHIFT_ROL = 0, X86_SHIFT_ROR = 1, X86_SHIFT_RCL = 2, X86_SHIFT_RCR = 3,
    X86_SHIFT_SHL = 4, X86_SHIFT_SHR = 5, X86_SHIFT_SAR = 7,
} X86ShiftOp;

/* Group-3 unary ops (F6/F7); the value is the ModRM /digit. */
typedef enum X86UnaryOp {
    X86_UNARY_NOT = 2, X86_UNARY_NEG = 3, X86_UNARY_MUL = 4,
    X86_UNARY_IMUL = 5, X86_UNARY_DIV = 6, X86_UNARY_IDIV = 7,
} X86UnaryOp;

/* A memory operand: [base + index*scale + disp], or [rip + disp] where disp
 * is relative to the end of the instruction. base may be X86_NOREG
 * (absolute disp32); index may be X86_NOREG but never RSP. */
typedef struct X86Mem {
    int8_t base, index;
    uint8_t scale;                  /* 1, 2, 4 or 8 */
    bool rip;
    int32_t disp;
} X86Mem;

static inline X86Mem x86_mem(X86Reg base, int32_t disp)
{
    return (X86Mem){ .base = (int8_t)base, .index = X86_NOREG, .scale = 1, .disp = disp };
}
static inline X86Mem x86_mem_idx(X86Reg base, X86Reg index, unsigned scale, int32_t disp)
{
    return (X86Mem){ .base = (int8_t)base, .index = (int8_t)index, .scale = (uint8_t)scale,
                     .disp = disp };
}
static inline X86Mem x86_mem_rip(int32_t disp)
{
    return (X86Mem){ .base = X86_NOREG, .index = X86_NOREG, .scale = 1, .rip = true, .disp = disp };
}

/* Buffer. */
void x86_emit_init(X86Emit *e, void *buf, size_t cap);
void x86_emit_bytes(X86Emit *e, const void *bytes, size_t n);   /* raw, all or nothing */

/* Moves. mov_ri picks the shortest exact form: mov r32,imm32 (zero-extends),
 * mov r64,simm32 (REX.W C7) or movabs. */
void x86_emit_mov_rr(X86Emit *e, X86Width w, X86Reg dst, X86Reg src);
void x86_emit_mov_ri32(X86Emit *e, X86Reg dst, uint32_t imm);          /* B8+r id */
void x86_emit_mov_ri64s(X86Emit *e, X86Reg dst, int32_t imm);          /* REX.W C7 /0 id */
void x86_emit_movabs_ri(X86Emit *e, X86Reg dst, uint64_t imm);         /* REX.W B8+r io */
void x86_emit_mov_ri(X86Emit *e, X86Reg dst, uint64_t imm);
void x86_emit_load(X86Emit *e, X86Width w, X86Reg dst, const X86Mem *m);   /* mov r, [m] */
void x86_emit_store(X86Emit *e, X86Width w, const X86Mem *m, X86Reg src);  /* mov [m], r */
void x86_emit_store_imm(X86Emit *e, X86Width w, const X86Mem *m, int32_t imm);
/* Zero/sign extension: w is the destination width (32/64), sw the source (8/16). */
void x86_emit_movzx_rr(X86Emit *e, X86Width w, X86Width sw, X86Reg dst, X86Reg src);
void x86_emit_movzx_rm(X86Emit *e, X86Width w, X86Width sw, X86Reg dst, const X86Mem *m);
void x86_emit_movsx_rr(X86Emit *e, X86Width w, X86Width sw, X86Reg dst, X86Reg src);
void x86_emit_movsx_rm(X86Emit *e, X86Width w, X86Width sw, X86Reg dst, const X86Mem *m);
void x86_emit_movsxd_rr(X86Emit *e, X86Reg dst, X86Reg src);
void x86_emit_movsxd_rm(X86Emit *e, X86Reg dst, const X86Mem *m);
void x86_emit_lea(X86Emit *e, X86Width w, X86Reg dst, const X86Mem *m);    /* w 32/64 */
void x86_emit_xchg_rr(X86Emit *e, X86Width w, X86Reg a, X86Reg b);
void x86_emit_xchg_mr(X86Emit *e, X86Width w, const X86Mem *m, X86Reg r);
void x86_emit_bswap_r(X86Emit *e, X86Width w, X86Reg r);                   /* w 32/64 */
void x86_emit_movd_xr(X86Emit *e, X86Width w, X86Xmm dst, X86Reg src);     /* movd/movq xmm, r */
void x86_emit_movd_rx(X86Emit *e, X86Width w, X86Reg dst, X86Xmm src);     /* movd/movq r, xmm */

/* Group-1 ALU (all widths). _ri uses imm8 (83) when it fits, else the
 * accumulator short form or 81; for W64 the imm32 is sign-extended. */
void x86_emit_alu_rr(X86Emit *e, X86AluOp op, X86Width w, X86Reg dst, X86Reg src);
void x86_emit_alu_ri(X86Emit *e, X86AluOp op, X86Width w, X86Reg dst, int32_t imm);
void x86_emit_alu_rm(X86Emit *e, X86AluOp op, X86Width w, X86Reg dst, const X86Mem *m);
void x86_emit_alu_mr(X86Emit *e, X86AluOp op, X86Width w, const X86Mem *m, X86Reg src);
void x86_emit_alu_mi(X86Emit *e, X86AluOp op, X86Width w, const X86Mem *m, int32_t imm);
void x86_emit_test_rr(X86Emit *e, X86Width w, X86Reg a, X86Reg b);
void x86_emit_test_ri(X86Emit *e, X86Width w, X86Reg r, int32_t imm);
void x86_emit_test_mr(X86Emit *e, X86Width w, const X86Mem *m, X86Reg r);
void x86_emit_test_mi(X86Emit *e, X86Width w, const X86Mem *m, int32_t imm);

/* Named wrappers: x86_emit_add_rr/_ri/_rm/_mr/_mi, likewise or adc sbb and sub xor cmp. */
#define X86_ALU_WRAPPERS(name, OP)                                                              \
    static inline void x86_emit_##name##_rr(X86Emit *e, X86Width w, X86Reg d, X86Reg s)        \
    { x86_emit_alu_rr(e, OP, w, d, s); }                                                        \
    static inline void x86_emit_##name##_ri(X86Emit *e, X86Width w, X86Reg d, int32_t i)       \
    { x86_emit_alu_ri(e, OP, w, d, i); }                                                        \
    static inline void x86_emit_##name##_rm(X86Emit *e, X86Width w, X86Reg d, const X86Mem *m) \
    { x86_emit_alu_rm(e, OP, w, d, m); }                                                        \
    static inline void x86_emit_##name##_mr(X86Emit *e, X86Width w, const X86Mem *m, X86Reg s) \
    { x86_emit_alu_mr(e, OP, w, m, s); }                                                        \
    static inline void x86_emit_##name##_mi(X86Emit *e, X86Width w, const X86Mem *m, int32_t i)\
    { x86_emit_alu_mi(e, OP, w, m, i); }
X86_ALU_WRAPPERS(add, X86_ALU_ADD)
X86_ALU_WRAPPERS(or, X86_ALU_OR)
X86_ALU_WRAPPERS(adc, X86_ALU_ADC)
X86_ALU_WRAPPERS(sbb, X86_ALU_SBB)
X86_ALU_WRAPPERS(and, X86_ALU_AND)
X86_ALU_WRAPPERS(sub, X86_ALU_SUB)
X86_ALU_WRAPPERS(xor, X86_ALU_XOR)
X86_ALU_WRAPPERS(cmp, X86_ALU_CMP)
#undef X86_ALU_WRAPPERS

/* Shifts and rotates by CL or by an immediate (masked by the CPU; 1 uses D1). */
void x86_emit_shift_cl(X86Emit *e, X86ShiftOp op, X86Width w, X86Reg r);
void x86_emit_shift_ri(X86Emit *e, X86ShiftOp op, X86Width w, X86Reg r, uint8_t imm);
#define X86_SHIFT_WRAPPERS(name, OP)                                                           \
    static inline void x86_emit_##name##_cl(X86Emit *e, X86Width w, X86Reg r)                 \
    { x86_emit_shift_cl(e, OP, w, r); }                                                        \
    static inline void x86_emit_##name##_ri(X86Emit *e, X86Width w, X86Reg r, uint8_t i)      \
    { x86_emit_shift_ri(e, OP, w, r, i); }
X86_SHIFT_WRAPPERS(shl, X86_SHIFT_SHL)
X86_SHIFT_WRAPPERS(shr, X86_SHIFT_SHR)
X86_SHIFT_WRAPPERS(sar, X86_SHIFT_SAR)
X86_SHIFT_WRAPPERS(rol, X86_SHIFT_ROL)
X86_SHIFT_WRAPPERS(ror, X86_SHIFT_ROR)
#undef X86_SHIFT_WRAPPERS

/* Multiply/divide and unary ops. One-operand MUL/IMUL/DIV/IDIV use rDX:rAX. */
void x86_emit_unary_r(X86Emit *e, X86UnaryOp op, X86Width w, X86Reg r);
static inline void x86_emit_not_r(X86Emit *e, X86Width w, X86Reg r) { x86_emit_unary_r(e, X86_UNARY_NOT, w, r); }
static inline void x86_emit_neg_r(X86Emit *e, X86Width w, X86Reg r) { x86_emit_unary_r(e, X86_UNARY_NEG, w, r); }
static inline void x86_emit_mul_r(X86Emit *e, X86Width w, X86Reg r) { x86_emit_unary_r(e, X86_UNARY_MUL, w, r); }
static inline void x86_emit_imul_r(X86Emit *e, X86Width w, X86Reg r) { x86_emit_unary_r(e, X86_UNARY_IMUL, w, r); }
static inline void x86_emit_div_r(X86Emit *e, X86Width w, X86Reg r) { x86_emit_unary_r(e, X86_UNARY_DIV, w, r); }
static inline void x86_emit_idiv_r(X86Emit *e, X86Width w, X86Reg r) { x86_emit_unary_r(e, X86_UNARY_IDIV, w, r); }
void x86_emit_imul_rr(X86Emit *e, X86Width w, X86Reg dst, X86Reg src);            /* w 16/32/64 */
void x86_emit_imul_rri(X86Emit *e, X86Width w, X86Reg dst, X86Reg src, int32_t imm);
void x86_emit_cdq(X86Emit *e, X86Width w);       /* cwd/cdq/cqo: sign-extend rAX into rDX */

/* Conditions. SETcc writes a byte register (w/o touching bits 8..63). */
void x86_emit_setcc_r(X86Emit *e, X86Cond cc, X86Reg r8);
void x86_emit_cmov_rr(X86Emit *e, X86Cond cc, X86Width w, X86Reg dst, X86Reg src);
void x86_emit_cmov_rm(X86Emit *e, X86Cond cc, X86Width w, X86Reg dst, const X86Mem *m);

/* Branches. rel is relative to the end of the instruction. The _rel32 forms
 * return the buffer offset of their rel32 field for x86_emit_patch_rel32 /
 * x86_patch_rel32 (chaining). _to forms jump to a buffer offset already
 * emitted, choosing rel8 when it reaches. */
void x86_emit_jcc_rel8(X86Emit *e, X86Cond cc, int8_t rel);
size_t x86_emit_jcc_rel32(X86Emit *e, X86Cond cc, int32_t rel);
void x86_emit_jmp_rel8(X86Emit *e, int8_t rel);
size_t x86_emit_jmp_rel32(X86Emit *e, int32_t rel);
size_t x86_emit_call_rel32(X86Emit *e, int32_t rel);
void x86_emit_jcc_to(X86Emit *e, X86Cond cc, size_t target);
void x86_emit_jmp_to(X86Emit *e, size_t target);
/* Point the rel32 field at field_off to buffer offset target; false if out of range. */
bool x86_emit_patch_rel32(X86Emit *e, size_t field_off, size_t target);
/* Same for a rel8 field (from x86_emit_jcc_rel8 at offset field_off = start + 1). */
bool x86_emit_patch_rel8(X86Emit *e, size_t field_off, size_t target);
/* Point a rel32 field in live code at an absolute host address; false if
 * farther than +-2 GiB. Writes 4 bytes (callers handle atomicity). */
bool x86_patch_rel32(uint8_t *field, const void *target);
void x86_emit_jmp_r(X86Emit *e, X86Reg r);
void x86_emit_jmp_m(X86Emit *e, const X86Mem *m);
void x86_emit_call_r(X86Emit *e, X86Reg r);
void x86_emit_call_m(X86Emit *e, const X86Mem *m);
/* movabs scratch, addr; call scratch. */
void x86_emit_call_abs(X86Emit *e, X86Reg scratch, const void *addr);
void x86_emit_ret(X86Emit *e);
void x86_emit_push_r(X86Emit *e, X86Reg r);
void x86_emit_pop_r(X86Emit *e, X86Reg r);
void x86_emit_int3(X86Emit *e);
void x86_emit_ud2(X86Emit *e);

#endif
