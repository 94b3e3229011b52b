/* The one-byte opcode map and its ModRM.reg groups, as a Pentium 4 decodes
 * them in 16- and 32-bit modes: Intel SDM Vol. 2 Appendix A, Table A-2
 * (one-byte map) and Table A-6 (groups 1, 1A, 2, 3, 4, 5, 11). The 0F maps
 * are in decode_tables_0f.c, the x87 escapes D8-DF in decode_tables_x87.c.
 * Blank cells of the SDM tables are left out of the initializers: zero is
 * DK_UD. Where a P6/NetBurst part executes an encoding the SDM leaves blank
 * (82, C0-D3 /6, F6-F7 /1, D6, F1) the comment says so. */
#define DECODE_TABLE_SOURCE
#include "cpu/decode_tables.h"

/* The eight ALU operations of rows 0-3 and group 1, in ModRM.reg order. */
#define ALU_GROUP(M, ...) { \
    M(ADD, __VA_ARGS__), M(OR, __VA_ARGS__), M(ADC, __VA_ARGS__), M(SBB, __VA_ARGS__), \
    M(AND, __VA_ARGS__), M(SUB, __VA_ARGS__), M(XOR, __VA_ARGS__), M(CMP, __VA_ARGS__) }

/* The six forms of an ALU row: xx+0 .. xx+5 (Table A-2 rows 0-3). */
#define ALU_ROW(base, op) \
    [(base) + 0] = IB(op, Eb, Gb), [(base) + 1] = I(op, Ev, Gv), \
    [(base) + 2] = IB(op, Gb, Eb), [(base) + 3] = I(op, Gv, Ev), \
    [(base) + 4] = IB(op, AL, Ib), [(base) + 5] = I(op, eAX, Iz)

/* Group 2 (shifts). /6 is not in Table A-6, but every Intel CPU since the
 * 8086 executes it as SHL ("SAL" in some disassemblers). */
#define SHIFT_GROUP(M, ...) { \
    M(ROL, __VA_ARGS__), M(ROR, __VA_ARGS__), M(RCL, __VA_ARGS__), M(RCR, __VA_ARGS__), \
    M(SHL, __VA_ARGS__), M(SHR, __VA_ARGS__), M(SHL, __VA_ARGS__), M(SAR, __VA_ARGS__) }

/* Eight slots that repeat one entry, for rows like 40-47 (register in the opcode). */
#define ROW8(base, entry) \
    [(base) + 0] = entry, [(base) + 1] = entry, [(base) + 2] = entry, [(base) + 3] = entry, \
    [(base) + 4] = entry, [(base) + 5] = entry, [(base) + 6] = entry, [(base) + 7] = entry

static const DecodeEntry grp1_80[8] = ALU_GROUP(IB, Eb, Ib);
static const DecodeEntry grp1_81[8] = ALU_GROUP(I, Ev, Iz);
static const DecodeEntry grp1_83[8] = ALU_GROUP(I, Ev, sIb);

/* Group 1A: only /0 POP Ev. /1-/7 are XOP on AMD parts, #UD on Intel. */
static const DecodeEntry grp1a_8f[8] = { [0] = I(POP, Ev) };

static const DecodeEntry grp2_c0[8] = SHIFT_GROUP(IB, Eb, Ib);
static const DecodeEntry grp2_c1[8] = SHIFT_GROUP(I, Ev, Ib);
static const DecodeEntry grp2_d0[8] = SHIFT_GROUP(IB, Eb, ONE);
static const DecodeEntry grp2_d1[8] = SHIFT_GROUP(I, Ev, ONE);
static const DecodeEntry grp2_d2[8] = SHIFT_GROUP(IB, Eb, CL);
static const DecodeEntry grp2_d3[8] = SHIFT_GROUP(I, Ev, CL);

/* Group 3. /1 is blank in Table A-6; Intel CPUs execute it as TEST. */
static const DecodeEntry grp3_f6[8] = {
    IB(TEST, Eb, Ib), IB(TEST, Eb, Ib), IB(NOT, Eb), IB(NEG, Eb),
    IB(MUL, Eb), IB(IMUL, Eb), IB(DIV, Eb), IB(IDIV, Eb),
};
static const DecodeEntry grp3_f7[8] = {
    I(TEST, Ev, Iz), I(TEST, Ev, Iz), I(NOT, Ev), I(NEG, Ev),
    I(MUL, Ev), I(IMUL, Ev), I(DIV, Ev), I(IDIV, Ev),
};

/* Group 4: INC/DEC Eb; /2-/7 undefined. */
static const DecodeEntry grp4_fe[8] = { IB(INC, Eb), IB(DEC, Eb) };

/* Group 5: /7 undefined; the far forms need memory (Mp: mod = 3 is #UD). */
static const DecodeEntry grp5_ff[8] = {
    I(INC, Ev), I(DEC, Ev), I(CALL, Ev), I(CALLF, Mp),
    I(JMP, Ev), I(JMPF, Mp), I(PUSH, Ev), UD,
};

/* Group 11: only /0 MOV. (C6 F8 / C7 F8 are TSX XABORT/XBEGIN, later parts.) */
static const DecodeEntry grp11_c6[8] = { [0] = IB(MOV, Eb, Ib) };
static const DecodeEntry grp11_c7[8] = { [0] = I(MOV, Ev, Iz) };

const DecodeEntry decode_map_onebyte[256] = {
    ALU_ROW(0x00, ADD),
    [0x06] = I(PUSH, ES), [0x07] = I(POP, ES),
    ALU_ROW(0x08, OR),
    [0x0E] = I(PUSH, CS),
    [0x0F] = ESCAPE,        /* two-byte map; POP CS only on the 8086 */
    ALU_ROW(0x10, ADC),
    [0x16] = I(PUSH, SS),
    /* POP SS holds off interrupts and debug traps until the next
     * instruction completes (SDM Vol. 3A §6.8.3). */
    [0x17] = IA(POP, DA_SHADOW, SS),
    ALU_ROW(0x18, SBB),
    [0x1E] = I(PUSH, DS), [0x1F] = I(POP, DS),
    ALU_ROW(0x20, AND),
    [0x26] = PREFIX(DP_SEG_ES), [0x27] = I(DAA),
    ALU_ROW(0x28, SUB),
    [0x2E] = PREFIX(DP_SEG_CS), [0x2F] = I(DAS),
    ALU_ROW(0x30, XOR),
    [0x36] = PREFIX(DP_SEG_SS), [0x37] = I(AAA),
    ALU_ROW(0x38, CMP),
    [0x3E] = PREFIX(DP_SEG_DS), [0x3F] = I(AAS),

    ROW8(0x40, I(INC, Zv)),
    ROW8(0x48, I(DEC, Zv)),
    ROW8(0x50, I(PUSH, Zv)),
    ROW8(0x58, I(POP, Zv)),

    [0x60] = I(PUSHA), [0x61] = I(POPA),
    [0x62] = I(BOUND, Gv, Ma),  /* mod = 3 is #UD here (EVEX on AVX-512 parts) */
    [0x63] = I(ARPL, Ew, Gw),
    [0x64] = PREFIX(DP_SEG_FS), [0x65] = PREFIX(DP_SEG_GS),
    [0x66] = PREFIX(DP_OPSIZE), [0x67] = PREFIX(DP_ADDRSIZE),
    [0x68] = I(PUSH, Iz), [0x69] = I(IMUL, Gv, Ev, Iz),
    [0x6A] = I(PUSH, sIb), [0x6B] = I(IMUL, Gv, Ev, sIb),
    [0x6C] = IB(INS, Yb, DX), [0x6D] = I(INS, Yv, DX),
    [0x6E] = IB(OUTS, DX, Xb), [0x6F] = I(OUTS, DX, Xv),

    [0x70] = ICC(JCC, O, Jb), [0x71] = ICC(JCC, NO, Jb),
    [0x72] = ICC(JCC, B, Jb), [0x73] = ICC(JCC, AE, Jb),
    [0x74] = ICC(JCC, E, Jb), [0x75] = ICC(JCC, NE, Jb),
    [0x76] = ICC(JCC, BE, Jb), [0x77] = ICC(JCC, A, Jb),
    [0x78] = ICC(JCC, S, Jb), [0x79] = ICC(JCC, NS, Jb),
    [0x7A] = ICC(JCC, P, Jb), [0x7B] = ICC(JCC, NP, Jb),
    [0x7C] = ICC(JCC, L, Jb), [0x7D] = ICC(JCC, GE, Jb),
    [0x7E] = ICC(JCC, LE, Jb), [0x7F] = ICC(JCC, G, Jb),

    [0x80] = GROUP(grp1_80), [0x81] = GROUP(grp1_81),
    [0x82] = GROUP(grp1_80),    /* alias of 80 outside 64-bit mode */
    [0x83] = GROUP(grp1_83),
    [0x84] = IB(TEST, Eb, Gb), [0x85] = I(TEST, Ev, Gv),
    [0x86] = IB(XCHG, Eb, Gb), [0x87] = I(XCHG, Ev, Gv),
    [0x88] = IB(MOV, Eb, Gb), [0x89] = I(MOV, Ev, Gv),
    [0x8A] = IB(MOV, Gb, Eb), [0x8B] = I(MOV, Gv, Ev),
    [0x8C] = I(MOV_SEG, Ev, Sw),
    [0x8D] = I(LEA, Gv, M),
    [0x8E] = I(MOV_SEG, Sw, Ew),    /* Sw = CS or reg 6-7 is #UD; SS sets the shadow */
    [0x8F] = GROUP(grp1a_8f),

    /* 90 is XCHG eAX,eAX, i.e. NOP; F3 90 is PAUSE (SDM Vol. 2B PAUSE).
     * 66 and F2 change nothing. */
    [0x90] = PFX(I(NOP), I(NOP), I(PAUSE), I(NOP)),
    [0x91] = I(XCHG, Zv, eAX), [0x92] = I(XCHG, Zv, eAX), [0x93] = I(XCHG, Zv, eAX),
    [0x94] = I(XCHG, Zv, eAX), [0x95] = I(XCHG, Zv, eAX), [0x96] = I(XCHG, Zv, eAX),
    [0x97] = I(XCHG, Zv, eAX),
    [0x98] = I(CBW), [0x99] = I(CWD),
    [0x9A] = I(CALLF, Ap), [0x9B] = I(WAIT),
    [0x9C] = I(PUSHF), [0x9D] = I(POPF), [0x9E] = I(SAHF), [0x9F] = I(LAHF),

    /* moffs: no ModRM; the offset is as wide as the address size (SDM
     * Vol. 2B MOV, note on moffs8/16/32). */
    [0xA0] = IB(MOV, AL, Ob), [0xA1] = I(MOV, eAX, Ov),
    [0xA2] = IB(MOV, Ob, AL), [0xA3] = I(MOV, Ov, eAX),
    [0xA4] = IB(MOVS, Yb, Xb), [0xA5] = I(MOVS, Yv, Xv),
    [0xA6] = IB(CMPS, Xb, Yb), [0xA7] = I(CMPS, Xv, Yv),
    [0xA8] = IB(TEST, AL, Ib), [0xA9] = I(TEST, eAX, Iz),
    [0xAA] = IB(STOS, Yb, AL), [0xAB] = I(STOS, Yv, eAX),
    [0xAC] = IB(LODS, AL, Xb), [0xAD] = I(LODS, eAX, Xv),
    [0xAE] = IB(SCAS, AL, Yb), [0xAF] = I(SCAS, eAX, Yv),

    ROW8(0xB0, IB(MOV, Zb, Ib)),
    ROW8(0xB8, I(MOV, Zv, Iz)),

    [0xC0] = GROUP(grp2_c0), [0xC1] = GROUP(grp2_c1),
    [0xC2] = I(RET, Iw), [0xC3] = I(RET),
    /* C4/C5 are VEX only in 64-bit mode or with mod = 3 on AVX parts; a
     * Pentium 4 has no VEX, so mod = 3 is #UD through Mp. */
    [0xC4] = I(LES, Gv, Mp), [0xC5] = I(LDS, Gv, Mp),
    [0xC6] = GROUP(grp11_c6), [0xC7] = GROUP(grp11_c7),
    [0xC8] = I(ENTER, Iw, Ib), [0xC9] = I(LEAVE),
    [0xCA] = I(RETF, Iw), [0xCB] = I(RETF),
    [0xCC] = I(INT3), [0xCD] = I(INT, Ib), [0xCE] = I(INTO), [0xCF] = I(IRET),

    [0xD0] = GROUP(grp2_d0), [0xD1] = GROUP(grp2_d1),
    [0xD2] = GROUP(grp2_d2), [0xD3] = GROUP(grp2_d3),
    [0xD4] = I(AAM, Ib), [0xD5] = I(AAD, Ib),
    [0xD6] = IB(SALC),      /* blank in Table A-2; SALC on every Intel IA-32 part */
    [0xD7] = IB(XLAT),
    [0xD8] = GROUP_MOD(decode_x87_d8), [0xD9] = GROUP_MOD(decode_x87_d9),
    [0xDA] = GROUP_MOD(decode_x87_da), [0xDB] = GROUP_MOD(decode_x87_db),
    [0xDC] = GROUP_MOD(decode_x87_dc), [0xDD] = GROUP_MOD(decode_x87_dd),
    [0xDE] = GROUP_MOD(decode_x87_de), [0xDF] = GROUP_MOD(decode_x87_df),

    [0xE0] = I(LOOPNE, Jb), [0xE1] = I(LOOPE, Jb), [0xE2] = I(LOOP, Jb),
    [0xE3] = I(JCXZ, Jb),
    [0xE4] = IB(IN, AL, Ib), [0xE5] = I(IN, eAX, Ib),
    [0xE6] = IB(OUT, Ib, AL), [0xE7] = I(OUT, Ib, eAX),
    [0xE8] = I(CALL, Jz), [0xE9] = I(JMP, Jz), [0xEA] = I(JMPF, Ap), [0xEB] = I(JMP, Jb),
    [0xEC] = IB(IN, AL, DX), [0xED] = I(IN, eAX, DX),
    [0xEE] = IB(OUT, DX, AL), [0xEF] = I(OUT, DX, eAX),

    [0xF0] = PREFIX(DP_LOCK),
    [0xF1] = I(INT1),       /* ICEBP; documented as INT1 since SDM rev. 066 */
    [0xF2] = PREFIX(DP_REPNE), [0xF3] = PREFIX(DP_REP),
    [0xF4] = I(HLT), [0xF5] = I(CMC),
    [0xF6] = GROUP(grp3_f6), [0xF7] = GROUP(grp3_f7),
    [0xF8] = I(CLC), [0xF9] = I(STC), [0xFA] = I(CLI),
    [0xFB] = IA(STI, DA_SHADOW),    /* SDM Vol. 2B STI: IF takes effect after the next insn */
    [0xFC] = I(CLD), [0xFD] = I(STD),
    [0xFE] = GROUP(grp4_fe), [0xFF] = GROUP(grp5_ff),
};
