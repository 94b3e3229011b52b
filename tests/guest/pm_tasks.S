/* Hardware task switching between 32-bit TSSs (lib/sys.S's TSS is task
 * A, the one running): JMP to a TSS (the new task's registers, segment
 * registers, LDT and EFLAGS come from its TSS; the old task's state is
 * saved in its TSS; busy bits move; no back link; CR0.TS is set) and JMP
 * back (A resumes after its JMP with its registers); CALL to a TSS, CALL
 * through a task gate in the GDT, INT n through a task gate in the IDT
 * (back link = A, NT = 1 in the new task, both busy) and IRET back (NT
 * cleared in the saved EFLAGS of the task left); JMP and CALL to a busy
 * TSS (#GP); IRET with NT = 1 whose back link is an available TSS (#TS);
 * and a double fault through a task gate, as Linux i386 handles #DF: the
 * #DF task gets the error code on its own stack, repairs what failed and
 * IRETs to the task that faulted.
 *
 * Not checked: the EIP saved for the task that double-faulted (undefined,
 * SDM 6.15 interrupt 8), CR3 loading (paging is off here), 16-bit TSSs.
 * Reference: SDM vol. 3A, chapter 7 (7.3 task switching, table 7-1 checks,
 * 7.4 task linking and the busy flag); vol. 2, IRET (task return).
 *
 * jitpc-expect-output: jmp to a tss: 50 checks ok\n
 * jitpc-expect-output: call to a tss, iret: 16 checks ok\n
 * jitpc-expect-output: call through a task gate: 8 checks ok\n
 * jitpc-expect-output: int n through a task gate: 9 checks ok\n
 * jitpc-expect-output: busy and available tss: 22 checks ok\n
 * jitpc-expect-output: #DF through a task gate: 11 checks ok\n
 * jitpc-expect-output: total: 116 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "sys.h"

#define SEL_TSS_B 0x58              /* task B */
#define SEL_TSS_C 0x60              /* task C: only ever an available TSS */
#define SEL_TSS_DF 0x68             /* the double-fault task */
#define SEL_TG_B 0x70               /* task gate -> SEL_TSS_B */
#define SEL_TG_A 0x78               /* task gate -> SYS_SEL_TSS (busy while A runs) */
#define SEL_LDT 0x80                /* task B's LDT */
#define LDT_SEL_DATA 0x0004         /* LDT entry 0 (TI = 1): data at 0x20000 */
#define LDT_MAGIC_LIN 0x20100       /* linear address LDT_SEL_DATA:0x100 */
#define VEC_TASK 0x60               /* IDT task gate -> SEL_TSS_B */
#define BAD_SELECTOR 0x0ff8
#define FLA (CF|ZF|FL_RESERVED1)    /* task A's EFLAGS at each switch */
#define B_EAX 0xb0b0000a            /* task B's registers in its TSS */
#define B_ECX 0xb0b0000c
#define B_EDX 0xb0b0000d
#define B_EBX 0xb0b0000b
#define B_EBP 0xb0b000bb
#define B_ESI 0xb0b00051
#define B_EDI 0xb0b000d1
#define A_EAX 0xa0a0000a            /* task A's registers at the switch */
#define A_ECX 0xa0a0000c
#define A_EDX 0xa0a0000d
#define A_EBX 0xa0a0000b
#define A_EBP 0xa0a000bb
#define A_ESI 0xa0a00051
#define A_EDI 0xa0a000d1
#define TYPE_OF(hi) (((hi) >> 8) & 0xf)

    .bss
    .balign 16
tss_b:      .fill TSS_SIZE, 1, 0
tss_c:      .fill TSS_SIZE, 1, 0
tss_df:     .fill TSS_SIZE, 1, 0
    .balign 16
stack_b:    .fill 1024, 1, 0
stack_b_top:
stack_df:   .fill 1024, 1, 0
stack_df_top:

    .data
    .balign 8
ldt:        .quad 0x000092020000ffff    /* data, base 0x20000, 64 KiB */
    .balign 4
/* What task B saw (tb_record). */
b_regs:     .fill 8, 4, 0           /* eax ecx edx ebx esp ebp esi edi */
b_eflags:   .long 0
b_segs:     .fill 6, 4, 0           /* es cs ss ds fs gs */
b_ldtr:     .long 0
b_tr:       .long 0
b_cr0:      .long 0
b_fsval:    .long 0
b_link:     .long 0                 /* tss_b's back link */
b_type_a:   .long 0                 /* descriptor types of A's and B's TSS */
b_type_b:   .long 0
a_saved:    .fill 17, 4, 0          /* sys_tss EIP ... GS as task B found them */
/* What task A sees after coming back. */
a_regs:     .fill 8, 4, 0
a_eflags:   .long 0
a_esp:      .long 0                 /* ESP at the switch */
seg_got:    .long 0
df_link:    .long 0
df_eflags:  .long 0
df_err:     .long 0
df_esp:     .long 0
df_tr:      .long 0
df_type_a:  .long 0
saved_gate_lo: .long 0
saved_gate_hi: .long 0

    .text
/* init_tss: the TSS at EDI runs EAX on the stack EBX: flat CPL-0 segments,
 * EFLAGS = 2, LDT = ECX, task B's register values, CR3 as now. */
init_tss:
    pushal
    pushl %eax
    movl %edi, %esi
    movl $TSS_SIZE / 4, %edx
1:  movl $0, (%esi)
    addl $4, %esi
    decl %edx
    jnz 1b
    popl %eax
    movl %eax, TSS_EIP(%edi)
    movl %ebx, TSS_ESP(%edi)
    movl %ebx, TSS_ESP0(%edi)
    movl %ecx, TSS_LDT(%edi)
    movl $SEL_DATA32, TSS_SS0(%edi)
    movl $FL_RESERVED1, TSS_EFLAGS(%edi)
    movl $SEL_CODE32, TSS_CS(%edi)
    movl $SEL_DATA32, TSS_SS(%edi)
    movl $SEL_DATA32, TSS_DS(%edi)
    movl $SEL_DATA32, TSS_ES(%edi)
    movl $SEL_DATA32, TSS_FS(%edi)
    movl $SEL_DATA32, TSS_GS(%edi)
    movl $B_EAX, TSS_EAX(%edi)
    movl $B_ECX, TSS_ECX(%edi)
    movl $B_EDX, TSS_EDX(%edi)
    movl $B_EBX, TSS_EBX(%edi)
    movl $B_EBP, TSS_EBP(%edi)
    movl $B_ESI, TSS_ESI(%edi)
    movl $B_EDI, TSS_EDI(%edi)
    movw $TSS_SIZE, TSS_IOMAP(%edi) /* beyond the limit: no I/O bitmap */
    movl %cr3, %eax
    movl %eax, TSS_CR3(%edi)
    popal
    ret

/* Load task A's register pattern and EFLAGS, remember ESP (a macro: it
 * must not move ESP). */
    .macro A_STATE
    movl %esp, a_esp
    movl $A_EAX, %eax
    movl $A_ECX, %ecx
    movl $A_EDX, %edx
    movl $A_EBX, %ebx
    movl $A_EBP, %ebp
    movl $A_ESI, %esi
    movl $A_EDI, %edi
    pushl $FLA
    popfl
    .endm
/* Record task A's registers and EFLAGS right after it resumed. */
    .macro A_RECORD
    pushfl
    popl a_eflags
    movl %eax, a_regs
    movl %ecx, a_regs+4
    movl %edx, a_regs+8
    movl %ebx, a_regs+12
    movl %esp, a_regs+16
    movl %ebp, a_regs+20
    movl %esi, a_regs+24
    movl %edi, a_regs+28
    .endm

/* Task B's first act in every scenario: record its state and its view of
 * task A. Called (ESP is 4 lower inside). */
tb_record:
    movl %eax, b_regs
    movl %ecx, b_regs+4
    movl %edx, b_regs+8
    movl %ebx, b_regs+12
    leal 4(%esp), %eax
    movl %eax, b_regs+16
    movl %ebp, b_regs+20
    movl %esi, b_regs+24
    movl %edi, b_regs+28
    pushfl
    popl b_eflags
    movw %es, b_segs
    movw %cs, b_segs+4
    movw %ss, b_segs+8
    movw %ds, b_segs+12
    movw %fs, b_segs+16
    movw %gs, b_segs+20
    sldt b_ldtr
    str b_tr
    movl %cr0, %eax
    movl %eax, b_cr0
    movl tss_b+TSS_LINK, %eax
    movl %eax, b_link
    movl sys_gdt+SYS_SEL_TSS+4, %eax
    shrl $8, %eax
    andl $0xf, %eax
    movl %eax, b_type_a
    movl sys_gdt+SEL_TSS_B+4, %eax
    shrl $8, %eax
    andl $0xf, %eax
    movl %eax, b_type_b
    movl $sys_tss+TSS_EIP, %esi
    movl $a_saved, %edi
    movl $17, %ecx
1:  movl (%esi), %eax
    movl %eax, (%edi)
    addl $4, %esi
    addl $4, %edi
    decl %ecx
    jnz 1b
    ret

/* Task B bodies. */
tb_jmp:                             /* LDT = SEL_LDT: FS = LDT_SEL_DATA */
    movl $0, b_fsval
    call tb_record
    movw $LDT_SEL_DATA, %ax
    movw %ax, %fs
    movl %fs:0x100, %eax
    movl %eax, b_fsval
    clts
    ljmp $SYS_SEL_TSS, $0
tb_jmp_back:
tb_iret:                            /* entered by CALL or INT: return by IRET */
    call tb_record
    clts
    iretl
tb_iret_back:

/* The double-fault task: EIP = tdf, error code on the stack. */
tdf:
    movl (%esp), %eax
    movl %eax, df_err
    movl %esp, df_esp
    pushfl
    popl df_eflags
    movl tss_df+TSS_LINK, %eax
    movl %eax, df_link
    str df_tr
    movl sys_gdt+SYS_SEL_TSS+4, %eax
    shrl $8, %eax
    andl $0xf, %eax
    movl %eax, df_type_a
    /* Repair: the #GP gate again, and A resumes after the faulting code. */
    movl $VEC_GP, %eax
    movl saved_gate_lo, %ebx
    movl saved_gate_hi, %edx
    call sys_put_idt
    movl $df_resume, sys_tss+TSS_EIP
    addl $4, %esp                   /* the error code */
    clts
    iretl

TEST_MAIN
    call sys_init
    movl $SEL_TSS_B, %eax
    movl $tss_b, %ebx
    movl $(TSS_SIZE - 1), %ecx
    movl $ACC_TSS32, %edx
    call sys_set_seg
    movl $SEL_TSS_C, %eax
    movl $tss_c, %ebx
    call sys_set_seg
    movl $SEL_TSS_DF, %eax
    movl $tss_df, %ebx
    call sys_set_seg
    movl $SEL_LDT, %eax
    movl $ldt, %ebx
    movl $7, %ecx
    movl $ACC_LDT, %edx
    call sys_set_seg
    movl $SEL_TG_B, %eax
    xorl %ebx, %ebx
    movl $SEL_TSS_B, %ecx
    movl $ACC_TASKGATE, %edx
    call sys_set_gdt_gate
    movl $SEL_TG_A, %eax
    movl $SYS_SEL_TSS, %ecx
    call sys_set_gdt_gate
    movl $VEC_TASK, %eax
    movl $SEL_TSS_B, %ecx
    call sys_set_idt
    movl $0x1df00d, LDT_MAGIC_LIN
    movl $tss_c, %edi
    movl $tb_iret, %eax
    movl $stack_b_top, %ebx
    xorl %ecx, %ecx
    call init_tss

    /* ---- JMP to task B, JMP back ---- */
    movl $tss_b, %edi
    movl $tb_jmp, %eax
    movl $stack_b_top, %ebx
    movl $SEL_LDT, %ecx
    call init_tss
    movl $0xbeef, tss_b+TSS_LINK
    A_STATE
    ljmp $SEL_TSS_B, $0
jmp_next:
    A_RECORD
    CHECK "B: eax from its tss", b_regs, $B_EAX
    CHECK "B: ecx", b_regs+4, $B_ECX
    CHECK "B: edx", b_regs+8, $B_EDX
    CHECK "B: ebx", b_regs+12, $B_EBX
    CHECK "B: esp", b_regs+16, $stack_b_top
    CHECK "B: ebp", b_regs+20, $B_EBP
    CHECK "B: esi", b_regs+24, $B_ESI
    CHECK "B: edi", b_regs+28, $B_EDI
    movl b_eflags, %eax
    andl $EFL_CHECKED, %eax
    CHECK "B: eflags (NT = 0 after JMP)", %eax, $0
    CHECK "B: es", b_segs, $SEL_DATA32
    CHECK "B: cs", b_segs+4, $SEL_CODE32
    CHECK "B: ss", b_segs+8, $SEL_DATA32
    CHECK "B: ldtr from its tss", b_ldtr, $SEL_LDT
    CHECK "B: a segment of its ldt", b_fsval, $0x1df00d
    CHECK "B: tr", b_tr, $SEL_TSS_B
    movl b_cr0, %eax
    andl $CR0_TS, %eax
    CHECK "B: cr0.ts set by the switch", %eax, $CR0_TS
    CHECK "B: back link not written by JMP", b_link, $0xbeef
    CHECK "B: A's tss no longer busy", b_type_a, $9
    CHECK "B: its tss busy", b_type_b, $0xb
    CHECK "A's tss: eip", a_saved, $jmp_next
    movl a_saved+4, %eax
    andl $EFL_CHECKED, %eax
    CHECK "A's tss: eflags", %eax, $(FLA & EFL_CHECKED)
    CHECK "A's tss: eax", a_saved+8, $A_EAX
    CHECK "A's tss: ecx", a_saved+12, $A_ECX
    CHECK "A's tss: edx", a_saved+16, $A_EDX
    CHECK "A's tss: ebx", a_saved+20, $A_EBX
    CHECK "A's tss: esp", a_saved+24, a_esp
    CHECK "A's tss: ebp", a_saved+28, $A_EBP
    CHECK "A's tss: esi", a_saved+32, $A_ESI
    CHECK "A's tss: edi", a_saved+36, $A_EDI
    CHECK "A's tss: es", a_saved+40, $SEL_DATA32
    CHECK "A's tss: cs", a_saved+44, $SEL_CODE32
    CHECK "A's tss: ss", a_saved+48, $SEL_DATA32
    CHECK "A's tss: ds", a_saved+52, $SEL_DATA32
    CHECK "A's tss: fs", a_saved+56, $SEL_DATA32
    CHECK "A's tss: gs", a_saved+60, $SEL_DATA32
    CHECK "back in A: eax", a_regs, $A_EAX
    CHECK "back in A: ecx", a_regs+4, $A_ECX
    CHECK "back in A: edx", a_regs+8, $A_EDX
    CHECK "back in A: ebx", a_regs+12, $A_EBX
    CHECK "back in A: esp", a_regs+16, a_esp
    CHECK "back in A: ebp", a_regs+20, $A_EBP
    CHECK "back in A: esi", a_regs+24, $A_ESI
    CHECK "back in A: edi", a_regs+28, $A_EDI
    movl a_eflags, %eax
    andl $EFL_CHECKED, %eax
    CHECK "back in A: eflags", %eax, $(FLA & EFL_CHECKED)
    str %ax
    movzwl %ax, %eax
    CHECK "back in A: tr", %eax, $SYS_SEL_TSS
    sldt %ax
    movzwl %ax, %eax
    CHECK "back in A: ldtr from A's tss (null)", %eax, $0
    movl sys_gdt+SYS_SEL_TSS+4, %eax
    shrl $8, %eax
    andl $0xf, %eax
    CHECK "back in A: A's tss busy", %eax, $0xb
    movl sys_gdt+SEL_TSS_B+4, %eax
    shrl $8, %eax
    andl $0xf, %eax
    CHECK "back in A: B's tss not busy", %eax, $9
    CHECK "B's tss: eip saved", tss_b+TSS_EIP, $tb_jmp_back
    movl %cr0, %eax
    andl $CR0_TS, %eax
    CHECK "back in A: cr0.ts set", %eax, $CR0_TS
    clts
    END_CHECKS "jmp to a tss"

    /* ---- CALL to task B, IRET back ---- */
    movl $tss_b, %edi
    movl $tb_iret, %eax
    movl $stack_b_top, %ebx
    xorl %ecx, %ecx
    call init_tss
    A_STATE
    lcall $SEL_TSS_B, $0
call_next:
    A_RECORD
    CHECK "B: eax", b_regs, $B_EAX
    CHECK "B: tr", b_tr, $SEL_TSS_B
    CHECK "B: ldtr (null)", b_ldtr, $0
    CHECK "B: back link = A", b_link, $SYS_SEL_TSS
    movl b_eflags, %eax
    andl $EFL_CHECKED, %eax
    CHECK "B: eflags (NT = 1 after CALL)", %eax, $EFL_NT
    CHECK "B: A's tss still busy", b_type_a, $0xb
    CHECK "B: its tss busy", b_type_b, $0xb
    CHECK "A's tss: eip", a_saved, $call_next
    CHECK "back in A: eax", a_regs, $A_EAX
    CHECK "back in A: edi", a_regs+28, $A_EDI
    CHECK "back in A: esp", a_regs+16, a_esp
    movl a_eflags, %eax
    andl $EFL_CHECKED, %eax
    CHECK "back in A: eflags (NT = 0)", %eax, $(FLA & EFL_CHECKED)
    str %ax
    movzwl %ax, %eax
    CHECK "back in A: tr", %eax, $SYS_SEL_TSS
    movl sys_gdt+SEL_TSS_B+4, %eax
    shrl $8, %eax
    andl $0xf, %eax
    CHECK "back in A: B's tss not busy", %eax, $9
    CHECK "B's tss: eip after its IRET", tss_b+TSS_EIP, $tb_iret_back
    movl tss_b+TSS_EFLAGS, %eax
    andl $EFL_NT, %eax
    CHECK "B's tss: NT cleared in the saved eflags", %eax, $0
    clts
    END_CHECKS "call to a tss, iret"

    /* ---- CALL through a task gate in the GDT ---- */
    movl $tss_b, %edi
    movl $tb_iret, %eax
    movl $stack_b_top, %ebx
    xorl %ecx, %ecx
    call init_tss
    A_STATE
    lcall $SEL_TG_B, $0
tgcall_next:
    A_RECORD
    CHECK "B: eax", b_regs, $B_EAX
    CHECK "B: tr", b_tr, $SEL_TSS_B
    CHECK "B: back link = A", b_link, $SYS_SEL_TSS
    movl b_eflags, %eax
    andl $EFL_NT, %eax
    CHECK "B: NT", %eax, $EFL_NT
    CHECK "A's tss: eip", a_saved, $tgcall_next
    CHECK "back in A: eax", a_regs, $A_EAX
    CHECK "back in A: esp", a_regs+16, a_esp
    movl sys_gdt+SEL_TSS_B+4, %eax
    shrl $8, %eax
    andl $0xf, %eax
    CHECK "back in A: B's tss not busy", %eax, $9
    clts
    END_CHECKS "call through a task gate"

    /* ---- INT n through a task gate in the IDT: no frame is pushed ---- */
    movl $tss_b, %edi
    movl $tb_iret, %eax
    movl $stack_b_top, %ebx
    xorl %ecx, %ecx
    call init_tss
    A_STATE
    int $VEC_TASK
int_next:
    A_RECORD
    CHECK "B: eax", b_regs, $B_EAX
    CHECK "B: esp (nothing pushed)", b_regs+16, $stack_b_top
    CHECK "B: tr", b_tr, $SEL_TSS_B
    CHECK "B: back link = A", b_link, $SYS_SEL_TSS
    movl b_eflags, %eax
    andl $EFL_NT, %eax
    CHECK "B: NT", %eax, $EFL_NT
    CHECK "A's tss: eip (after INT)", a_saved, $int_next
    CHECK "back in A: eax", a_regs, $A_EAX
    CHECK "back in A: esp", a_regs+16, a_esp
    movl a_eflags, %eax
    andl $EFL_CHECKED, %eax
    CHECK "back in A: eflags", %eax, $(FLA & EFL_CHECKED)
    clts
    END_CHECKS "int n through a task gate"

    /* ---- busy TSSs, IRET to an available TSS ---- */
    FAULT "call to the running task's tss (busy)", VEC_GP, SYS_SEL_TSS, lcall $SYS_SEL_TSS, $0
    FAULT "jmp to the running task's tss (busy)", VEC_GP, SYS_SEL_TSS, ljmp $SYS_SEL_TSS, $0
    FAULT "call through a task gate to a busy tss", VEC_GP, SYS_SEL_TSS, lcall $SEL_TG_A, $0
    movl $SEL_TSS_C, sys_tss+TSS_LINK
    pushfl
    orl $EFL_NT, (%esp)
    popfl
    FAULT "iret with NT to an available tss", VEC_TS, SEL_TSS_C, iretl
    pushfl
    andl $~EFL_NT, (%esp)
    popfl
    movl $0, sys_tss+TSS_LINK
    str %ax
    movzwl %ax, %eax
    CHECK "tr kept", %eax, $SYS_SEL_TSS
    movl sys_gdt+SEL_TSS_C+4, %eax
    shrl $8, %eax
    andl $0xf, %eax
    CHECK "C's tss still available", %eax, $9
    END_CHECKS "busy and available tss"

    /* ---- #DF through a task gate ---- */
    movl $tss_df, %edi
    movl $tdf, %eax
    movl $stack_df_top, %ebx
    xorl %ecx, %ecx
    call init_tss
    movl $VEC_DF, %eax
    movl $SEL_TSS_DF, %ecx
    movl $ACC_TASKGATE, %edx
    call sys_set_idt
    movl $VEC_GP, %eax
    call sys_get_idt
    movl %ebx, saved_gate_lo
    movl %edx, saved_gate_hi
    andl $~0x8000, %edx             /* P = 0 */
    call sys_put_idt
    A_STATE
    movw $BAD_SELECTOR, %ax
    movw %ax, %fs                   /* #GP -> gate not present: #NP -> #DF */
    jmp df_missed
df_resume:
    A_RECORD
    movl $VEC_DF, %eax
    xorl %ebx, %ebx
    movl $ACC_INTGATE32, %ecx
    call pm_set_gate                /* lib/pm.S's handler again */
    CHECK "#DF task: error code on its stack", df_err, $0
    movl $stack_df_top-4, %eax
    CHECK "#DF task: esp", df_esp, %eax
    CHECK "#DF task: tr", df_tr, $SEL_TSS_DF
    CHECK "#DF task: back link = A", df_link, $SYS_SEL_TSS
    movl df_eflags, %eax
    andl $EFL_NT, %eax
    CHECK "#DF task: NT", %eax, $EFL_NT
    CHECK "#DF task: A's tss still busy", df_type_a, $0xb
    CHECK "back in A: ecx", a_regs+4, $A_ECX
    CHECK "back in A: esp", a_regs+16, a_esp
    movw %fs, %ax
    movzwl %ax, %eax
    CHECK "back in A: fs kept", %eax, $SEL_DATA32
    str %ax
    movzwl %ax, %eax
    CHECK "back in A: tr", %eax, $SYS_SEL_TSS
    movl sys_gdt+SEL_TSS_DF+4, %eax
    shrl $8, %eax
    andl $0xf, %eax
    CHECK "back in A: the #DF task's tss not busy", %eax, $9
    clts
    jmp df_done
df_missed:
    CHECK "#DF through a task gate: taken", $0, $1
df_done:
    END_CHECKS "#DF through a task gate"
FINISH

    .section .note.GNU-stack, "", @progbits
