/* The IA-32 instruction decoder: bytes in, a DecodedInsn out, for 16- and
 * 32-bit code on a Pentium 4 class CPU (x87, MMX, SSE, SSE2; no SSE3, no
 * VEX, no long mode). It only decodes: no execution, no IR. Encoding rules
 * follow Intel SDM Vol. 2A ch. 2 (instruction format) and Vol. 2 Appendix A
 * (opcode maps, operand notation A.2); the opcode tables live in
 * decode_tables*.c, the mnemonics in mnemonics.def. */
#ifndef JITPC_CPU_DECODE_H
#define JITPC_CPU_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SDM Vol. 2A §2.1: no instruction is longer than 15 bytes, prefixes included. */
#define DECODE_MAX_LEN 15

typedef enum DecodeStatus {
    DECODE_OK,
    DECODE_UD,          /* undefined opcode, or LOCK where not allowed: #UD */
    DECODE_GP,          /* the instruction would be longer than 15 bytes: #GP(0) */
    DECODE_NEED_MORE,   /* `avail` ended before the instruction did (fetch more, or #PF) */
} DecodeStatus;

typedef enum Mnemonic {
#define X(name, text, flags, feature) MN_##name,
#include "cpu/mnemonics.def"
#undef X
    MN_COUNT
} Mnemonic;

/* Operand kinds in the notation of SDM Vol. 2 Appendix A.2, extended with the
 * x87 memory formats of A.5 and fixed registers. The names keep the SDM's
 * case (Eb, Gv, sIb, eAX) because the case carries meaning there.
 * X(name, source, register size, memory size); sizes are bytes or V (op_size),
 * P (op_size + 2: far pointer), A (2 * op_size: BOUND), ENV (14/28), STATE
 * (94/108), FX (512). Where a kind needs no ModRM (immediates, fixed
 * registers) the register size is the encoded or implied width. */
#define DECODE_OPERAND_KINDS(X) \
    X(NONE, NONE, 0, 0) \
    /* ModRM.rm: a register when mod = 3, else memory */ \
    X(Eb, RM, 1, 1) X(Ew, RM, 2, 2) X(Ed, RM, 4, 4) X(Ev, RM, V, V) \
    X(MwRv, RM, V, 2)       /* SLDT, STR, SMSW: r16/r32 or m16 */ \
    X(MwRd, RM, 4, 2)       /* PINSRW: r32 or m16 */ \
    X(Qq, RM, 8, 8) X(Qd, RM, 8, 4) \
    X(Wx, RM, 16, 16) X(Wq, RM, 16, 8) X(Wd, RM, 16, 4) \
    /* ModRM.rm, memory only (mod = 3 is #UD) */ \
    X(M, MEM, 0, 0)         /* address only: LEA, INVLPG */ \
    X(Mb, MEM, 0, 1) X(Mw, MEM, 0, 2) X(Md, MEM, 0, 4) X(Mq, MEM, 0, 8) X(Mx, MEM, 0, 16) \
    X(Mp, MEM, 0, P) X(Ma, MEM, 0, A) X(Ms, MEM, 0, 6) \
    X(Mfs, MEM, 0, 4) X(Mfd, MEM, 0, 8) X(Mft, MEM, 0, 10) /* x87 single, double, extended */ \
    X(Mwi, MEM, 0, 2) X(Mdi, MEM, 0, 4) X(Mqi, MEM, 0, 8)  /* x87 integers */ \
    X(Mbcd, MEM, 0, 10) X(Menv, MEM, 0, ENV) X(Mstate, MEM, 0, STATE) X(Mfx, MEM, 0, FX) \
    /* ModRM.rm, register only */ \
    X(Rd, RMREG, 4, 0) X(Nq, RMREG, 8, 0) X(Ux, RMREG, 16, 0) X(STi, RMREG, 10, 0) \
    /* ModRM.reg */ \
    X(Gb, REG, 1, 0) X(Gw, REG, 2, 0) X(Gd, REG, 4, 0) X(Gv, REG, V, 0) \
    X(Sw, REG, 2, 0) X(Cd, REG, 4, 0) X(Dd, REG, 4, 0) X(Pq, REG, 8, 0) X(Vx, REG, 16, 0) \
    /* immediates (imm, then imm2); Ap is offset in imm, selector in imm2 */ \
    X(Ib, IMM, 1, 0) X(sIb, IMM, 1, 0) X(Iw, IMM, 2, 0) X(Iz, IMM, V, 0) \
    X(Jb, IMM, 1, 0) X(Jz, IMM, V, 0) X(Ap, IMM, P, 0) \
    /* moffs: an addr_size offset in disp, no ModRM */ \
    X(Ob, MOFFS, 0, 1) X(Ov, MOFFS, 0, V) \
    /* implied: fixed registers, constant 1, string pointers, register in opcode bits 2:0 */ \
    X(AL, FIXED, 1, 0) X(CL, FIXED, 1, 0) X(AX, FIXED, 2, 0) X(DX, FIXED, 2, 0) X(eAX, FIXED, V, 0) \
    X(ES, FIXED, 2, 0) X(CS, FIXED, 2, 0) X(SS, FIXED, 2, 0) \
    X(DS, FIXED, 2, 0) X(FS, FIXED, 2, 0) X(GS, FIXED, 2, 0) \
    X(ONE, FIXED, 1, 0) X(ST0, FIXED, 10, 0) \
    X(Xb, FIXED, 0, 1) X(Xv, FIXED, 0, V) X(Yb, FIXED, 0, 1) X(Yv, FIXED, 0, V) \
    X(Zb, FIXED, 1, 0) X(Zv, FIXED, V, 0)

typedef enum OperandKind {
#define X(name, source, reg_size, mem_size) OPND_##name,
    DECODE_OPERAND_KINDS(X)
#undef X
    OPND_COUNT
} OperandKind;

/* Where an operand's value comes from. */
typedef enum OperandSource {
    OPSRC_NONE,
    OPSRC_RM,       /* ModRM.rm: register (mod = 3) or memory */
    OPSRC_MEM,      /* ModRM.rm, memory only */
    OPSRC_RMREG,    /* ModRM.rm, register only (MOV CRn/DRn ignore mod) */
    OPSRC_REG,      /* ModRM.reg */
    OPSRC_IMM,      /* imm / imm2 */
    OPSRC_MOFFS,    /* disp, addr_size wide */
    OPSRC_FIXED,    /* implied by the opcode */
} OperandSource;

/* DecodedInsn.flags, from mnemonics.def plus per-entry extras. */
#define DECODE_F_LOCKABLE   (1u << 0)   /* LOCK allowed (with a memory destination) */
#define DECODE_F_BRANCH     (1u << 1)   /* transfers control, stops or always faults
                                           (jumps, calls, ret, int, iret, hlt, ud2): ends a block */
#define DECODE_F_PRIVILEGED (1u << 2)   /* CPL 0 only, #GP(0) otherwise */
#define DECODE_F_IOPL       (1u << 3)   /* IOPL / I/O permission sensitive (PM or VM86) */
#define DECODE_F_STRING     (1u << 4)   /* string instruction: F2/F3 repeat it */
#define DECODE_F_REPCC      (1u << 5)   /* CMPS/SCAS: F3 = REPE, F2 = REPNE */
#define DECODE_F_COND       (1u << 6)   /* `cond` holds a condition code */
#define DECODE_F_IRQ_SHADOW (1u << 7)   /* STI, MOV SS, POP SS: interrupts held for one insn */

/* The CPUID feature an instruction needs (DecodedInsn.feature), so a CPU
 * model without it can raise #UD (SDM Vol. 2A CPUID, leaf 1 EDX). */
typedef enum DecodeFeature {
    DECODE_FEAT_BASE,   /* 386 */
    DECODE_FEAT_I486,   /* BSWAP, XADD, CMPXCHG, INVD, WBINVD, INVLPG */
    DECODE_FEAT_P6,     /* UD1, UD2, RDPMC */
    DECODE_FEAT_FPU,
    DECODE_FEAT_TSC,
    DECODE_FEAT_MSR,
    DECODE_FEAT_CX8,
    DECODE_FEAT_CMOV,   /* CMOVcc, FCMOVcc, FCOMI family */
    DECODE_FEAT_SEP,    /* SYSENTER, SYSEXIT */
    DECODE_FEAT_MMX,
    DECODE_FEAT_FXSR,
    DECODE_FEAT_SSE,
    DECODE_FEAT_SSE2,
    DECODE_FEAT_CLFSH,
} DecodeFeature;

enum { DECODE_MAP_ONEBYTE, DECODE_MAP_0F, DECODE_MAP_0F38, DECODE_MAP_0F3A };
enum { DECODE_REP = 1, DECODE_REPNE = 2 };

/* Condition codes, the low nibble of Jcc/SETcc/CMOVcc (SDM Vol. 1 Appendix B). */
enum {
    DECODE_CC_O, DECODE_CC_NO, DECODE_CC_B, DECODE_CC_AE, DECODE_CC_E, DECODE_CC_NE,
    DECODE_CC_BE, DECODE_CC_A, DECODE_CC_S, DECODE_CC_NS, DECODE_CC_P, DECODE_CC_NP,
    DECODE_CC_L, DECODE_CC_GE, DECODE_CC_LE, DECODE_CC_G,
};

typedef struct DecodedInsn {
    uint8_t len;                /* total length in bytes, prefixes included */
    uint8_t code32;             /* decoded for 32-bit (1) or 16-bit (0) default size */
    uint8_t map;                /* DECODE_MAP_* */
    uint8_t opcode;             /* the opcode byte within its map */
    Mnemonic mnemonic;
    uint8_t op_size;            /* 1, 2 or 4: effective operand size (1 for byte forms) */
    uint8_t addr_size;          /* 2 or 4 */
    int8_t seg;                 /* segment override SEG_ES..SEG_GS, or -1 */
    uint8_t rep;                /* 0, DECODE_REP (F3) or DECODE_REPNE (F2); last one wins;
                                   0 when it was consumed as a mandatory prefix */
    uint8_t lock;               /* F0 seen (already validated) */
    uint8_t opsize_prefix, addrsize_prefix; /* 66 / 67 seen */
    uint8_t mandatory_prefix;   /* SSE maps: 0, 0x66, 0xF3 or 0xF2 as it selected the entry */
    uint8_t cond;               /* condition 0-15 (DECODE_CC_*) when flags has DECODE_F_COND */
    uint8_t feature;            /* DecodeFeature */
    uint8_t has_modrm, modrm, mod, reg, rm;
    uint8_t has_sib, sib, scale, index, base;  /* raw SIB fields; index 4 = none */
    int8_t ea_base, ea_index;   /* memory operand registers (R_EAX..; 16-bit: BX BP SI DI), -1 none */
    int8_t ea_seg;              /* segment of the ModRM/moffs/Xb memory operand, -1 if none */
    uint8_t disp_size;          /* 0, 1, 2 or 4 (moffs: addr_size) */
    int32_t disp;               /* sign-extended (harmless for 16-bit: wraps at 64K) */
    uint8_t imm_size;
    uint32_t imm;               /* sign-extended for sIb, Jb, Jz; zero-extended otherwise */
    uint8_t imm2_size;
    uint32_t imm2;              /* ENTER's nesting level, Ap's selector */
    uint8_t noperands;
    OperandKind operands[4];    /* Intel order, destination first */
    uint32_t flags;             /* DECODE_F_* */
} DecodedInsn;

/* Decode one instruction from bytes[0..avail). Never reads beyond `avail`
 * or 15 bytes. On failure `out` still tells what was read (prefixes, map,
 * opcode, ModRM; len = bytes examined) for diagnostics, with mnemonic
 * MN_INVALID. Does not longjmp. */
DecodeStatus decode_insn(const uint8_t *bytes, size_t avail, bool code32, DecodedInsn *out);

/* A one-line debug dump of `d` (not assembler syntax); returns snprintf's count. */
int decode_format(const DecodedInsn *d, char *buf, size_t len);

const char *mnemonic_name(Mnemonic m);
const char *decode_operand_name(OperandKind k);
OperandSource decode_operand_source(OperandKind k);
/* Width in bytes of operand `i`: the memory access when it is in memory,
 * else the register or immediate width. 0 for LEA's M and for NONE. */
unsigned decode_operand_size(const DecodedInsn *d, unsigned i);
/* True when operand `i` is in memory (ModRM memory form, moffs, string). */
bool decode_operand_is_mem(const DecodedInsn *d, unsigned i);
/* "o", "no", "b", "ae"... for DECODE_CC_* */
const char *decode_cond_name(unsigned cond);

#endif
