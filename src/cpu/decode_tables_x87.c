/* The x87 escape opcodes D8-DF: memory forms by ModRM.reg, register forms
 * by ModRM.reg and, where the SDM lists one instruction per ModRM byte, by
 * ModRM.rm. Intel SDM Vol. 2 Appendix A.5, Tables.
 * Encodings those tables leave blank but P6 and NetBurst execute as aliases
 * (D9 D8+i FSTP, DC D0+i FCOM, DC D8+i FCOMP, DD C8+i FXCH, DE D0+i FCOMP,
 * DF C0+i FFREEP, DF C8+i FXCH, DF D0+i/D8+i FSTP; DB E0/E1/E4, the
 * 8087/287 FNENI/FNDISI/FNSETPM, which the 387 and later treat as no-ops)
 * decode as those instructions. SSE3's FISTTP (DB/DD/DF /1) is #UD here. */
#define DECODE_TABLE_SOURCE
#include "cpu/decode_tables.h"

/* The arithmetic pattern shared by D8, DA, DC, DE memory forms (Table A-7,
 * op m, in ModRM.reg order. */
#define X87_ARITH_MEM(add, mul, com, comp, sub, subr, div, divr, m) \
    I(add, m), I(mul, m), I(com, m), I(comp, m), I(sub, m), I(subr, m), I(div, m), I(divr, m)

const DecodeEntry decode_x87_d8[16] = {
    X87_ARITH_MEM(FADD, FMUL, FCOM, FCOMP, FSUB, FSUBR, FDIV, FDIVR, Mfs),
    /* Table A-8 */
    I(FADD, ST0, STi), I(FMUL, ST0, STi), I(FCOM, STi), I(FCOMP, STi),
    I(FSUB, ST0, STi), I(FSUBR, ST0, STi), I(FDIV, ST0, STi), I(FDIVR, ST0, STi),
};

const DecodeEntry decode_x87_d9[16] = {
    /* Table A-9: /1 is blank */
    I(FLD, Mfs), UD, I(FST, Mfs), I(FSTP, Mfs),
    I(FLDENV, Menv), I(FLDCW, Mw), I(FNSTENV, Menv), I(FNSTCW, Mw),
    /* Table A-10 */
    I(FLD, STi), I(FXCH, STi),
    RMSEL(I(FNOP)),
    I(FSTP, STi),   /* D9 D8+i: the FSTP1 alias */
    RMSEL(I(FCHS), I(FABS), UD, UD, I(FTST), I(FXAM), UD, UD),
    RMSEL(I(FLD1), I(FLDL2T), I(FLDL2E), I(FLDPI), I(FLDLG2), I(FLDLN2), I(FLDZ), UD),
    RMSEL(I(F2XM1), I(FYL2X), I(FPTAN), I(FPATAN),
          I(FXTRACT), I(FPREM1), I(FDECSTP), I(FINCSTP)),
    RMSEL(I(FPREM), I(FYL2XP1), I(FSQRT), I(FSINCOS),
          I(FRNDINT), I(FSCALE), I(FSIN), I(FCOS)),
};

const DecodeEntry decode_x87_da[16] = {
    X87_ARITH_MEM(FIADD, FIMUL, FICOM, FICOMP, FISUB, FISUBR, FIDIV, FIDIVR, Mdi),
    /* Table A-12: FCMOVcc conditions B, E, BE, U(=P) */
    ICC(FCMOVCC, B, ST0, STi), ICC(FCMOVCC, E, ST0, STi),
    ICC(FCMOVCC, BE, ST0, STi), ICC(FCMOVCC, P, ST0, STi),
    UD, RMSEL(UD, I(FUCOMPP)), UD, UD,
};

const DecodeEntry decode_x87_db[16] = {
    /* Table A-13: /1 FISTTP is SSE3, /4 and /6 blank */
    I(FILD, Mdi), UD, I(FIST, Mdi), I(FISTP, Mdi),
    UD, I(FLD, Mft), UD, I(FSTP, Mft),
    /* Table A-14 */
    ICC(FCMOVCC, AE, ST0, STi), ICC(FCMOVCC, NE, ST0, STi),
    ICC(FCMOVCC, A, ST0, STi), ICC(FCMOVCC, NP, ST0, STi),
    RMSEL(I(FNENI), I(FNDISI), I(FNCLEX), I(FNINIT), I(FNSETPM), UD, UD, UD),
    I(FUCOMI, ST0, STi), I(FCOMI, ST0, STi), UD,
};

const DecodeEntry decode_x87_dc[16] = {
    X87_ARITH_MEM(FADD, FMUL, FCOM, FCOMP, FSUB, FSUBR, FDIV, FDIVR, Mfd),
    /* Table A-16: the destination is ST(i), and SUB/SUBR, DIV/DIVR swap
     * places relative to D8 (DC E0+i is FSUBR, SDM Vol. 2A FSUBR). /2 and
     * /3 are the FCOM2/FCOMP3 aliases. */
    I(FADD, STi, ST0), I(FMUL, STi, ST0), I(FCOM, STi), I(FCOMP, STi),
    I(FSUBR, STi, ST0), I(FSUB, STi, ST0), I(FDIVR, STi, ST0), I(FDIV, STi, ST0),
};

const DecodeEntry decode_x87_dd[16] = {
    /* Table A-17: /1 FISTTP is SSE3, /5 blank */
    I(FLD, Mfd), UD, I(FST, Mfd), I(FSTP, Mfd),
    I(FRSTOR, Mstate), UD, I(FNSAVE, Mstate), I(FNSTSW, Mw),
    /* Table A-18: /1 is the FXCH4 alias */
    I(FFREE, STi), I(FXCH, STi), I(FST, STi), I(FSTP, STi),
    I(FUCOM, STi), I(FUCOMP, STi), UD, UD,
};

const DecodeEntry decode_x87_de[16] = {
    X87_ARITH_MEM(FIADD, FIMUL, FICOM, FICOMP, FISUB, FISUBR, FIDIV, FIDIVR, Mwi),
    /* Table A-20: /2 is the FCOMP5 alias; DE D9 is FCOMPP */
    I(FADDP, STi, ST0), I(FMULP, STi, ST0), I(FCOMP, STi), RMSEL(UD, I(FCOMPP)),
    I(FSUBRP, STi, ST0), I(FSUBP, STi, ST0), I(FDIVRP, STi, ST0), I(FDIVP, STi, ST0),
};

const DecodeEntry decode_x87_df[16] = {
    /* Table A-21: /1 FISTTP is SSE3 */
    I(FILD, Mwi), UD, I(FIST, Mwi), I(FISTP, Mwi),
    I(FBLD, Mbcd), I(FILD, Mqi), I(FBSTP, Mbcd), I(FISTP, Mqi),
    /* Table A-22: only DF E0 FNSTSW AX and the FCOMIP/FUCOMIP rows are
     * listed; /0 FFREEP, /1 FXCH7, /2-/3 FSTP8/FSTP9 are aliases. */
    I(FFREEP, STi), I(FXCH, STi), I(FSTP, STi), I(FSTP, STi),
    RMSEL(I(FNSTSW, AX)), I(FUCOMIP, ST0, STi), I(FCOMIP, ST0, STi), UD,
};
