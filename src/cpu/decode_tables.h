/* The decoder's private table format and the macros the table files use to
 * write opcode maps that read like SDM Vol. 2 Appendix A (Tables A-2 to
 * A-6 for the integer/SIMD maps and groups, A-7 to A-22 for x87). Only
 * decode.c and decode_tables*.c include this. */
#ifndef JITPC_CPU_DECODE_TABLES_H
#define JITPC_CPU_DECODE_TABLES_H

#include "cpu/decode.h"

/* What a table slot holds. Sub-tables nest: e.g. 0F 71 is a group whose
 * /2 slot is a mandatory-prefix choice between the MMX and SSE2 forms. */
typedef enum DecodeEntryKind {
    DK_UD,          /* undefined here: #UD (the zero value, so gaps are UD) */
    DK_INSN,        /* an instruction */
    DK_GROUP,       /* sub[ModRM.reg] (8 entries) */
    DK_GROUP_MOD,   /* sub[ModRM.reg] when mod != 3, sub[8 + ModRM.reg] when mod = 3 */
    DK_RM,          /* sub[ModRM.rm] (8 entries); only under a mod = 3 slot */
    DK_MOD,         /* sub[0] when mod != 3, sub[1] when mod = 3 */
    DK_PREFIXED,    /* sub[0] none, sub[1] 66, sub[2] F3, sub[3] F2 (SDM Vol. 2A §2.1.2) */
    DK_PREFIX,      /* a legacy prefix byte (one-byte map only); mnemonic = DecodePrefix */
    DK_ESCAPE,      /* 0F, 0F 38, 0F 3A: another opcode byte follows */
} DecodeEntryKind;

typedef enum DecodePrefix {
    DP_SEG_ES, DP_SEG_CS, DP_SEG_SS, DP_SEG_DS, DP_SEG_FS, DP_SEG_GS, /* = SEG_* of cpu.h */
    DP_OPSIZE, DP_ADDRSIZE, DP_LOCK, DP_REPNE, DP_REP,
} DecodePrefix;

/* DecodeEntry.attr */
#define DA_BYTE   (1u << 0) /* byte operation: op_size = 1 */
#define DA_MODREG (1u << 1) /* ModRM.mod is ignored, rm is a register (MOV CRn/DRn, SDM Vol. 2B MOV) */
#define DA_SHADOW (1u << 2) /* blocks interrupts for one instruction (DECODE_F_IRQ_SHADOW) */
#define DA_COND   (1u << 3) /* `cond` is meaningful */

typedef struct DecodeEntry {
    const struct DecodeEntry *sub;  /* GROUP, GROUP_MOD, MOD, RM, PREFIXED */
    uint16_t mnemonic;              /* Mnemonic (INSN) or DecodePrefix (PREFIX) */
    uint8_t kind;                   /* DecodeEntryKind */
    uint8_t attr;                   /* DA_* */
    uint8_t cond;                   /* DECODE_CC_* with DA_COND */
    uint8_t feature;                /* DecodeFeature overriding the mnemonic's; 0 = keep */
    uint8_t operands[4];            /* OperandKind, Intel order */
} DecodeEntry;

extern const DecodeEntry decode_map_onebyte[256];
extern const DecodeEntry decode_map_0f[256];
extern const DecodeEntry decode_map_0f38[256];
extern const DecodeEntry decode_map_0f3a[256];
/* The x87 escapes D8-DF, each DK_GROUP_MOD (16 entries: memory forms by
 * ModRM.reg, then register forms by ModRM.reg). */
extern const DecodeEntry decode_x87_d8[16], decode_x87_d9[16], decode_x87_da[16],
    decode_x87_db[16], decode_x87_dc[16], decode_x87_dd[16], decode_x87_de[16],
    decode_x87_df[16];

#ifdef DECODE_TABLE_SOURCE
/* Table-writing macros (for decode_tables*.c only). Operands are written bare (Eb, Gv, sIb); a slot not
 * mentioned in a designated initializer is zero, which is DK_UD. */
#define DT_SEL_(_0, _1, _2, _3, _4, n, ...) n
#define DT_OPS0_()
#define DT_OPS1_(a) OPND_##a
#define DT_OPS2_(a, b) OPND_##a, OPND_##b
#define DT_OPS3_(a, b, c) OPND_##a, OPND_##b, OPND_##c
#define DT_OPS4_(a, b, c, d) OPND_##a, OPND_##b, OPND_##c, OPND_##d
#define DT_OPS(...) \
    DT_SEL_(_, ##__VA_ARGS__, DT_OPS4_, DT_OPS3_, DT_OPS2_, DT_OPS1_, DT_OPS0_)(__VA_ARGS__)

#define DT_ENTRY(mn, at, cc, feat, ...) \
    { .kind = DK_INSN, .mnemonic = MN_##mn, .attr = (at), .cond = (cc), .feature = (feat), \
      .operands = { DT_OPS(__VA_ARGS__) } }
/* An instruction of operand size v (or one whose operands fix their size). */
#define I(mn, ...) DT_ENTRY(mn, 0, 0, 0, ##__VA_ARGS__)
/* A byte operation. */
#define IB(mn, ...) DT_ENTRY(mn, DA_BYTE, 0, 0, ##__VA_ARGS__)
/* With a condition code. */
#define ICC(mn, cc, ...) DT_ENTRY(mn, DA_COND, DECODE_CC_##cc, 0, ##__VA_ARGS__)
#define IBCC(mn, cc, ...) DT_ENTRY(mn, DA_COND | DA_BYTE, DECODE_CC_##cc, 0, ##__VA_ARGS__)
/* With extra attributes. */
#define IA(mn, at, ...) DT_ENTRY(mn, (at), 0, 0, ##__VA_ARGS__)
/* With a feature other than the mnemonic's (e.g. the SSE2 form of an MMX op). */
#define IF(mn, feat, ...) DT_ENTRY(mn, 0, 0, DECODE_FEAT_##feat, ##__VA_ARGS__)
#define UD { .kind = DK_UD }
#define GROUP(table) { .kind = DK_GROUP, .sub = (table) }
#define GROUP_MOD(table) { .kind = DK_GROUP_MOD, .sub = (table) }
#define MODSEL(mem, reg) { .kind = DK_MOD, .sub = (const DecodeEntry[2]){ mem, reg } }
#define RMSEL(...) { .kind = DK_RM, .sub = (const DecodeEntry[8]){ __VA_ARGS__ } }
/* Mandatory-prefix choice: none, 66, F3, F2. */
#define PFX(none, p66, pf3, pf2) \
    { .kind = DK_PREFIXED, .sub = (const DecodeEntry[4]){ none, p66, pf3, pf2 } }
#define PREFIX(p) { .kind = DK_PREFIX, .mnemonic = (p) }
#define ESCAPE { .kind = DK_ESCAPE }
#endif

#endif
