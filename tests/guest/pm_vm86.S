/* Virtual-8086 mode: IRET from CPL 0 with EFLAGS.VM = 1 in the image
 * enters it (EIP CS EFLAGS ESP SS ES DS FS GS popped); 8086 code there
 * (segment arithmetic, a far CALL to another segment, a loop, a real-mode
 * IRET within VM86); INT n through a DPL-3 interrupt gate to a CPL-0
 * handler, which finds the VM86 frame (GS FS DS ES pushed above SS:ESP),
 * runs with DS ES FS GS null and VM, IF, TF, NT clear, and IRETs back to
 * VM86; with IOPL < 3 CLI, STI, PUSHF, POPF, INT n and IRET raise #GP(0);
 * with IOPL 3 they work (POPF cannot change IOPL); INT3 is not IOPL-
 * sensitive but meets the gate's DPL; HLT always faults; IN/OUT obey the
 * TSS I/O bitmap at any IOPL; leaving VM86 through an exception (#UD from
 * UD2 is how each run ends) and POPF at CPL 0 not setting VM.
 * The VM86 code lives in the real-mode image (.rm16.*, linked at 0x1000),
 * copied below 64 KiB first; it runs with CS = 0 so its offsets are its
 * linear addresses. Without CR4.VME (not in P6-class CPUs' required set).
 * Reference: SDM vol. 3A, 20.2 (virtual-8086 mode), 20.3 (interrupt and
 * exception handling in VM86: figure 20-2 frame, table 20-2), 18.5.
 *
 * jitpc-expect-output: enter vm86: 24 checks ok\n
 * jitpc-expect-output: int n from vm86: 18 checks ok\n
 * jitpc-expect-output: iopl 0 in vm86: 47 checks ok\n
 * jitpc-expect-output: iopl 3 in vm86: 35 checks ok\n
 * jitpc-expect-output: protected mode: 1 checks ok\n
 * jitpc-expect-output: total: 125 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "sys.h"

#define VEC_V86INT 0x40             /* DPL-3 interrupt gate: v86_int */
#define VEC_DPL0 0x41               /* DPL-0 interrupt gate */
#define V86_ES 0x0d00               /* ES:1010 = DS:0010 = FS:2010 = 0xe010 */
#define V86_DS 0x0e00
#define V86_FS 0x0c00
#define V86_GS 0x0b00
#define FAR_SEG 0x0100              /* CS for the far routine: IP = linear - 0x1000 */

/* ---- the VM86 side (copied to its link address below 64 KiB) ---- */
    .section .rm16.data, "aw"
    .balign 4
vb_segs:    .word 0, 0, 0, 0, 0, 0  /* cs ds es fs gs ss as seen in VM86 */
vb_sp:      .word 0
vb_val:     .word 0                 /* read back through another segment */
vb_far_cs:  .word 0
vb_sum:     .word 0
vi_ax:      .word 0                 /* AX after INT n */
vi_ds:      .word 0                 /* DS after INT n */

    .section .rm16.text, "ax"
    .code16
v86_basic:
    movw %cs, %cs:vb_segs
    movw %ds, %cs:vb_segs+2
    movw %es, %cs:vb_segs+4
    movw %fs, %cs:vb_segs+6
    movw %gs, %cs:vb_segs+8
    movw %ss, %cs:vb_segs+10
    movw %sp, %cs:vb_sp
    movw $0x1234, 0x10              /* DS:0010 */
    movw %es:0x1010, %ax
    addw %fs:0x2010, %ax
    movw %ax, %cs:vb_val            /* 0x2468 */
    lcall $FAR_SEG, $(v86_far - FAR_SEG * 16)
    movw %bx, %cs:vb_far_cs
    xorw %ax, %ax
    movw $10, %cx
1:  addw %cx, %ax
    loop 1b
    movw %ax, %cs:vb_sum            /* 55 */
v86_basic_exit:
    ud2

v86_far:
    movw %cs, %bx
    lret

v86_int:
    movw $0x5555, %ax
    int $VEC_V86INT
    movw %ax, %cs:vi_ax
    movw %ds, %cs:vi_ds
v86_int_exit:
    ud2

/* One instruction each, then UD2 (the exit). */
    .macro PROBE name, insn:vararg
\name:
    \insn
\name\()_end:
    ud2
    .endm
    PROBE p_cli, cli
    PROBE p_sti, sti
    PROBE p_pushf, pushfw
    PROBE p_popf, popfw
    PROBE p_int, int $VEC_V86INT
    PROBE p_iret, iret
    PROBE p_hlt, hlt
    PROBE p_int3, int3
    PROBE p_int_dpl0, int $VEC_DPL0
    PROBE p_in_ok, inb $0xe9, %al
    PROBE p_in_denied, inb $0x61, %al
    PROBE p_out_denied, outb %al, $0x61
/* POPF with IOPL 0 in the image, IF 1: IOPL stays, IF changes. */
p_popf_iopl:
    pushw $(EFL_IF | FL_RESERVED1)
    popfw
p_popf_iopl_end:
    ud2
/* A real-mode IRET inside VM86 (IOPL 3): FLAGS CS IP from the VM86 stack. */
p_iret_v86:
    pushfw
    pushw %cs
    pushw $p_iret_target
    iret
    ud2
p_iret_target:
p_iret_v86_end:
    ud2

/* ---- the protected-mode side ---- */
    .text
    .code32
    .data
    .balign 4
v86_eflags: .long 0                 /* EFLAGS for the next run (VM added) */
v86_r0_esp: .long 0
v86_frame:  .fill 9, 4, 0           /* how the last run ended: eip cs eflags esp ss es ds fs gs */
v86_exit_segs: .fill 4, 4, 0        /* ds es fs gs in the exit handler */
v86_exit_esp: .long 0
vi_esp:     .long 0                 /* INT n from VM86: ESP in the handler */
vi_live:    .long 0
vi_segs:    .fill 4, 4, 0           /* ds es fs gs in the handler */
vi_frame:   .fill 9, 4, 0
fl_got:     .long 0

    .text
/* v86_run: run the VM86 code at CS:IP = 0:EAX with SS:SP = 0:RM_STACK_TOP,
 * ES DS FS GS = V86_*, EFLAGS = v86_eflags | VM, EBX ECX EDX ESI EDI
 * passed through, until an exception leaves VM86 by the #UD gate
 * (v86_exit); returns with EAX = EAX at the exit, the frame in v86_frame. */
v86_run:
    pushl %ebp
    movl %esp, v86_r0_esp
    movl %esp, sys_tss+TSS_ESP0
    pushl $V86_GS
    pushl $V86_FS
    pushl $V86_DS
    pushl $V86_ES
    pushl $0                        /* SS */
    pushl $RM_STACK_TOP             /* ESP */
    pushl v86_eflags
    orl $EFL_VM, (%esp)
    pushl $0                        /* CS */
    pushl %eax                      /* EIP */
    iretl

/* #UD: the end of a run. DS ES FS GS are null here: use SS. */
v86_exit:
    movl %esp, %ss:v86_exit_esp
    movw %ds, %ss:v86_exit_segs
    movw %es, %ss:v86_exit_segs+4
    movw %fs, %ss:v86_exit_segs+8
    movw %gs, %ss:v86_exit_segs+12
    pushl %eax
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    pushl %esi
    pushl %edi
    pushl %ecx
    leal 16(%esp), %esi
    movl $v86_frame, %edi
    movl $9, %ecx
    cld
    rep movsl
    popl %ecx
    popl %edi
    popl %esi
    popl %eax
    movl v86_r0_esp, %esp
    popl %ebp
    ret

/* INT VEC_V86INT from VM86: record, AX = 0x4040, IRET back to VM86. */
v86_int_handler:
    movl %esp, %ss:vi_esp
    pushfl
    popl %ss:vi_live
    movw %ds, %ss:vi_segs
    movw %es, %ss:vi_segs+4
    movw %fs, %ss:vi_segs+8
    movw %gs, %ss:vi_segs+12
    pushl %esi
    pushl %edi
    pushl %ecx
    pushl %ds
    pushl %es
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    movw %ax, %es
    leal 20(%esp), %esi
    movl $vi_frame, %edi
    movl $9, %ecx
    cld
    rep movsl
    popl %es
    popl %ds
    popl %ecx
    popl %edi
    popl %esi
    movl $0x4040, %eax
    iretl

/* Copy the real-mode image to its link address (as lib/rm.S does). */
copy_rm16:
    pushal
    movl $__rm16_load, %esi
    movl $__rm16_start, %edi
    movl $__rm16_end, %ecx
1:  movl (%esi), %eax
    movl %eax, (%edi)
    addl $4, %esi
    addl $4, %edi
    cmpl %ecx, %edi
    jb 1b
    popal
    ret

/* PROBE_GP name, probe, err: run `probe` (IOPL from v86_eflags); expect
 * #GP(err) at it, resumed at its UD2. Five checks. */
    .macro PROBE_GP name, probe, err=0
    movl $0, trap_count
    movl $0xffffffff, trap_vector
    movl $\probe\()_end, trap_resume
    movl $1, trap_armed
    movl $\probe, %eax
    call v86_run
    movl $0, trap_armed
    movl $0, trap_resume
    CHECK "\name: exceptions", trap_count, $1
    CHECK "\name: vector", trap_vector, $VEC_GP
    CHECK "\name: error code", trap_errcode, $\err
    CHECK "\name: saved ip", trap_eip, $\probe
    CHECK "\name: saved cs", trap_cs, $0
    .endm
/* PROBE_OK name, probe: no exception before its UD2. Two checks. */
    .macro PROBE_OK name, probe
    movl $0, trap_count
    movl $\probe\()_end, trap_resume
    movl $1, trap_armed
    movl $\probe, %eax
    call v86_run
    movl $0, trap_armed
    movl $0, trap_resume
    CHECK "\name: no exception", trap_count, $0
    CHECK "\name: ends at its ud2", v86_frame, $\probe\()_end
    .endm

TEST_MAIN
    call sys_init
    call copy_rm16
    movl $VEC_UD, %eax
    movl $v86_exit, %ebx
    movl $SEL_CODE32, %ecx
    movl $ACC_INTGATE32, %edx
    call sys_set_idt
    movl $VEC_V86INT, %eax
    movl $v86_int_handler, %ebx
    movl $(ACC_INTGATE32 | DPL(3)), %edx
    call sys_set_idt
    movl $VEC_DPL0, %eax
    movl $v86_int_handler, %ebx
    movl $ACC_INTGATE32, %edx
    call sys_set_idt

    /* ---- enter VM86, run 8086 code, leave by #UD ---- */
    movl $(EFL_IOPL3 | FL_RESERVED1), v86_eflags
    movl $v86_basic, %eax
    call v86_run
    movzwl vb_segs, %eax
    CHECK "vm86: cs", %eax, $0
    movzwl vb_segs+2, %eax
    CHECK "vm86: ds", %eax, $V86_DS
    movzwl vb_segs+4, %eax
    CHECK "vm86: es", %eax, $V86_ES
    movzwl vb_segs+6, %eax
    CHECK "vm86: fs", %eax, $V86_FS
    movzwl vb_segs+8, %eax
    CHECK "vm86: gs", %eax, $V86_GS
    movzwl vb_segs+10, %eax
    CHECK "vm86: ss", %eax, $0
    movzwl vb_sp, %eax
    CHECK "vm86: sp", %eax, $RM_STACK_TOP
    movzwl vb_val, %eax
    CHECK "vm86: segment arithmetic (ES:1010 + FS:2010)", %eax, $0x2468
    movzwl vb_far_cs, %eax
    CHECK "vm86: far call: cs", %eax, $FAR_SEG
    movzwl vb_sum, %eax
    CHECK "vm86: loop", %eax, $55
    CHECK "exit: saved eip", v86_frame, $v86_basic_exit
    CHECK "exit: saved cs", v86_frame+4, $0
    movl v86_frame+8, %eax
    andl $EFL_CHECKED, %eax
    CHECK "exit: saved eflags (VM)", %eax, $(EFL_VM | EFL_IOPL3)
    CHECK "exit: saved esp", v86_frame+12, $RM_STACK_TOP
    CHECK "exit: saved ss", v86_frame+16, $0
    CHECK "exit: saved es", v86_frame+20, $V86_ES
    CHECK "exit: saved ds", v86_frame+24, $V86_DS
    CHECK "exit: saved fs", v86_frame+28, $V86_FS
    CHECK "exit: saved gs", v86_frame+32, $V86_GS
    movl v86_r0_esp, %eax
    subl $36, %eax
    CHECK "exit: the frame is below TSS.ESP0", v86_exit_esp, %eax
    CHECK "exit: ds null in the handler", v86_exit_segs, $0
    CHECK "exit: es null in the handler", v86_exit_segs+4, $0
    CHECK "exit: fs null in the handler", v86_exit_segs+8, $0
    CHECK "exit: gs null in the handler", v86_exit_segs+12, $0
    END_CHECKS "enter vm86"

    /* ---- INT n (IOPL 3) to a CPL-0 handler and back ---- */
    movl $v86_int, %eax
    call v86_run
    movl v86_r0_esp, %eax
    subl $36, %eax
    CHECK "int n: the frame is below TSS.ESP0", vi_esp, %eax
    movl vi_live, %eax
    andl $(EFL_VM | EFL_IF | EFL_TF | EFL_NT), %eax
    CHECK "int n: VM, IF, TF, NT clear in the handler", %eax, $0
    CHECK "int n: ds null in the handler", vi_segs, $0
    CHECK "int n: es null", vi_segs+4, $0
    CHECK "int n: fs null", vi_segs+8, $0
    CHECK "int n: gs null", vi_segs+12, $0
    movl $v86_int+5, %eax           /* after MOV AX, imm16 and INT imm8 */
    CHECK "int n: saved eip", vi_frame, %eax
    CHECK "int n: saved cs", vi_frame+4, $0
    movl vi_frame+8, %eax
    andl $EFL_CHECKED, %eax
    CHECK "int n: saved eflags", %eax, $(EFL_VM | EFL_IOPL3)
    CHECK "int n: saved esp", vi_frame+12, $RM_STACK_TOP
    CHECK "int n: saved ss", vi_frame+16, $0
    CHECK "int n: saved es", vi_frame+20, $V86_ES
    CHECK "int n: saved ds", vi_frame+24, $V86_DS
    CHECK "int n: saved fs", vi_frame+28, $V86_FS
    CHECK "int n: saved gs", vi_frame+32, $V86_GS
    movzwl vi_ax, %eax
    CHECK "int n: back in vm86 with the handler's ax", %eax, $0x4040
    movzwl vi_ds, %eax
    CHECK "int n: back in vm86: ds restored", %eax, $V86_DS
    CHECK "int n: the run ended at its ud2", v86_frame, $v86_int_exit
    END_CHECKS "int n from vm86"

    /* ---- IOPL 0: the IOPL-sensitive instructions fault ---- */
    movl $FL_RESERVED1, v86_eflags
    PROBE_GP "cli (iopl 0)", p_cli
    PROBE_GP "sti (iopl 0)", p_sti
    PROBE_GP "pushf (iopl 0)", p_pushf
    PROBE_GP "popf (iopl 0)", p_popf
    PROBE_GP "int n (iopl 0)", p_int
    PROBE_GP "iret (iopl 0)", p_iret
    PROBE_GP "hlt (iopl 0)", p_hlt
    PROBE_GP "int3 (gate dpl 0)", p_int3, IDT_ERR(VEC_BP)
    PROBE_OK "in al, 0xe9 (bitmap allows)", p_in_ok
    PROBE_GP "in al, 0x61 (bitmap denies)", p_in_denied
    END_CHECKS "iopl 0 in vm86"

    /* ---- IOPL 3: they work ---- */
    movl $(EFL_IOPL3 | EFL_IF | FL_RESERVED1), v86_eflags
    PROBE_OK "cli (iopl 3)", p_cli
    movl v86_frame+8, %eax
    andl $EFL_IF, %eax
    CHECK "cli (iopl 3): IF clear", %eax, $0
    movl $(EFL_IOPL3 | FL_RESERVED1), v86_eflags
    PROBE_OK "sti (iopl 3)", p_sti
    movl v86_frame+8, %eax
    andl $EFL_IF, %eax
    CHECK "sti (iopl 3): IF set", %eax, $EFL_IF
    PROBE_OK "pushf (iopl 3)", p_pushf
    PROBE_OK "int n (iopl 3)", p_int
    PROBE_OK "popf: IOPL 0, IF 1 in the image (iopl 3)", p_popf_iopl
    movl v86_frame+8, %eax
    andl $(EFL_IOPL3 | EFL_IF | EFL_VM), %eax
    CHECK "popf (iopl 3): IF set, IOPL and VM kept", %eax, $(EFL_IOPL3 | EFL_IF | EFL_VM)
    PROBE_OK "real-mode iret in vm86 (iopl 3)", p_iret_v86
    PROBE_GP "hlt (iopl 3)", p_hlt
    PROBE_GP "int n, gate dpl 0 (iopl 3)", p_int_dpl0, IDT_ERR(VEC_DPL0)
    PROBE_GP "in al, 0x61 (iopl 3, bitmap denies)", p_in_denied
    PROBE_GP "out 0x61, al (iopl 3, bitmap denies)", p_out_denied
    END_CHECKS "iopl 3 in vm86"

    /* ---- POPF at CPL 0 does not set VM ---- */
    pushfl
    pushl $(EFL_VM | FL_RESERVED1)
    popfl
    pushfl
    popl fl_got
    popfl
    movl fl_got, %eax
    andl $EFL_VM, %eax
    CHECK "popf at cpl 0: VM stays 0", %eax, $0
    END_CHECKS "protected mode"
FINISH

    .section .note.GNU-stack, "", @progbits
