/* Every exception vector 0-19 that a program can raise on purpose, through
 * the test's own handlers, each checked for: how many exceptions came, the
 * vector, whether an error code was pushed (the handler measures the frame:
 * 12 bytes without, 16 with) and its value, the saved EIP (faults: the
 * faulting instruction; traps: the next one), the saved CS and EFLAGS.
 * Vectors: #DE (DIV), #DB (single-step with TF: DR6.BS), #BP (INT3), #OF
 * (INTO), #BR (BOUND), #UD (UD2, LOCK NOP), #NM (WAIT with CR0.MP and TS),
 * #DF (a #GP whose gate is not present, and a #GP whose vector is beyond
 * the IDT limit: contributory twice), #TS (JMP to a TSS with a limit below
 * 0x67), #NP (a not-present data segment, a not-present IDT gate), #SS (SS
 * loaded with a not-present segment), #GP (selector beyond the GDT, INT n
 * beyond the IDT limit or to a call gate, a bad code selector in a gate, a
 * null SS, a far JMP to a null selector, a far CALL to a data segment, SS
 * loaded with a code segment), #PF (not present, read and write; a
 * read-only page with CR0.WP; CR2), and INT n to vectors 8 and 14, which
 * pushes no error code.
 *
 * Not raised: NMI (2), vectors 9 and 15 (reserved since the 486), #MF (16),
 * #MC (18) and #XM (19) (no x87/SSE in jitpc yet, no machine check).
 * Not checked, because QEMU 7.2 TCG does not do what the SDM says: ICEBP
 * (F1, a #DB trap since the 386, documented as INT1: QEMU raises #UD);
 * #AC (17); the segment-limit, read-only and
 * null-selector checks on data accesses (#SS(0), #GP(0)); #GP from RDMSR
 * of an MSR that does not exist; the EXT bit of an error code raised while
 * delivering an exception (SDM 6.13: EXT = 1; QEMU leaves it 0), so that
 * error code is compared with EXT masked. The saved CS:EIP of #DF is
 * undefined (SDM 6.15, interrupt 8) and not compared.
 * Reference: SDM vol. 3A, 6.3-6.15 and table 6-1; vol. 2, INT n/BOUND/WAIT.
 *
 * jitpc-expect-output: #DE: 6 checks ok\n
 * jitpc-expect-output: #DB: 9 checks ok\n
 * jitpc-expect-output: #BP, #OF: 12 checks ok\n
 * jitpc-expect-output: #BR: 7 checks ok\n
 * jitpc-expect-output: #UD: 12 checks ok\n
 * jitpc-expect-output: #NM: 8 checks ok\n
 * jitpc-expect-output: #DF: 6 checks ok\n
 * jitpc-expect-output: #TS: 7 checks ok\n
 * jitpc-expect-output: #NP: 13 checks ok\n
 * jitpc-expect-output: #SS: 7 checks ok\n
 * jitpc-expect-output: #GP: 55 checks ok\n
 * jitpc-expect-output: #PF: 25 checks ok\n
 * jitpc-expect-output: int n: 12 checks ok\n
 * jitpc-expect-output: total: 179 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "sys.h"

#define NOERR 0xffffffff            /* v_err when no error code was pushed */
#define FLP (CF|PF|ZF|SF|FL_RESERVED1)  /* the EFLAGS pattern before each event */
#define BAD_SELECTOR 0x0ff8         /* beyond SYS_GDT_LIMIT */
#define SEL_TSS_SMALL (SYS_SEL_FREE + 0x00)
#define SEL_NP_DATA (SYS_SEL_FREE + 0x08)
#define SEL_SS_NP (SYS_SEL_FREE + 0x10)
#define VEC_NP_GATE 0x70            /* a not-present interrupt gate */
#define VEC_BAD_CS 0x71             /* a gate with CS = BAD_SELECTOR */
#define VEC_CALLGATE 0x72           /* a call gate in the IDT */
#define SMALL_IDT_VECTORS 0x80      /* LIDT limit for the "beyond the limit" checks */
#define PF_LIN 0x40000000           /* PT_TEST: page 0 not present, page 1 read-only */
#define PTE_P 1
#define PTE_W 2
#define PTE_U 4
#define PF_ERR_P 1
#define PF_ERR_W 2
#define PF_ERR_U 4

    .bss
    .balign 4096
page_dir:   .fill 4096, 1, 0
pt_low:     .fill 4096, 1, 0        /* identity map of 0-4 MiB */
pt_test:    .fill 4096, 1, 0        /* PF_LIN */
ro_page:    .fill 4096, 1, 0
small_tss:  .fill 128, 1, 0

    .data
    .balign 4
v_count:    .long 0                 /* events taken since VARM */
v_vec:      .long 0
v_err:      .long 0                 /* NOERR: none pushed */
v_eip:      .long 0
v_cs:       .long 0
v_eflags:   .long 0
v_live:     .long 0                 /* EFLAGS inside the handler */
v_dr6:      .long 0
v_esp:      .long 0                 /* ESP at the instruction (VARM) */
v_resume:   .long 0                 /* nonzero: return there */
v_size:     .long 0                 /* bytes the CPU pushed */
bounds:     .long 0, 10
saved_gate_lo: .long 0
saved_gate_hi: .long 0
    .word 0
saved_idtr: .word 0
            .long 0
    .word 0
small_idtr: .word 0
            .long 0
saved_cr0:  .long 0

    .text
/* One stub per vector 0-31, 8 bytes apart: push the vector, go to v_common. */
    .balign 8
v_stubs:
    .set vec, 0
    .rept 32
    .balign 8
    pushl $vec
    jmp v_common
    .set vec, vec + 1
    .endr

/* Record the event; resume at v_resume if set; clear TF in the saved
 * EFLAGS (single-step stops); drop the error code; IRET. The frame is on
 * the interrupted stack (no privilege change): its size is v_esp - the
 * address of the first byte the CPU pushed. */
v_common:
    pushal
    pushl %ds
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    pushfl
    popl v_live
    leal 40(%esp), %ebx             /* ds, pushal, vector */
    movl v_esp, %ecx
    subl %ebx, %ecx
    movl %ecx, v_size
    movl 36(%esp), %eax
    movl %eax, v_vec
    movl $NOERR, v_err
    cmpl $16, %ecx
    jne 1f
    movl (%ebx), %eax
    movl %eax, v_err
    addl $4, %ebx
1:  movl (%ebx), %eax
    movl %eax, v_eip
    movzwl 4(%ebx), %eax
    movl %eax, v_cs
    movl 8(%ebx), %eax
    movl %eax, v_eflags
    movl %dr6, %eax
    movl %eax, v_dr6
    incl v_count
    movl v_resume, %eax
    testl %eax, %eax
    jz 2f
    movl %eax, (%ebx)
2:  andl $~EFL_TF, 8(%ebx)
    popl %ds
    popal
    cmpl $16, %cs:v_size
    je 3f
    addl $4, %esp                   /* vector */
    iretl
3:  addl $8, %esp                   /* vector, error code */
    iretl

/* Expect one event at the next instruction (ESP as it is now); a fault
 * resumes at `resume` (0: the saved EIP, as for a trap). */
    .macro VARM resume
    movl $0, v_count
    movl $0xffffffff, v_vec
    movl $0xfffffffe, v_err
    movl $0xffffffff, v_eip
    movl $\resume, v_resume
    movl %esp, v_esp
    .endm

/* EFLAGS := fl (preserves ESP). */
    .macro SETFL fl
    pushl $(\fl)
    popfl
    .endm

/* Six checks on the event: count, vector, error code (NOERR: none
 * pushed), saved EIP, CS and EFLAGS (EFL_CHECKED bits). */
    .macro EXPECT name, vec, err, eip, fl=FLP
    CHECK "\name: events", v_count, $1
    CHECK "\name: vector", v_vec, $\vec
    CHECK "\name: error code", v_err, $\err
    CHECK "\name: saved eip", v_eip, $\eip
    CHECK "\name: saved cs", v_cs, $SEL_CODE32
    pushl %eax
    movl v_eflags, %eax
    andl $EFL_CHECKED, %eax
    CHECK "\name: saved eflags", %eax, $((\fl) & EFL_CHECKED)
    popl %eax
    .endm

TEST_MAIN
    call sys_init
    /* Our handlers for vectors 0-19 (interrupt gates: IF and TF cleared). */
    xorl %eax, %eax
    movl $v_stubs, %ebx
    movl $SEL_CODE32, %ecx
    movl $ACC_INTGATE32, %edx
1:  call sys_set_idt
    addl $8, %ebx
    incl %eax
    cmpl $20, %eax
    jb 1b
    /* The descriptors and gates the checks use. */
    movl $SEL_TSS_SMALL, %eax
    movl $small_tss, %ebx
    movl $0x50, %ecx                /* below the 0x67 a 32-bit TSS needs */
    movl $ACC_TSS32, %edx
    call sys_set_seg
    movl $SEL_NP_DATA, %eax
    xorl %ebx, %ebx
    movl $0xfffff, %ecx
    movl $(SEG_G | SEG_32 | (ACC_DATA_RW ^ ACC_NP)), %edx
    call sys_set_seg
    movl $SEL_SS_NP, %eax
    call sys_set_seg
    movl $VEC_NP_GATE, %eax
    movl $v_stubs, %ebx
    movl $SEL_CODE32, %ecx
    movl $(ACC_INTGATE32 ^ ACC_NP), %edx
    call sys_set_idt
    movl $VEC_BAD_CS, %eax
    movl $BAD_SELECTOR, %ecx
    movl $ACC_INTGATE32, %edx
    call sys_set_idt
    movl $VEC_CALLGATE, %eax
    movl $SEL_CODE32, %ecx
    movl $ACC_CALLGATE32, %edx
    call sys_set_idt

    /* ---- #DE: a fault ---- */
    movl $0x1234, %eax
    xorl %edx, %edx
    xorl %ecx, %ecx
    SETFL FLP
    VARM de_resume
de_insn:
    divl %ecx
de_resume:
    EXPECT "#DE (div by 0)", VEC_DE, NOERR, de_insn
    END_CHECKS "#DE"

    /* ---- #DB: single-step, a trap after the instruction that follows
     * the POPF setting TF; DR6.BS. (ICEBP: see the top.) ---- */
    xorl %eax, %eax
    movl %eax, %dr6
    VARM 0
    SETFL FLP|EFL_TF
db_insn:
    leal 1(%eax), %eax              /* changes no flag */
db_next:
    EXPECT "#DB (single-step)", VEC_DB, NOERR, db_next, FLP|EFL_TF
    CHECK "#DB (single-step): the instruction ran", %eax, $1
    movl v_dr6, %eax
    andl $0xe00f, %eax              /* B0-B3, BD, BS, BT */
    CHECK "#DB (single-step): dr6", %eax, $0x4000
    movl v_live, %eax
    andl $EFL_TF, %eax
    CHECK "#DB (single-step): TF clear in the handler", %eax, $0
    END_CHECKS "#DB"

    /* ---- #BP, #OF: traps ---- */
    SETFL FLP
    VARM 0
    int3
bp_next:
    EXPECT "#BP (int3)", VEC_BP, NOERR, bp_next
    SETFL FLP|OF
    VARM 0
    into
of_next:
    EXPECT "#OF (into)", VEC_OF, NOERR, of_next, FLP|OF
    END_CHECKS "#BP, #OF"

    /* ---- #BR: a fault; the upper bound is inclusive ---- */
    movl $10, %eax
    SETFL FLP
    VARM 0
    boundl %eax, bounds
    CHECK "bound 10 in [0, 10]: no exception", v_count, $0
    movl $11, %eax
    VARM br_resume
br_insn:
    boundl %eax, bounds
br_resume:
    EXPECT "#BR (bound 11 in [0, 10])", VEC_BR, NOERR, br_insn
    END_CHECKS "#BR"

    /* ---- #UD ---- */
    SETFL FLP
    VARM ud1_resume
ud1_insn:
    ud2
ud1_resume:
    EXPECT "#UD (ud2)", VEC_UD, NOERR, ud1_insn
    SETFL FLP
    VARM ud2_resume
ud2_insn:
    .byte 0xf0, 0x90                /* lock nop */
ud2_resume:
    EXPECT "#UD (lock nop)", VEC_UD, NOERR, ud2_insn
    END_CHECKS "#UD"

    /* ---- #NM: WAIT faults when CR0.MP and CR0.TS are both set ---- */
    movl %cr0, %eax
    movl %eax, saved_cr0
    andl $~(CR0_EM|CR0_MP), %eax
    orl $CR0_TS, %eax
    movl %eax, %cr0
    VARM 0
    wait
    CHECK "wait with TS=1, MP=0: no exception", v_count, $0
    orl $CR0_MP, %eax
    movl %eax, %cr0
    SETFL FLP
    VARM nm_resume
nm_insn:
    wait
nm_resume:
    EXPECT "#NM (wait, MP=TS=1)", VEC_NM, NOERR, nm_insn
    clts
    VARM 0
    wait
    CHECK "wait after clts: no exception", v_count, $0
    movl saved_cr0, %eax
    movl %eax, %cr0
    END_CHECKS "#NM"

    /* ---- #DF: #GP, then a contributory exception delivering it ---- */
    movl $VEC_GP, %eax
    call sys_get_idt
    movl %ebx, saved_gate_lo
    movl %edx, saved_gate_hi
    andl $~0x8000, %edx             /* P = 0 */
    call sys_put_idt
    movw $BAD_SELECTOR, %ax
    VARM df1_resume
    movw %ax, %fs                   /* #GP -> gate 13 not present: #NP -> #DF */
df1_resume:
    movl $VEC_GP, %eax
    movl saved_gate_lo, %ebx
    movl saved_gate_hi, %edx
    call sys_put_idt
    CHECK "#DF (#GP, gate not present): events", v_count, $1
    CHECK "#DF (#GP, gate not present): vector", v_vec, $VEC_DF
    CHECK "#DF (#GP, gate not present): error code", v_err, $0
    sidt saved_idtr+2
    movl saved_idtr+4, %eax
    movl %eax, small_idtr+4
    movw $(VEC_DF * 8 + 7), small_idtr+2
    movw $BAD_SELECTOR, %ax
    lidt small_idtr+2
    VARM df2_resume
    movw %ax, %fs                   /* #GP -> vector 13 beyond the limit: #GP -> #DF */
df2_resume:
    lidt saved_idtr+2
    CHECK "#DF (#GP beyond the IDT limit): events", v_count, $1
    CHECK "#DF (#GP beyond the IDT limit): vector", v_vec, $VEC_DF
    CHECK "#DF (#GP beyond the IDT limit): error code", v_err, $0
    END_CHECKS "#DF"

    /* ---- #TS: a TSS limit below 0x67 (SDM 7.3, step 3) ---- */
    SETFL FLP
    VARM ts_resume
ts_insn:
    ljmp $SEL_TSS_SMALL, $0
ts_resume:
    EXPECT "#TS (jmp to a short TSS)", VEC_TS, SEL_TSS_SMALL, ts_insn
    str %ax
    movzwl %ax, %eax
    CHECK "#TS: TR kept", %eax, $SYS_SEL_TSS
    END_CHECKS "#TS"

    /* ---- #NP ---- */
    movw $SEL_NP_DATA, %ax
    SETFL FLP
    VARM np1_resume
np1_insn:
    movw %ax, %ds
np1_resume:
    EXPECT "#NP (mov ds, not present)", VEC_NP, SEL_NP_DATA, np1_insn
    movw %ds, %ax
    movzwl %ax, %eax
    CHECK "#NP: ds kept", %eax, $SEL_DATA32
    SETFL FLP
    VARM np2_resume
np2_insn:
    int $VEC_NP_GATE
np2_resume:
    EXPECT "#NP (int n, gate not present)", VEC_NP, IDT_ERR(VEC_NP_GATE), np2_insn
    END_CHECKS "#NP"

    /* ---- #SS ---- */
    movw $SEL_SS_NP, %ax
    SETFL FLP
    VARM ss_resume
ss_insn:
    movw %ax, %ss
ss_resume:
    EXPECT "#SS (mov ss, not present)", VEC_SS, SEL_SS_NP, ss_insn
    movw %ss, %ax
    movzwl %ax, %eax
    CHECK "#SS: ss kept", %eax, $SEL_DATA32
    END_CHECKS "#SS"

    /* ---- #GP ---- */
    movw $BAD_SELECTOR, %ax
    SETFL FLP
    VARM gp1_resume
gp1_insn:
    movw %ax, %gs
gp1_resume:
    EXPECT "#GP (mov gs, beyond the GDT)", VEC_GP, BAD_SELECTOR, gp1_insn
    sidt saved_idtr+2
    movw $(SMALL_IDT_VECTORS * 8 - 1), small_idtr+2
    lidt small_idtr+2
    SETFL FLP
    VARM gp2_resume
gp2_insn:
    int $(SMALL_IDT_VECTORS + 5)
gp2_resume:
    lidt saved_idtr+2
    EXPECT "#GP (int n beyond the IDT limit)", VEC_GP, IDT_ERR(SMALL_IDT_VECTORS+5), gp2_insn
    SETFL FLP
    VARM gp3_resume
gp3_insn:
    int $VEC_CALLGATE
gp3_resume:
    EXPECT "#GP (int n to a call gate)", VEC_GP, IDT_ERR(VEC_CALLGATE), gp3_insn
    SETFL FLP
    VARM gp4_resume
gp4_insn:
    int $VEC_BAD_CS
gp4_resume:
    EXPECT "#GP (int n, gate cs beyond the GDT)", VEC_GP, BAD_SELECTOR, gp4_insn
    /* #UD whose gate has a bad CS: #UD is benign, so #GP is delivered
     * (SDM table 6-5) with the selector; EXT masked (see the top). */
    movl $VEC_UD, %eax
    call sys_get_idt
    movl %ebx, saved_gate_lo
    movl %edx, saved_gate_hi
    andl $0x0000ffff, %ebx
    orl $(BAD_SELECTOR << 16), %ebx
    call sys_put_idt
    SETFL FLP
    VARM gp5_resume
gp5_insn:
    ud2
gp5_resume:
    movl $VEC_UD, %eax
    movl saved_gate_lo, %ebx
    movl saved_gate_hi, %edx
    call sys_put_idt
    andl $~1, v_err
    EXPECT "#GP (#UD, gate cs beyond the GDT)", VEC_GP, BAD_SELECTOR, gp5_insn
    /* #GP(0) for a null SS and a far JMP to a null selector; #GP(selector)
     * for a far CALL to a data segment and SS loaded with a code segment. */
    xorl %eax, %eax
    SETFL FLP
    VARM gp6_resume
gp6_insn:
    movw %ax, %ss
gp6_resume:
    EXPECT "#GP (mov ss, null)", VEC_GP, 0, gp6_insn
    SETFL FLP
    VARM gp7_resume
gp7_insn:
    ljmp $0, $0
gp7_resume:
    EXPECT "#GP (far jmp, null)", VEC_GP, 0, gp7_insn
    SETFL FLP
    VARM gp8_resume
gp8_insn:
    lcall $SEL_DATA32, $0
gp8_resume:
    EXPECT "#GP (far call, data segment)", VEC_GP, SEL_DATA32, gp8_insn
    movw $SEL_CODE32, %ax
    SETFL FLP
    VARM gp9_resume
gp9_insn:
    movw %ax, %ss
gp9_resume:
    EXPECT "#GP (mov ss, code segment)", VEC_GP, SEL_CODE32, gp9_insn
    movw %ss, %ax
    movzwl %ax, %eax
    CHECK "#GP: ss kept", %eax, $SEL_DATA32
    END_CHECKS "#GP"

    /* ---- #PF: 32-bit paging, 4 KiB pages; CR2 = the linear address ---- */
    movl $pt_low, %edi
    movl $(PTE_P|PTE_W), %eax
1:  movl %eax, (%edi)
    addl $4, %edi
    addl $4096, %eax
    cmpl $pt_low+4096, %edi
    jb 1b
    movl $(pt_low + PTE_P + PTE_W), page_dir
    movl $(pt_test + PTE_P + PTE_W), page_dir + (PF_LIN >> 22) * 4
    movl $0, pt_test                            /* PF_LIN: not present */
    movl $(ro_page + PTE_P), pt_test + 4        /* PF_LIN + 4 KiB: read-only */
    movl $0x5a5aa5a5, ro_page + 0x10
    movl $page_dir, %eax
    movl %eax, %cr3
    movl %cr0, %eax
    movl %eax, saved_cr0
    orl $(CR0_PG|CR0_WP), %eax
    movl %eax, %cr0
    movl $PF_LIN + 0x123, %ebx
    movl $0x77, %eax
    SETFL FLP
    VARM pf1_resume
pf1_insn:
    movl (%ebx), %eax
pf1_resume:
    movl %cr2, %ecx
    EXPECT "#PF (read, not present)", VEC_PF, 0, pf1_insn
    CHECK "#PF (read, not present): cr2", %ecx, $PF_LIN+0x123
    CHECK "#PF (read, not present): eax kept", %eax, $0x77
    movl $PF_LIN + 0xffe, %ebx
    SETFL FLP
    VARM pf2_resume
pf2_insn:
    movw %ax, (%ebx)
pf2_resume:
    movl %cr2, %ecx
    EXPECT "#PF (write, not present)", VEC_PF, PF_ERR_W, pf2_insn
    CHECK "#PF (write, not present): cr2", %ecx, $PF_LIN+0xffe
    movl $PF_LIN + 0x1010, %ebx
    VARM 0
    movl (%ebx), %eax
    CHECK "read-only page: read ok", %eax, $0x5a5aa5a5
    CHECK "read-only page: read, no exception", v_count, $0
    SETFL FLP
    VARM pf3_resume
pf3_insn:
    movl %ebx, (%ebx)
pf3_resume:
    movl %cr2, %ecx
    EXPECT "#PF (write, read-only, WP=1)", VEC_PF, PF_ERR_P|PF_ERR_W, pf3_insn
    CHECK "#PF (write, read-only, WP=1): cr2", %ecx, $PF_LIN+0x1010
    CHECK "#PF: memory kept", ro_page + 0x10, $0x5a5aa5a5
    movl saved_cr0, %eax
    movl %eax, %cr0
    END_CHECKS "#PF"

    /* ---- INT n to exception vectors pushes no error code ---- */
    SETFL FLP
    VARM 0
    int $VEC_DF
int8_next:
    EXPECT "int 8", VEC_DF, NOERR, int8_next
    SETFL FLP
    VARM 0
    int $VEC_PF
int14_next:
    EXPECT "int 14", VEC_PF, NOERR, int14_next
    END_CHECKS "int n"
FINISH

    .section .note.GNU-stack, "", @progbits
