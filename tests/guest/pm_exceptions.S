/* Exceptions and software interrupts in flat protected mode, through the
 * IDT of lib/pm.S: #DE from DIV, IDIV (8/16/32-bit, register and memory)
 * and AAM 0; INT n through interrupt gates (IF cleared) and trap gates (IF
 * kept), INT 13 from software (no error code pushed), an IRET that returns
 * changed flags; INT3 in both encodings (CC and CD 03), INTO with OF set
 * and clear; #UD from UD2; #GP with an error code from loading a selector
 * beyond the GDT limit. Checks the vector, the saved EIP (faults: the
 * faulting instruction; INT n/INT3/INTO traps: the next one), the saved CS
 * and EFLAGS, the error code, and that a fault changed no register, flag or
 * segment register (SDM vol. 3A, 6.5 and 6.12). Reference: SDM vol. 3A,
 * chapter 6; vol. 2, INT n/INTO/INT3.
 *
 * jitpc-expect-output: #DE: 30 checks ok\n
 * jitpc-expect-output: int n: 27 checks ok\n
 * jitpc-expect-output: int3/into: 16 checks ok\n
 * jitpc-expect-output: #UD, #GP: 11 checks ok\n
 * jitpc-expect-output: total: 84 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#if CHECK_MODE != 32
#error "pm_exceptions runs in protected mode only"
#endif

#define EFLAGS_IF 0x200
#define GATE_INT 0x8e
#define GATE_TRAP 0x8f
#define BAD_SELECTOR 0x0ff8         /* index 0x1ff: far beyond GDT_LIMIT */

/* Expect exactly one exception; a fault resumes at `resume` (0: return to
 * the saved EIP, as a trap does). */
    .macro ARM resume
    movl $0, trap_count
    movl $0xffffffff, trap_vector
    movl $0xffffffff, trap_eip
    movl $\resume, trap_resume
    movl $1, trap_armed
    .endm
    .macro DISARM
    movl $0, trap_armed
    movl $0, trap_resume
    .endm

/* Five checks on what the handler recorded. */
    .macro EXPECT name, vec, eip, err=0
    CHECK "\name: exceptions taken", trap_count, $1
    CHECK "\name: vector", trap_vector, $\vec
    CHECK "\name: saved eip", trap_eip, $\eip
    CHECK "\name: saved cs", trap_cs, $SEL_CODE32
    CHECK "\name: error code", trap_errcode, $\err
    .endm

    .pushsection .data
    .balign 4
sw13_eip:   .long 0
sw13_cs:    .long 0
    .popsection

    .text
/* INT 13 from software pushes no error code: the top of the stack is the
 * return EIP, then CS. */
sw13_handler:
    pushl %eax
    movl 4(%esp), %eax
    movl %eax, sw13_eip
    movl 8(%esp), %eax
    movzwl %ax, %eax
    movl %eax, sw13_cs
    popl %eax
    iretl

/* Returns with CF set in the restored EFLAGS. */
setcf_handler:
    orl $CF, 8(%esp)
    iretl

TEST_MAIN
    /* ---- #DE: faults, nothing changed ---- */
    movl $0x1234, %eax
    movl $0x5678, %edx
    xorl %ecx, %ecx
    pushl $(CF|ZF|FL_RESERVED1)
    popfl
    ARM de1_resume
de1_insn:
    divl %ecx
de1_resume:
    pushfl
    DISARM
    EXPECT "divl by 0", VEC_DE, de1_insn
    CHECK "divl by 0: eax kept", %eax, $0x1234
    CHECK "divl by 0: edx kept", %edx, $0x5678
    popl %eax
    andl $(FL_STATUS|DF|EFLAGS_IF), %eax
    CHECK "divl by 0: eflags kept", %eax, $(CF|ZF)

    movl $0x8000, %eax
    movb $0xff, %cl
    ARM de2_resume
de2_insn:
    idivb %cl                       /* +128: out of the int8 range */
de2_resume:
    DISARM
    EXPECT "idivb overflow", VEC_DE, de2_insn
    CHECK "idivb overflow: ax kept", %eax, $0x8000

    movl $0x0000, %eax
    movl $0x0001, %edx
    movl $1, %ebx
    ARM de3_resume
de3_insn:
    divw %bx                        /* 0x10000: out of the uint16 range */
de3_resume:
    DISARM
    EXPECT "divw overflow", VEC_DE, de3_insn

    movl $0x1234, %eax
    ARM de4_resume
de4_insn:
    aam $0
de4_resume:
    DISARM
    EXPECT "aam 0", VEC_DE, de4_insn
    CHECK "aam 0: ax kept", %eax, $0x1234

    movl $0, chk_mem
    ARM de5_resume
de5_insn:
    divl chk_mem
de5_resume:
    DISARM
    EXPECT "divl m32 by 0", VEC_DE, de5_insn
    END_CHECKS "#DE"

    /* ---- INT n ---- */
    pushl $(CF|SF|FL_RESERVED1)
    popfl
    ARM 0
    int $0x40
int1_next:
    DISARM
    EXPECT "int 0x40", 0x40, int1_next
    movl trap_eflags, %eax
    andl $(FL_STATUS|EFLAGS_IF), %eax
    CHECK "int 0x40: saved eflags", %eax, $(CF|SF)

    ARM 0
    sti                             /* the 8259s are masked: nothing else comes */
    int $0x41
int2_next:
    cli
    DISARM
    EXPECT "int 0x41 (interrupt gate)", 0x41, int2_next
    movl trap_eflags, %eax
    andl $EFLAGS_IF, %eax
    CHECK "int 0x41: saved IF set", %eax, $EFLAGS_IF
    movl trap_live_flags, %eax
    andl $EFLAGS_IF, %eax
    CHECK "int 0x41: IF clear in the handler", %eax, $0

    movl $0x42, %eax
    movl $GATE_TRAP, %ebx
    call pm_set_gate_type
    ARM 0
    sti
    int $0x42
int3_next:
    cli
    DISARM
    movl $GATE_INT, %ebx
    call pm_set_gate_type
    EXPECT "int 0x42 (trap gate)", 0x42, int3_next
    movl trap_live_flags, %eax
    andl $EFLAGS_IF, %eax
    CHECK "int 0x42: IF kept in the handler", %eax, $EFLAGS_IF

    ARM 0
    int $0xff
int4_next:
    DISARM
    EXPECT "int 0xff", 0xff, int4_next

    movl $VEC_GP, %eax
    movl $sw13_handler, %ebx
    movl $GATE_INT, %ecx
    call pm_set_gate
    int $VEC_GP
int5_next:
    xorl %ebx, %ebx
    call pm_set_gate
    CHECK "int 13: no error code pushed (saved eip)", sw13_eip, $int5_next
    CHECK "int 13: saved cs", sw13_cs, $SEL_CODE32

    movl $0x43, %eax
    movl $setcf_handler, %ebx
    movl $GATE_INT, %ecx
    call pm_set_gate
    clc
    int $0x43
    setc %dl
    xorl %ebx, %ebx
    call pm_set_gate
    movzbl %dl, %edx
    CHECK "iret restores the flags on the stack", %edx, $1
    END_CHECKS "int n"

    /* ---- INT3, INTO: traps ---- */
    ARM 0
    int3
bp1_next:
    DISARM
    EXPECT "int3 (cc)", VEC_BP, bp1_next
    ARM 0
    .byte 0xcd, 0x03                /* int $3: GAS would emit 0xcc */
bp2_next:
    DISARM
    EXPECT "int $3 (cd 03)", VEC_BP, bp2_next
    movl $0x7fffffff, %eax
    addl $1, %eax                   /* OF = 1 */
    ARM 0
    into
of1_next:
    DISARM
    EXPECT "into, OF=1", VEC_OF, of1_next
    xorl %eax, %eax                 /* OF = 0 */
    ARM 0
    into
    DISARM
    CHECK "into, OF=0: no exception", trap_count, $0
    END_CHECKS "int3/into"

    /* ---- #UD, #GP with an error code ---- */
    ARM ud_resume
ud_insn:
    ud2
ud_resume:
    DISARM
    EXPECT "ud2", VEC_UD, ud_insn
    movw $BAD_SELECTOR, %ax
    ARM gp_resume
gp_insn:
    movw %ax, %fs
gp_resume:
    DISARM
    EXPECT "mov fs, selector beyond the GDT limit", VEC_GP, gp_insn, BAD_SELECTOR
    movw %fs, %ax
    movzwl %ax, %eax
    CHECK "#GP: fs kept", %eax, $SEL_DATA32
    END_CHECKS "#UD, #GP"
FINISH

    .section .note.GNU-stack, "", @progbits
