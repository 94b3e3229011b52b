/* The decoder proper: legacy prefixes, opcode escapes, table walk, ModRM/SIB
 * addressing, displacement and immediates, LOCK validation; plus the name
 * tables and the debug formatter. The opcode tables are decode_tables*.c.
 * Follows Intel SDM Vol. 2A ch. 2 (§2.1.1 prefixes, §2.1.2 opcodes and
 * mandatory prefixes, §2.1.3 ModR/M and SIB, §2.1.4 displacement and
 * immediate, §2.1.5 Tables 2-1..2-3) and Vol. 2 Appendix A.2 for the
 * operand notation. */
#include "cpu/decode.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/compiler.h"
#include "cpu/cpu.h"
#include "cpu/decode_tables.h"

/* ---- per-mnemonic and per-operand-kind data ---------------------------- */

typedef struct MnemonicInfo {
    const char *name;
    uint32_t flags;
    uint8_t feature;
} MnemonicInfo;

#define LOCKABLE DECODE_F_LOCKABLE
#define BRANCH DECODE_F_BRANCH
#define PRIVILEGED DECODE_F_PRIVILEGED
#define IOPL DECODE_F_IOPL
#define STRING DECODE_F_STRING
#define REPCC DECODE_F_REPCC
#define COND DECODE_F_COND
static const MnemonicInfo mnemonic_info[MN_COUNT] = {
#define X(name, text, flags, feature) [MN_##name] = { text, (flags), DECODE_FEAT_##feature },
#include "cpu/mnemonics.def"
#undef X
};
#undef LOCKABLE
#undef BRANCH
#undef PRIVILEGED
#undef IOPL
#undef STRING
#undef REPCC
#undef COND

/* Operand size codes of DECODE_OPERAND_KINDS: bytes, or resolved per insn. */
enum {
    SZ_0 = 0, SZ_1 = 1, SZ_2 = 2, SZ_4 = 4, SZ_6 = 6, SZ_8 = 8, SZ_10 = 10, SZ_16 = 16,
    SZ_V = 0x100, SZ_P, SZ_A, SZ_ENV, SZ_STATE, SZ_FX,
};

typedef struct OperandInfo {
    const char *name;
    uint8_t source;             /* OperandSource */
    uint16_t reg_size, mem_size; /* SZ_* */
} OperandInfo;

static const OperandInfo operand_info[OPND_COUNT] = {
#define X(name, source, reg_size, mem_size) \
    [OPND_##name] = { #name, OPSRC_##source, SZ_##reg_size, SZ_##mem_size },
    DECODE_OPERAND_KINDS(X)
#undef X
};

const char *mnemonic_name(Mnemonic m)
{
    return (unsigned)m < MN_COUNT ? mnemonic_info[m].name : "?";
}

const char *decode_operand_name(OperandKind k)
{
    return (unsigned)k < OPND_COUNT ? operand_info[k].name : "?";
}

OperandSource decode_operand_source(OperandKind k)
{
    return (unsigned)k < OPND_COUNT ? (OperandSource)operand_info[k].source : OPSRC_NONE;
}

const char *decode_cond_name(unsigned cond)
{
    static const char *const names[16] = {
        "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g",
    };
    return names[cond & 15];
}

bool decode_operand_is_mem(const DecodedInsn *d, unsigned i)
{
    if (i >= d->noperands)
        return false;
    switch (operand_info[d->operands[i]].source) {
    case OPSRC_RM:
        return d->mod != 3;
    case OPSRC_MEM:
    case OPSRC_MOFFS:
        return true;
    case OPSRC_FIXED:
        return operand_info[d->operands[i]].mem_size != 0; /* Xb Xv Yb Yv */
    default:
        return false;
    }
}

static unsigned size_resolve(const DecodedInsn *d, unsigned code)
{
    switch (code) {
    case SZ_V:
        return d->op_size;
    case SZ_P:
        return d->op_size + 2u;
    case SZ_A:
        return d->op_size * 2u;
    case SZ_ENV:                /* SDM Vol. 1 §8.1.10: 14 bytes in 16-bit form, 28 in 32-bit */
        return d->op_size == 2 ? 14 : 28;
    case SZ_STATE:              /* environment + 8 x 10-byte registers */
        return d->op_size == 2 ? 94 : 108;
    case SZ_FX:
        return 512;
    default:
        return code;
    }
}

unsigned decode_operand_size(const DecodedInsn *d, unsigned i)
{
    if (i >= d->noperands)
        return 0;
    const OperandInfo *oi = &operand_info[d->operands[i]];
    return size_resolve(d, decode_operand_is_mem(d, i) ? oi->mem_size : oi->reg_size);
}

/* ---- byte cursor ------------------------------------------------------- */

typedef struct DecodeCursor {
    const uint8_t *bytes;
    size_t avail;
    unsigned pos;
} DecodeCursor;

/* Take `n` bytes little-endian. Running past 15 bytes is #GP(0) (SDM Vol.
 * 2A §2.1, Vol. 3A §6.15 "#GP"), but only once every byte up to the 15th
 * could be fetched: a fetch fault on an earlier byte comes first, so with
 * fewer than 15 bytes available the caller is asked for more. */
static DecodeStatus cursor_take(DecodeCursor *c, unsigned n, uint32_t *value)
{
    if (c->pos + n > DECODE_MAX_LEN)
        return c->avail < DECODE_MAX_LEN ? DECODE_NEED_MORE : DECODE_GP;
    if (c->pos + n > c->avail)
        return DECODE_NEED_MORE;
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint32_t)c->bytes[c->pos + i] << (8 * i);
    c->pos += n;
    *value = v;
    return DECODE_OK;
}

static int32_t sign_extend(uint32_t v, unsigned bytes)
{
    unsigned shift = 32 - 8 * bytes;
    return bytes >= 4 ? (int32_t)v : (int32_t)(v << shift) >> shift;
}

/* ---- prefixes ---------------------------------------------------------- */

/* Groups 1-4 may come in any order and repeat (SDM Vol. 2A §2.1.1); for the
 * segment group and for F2/F3 the last one counts, as on hardware. */
static void prefix_apply(DecodedInsn *d, DecodePrefix p)
{
    if (p <= DP_SEG_GS) {
        d->seg = (int8_t)p;     /* DP_SEG_* match SEG_* of cpu.h */
        return;
    }
    switch (p) {
    case DP_OPSIZE:
        d->opsize_prefix = 1;
        break;
    case DP_ADDRSIZE:
        d->addrsize_prefix = 1;
        break;
    case DP_LOCK:
        d->lock = 1;
        break;
    case DP_REPNE:
        d->rep = DECODE_REPNE;
        break;
    default:
        d->rep = DECODE_REP;
        break;
    }
}

_Static_assert((int)DP_SEG_ES == SEG_ES && (int)DP_SEG_CS == SEG_CS &&
               (int)DP_SEG_SS == SEG_SS && (int)DP_SEG_DS == SEG_DS &&
               (int)DP_SEG_FS == SEG_FS && (int)DP_SEG_GS == SEG_GS,
               "prefix codes double as segment numbers");

/* ---- ModRM / SIB (SDM Vol. 2A §2.1.3, §2.1.5) -------------------------- */

static DecodeStatus modrm_fetch(DecodeCursor *c, DecodedInsn *d)
{
    if (d->has_modrm)
        return DECODE_OK;
    uint32_t b;
    DecodeStatus st = cursor_take(c, 1, &b);
    if (st != DECODE_OK)
        return st;
    d->has_modrm = 1;
    d->modrm = (uint8_t)b;
    d->mod = (uint8_t)(b >> 6);
    d->reg = (uint8_t)((b >> 3) & 7);
    d->rm = (uint8_t)(b & 7);
    return DECODE_OK;
}

/* Table 2-1: the 16-bit forms, base and index per ModRM.rm. */
static const int8_t ea16_base[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
static const int8_t ea16_index[8] = { R_ESI, R_EDI, R_ESI, R_EDI, -1, -1, -1, -1 };

static DecodeStatus modrm_address16(DecodeCursor *c, DecodedInsn *d)
{
    unsigned disp_size = d->mod == 1 ? 1 : d->mod == 2 ? 2 : 0;
    d->ea_base = ea16_base[d->rm];
    d->ea_index = ea16_index[d->rm];
    if (d->mod == 0 && d->rm == 6) {    /* [disp16] replaces [BP] */
        d->ea_base = -1;
        disp_size = 2;
    }
    if (disp_size) {
        uint32_t v;
        DecodeStatus st = cursor_take(c, disp_size, &v);
        if (st != DECODE_OK)
            return st;
        d->disp_size = (uint8_t)disp_size;
        d->disp = sign_extend(v, disp_size);
    }
    return DECODE_OK;
}

/* Tables 2-2 and 2-3: the 32-bit forms. */
static DecodeStatus modrm_address32(DecodeCursor *c, DecodedInsn *d)
{
    unsigned disp_size = d->mod == 1 ? 1 : d->mod == 2 ? 4 : 0;
    uint32_t v;
    DecodeStatus st;
    d->ea_base = (int8_t)d->rm;
    if (d->rm == 4) {
        if ((st = cursor_take(c, 1, &v)) != DECODE_OK)
            return st;
        d->has_sib = 1;
        d->sib = (uint8_t)v;
        d->scale = (uint8_t)(v >> 6);
        d->index = (uint8_t)((v >> 3) & 7);
        d->base = (uint8_t)(v & 7);
        d->ea_index = d->index == 4 ? -1 : (int8_t)d->index;   /* no ESP index */
        d->ea_base = (int8_t)d->base;
        if (d->base == 5 && d->mod == 0) {  /* [index*s + disp32], no base */
            d->ea_base = -1;
            disp_size = 4;
        }
    } else if (d->rm == 5 && d->mod == 0) { /* [disp32] replaces [EBP] */
        d->ea_base = -1;
        disp_size = 4;
    }
    if (disp_size) {
        if ((st = cursor_take(c, disp_size, &v)) != DECODE_OK)
            return st;
        d->disp_size = (uint8_t)disp_size;
        d->disp = sign_extend(v, disp_size);
    }
    return DECODE_OK;
}

/* ---- operands ---------------------------------------------------------- */

/* Checks on ModRM.reg that the tables cannot express: which segment and
 * control registers exist (SDM Vol. 2B MOV: #UD for CR1, CR5-7 and for a
 * segment register number above GS; loading CS with MOV is #UD). */
static bool operand_reg_valid(const DecodedInsn *d, unsigned i)
{
    switch (d->operands[i]) {
    case OPND_Sw:
        return d->reg <= SEG_GS && !(i == 0 && d->reg == SEG_CS);
    case OPND_Cd:
        return d->reg == 0 || (d->reg >= 2 && d->reg <= 4);
    default:
        return true;
    }
}

/* Immediates follow the displacement in operand order (SDM Vol. 2A §2.1.4);
 * the first fills imm, a second (ENTER's Ib, Ap's selector) imm2. */
static DecodeStatus operand_take_imm(DecodeCursor *c, DecodedInsn *d, OperandKind k)
{
    unsigned size = size_resolve(d, operand_info[k].reg_size);
    bool sign = k == OPND_sIb || k == OPND_Jb || k == OPND_Jz;
    uint32_t v;
    DecodeStatus st;
    if (k == OPND_Ap)
        size = d->op_size;      /* offset first, then the 16-bit selector */
    if ((st = cursor_take(c, size, &v)) != DECODE_OK)
        return st;
    if (sign)
        v = (uint32_t)sign_extend(v, size);
    if (d->imm_size == 0) {
        d->imm_size = (uint8_t)size;
        d->imm = v;
    } else {
        d->imm2_size = (uint8_t)size;
        d->imm2 = v;
    }
    if (k == OPND_Ap) {
        if ((st = cursor_take(c, 2, &v)) != DECODE_OK)
            return st;
        d->imm2_size = 2;
        d->imm2 = v;
    }
    return DECODE_OK;
}

static DecodeStatus operands_decode(DecodeCursor *c, DecodedInsn *d, const DecodeEntry *e)
{
    DecodeStatus st;
    bool modreg = e->attr & DA_MODREG;
    for (unsigned i = 0; i < 4 && e->operands[i] != OPND_NONE; i++) {
        OperandKind k = (OperandKind)e->operands[i];
        d->operands[i] = k;
        d->noperands = (uint8_t)(i + 1);
        switch (operand_info[k].source) {
        case OPSRC_RM:
        case OPSRC_MEM:
        case OPSRC_RMREG:
        case OPSRC_REG:
            if ((st = modrm_fetch(c, d)) != DECODE_OK)
                return st;
            break;
        default:
            break;
        }
    }
    /* Validate before reading further: an undefined form is #UD whatever follows. */
    for (unsigned i = 0; i < d->noperands; i++) {
        OperandSource src = (OperandSource)operand_info[d->operands[i]].source;
        if (src == OPSRC_MEM && d->mod == 3)
            return DECODE_UD;
        if (src == OPSRC_RMREG && d->mod != 3 && !modreg)
            return DECODE_UD;
        if (src == OPSRC_REG && !operand_reg_valid(d, i))
            return DECODE_UD;
    }
    if (d->has_modrm && d->mod != 3 && !modreg) {
        st = d->addr_size == 2 ? modrm_address16(c, d) : modrm_address32(c, d);
        if (st != DECODE_OK)
            return st;
        bool stack = d->ea_base == R_EBP || d->ea_base == R_ESP;
        d->ea_seg = d->seg >= 0 ? d->seg : stack ? SEG_SS : SEG_DS;
    }
    for (unsigned i = 0; i < d->noperands; i++) {
        OperandKind k = d->operands[i];
        if (operand_info[k].source == OPSRC_IMM) {
            if ((st = operand_take_imm(c, d, k)) != DECODE_OK)
                return st;
        } else if (operand_info[k].source == OPSRC_MOFFS) {
            uint32_t v;
            if ((st = cursor_take(c, d->addr_size, &v)) != DECODE_OK)
                return st;
            d->disp_size = d->addr_size;
            d->disp = sign_extend(v, d->addr_size);
            d->ea_seg = d->seg >= 0 ? d->seg : SEG_DS;
        } else if (k == OPND_Xb || k == OPND_Xv) {
            d->ea_seg = d->seg >= 0 ? d->seg : SEG_DS;
        }
    }
    return DECODE_OK;
}

/* ---- the table walk ---------------------------------------------------- */

/* Follow group, prefix and ModRM selections down to an instruction. A
 * mandatory prefix that selects an empty slot is #UD: the SDM reserves
 * those combinations (Vol. 2A §2.1.2), and falling back to another slot
 * would execute something the program did not ask for (QEMU raises #UD
 * there too). F2/F3 outrank 66
 * (66 F3 0F 10 is MOVSS), and the last of F2/F3 wins. */
static DecodeStatus entry_resolve(DecodeCursor *c, DecodedInsn *d, const DecodeEntry **ep)
{
    const DecodeEntry *e = *ep;
    DecodeStatus st;
    for (;;) {
        switch ((DecodeEntryKind)e->kind) {
        case DK_INSN:
            *ep = e;
            return DECODE_OK;
        case DK_PREFIXED: {
            unsigned slot = d->rep == DECODE_REP ? 2 : d->rep == DECODE_REPNE ? 3
                          : d->opsize_prefix ? 1 : 0;
            static const uint8_t prefix_byte[4] = { 0, 0x66, 0xF3, 0xF2 };
            d->mandatory_prefix = prefix_byte[slot];
            if (slot >= 2)
                d->rep = 0;     /* consumed: not a repeat prefix */
            e = &e->sub[slot];
            break;
        }
        case DK_GROUP:
            if ((st = modrm_fetch(c, d)) != DECODE_OK)
                return st;
            e = &e->sub[d->reg];
            break;
        case DK_GROUP_MOD:
            if ((st = modrm_fetch(c, d)) != DECODE_OK)
                return st;
            e = &e->sub[(d->mod == 3 ? 8 : 0) + d->reg];
            break;
        case DK_MOD:
            if ((st = modrm_fetch(c, d)) != DECODE_OK)
                return st;
            e = &e->sub[d->mod == 3];
            break;
        case DK_RM:
            e = &e->sub[d->rm];
            break;
        default:                /* DK_UD; DK_PREFIX/DK_ESCAPE cannot recur */
            return DECODE_UD;
        }
    }
}

/* SDM Vol. 2A "LOCK": only the listed read-modify-write instructions, and
 * only with a memory destination; anything else is #UD. */
static bool lock_valid(const DecodedInsn *d)
{
    if (!(d->flags & DECODE_F_LOCKABLE) || d->noperands == 0)
        return false;
    OperandSource dst = (OperandSource)operand_info[d->operands[0]].source;
    return (dst == OPSRC_RM || dst == OPSRC_MEM) && d->mod != 3;
}

/* Prefixes, opcode bytes, table walk, operands: everything after `d` was
 * initialized. On failure `d` keeps what was read so far. */
static DecodeStatus decode_body(DecodeCursor *c, DecodedInsn *d)
{
    static const DecodeEntry *const maps[4] = {
        decode_map_onebyte, decode_map_0f, decode_map_0f38, decode_map_0f3a,
    };
    DecodeStatus st;
    uint32_t b;
    const DecodeEntry *e;

    for (;;) {
        if ((st = cursor_take(c, 1, &b)) != DECODE_OK)
            return st;
        e = &decode_map_onebyte[b];
        if (e->kind != DK_PREFIX)
            break;
        prefix_apply(d, (DecodePrefix)e->mnemonic);
    }
    d->map = DECODE_MAP_ONEBYTE;
    d->opcode = (uint8_t)b;
    if (e->kind == DK_ESCAPE) {
        if ((st = cursor_take(c, 1, &b)) != DECODE_OK)
            return st;
        d->map = DECODE_MAP_0F;
        if (b == 0x38 || b == 0x3A) {
            d->map = b == 0x38 ? DECODE_MAP_0F38 : DECODE_MAP_0F3A;
            if ((st = cursor_take(c, 1, &b)) != DECODE_OK)
                return st;
        }
        d->opcode = (uint8_t)b;
        e = &maps[d->map][b];
    }

    if ((st = entry_resolve(c, d, &e)) != DECODE_OK)
        return st;

    const MnemonicInfo *mi = &mnemonic_info[e->mnemonic];
    d->mnemonic = (Mnemonic)e->mnemonic;
    d->flags = mi->flags;
    d->feature = e->feature ? e->feature : mi->feature;
    if (e->attr & DA_COND)
        d->cond = e->cond;
    if (e->attr & DA_SHADOW)
        d->flags |= DECODE_F_IRQ_SHADOW;
    /* 66 toggles the operand size unless it served as a mandatory prefix
     * (SDM Vol. 2A §2.1.1 group 3); 67 toggles the address size (group 4). */
    bool opsize_toggle = d->opsize_prefix && d->mandatory_prefix != 0x66;
    d->op_size = (e->attr & DA_BYTE) ? 1 : (d->code32 != opsize_toggle) ? 4 : 2;
    d->addr_size = (d->code32 != (bool)d->addrsize_prefix) ? 4 : 2;

    if ((st = operands_decode(c, d, e)) != DECODE_OK)
        return st;
    if (d->mnemonic == MN_MOV_SEG && d->operands[0] == OPND_Sw && d->reg == SEG_SS)
        d->flags |= DECODE_F_IRQ_SHADOW;    /* SDM Vol. 2B MOV: loading SS */
    if (d->lock && !lock_valid(d))
        return DECODE_UD;
    return DECODE_OK;
}

DecodeStatus decode_insn(const uint8_t *bytes, size_t avail, bool code32, DecodedInsn *out)
{
    DecodedInsn d;
    DecodeCursor c = { bytes, avail, 0 };

    memset(&d, 0, sizeof d);
    d.code32 = code32;
    d.seg = d.ea_seg = -1;
    d.ea_base = d.ea_index = -1;
    d.index = 4;
    DecodeStatus st = decode_body(&c, &d);
    d.len = (uint8_t)c.pos;
    if (st != DECODE_OK)
        d.mnemonic = MN_INVALID;    /* nothing to execute by mistake */
    *out = d;
    return st;
}

/* ---- debug formatting -------------------------------------------------- */

static const char *const reg_names[3][8] = {
    { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" },
    { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" },
    { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" },
};
static const char *const seg_names[8] = { "es", "cs", "ss", "ds", "fs", "gs", "?6", "?7" };

static const char *gpr_name(unsigned size, unsigned n)
{
    return reg_names[size == 1 ? 0 : size == 2 ? 1 : 2][n & 7];
}

/* Appends to buf at *pos, never past len; keeps counting like snprintf. */
PRINTF_FMT(4, 5)
static void format_append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*pos < len ? buf + *pos : NULL, *pos < len ? len - *pos : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos += (size_t)n;
}

static void format_mem(const DecodedInsn *d, char *buf, size_t len, size_t *pos)
{
    const char *sep = "";
    unsigned asz = d->addr_size;
    format_append(buf, len, pos, "%s:[", seg_names[d->ea_seg >= 0 ? d->ea_seg : SEG_DS]);
    if (d->ea_base >= 0) {
        format_append(buf, len, pos, "%s", gpr_name(asz, (unsigned)d->ea_base));
        sep = "+";
    }
    if (d->ea_index >= 0) {
        format_append(buf, len, pos, "%s%s*%u", sep, gpr_name(asz, (unsigned)d->ea_index),
                      1u << d->scale);
        sep = "+";
    }
    if (*sep && d->disp < 0)      /* [ebp-0x8] reads better than [ebp+0xfffffff8] */
        format_append(buf, len, pos, "-0x%x", -(unsigned)d->disp);
    else if (d->disp_size || !*sep)
        format_append(buf, len, pos, "%s0x%x", sep,
                      (unsigned)d->disp & (asz == 2 ? 0xFFFFu : 0xFFFFFFFFu));
    format_append(buf, len, pos, "]");
}

static void format_operand(const DecodedInsn *d, unsigned i, char *buf, size_t len, size_t *pos)
{
    OperandKind k = d->operands[i];
    unsigned size = decode_operand_size(d, i);
    const char *name = operand_info[k].name;
    switch (operand_info[k].source) {
    case OPSRC_RM:
    case OPSRC_MEM:
    case OPSRC_RMREG:
        if (decode_operand_is_mem(d, i))
            format_mem(d, buf, len, pos);
        else if (name[0] == 'Q' || name[0] == 'N')
            format_append(buf, len, pos, "mm%u", d->rm);
        else if (name[0] == 'W' || name[0] == 'U')
            format_append(buf, len, pos, "xmm%u", d->rm);
        else if (k == OPND_STi)
            format_append(buf, len, pos, "st(%u)", d->rm);
        else
            format_append(buf, len, pos, "%s", gpr_name(size, d->rm));
        break;
    case OPSRC_REG:
        if (k == OPND_Sw)
            format_append(buf, len, pos, "%s", seg_names[d->reg]);
        else if (k == OPND_Cd || k == OPND_Dd)
            format_append(buf, len, pos, "%cr%u", k == OPND_Cd ? 'c' : 'd', d->reg);
        else if (k == OPND_Pq)
            format_append(buf, len, pos, "mm%u", d->reg);
        else if (k == OPND_Vx)
            format_append(buf, len, pos, "xmm%u", d->reg);
        else
            format_append(buf, len, pos, "%s", gpr_name(size, d->reg));
        break;
    case OPSRC_IMM:
        if (k == OPND_Jb || k == OPND_Jz)
            format_append(buf, len, pos, ".%+d", (int32_t)d->imm);    /* relative to the next insn */
        else if (k == OPND_Ap)
            format_append(buf, len, pos, "0x%x:0x%x", d->imm2, d->imm);
        else if (i > 0 && d->imm2_size && operand_info[d->operands[i - 1]].source == OPSRC_IMM)
            format_append(buf, len, pos, "0x%x", d->imm2);
        else
            format_append(buf, len, pos, "0x%x", d->imm);
        break;
    case OPSRC_MOFFS:
        format_mem(d, buf, len, pos);
        break;
    default:
        if (k == OPND_Zb || k == OPND_Zv)
            format_append(buf, len, pos, "%s", gpr_name(size, d->opcode));
        else if (k == OPND_eAX)
            format_append(buf, len, pos, "%s", gpr_name(size, R_EAX));
        else if (k == OPND_ONE)
            format_append(buf, len, pos, "1");
        else if (k == OPND_ST0)
            format_append(buf, len, pos, "st(0)");
        else if (k == OPND_Xb || k == OPND_Xv)     /* DS (overridable):(E)SI */
            format_append(buf, len, pos, "%s:[%s]", seg_names[d->ea_seg >= 0 ? d->ea_seg : SEG_DS],
                          gpr_name(d->addr_size, R_ESI));
        else if (k == OPND_Yb || k == OPND_Yv)     /* always ES:(E)DI */
            format_append(buf, len, pos, "es:[%s]", gpr_name(d->addr_size, R_EDI));
        else {                  /* AL, CL, AX, DX, ES..GS: the kind name is the register */
            char lower[8] = "";
            for (size_t j = 0; j + 1 < sizeof lower && name[j]; j++)
                lower[j] = (char)(name[j] | 0x20);
            format_append(buf, len, pos, "%s", lower);
        }
        break;
    }
}

int decode_format(const DecodedInsn *d, char *buf, size_t len)
{
    static const char *const rep_names[3] = { "", "rep ", "repne " };
    size_t pos = 0;
    const char *name = mnemonic_name(d->mnemonic);
    if (len)
        buf[0] = '\0';
    format_append(buf, len, &pos, "%s%s", d->lock ? "lock " : "", rep_names[d->rep % 3]);
    if (d->flags & DECODE_F_COND) {
        size_t stem = strlen(name) - 2;     /* "jcc" -> "j" + condition */
        format_append(buf, len, &pos, "%.*s%s", (int)stem, name, decode_cond_name(d->cond));
    } else {
        format_append(buf, len, &pos, "%s", name);
    }
    for (unsigned i = 0; i < d->noperands; i++) {
        format_append(buf, len, &pos, i ? ", " : " ");
        format_operand(d, i, buf, len, &pos);
    }
    format_append(buf, len, &pos, "  ; len=%u o%u a%u", d->len, d->op_size * 8u,
                  d->addr_size * 8u);
    return (int)pos;
}
