/* Real-mode interrupts through the IVT: INT n pushes FLAGS, CS, IP and
 * clears IF and TF, to a handler in another segment (CS = 0x0100) that
 * changes the FLAGS image IRET then restores; INT n through lib/rm.S's
 * stubs; INT3 in both encodings and INTO (traps: the saved IP is the next
 * instruction); #DE from DIV, IDIV and AAM 0 and #UD from UD2 (faults: the
 * saved IP is the faulting instruction, as on every CPU since the 286, and
 * no register changed); nested INT n; and LIDT moving the real-mode
 * interrupt table away from address 0. Reference: SDM vol. 3A, 20.1.4
 * (interrupt and exception handling in real-address mode); vol. 2, INT n.
 *
 * jitpc-expect-output: int n: 12 checks ok\n
 * jitpc-expect-output: int3/into: 13 checks ok\n
 * jitpc-expect-output: faults: 20 checks ok\n
 * jitpc-expect-output: nested int, lidt: 5 checks ok\n
 * jitpc-expect-output: total: 50 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#if CHECK_MODE != 16
#error "rm_interrupts runs in real mode only"
#endif

#define ALIAS_SEG 0x0100            /* CS = 0x0100: linear = IP + 0x1000 */
#define ALIAS_BASE 0x1000
#define EFLAGS_TF 0x100
#define EFLAGS_IF 0x200
#define IVT(v) (4 * (v))
#define NEW_IVT LOW_SCRATCH         /* LIDT moves the table here */

    .section .rm16.data, "aw"
    .balign 4
hv_cs:      .long 0                 /* what the INT 0x40 handler saw */
hv_ip:      .long 0
hv_retcs:   .long 0
hv_flags:   .long 0
hv_live:    .long 0
hv_after:   .long 0
n43:        .long 0
n44:        .long 0
n42:        .long 0
saved_ivt:  .long 0
old_idtr:   .word 0
            .long 0
new_idtr:   .word 0x3ff
            .long NEW_IVT

    .section .rm16.text, "ax"
/* INT 0x40, installed at ALIAS_SEG:(h40 - ALIAS_BASE). */
h40:
    pushw %bp
    movw %sp, %bp
    pushfw
    popw hv_live
    movw %cs, hv_cs
    movw 2(%bp), %ax
    movw %ax, hv_ip
    movw 4(%bp), %ax
    movw %ax, hv_retcs
    movw 6(%bp), %ax
    movw %ax, hv_flags
    orw $CF, 6(%bp)                 /* IRET returns with CF set */
    popw %bp
    iret

/* INT 0x43 raises INT 0x44 (nesting). */
h43:
    incl n43
    int $0x44
    incl n43
    iret
h44:
    incl n44
    iret
/* INT 0x42 through the table moved by LIDT. */
h42:
    incl n42
    iret

/* Expect exactly one exception; a fault resumes at `resume` (0: return to
 * the saved CS:IP, as a trap does). */
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
/* Four checks on what rm.S's handler recorded. */
    .macro EXPECT name, vec, ip
    CHECK "\name: exceptions taken", trap_count, $1
    CHECK "\name: vector", trap_vector, $\vec
    CHECK "\name: saved ip", trap_eip, $\ip
    CHECK "\name: saved cs", trap_cs, $0
    .endm

TEST_MAIN
    /* ---- INT n to a handler in another segment ---- */
    movl IVT(0x40), %eax
    movl %eax, saved_ivt
    movw $h40 - ALIAS_BASE, IVT(0x40)
    movw $ALIAS_SEG, IVT(0x40)+2
    pushw $(ZF|FL_RESERVED1)
    popfw
    sti                             /* the 8259s are masked: nothing else comes */
    int $0x40
i40_next:
    pushfw
    cli
    popw hv_after
    movl saved_ivt, %eax
    movl %eax, IVT(0x40)
    CHECK "int 0x40: cs in the handler", hv_cs, $ALIAS_SEG
    CHECK "int 0x40: saved ip", hv_ip, $i40_next
    CHECK "int 0x40: saved cs", hv_retcs, $0
    movl hv_flags, %eax
    andl $(FL_STATUS|EFLAGS_IF|EFLAGS_TF), %eax
    CHECK "int 0x40: saved flags", %eax, $(ZF|EFLAGS_IF)
    movl hv_live, %eax
    andl $(EFLAGS_IF|EFLAGS_TF), %eax
    CHECK "int 0x40: IF and TF clear in the handler", %eax, $0
    movl hv_after, %eax
    andl $(FL_STATUS|EFLAGS_IF), %eax
    CHECK "int 0x40: iret restores the changed flags", %eax, $(CF|ZF|EFLAGS_IF)
    pushw $(SF|FL_RESERVED1)
    popfw
    ARM 0
    int $0x41
i41_next:
    DISARM
    EXPECT "int 0x41", 0x41, i41_next
    movl trap_eflags, %eax
    andl $FL_STATUS, %eax
    CHECK "int 0x41: saved flags", %eax, $SF
    ARM 0
    int $0xff
iff_next:
    DISARM
    CHECK "int 0xff: saved ip", trap_eip, $iff_next
    END_CHECKS "int n"

    /* ---- INT3, INTO ---- */
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
    movw $0x7fff, %ax
    incw %ax                        /* OF = 1 */
    ARM 0
    into
of1_next:
    DISARM
    EXPECT "into, OF=1", VEC_OF, of1_next
    xorw %ax, %ax                   /* OF = 0 */
    ARM 0
    into
    DISARM
    CHECK "into, OF=0: no exception", trap_count, $0
    END_CHECKS "int3/into"

    /* ---- faults ---- */
    movl $0x12345678, %eax
    movl $0x9abcdef0, %edx
    xorw %cx, %cx
    ARM de1_resume
de1_insn:
    divw %cx
de1_resume:
    DISARM
    EXPECT "divw by 0", VEC_DE, de1_insn
    CHECK "divw by 0: eax kept", %eax, $0x12345678
    CHECK "divw by 0: edx kept", %edx, $0x9abcdef0
    movw $0x8000, %ax
    movb $0xff, %bl
    ARM de2_resume
de2_insn:
    idivb %bl
de2_resume:
    DISARM
    EXPECT "idivb overflow", VEC_DE, de2_insn
    CHECK "idivb overflow: ax kept", %eax, $0x12348000
    movw $0x0123, %ax
    ARM de3_resume
de3_insn:
    aam $0
de3_resume:
    DISARM
    EXPECT "aam 0", VEC_DE, de3_insn
    CHECK "aam 0: ax kept", %eax, $0x12340123
    ARM ud_resume
ud_insn:
    ud2
ud_resume:
    DISARM
    EXPECT "ud2", VEC_UD, ud_insn
    END_CHECKS "faults"

    /* ---- nested INT n; LIDT ---- */
    movl IVT(0x43), %eax
    movl %eax, saved_ivt
    movw $h43, IVT(0x43)
    movw $0, IVT(0x43)+2
    movl IVT(0x44), %ebx
    movw $h44, IVT(0x44)
    movw $0, IVT(0x44)+2
    int $0x43
    movl %eax, IVT(0x43)
    movl %ebx, IVT(0x44)
    CHECK "nested int: outer handler ran to the end", n43, $2
    CHECK "nested int: inner handler ran", n44, $1
    /* A table at NEW_IVT with only vector 0x42 filled in: the IVT at 0
     * still points 0x42 at rm.S's stubs, which would report it. */
    movw $h42, NEW_IVT+IVT(0x42)
    movw $0, NEW_IVT+IVT(0x42)+2
    sidt old_idtr
    lidt new_idtr
    int $0x42
    lidt old_idtr
    CHECK "lidt: int 0x42 through the moved table", n42, $1
    movzwl old_idtr, %eax
    CHECK "sidt: limit", %eax, $0x3ff
    movl old_idtr+2, %eax
    andl $0xffffff, %eax
    CHECK "sidt: base", %eax, $0
    END_CHECKS "nested int, lidt"
FINISH

    .section .note.GNU-stack, "", @progbits
