/* The guest CPU: architectural state, life cycle (reset, loader entry
 * states), the execution loop's entry point and the exceptions interface.
 * The state's first part is reached by translated code at fixed offsets
 * (checked by _Static_assert in cpu_state.c); the rest is bookkeeping.
 * Reference: Intel SDM Vol. 3A §9.1 (state after reset). */
#ifndef JITPC_CPU_CPU_H
#define JITPC_CPU_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/log.h"
#include "cpu/cc_op.h"
#include "cpu/decode.h"
#include "mmu/memory.h"
#include "mmu/tlb.h"
#include "translate/exec.h"

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)

/* CR4 bits (SDM Vol. 3A §2.5). */
#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE (1u << 3)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)

#define EFER_NXE (1u << 11)     /* IA32_EFER.NXE: execute-disable in PAE paging */

/* EFLAGS bits (SDM Vol. 1 §3.4.3, Vol. 3A §2.3). */
#define EFLAGS_FIXED (1u << 1)  /* bit 1 always reads as 1 */
#define EFLAGS_TF (1u << 8)
#define EFLAGS_IF (1u << 9)
#define EFLAGS_DF (1u << 10)
#define EFLAGS_IOPL (3u << 12)
#define EFLAGS_NT (1u << 14)
#define EFLAGS_RF (1u << 16)
#define EFLAGS_VM (1u << 17)
#define EFLAGS_AC (1u << 18)
#define EFLAGS_VIF (1u << 19)
#define EFLAGS_VIP (1u << 20)
#define EFLAGS_ID (1u << 21)

#include "cpu/fpu_float.h"

/* The x87 FPU, MMX and SSE state (SDM Vol. 1 §8.1, §9.2, §10.2). */
typedef struct FpuState {
    Float80 st[8];              /* physical registers R0..R7; ST(i) = st[(top + i) & 7]; MMn = st[n].mant */
    uint16_t fcw;               /* control word */
    uint16_t fsw;               /* status word with TOP (bits 13..11) kept in `top` */
    uint8_t top;
    uint16_t ftw;               /* full tag word: 2 bits per physical register (00 valid, 01 zero,
                                 * 10 special, 11 empty) */
    uint16_t fop;               /* last non-control instruction's opcode (11 bits) */
    uint32_t fip, fdp;          /* last instruction and data pointers */
    uint16_t fcs, fds;
    uint64_t xmm[8][2];         /* XMM0..7, low quadword first */
    uint32_t mxcsr;
} FpuState;

/* A segment register with its hidden descriptor cache (SDM Vol. 3A §3.4.3). */
typedef struct SegmentCache {
    uint32_t selector;
    uint32_t base;
    uint32_t limit;             /* byte granular, already scaled */
    uint32_t flags;             /* descriptor bits 8..15 in 0..7 (type, S, DPL, P) and 20..23 in 12..15 (AVL, L, D/B, G) */
} SegmentCache;

#define SEG_FLAG_P (1u << 7)
#define SEG_FLAG_DB (1u << 14)
#define SEG_FLAG_G (1u << 15)

/* A CPU model: what CPUID reports. Feature bits list only what jitpc
 * implements for that model (CPUID must advertise exactly what works). */
typedef struct CpuModel {
    const char *name;
    const char *description;
    uint32_t family, model, stepping;
    const char *vendor;         /* 12 characters */
    uint32_t max_leaf;          /* highest basic CPUID leaf */
    uint32_t features_edx;      /* CPUID.1:EDX */
    uint32_t features_ecx;      /* CPUID.1:ECX */
    uint32_t max_ext_leaf;      /* highest extended leaf (0x8000000x), 0: none */
    uint32_t ext_features_edx;  /* CPUID.80000001H:EDX (NX) */
} CpuModel;

/* CPUID.1:EDX bits (SDM Vol. 2A, CPUID, Table 3-11). */
#define CPUID_EDX_FPU (1u << 0)
#define CPUID_EDX_CLFSH (1u << 19)
#define CPUID_EDX_MMX (1u << 23)
#define CPUID_EDX_FXSR (1u << 24)
#define CPUID_EDX_SSE (1u << 25)
#define CPUID_EDX_SSE2 (1u << 26)
#define CPUID_EDX_VME (1u << 1)
#define CPUID_EDX_PSE (1u << 3)
#define CPUID_EDX_TSC (1u << 4)
#define CPUID_EDX_MSR (1u << 5)
#define CPUID_EDX_APIC (1u << 9)
#define CPUID_EDX_PAE (1u << 6)
#define CPUID_EDX_CX8 (1u << 8)
#define CPUID_EDX_SEP (1u << 11)
#define CPUID_EDX_MTRR (1u << 12)
#define CPUID_EDX_PGE (1u << 13)
#define CPUID_EDX_CMOV (1u << 15)
#define CPUID_EDX_PAT (1u << 16)
#define CPUID_EDX_PSE36 (1u << 17)
#define CPUID_EXT_EDX_NX (1u << 20) /* CPUID.80000001H:EDX */

/* Mode bits that change how code translates: part of the block key. */
enum {
    HF_CS32 = 1 << 0,           /* CS.D: 32-bit default operand/address size */
    HF_SS32 = 1 << 1,           /* SS.B: 32-bit stack pointer */
    HF_PE = 1 << 2,             /* protected mode */
    HF_VM = 1 << 3,             /* virtual-8086 mode */
    HF_INHIBIT_IRQ = 1 << 4,    /* in an STI / MOV SS shadow: a one-instruction block */
    HF_FLAT = 1 << 5,           /* protected mode with ES, CS, SS, DS flat (base 0, 4 GiB, usable):
                                 * their accesses need no limit or type checks */
    HF_CPL3 = 1 << 6,           /* CPL 3 (incl. virtual-8086 mode): accesses use the user TLB */
};

/* Exceptions and interrupts (SDM Vol. 3A Table 6-1). */
enum {
    EXCP_DE = 0, EXCP_DB = 1, EXCP_NMI = 2, EXCP_BP = 3, EXCP_OF = 4, EXCP_BR = 5, EXCP_UD = 6, EXCP_NM = 7,
    EXCP_DF = 8, EXCP_TS = 10, EXCP_NP = 11, EXCP_SS = 12, EXCP_GP = 13, EXCP_PF = 14, EXCP_MF = 16,
    EXCP_AC = 17, EXCP_MC = 18, EXCP_XM = 19,
};

/* Where external interrupts come from (the PIC or APIC, later). */
typedef struct CpuIntrSource {
    bool (*pending)(void *opaque);      /* INTR asserted */
    uint8_t (*ack)(void *opaque);       /* INTA cycle: the vector */
    void *opaque;
} CpuIntrSource;

typedef enum CpuExecStatus {
    CPU_EXEC_EXIT,              /* exit_request was set (machine wants the loop) */
    CPU_EXEC_HALTED,            /* HLT: waiting for an interrupt */
    CPU_EXEC_BUDGET,            /* ran the instruction budget it was given */
    CPU_EXEC_EXCEPTION,         /* stop_on_exception: an exception was raised */
    CPU_EXEC_SHUTDOWN,          /* triple fault */
} CpuExecStatus;

struct DisasContext;
typedef void CpuLowerFn(struct DisasContext *s);

typedef struct CpuState {
    /* ---- reached by translated code at fixed offsets ---- */
    uint32_t regs[8];
    uint32_t eip;
    uint32_t eflags;            /* all bits but CF PF AF ZF SF OF (in cc_*) and DF (in df) */
    uint32_t cc_op;             /* CcOp */
    uint32_t cc_dst, cc_src, cc_src2;
    int32_t df;                 /* string direction: +1, or -1 when EFLAGS.DF is set */
    uint32_t exit_request;      /* nonzero: leave translated code at the next block entry */
    SegmentCache seg[SEG_COUNT];
    uint32_t cr[5];
    uint32_t gdt_base, gdt_limit, idt_base, idt_limit;
    SegmentCache ldt, tr;
    uint32_t a20_mask;          /* physical address mask: bit 20 cleared when A20 is off */
    Tlb tlb;                    /* soft TLB (mmu/tlb.h): the inlined hit path reads it */

    /* ---- the rest: never reached by translated code ---- */
    uint32_t dr[8];             /* debug registers DR0-DR7 (DR4/DR5 alias DR6/DR7) */
    FpuState fpu;               /* x87, MMX, SSE (fpu.c, sse.c) */
    /* model-specific registers (SDM Vol. 4) */
    uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t apic_base;
    uint64_t pat;
    uint64_t efer;              /* IA32_EFER: NXE (bit 11) for PAE NX */
    uint64_t mtrr_cap, mtrr_def_type;
    uint64_t mtrr_fixed[11];
    uint64_t mtrr_var[16];      /* base/mask pairs */
    int64_t tsc_offset;         /* WRMSR to the TSC: offset from the machine clock */
    bool watch_data;            /* a data breakpoint is enabled: accesses check it (debug.c) */
    const CpuModel *model;
    AddressSpace *mem;          /* physical memory */
    AddressSpace *io;           /* I/O ports */
    Clock *clock;
    Log *log;
    CpuIntrSource intr;
    bool halted;
    bool irq_inhibit;           /* STI / MOV SS shadow: no interrupt before the next instruction */
    bool stop_on_exception;     /* tests: stop instead of delivering an exception */
    int exception_vector;       /* last exception raised (-1 none) */
    uint32_t exception_error;
    bool exception_has_error;
    uint32_t exception_next_eip;   /* for software interrupts and traps: the return EIP */
    bool exception_soft;        /* raised by INT n / INT3 / INTO */
    int delivering_vector;      /* exception being delivered (-1 none): double-fault rule */
    bool delivering_soft;       /* ... and it came from INT n/INT3/INTO (no double-fault rule) */
    uint64_t insns_retired;     /* since reset */
    uint64_t insns_counted;     /* part of insns_retired already given to the clock */
    uint64_t exec_start;        /* insns_retired when cpu_exec was entered */
    uint64_t insn_limit;        /* native code: a block starts only if insns_retired plus its
                                 * count stays <= this; cpu_kick sets it to 0 */
    uint64_t tlb_flush_seen;    /* TLB flushes already reflected in the jump cache */
    uint64_t tlb_ng_flush_seen; /* ... and those that kept global entries */
    bool exact_budget;          /* cpu_exec stops exactly at max_insns (deterministic time, tests);
                                 * false: at the first block boundary at or after it */
    unsigned translate_cap;     /* nonzero: translate blocks of at most this many instructions */
    struct TranslationBlock *capped_tb;  /* a one-off block (not cached) running now */
    ExecEngine engine;
    CpuLowerFn *lower[MN_COUNT];    /* mnemonic -> lowering (filled by cpu_init) */
    jmp_buf jmp_env;            /* target of cpu_raise_exception */
    bool jmp_env_valid;
    /* protection model (exception.c): EIP of the INT n / INT3 / INTO that
     * raised exception_vector; a fault while delivering it saves this EIP */
    uint32_t exception_insn_eip;
    /* debug exceptions and NMI (debug.c; cpu_debug_reset clears them) */
    uint32_t debug_pending;     /* DR6 bits (B0-B3, BS, BT) of a #DB trap due at the next instruction boundary */
    bool debug_hold;            /* a MOV SS / POP SS shadow holds that trap one more instruction */
    bool debug_step_armed;      /* TF was set when the running instruction began: #DB (BS) after it */
    bool debug_entry_rf;        /* EFLAGS.RF was set when the running block was entered */
    bool debug_rerun;           /* next block: one instruction (a data breakpoint hit in a longer block) */
    bool debug_keep_rf;         /* the exception being raised pushes RF as it is (instruction breakpoint, ICEBP) */
    bool nmi_pending;           /* NMI input latched: taken at the next instruction boundary */
    bool nmi_blocked;           /* an NMI is being handled: the next waits for an IRET */
    /* x87 errors with CR0.NE = 0 (fpu.c): the FERR# -> IRQ13 line of the PC,
     * raised at the waiting instruction, lowered when FSW.ES is cleared.
     * NULL: #MF is raised instead (logged under -d unimp). */
    void (*fpu_irq13)(void *opaque, bool level);
    void *fpu_irq13_opaque;
    /* The local APIC's base MSR (0x1B), when the board has one: get, and
     * set (false: reserved bits, #GP). NULL: the MSR is only stored. */
    uint64_t (*apic_base_get)(void *opaque);
    bool (*apic_base_set)(void *opaque, uint64_t value);
    void *apic_opaque;
} CpuState;

/* The models -cpu offers; the list ends with a NULL name. */
extern const CpuModel cpu_models[];
const CpuModel *cpu_model_find(const char *name);
const CpuModel *cpu_model_default(void);
/* Whether the model offers a DecodeFeature (instructions without it: #UD). */
bool cpu_model_has_feature(const CpuModel *m, unsigned feature);

/* Wire the CPU to the machine (once, before reset). */
void cpu_init(CpuState *cpu, AddressSpace *mem, AddressSpace *io, Clock *clock, Log *log);
/* Use the native backend (jit) or the interpreter; false with a message
 * in why if the backend cannot be had on this host. */
bool cpu_set_backend(CpuState *cpu, bool jit, size_t code_cache_size, bool perfmap, char *why, size_t why_len);
bool cpu_jit_available(void);
/* Make the CPU return from cpu_exec at the next block boundary (safe from
 * a signal handler or a device callback). */
void cpu_kick(CpuState *cpu);
void cpu_destroy(CpuState *cpu);
/* Power-on reset: real mode, CS:IP = F000:FFF0 with CS base FFFF0000. */
void cpu_reset(CpuState *cpu, const CpuModel *model);
/* The entry state the Multiboot v1 spec defines: 32-bit protected mode,
 * flat 4 GiB CS (execute/read) and data segments, paging off, IF clear,
 * EAX = 0x2BADB002, EBX = physical address of the multiboot info. */
void cpu_enter_multiboot(CpuState *cpu, uint32_t entry, uint32_t info_addr);
/* Enter a Linux kernel by its 32-bit boot protocol (machine/loader_linux.c). */
void cpu_enter_linux(CpuState *cpu, uint32_t entry, uint32_t boot_params, uint32_t gdt_base, uint32_t gdt_limit);

/* EFLAGS with the lazily kept bits materialized. */
uint32_t cpu_get_eflags(const CpuState *cpu);
/* Replace the EFLAGS bits in `mask` by those of `value`. */
void cpu_set_eflags(CpuState *cpu, uint32_t value, uint32_t mask);
/* The block key's mode bits for the current state. */
uint32_t cpu_hflags(const CpuState *cpu);

void cpu_dump_state(const CpuState *cpu, Log *log);

/* Run translated code until an exit request, HLT, an instruction budget
 * (max_insns; 0 = no limit) or, in test mode, an exception. */
CpuExecStatus cpu_exec(CpuState *cpu, uint64_t max_insns);

/* From a helper: give the clock the instructions completed so far in the
 * running block, so time read now (RDTSC, device registers) is exact. */
void cpu_sync_icount(CpuState *cpu);

/* Raise an exception from a helper: restores the state of the faulting
 * instruction and leaves translated code. Does not return (longjmp). */
void cpu_raise_exception(CpuState *cpu, int vector, bool has_error, uint32_t error) __attribute__((noreturn));
/* Software interrupt or trap: the saved EIP is the next instruction. */
void cpu_raise_interrupt(CpuState *cpu, int vector, uint32_t next_eip) __attribute__((noreturn));

#endif
