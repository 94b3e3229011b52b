/* Debug exceptions (#DB) and the debug registers: execution breakpoints
 * in DR0-DR3 (a fault before the instruction runs, DR6.Bn, resumed with
 * EFLAGS.RF set in the handler's frame; RF lasts one instruction, so a
 * breakpoint in a loop hits on every pass; a disabled breakpoint never
 * hits); data breakpoints (a trap after the access: write-only and
 * read/write, 1- and 4-byte lengths, overlapping and neighbouring
 * accesses); I/O breakpoints (CR4.DE, RW = 10); single-step with TF over
 * several instructions and a jump, counting the traps and their EIPs
 * (DR6.BS), with PUSHF seeing TF, and MOV SS holding the trap back by one
 * instruction; CR4.DE (DR4/DR5 alias DR6/DR7 when clear, #UD when set);
 * the fixed bits of DR6 and DR7.
 *
 * Not checked, because QEMU 7.2 TCG disagrees with the SDM: DR7.GD (a MOV
 * DR with GD set must fault with DR6.BD and the processor must clear GD for
 * the handler, SDM 17.2.4; QEMU ignores GD); ICEBP (F1: a #DB trap; QEMU
 * raises #UD, see pm_vectors.S); the RF bit P6 and later processors set in
 * the EFLAGS image saved for faults other than instruction breakpoints
 * (SDM 17.3.1.1; QEMU leaves it clear). Not checked either: task-switch (T)
 * traps, breakpoints in other tasks.
 * Reference: SDM vol. 3A, chapter 17 (17.2 debug registers, 17.3 debug
 * exceptions, table 17-2), 2.5 (CR4.DE).
 *
 * jitpc-expect-output: instruction breakpoints: 23 checks ok\n
 * jitpc-expect-output: data breakpoints: 12 checks ok\n
 * jitpc-expect-output: i/o breakpoints: 4 checks ok\n
 * jitpc-expect-output: single-step: 15 checks ok\n
 * jitpc-expect-output: cr4.de, fixed bits: 9 checks ok\n
 * jitpc-expect-output: total: 63 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "sys.h"

#define DR6_B(n) (1<<(n))
#define DR6_BD 0x2000
#define DR6_BS 0x4000
#define DR6_STATUS (DR6_BS|DR6_BD|0xf)
#define DR7_L(n) (1<<((n)*2))
#define DR7_LE 0x100
#define DR7_GD 0x2000
#define DR7_RW_X 0                  /* instruction */
#define DR7_RW_W 1                  /* data writes */
#define DR7_RW_IO 2                 /* I/O (CR4.DE) */
#define DR7_RW_RW 3                 /* data reads and writes */
/* (no blanks: these end up in macro arguments) */
#define DR7_BP(n,rw,len) (DR7_L(n)|((rw)<<(16+(n)*4))|((len)<<(18+(n)*4)))
#define LEN1 0
#define LEN4 3
#define MAX_EVENTS 8

    .data
    .balign 4
db_count:   .long 0                 /* #DBs since DB_ARM */
db_eip:     .fill MAX_EVENTS, 4, 0  /* saved EIP of each */
db_dr6:     .fill MAX_EVENTS, 4, 0  /* DR6 in the handler (then cleared) */
db_fl:      .fill MAX_EVENTS, 4, 0  /* saved EFLAGS */
db_eax:     .fill MAX_EVENTS, 4, 0  /* EAX at the #DB */
db_set_rf:  .long 0                 /* 1: resume with RF (instruction breakpoints) */
db_stop:    .long 0                 /* clear TF when the saved EIP is this */
db_resume:  .long 0                 /* nonzero: resume there */
db_dr7:     .long 0                 /* DR7 read in the handler */
db_read_dr7: .long 0
    .balign 4
watched:    .long 0, 0              /* the data breakpoints' target */
got:        .long 0

    .text
db_handler:
    pushl %eax
    pushl %ebx
    movl db_count, %ebx
    cmpl $MAX_EVENTS, %ebx
    jae 1f
    movl 8(%esp), %eax
    movl %eax, db_eip(,%ebx,4)
    movl 16(%esp), %eax
    movl %eax, db_fl(,%ebx,4)
    movl 4(%esp), %eax
    movl %eax, db_eax(,%ebx,4)
    movl %dr6, %eax
    movl %eax, db_dr6(,%ebx,4)
1:  incl db_count
    xorl %eax, %eax
    movl %eax, %dr6
    cmpl $0, db_read_dr7
    je 2f
    movl %dr7, %eax
    movl %eax, db_dr7
2:  cmpl $0, db_set_rf
    je 3f
    orl $EFL_RF, 16(%esp)
3:  movl 8(%esp), %eax
    cmpl db_stop, %eax
    jne 4f
    andl $~EFL_TF, 16(%esp)
4:  movl db_resume, %eax
    testl %eax, %eax
    jz 5f
    movl %eax, 8(%esp)
    movl $0, db_resume
5:  popl %ebx
    popl %eax
    iretl

    .macro DB_ARM set_rf=0, stop=0
    movl $0, db_count
    movl $\set_rf, db_set_rf
    movl $\stop, db_stop
    .endm
/* DR7 := v (all registers kept). */
    .macro SET_DR7 v:vararg
    pushl %eax
    movl $(\v), %eax
    movl %eax, %dr7
    popl %eax
    .endm
/* The DR6 status bits of event i. */
    .macro DR6_OF i, reg
    movl db_dr6+4*\i, \reg
    andl $DR6_STATUS, \reg
    .endm

/* Instruction breakpoint n on bp\n: four checks. */
    .macro XBP n
    movl $xbp\n, %eax
    movl %eax, %dr\n
    SET_DR7 DR7_BP(\n,DR7_RW_X,0)
    DB_ARM 1
    xorl %eax, %eax
xbp\n:
    incl %eax
    SET_DR7 0
    CHECK "dr\n: one #DB", db_count, $1
    CHECK "dr\n: a fault at the instruction", db_eip, $xbp\n
    CHECK "dr\n: before it ran", db_eax, $0
    CHECK "dr\n: then it ran once", %eax, $1
    DR6_OF 0, %eax
    CHECK "dr\n: dr6", %eax, $DR6_B(\n)
    .endm

TEST_MAIN
    call sys_init
    movl $VEC_DB, %eax
    movl $db_handler, %ebx
    movl $SEL_CODE32, %ecx
    movl $ACC_INTGATE32, %edx
    call sys_set_idt
    xorl %eax, %eax
    movl %eax, %dr6

    /* ---- instruction breakpoints ---- */
    XBP 0
    XBP 1
    XBP 2
    XBP 3
    movl $xbp_loop, %eax
    movl %eax, %dr0
    SET_DR7 DR7_BP(0,DR7_RW_X,0)
    DB_ARM 1
    xorl %eax, %eax
    movl $3, %ecx
xbp_loop:
    incl %eax
    decl %ecx
    jnz xbp_loop
    SET_DR7 0
    CHECK "loop: a #DB on each of 3 passes (RF lasts one instruction)", db_count, $3
    CHECK "loop: the instruction ran 3 times", %eax, $3
    movl $xbp_off, %eax
    movl %eax, %dr0
    SET_DR7 DR7_BP(0,DR7_RW_X,0)&~DR7_L(0)
    DB_ARM 1
xbp_off:
    nop
    SET_DR7 0
    CHECK "disabled (L0 = 0): no #DB", db_count, $0
    END_CHECKS "instruction breakpoints"

    /* ---- data breakpoints: traps after the access ---- */
    movl $watched, %eax
    movl %eax, %dr1
    SET_DR7 DR7_BP(1,DR7_RW_W,LEN4)|DR7_LE
    DB_ARM
    movl $0x12345678, %ebx
dw1:
    movl %ebx, watched
dw1_next:
    CHECK "write: one #DB", db_count, $1
    CHECK "write: a trap after the instruction", db_eip, $dw1_next
    DR6_OF 0, %eax
    CHECK "write: dr6", %eax, $DR6_B(1)
    CHECK "write: the value was written", watched, $0x12345678
    DB_ARM
    movl watched, %eax
    CHECK "write breakpoint, a read: no #DB", db_count, $0
    DB_ARM
    movb $0x12, watched+3
    CHECK "write breakpoint, byte write inside: one #DB", db_count, $1
    DB_ARM
    movl %eax, watched+4
    CHECK "write breakpoint, the next dword: no #DB", db_count, $0
    SET_DR7 DR7_BP(1,DR7_RW_RW,LEN4)|DR7_LE
    DB_ARM
dr1:
    movl watched, %eax
dr1_next:
    CHECK "read/write breakpoint, a read: one #DB", db_count, $1
    CHECK "read/write breakpoint, a read: after it", db_eip, $dr1_next
    CHECK "read/write breakpoint, a read: value", db_eax, $0x12345678
    movl $watched+1, %eax
    movl %eax, %dr1
    SET_DR7 DR7_BP(1,DR7_RW_W,LEN1)|DR7_LE
    DB_ARM
    movl %ebx, watched              /* covers watched+1 */
    CHECK "1-byte breakpoint, a dword write over it: one #DB", db_count, $1
    DB_ARM
    movb %bl, watched
    CHECK "1-byte breakpoint, a write of the byte before: no #DB", db_count, $0
    SET_DR7 0
    END_CHECKS "data breakpoints"

    /* ---- I/O breakpoints (CR4.DE) ---- */
    movl %cr4, %eax
    orl $CR4_DE, %eax
    movl %eax, %cr4
    movl $0x80, %eax
    movl %eax, %dr2
    SET_DR7 DR7_BP(2,DR7_RW_IO,LEN1)|DR7_LE
    DB_ARM
io1:
    outb %al, $0x80
io1_next:
    CHECK "out 0x80: one #DB", db_count, $1
    CHECK "out 0x80: a trap after it", db_eip, $io1_next
    DR6_OF 0, %eax
    CHECK "out 0x80: dr6", %eax, $DR6_B(2)
    DB_ARM
    outb %al, $0x81
    CHECK "out 0x81: no #DB", db_count, $0
    SET_DR7 0
    movl %cr4, %eax
    andl $~CR4_DE, %eax
    movl %eax, %cr4
    END_CHECKS "i/o breakpoints"

    /* ---- single-step ---- */
    DB_ARM 0, ss_end
    xorl %eax, %eax
    pushfl
    orl $EFL_TF, (%esp)
    popfl                           /* the first trap comes after ss_1 */
ss_1:
    incl %eax
ss_2:
    pushfl
ss_3:
    popl %edx
ss_4:
    jmp ss_6
ss_5:
    incl %eax                       /* jumped over */
ss_6:
    incl %eax
ss_end:
    CHECK "single-step: traps", db_count, $5
    CHECK "single-step: 1st, after the instruction after popf", db_eip, $ss_2
    CHECK "single-step: 2nd", db_eip+4, $ss_3
    CHECK "single-step: 3rd", db_eip+8, $ss_4
    CHECK "single-step: 4th, the jump target", db_eip+12, $ss_6
    CHECK "single-step: 5th", db_eip+16, $ss_end
    CHECK "single-step: the instructions ran", %eax, $2
    DR6_OF 0, %eax
    CHECK "single-step: dr6.bs", %eax, $DR6_BS
    DR6_OF 4, %eax
    CHECK "single-step: dr6.bs (5th)", %eax, $DR6_BS
    movl db_fl, %eax
    andl $EFL_TF, %eax
    CHECK "single-step: TF in the saved eflags", %eax, $EFL_TF
    andl $EFL_TF, %edx
    CHECK "single-step: pushf sees TF", %edx, $EFL_TF
    pushfl
    popl %eax
    andl $EFL_TF, %eax
    CHECK "single-step: TF clear after", %eax, $0
    /* MOV SS holds the single-step trap back by one instruction. */
    DB_ARM 0, ms_end
    xorl %eax, %eax
    movw %ss, %cx
    pushfl
    orl $EFL_TF, (%esp)
    popfl
ms_1:
    movw %cx, %ss                   /* trap after this one: delayed */
ms_2:
    incl %eax
ms_end:
    CHECK "mov ss: one trap for two instructions", db_count, $1
    CHECK "mov ss: after the instruction after it", db_eip, $ms_end
    CHECK "mov ss: both ran", %eax, $1
    END_CHECKS "single-step"

    /* ---- CR4.DE, fixed bits ---- */
    xorl %eax, %eax
    movl %eax, %dr6
    movl %dr6, %eax
    CHECK "dr6 := 0 reads its fixed bits", %eax, $0xffff0ff0
    SET_DR7 0
    movl %dr7, %eax
    CHECK "dr7 := 0 reads bit 10", %eax, $0x400
    SET_DR7 DR7_LE|DR7_L(3)
    .byte 0x0f, 0x21, 0xe8          /* mov %dr5, %eax */
    CHECK "cr4.de = 0: dr5 is dr7", %eax, $(0x400|DR7_LE|DR7_L(3))
    .byte 0x0f, 0x21, 0xe0          /* mov %dr4, %eax */
    CHECK "cr4.de = 0: dr4 is dr6", %eax, $0xffff0ff0
    SET_DR7 0
    movl %cr4, %eax
    orl $CR4_DE, %eax
    movl %eax, %cr4
    FAULT "cr4.de = 1: mov dr4", VEC_UD, 0, .byte 0x0f, 0x21, 0xe0
    movl %cr4, %eax
    andl $~CR4_DE, %eax
    movl %eax, %cr4
    END_CHECKS "cr4.de, fixed bits"
FINISH

    .section .note.GNU-stack, "", @progbits
