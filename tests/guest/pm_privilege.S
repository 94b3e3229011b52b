/* Privilege levels with the test's own GDT, TSS and gates (lib/sys.S):
 * entering CPL 3 by IRET and coming back through a DPL-3 interrupt gate
 * (the stack switch to TSS.SS0:ESP0); a 32-bit call gate with two
 * parameters from CPL 3 to CPL 0 (the new stack: return CS:EIP, the copied
 * parameters, the old SS:ESP) and RET imm16 back, which nulls DS/ES/FS/GS
 * holding a segment with DPL < 3 but keeps DPL-3 data and conforming code;
 * interrupt and trap gates from CPL 3 (frame, IF, IRET to CPL 3, nulling);
 * privileged instructions at CPL 3 -> #GP(0) (and RDTSC with CR4.TSD),
 * gate DPL checks for INT n, INT3 and INTO (#GP with the IDT error code),
 * JMP through a call gate to CPL 0; I/O at CPL 3 through the TSS I/O bitmap (including a 16-bit access
 * half inside it) and with IOPL 3; POPF not changing IOPL or IF; segment
 * loads and their DPL/RPL/type checks at CPL 3 and CPL 0; LAR, LSL, VERR,
 * VERW at CPL 0 and CPL 3 on code, data, conforming, system descriptors
 * and gates; ARPL. The check framework itself runs at CPL 3 too: the TSS
 * lets CPL 3 use the debug console port.
 *
 * Not checked: #GP from MSRs that do not exist (QEMU 7.2 TCG reads them as
 * 0), RDPMC, the access-rights bits 19:16 of LAR (SDM: "00FxFF00H";
 * compared masked).
 * Reference: SDM vol. 3A, 5.5-5.10 (privilege checks, call gates,
 * returning to outer levels), 6.12.1, 18.5 (I/O protection); vol. 2, LAR,
 * LSL, VERR/VERW, ARPL, MOV (segment loads), POPF.
 *
 * jitpc-expect-output: cpl 3: 11 checks ok\n
 * jitpc-expect-output: call gate: 16 checks ok\n
 * jitpc-expect-output: interrupt/trap gates: 13 checks ok\n
 * jitpc-expect-output: privileged instructions at cpl 3: 149 checks ok\n
 * jitpc-expect-output: segment loads at cpl 3: 52 checks ok\n
 * jitpc-expect-output: lar/lsl/verr/verw at cpl 3: 14 checks ok\n
 * jitpc-expect-output: iopl 3 at cpl 3: 13 checks ok\n
 * jitpc-expect-output: segment loads at cpl 0: 17 checks ok\n
 * jitpc-expect-output: lar/lsl/verr/verw at cpl 0: 26 checks ok\n
 * jitpc-expect-output: arpl: 4 checks ok\n
 * jitpc-expect-output: total: 315 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "sys.h"

#define SEL_CALLGATE3 0x58                      /* DPL 3 -> cg_target, 2 parameters */
#define SEL_CALLGATE0 0x60                      /* DPL 0 -> cg_target */
#define SEL_CONF0 0x68                          /* conforming readable code, DPL 0 */
#define SEL_XONLY3 0x70                         /* execute-only code, DPL 3 */
#define SEL_RO3 0x78                            /* read-only data, DPL 3 */
#define SEL_DATA1 0x80                          /* data, DPL 1 */
#define SEL_NP3 0x88                            /* data, DPL 3, not present */
/* For LAR/LSL/VERR/VERW only (never loaded; accessed bit preset). */
#define L_CODE3 0x90                            /* code XR DPL 3, G, limit 4 GiB */
#define L_DATA0 0x98                            /* data RW DPL 0, limit 0x12345 */
#define L_CONF0 0xa0                            /* conforming code DPL 0, G, limit 0x1fff */
#define L_XONLY0 0xa8                           /* execute-only code DPL 0 */
#define L_RO3 0xb0                              /* read-only data DPL 3, limit 0xfff */
#define L_GATE3 0xb8                            /* call gate DPL 3, offset 0 */
#define L_INTGATE 0xc0                          /* an interrupt gate: invalid in the GDT */
#define L_LDT 0xc8                              /* LDT, limit 0xf */
#define BAD_SELECTOR 0x0ff8
/* (literal values: row arguments must not contain blanks; SYS_SEL_FREE = 0x58) */

#define VEC_IG3 0x82                /* DPL-3 interrupt gate */
#define VEC_TG3 0x83                /* DPL-3 trap gate */
#define VEC_IG0 0x84                /* DPL-0 interrupt gate */
#define LARM 0x00f0ff00             /* access rights compared (see the top) */

    .data
    .balign 4
r3_cs:      .long 0
r3_ss:      .long 0
r3_ds:      .long 0
r3_esp:     .long 0
r3_word:    .long 0
cg_esp:     .long 0                 /* ESP on entry to cg_target */
cg_cs:      .long 0
cg_ss:      .long 0
cg_frame:   .fill 6, 4, 0
cg_before:  .long 0                 /* CPL-3 ESP before pushing the parameters */
cg_after:   .long 0
cg_seg:     .fill 6, 4, 0           /* CS DS ES FS GS SS after the return */
ig_esp:     .fill 2, 4, 0           /* per gate (0: interrupt, 1: trap) */
ig_frame:   .fill 10, 4, 0
ig_live:    .fill 2, 4, 0
ig_ds:      .fill 2, 4, 0
ig_r3_esp:  .long 0
ig_es:      .fill 2, 4, 0           /* ES at CPL 3 after each IRET */
gdtr_copy:  .word 0
            .long 0
idtr_copy:  .word 0
            .long 0
cr0_copy:   .long 0
seg_got:    .long 0
fl_got:     .long 0

    .text
/* ---- CPL-3 code and the CPL-0 targets it reaches ---- */
r3_basic:
    movw %cs, r3_cs
    movw %ss, r3_ss
    movw %ds, r3_ds
    movl %esp, r3_esp
    movl $0x600dd00d, r3_word
    movl r3_word, %eax
    int $SYS_VEC_RING0
r3_basic_back:

r3_callgate:
    movl %esp, cg_before
    pushl $0x11111111
    pushl $0x22222222
    lcall $(SEL_CALLGATE3 | 3), $0
cg_ret:
    movl %esp, cg_after
    movw %cs, cg_seg
    movw %ds, cg_seg+4
    movw %es, cg_seg+8
    movw %fs, cg_seg+12
    movw %gs, cg_seg+16
    movw %ss, cg_seg+20
    int $SYS_VEC_RING0

cg_target:                          /* CPL 0, DS still the CPL-3 data segment */
    movl %esp, cg_esp
    movw %cs, cg_cs
    movw %ss, cg_ss
    movl (%esp), %eax
    movl %eax, cg_frame
    movl 4(%esp), %eax
    movl %eax, cg_frame+4
    movl 8(%esp), %eax
    movl %eax, cg_frame+8
    movl 12(%esp), %eax
    movl %eax, cg_frame+12
    movl 16(%esp), %eax
    movl %eax, cg_frame+16
    movl 20(%esp), %eax
    movl %eax, cg_frame+20
    movw $SEL_DATA32, %ax           /* DPL 0: nulled by the return */
    movw %ax, %es
    movw $SYS_SEL_DATA3, %ax        /* DPL 3: kept */
    movw %ax, %fs
    movw $SEL_CONF0, %ax            /* conforming code: kept */
    movw %ax, %gs
    lret $8

r3_gates:
    movl %esp, ig_r3_esp
    int $VEC_IG3
ig_ret0:
    movw %es, ig_es
    movw $SYS_SEL_DATA3, %ax
    movw %ax, %es
    int $VEC_TG3
ig_ret1:
    movw %es, ig_es+4
    movw $SYS_SEL_DATA3, %ax
    movw %ax, %es
    int $SYS_VEC_RING0

/* The handlers of VEC_IG3 (n = 0) and VEC_TG3 (n = 1). */
    .macro GATE_HANDLER n
ig_handler\n:
    movl %esp, ig_esp+4*\n
    pushfl
    popl ig_live+4*\n
    movw %ds, ig_ds+4*\n
    pushl %eax
    movl 4(%esp), %eax
    movl %eax, ig_frame+20*\n
    movl 8(%esp), %eax
    movl %eax, ig_frame+20*\n+4
    movl 12(%esp), %eax
    movl %eax, ig_frame+20*\n+8
    movl 16(%esp), %eax
    movl %eax, ig_frame+20*\n+12
    movl 20(%esp), %eax
    movl %eax, ig_frame+20*\n+16
    movw $SEL_DATA32, %ax           /* DPL 0: IRET to CPL 3 nulls it */
    movw %ax, %es
    popl %eax
    iretl
    .endm
    GATE_HANDLER 0
    GATE_HANDLER 1

/* CPL 3, IOPL 0: privileged and IOPL-sensitive instructions, gates. */
r3_priv:
    FAULT "cli", VEC_GP, 0, cli
    FAULT "sti", VEC_GP, 0, sti
    FAULT "hlt", VEC_GP, 0, hlt
    FAULT "lgdt", VEC_GP, 0, lgdt gdtr_copy
    FAULT "lidt", VEC_GP, 0, lidt idtr_copy
    movw $SYS_SEL_TSS, %ax
    FAULT "ltr", VEC_GP, 0, ltr %ax
    xorl %eax, %eax
    FAULT "lldt", VEC_GP, 0, lldt %ax
    movl cr0_copy, %eax
    FAULT "mov cr0, eax", VEC_GP, 0, movl %eax, %cr0
    FAULT "mov eax, cr0", VEC_GP, 0, movl %cr0, %eax
    FAULT "mov eax, cr3", VEC_GP, 0, movl %cr3, %eax
    FAULT "mov eax, dr7", VEC_GP, 0, movl %dr7, %eax
    FAULT "lmsw", VEC_GP, 0, lmsw %ax
    FAULT "clts", VEC_GP, 0, clts
    FAULT "invlpg", VEC_GP, 0, invlpg r3_word
    FAULT "wbinvd", VEC_GP, 0, wbinvd
    FAULT "rdtsc (cr4.tsd = 1)", VEC_GP, 0, rdtsc
    movl $0x10, %ecx                /* IA32_TIME_STAMP_COUNTER */
    FAULT "rdmsr", VEC_GP, 0, rdmsr
    FAULT "wrmsr", VEC_GP, 0, wrmsr
    FAULT "in al, 0x60 (not in the bitmap)", VEC_GP, 0, inb $0x60, %al
    FAULT "out 0x61, al", VEC_GP, 0, outb %al, $0x61
    movl $0x1f0, %edx
    FAULT "in ax, dx", VEC_GP, 0, inw %dx, %ax
    FAULT "in ax, 0xe9 (0xea not in the bitmap)", VEC_GP, 0, inw $0xe9, %ax
    NOFAULT "in al, 0xe9 (in the bitmap)", inb $0xe9, %al
    movzbl %al, %eax
    CHECK "in al, 0xe9: value", %eax, $0xe9
    NOFAULT "out 0x80, al", outb %al, $0x80
    /* POPF at CPL 3 with IOPL 0 changes neither IOPL nor IF, silently. */
    pushfl
    pushl $(EFL_IOPL3 | EFL_IF | CF | FL_RESERVED1)
    NOFAULT "popf", popfl
    pushfl
    popl fl_got
    popfl
    movl fl_got, %eax
    andl $(EFL_IOPL3 | EFL_IF | CF), %eax
    CHECK "popf: only CF changed", %eax, $CF
    NOFAULT "smsw", smsw %ax
    NOFAULT "sgdt", sgdt gdtr_copy
    NOFAULT "str", str %ax
    movzwl %ax, %eax
    CHECK "str at cpl 3", %eax, $SYS_SEL_TSS
    /* Gate DPL checks: INT n, INT3 and INTO are software interrupts. */
    FAULT "int n, gate dpl 0", VEC_GP, IDT_ERR(VEC_IG0), int $VEC_IG0
    FAULT "int3, gate dpl 0", VEC_GP, IDT_ERR(VEC_BP), int3
    movl $0x7fffffff, %eax
    addl $1, %eax                   /* OF = 1 */
    FAULT "into, gate dpl 0", VEC_GP, IDT_ERR(VEC_OF), into
    FAULT "ud2 (an exception: gate dpl ignored)", VEC_UD, 0, ud2
    FAULT "call gate dpl 0", VEC_GP, SEL_CALLGATE0, lcall $(SEL_CALLGATE0 | 3), $0
    FAULT "jmp through a call gate to cpl 0", VEC_GP, SEL_CODE32, ljmp $(SEL_CALLGATE3 | 3), $0
    END_CHECKS "privileged instructions at cpl 3"

    /* Segment loads at CPL 3: max(CPL, RPL) <= DPL for data, DPL = CPL =
     * RPL for SS, readable code is data, conforming code has no DPL check. */
    movw $SEL_DATA32, %ax
    FAULT "mov ds, dpl 0 data", VEC_GP, SEL_DATA32, movw %ax, %ds
    movw $(SEL_DATA1 | 3), %ax
    FAULT "mov es, dpl 1 data", VEC_GP, SEL_DATA1, movw %ax, %es
    movw $(SEL_XONLY3 | 3), %ax
    FAULT "mov fs, execute-only code", VEC_GP, SEL_XONLY3, movw %ax, %fs
    movw $SYS_SEL_TSS, %ax
    FAULT "mov gs, tss", VEC_GP, SYS_SEL_TSS, movw %ax, %gs
    movw $BAD_SELECTOR, %ax
    FAULT "mov gs, beyond the gdt", VEC_GP, BAD_SELECTOR, movw %ax, %gs
    movw $(SEL_NP3 | 3), %ax
    FAULT "mov es, not present", VEC_NP, SEL_NP3, movw %ax, %es
    movw $(SYS_SEL_DATA3 & ~3), %ax
    FAULT "mov ss, rpl 0", VEC_GP, SYS_SEL_DATA3 & ~3, movw %ax, %ss
    movw $(SEL_RO3 | 3), %ax
    FAULT "mov ss, read-only", VEC_GP, SEL_RO3, movw %ax, %ss
    xorl %eax, %eax
    FAULT "mov ss, null", VEC_GP, 0, movw %ax, %ss
    movw $(SYS_SEL_DATA3 & ~3), %ax
    NOFAULT "mov es, dpl 3 data with rpl 0", movw %ax, %es
    movw %es, seg_got
    CHECK "es = the selector loaded", seg_got, $(SYS_SEL_DATA3 & ~3)
    movw $SYS_SEL_CODE3, %ax
    NOFAULT "mov fs, readable code", movw %ax, %fs
    movw $(SEL_CONF0 | 3), %ax
    NOFAULT "mov gs, conforming code dpl 0", movw %ax, %gs
    movw $(SEL_RO3 | 3), %ax
    NOFAULT "mov es, read-only data", movw %ax, %es
    xorl %eax, %eax
    NOFAULT "mov fs, null", movw %ax, %fs
    movw %fs, seg_got
    CHECK "fs = null", seg_got, $0
    movw $SYS_SEL_DATA3, %ax
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    END_CHECKS "segment loads at cpl 3"
    RUN_GROUP lar3, "lar/lsl/verr/verw at cpl 3"
    int $SYS_VEC_RING0

/* CPL 3 with IOPL 3: CLI, STI, IN and OUT work; POPF changes IF. */
r3_iopl3:
    NOFAULT "cli (iopl 3)", cli
    pushfl
    popl fl_got
    movl fl_got, %eax
    andl $EFL_IF, %eax
    CHECK "cli (iopl 3): IF clear", %eax, $0
    NOFAULT "sti (iopl 3)", sti
    pushfl
    popl fl_got
    movl fl_got, %eax
    andl $EFL_IF, %eax
    CHECK "sti (iopl 3): IF set", %eax, $EFL_IF
    NOFAULT "in al, 0x61 (iopl 3)", inb $0x61, %al
    NOFAULT "in ax, 0xe9 (iopl 3)", inw $0xe9, %ax
    pushl $FL_RESERVED1             /* IF = 0, IOPL = 0: POPF may clear IF but not IOPL */
    NOFAULT "popf (iopl 3)", popfl
    pushfl
    popl fl_got
    movl fl_got, %eax
    andl $(EFL_IOPL3 | EFL_IF), %eax
    CHECK "popf (iopl 3): IF cleared, IOPL kept", %eax, $EFL_IOPL3
    FAULT "hlt (iopl 3)", VEC_GP, 0, hlt
    END_CHECKS "iopl 3 at cpl 3"
    int $SYS_VEC_RING0

/* ---- rows: LAR LSL VERR VERW ARPL ---- */
#define LAR "larl %ebx, %eax; setz %cl; andl $lar_mask, %eax"
#define LSL "lsll %ebx, %eax; setz %cl"
#define VERR "verr %bx; setz %cl"
#define VERW "verw %bx; setz %cl"
#define KEEP 0x12345678             /* EAX when the instruction fails */
#define KEEPM 0x00305600           /* KEEP & LARM */
    .set lar_mask, LARM
GROUP lar0
/* LAR: the access rights of segments, TSS, LDT, call gates; not of
 * interrupt gates, the null selector or selectors beyond the limit. */
R4 LAR, KEEP, L_CODE3, 0, 0, 0, 0x00c0fb00, L_CODE3, 1, 0, 0, 0
R4 LAR, KEEP, L_DATA0, 0, 0, 0, 0x00409300, L_DATA0, 1, 0, 0, 0
R4 LAR, KEEP, L_CONF0|3, 0, 0, 0, 0x00809f00, L_CONF0|3, 1, 0, 0, 0
R4 LAR, KEEP, SYS_SEL_TSS, 0, 0, 0, 0x00008b00, SYS_SEL_TSS, 1, 0, 0, 0
R4 LAR, KEEP, L_LDT, 0, 0, 0, 0x00008200, L_LDT, 1, 0, 0, 0
R4 LAR, KEEP, L_GATE3, 0, 0, 0, 0x0000ec00, L_GATE3, 1, 0, 0, 0
R4 LAR, KEEP, L_DATA0|3, 0, 0, 0, KEEPM, L_DATA0|3, 0, 0, 0, 0
R4 LAR, KEEP, L_INTGATE, 0, 0, 0, KEEPM, L_INTGATE, 0, 0, 0, 0
R4 LAR, KEEP, 0, 0, 0, 0, KEEPM, 0, 0, 0, 0, 0
R4 LAR, KEEP, BAD_SELECTOR, 0, 0, 0, KEEPM, BAD_SELECTOR, 0, 0, 0, 0
/* LSL: the byte limit (scaled by G); no limit for gates. */
R4 LSL, KEEP, L_CODE3, 0, 0, 0, 0xffffffff, L_CODE3, 1, 0, 0, 0
R4 LSL, KEEP, L_DATA0, 0, 0, 0, 0x00012345, L_DATA0, 1, 0, 0, 0
R4 LSL, KEEP, L_CONF0, 0, 0, 0, 0x00001fff, L_CONF0, 1, 0, 0, 0
R4 LSL, KEEP, SYS_SEL_TSS, 0, 0, 0, 0x00002068, SYS_SEL_TSS, 1, 0, 0, 0
R4 LSL, KEEP, L_LDT, 0, 0, 0, 0x0000000f, L_LDT, 1, 0, 0, 0
R4 LSL, KEEP, L_GATE3, 0, 0, 0, KEEP, L_GATE3, 0, 0, 0, 0
R4 LSL, KEEP, 0, 0, 0, 0, KEEP, 0, 0, 0, 0, 0
/* VERR/VERW: readable / writable data or code at this CPL and RPL. */
R4 VERR, 0, L_CODE3, 0, 0, 0, 0, L_CODE3, 1, 0, 0, 0
R4 VERR, 0, L_XONLY0, 0, 0, 0, 0, L_XONLY0, 0, 0, 0, 0
R4 VERR, 0, L_RO3, 0, 0, 0, 0, L_RO3, 1, 0, 0, 0
R4 VERR, 0, SYS_SEL_TSS, 0, 0, 0, 0, SYS_SEL_TSS, 0, 0, 0, 0
R4 VERR, 0, L_DATA0|3, 0, 0, 0, 0, L_DATA0|3, 0, 0, 0, 0
R4 VERW, 0, L_DATA0, 0, 0, 0, 0, L_DATA0, 1, 0, 0, 0
R4 VERW, 0, L_RO3, 0, 0, 0, 0, L_RO3, 0, 0, 0, 0
R4 VERW, 0, L_CODE3, 0, 0, 0, 0, L_CODE3, 0, 0, 0, 0
R4 VERW, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
END_GROUP lar0

GROUP lar3
R4 LAR, KEEP, L_CODE3|3, 0, 0, 0, 0x00c0fb00, L_CODE3|3, 1, 0, 0, 0
R4 LAR, KEEP, L_DATA0|3, 0, 0, 0, KEEPM, L_DATA0|3, 0, 0, 0, 0
R4 LAR, KEEP, L_CONF0|3, 0, 0, 0, 0x00809f00, L_CONF0|3, 1, 0, 0, 0
R4 LAR, KEEP, SYS_SEL_TSS|3, 0, 0, 0, KEEPM, SYS_SEL_TSS|3, 0, 0, 0, 0
R4 LAR, KEEP, L_GATE3|3, 0, 0, 0, 0x0000ec00, L_GATE3|3, 1, 0, 0, 0
R4 LSL, KEEP, L_RO3|3, 0, 0, 0, 0x00000fff, L_RO3|3, 1, 0, 0, 0
R4 LSL, KEEP, L_DATA0|3, 0, 0, 0, KEEP, L_DATA0|3, 0, 0, 0, 0
R4 LSL, KEEP, L_CONF0|3, 0, 0, 0, 0x00001fff, L_CONF0|3, 1, 0, 0, 0
R4 VERR, 0, L_CODE3|3, 0, 0, 0, 0, L_CODE3|3, 1, 0, 0, 0
R4 VERR, 0, L_CONF0|3, 0, 0, 0, 0, L_CONF0|3, 1, 0, 0, 0
R4 VERR, 0, L_DATA0|3, 0, 0, 0, 0, L_DATA0|3, 0, 0, 0, 0
R4 VERW, 0, L_RO3|3, 0, 0, 0, 0, L_RO3|3, 0, 0, 0, 0
R4 VERW, 0, SYS_SEL_DATA3, 0, 0, 0, 0, SYS_SEL_DATA3, 1, 0, 0, 0
R4 VERW, 0, L_DATA0, 0, 0, 0, 0, L_DATA0, 0, 0, 0, 0
END_GROUP lar3

/* ARPL: raise the destination's RPL to the source's (ZF = 1), or leave it
 * (ZF = 0); the upper half of a 32-bit register is kept. */
GROUP arpl
R4 "arpl %bx, %ax", 0xabcd0010, 0x0043, 0, 0, 0, 0xabcd0013, 0x0043, 0, 0, ZF, ZF
R4 "arpl %bx, %ax", 0xabcd0013, 0x0041, 0, 0, ZF, 0xabcd0013, 0x0041, 0, 0, 0, ZF
R4 "arpl %bx, %ax", 0xabcd0012, 0x0042, 0, 0, ZF, 0xabcd0012, 0x0042, 0, 0, 0, ZF
R4 "movw %ax, chk_mem; arpl %bx, chk_mem; movw chk_mem, %cx", 0x0048, 0x0002, 0, 0, 0, 0x0048, 0x0002, 0x004a, 0, ZF, ZF
END_GROUP arpl

TEST_MAIN
    call sys_init
    sgdt gdtr_copy
    sidt idtr_copy
    movl %cr0, %eax
    movl %eax, cr0_copy
    /* Descriptors. */
    movl $SEL_CALLGATE3, %eax
    movl $cg_target, %ebx
    movl $SEL_CODE32, %ecx
    movl $(ACC_CALLGATE32 | DPL(3) | (2 << 8)), %edx
    call sys_set_gdt_gate
    movl $SEL_CALLGATE0, %eax
    movl $(ACC_CALLGATE32 | (2 << 8)), %edx
    call sys_set_gdt_gate
    movl $L_GATE3, %eax
    xorl %ebx, %ebx
    movl $(ACC_CALLGATE32 | DPL(3) | (3 << 8)), %edx
    call sys_set_gdt_gate
    movl $L_INTGATE, %eax
    movl $ACC_INTGATE32, %edx
    call sys_set_gdt_gate
    movl $SEL_CONF0, %eax
    xorl %ebx, %ebx
    movl $0xfffff, %ecx
    movl $(SEG_G | SEG_32 | ACC_CODE_CONF_XR), %edx
    call sys_set_seg
    movl $SEL_XONLY3, %eax
    movl $(SEG_G | SEG_32 | ACC_CODE_X | DPL(3)), %edx
    call sys_set_seg
    movl $SEL_RO3, %eax
    movl $(SEG_G | SEG_32 | ACC_DATA_RO | DPL(3)), %edx
    call sys_set_seg
    movl $SEL_DATA1, %eax
    movl $(SEG_G | SEG_32 | ACC_DATA_RW | DPL(1)), %edx
    call sys_set_seg
    movl $SEL_NP3, %eax
    movl $(SEG_G | SEG_32 | ((ACC_DATA_RW | DPL(3)) ^ ACC_NP)), %edx
    call sys_set_seg
    movl $L_CODE3, %eax
    movl $(SEG_G | SEG_32 | ACC_CODE_XR | DPL(3) | 1), %edx
    call sys_set_seg
    movl $L_DATA0, %eax
    movl $0x12345, %ecx
    movl $(SEG_32 | ACC_DATA_RW | 1), %edx
    call sys_set_seg
    movl $L_CONF0, %eax
    movl $1, %ecx
    movl $(SEG_G | ACC_CODE_CONF_XR | 1), %edx
    call sys_set_seg
    movl $L_XONLY0, %eax
    movl $0xffff, %ecx
    movl $(ACC_CODE_X | 1), %edx
    call sys_set_seg
    movl $L_RO3, %eax
    movl $0xfff, %ecx
    movl $(ACC_DATA_RO | DPL(3) | 1), %edx
    call sys_set_seg
    movl $L_LDT, %eax
    movl $0xf, %ecx
    movl $ACC_LDT, %edx
    call sys_set_seg
    /* IDT gates. */
    movl $VEC_IG3, %eax
    movl $ig_handler0, %ebx
    movl $SEL_CODE32, %ecx
    movl $(ACC_INTGATE32 | DPL(3)), %edx
    call sys_set_idt
    movl $VEC_TG3, %eax
    movl $ig_handler1, %ebx
    movl $(ACC_TRAPGATE32 | DPL(3)), %edx
    call sys_set_idt
    movl $VEC_IG0, %eax
    movl $ig_handler0, %ebx
    movl $ACC_INTGATE32, %edx
    call sys_set_idt

    /* ---- CPL 3 by IRET, back through a DPL-3 gate ---- */
    movl $r3_basic, %eax
    call sys_ring3_call
    CHECK "cpl 3: cs", r3_cs, $SYS_SEL_CODE3
    CHECK "cpl 3: ss", r3_ss, $SYS_SEL_DATA3
    CHECK "cpl 3: ds", r3_ds, $SYS_SEL_DATA3
    CHECK "cpl 3: esp", r3_esp, $sys_r3_stack_top
    CHECK "cpl 3: memory", %eax, $0x600dd00d
    CHECK "back: saved eip", sys_r3_frame, $r3_basic_back
    CHECK "back: saved cs", sys_r3_frame+4, $SYS_SEL_CODE3
    CHECK "back: saved esp", sys_r3_frame+12, $sys_r3_stack_top
    CHECK "back: saved ss", sys_r3_frame+16, $SYS_SEL_DATA3
    movl sys_r3_frame+8, %eax
    andl $EFL_CHECKED, %eax
    CHECK "back: saved eflags", %eax, $0
    movl sys_r0_esp, %eax
    subl $20, %eax
    CHECK "back: the frame is below TSS.ESP0", sys_r3_gate_esp, %eax
    END_CHECKS "cpl 3"

    /* ---- call gate with two parameters, RET imm16 to CPL 3 ---- */
    movl $r3_callgate, %eax
    call sys_ring3_call
    movl sys_r0_esp, %eax
    subl $24, %eax
    CHECK "call gate: the new stack is below TSS.ESP0", cg_esp, %eax
    CHECK "call gate: cs", cg_cs, $SEL_CODE32
    CHECK "call gate: ss = TSS.SS0", cg_ss, $SEL_DATA32
    CHECK "call gate: return eip", cg_frame, $cg_ret
    CHECK "call gate: return cs", cg_frame+4, $SYS_SEL_CODE3
    CHECK "call gate: parameter 2 (last pushed)", cg_frame+8, $0x22222222
    CHECK "call gate: parameter 1", cg_frame+12, $0x11111111
    movl cg_before, %eax
    subl $8, %eax
    CHECK "call gate: old esp", cg_frame+16, %eax
    CHECK "call gate: old ss", cg_frame+20, $SYS_SEL_DATA3
    CHECK "ret 8: esp (parameters popped)", cg_after, cg_before
    CHECK "ret 8: cs", cg_seg, $SYS_SEL_CODE3
    CHECK "ret 8: ds (dpl 3) kept", cg_seg+4, $SYS_SEL_DATA3
    CHECK "ret 8: es (dpl 0) nulled", cg_seg+8, $0
    CHECK "ret 8: fs (dpl 3) kept", cg_seg+12, $SYS_SEL_DATA3
    CHECK "ret 8: gs (conforming code) kept", cg_seg+16, $SEL_CONF0
    CHECK "ret 8: ss", cg_seg+20, $SYS_SEL_DATA3
    END_CHECKS "call gate"

    /* ---- interrupt and trap gates from CPL 3, IRET back ---- */
    movl $(EFL_IF | FL_RESERVED1), sys_r3_eflags
    movl $r3_gates, %eax
    call sys_ring3_call
    movl $FL_RESERVED1, sys_r3_eflags
    movl sys_r0_esp, %eax
    subl $20, %eax
    CHECK "int gate: the frame is below TSS.ESP0", ig_esp, %eax
    CHECK "int gate: saved eip", ig_frame, $ig_ret0
    CHECK "int gate: saved cs", ig_frame+4, $SYS_SEL_CODE3
    movl ig_frame+8, %eax
    andl $EFL_CHECKED, %eax
    CHECK "int gate: saved eflags", %eax, $EFL_IF
    CHECK "int gate: saved esp", ig_frame+12, ig_r3_esp
    CHECK "int gate: saved ss", ig_frame+16, $SYS_SEL_DATA3
    movl ig_live, %eax
    andl $(EFL_IF | EFL_TF | EFL_NT | EFL_VM), %eax
    CHECK "int gate: IF, TF, NT, VM clear in the handler", %eax, $0
    CHECK "int gate: ds kept", ig_ds, $SYS_SEL_DATA3
    CHECK "iret to cpl 3: es (dpl 0) nulled", ig_es, $0
    movl sys_r0_esp, %eax
    subl $20, %eax
    CHECK "trap gate: the frame is below TSS.ESP0", ig_esp+4, %eax
    CHECK "trap gate: saved eip", ig_frame+20, $ig_ret1
    movl ig_live+4, %eax
    andl $(EFL_IF | EFL_TF | EFL_NT | EFL_VM), %eax
    CHECK "trap gate: IF kept in the handler", %eax, $EFL_IF
    CHECK "iret to cpl 3 (trap gate): es nulled", ig_es+4, $0
    END_CHECKS "interrupt/trap gates"

    /* ---- at CPL 3 (IOPL 0): privileged instructions, segment loads, LAR ---- */
    movl %cr4, %eax
    orl $CR4_TSD, %eax
    movl %eax, %cr4
    movl $r3_priv, %eax
    call sys_ring3_call
    movl %cr4, %eax
    andl $~CR4_TSD, %eax
    movl %eax, %cr4
    movl $(EFL_IOPL3 | FL_RESERVED1), sys_r3_eflags
    movl $r3_iopl3, %eax
    call sys_ring3_call
    movl $FL_RESERVED1, sys_r3_eflags

    /* ---- segment loads at CPL 0 ---- */
    movw $(SEL_DATA32 | 3), %ax
    FAULT "cpl 0: mov ds, rpl 3 > dpl 0", VEC_GP, SEL_DATA32, movw %ax, %ds
    movw $SYS_SEL_DATA3, %ax
    FAULT "cpl 0: mov ss, dpl 3", VEC_GP, SYS_SEL_DATA3 & ~3, movw %ax, %ss
    movw $SEL_DATA1, %ax
    FAULT "cpl 0: mov ss, dpl 1", VEC_GP, SEL_DATA1, movw %ax, %ss
    movw $SYS_SEL_DATA3, %ax
    NOFAULT "cpl 0: mov es, dpl 3", movw %ax, %es
    movw $SEL_DATA1, %ax
    NOFAULT "cpl 0: mov fs, dpl 1", movw %ax, %fs
    movw $SEL_DATA32, %ax
    movw %ax, %es
    movw %ax, %fs
    END_CHECKS "segment loads at cpl 0"
    RUN_GROUP lar0, "lar/lsl/verr/verw at cpl 0"
    RUN_GROUP arpl, "arpl"
FINISH

    .section .note.GNU-stack, "", @progbits
