/* The BCD adjusts as pure helpers (arith.h): DAA, DAS, AAA, AAS, AAM, AAD,
 * all on AX. Reference: SDM Vol. 2A pages DAA, DAS, AAA, AAS, AAM, AAD
 * (pseudo-code followed literally, including AAA/AAS adjusting all of AX).
 * Flags the SDM leaves undefined take the values sandpile.org's "undefined
 * integer FLAGS behavior" table gives for the P6 core; see each function.
 * All six are invalid in 64-bit mode, so tests/unit/host32 checks them. */
#include "cpu/arith.h"

#include "cpu/cc_op.h"

static ArithResult bcd_result(uint32_t ax, uint32_t flags)
{
    return (ArithResult){.value = ax & 0xffff, .value2 = 0, .flags = flags, .fault = false};
}

static uint32_t bcd_szp(uint32_t al)
{
    return cc_compute_all(CC_OP_LOGICB, al & 0xff, 0, 0) & (CC_S | CC_Z | CC_P);
}

/* DAA and DAS: CF AF SF ZF PF as the SDM says; OF is undefined and a P6
 * leaves it unchanged (sandpile.org, P6 column "U"; P5 computes it, Core 2
 * and P4 clear it). */
ArithResult arith_daa(uint32_t ax, uint32_t flags)
{
    uint32_t old_al = ax & 0xff, al = old_al;
    bool old_cf = flags & CC_C;
    bool cf = false, af = false;

    if ((al & 0xf) > 9 || (flags & CC_A)) {
        al = (al + 6) & 0xff;
        cf = old_cf || old_al > 0xf9;   /* carry out of AL + 6 */
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al = (al + 0x60) & 0xff;
        cf = true;
    } else {
        cf = false;
    }
    flags &= ~(CC_C | CC_A | CC_S | CC_Z | CC_P);
    flags |= (cf ? CC_C : 0) | (af ? CC_A : 0) | bcd_szp(al);
    return bcd_result((ax & 0xff00) | al, flags);
}

ArithResult arith_das(uint32_t ax, uint32_t flags)
{
    uint32_t old_al = ax & 0xff, al = old_al;
    bool old_cf = flags & CC_C;
    bool cf = false, af = false;

    if ((al & 0xf) > 9 || (flags & CC_A)) {
        cf = old_cf || old_al < 6;      /* borrow out of AL - 6 */
        al = (al - 6) & 0xff;
        af = true;
    }
    /* Unlike DAA there is no "else CF = 0": the borrow of AL - 6 stays. */
    if (old_al > 0x99 || old_cf) {
        al = (al - 0x60) & 0xff;
        cf = true;
    }
    flags &= ~(CC_C | CC_A | CC_S | CC_Z | CC_P);
    flags |= (cf ? CC_C : 0) | (af ? CC_A : 0) | bcd_szp(al);
    return bcd_result((ax & 0xff00) | al, flags);
}

/* AAA and AAS: AX += 0x106 (or -= 0x106) when adjusting, then AL &= 0x0F;
 * AF = CF = adjusted. OF SF ZF PF are undefined. The P6 column of
 * sandpile.org gives OF unchanged, SF = 0, ZF from the 16-bit sum and PF
 * from the low byte of the sum (AL + 6, footnote #1), i.e. the flags of
 * the adder before AL is masked. */
static ArithResult bcd_ascii_adjust(uint32_t ax, uint32_t flags, bool subtract)
{
    bool adjust = (ax & 0xf) > 9 || (flags & CC_A);
    uint32_t sum = ax & 0xffff;

    if (adjust)
        sum = (subtract ? sum - 0x106 : sum + 0x106) & 0xffff;
    flags &= ~(CC_C | CC_A | CC_S | CC_Z | CC_P);
    flags |= adjust ? CC_C | CC_A : 0;
    flags |= bcd_szp(sum) & CC_P;
    flags |= sum == 0 ? CC_Z : 0;
    return bcd_result((sum & 0xff00) | (sum & 0x0f), flags);
}

ArithResult arith_aaa(uint32_t ax, uint32_t flags)
{
    return bcd_ascii_adjust(ax, flags, false);
}

ArithResult arith_aas(uint32_t ax, uint32_t flags)
{
    return bcd_ascii_adjust(ax, flags, true);
}

/* AAM: AH = AL / imm8, AL = AL % imm8; imm8 = 0 raises #DE with nothing
 * changed. SF ZF PF from AL; OF AF CF are undefined and cleared, as P5,
 * P6 and P4 all do (sandpile.org). */
ArithResult arith_aam(uint32_t ax, uint8_t imm8, uint32_t flags)
{
    uint32_t al = ax & 0xff;

    if (imm8 == 0)
        return (ArithResult){.value = 0, .value2 = 0, .flags = flags, .fault = true};
    ax = ((al / imm8) << 8) | (al % imm8);
    flags &= ~CC_ALL;
    flags |= bcd_szp(ax);
    return bcd_result(ax, flags);
}

/* AAD: AL = AL + AH * imm8 (mod 256), AH = 0. SF ZF PF from AL; OF AF CF
 * are undefined: P5 and P6 set them as the byte ADD AL, (AH * imm8) does
 * (sandpile.org: OF8, AF, CF). */
ArithResult arith_aad(uint32_t ax, uint8_t imm8, uint32_t flags)
{
    uint32_t product = (((ax >> 8) & 0xff) * imm8) & 0xff;
    uint32_t al = ((ax & 0xff) + product) & 0xff;

    flags &= ~CC_ALL;
    flags |= cc_compute_all(CC_OP_ADDB, al, product, 0);
    return bcd_result(al, flags);
}
