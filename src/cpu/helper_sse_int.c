/* Packed integer SIMD on MMX (64-bit) and XMM (128-bit) registers: the
 * MMX set, its SSE additions (PAVG, PMIN/PMAX, PSADBW, PSHUFW, PEXTRW,
 * PINSRW, PMOVMSKB, PMULHUW) and SSE2's 128-bit forms plus PADDQ, PSUBQ,
 * PMULUDQ, PSHUFD/HW/LW, PSLLDQ/PSRLDQ, PUNPCK*QDQ; also the bitwise and
 * shuffle instructions of the float sets (ANDPS.., SHUFPS/PD, UNPCK*PS/PD),
 * which raise no SIMD floating-point exceptions. One helper, one lane
 * loop parameterized by lane width (SDM Vol. 1 §9.4, §10.4.4, §11.4.3;
 * Vol. 2 instruction pages). */
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/guest.h"
#include "cpu/mem.h"
#include "cpu/sse.h"

/* A register's worth of lanes: 1 (MMX) or 2 (XMM) quadwords. */
typedef struct Vec {
    uint64_t q[2];
} Vec;

static uint64_t lane(const Vec *v, unsigned bits, unsigned i)
{
    unsigned per = 64 / bits;
    uint64_t q = v->q[i / per];
    if (bits == 64)
        return q;
    return (q >> ((i % per) * bits)) & ((1ull << bits) - 1);
}

static void set_lane(Vec *v, unsigned bits, unsigned i, uint64_t x)
{
    unsigned per = 64 / bits;
    if (bits == 64) {
        v->q[i] = x;
        return;
    }
    unsigned sh = (i % per) * bits;
    uint64_t m = ((1ull << bits) - 1) << sh;
    v->q[i / per] = (v->q[i / per] & ~m) | ((x << sh) & m);
}

static int64_t sext(uint64_t x, unsigned bits)
{
    return bits == 64 ? (int64_t)x : (int64_t)(x << (64 - bits)) >> (64 - bits);
}

static uint64_t sat_s(int64_t x, unsigned bits)
{
    int64_t hi = (1ll << (bits - 1)) - 1, lo = -hi - 1;
    return (uint64_t)(x > hi ? hi : x < lo ? lo : x);
}

static uint64_t sat_u(int64_t x, unsigned bits)
{
    int64_t hi = (1ll << bits) - 1;
    return (uint64_t)(x > hi ? hi : x < 0 ? 0 : x);
}

/* Lane width of the element-wise binary operations; 0: not one. */
static unsigned binop_bits(unsigned mn)
{
    switch (mn) {
    case MN_PADDB: case MN_PADDSB: case MN_PADDUSB: case MN_PSUBB: case MN_PSUBSB: case MN_PSUBUSB:
    case MN_PCMPEQB: case MN_PCMPGTB: case MN_PAVGB: case MN_PMAXUB: case MN_PMINUB:
        return 8;
    case MN_PADDW: case MN_PADDSW: case MN_PADDUSW: case MN_PSUBW: case MN_PSUBSW: case MN_PSUBUSW:
    case MN_PCMPEQW: case MN_PCMPGTW: case MN_PAVGW: case MN_PMAXSW: case MN_PMINSW:
    case MN_PMULHW: case MN_PMULLW: case MN_PMULHUW:
        return 16;
    case MN_PADDD: case MN_PSUBD: case MN_PCMPEQD: case MN_PCMPGTD:
        return 32;
    case MN_PADDQ: case MN_PSUBQ:
        return 64;
    default:
        return 0;
    }
}

static uint64_t binop_lane(unsigned mn, uint64_t a, uint64_t b, unsigned bits)
{
    int64_t sa = sext(a, bits), sb = sext(b, bits);
    uint64_t ones = bits == 64 ? ~0ull : (1ull << bits) - 1;
    switch (mn) {
    case MN_PADDB: case MN_PADDW: case MN_PADDD: case MN_PADDQ: return a + b;
    case MN_PSUBB: case MN_PSUBW: case MN_PSUBD: case MN_PSUBQ: return a - b;
    case MN_PADDSB: case MN_PADDSW: return sat_s(sa + sb, bits);
    case MN_PSUBSB: case MN_PSUBSW: return sat_s(sa - sb, bits);
    case MN_PADDUSB: case MN_PADDUSW: return sat_u((int64_t)(a + b), bits);
    case MN_PSUBUSB: case MN_PSUBUSW: return sat_u((int64_t)a - (int64_t)b, bits);
    case MN_PCMPEQB: case MN_PCMPEQW: case MN_PCMPEQD: return a == b ? ones : 0;
    case MN_PCMPGTB: case MN_PCMPGTW: case MN_PCMPGTD: return sa > sb ? ones : 0;
    case MN_PAVGB: case MN_PAVGW: return (a + b + 1) >> 1;
    case MN_PMAXUB: return a > b ? a : b;
    case MN_PMINUB: return a < b ? a : b;
    case MN_PMAXSW: return sa > sb ? a : b;
    case MN_PMINSW: return sa < sb ? a : b;
    case MN_PMULLW: return (uint64_t)(sa * sb);
    case MN_PMULHW: return (uint64_t)((sa * sb) >> 16);
    case MN_PMULHUW: return (a * b) >> 16;
    default: return 0;
    }
}

/* Shifts: the count is the whole 64-bit source (register or memory) or
 * the immediate; counts past the lane width clear it, or fill it with the
 * sign for arithmetic shifts (SDM Vol. 2B PSLLW/PSRAW...). */
static void shift(unsigned mn, Vec *d, unsigned nq, uint64_t count)
{
    unsigned bits;
    switch (mn) {
    case MN_PSLLW: case MN_PSRLW: case MN_PSRAW: bits = 16; break;
    case MN_PSLLD: case MN_PSRLD: case MN_PSRAD: bits = 32; break;
    default: bits = 64; break;
    }
    bool arith = mn == MN_PSRAW || mn == MN_PSRAD;
    bool left = mn == MN_PSLLW || mn == MN_PSLLD || mn == MN_PSLLQ;
    for (unsigned i = 0; i < nq * 64 / bits; i++) {
        uint64_t x = lane(d, bits, i);
        if (arith)
            x = (uint64_t)(sext(x, bits) >> (count >= bits ? bits - 1 : count));
        else if (count >= bits)
            x = 0;
        else
            x = left ? x << count : x >> count;
        set_lane(d, bits, i, x);
    }
}

static void pack(unsigned mn, Vec *d, const Vec *s, unsigned nq)
{
    unsigned from = mn == MN_PACKSSDW ? 32 : 16, to = from / 2, n = nq * 64 / from;
    Vec r = {{0, 0}};
    for (unsigned i = 0; i < 2 * n; i++) {
        int64_t x = sext(lane(i < n ? d : s, from, i % n), from);
        set_lane(&r, to, i, mn == MN_PACKUSWB ? sat_u(x, to) : sat_s(x, to));
    }
    *d = r;
}

/* PUNPCKL/H: interleave the low (or high) halves' lanes, destination first. */
static void unpack(unsigned bits, bool high, Vec *d, const Vec *s, unsigned nq)
{
    unsigned n = nq * 64 / bits / 2, base = high ? n : 0;
    Vec r = {{0, 0}};
    for (unsigned i = 0; i < n; i++) {
        set_lane(&r, bits, 2 * i, lane(d, bits, base + i));
        set_lane(&r, bits, 2 * i + 1, lane(s, bits, base + i));
    }
    *d = r;
}

static void byte_shift(Vec *d, unsigned count, bool left)
{
    Vec r = {{0, 0}};
    for (unsigned i = 0; i < 16; i++) {
        int from = left ? (int)i - (int)count : (int)i + (int)count;
        if (from >= 0 && from < 16)
            set_lane(&r, 8, i, lane(d, 8, (unsigned)from));
    }
    *d = r;
}

static bool is_xmm_form(const SseInsn *in)
{
    switch (in->mn) {
    case MN_ANDPS: case MN_ANDNPS: case MN_ORPS: case MN_XORPS: case MN_SHUFPS: case MN_UNPCKHPS:
    case MN_UNPCKLPS:
        return true;
    default:
        return in->pfx != SSE_PFX_NONE;
    }
}

uint64_t helper_sse_int(void *env, uint64_t desc, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    FpuState *f = &cpu->fpu;
    (void)a3;
    SseInsn in = sse_insn_unpack(desc, a1, a2);
    bool xmm = is_xmm_form(&in);
    unsigned nq = xmm ? 2 : 1;
    if (xmm)
        sse_check_xmm(cpu);
    else
        sse_check_mmx(cpu);
    sse_check_mem(cpu, &in, 0);
    /* The immediate shifts (0F 71-73) name their register in ModRM.rm. */
    bool imm_shift = in.opcode >= 0x71 && in.opcode <= 0x73;
    unsigned dn = imm_shift ? in.rm : in.reg;
    Vec d = {{0, 0}}, s = {{0, 0}};
    if (xmm)
        memcpy(d.q, f->xmm[dn], 16);
    else
        d.q[0] = f->st[dn].mant;
    if (in.mn == MN_PINSRW) {
        s.q[0] = in.mem ? cpu_ld(cpu, in.addr, 2) : in.addr;
    } else if (in.mem) {
        sse_load(cpu, &in, s.q);
    } else if (xmm) {
        memcpy(s.q, f->xmm[in.rm], 16);
    } else {
        s.q[0] = f->st[in.rm].mant;
    }
    uint64_t ret = 0;
    unsigned bits = binop_bits(in.mn);
    if (bits) {
        for (unsigned i = 0; i < nq * 64 / bits; i++)
            set_lane(&d, bits, i, binop_lane(in.mn, lane(&d, bits, i), lane(&s, bits, i), bits));
    } else {
        switch (in.mn) {
        case MN_PAND: case MN_ANDPS: case MN_ANDPD:
            d.q[0] &= s.q[0], d.q[1] &= s.q[1];
            break;
        case MN_PANDN: case MN_ANDNPS: case MN_ANDNPD:
            d.q[0] = ~d.q[0] & s.q[0], d.q[1] = ~d.q[1] & s.q[1];
            break;
        case MN_POR: case MN_ORPS: case MN_ORPD:
            d.q[0] |= s.q[0], d.q[1] |= s.q[1];
            break;
        case MN_PXOR: case MN_XORPS: case MN_XORPD:
            d.q[0] ^= s.q[0], d.q[1] ^= s.q[1];
            break;
        case MN_PSLLW: case MN_PSLLD: case MN_PSLLQ: case MN_PSRLW: case MN_PSRLD: case MN_PSRLQ:
        case MN_PSRAW: case MN_PSRAD:
            shift(in.mn, &d, nq, imm_shift ? in.imm : s.q[0]);
            break;
        case MN_PSLLDQ: case MN_PSRLDQ:
            byte_shift(&d, in.imm, in.mn == MN_PSLLDQ);
            break;
        case MN_PMADDWD:
            for (unsigned i = 0; i < nq * 2; i++) {
                int64_t lo = sext(lane(&d, 16, 2 * i), 16) * sext(lane(&s, 16, 2 * i), 16);
                int64_t hi = sext(lane(&d, 16, 2 * i + 1), 16) * sext(lane(&s, 16, 2 * i + 1), 16);
                /* Only 0x8000 * 4 wraps, to 0x80000000, as the SDM says. */
                set_lane(&d, 32, i, (uint64_t)(lo + hi));
            }
            break;
        case MN_PMULUDQ:
            for (unsigned i = 0; i < nq; i++)
                d.q[i] = (d.q[i] & 0xFFFFFFFFu) * (s.q[i] & 0xFFFFFFFFu);
            break;
        case MN_PSADBW:
            for (unsigned i = 0; i < nq; i++) {
                uint64_t sum = 0;
                for (unsigned j = 0; j < 8; j++) {
                    int64_t x = (int64_t)lane(&d, 8, i * 8 + j) - (int64_t)lane(&s, 8, i * 8 + j);
                    sum += (uint64_t)(x < 0 ? -x : x);
                }
                d.q[i] = sum;
            }
            break;
        case MN_PACKSSWB: case MN_PACKSSDW: case MN_PACKUSWB:
            pack(in.mn, &d, &s, nq);
            break;
        case MN_PUNPCKLBW: unpack(8, false, &d, &s, nq); break;
        case MN_PUNPCKLWD: unpack(16, false, &d, &s, nq); break;
        case MN_PUNPCKLDQ: case MN_UNPCKLPS: unpack(32, false, &d, &s, nq); break;
        case MN_PUNPCKLQDQ: case MN_UNPCKLPD: unpack(64, false, &d, &s, nq); break;
        case MN_PUNPCKHBW: unpack(8, true, &d, &s, nq); break;
        case MN_PUNPCKHWD: unpack(16, true, &d, &s, nq); break;
        case MN_PUNPCKHDQ: case MN_UNPCKHPS: unpack(32, true, &d, &s, nq); break;
        case MN_PUNPCKHQDQ: case MN_UNPCKHPD: unpack(64, true, &d, &s, nq); break;
        case MN_PSHUFW: case MN_PSHUFD:
            for (unsigned i = 0; i < 4; i++)
                set_lane(&d, in.mn == MN_PSHUFW ? 16 : 32, i,
                         lane(&s, in.mn == MN_PSHUFW ? 16 : 32, (in.imm >> (2 * i)) & 3));
            break;
        case MN_PSHUFLW: case MN_PSHUFHW: {
            unsigned base = in.mn == MN_PSHUFHW ? 4 : 0;
            d = s;
            for (unsigned i = 0; i < 4; i++)
                set_lane(&d, 16, base + i, lane(&s, 16, base + ((in.imm >> (2 * i)) & 3)));
            break;
        }
        case MN_SHUFPS: {
            Vec r = {{0, 0}};
            for (unsigned i = 0; i < 4; i++)
                set_lane(&r, 32, i, lane(i < 2 ? &d : &s, 32, (in.imm >> (2 * i)) & 3));
            d = r;
            break;
        }
        case MN_SHUFPD: {
            Vec r = {{d.q[in.imm & 1], s.q[(in.imm >> 1) & 1]}};
            d = r;
            break;
        }
        case MN_PINSRW:
            set_lane(&d, 16, in.imm & (nq * 4 - 1), s.q[0]);
            break;
        case MN_PEXTRW:
            ret = lane(&s, 16, in.imm & (nq * 4 - 1));
            break;
        case MN_PMOVMSKB:
            for (unsigned i = 0; i < nq * 8; i++)
                ret |= (lane(&s, 8, i) >> 7) << i;
            break;
        default:
            cpu_raise_exception(cpu, EXCP_UD, false, 0);
        }
    }
    if (in.mn != MN_PEXTRW && in.mn != MN_PMOVMSKB) {
        if (xmm)
            memcpy(f->xmm[dn], d.q, 16);
        else
            mmx_set(cpu, dn, d.q[0]);
    }
    if (!xmm)
        fpu_mmx_enter(f);
    return ret;
}
