/* The protection-model helpers of the system tests (pm_vectors,
 * pm_privilege, pm_tasks, pm_vm86, pm_paging*, pm_smc, pm_debug), on top of
 * check.h and lib/pm.S. A test links lib/sys.S (SOURCES <test>.S lib/sys.S)
 * and calls sys_init first; that gives it:
 *   - a 64-entry GDT: entries 0-7 as gdt.S (the SEL_* of check.h), flat
 *     CPL-3 code and data, a 32-bit TSS (loaded in TR) with an I/O bitmap,
 *     and free entries from SYS_SEL_FREE on for the test's own descriptors;
 *   - sys_tss: SS0 = SEL_DATA32; its I/O bitmap lets CPL 3 (and virtual-8086
 *     mode) use ports 0x80, 0xE9 and 0xF4-0xF7 only, so the check framework
 *     can print and exit from CPL 3;
 *   - sys_ring3_call: run code at CPL 3 and come back (see sys.S).
 * Layouts: SDM vol. 3A, 3.4.5 (segment descriptors), 5.8.3 (call gates),
 * 6.11 (IDT gates), 7.2 (the 32-bit TSS), 18.5.2 (the I/O bitmap). */
#ifndef JITPC_GUEST_SYS_H
#define JITPC_GUEST_SYS_H

#if CHECK_MODE != 32
#error "lib/sys.S is for protected-mode tests"
#endif

/* ---- selectors ---- */
#define SYS_SEL_CODE3 0x43          /* flat 32-bit code, DPL 3 (RPL 3) */
#define SYS_SEL_DATA3 0x4b          /* flat data, DPL 3 (RPL 3) */
#define SYS_SEL_TSS 0x50            /* sys_tss, 32-bit TSS (busy once in TR) */
#define SYS_SEL_FREE 0x58           /* first entry the test may fill */
#define SYS_GDT_ENTRIES 64
#define SYS_GDT_LIMIT (SYS_GDT_ENTRIES * 8 - 1)

/* The DPL-3 interrupt gate through which CPL-3 code ends sys_ring3_call. */
#define SYS_VEC_RING0 0x90

/* ---- EFLAGS bits beyond check.h's ---- */
#define EFL_TF 0x100
#define EFL_IF 0x200
#define EFL_IOPL3 0x3000
#define EFL_NT 0x4000
#define EFL_RF 0x10000
#define EFL_VM 0x20000
#define EFL_AC 0x40000
/* What a saved-EFLAGS check compares: everything a test controls (RF is
 * left out: whether a fault sets it in the saved image is not what these
 * tests are about, and pm_debug checks RF where it matters). */
#define EFL_CHECKED (FL_STATUS | EFL_TF | EFL_IF | DF | EFL_IOPL3 | EFL_NT | EFL_VM | EFL_AC)

/* ---- CR0 / CR4 bits ---- */
#define CR0_PE 0x1
#define CR0_MP 0x2
#define CR0_EM 0x4
#define CR0_TS 0x8
#define CR0_WP 0x10000
#define CR0_AM 0x40000
#define CR0_PG 0x80000000
#define CR4_TSD 0x4
#define CR4_DE 0x8
#define CR4_PSE 0x10
#define CR4_PAE 0x20
#define CR4_PGE 0x80

/* ---- descriptor access bytes (P=1; DPL in bits 5-6) ---- */
#define DPL(n) ((n) << 5)
#define ACC_NP 0x80                 /* xor with an access byte: not present */
#define ACC_DATA_RO 0x90
#define ACC_DATA_RW 0x92
#define ACC_DATA_RW_DOWN 0x96       /* expand-down */
#define ACC_CODE_X 0x98             /* execute-only */
#define ACC_CODE_XR 0x9a
#define ACC_CODE_CONF_XR 0x9e       /* conforming, readable */
#define ACC_LDT 0x82
#define ACC_TASKGATE 0x85
#define ACC_TSS32 0x89              /* available 32-bit TSS (busy: 0x8b) */
#define ACC_TSS32_BUSY 0x8b
#define ACC_CALLGATE32 0x8c
#define ACC_INTGATE32 0x8e
#define ACC_TRAPGATE32 0x8f
/* The flags nibble (descriptor bits 52-55) for sys_set_seg, already shifted. */
#define SEG_G 0x8000                /* limit in 4 KiB units */
#define SEG_32 0x4000               /* D/B: 32-bit code, or big data / stack */

/* ---- the 32-bit TSS (SDM vol. 3A, figure 7-2) ---- */
#define TSS_LINK 0
#define TSS_ESP0 4
#define TSS_SS0 8
#define TSS_ESP1 12
#define TSS_SS1 16
#define TSS_ESP2 20
#define TSS_SS2 24
#define TSS_CR3 28
#define TSS_EIP 32
#define TSS_EFLAGS 36
#define TSS_EAX 40
#define TSS_ECX 44
#define TSS_EDX 48
#define TSS_EBX 52
#define TSS_ESP 56
#define TSS_EBP 60
#define TSS_ESI 64
#define TSS_EDI 68
#define TSS_ES 72
#define TSS_CS 76
#define TSS_SS 80
#define TSS_DS 84
#define TSS_FS 88
#define TSS_GS 92
#define TSS_LDT 96
#define TSS_TRAP 100
#define TSS_IOMAP 102
#define TSS_SIZE 104

/* ---- more vectors ---- */
#define VEC_DB 1
#define VEC_BR 5
#define VEC_NM 7
#define VEC_DF 8
#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_PF 14
#define VEC_AC 17

/* The error code of an exception about IDT entry v, raised by INT n
 * (EXT = 0): SDM vol. 3A, 6.13. */
#define IDT_ERR(v) ((v) * 8 + 2)

#ifdef __ASSEMBLER__
/* FAULT name, vec, err, insn: expect `insn` (one or more instructions
 * separated by ';') to raise vector vec with error code err at its first
 * instruction, through lib/pm.S's handlers (trap_* in check_rt.inc), and
 * resume after it. Five checks: one exception, vector, error code, saved
 * EIP, saved CS = the CS running the macro. Works at any CPL.
 * FAULT_AT name, vec, err, eip, insn: the same with the saved EIP expected
 * at eip (a fetch fault reports its target, not the jump). */
    .macro FAULT_AT name, vec, err, eip, insn:vararg
    movl $0, trap_count
    movl $0xffffffff, trap_vector
    movl $0xffffffff, trap_eip
    movl $flt_r\@, trap_resume
    movl $1, trap_armed
flt_i\@:
    \insn
flt_r\@:
    movl $0, trap_armed
    movl $0, trap_resume
    CHECK "\name: exceptions", trap_count, $1
    CHECK "\name: vector", trap_vector, $\vec
    CHECK "\name: error code", trap_errcode, $\err
    .ifc \eip, .
    CHECK "\name: saved eip", trap_eip, $flt_i\@
    .else
    CHECK "\name: saved eip", trap_eip, $\eip
    .endif
    pushl %eax
    movw %cs, %ax
    movzwl %ax, %eax
    CHECK "\name: saved cs", trap_cs, %eax
    popl %eax
    .endm
    .macro FAULT name, vec, err, insn:vararg
    FAULT_AT "\name", \vec, \err, ., \insn
    .endm
/* NOFAULT name, insn: expect no exception from `insn`: one check. */
    .macro NOFAULT name, insn:vararg
    movl $0, trap_count
    movl $nf_r\@, trap_resume
    movl $1, trap_armed
    \insn
nf_r\@:
    movl $0, trap_armed
    movl $0, trap_resume
    CHECK "\name: no exception", trap_count, $0
    .endm
#endif

#endif
