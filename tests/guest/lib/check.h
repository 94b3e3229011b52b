/* The self-checking framework of the assembly guest tests (isa/ and the
 * mode-specific pm_*.S / rm_*.S), included by every such test and by the
 * runtime (check_rt.inc). A test source is assembled either for flat 32-bit
 * protected mode (CHECK_MODE 32: pm.S enters it) or for real mode
 * (CHECK_MODE 16: rm.S switches to real mode first); jitpc_add_guest_test's
 * MODE option picks one and defines CHECK_MODE.
 *
 * Mode-neutral code: the same source text means the same thing in both modes
 * when every data instruction carries an explicit size (movl, pushw, popfl,
 * pushal...), near call/ret/jmp use the mode's own size, and memory is
 * addressed below 64 KiB whenever real mode might run it. GAS then emits the
 * 0x66/0x67 prefixes where one mode needs them and the other does not: the
 * two builds of one source are two different encodings of the same checks.
 *
 * Memory below 64 KiB (linear; both modes):
 *   0x0000-0x03FF  real-mode IVT (rm.S fills it)      0x0400-0x0FFF  untouched
 *   0x1000-0xDFFF  the real-mode image (guest.ld)     0xE000-0xEFFF  LOW_SCRATCH
 *   0xF000-0xFFEF  real-mode stack (SS=0, SP=0xFFF0)
 * and 0x20000-0x2FFFF is a second scratch segment (SEG_20000 below).
 */
#ifndef JITPC_GUEST_CHECK_H
#define JITPC_GUEST_CHECK_H

#if !defined(CHECK_MODE) || (CHECK_MODE != 16 && CHECK_MODE != 32)
#error "CHECK_MODE must be 16 or 32 (jitpc_add_guest_test MODE real|protected)"
#endif

/* ---- EFLAGS bits (SDM vol. 1, 3.4.3) ---- */
#define CF 0x0001
#define PF 0x0004
#define AF 0x0010
#define ZF 0x0040
#define SF 0x0080
#define DF 0x0400
#define OF 0x0800
#define FL_STATUS (CF|PF|AF|ZF|SF|OF)
#define FL_RESERVED1 0x0002         /* bit 1 always reads as 1 */

/* ---- memory map (see above; guest.ld has RM16_BASE/RM16_LIMIT too) ---- */
#define RM16_BASE 0x1000
#define LOW_SCRATCH 0xE000
#define LOW_SCRATCH_SIZE 0x1000
#define RM_STACK_TOP 0xFFF0

/* ---- the GDT of gdt.S (flat protected mode and the way back to real mode) ---- */
#define SEL_CODE32 0x08             /* base 0, 4 GiB, 32-bit */
#define SEL_DATA32 0x10
#define SEL_CODE16 0x18             /* base 0, 64 KiB, 16-bit: leaving protected mode */
#define SEL_DATA16 0x20
#define SEL_CODE32_ALIAS 0x28       /* a second flat code segment: far transfers */
#define SEL_DATA_20000 0x30         /* base 0x20000, 64 KiB */
#define SEL_DATA_1FF00 0x38         /* base 0x1FF00, 64 KiB: overlaps the one above */
#define GDT_LIMIT 0x3F

/* ---- interrupt/exception vectors ---- */
#define VEC_DE 0
#define VEC_BP 3
#define VEC_OF 4
#define VEC_UD 6
#define VEC_GP 13

/* ---- a check row (ROW below); all fields are 32-bit ---- */
#define ROW_HANDLER 0               /* code under test, called with the inputs */
#define ROW_NAME 4                  /* NUL-terminated text of that code */
#define ROW_IN 8                    /* eax ebx ecx edx esi edi eflags */
#define ROW_OUT 36                  /* the same seven, expected */
#define ROW_MASK 64                 /* EFLAGS bits compared */
#define ROW_TRAP 68                 /* 0 or a TRAP_* record: the exception expected */
#define ROW_SIZE 72
#define ROW_REGS 7
#define TRAP_VEC 0
#define TRAP_EIP 4                  /* saved (E)IP the handler must see */
#define TRAP_RESUME 8               /* where the handler resumes */
#define TRAP_ERR 12                 /* the error code expected, or -1: not compared */

#ifdef __ASSEMBLER__

#if CHECK_MODE == 16
#define SECT_TEXT .rm16.text
#define SECT_RODATA .rm16.rodata
#define SECT_ROWS .rm16.rodata.rows
#define SECT_DATA .rm16.data
/* Segment values for the scratch segments: paragraphs in real mode. */
#define SEG_FLAT 0
#define SEG_20000 0x2000
#define SEG_1FF00 0x1FF0
#define SEG_CODE 0                  /* CS of the test code */
#define NEAR_PTR_SIZE 2             /* what a near CALL pushes */
    .code16
    /* Address-size prefixes the mode does not need are errors in GAS. */
    .macro A16 insn:vararg
    \insn
    .endm
    .macro A32 insn:vararg
    addr32 \insn
    .endm
    /* A near (rel16/rel32) branch even where rel8 would do. */
    .macro NEAR insn:vararg
    {disp16} \insn
    .endm
#else
#define SECT_TEXT .text
#define SECT_RODATA .rodata
#define SECT_ROWS .rodata.rows
#define SECT_DATA .data
#define SEG_FLAT SEL_DATA32
#define SEG_20000 SEL_DATA_20000
#define SEG_1FF00 SEL_DATA_1FF00
#define SEG_CODE SEL_CODE32
#define NEAR_PTR_SIZE 4
    .code32
    .macro A16 insn:vararg
    addr16 \insn
    .endm
    .macro A32 insn:vararg
    \insn
    .endm
    .macro NEAR insn:vararg
    {disp32} \insn
    .endm
#endif

/* The same values as assembler symbols, for row text (the preprocessor does
 * not look inside the quoted instruction strings). */
    .set low_scratch, LOW_SCRATCH
    .set seg_flat, SEG_FLAT
    .set seg_20000, SEG_20000
    .set seg_1ff00, SEG_1FF00
    .set seg_code, SEG_CODE

/* Register canaries: inputs a row does not set, expected unchanged. */
#define CAN_EAX 0xa0a1a2a3
#define CAN_EBX 0xb0b1b2b3
#define CAN_ECX 0xc0c1c2c3
#define CAN_EDX 0xd0d1d2d3
#define CAN_ESI 0x51525354
#define CAN_EDI 0xd1d2d3d4

/*
 * ROW insn, in: eax ebx ecx edx esi edi fl, out: eax ebx ecx edx esi edi fl, mask [, vec, kind, err]
 *
 * One check: chk_run_rows loads the seven inputs (fl through POPF), calls
 * `insn` (assembled as a little function ending in RET; ';' separates
 * instructions), then compares all six registers and (EFLAGS & mask) with
 * the expected values. With vec >= 0 the first instruction must raise that
 * vector: kind F (a fault: the saved EIP is the instruction's own address,
 * execution resumes after the handler's body) or T (a trap: the saved EIP is
 * the end of the body). The registers are then expected as the exception
 * left them. With err >= 0 the error code the handler recorded (trap_errcode:
 * 0 for vectors without one) must be err too.
 */
    .macro ROW insn, a, b, c, d, si, di, fl, ra, rb, rc, rd, rsi, rdi, rfl, mask, vec=-1, kind=F, err=-1
    .pushsection SECT_TEXT, "ax"
chk_h\@:
    \insn
chk_r\@:
    ret
    .popsection
    .pushsection SECT_RODATA, "a"
chk_n\@:
    .asciz "\insn"
    .if \vec >= 0
    .balign 4
chk_t\@:
    .long \vec
    .ifc \kind, F
    .long chk_h\@
    .else
    .long chk_r\@
    .endif
    .long chk_r\@
    .long \err
    .endif
    .popsection
    .pushsection SECT_ROWS, "a"
    .long chk_h\@, chk_n\@
    .long \a, \b, \c, \d, \si, \di, (\fl) | FL_RESERVED1
    .long \ra, \rb, \rc, \rd, \rsi, \rdi, ((\rfl) & (\mask))
    .long \mask
    .if \vec >= 0
    .long chk_t\@
    .else
    .long 0
    .endif
    .popsection
    .endm

/* Row arguments are GAS macro arguments: write expressions without blanks
 * (STK_TOP-4, not STK_TOP - 4), or GAS may split them into two.
 *
 * Shorthands for ROW. The registers a shorthand does not name are canaries
 * (inputs and expected outputs), eflags inputs always get bit 1 set.
 *   R1 insn, eax, fl, eax', fl', mask                (one operand in EAX)
 *   R2 insn, eax, ebx, fl, eax', fl', mask           (EBX is a source)
 *   R4 insn, eax, ebx, ecx, edx, fl, eax', ebx', ecx', edx', fl', mask [, vec, kind, err] */
    .macro R1 insn, a, fl, ra, rfl, mask
    ROW "\insn", \a, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, \fl, \ra, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, \rfl, \mask
    .endm
    .macro R2 insn, a, b, fl, ra, rfl, mask
    ROW "\insn", \a, \b, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, \fl, \ra, \b, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, \rfl, \mask
    .endm
    .macro R4 insn, a, b, c, d, fl, ra, rb, rc, rd, rfl, mask, vec=-1, kind=F, err=-1
    ROW "\insn", \a, \b, \c, \d, CAN_ESI, CAN_EDI, \fl, \ra, \rb, \rc, \rd, CAN_ESI, CAN_EDI, \rfl, \mask, \vec, \kind, \err
    .endm

/* CC insn, truth: a condition row for chk_run_cc. insn must leave EAX = 1
 * when the condition holds and 0 otherwise; it runs once for each of the 32
 * combinations k of CF (k bit 0), PF (1), ZF (2), SF (3), OF (4) (AF = k bit
 * 0 as noise), and bit k of truth says whether the condition holds then. */
#define CC_HANDLER 0
#define CC_NAME 4
#define CC_TRUTH 8
#define CC_SIZE 12
    .macro CC insn, truth
    .pushsection SECT_TEXT, "ax"
chk_h\@:
    \insn
    ret
    .popsection
    .pushsection SECT_RODATA, "a"
chk_n\@:
    .asciz "\insn"
    .popsection
    .pushsection SECT_ROWS, "a"
    .long chk_h\@, chk_n\@, \truth
    .popsection
    .endm

    .macro RUN_CC_GROUP name, title
    .pushsection SECT_RODATA, "a"
chk_g\@:
    .asciz "\title"
    .popsection
    movl $\name\()_rows, %esi
    movl $\name\()_rows_end, %edi
    call chk_run_cc
    movl $chk_g\@, %esi
    call chk_group_end
    .endm

/* GROUP name ... END_GROUP name: a table of rows, run by RUN_GROUP. */
    .macro GROUP name
    .pushsection SECT_ROWS, "a"
    .balign 4
\name\()_rows:
    .popsection
    .endm
    .macro END_GROUP name
    .pushsection SECT_ROWS, "a"
\name\()_rows_end:
    .popsection
    .endm

/* Run a group of rows and print "title: N checks ok". */
    .macro RUN_GROUP name, title
    .pushsection SECT_RODATA, "a"
chk_g\@:
    .asciz "\title"
    .popsection
    movl $\name\()_rows, %esi
    movl $\name\()_rows_end, %edi
    call chk_run_rows
    movl $chk_g\@, %esi
    call chk_group_end
    .endm

/* Print "title: N checks ok" for the single checks (CHECK) made since the
 * last group line. */
    .macro END_CHECKS title
    .pushsection SECT_RODATA, "a"
chk_g\@:
    .asciz "\title"
    .popsection
    movl $chk_g\@, %esi
    call chk_group_end
    .endm

/* CHECK "what", got, expected: one check of a 32-bit value. Each operand is a
 * register other than ESP, $imm (expected only) or memory not relative to
 * ESP. Preserves all registers and EFLAGS. */
    .macro CHECK desc, got, exp
    .pushsection SECT_RODATA, "a"
chk_d\@:
    .asciz "\desc"
    .popsection
    pushal
    pushl \got
    pushl \exp
    popl %ebx
    popl %eax
    movl $chk_d\@, %esi
    call chk_value
    popal
    .endm

/* CHECK_FLAGS "what", mask, expected: compare (EFLAGS & mask) now. */
    .macro CHECK_FLAGS desc, mask, exp
    .pushsection SECT_RODATA, "a"
chk_d\@:
    .asciz "\desc"
    .popsection
    pushfl
    pushal
    movl 32(%esp), %eax
    andl $(\mask), %eax
    movl $((\exp) & (\mask)), %ebx
    movl $chk_d\@, %esi
    call chk_value
    popal
    popfl
    .endm

/* The test's entry point: called by pm.S or rm.S, ends with FINISH (which
 * prints the total and exits through port 0xF4). */
    .macro TEST_MAIN
    .pushsection SECT_TEXT, "ax"
    .globl test_main
test_main:
    .endm
    .macro FINISH
    jmp chk_finish
    .popsection
    .endm

#endif /* __ASSEMBLER__ */
#endif
