/* x86-64 instruction encoder (see emit.h). Every instruction is built from
 * the same few pieces: optional 66 prefix, REX (only when a bit is set or a
 * byte register SPL..DIL needs it), opcode, ModRM/SIB/displacement, immediate.
 * Reference: Intel SDM Vol. 2, ch. 2 (format) and the per-instruction pages. */
#include "translate/backend/x86_64/emit.h"

#include <assert.h>
#include <string.h>

/* Encoding flags for the shared helpers. */
enum {
    ENC_W = 1 << 0,         /* REX.W */
    ENC_66 = 1 << 1,        /* operand-size prefix */
    ENC_BYTE_REG = 1 << 2,  /* ModRM.reg names a byte register */
    ENC_BYTE_RM = 1 << 3,   /* ModRM.rm names a byte register */
};

void x86_emit_init(X86Emit *e, void *buf, size_t cap)
{
    e->buf = buf;
    e->len = 0;
    e->cap = cap;
    e->overflow = false;
}

static void put8(X86Emit *e, uint8_t b)
{
    if (e->overflow)
        return;
    if (e->len >= e->cap) {
        e->overflow = true;
        return;
    }
    e->buf[e->len++] = b;
}

static void put_imm(X86Emit *e, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        put8(e, (uint8_t)(v >> (8 * i)));
}

/* Ends an instruction begun at start: a partly written one is dropped. */
static void finish(X86Emit *e, size_t start)
{
    if (e->overflow && e->len > start)
        e->len = start;
}

void x86_emit_bytes(X86Emit *e, const void *bytes, size_t n)
{
    if (e->overflow)
        return;
    if (n > e->cap - e->len) {
        e->overflow = true;
        return;
    }
    memcpy(e->buf + e->len, bytes, n);
    e->len += n;
}

static unsigned width_flags(X86Width w)
{
    switch (w) {
    case X86_W8: return 0;
    case X86_W16: return ENC_66;
    case X86_W32: return 0;
    case X86_W64: return ENC_W;
    }
    assert(!"bad width");
    return 0;
}

static bool fits8(int64_t v) { return v >= -128 && v <= 127; }

/* Prefixes + REX. r, x, b are register numbers (or -1 for "none"). */
static void put_prefix_rex(X86Emit *e, unsigned flags, int r, int x, int b)
{
    if (flags & ENC_66)
        put8(e, 0x66);
    uint8_t rex = 0x40;
    if (flags & ENC_W)
        rex |= 8;
    if (r >= 8)
        rex |= 4;
    if (x >= 8)
        rex |= 2;
    if (b >= 8)
        rex |= 1;
    /* Without REX, byte registers 4..7 mean AH, CH, DH, BH. */
    bool force = ((flags & ENC_BYTE_REG) && r >= 4) || ((flags & ENC_BYTE_RM) && b >= 4);
    if (rex != 0x40 || force)
        put8(e, rex);
}

/* Opcode of 1..3 bytes, most significant first (0x0FB6 -> 0F B6). */
static void put_opcode(X86Emit *e, uint32_t opc)
{
    if (opc > 0xFFFF)
        put8(e, (uint8_t)(opc >> 16));
    if (opc > 0xFF)
        put8(e, (uint8_t)(opc >> 8));
    put8(e, (uint8_t)opc);
}

/* ModRM (+SIB, +disp) for a memory operand; reg is the /r or /digit field. */
static void put_modrm_mem(X86Emit *e, int reg, const X86Mem *m)
{
    unsigned r = (unsigned)reg & 7;
    if (m->rip) {
        put8(e, (uint8_t)(0x05 | r << 3));
        put_imm(e, (uint32_t)m->disp, 4);
        return;
    }
    assert(m->index != X86_RSP);
    unsigned ss = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
    assert(m->scale == 1 << ss);
    if (m->base == X86_NOREG) {
        /* mod=00 rm=100, SIB base=101: [index*scale + disp32] or [disp32]. */
        unsigned idx = m->index == X86_NOREG ? 4 : (unsigned)m->index & 7;
        put8(e, (uint8_t)(0x04 | r << 3));
        put8(e, (uint8_t)(ss << 6 | idx << 3 | 5));
        put_imm(e, (uint32_t)m->disp, 4);
        return;
    }
    unsigned base = (unsigned)m->base & 7;
    unsigned mod;
    /* RBP/R13 as base with mod=00 would mean RIP/disp32: use disp8 0. */
    if (m->disp == 0 && base != 5)
        mod = 0;
    else if (fits8(m->disp))
        mod = 1;
    else
        mod = 2;
    if (m->index != X86_NOREG || base == 4) {
        /* RSP/R12 as base need a SIB (rm=100 means "SIB follows"). */
        unsigned idx = m->index == X86_NOREG ? 4 : (unsigned)m->index & 7;
        put8(e, (uint8_t)(mod << 6 | r << 3 | 4));
        put8(e, (uint8_t)(ss << 6 | idx << 3 | base));
    } else {
        put8(e, (uint8_t)(mod << 6 | r << 3 | base));
    }
    if (mod == 1)
        put8(e, (uint8_t)m->disp);
    else if (mod == 2)
        put_imm(e, (uint32_t)m->disp, 4);
}

/* opcode reg, rm (register-direct). */
static void enc_rr(X86Emit *e, unsigned flags, uint32_t opc, int reg, int rm)
{
    put_prefix_rex(e, flags, reg, -1, rm);
    put_opcode(e, opc);
    put8(e, (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7)));
}

/* opcode reg, [m]. */
static void enc_rm(X86Emit *e, unsigned flags, uint32_t opc, int reg, const X86Mem *m)
{
    put_prefix_rex(e, flags & ~(unsigned)ENC_BYTE_RM, reg, m->index, m->rip ? -1 : m->base);
    put_opcode(e, opc);
    put_modrm_mem(e, reg, m);
}

/* opcode+r (B8+r, 50+r, 0F C8+r). */
static void enc_o(X86Emit *e, unsigned flags, uint32_t opc, int r)
{
    put_prefix_rex(e, flags, -1, -1, r);
    put_opcode(e, opc + ((unsigned)r & 7));
}

/* ---- moves ---- */

void x86_emit_mov_rr(X86Emit *e, X86Width w, X86Reg dst, X86Reg src)
{
    size_t s = e->len;
    if (w == X86_W8)
        enc_rr(e, ENC_BYTE_REG | ENC_BYTE_RM, 0x88, src, dst);
    else
        enc_rr(e, width_flags(w), 0x89, src, dst);
    finish(e, s);
}

void x86_emit_mov_ri32(X86Emit *e, X86Reg dst, uint32_t imm)
{
    size_t s = e->len;
    enc_o(e, 0, 0xB8, dst);
    put_imm(e, imm, 4);
    finish(e, s);
}

void x86_emit_mov_ri64s(X86Emit *e, X86Reg dst, int32_t imm)
{
    size_t s = e->len;
    enc_rr(e, ENC_W, 0xC7, 0, dst);
    put_imm(e, (uint32_t)imm, 4);
    finish(e, s);
}

void x86_emit_movabs_ri(X86Emit *e, X86Reg dst, uint64_t imm)
{
    size_t s = e->len;
    enc_o(e, ENC_W, 0xB8, dst);
    put_imm(e, imm, 8);
    finish(e, s);
}

void x86_emit_mov_ri(X86Emit *e, X86Reg dst, uint64_t imm)
{
    if (imm <= UINT32_MAX)
        x86_emit_mov_ri32(e, dst, (uint32_t)imm);
    else if ((int64_t)imm >= INT32_MIN && (int64_t)imm <= INT32_MAX)
        x86_emit_mov_ri64s(e, dst, (int32_t)imm);
    else
        x86_emit_movabs_ri(e, dst, imm);
}

void x86_emit_load(X86Emit *e, X86Width w, X86Reg dst, const X86Mem *m)
{
    size_t s = e->len;
    if (w == X86_W8)
        enc_rm(e, ENC_BYTE_REG, 0x8A, dst, m);
    else
        enc_rm(e, width_flags(w), 0x8B, dst, m);
    finish(e, s);
}

void x86_emit_store(X86Emit *e, X86Width w, const X86Mem *m, X86Reg src)
{
    size_t s = e->len;
    if (w == X86_W8)
        enc_rm(e, ENC_BYTE_REG, 0x88, src, m);
    else
        enc_rm(e, width_flags(w), 0x89, src, m);
    finish(e, s);
}

void x86_emit_store_imm(X86Emit *e, X86Width w, const X86Mem *m, int32_t imm)
{
    size_t s = e->len;
    enc_rm(e, width_flags(w), w == X86_W8 ? 0xC6 : 0xC7, 0, m);
    put_imm(e, (uint32_t)imm, w == X86_W8 ? 1 : w == X86_W16 ? 2 : 4);
    finish(e, s);
}

static uint32_t ext_opcode(X86Width w, X86Width sw, bool sign)
{
    assert(w == X86_W32 || w == X86_W64 || w == X86_W16);
    assert(sw == X86_W8 || sw == X86_W16);
    (void)w;                        /* only checked */
    return (sign ? 0x0FBE : 0x0FB6) | (sw == X86_W16 ? 1 : 0);
}

void x86_emit_movzx_rr(X86Emit *e, X86Width w, X86Width sw, X86Reg dst, X86Reg src)
{
    size_t s = e->len;
    enc_rr(e, width_flags(w) | ENC_BYTE_RM * (sw == X86_W8), ext_opcode(w, sw, false), dst, src);
    finish(e, s);
}

void x86_emit_movzx_rm(X86Emit *e, X86Width w, X86Width sw, X86Reg dst, const X86Mem *m)
{
    size_t s = e->len;
    enc_rm(e, width_flags(w), ext_opcode(w, sw, false), dst, m);
    finish(e, s);
}

void x86_emit_movsx_rr(X86Emit *e, X86Width w, X86Width sw, X86Reg dst, X86Reg src)
{
    size_t s = e->len;
    enc_rr(e, width_flags(w) | ENC_BYTE_RM * (sw == X86_W8), ext_opcode(w, sw, true), dst, src);
    finish(e, s);
}

void x86_emit_movsx_rm(X86Emit *e, X86Width w, X86Width sw, X86Reg dst, const X86Mem *m)
{
    size_t s = e->len;
    enc_rm(e, width_flags(w), ext_opcode(w, sw, true), dst, m);
    finish(e, s);
}

void x86_emit_movsxd_rr(X86Emit *e, X86Reg dst, X86Reg src)
{
    size_t s = e->len;
    enc_rr(e, ENC_W, 0x63, dst, src);
    finish(e, s);
}

void x86_emit_movsxd_rm(X86Emit *e, X86Reg dst, const X86Mem *m)
{
    size_t s = e->len;
    enc_rm(e, ENC_W, 0x63, dst, m);
    finish(e, s);
}

void x86_emit_lea(X86Emit *e, X86Width w, X86Reg dst, const X86Mem *m)
{
    assert(w == X86_W32 || w == X86_W64);
    size_t s = e->len;
    enc_rm(e, width_flags(w), 0x8D, dst, m);
    finish(e, s);
}

void x86_emit_xchg_rr(X86Emit *e, X86Width w, X86Reg a, X86Reg b)
{
    /* Always 87 /r: 90 is NOP, so "xchg eax, eax" via 90 would not
     * zero-extend. */
    size_t s = e->len;
    if (w == X86_W8)
        enc_rr(e, ENC_BYTE_REG | ENC_BYTE_RM, 0x86, b, a);
    else
        enc_rr(e, width_flags(w), 0x87, b, a);
    finish(e, s);
}

void x86_emit_xchg_mr(X86Emit *e, X86Width w, const X86Mem *m, X86Reg r)
{
    size_t s = e->len;
    if (w == X86_W8)
        enc_rm(e, ENC_BYTE_REG, 0x86, r, m);
    else
        enc_rm(e, width_flags(w), 0x87, r, m);
    finish(e, s);
}

void x86_emit_bswap_r(X86Emit *e, X86Width w, X86Reg r)
{
    assert(w == X86_W32 || w == X86_W64);
    size_t s = e->len;
    enc_o(e, width_flags(w), 0x0FC8, r);
    finish(e, s);
}

void x86_emit_movd_xr(X86Emit *e, X86Width w, X86Xmm dst, X86Reg src)
{
    assert(w == X86_W32 || w == X86_W64);
    size_t s = e->len;
    put8(e, 0x66);
    enc_rr(e, width_flags(w), 0x0F6E, (int)dst, src);
    finish(e, s);
}

void x86_emit_movd_rx(X86Emit *e, X86Width w, X86Reg dst, X86Xmm src)
{
    assert(w == X86_W32 || w == X86_W64);
    size_t s = e->len;
    put8(e, 0x66);
    enc_rr(e, width_flags(w), 0x0F7E, (int)src, dst);
    finish(e, s);
}

/* ---- ALU ---- */

static unsigned imm_size(X86Width w) { return w == X86_W8 ? 1 : w == X86_W16 ? 2 : 4; }

void x86_emit_alu_rr(X86Emit *e, X86AluOp op, X86Width w, X86Reg dst, X86Reg src)
{
    size_t s = e->len;
    if (w == X86_W8)
        enc_rr(e, ENC_BYTE_REG | ENC_BYTE_RM, (uint32_t)op << 3, src, dst);
    else
        enc_rr(e, width_flags(w), (uint32_t)op << 3 | 1, src, dst);
    finish(e, s);
}

void x86_emit_alu_ri(X86Emit *e, X86AluOp op, X86Width w, X86Reg dst, int32_t imm)
{
    size_t s = e->len;
    if (w == X86_W8) {
        if (dst == X86_RAX) {
            put8(e, (uint8_t)(op << 3 | 4));
        } else {
            enc_rr(e, ENC_BYTE_RM, 0x80, (int)op, dst);
        }
        put8(e, (uint8_t)imm);
    } else if (fits8(imm)) {
        enc_rr(e, width_flags(w), 0x83, (int)op, dst);
        put8(e, (uint8_t)imm);
    } else {
        /* Accumulator short form (op eAX, imm) is one byte shorter. */
        if (dst == X86_RAX) {
            put_prefix_rex(e, width_flags(w), -1, -1, -1);
            put8(e, (uint8_t)(op << 3 | 5));
        } else {
            enc_rr(e, width_flags(w), 0x81, (int)op, dst);
        }
        put_imm(e, (uint32_t)imm, imm_size(w));
    }
    finish(e, s);
}

void x86_emit_alu_rm(X86Emit *e, X86AluOp op, X86Width w, X86Reg dst, const X86Mem *m)
{
    size_t s = e->len;
    if (w == X86_W8)
        enc_rm(e, ENC_BYTE_REG, (uint32_t)op << 3 | 2, dst, m);
    else
        enc_rm(e, width_flags(w), (uint32_t)op << 3 | 3, dst, m);
    finish(e, s);
}

void x86_emit_alu_mr(X86Emit *e, X86AluOp op, X86Width w, const X86Mem *m, X86Reg src)
{
    size_t s = e->len;
    if (w == X86_W8)
        enc_rm(e, ENC_BYTE_REG, (uint32_t)op << 3, src, m);
    else
        enc_rm(e, width_flags(w), (uint32_t)op << 3 | 1, src, m);
    finish(e, s);
}

void x86_emit_alu_mi(X86Emit *e, X86AluOp op, X86Width w, const X86Mem *m, int32_t imm)
{
    size_t s = e->len;
    if (w == X86_W8) {
        enc_rm(e, 0, 0x80, (int)op, m);
        put8(e, (uint8_t)imm);
    } else if (fits8(imm)) {
        enc_rm(e, width_flags(w), 0x83, (int)op, m);
        put8(e, (uint8_t)imm);
    } else {
        enc_rm(e, width_flags(w), 0x81, (int)op, m);
        put_imm(e, (uint32_t)imm, imm_size(w));
    }
    finish(e, s);
}

void x86_emit_test_rr(X86Emit *e, X86Width w, X86Reg a, X86Reg b)
{
    size_t s = e->len;
    if (w == X86_W8)
        enc_rr(e, ENC_BYTE_REG | ENC_BYTE_RM, 0x84, b, a);
    else
        enc_rr(e, width_flags(w), 0x85, b, a);
    finish(e, s);
}

void x86_emit_test_ri(X86Emit *e, X86Width w, X86Reg r, int32_t imm)
{
    /* TEST has no imm8 form; use the accumulator form for rAX. */
    size_t s = e->len;
    if (r == X86_RAX) {
        put_prefix_rex(e, width_flags(w), -1, -1, -1);
        put8(e, w == X86_W8 ? 0xA8 : 0xA9);
    } else {
        enc_rr(e, width_flags(w) | ENC_BYTE_RM * (w == X86_W8), w == X86_W8 ? 0xF6 : 0xF7, 0, r);
    }
    put_imm(e, (uint32_t)imm, imm_size(w));
    finish(e, s);
}

void x86_emit_test_mr(X86Emit *e, X86Width w, const X86Mem *m, X86Reg r)
{
    size_t s = e->len;
    if (w == X86_W8)
        enc_rm(e, ENC_BYTE_REG, 0x84, r, m);
    else
        enc_rm(e, width_flags(w), 0x85, r, m);
    finish(e, s);
}

void x86_emit_test_mi(X86Emit *e, X86Width w, const X86Mem *m, int32_t imm)
{
    size_t s = e->len;
    enc_rm(e, width_flags(w), w == X86_W8 ? 0xF6 : 0xF7, 0, m);
    put_imm(e, (uint32_t)imm, imm_size(w));
    finish(e, s);
}

/* ---- shifts, multiply, unary ---- */

void x86_emit_shift_cl(X86Emit *e, X86ShiftOp op, X86Width w, X86Reg r)
{
    size_t s = e->len;
    enc_rr(e, width_flags(w) | ENC_BYTE_RM * (w == X86_W8), w == X86_W8 ? 0xD2 : 0xD3, (int)op, r);
    finish(e, s);
}

void x86_emit_shift_ri(X86Emit *e, X86ShiftOp op, X86Width w, X86Reg r, uint8_t imm)
{
    size_t s = e->len;
    unsigned f = width_flags(w) | ENC_BYTE_RM * (w == X86_W8);
    if (imm == 1) {
        enc_rr(e, f, w == X86_W8 ? 0xD0 : 0xD1, (int)op, r);
    } else {
        enc_rr(e, f, w == X86_W8 ? 0xC0 : 0xC1, (int)op, r);
        put8(e, imm);
    }
    finish(e, s);
}

void x86_emit_unary_r(X86Emit *e, X86UnaryOp op, X86Width w, X86Reg r)
{
    size_t s = e->len;
    enc_rr(e, width_flags(w) | ENC_BYTE_RM * (w == X86_W8), w == X86_W8 ? 0xF6 : 0xF7, (int)op, r);
    finish(e, s);
}

void x86_emit_imul_rr(X86Emit *e, X86Width w, X86Reg dst, X86Reg src)
{
    assert(w != X86_W8);
    size_t s = e->len;
    enc_rr(e, width_flags(w), 0x0FAF, dst, src);
    finish(e, s);
}

void x86_emit_imul_rri(X86Emit *e, X86Width w, X86Reg dst, X86Reg src, int32_t imm)
{
    assert(w != X86_W8);
    size_t s = e->len;
    if (fits8(imm)) {
        enc_rr(e, width_flags(w), 0x6B, dst, src);
        put8(e, (uint8_t)imm);
    } else {
        enc_rr(e, width_flags(w), 0x69, dst, src);
        put_imm(e, (uint32_t)imm, imm_size(w));
    }
    finish(e, s);
}

void x86_emit_cdq(X86Emit *e, X86Width w)
{
    assert(w != X86_W8);
    size_t s = e->len;
    put_prefix_rex(e, width_flags(w), -1, -1, -1);
    put8(e, 0x99);
    finish(e, s);
}

/* ---- conditions ---- */

void x86_emit_setcc_r(X86Emit *e, X86Cond cc, X86Reg r8)
{
    size_t s = e->len;
    enc_rr(e, ENC_BYTE_RM, 0x0F90 | (uint32_t)cc, 0, r8);
    finish(e, s);
}

void x86_emit_cmov_rr(X86Emit *e, X86Cond cc, X86Width w, X86Reg dst, X86Reg src)
{
    assert(w != X86_W8);
    size_t s = e->len;
    enc_rr(e, width_flags(w), 0x0F40 | (uint32_t)cc, dst, src);
    finish(e, s);
}

void x86_emit_cmov_rm(X86Emit *e, X86Cond cc, X86Width w, X86Reg dst, const X86Mem *m)
{
    assert(w != X86_W8);
    size_t s = e->len;
    enc_rm(e, width_flags(w), 0x0F40 | (uint32_t)cc, dst, m);
    finish(e, s);
}

/* ---- branches ---- */

void x86_emit_jcc_rel8(X86Emit *e, X86Cond cc, int8_t rel)
{
    size_t s = e->len;
    put8(e, (uint8_t)(0x70 | cc));
    put8(e, (uint8_t)rel);
    finish(e, s);
}

size_t x86_emit_jcc_rel32(X86Emit *e, X86Cond cc, int32_t rel)
{
    size_t s = e->len;
    put8(e, 0x0F);
    put8(e, (uint8_t)(0x80 | cc));
    put_imm(e, (uint32_t)rel, 4);
    finish(e, s);
    return s + 2;
}

void x86_emit_jmp_rel8(X86Emit *e, int8_t rel)
{
    size_t s = e->len;
    put8(e, 0xEB);
    put8(e, (uint8_t)rel);
    finish(e, s);
}

size_t x86_emit_jmp_rel32(X86Emit *e, int32_t rel)
{
    size_t s = e->len;
    put8(e, 0xE9);
    put_imm(e, (uint32_t)rel, 4);
    finish(e, s);
    return s + 1;
}

size_t x86_emit_call_rel32(X86Emit *e, int32_t rel)
{
    size_t s = e->len;
    put8(e, 0xE8);
    put_imm(e, (uint32_t)rel, 4);
    finish(e, s);
    return s + 1;
}

void x86_emit_jcc_to(X86Emit *e, X86Cond cc, size_t target)
{
    int64_t rel8 = (int64_t)target - (int64_t)(e->len + 2);
    if (fits8(rel8))
        x86_emit_jcc_rel8(e, cc, (int8_t)rel8);
    else
        x86_emit_jcc_rel32(e, cc, (int32_t)((int64_t)target - (int64_t)(e->len + 6)));
}

void x86_emit_jmp_to(X86Emit *e, size_t target)
{
    int64_t rel8 = (int64_t)target - (int64_t)(e->len + 2);
    if (fits8(rel8))
        x86_emit_jmp_rel8(e, (int8_t)rel8);
    else
        x86_emit_jmp_rel32(e, (int32_t)((int64_t)target - (int64_t)(e->len + 5)));
}

bool x86_emit_patch_rel32(X86Emit *e, size_t field_off, size_t target)
{
    if (field_off > e->len || e->len - field_off < 4)
        return false;
    int64_t rel = (int64_t)target - (int64_t)(field_off + 4);
    if (rel < INT32_MIN || rel > INT32_MAX)
        return false;
    uint32_t v = (uint32_t)rel;
    for (unsigned i = 0; i < 4; i++)
        e->buf[field_off + i] = (uint8_t)(v >> (8 * i));
    return true;
}

bool x86_emit_patch_rel8(X86Emit *e, size_t field_off, size_t target)
{
    if (field_off >= e->len)
        return false;
    int64_t rel = (int64_t)target - (int64_t)(field_off + 1);
    if (!fits8(rel))
        return false;
    e->buf[field_off] = (uint8_t)rel;
    return true;
}

bool x86_patch_rel32(uint8_t *field, const void *target)
{
    int64_t rel = (int64_t)((intptr_t)target - (intptr_t)(field + 4));
    if (rel < INT32_MIN || rel > INT32_MAX)
        return false;
    uint32_t v = (uint32_t)rel;
    memcpy(field, &v, 4);          /* x86-64 host: little-endian */
    return true;
}

/* FF /digit with a 64-bit operand: no REX.W needed (default 64-bit). */
void x86_emit_jmp_r(X86Emit *e, X86Reg r)
{
    size_t s = e->len;
    enc_rr(e, 0, 0xFF, 4, r);
    finish(e, s);
}

void x86_emit_jmp_m(X86Emit *e, const X86Mem *m)
{
    size_t s = e->len;
    enc_rm(e, 0, 0xFF, 4, m);
    finish(e, s);
}

void x86_emit_call_r(X86Emit *e, X86Reg r)
{
    size_t s = e->len;
    enc_rr(e, 0, 0xFF, 2, r);
    finish(e, s);
}

void x86_emit_call_m(X86Emit *e, const X86Mem *m)
{
    size_t s = e->len;
    enc_rm(e, 0, 0xFF, 2, m);
    finish(e, s);
}

void x86_emit_call_abs(X86Emit *e, X86Reg scratch, const void *addr)
{
    x86_emit_movabs_ri(e, scratch, (uint64_t)(uintptr_t)addr);
    x86_emit_call_r(e, scratch);
}

static void emit_one(X86Emit *e, uint8_t b)
{
    size_t s = e->len;
    put8(e, b);
    finish(e, s);
}

void x86_emit_ret(X86Emit *e) { emit_one(e, 0xC3); }
void x86_emit_int3(X86Emit *e) { emit_one(e, 0xCC); }

void x86_emit_ud2(X86Emit *e)
{
    static const uint8_t ud2[] = { 0x0F, 0x0B };
    x86_emit_bytes(e, ud2, sizeof(ud2));
}

void x86_emit_push_r(X86Emit *e, X86Reg r)
{
    size_t s = e->len;
    enc_o(e, 0, 0x50, r);
    finish(e, s);
}

void x86_emit_pop_r(X86Emit *e, X86Reg r)
{
    size_t s = e->len;
    enc_o(e, 0, 0x58, r);
    finish(e, s);
}
