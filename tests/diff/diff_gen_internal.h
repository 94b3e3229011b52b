/* Shared between the generator engine (diff_gen.c) and the template table
 * (diff_templates.c): the generator state, the instruction encoder's
 * operand model and the helpers templates call. Not used elsewhere.
 *
 * Safety model: memory operands only ever address the data area. The
 * generator knows the possible values of ESP, EBP, ESI and EDI as ranges
 * (GenRange) while they point into it; any other write to them makes them
 * unknown and unusable as a base until a template reloads them. Control flow
 * only goes forward, so ranges and undefined flags are merged at jump targets
 * (GenFlow joins) and every path is covered. */
#ifndef JITPC_TESTS_DIFF_GEN_INTERNAL_H
#define JITPC_TESTS_DIFF_GEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "diff_case.h"
#include "diff_flags.h"

#define GEN_UNITS_MAX 16   /* units (an instruction and its set-up) per snippet */
#define GEN_UNIT_MAX 40    /* bytes per unit */
#define GEN_UNIT_INSNS 6   /* instructions per unit */
#define GEN_JUMP_REACH 4   /* a jump lands on one of the next 4 unit boundaries */
#define GEN_FIXUPS 2

/* Operand sizes in a template's `sizes` mask. */
#define SZ8 1u
#define SZ16 2u
#define SZ32 4u
#define SZ_ALL (SZ8 | SZ16 | SZ32)
#define SZ_WIDE (SZ16 | SZ32)

/* gen_mem() requests. */
#define GEN_MEM_WRITE 1u  /* the access writes: no CS override (CS is not writable) */
#define GEN_MEM_ALIGN 2u  /* locked access: naturally aligned (no split lock) */
#define GEN_MEM_NO_SEG 4u /* no segment override */

typedef struct GenRng {
    uint64_t s[4];
} GenRng;

/* Possible values of a register while it points into the data area. */
typedef struct GenRange {
    bool known;
    int64_t lo, hi;
} GenRange;

/* What the generator knows at one point of the sequence. */
typedef struct GenFlow {
    bool reachable;
    GenRange reg[DIFF_NREGS]; /* used for ESP (always known), EBP, ESI, EDI */
    uint32_t undef;           /* status flags undefined here (on some path) */
    int df;                   /* 0, 1, or -1 when paths disagree */
} GenFlow;

typedef enum { GEN_FIX_REL8, GEN_FIX_REL32, GEN_FIX_ABS32 } GenFixKind;

/* A branch target patched once the units are laid out. */
typedef struct GenFixup {
    uint8_t kind; /* GenFixKind */
    uint8_t at;   /* offset of the field in the unit */
    uint8_t from; /* offset in the unit a relative target counts from */
    uint8_t target; /* unit index; n_units or more means the end of the snippet */
} GenFixup;

/* One unit: an instruction with its set-up moves, never split by a jump
 * target. */
typedef struct GenUnit {
    uint8_t bytes[GEN_UNIT_MAX];
    unsigned len;
    unsigned n_insn;
    uint8_t insn_off[GEN_UNIT_INSNS];
    uint32_t insn_undef[GEN_UNIT_INSNS]; /* undefined flags before each instruction */
    unsigned n_fix;
    GenFixup fix[GEN_FIXUPS];
    bool falls_through;
} GenUnit;

/* A memory operand as ModRM/SIB/displacement (SDM Vol. 2A §2.1.5). */
typedef struct GenMem {
    uint8_t mod, rm, sib;
    bool has_sib;
    uint8_t disp_size; /* 0, 1, 2 (16-bit addressing) or 4 */
    int32_t disp;
    uint8_t seg;       /* segment-override prefix or 0 */
    bool addr16;       /* 16-bit addressing (67 prefix): LEA and NOP only */
} GenMem;

/* One instruction to encode. */
typedef struct GenInsn {
    uint8_t prefix[4];
    unsigned n_prefix;
    uint8_t op[3];
    unsigned n_op;
    bool has_modrm;
    unsigned reg;      /* ModRM.reg: a register or a /digit */
    bool rm_mem;
    unsigned rm_reg;   /* ModRM.rm when !rm_mem */
    GenMem mem;
    uint32_t imm;
    unsigned imm_size; /* 0, 1, 2, 4 */
    uint32_t imm2;     /* ENTER's second immediate */
    unsigned imm2_size;
} GenInsn;

typedef struct Gen {
    GenRng rng;
    GenFlow flow;
    GenFlow incoming[GEN_UNITS_MAX + GEN_JUMP_REACH + 1];
    GenUnit units[GEN_UNITS_MAX];
    unsigned n_units; /* chosen up front, so jump targets are known */
    unsigned cur;     /* unit being generated */
} Gen;

typedef struct GenTemplate GenTemplate;
/* Emits one unit for `t` into g->units[g->cur], updating g->flow; returns
 * false when the template does not fit here (the engine rolls back). */
typedef bool (*GenEmitFn)(Gen *g, const GenTemplate *t);

struct GenTemplate {
    const char *name;
    GenEmitFn emit;
    uint8_t op;      /* main opcode byte (after 0F for two-byte forms) */
    uint8_t digit;   /* ModRM /digit, or a form-specific parameter */
    uint8_t sizes;   /* SZ* operand sizes allowed */
    uint8_t fx;      /* DiffFlagOp (or DiffShiftKind for shifts) */
    uint16_t reads;  /* status flags read, besides a condition code */
    uint8_t attr;    /* T_* */
    uint8_t weight;  /* relative frequency */
};

/* Template attributes. */
#define T_LOCK 0x01u /* may take LOCK when the destination is memory */
#define T_RO 0x02u   /* the r/m "destination" is only read (CMP, TEST, BT) */
#define T_BOTH 0x04u /* both operands are written (XCHG, XADD) */
#define T_TWO 0x08u  /* two-byte opcode (0F op) */
#define T_W 0x10u    /* opcode bit 0 selects 8-bit (0) or 16/32-bit (1) */
#define T_XLOCK 0x20u /* locked even without LOCK when on memory (XCHG): keep it aligned */

extern const GenTemplate gen_templates[];
extern const unsigned gen_template_total;

/* Randomness. */
uint64_t gen_next(Gen *g);
uint32_t gen_below(Gen *g, uint32_t n);
bool gen_chance(Gen *g, unsigned percent);
uint32_t gen_value(Gen *g);           /* a 32-bit operand value, biased to edge cases */
uint32_t dgen_imm(Gen *g, unsigned size);
unsigned gen_size(Gen *g, unsigned sizes); /* 1, 2 or 4 among `sizes` */

/* Registers. */
unsigned gen_reg_dst(Gen *g, unsigned size);   /* a register it is safe to write */
unsigned gen_reg_free(Gen *g);                 /* EAX..EBX: never pointers */
unsigned gen_reg_src(Gen *g);                  /* any register */
void gen_clobber(Gen *g, unsigned reg, unsigned size); /* reg written with an unknown value */
void gen_set_ptr(Gen *g, unsigned reg, int64_t lo, int64_t hi);

/* Memory operands: the access covers [EA + lo_extra, EA + size + hi_extra). */
bool gen_mem(Gen *g, unsigned size, int32_t lo_extra, int32_t hi_extra, unsigned mflags, GenMem *m);
void gen_mem_any(Gen *g, GenMem *m, bool addr16); /* any address: LEA, NOP r/m */
/* Fills in->rm_* with a register (dst or src) or a memory operand. */
bool gen_rm(Gen *g, GenInsn *in, unsigned size, bool write, unsigned mflags);
bool gen_ptr_in(const Gen *g, unsigned reg, int64_t lo_room, int64_t hi_room);

/* Encoding: prefixes for the operand size and a LOCK, then the instruction. */
void gen_insn_init(GenInsn *in, unsigned size);
void gen_insn_lock(GenInsn *in);
/* Appends the instruction to the current unit; returns the offset in the unit
 * of its first immediate byte (for fixups). */
unsigned gen_emit(Gen *g, const GenInsn *in);
void gen_emit_bytes(Gen *g, const uint8_t *bytes, unsigned n); /* one instruction */
bool gen_room(const Gen *g, unsigned bytes);

/* Flags. */
bool gen_readable(const Gen *g, uint32_t flags);
void gen_apply(Gen *g, DiffFlagOp op);
int gen_pick_cc(Gen *g); /* a readable condition code, or -1 */

/* Stack: check and account for a push or pop of `bytes`. */
bool gen_stack_ok(const Gen *g, int64_t below, int64_t above);
void gen_stack_adjust(Gen *g, int64_t delta);

/* Control flow: a jump from the current point to a later unit boundary.
 * gen_target() picks the unit; gen_fixup() records the patch and merges the
 * current flow into the target's incoming flow. */
unsigned gen_target(Gen *g);
void gen_fixup(Gen *g, GenFixKind kind, unsigned at, unsigned from, unsigned target);

#endif
