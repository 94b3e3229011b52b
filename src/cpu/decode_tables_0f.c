/* The two-byte (0F) opcode map with its groups, and the three-byte maps
 * 0F 38 / 0F 3A, as a Pentium 4 with SSE2 (no SSE3) decodes them: Intel SDM
 * Vol. 2 Appendix A, Table A-3 (0F map), A-4/A-5 (0F 38, 0F 3A) and A-6
 * (groups 6-9, 12-16). SIMD rows select by mandatory prefix (none/66/F3/F2,
 * SDM Vol. 2A §2.1.2); a prefix that selects an empty slot is #UD. Rows
 * that are not prefix-selected ignore F2/F3 (so F3 0F BC is BSF, not TZCNT,
 * as on every part before the instruction existed). */
#define DECODE_TABLE_SOURCE
#include "cpu/decode_tables.h"

/* An MMX instruction whose 66 form is the SSE2 XMM version (Table A-3 rows
 * 6, D, E, F). `src` is the MMX source: Qq, or Qd for the low unpacks. */
#define MMX_SSE2(mn, src) PFX(I(mn, Pq, src), IF(mn, SSE2, Vx, Wx), UD, UD)
/* A packed/scalar single/double arithmetic row: PS, PD, SS, SD. */
#define SSE_ARITH(op) \
    PFX(I(op##PS, Vx, Wx), I(op##PD, Vx, Wx), I(op##SS, Vx, Wd), I(op##SD, Vx, Wq))
/* A packed-only row: PS, PD. */
#define SSE_PACKED(op) PFX(I(op##PS, Vx, Wx), I(op##PD, Vx, Wx), UD, UD)
/* The immediate shifts of groups 12-14: MMX register or (66) XMM register. */
#define SHIFT_IMM(mn) PFX(I(mn, Nq, Ib), IF(mn, SSE2, Ux, Ib), UD, UD)

/* Group 6 (0F 00). /6-/7 are blank (JMPE on Itanium-era parts): #UD. */
static const DecodeEntry grp6[8] = {
    I(SLDT, MwRv), I(STR, MwRv), I(LLDT, Ew), I(LTR, Ew), I(VERR, Ew), I(VERW, Ew),
};

/* Group 7 (0F 01). Memory forms; register forms are only SMSW and LMSW on a
 * Pentium 4 (VMX, MONITOR/MWAIT, XGETBV, SWAPGS, RDTSCP came later). */
static const DecodeEntry grp7[16] = {
    I(SGDT, Ms), I(SIDT, Ms), I(LGDT, Ms), I(LIDT, Ms),
    I(SMSW, MwRv), UD, I(LMSW, Ew), I(INVLPG, M),
    UD, UD, UD, UD, I(SMSW, MwRv), UD, I(LMSW, Ew), UD,
};

/* Group 8 (0F BA): bit tests with an immediate; /0-/3 blank. */
static const DecodeEntry grp8[8] = {
    [4] = I(BT, Ev, Ib), [5] = I(BTS, Ev, Ib), [6] = I(BTR, Ev, Ib), [7] = I(BTC, Ev, Ib),
};

/* Group 9 (0F C7): only /1 CMPXCHG8B m64 (VMX and RDRAND came later). */
static const DecodeEntry grp9[8] = { [1] = I(CMPXCHG8B, Mq) };

/* Groups 12-14 (0F 71-73): register forms only. */
static const DecodeEntry grp12[16] = {
    [8 + 2] = SHIFT_IMM(PSRLW), [8 + 4] = SHIFT_IMM(PSRAW), [8 + 6] = SHIFT_IMM(PSLLW),
};
static const DecodeEntry grp13[16] = {
    [8 + 2] = SHIFT_IMM(PSRLD), [8 + 4] = SHIFT_IMM(PSRAD), [8 + 6] = SHIFT_IMM(PSLLD),
};
static const DecodeEntry grp14[16] = {
    [8 + 2] = SHIFT_IMM(PSRLQ), [8 + 3] = PFX(UD, I(PSRLDQ, Ux, Ib), UD, UD),
    [8 + 6] = SHIFT_IMM(PSLLQ), [8 + 7] = PFX(UD, I(PSLLDQ, Ux, Ib), UD, UD),
};

/* Group 15 (0F AE). Memory /4-/6 are XSAVE-family (later); the register
 * forms /5-/7 are the fences and ignore ModRM.rm (SDM Vol. 2A LFENCE). */
static const DecodeEntry grp15[16] = {
    I(FXSAVE, Mfx), I(FXRSTOR, Mfx), I(LDMXCSR, Md), I(STMXCSR, Md),
    UD, UD, UD, I(CLFLUSH, Mb),
    [8 + 5] = I(LFENCE), [8 + 6] = I(MFENCE), [8 + 7] = I(SFENCE),
};

/* Group 16 (0F 18): PREFETCHh m8 for /0-/3. The SDM calls other ModRM
 * values "unpredictable"; P6 and NetBurst treat the whole 0F 18-0F 1F
 * block as hint NOPs (the reserved-NOP space later reused for MPX and
 * CET), so /4-/7 and the register forms decode as NOP Ev. */
static const DecodeEntry grp16[16] = {
    I(PREFETCHNTA, Mb), I(PREFETCHT0, Mb), I(PREFETCHT1, Mb), I(PREFETCHT2, Mb),
    I(NOP, Ev), I(NOP, Ev), I(NOP, Ev), I(NOP, Ev),
    I(NOP, Ev), I(NOP, Ev), I(NOP, Ev), I(NOP, Ev),
    I(NOP, Ev), I(NOP, Ev), I(NOP, Ev), I(NOP, Ev),
};

const DecodeEntry decode_map_0f[256] = {
    /* Row 0. 04, 0A, 0C blank; 05/07 SYSCALL/SYSRET are AMD-only outside
     * 64-bit mode; 0D (3DNow! PREFETCH), 0E (FEMMS), 0F (3DNow!) are AMD. */
    [0x00] = GROUP(grp6), [0x01] = GROUP_MOD(grp7),
    [0x02] = I(LAR, Gv, Ew), [0x03] = I(LSL, Gv, Ew),
    [0x06] = I(CLTS), [0x08] = I(INVD), [0x09] = I(WBINVD),
    [0x0B] = I(UD2),

    /* Row 1: SSE/SSE2 moves; F3/F2 0F 12 and F3 0F 16 are SSE3 (#UD). */
    [0x10] = PFX(I(MOVUPS, Vx, Wx), I(MOVUPD, Vx, Wx), I(MOVSS, Vx, Wd), I(MOVSD, Vx, Wq)),
    [0x11] = PFX(I(MOVUPS, Wx, Vx), I(MOVUPD, Wx, Vx), I(MOVSS, Wd, Vx), I(MOVSD, Wq, Vx)),
    [0x12] = PFX(MODSEL(I(MOVLPS, Vx, Mq), I(MOVHLPS, Vx, Ux)), I(MOVLPD, Vx, Mq), UD, UD),
    [0x13] = PFX(I(MOVLPS, Mq, Vx), I(MOVLPD, Mq, Vx), UD, UD),
    [0x14] = SSE_PACKED(UNPCKL),
    [0x15] = SSE_PACKED(UNPCKH),
    [0x16] = PFX(MODSEL(I(MOVHPS, Vx, Mq), I(MOVLHPS, Vx, Ux)), I(MOVHPD, Vx, Mq), UD, UD),
    [0x17] = PFX(I(MOVHPS, Mq, Vx), I(MOVHPD, Mq, Vx), UD, UD),
    [0x18] = GROUP_MOD(grp16),
    [0x19] = I(NOP, Ev), [0x1A] = I(NOP, Ev), [0x1B] = I(NOP, Ev), [0x1C] = I(NOP, Ev),
    [0x1D] = I(NOP, Ev), [0x1E] = I(NOP, Ev),
    [0x1F] = I(NOP, Ev),    /* the documented multi-byte NOP (SDM Vol. 2B NOP) */

    /* Row 2. MOV to/from CRn/DRn ignore ModRM.mod (SDM Vol. 2B MOV—Move
     * to/from Control Registers). 24/26 (MOV TRn) existed on the 386/486 only. */
    [0x20] = IA(MOV_CR, DA_MODREG, Rd, Cd), [0x21] = IA(MOV_DR, DA_MODREG, Rd, Dd),
    [0x22] = IA(MOV_CR, DA_MODREG, Cd, Rd), [0x23] = IA(MOV_DR, DA_MODREG, Dd, Rd),
    [0x28] = PFX(I(MOVAPS, Vx, Wx), I(MOVAPD, Vx, Wx), UD, UD),
    [0x29] = PFX(I(MOVAPS, Wx, Vx), I(MOVAPD, Wx, Vx), UD, UD),
    [0x2A] = PFX(I(CVTPI2PS, Vx, Qq), I(CVTPI2PD, Vx, Qq), I(CVTSI2SS, Vx, Ed), I(CVTSI2SD, Vx, Ed)),
    [0x2B] = PFX(I(MOVNTPS, Mx, Vx), I(MOVNTPD, Mx, Vx), UD, UD),
    [0x2C] = PFX(I(CVTTPS2PI, Pq, Wq), I(CVTTPD2PI, Pq, Wx), I(CVTTSS2SI, Gd, Wd), I(CVTTSD2SI, Gd, Wq)),
    [0x2D] = PFX(I(CVTPS2PI, Pq, Wq), I(CVTPD2PI, Pq, Wx), I(CVTSS2SI, Gd, Wd), I(CVTSD2SI, Gd, Wq)),
    [0x2E] = PFX(I(UCOMISS, Vx, Wd), I(UCOMISD, Vx, Wq), UD, UD),
    [0x2F] = PFX(I(COMISS, Vx, Wd), I(COMISD, Vx, Wq), UD, UD),

    /* Row 3. 37 GETSEC (SMX) came later; 38/3A lead to the three-byte maps. */
    [0x30] = I(WRMSR), [0x31] = I(RDTSC), [0x32] = I(RDMSR), [0x33] = I(RDPMC),
    [0x34] = I(SYSENTER), [0x35] = I(SYSEXIT),
    [0x38] = ESCAPE, [0x3A] = ESCAPE,

    [0x40] = ICC(CMOVCC, O, Gv, Ev), [0x41] = ICC(CMOVCC, NO, Gv, Ev),
    [0x42] = ICC(CMOVCC, B, Gv, Ev), [0x43] = ICC(CMOVCC, AE, Gv, Ev),
    [0x44] = ICC(CMOVCC, E, Gv, Ev), [0x45] = ICC(CMOVCC, NE, Gv, Ev),
    [0x46] = ICC(CMOVCC, BE, Gv, Ev), [0x47] = ICC(CMOVCC, A, Gv, Ev),
    [0x48] = ICC(CMOVCC, S, Gv, Ev), [0x49] = ICC(CMOVCC, NS, Gv, Ev),
    [0x4A] = ICC(CMOVCC, P, Gv, Ev), [0x4B] = ICC(CMOVCC, NP, Gv, Ev),
    [0x4C] = ICC(CMOVCC, L, Gv, Ev), [0x4D] = ICC(CMOVCC, GE, Gv, Ev),
    [0x4E] = ICC(CMOVCC, LE, Gv, Ev), [0x4F] = ICC(CMOVCC, G, Gv, Ev),

    [0x50] = PFX(I(MOVMSKPS, Gd, Ux), I(MOVMSKPD, Gd, Ux), UD, UD),
    [0x51] = SSE_ARITH(SQRT),
    [0x52] = PFX(I(RSQRTPS, Vx, Wx), UD, I(RSQRTSS, Vx, Wd), UD),
    [0x53] = PFX(I(RCPPS, Vx, Wx), UD, I(RCPSS, Vx, Wd), UD),
    [0x54] = SSE_PACKED(AND), [0x55] = SSE_PACKED(ANDN),
    [0x56] = SSE_PACKED(OR), [0x57] = SSE_PACKED(XOR),
    [0x58] = SSE_ARITH(ADD), [0x59] = SSE_ARITH(MUL),
    [0x5A] = PFX(I(CVTPS2PD, Vx, Wq), I(CVTPD2PS, Vx, Wx), I(CVTSS2SD, Vx, Wd), I(CVTSD2SS, Vx, Wq)),
    [0x5B] = PFX(I(CVTDQ2PS, Vx, Wx), I(CVTPS2DQ, Vx, Wx), I(CVTTPS2DQ, Vx, Wx), UD),
    [0x5C] = SSE_ARITH(SUB), [0x5D] = SSE_ARITH(MIN),
    [0x5E] = SSE_ARITH(DIV), [0x5F] = SSE_ARITH(MAX),

    /* Row 6: MMX; the low unpacks read only 32 bits of memory (Qd). */
    [0x60] = MMX_SSE2(PUNPCKLBW, Qd), [0x61] = MMX_SSE2(PUNPCKLWD, Qd),
    [0x62] = MMX_SSE2(PUNPCKLDQ, Qd), [0x63] = MMX_SSE2(PACKSSWB, Qq),
    [0x64] = MMX_SSE2(PCMPGTB, Qq), [0x65] = MMX_SSE2(PCMPGTW, Qq),
    [0x66] = MMX_SSE2(PCMPGTD, Qq), [0x67] = MMX_SSE2(PACKUSWB, Qq),
    [0x68] = MMX_SSE2(PUNPCKHBW, Qq), [0x69] = MMX_SSE2(PUNPCKHWD, Qq),
    [0x6A] = MMX_SSE2(PUNPCKHDQ, Qq), [0x6B] = MMX_SSE2(PACKSSDW, Qq),
    [0x6C] = PFX(UD, I(PUNPCKLQDQ, Vx, Wx), UD, UD),
    [0x6D] = PFX(UD, I(PUNPCKHQDQ, Vx, Wx), UD, UD),
    [0x6E] = PFX(I(MOVD, Pq, Ed), IF(MOVD, SSE2, Vx, Ed), UD, UD),
    [0x6F] = PFX(I(MOVQ, Pq, Qq), I(MOVDQA, Vx, Wx), I(MOVDQU, Vx, Wx), UD),

    /* Row 7. 78/79 VMREAD/VMWRITE and 7C/7D (SSE3 HADD/HSUB) came later. */
    [0x70] = PFX(I(PSHUFW, Pq, Qq, Ib), I(PSHUFD, Vx, Wx, Ib),
                 I(PSHUFHW, Vx, Wx, Ib), I(PSHUFLW, Vx, Wx, Ib)),
    [0x71] = GROUP_MOD(grp12), [0x72] = GROUP_MOD(grp13), [0x73] = GROUP_MOD(grp14),
    [0x74] = MMX_SSE2(PCMPEQB, Qq), [0x75] = MMX_SSE2(PCMPEQW, Qq),
    [0x76] = MMX_SSE2(PCMPEQD, Qq),
    [0x77] = I(EMMS),
    [0x7E] = PFX(I(MOVD, Ed, Pq), IF(MOVD, SSE2, Ed, Vx), IF(MOVQ, SSE2, Vx, Wq), UD),
    [0x7F] = PFX(I(MOVQ, Qq, Pq), I(MOVDQA, Wx, Vx), I(MOVDQU, Wx, Vx), UD),

    [0x80] = ICC(JCC, O, Jz), [0x81] = ICC(JCC, NO, Jz),
    [0x82] = ICC(JCC, B, Jz), [0x83] = ICC(JCC, AE, Jz),
    [0x84] = ICC(JCC, E, Jz), [0x85] = ICC(JCC, NE, Jz),
    [0x86] = ICC(JCC, BE, Jz), [0x87] = ICC(JCC, A, Jz),
    [0x88] = ICC(JCC, S, Jz), [0x89] = ICC(JCC, NS, Jz),
    [0x8A] = ICC(JCC, P, Jz), [0x8B] = ICC(JCC, NP, Jz),
    [0x8C] = ICC(JCC, L, Jz), [0x8D] = ICC(JCC, GE, Jz),
    [0x8E] = ICC(JCC, LE, Jz), [0x8F] = ICC(JCC, G, Jz),

    /* SETcc ignores ModRM.reg (Table A-3 gives no group). */
    [0x90] = IBCC(SETCC, O, Eb), [0x91] = IBCC(SETCC, NO, Eb),
    [0x92] = IBCC(SETCC, B, Eb), [0x93] = IBCC(SETCC, AE, Eb),
    [0x94] = IBCC(SETCC, E, Eb), [0x95] = IBCC(SETCC, NE, Eb),
    [0x96] = IBCC(SETCC, BE, Eb), [0x97] = IBCC(SETCC, A, Eb),
    [0x98] = IBCC(SETCC, S, Eb), [0x99] = IBCC(SETCC, NS, Eb),
    [0x9A] = IBCC(SETCC, P, Eb), [0x9B] = IBCC(SETCC, NP, Eb),
    [0x9C] = IBCC(SETCC, L, Eb), [0x9D] = IBCC(SETCC, GE, Eb),
    [0x9E] = IBCC(SETCC, LE, Eb), [0x9F] = IBCC(SETCC, G, Eb),

    /* Row A. A6/A7 (XBTS/IBTS) existed on early 386 steppings only. */
    [0xA0] = I(PUSH, FS), [0xA1] = I(POP, FS), [0xA2] = I(CPUID),
    [0xA3] = I(BT, Ev, Gv), [0xA4] = I(SHLD, Ev, Gv, Ib), [0xA5] = I(SHLD, Ev, Gv, CL),
    [0xA8] = I(PUSH, GS), [0xA9] = I(POP, GS), [0xAA] = I(RSM),
    [0xAB] = I(BTS, Ev, Gv), [0xAC] = I(SHRD, Ev, Gv, Ib), [0xAD] = I(SHRD, Ev, Gv, CL),
    [0xAE] = GROUP_MOD(grp15), [0xAF] = I(IMUL, Gv, Ev),

    /* Row B. B8 is JMPE (Itanium) / F3 POPCNT (later): #UD. B9 is UD1, which
     * has a ModRM byte (SDM Vol. 2B UD). */
    [0xB0] = IB(CMPXCHG, Eb, Gb), [0xB1] = I(CMPXCHG, Ev, Gv),
    [0xB2] = I(LSS, Gv, Mp), [0xB3] = I(BTR, Ev, Gv),
    [0xB4] = I(LFS, Gv, Mp), [0xB5] = I(LGS, Gv, Mp),
    [0xB6] = I(MOVZX, Gv, Eb), [0xB7] = I(MOVZX, Gv, Ew),
    [0xB9] = I(UD1, Gv, Ev), [0xBA] = GROUP(grp8), [0xBB] = I(BTC, Ev, Gv),
    [0xBC] = I(BSF, Gv, Ev), [0xBD] = I(BSR, Gv, Ev),
    [0xBE] = I(MOVSX, Gv, Eb), [0xBF] = I(MOVSX, Gv, Ew),

    /* Row C */
    [0xC0] = IB(XADD, Eb, Gb), [0xC1] = I(XADD, Ev, Gv),
    [0xC2] = PFX(I(CMPPS, Vx, Wx, Ib), I(CMPPD, Vx, Wx, Ib),
                 I(CMPSS, Vx, Wd, Ib), I(CMPSD, Vx, Wq, Ib)),
    [0xC3] = I(MOVNTI, Md, Gd),
    [0xC4] = PFX(I(PINSRW, Pq, MwRd, Ib), IF(PINSRW, SSE2, Vx, MwRd, Ib), UD, UD),
    [0xC5] = PFX(I(PEXTRW, Gd, Nq, Ib), IF(PEXTRW, SSE2, Gd, Ux, Ib), UD, UD),
    [0xC6] = PFX(I(SHUFPS, Vx, Wx, Ib), I(SHUFPD, Vx, Wx, Ib), UD, UD),
    [0xC7] = GROUP(grp9),
    /* BSWAP with a 16-bit operand is undefined (SDM Vol. 2A BSWAP); decoded
     * with op_size 2 and left to the lowering. */
    [0xC8] = I(BSWAP, Zv), [0xC9] = I(BSWAP, Zv), [0xCA] = I(BSWAP, Zv), [0xCB] = I(BSWAP, Zv),
    [0xCC] = I(BSWAP, Zv), [0xCD] = I(BSWAP, Zv), [0xCE] = I(BSWAP, Zv), [0xCF] = I(BSWAP, Zv),

    /* Row D. D0 (ADDSUBPD/PS) is SSE3. */
    [0xD1] = MMX_SSE2(PSRLW, Qq), [0xD2] = MMX_SSE2(PSRLD, Qq),
    [0xD3] = MMX_SSE2(PSRLQ, Qq), [0xD4] = MMX_SSE2(PADDQ, Qq),
    [0xD5] = MMX_SSE2(PMULLW, Qq),
    [0xD6] = PFX(UD, IF(MOVQ, SSE2, Wq, Vx), I(MOVQ2DQ, Vx, Nq), I(MOVDQ2Q, Pq, Ux)),
    [0xD7] = PFX(I(PMOVMSKB, Gd, Nq), IF(PMOVMSKB, SSE2, Gd, Ux), UD, UD),
    [0xD8] = MMX_SSE2(PSUBUSB, Qq), [0xD9] = MMX_SSE2(PSUBUSW, Qq),
    [0xDA] = MMX_SSE2(PMINUB, Qq), [0xDB] = MMX_SSE2(PAND, Qq),
    [0xDC] = MMX_SSE2(PADDUSB, Qq), [0xDD] = MMX_SSE2(PADDUSW, Qq),
    [0xDE] = MMX_SSE2(PMAXUB, Qq), [0xDF] = MMX_SSE2(PANDN, Qq),

    /* Row E */
    [0xE0] = MMX_SSE2(PAVGB, Qq), [0xE1] = MMX_SSE2(PSRAW, Qq),
    [0xE2] = MMX_SSE2(PSRAD, Qq), [0xE3] = MMX_SSE2(PAVGW, Qq),
    [0xE4] = MMX_SSE2(PMULHUW, Qq), [0xE5] = MMX_SSE2(PMULHW, Qq),
    [0xE6] = PFX(UD, I(CVTTPD2DQ, Vx, Wx), I(CVTDQ2PD, Vx, Wq), I(CVTPD2DQ, Vx, Wx)),
    [0xE7] = PFX(I(MOVNTQ, Mq, Pq), I(MOVNTDQ, Mx, Vx), UD, UD),
    [0xE8] = MMX_SSE2(PSUBSB, Qq), [0xE9] = MMX_SSE2(PSUBSW, Qq),
    [0xEA] = MMX_SSE2(PMINSW, Qq), [0xEB] = MMX_SSE2(POR, Qq),
    [0xEC] = MMX_SSE2(PADDSB, Qq), [0xED] = MMX_SSE2(PADDSW, Qq),
    [0xEE] = MMX_SSE2(PMAXSW, Qq), [0xEF] = MMX_SSE2(PXOR, Qq),

    /* Row F. F0 (LDDQU) is SSE3; FF is UD0, whose length differs between
     * generations (SDM Vol. 2B UD), so it is plain #UD here. */
    [0xF1] = MMX_SSE2(PSLLW, Qq), [0xF2] = MMX_SSE2(PSLLD, Qq),
    [0xF3] = MMX_SSE2(PSLLQ, Qq), [0xF4] = MMX_SSE2(PMULUDQ, Qq),
    [0xF5] = MMX_SSE2(PMADDWD, Qq), [0xF6] = MMX_SSE2(PSADBW, Qq),
    [0xF7] = PFX(I(MASKMOVQ, Pq, Nq), I(MASKMOVDQU, Vx, Ux), UD, UD),
    [0xF8] = MMX_SSE2(PSUBB, Qq), [0xF9] = MMX_SSE2(PSUBW, Qq),
    [0xFA] = MMX_SSE2(PSUBD, Qq), [0xFB] = MMX_SSE2(PSUBQ, Qq),
    [0xFC] = MMX_SSE2(PADDB, Qq), [0xFD] = MMX_SSE2(PADDW, Qq),
    [0xFE] = MMX_SSE2(PADDD, Qq),
};

/* Three-byte map 0F 38 (Table A-4). Everything in it arrived after the
 * Pentium 4: SSSE3 00-0B and 1C-1E (PSHUFB..PABSD, Core 2), SSE4.1 10-3F,
 * SSE4.2 37 and F0/F1 (CRC32), MOVBE F0/F1 (Atom), AES-NI DB-DF. All #UD
 * here; an entry added later needs only its slot filled. */
const DecodeEntry decode_map_0f38[256] = {
    [0x00] = UD,
};

/* Three-byte map 0F 3A (Table A-5): SSSE3 0F (PALIGNR), SSE4.1 08-22 and
 * 40-42, SSE4.2 60-63, PCLMULQDQ 44, AES DF; all after the Pentium 4. Every
 * entry here takes an Ib once defined. */
const DecodeEntry decode_map_0f3a[256] = {
    [0x00] = UD,
};
