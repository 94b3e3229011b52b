/* Lazy flags (src/cpu/flags.c) against the host CPU: each cc_op group's
 * instruction runs natively on random and edge-case operands, the operands
 * are recorded the way cc_op.h says the lowering records them, and
 * cc_compute_all()/cc_compute_c() must give the host's flags on every flag
 * the SDM defines. Undefined flags are masked (table below) and only
 * counted. Needs an x86-64 host; elsewhere the host tests are skipped. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "helpers/flag_stats.h"
#include "cpu/cc_op.h"

#if defined(__x86_64__)
#define FLAGS_HAVE_HOST 1
#else
#define FLAGS_HAVE_HOST 0
#endif

#define FLAGS_CASES 100000       /* random cases per group and operand size */
#define FLAGS_SEED 0x6a697470635f6363ull

#if FLAGS_HAVE_HOST
/* ---- deterministic operands ------------------------------------------ */

typedef struct Rng {
    uint64_t state;
} Rng;

static uint64_t rng_next(Rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);    /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t width_mask(unsigned size)
{
    return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

/* Random operand at a width, one time in four an edge value: 0, 1, all
 * ones, the sign boundaries, the nibble boundary that drives AF. */
static uint32_t rng_operand(Rng *r, unsigned size)
{
    uint32_t m = width_mask(size), half = m >> 1;
    const uint32_t edges[] = {0, 1, 2, m, m - 1, half, half + 1, half - 1, 0xf & m, 0x10 & m};
    uint64_t x = rng_next(r);
    if ((x & 3) == 0)
        return edges[(x >> 8) % (sizeof edges / sizeof edges[0])];
    return (uint32_t)(x >> 32) & m;
}

static uint32_t rng_flags(Rng *r)
{
    return (uint32_t)rng_next(r) & CC_ALL;
}

/* ---- running one instruction on the host ------------------------------ */

/* Operands live in fixed registers: A = rax (destination), S = rsi
 * (source), C = rcx (shift count). EFLAGS is set with popf beforehand and
 * read with pushf after; the stack pointer first steps over the red zone,
 * where the compiler may keep locals. */
typedef struct HostRun {
    uint64_t a, s, c, d;
    uint64_t flags;
} HostRun;

#define HOST_INSN(name, insn)                                                 \
    static void name(HostRun *r)                                              \
    {                                                                         \
        uint64_t f = (r->flags & CC_ALL) | 2;                                 \
        __asm__ volatile("lea -128(%%rsp), %%rsp\n\t"                         \
                         "push %[f]\n\t"                                      \
                         "popfq\n\t" insn "\n\t"                              \
                         "pushfq\n\t"                                         \
                         "pop %[f]\n\t"                                       \
                         "lea 128(%%rsp), %%rsp"                              \
                         : "+a"(r->a), "+S"(r->s), "+c"(r->c), "+d"(r->d),    \
                           [f] "+r"(f)                                        \
                         :                                                    \
                         : "cc", "memory");                                   \
        r->flags = f & CC_ALL;                                                \
    }

#define HOST_SIZED(op, b, w, l)                                               \
    HOST_INSN(host_##op##_b, b)                                               \
    HOST_INSN(host_##op##_w, w)                                               \
    HOST_INSN(host_##op##_l, l)

HOST_SIZED(add, "addb %%sil, %%al", "addw %%si, %%ax", "addl %%esi, %%eax")
HOST_SIZED(adc, "adcb %%sil, %%al", "adcw %%si, %%ax", "adcl %%esi, %%eax")
HOST_SIZED(sub, "subb %%sil, %%al", "subw %%si, %%ax", "subl %%esi, %%eax")
HOST_SIZED(sbb, "sbbb %%sil, %%al", "sbbw %%si, %%ax", "sbbl %%esi, %%eax")
HOST_SIZED(cmp, "cmpb %%sil, %%al", "cmpw %%si, %%ax", "cmpl %%esi, %%eax")
HOST_SIZED(neg, "negb %%al", "negw %%ax", "negl %%eax")
HOST_SIZED(and, "andb %%sil, %%al", "andw %%si, %%ax", "andl %%esi, %%eax")
HOST_SIZED(or, "orb %%sil, %%al", "orw %%si, %%ax", "orl %%esi, %%eax")
HOST_SIZED(xor, "xorb %%sil, %%al", "xorw %%si, %%ax", "xorl %%esi, %%eax")
HOST_SIZED(test, "testb %%sil, %%al", "testw %%si, %%ax", "testl %%esi, %%eax")
HOST_SIZED(inc, "incb %%al", "incw %%ax", "incl %%eax")
HOST_SIZED(dec, "decb %%al", "decw %%ax", "decl %%eax")
HOST_SIZED(shl, "shlb %%cl, %%al", "shlw %%cl, %%ax", "shll %%cl, %%eax")
HOST_SIZED(shr, "shrb %%cl, %%al", "shrw %%cl, %%ax", "shrl %%cl, %%eax")
HOST_SIZED(sar, "sarb %%cl, %%al", "sarw %%cl, %%ax", "sarl %%cl, %%eax")
/* One-operand MUL/IMUL: AL*r8 -> AX, AX*r16 -> DX:AX, EAX*r32 -> EDX:EAX. */
HOST_SIZED(mul, "mulb %%sil", "mulw %%si", "mull %%esi")
HOST_SIZED(imul1, "imulb %%sil", "imulw %%si", "imull %%esi")
/* Two-operand IMUL has no byte form; the b slot repeats the w one. */
HOST_SIZED(imul2, "imulw %%si, %%ax", "imulw %%si, %%ax", "imull %%esi, %%eax")
HOST_INSN(host_clr_xor, "xorl %%eax, %%eax")
HOST_INSN(host_clr_sub, "subl %%eax, %%eax")

typedef void (*HostFn)(HostRun *r);
#endif

/* ---- which flags the SDM defines --------------------------------------
 * Per instruction, the flags the SDM (Vol. 2 "Flags Affected") leaves
 * undefined; the tests compare every other flag.
 *   ADD ADC SUB SBB CMP NEG  none                    SDM Vol. 2A/2B ADD, ADC, SUB, SBB, CMP, NEG
 *   INC DEC                  none (CF unaffected)    SDM Vol. 2A INC, DEC
 *   AND OR XOR TEST          AF                      SDM Vol. 2A AND; 2B OR, XOR, TEST
 *   SHL SHR (count c)        AF; OF if c > 1; CF if c >= width   SDM Vol. 2B SAL/SAR/SHL/SHR
 *   SAR (count c)            AF; OF if c > 1         SDM Vol. 2B SAL/SAR/SHL/SHR
 *   MUL IMUL                 SF ZF AF PF             SDM Vol. 2A IMUL, MUL */
typedef enum FlagsKind {
    KIND_ADD, KIND_ADC, KIND_SUB, KIND_SBB, KIND_CMP, KIND_NEG,
    KIND_LOGIC_AND, KIND_LOGIC_OR, KIND_LOGIC_XOR, KIND_LOGIC_TEST,
    KIND_INC, KIND_DEC, KIND_SHL, KIND_SHR, KIND_SAR,
    KIND_MUL, KIND_IMUL1, KIND_IMUL2,
} FlagsKind;

#if FLAGS_HAVE_HOST
static uint32_t flags_undefined(FlagsKind kind, unsigned size, unsigned count)
{
    unsigned bits = size * 8;
    switch (kind) {
    case KIND_LOGIC_AND:
    case KIND_LOGIC_OR:
    case KIND_LOGIC_XOR:
    case KIND_LOGIC_TEST:
        return CC_A;
    case KIND_SHL:
    case KIND_SHR:
        return CC_A | (count > 1 ? CC_O : 0) | (count >= bits ? CC_C : 0);
    case KIND_SAR:
        return CC_A | (count > 1 ? CC_O : 0);
    case KIND_MUL:
    case KIND_IMUL1:
    case KIND_IMUL2:
        return CC_S | CC_Z | CC_A | CC_P;
    default:
        return 0;
    }
}
#endif

/* ---- the groups ------------------------------------------------------- */

typedef struct FlagsGroup {
    const char *name;
    FlagsKind kind;
    CcOp op;                    /* byte variant */
#if FLAGS_HAVE_HOST
    HostFn host[3];             /* b, w, l */
#endif
} FlagsGroup;

#if FLAGS_HAVE_HOST
#define GROUP(name, kind, op, fn) {name, kind, op, {host_##fn##_b, host_##fn##_w, host_##fn##_l}}
#else
#define GROUP(name, kind, op, fn) {name, kind, op}
#endif

static const FlagsGroup flags_groups[] = {
    GROUP("add", KIND_ADD, CC_OP_ADDB, add),
    GROUP("adc", KIND_ADC, CC_OP_ADCB, adc),
    GROUP("sub", KIND_SUB, CC_OP_SUBB, sub),
    GROUP("sbb", KIND_SBB, CC_OP_SBBB, sbb),
    GROUP("cmp", KIND_CMP, CC_OP_SUBB, cmp),
    GROUP("neg", KIND_NEG, CC_OP_SUBB, neg),
    GROUP("and", KIND_LOGIC_AND, CC_OP_LOGICB, and),
    GROUP("or", KIND_LOGIC_OR, CC_OP_LOGICB, or),
    GROUP("xor", KIND_LOGIC_XOR, CC_OP_LOGICB, xor),
    GROUP("test", KIND_LOGIC_TEST, CC_OP_LOGICB, test),
    GROUP("inc", KIND_INC, CC_OP_INCB, inc),
    GROUP("dec", KIND_DEC, CC_OP_DECB, dec),
    GROUP("shl", KIND_SHL, CC_OP_SHLB, shl),
    GROUP("shr", KIND_SHR, CC_OP_SARB, shr),
    GROUP("sar", KIND_SAR, CC_OP_SARB, sar),
    GROUP("mul", KIND_MUL, CC_OP_MULB, mul),
    GROUP("imul (one operand)", KIND_IMUL1, CC_OP_MULB, imul1),
    GROUP("imul (two operands)", KIND_IMUL2, CC_OP_MULB, imul2),
};

#if FLAGS_HAVE_HOST
/* The sign-extended value of the low `bits` of v, as a 64-bit integer. */
static int64_t sext(uint64_t v, unsigned bits)
{
    uint64_t m = (uint64_t)1 << (bits - 1);
    v &= (m << 1) - 1;
    return (int64_t)(v ^ m) - (int64_t)m;
}

/* What the lowering records for one executed instruction: inputs a
 * (destination), b (source), count and flags_in; `res_lo`/`res_hi` are
 * the host's results. */
typedef struct Recorded {
    uint32_t dst, src, src2;
} Recorded;

static Recorded flags_record(FlagsKind kind, unsigned size, uint32_t a, uint32_t b, unsigned count,
                             uint32_t flags_in, uint32_t res_lo, uint32_t res_hi)
{
    unsigned bits = size * 8;
    uint32_t m = width_mask(size);
    Recorded r = {res_lo & m, 0, 0};
    switch (kind) {
    case KIND_ADD:
    case KIND_SUB:
        r.src = b;
        break;
    case KIND_ADC:
    case KIND_SBB:
        r.src = b;
        r.src2 = flags_in & CC_C;
        break;
    case KIND_CMP:              /* no result written: the lowering computes it */
        r.dst = (a - b) & m;
        r.src = b;
        break;
    case KIND_NEG:              /* SUB from 0 */
        r.src = a;
        break;
    case KIND_LOGIC_TEST:
        r.dst = a & b;
        break;
    case KIND_LOGIC_AND:
    case KIND_LOGIC_OR:
    case KIND_LOGIC_XOR:
        break;
    case KIND_INC:
    case KIND_DEC:
        r.src = flags_in & CC_C;
        break;
    case KIND_SHL:
        r.src = (a << (count - 1)) & m;
        break;
    case KIND_SHR:
        r.src = a >> (count - 1);
        r.src2 = count == 1 ? (a >> (bits - 1)) & 1 : 0;
        break;
    case KIND_SAR:
        r.src = (uint32_t)(sext(a, bits) >> (count - 1)) & m;
        break;
    case KIND_MUL:
        r.src = res_hi & m;
        break;
    case KIND_IMUL1:
    case KIND_IMUL2: {
        /* high half minus the sign extension of the low half */
        int64_t p = sext(a, bits) * sext(b, bits);
        uint32_t hi = kind == KIND_IMUL1 ? res_hi : (uint32_t)((uint64_t)p >> bits);
        uint32_t lo_sign = ((res_lo >> (bits - 1)) & 1) ? m : 0;
        r.src = (hi - lo_sign) & m;
        break;
    }
    }
    return r;
}
#endif

/* ---- table checks, host-independent ----------------------------------- */

Test(flags, every_op_has_a_unique_name)
{
    for (int i = 0; i < CC_OP_COUNT; i++) {
        const char *n = cc_op_name((CcOp)i);
        cr_assert_not_null(n);
        cr_assert_neq(strcmp(n, "INVALID"), 0, "op %d unnamed", i);
        for (int j = 0; j < i; j++)
            cr_assert_neq(strcmp(n, cc_op_name((CcOp)j)), 0, "%s named twice", n);
    }
    cr_assert_str_eq(cc_op_name(CC_OP_ADDL), "ADDL");
    cr_assert_str_eq(cc_op_name(CC_OP_COUNT), "INVALID");
    cr_assert_str_eq(cc_op_name((CcOp)-1), "INVALID");
}

Test(flags, dynamic_and_unknown_ops_give_zero)
{
    cr_assert_eq(cc_compute_all(CC_OP_DYNAMIC, 0x80, 1, 1), 0);
    cr_assert_eq(cc_compute_c(CC_OP_DYNAMIC, 0x80, 1, 1), 0);
    cr_assert_eq(cc_compute_all(CC_OP_COUNT, 0, 0, 0), 0);
    cr_assert_eq(cc_compute_all((CcOp)1000, 1, 2, 3), 0);
    cr_assert_eq(cc_compute_c((CcOp)-5, 1, 2, 3), 0);
}

Test(flags, eflags_and_clr)
{
    cr_assert_eq(cc_compute_all(CC_OP_EFLAGS, 0, 0xffffffffu, 0), CC_ALL);
    cr_assert_eq(cc_compute_all(CC_OP_EFLAGS, 0, CC_C | CC_O | 0x200, 0), CC_C | CC_O);
    cr_assert_eq(cc_compute_c(CC_OP_EFLAGS, 0, CC_C, 0), CC_C);
    cr_assert_eq(cc_compute_all(CC_OP_CLR, 123, 456, 789), CC_Z | CC_P);
    cr_assert_eq(cc_compute_c(CC_OP_CLR, 0, 0, 0), 0);
}

Test(flags, sized_variants)
{
    cr_assert_eq(cc_op_sized(CC_OP_ADDB, 1), CC_OP_ADDB);
    cr_assert_eq(cc_op_sized(CC_OP_SUBB, 2), CC_OP_SUBW);
    cr_assert_eq(cc_op_sized(CC_OP_MULB, 4), CC_OP_MULL);
}

/* Worked examples from the SDM and by hand, so a failure names the case. */
Test(flags, known_values)
{
    /* 0x7f + 1 = 0x80: OF, SF, AF; parity of 0x80 is odd. */
    cr_assert_eq(cc_compute_all(CC_OP_ADDB, 0x80, 1, 0), CC_O | CC_S | CC_A);
    /* 0xff + 1 = 0x00: CF ZF AF PF. */
    cr_assert_eq(cc_compute_all(CC_OP_ADDB, 0x00, 1, 0), CC_C | CC_Z | CC_A | CC_P);
    /* ADC 0xffff + 0xffff + 1 = 0xffff, CF. */
    cr_assert_eq(cc_compute_all(CC_OP_ADCW, 0xffff, 0xffff, 1), CC_C | CC_S | CC_A | CC_P);
    /* 0 - 1 = 0xffffffff: CF SF AF PF. */
    cr_assert_eq(cc_compute_all(CC_OP_SUBL, 0xffffffffu, 1, 0), CC_C | CC_S | CC_A | CC_P);
    /* NEG 0x80 = 0x80: OF, CF, SF. */
    cr_assert_eq(cc_compute_all(CC_OP_SUBB, 0x80, 0x80, 0), CC_O | CC_C | CC_S);
    /* SBB 0 - 0 - 1 = 0xff: CF SF AF PF. */
    cr_assert_eq(cc_compute_all(CC_OP_SBBB, 0xff, 0, 1), CC_C | CC_S | CC_A | CC_P);
    /* INC 0x7fff -> 0x8000 keeps CF. */
    cr_assert_eq(cc_compute_all(CC_OP_INCW, 0x8000, 1, 0), CC_O | CC_S | CC_A | CC_P | CC_C);
    /* DEC 0x80000000 -> 0x7fffffff. */
    cr_assert_eq(cc_compute_all(CC_OP_DECL, 0x7fffffff, 0, 0), CC_O | CC_A | CC_P);
    /* LOGIC: PF counts only the low byte. */
    cr_assert_eq(cc_compute_all(CC_OP_LOGICL, 0x0100, 0, 0), CC_P);
    /* SHL 0x40 by 1 = 0x80: OF (sign changed), no CF. */
    cr_assert_eq(cc_compute_all(CC_OP_SHLB, 0x80, 0x40, 0), CC_O | CC_S);
    /* SHR 0x81 by 1 = 0x40: CF, OF = old MSB (recorded in src2). */
    cr_assert_eq(cc_compute_all(CC_OP_SARB, 0x40, 0x81, 1), CC_C | CC_O);
    /* MUL overflow. */
    cr_assert_eq(cc_compute_all(CC_OP_MULW, 0x0000, 1, 0), CC_C | CC_O | CC_Z | CC_P);
}

/* ---- against the host ------------------------------------------------- */

#if FLAGS_HAVE_HOST
/* Undefined flags are not asserted; how often ours match this host's is
 * counted per flag, for the log (helpers/flag_stats.c). */

/* One case: run the host, record, compare. Returns nothing; asserts. */
static void flags_check_case(const FlagsGroup *g, unsigned size, uint32_t a, uint32_t b,
                             unsigned count, uint32_t flags_in, FlagStats *st)
{
    unsigned si = size == 1 ? 0 : size == 2 ? 1 : 2;
    uint32_t m = width_mask(size);
    HostRun r = {a & m, b & m, count, 0, flags_in};
    CcOp op = cc_op_sized(g->op, size);
    uint32_t res_lo, res_hi, undef, ours, c;
    Recorded rec;

    if (g->kind == KIND_IMUL2 && size == 1)
        return;                 /* no byte form */
    g->host[si](&r);
    if (g->kind == KIND_MUL || g->kind == KIND_IMUL1) {
        res_lo = size == 1 ? (uint32_t)r.a & 0xff : (uint32_t)r.a & m;
        res_hi = size == 1 ? ((uint32_t)r.a >> 8) & 0xff : (uint32_t)r.d & m;
    } else {
        res_lo = (uint32_t)r.a & m;
        res_hi = 0;
    }

    if ((g->kind == KIND_SHL || g->kind == KIND_SHR || g->kind == KIND_SAR) && (count & 31) == 0) {
        /* A masked count of 0 changes no flag: the lowering keeps cc_op. */
        cr_assert_eq(r.flags, flags_in, "%s%u count %u: host changed flags", g->name, size * 8, count);
        st->cases++;
        return;
    }
    rec = flags_record(g->kind, size, a & m, b & m, count & 31, flags_in, res_lo, res_hi);
    ours = cc_compute_all(op, rec.dst, rec.src, rec.src2);
    c = cc_compute_c(op, rec.dst, rec.src, rec.src2);
    undef = flags_undefined(g->kind, size, count & 31);
    cr_assert_eq(ours & ~undef, (uint32_t)r.flags & ~undef,
                 "%s%u a=%#x b=%#x count=%u flags_in=%#x: ours %#x host %#x (compared %#x)",
                 g->name, size * 8, a & m, b & m, count, flags_in, ours, (unsigned)r.flags,
                 CC_ALL & ~undef);
    cr_assert_eq(c, ours & CC_C, "%s%u: cc_compute_c disagrees with cc_compute_all", g->name,
                 size * 8);
    st->cases++;
    flag_stats_count(st, undef, ours, (uint32_t)r.flags);
}

static void flags_run_group(const FlagsGroup *g)
{
    Rng rng = {FLAGS_SEED};
    FlagStats st = {0};
    bool shift = g->kind == KIND_SHL || g->kind == KIND_SHR || g->kind == KIND_SAR;

    for (unsigned size = 1; size <= 4; size *= 2) {
        /* Exhaustive over the byte operands (and carry in), random beyond. */
        if (size == 1 && !shift) {
            for (uint32_t a = 0; a < 256; a++)
                for (uint32_t b = 0; b < 256; b++)
                    flags_check_case(g, 1, a, b, 0, (a ^ b) & 1 ? CC_C : 0, &st);
        }
        for (unsigned i = 0; i < FLAGS_CASES; i++) {
            uint32_t a = rng_operand(&rng, size), b = rng_operand(&rng, size);
            unsigned count = shift ? (unsigned)(rng_next(&rng) % 41) : 0;  /* 32..40 test the mask */
            flags_check_case(g, size, a, b, count, rng_flags(&rng), &st);
        }
    }
    flag_stats_log(g->name, &st);
}
#endif

#define FLAGS_HOST_TEST(ident, index)                                         \
    Test(flags, host_##ident)                                                 \
    {                                                                         \
        if (!FLAGS_HAVE_HOST)                                                 \
            cr_skip_test("host comparison needs an x86-64 host");             \
        HOST_ONLY(flags_run_group(&flags_groups[index]));                     \
    }
#if FLAGS_HAVE_HOST
#define HOST_ONLY(x) x
#else
#define HOST_ONLY(x) (void)0
#endif

FLAGS_HOST_TEST(add, 0)
FLAGS_HOST_TEST(adc, 1)
FLAGS_HOST_TEST(sub, 2)
FLAGS_HOST_TEST(sbb, 3)
FLAGS_HOST_TEST(cmp, 4)
FLAGS_HOST_TEST(neg, 5)
FLAGS_HOST_TEST(and, 6)
FLAGS_HOST_TEST(or, 7)
FLAGS_HOST_TEST(xor, 8)
FLAGS_HOST_TEST(test, 9)
FLAGS_HOST_TEST(inc, 10)
FLAGS_HOST_TEST(dec, 11)
FLAGS_HOST_TEST(shl, 12)
FLAGS_HOST_TEST(shr, 13)
FLAGS_HOST_TEST(sar, 14)
FLAGS_HOST_TEST(mul, 15)
FLAGS_HOST_TEST(imul_one_operand, 16)
FLAGS_HOST_TEST(imul_two_operands, 17)

_Static_assert(sizeof flags_groups / sizeof flags_groups[0] == 18, "one host test per group");

Test(flags, host_clr)
{
#if FLAGS_HAVE_HOST
    Rng rng = {FLAGS_SEED};
    for (unsigned i = 0; i < 1000; i++) {
        uint32_t in = rng_flags(&rng);
        HostRun r = {rng_next(&rng), 0, 0, 0, in};
        host_clr_sub(&r);       /* SUB r,r: every flag defined */
        cr_assert_eq(cc_compute_all(CC_OP_CLR, 0, 0, 0), r.flags);
        r = (HostRun){rng_next(&rng), 0, 0, 0, in};
        host_clr_xor(&r);       /* XOR r,r: AF undefined */
        cr_assert_eq(cc_compute_all(CC_OP_CLR, 0, 0, 0) & ~CC_A, r.flags & ~CC_A);
        cr_assert_eq(cc_compute_all(CC_OP_EFLAGS, 0, (uint32_t)r.flags, 0), r.flags);
    }
#else
    cr_skip_test("host comparison needs an x86-64 host");
#endif
}
