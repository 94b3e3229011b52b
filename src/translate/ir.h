/* The translation engine's intermediate representation: a linear list of
 * typed ops over temporaries, with labels for branches inside a block and
 * terminator ops for the exits. Guest-agnostic: the guest front end (src/cpu)
 * declares which CpuState fields are "globals" (guest registers) and which
 * C helpers exist; backends see only offsets and the helper table.
 *
 * Temps are globals (a 32- or 64-bit field of the CPU state at a fixed
 * offset, read and written in place), locals (live within one block) or
 * constants. Opcodes come from ir.def. */
#ifndef JITPC_TRANSLATE_IR_H
#define JITPC_TRANSLATE_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum IrOpcode {
#define X(name, nout, nin, nconst, flags) IR_##name,
#include "translate/ir.def"
#undef X
    IR_OPCODE_COUNT
} IrOpcode;

enum {
    IR_F_TYPED = 1 << 0,
    IR_F_BRANCH = 1 << 1,
    IR_F_END = 1 << 2,
    IR_F_FAULTS = 1 << 3,
    IR_F_SIDE = 1 << 4,
};

typedef struct IrOpDef {
    const char *name;
    uint8_t nout, nin, nconst;
    uint8_t flags;
} IrOpDef;

extern const IrOpDef ir_op_defs[IR_OPCODE_COUNT];

typedef enum IrType { IR_I32, IR_I64 } IrType;

/* Conditions for setcond/movcond/brcond. TSTEQ/TSTNE test (a & b) == 0. */
typedef enum IrCond {
    IR_COND_EQ, IR_COND_NE,
    IR_COND_LT, IR_COND_GE, IR_COND_LE, IR_COND_GT,         /* signed */
    IR_COND_LTU, IR_COND_GEU, IR_COND_LEU, IR_COND_GTU,     /* unsigned */
    IR_COND_TSTEQ, IR_COND_TSTNE,
    IR_COND_COUNT
} IrCond;

/* Guest memory access description: size in bytes (1, 2, 4, 8) | sign. */
enum { IR_MEM_SIZE_MASK = 0x0F, IR_MEM_SIGN = 0x10 };

typedef enum IrTempKind { IR_TEMP_GLOBAL, IR_TEMP_LOCAL, IR_TEMP_CONST } IrTempKind;

typedef uint32_t IrTemp;            /* index into IrBlock.temps */
#define IR_NO_TEMP UINT32_MAX

typedef struct IrTempInfo {
    uint8_t kind;                   /* IrTempKind */
    uint8_t type;                   /* IrType */
    uint32_t offset;                /* globals: offset in the CPU state */
    uint64_t value;                 /* constants */
    const char *name;               /* globals: for the dumper */
} IrTempInfo;

/* A CPU-state field the guest exposes as a global temp. */
typedef struct IrGlobalDef {
    const char *name;
    uint32_t offset;
    IrType type;
} IrGlobalDef;

/* Helper functions callable from IR. One signature for every helper so
 * that the interpreter and native backends call them the same way; unused
 * arguments are ignored. A helper may raise a guest exception (it does not
 * return then) only if it is flagged IR_HELPER_FAULTS. */
typedef uint64_t IrHelperFn(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);

enum {
    IR_HELPER_FAULTS = 1 << 0,      /* may raise a guest exception (longjmp) */
    IR_HELPER_PURE = 1 << 1,        /* reads only its arguments, no side effects */
    IR_HELPER_ENDS_BLOCK = 1 << 2,  /* may change control flow state (eip, modes) */
};

typedef struct IrHelperDef {
    const char *name;
    IrHelperFn *fn;
    uint8_t nargs;                  /* 0..4 */
    uint8_t has_ret;
    uint8_t flags;
} IrHelperDef;

/* What a guest front end gives the engine: its globals and helpers, and
 * the functions guest memory ops call (linear address, IrMemOp size). */
typedef struct IrGuest {
    const IrGlobalDef *globals;
    unsigned nglobals;
    const IrHelperDef *helpers;
    unsigned nhelpers;
    uint64_t (*mem_load)(void *env, uint64_t addr, unsigned memop);
    void (*mem_store)(void *env, uint64_t addr, uint64_t val, unsigned memop);
} IrGuest;

#define IR_MAX_ARGS 8

typedef struct IrOp {
    uint16_t opc;                   /* IrOpcode */
    uint8_t type;                   /* IrType, for typed ops */
    uint8_t nout, nin, nconst;      /* counts (fixed by ir.def except for call) */
    uint64_t args[IR_MAX_ARGS];     /* outputs, inputs (temp indices), constants */
} IrOp;

typedef struct IrBlock {
    const IrGuest *guest;
    IrOp *ops;
    unsigned nops, ops_cap;
    IrTempInfo *temps;
    unsigned ntemps, temps_cap;
    unsigned nlabels;
    unsigned ninsns;                /* insn_start ops emitted */
} IrBlock;

void ir_block_init(IrBlock *b, const IrGuest *guest);
/* Empty the block for reuse (keeps the allocations and the globals). */
void ir_block_reset(IrBlock *b);
void ir_block_free(IrBlock *b);

/* The temp of global number i (in the guest's global table order). */
static inline IrTemp ir_global(unsigned i) { return (IrTemp)i; }
IrTemp ir_new_temp(IrBlock *b, IrType type);
IrTemp ir_const(IrBlock *b, IrType type, uint64_t value);
unsigned ir_new_label(IrBlock *b);

/* Append an op with explicit operands; returns its index. The typed
 * builders below are what front ends use. */
unsigned ir_emit(IrBlock *b, IrOpcode opc, IrType type, const uint64_t *outs, unsigned nout, const uint64_t *ins,
                 unsigned nin, const uint64_t *consts, unsigned nconst);

/* Convenience builders: ir_<op>(block, type, dst, srcs...). */
void ir_mov(IrBlock *b, IrType t, IrTemp d, IrTemp a);
void ir_movi(IrBlock *b, IrType t, IrTemp d, uint64_t v);
void ir_binop(IrBlock *b, IrOpcode opc, IrType t, IrTemp d, IrTemp a, IrTemp c);
void ir_unop(IrBlock *b, IrOpcode opc, IrType t, IrTemp d, IrTemp a);
void ir_mul2(IrBlock *b, IrOpcode opc, IrType t, IrTemp lo, IrTemp hi, IrTemp a, IrTemp c);
void ir_deposit(IrBlock *b, IrType t, IrTemp d, IrTemp a, IrTemp v, unsigned pos, unsigned len);
void ir_extract(IrBlock *b, IrType t, IrTemp d, IrTemp a, unsigned pos, unsigned len);
void ir_setcond(IrBlock *b, IrType t, IrCond c, IrTemp d, IrTemp a, IrTemp x);
void ir_movcond(IrBlock *b, IrType t, IrCond c, IrTemp d, IrTemp a, IrTemp x, IrTemp v1, IrTemp v2);
void ir_ld_env(IrBlock *b, IrType t, IrTemp d, uint32_t offset, unsigned size);
void ir_st_env(IrBlock *b, IrType t, IrTemp v, uint32_t offset, unsigned size);
void ir_qld(IrBlock *b, IrType t, IrTemp d, IrTemp addr, unsigned memop);
void ir_qst(IrBlock *b, IrType t, IrTemp v, IrTemp addr, unsigned memop);
/* Call helper `index` of the guest's table; `ret` is IR_NO_TEMP if none. */
void ir_call(IrBlock *b, unsigned index, IrTemp ret, const IrTemp *args, unsigned nargs);
void ir_set_label(IrBlock *b, unsigned label);
void ir_br(IrBlock *b, unsigned label);
void ir_brcond(IrBlock *b, IrType t, IrCond c, IrTemp a, IrTemp x, unsigned label);
void ir_insn_start(IrBlock *b, uint64_t pc, unsigned len, int64_t static_cc);
void ir_goto_tb(IrBlock *b, unsigned slot);
void ir_lookup_tb(IrBlock *b);
void ir_exit_tb(IrBlock *b, uint64_t code);

/* Check the block's structure; on failure writes one line to `why`. */
bool ir_verify(const IrBlock *b, char *why, size_t why_len);
/* Text dump, one op per line (-d op). */
void ir_dump(const IrBlock *b, FILE *f);
const char *ir_cond_name(IrCond c);
/* The condition with its operands' roles kept and the result inverted. */
IrCond ir_cond_invert(IrCond c);
/* Evaluate a condition on two values of the given type. */
bool ir_cond_eval(IrCond c, IrType t, uint64_t a, uint64_t x);

#endif
