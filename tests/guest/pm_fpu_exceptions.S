/* The exceptions of the x87 FPU and SSE in flat protected mode, through the
 * handlers of lib/pm.S: #NM (7) from CR0.TS on an x87 instruction (FLD1,
 * FNCLEX) and an SSE one (ADDSS), from WAIT with CR0.MP and TS (none with
 * TS alone), and from CR0.EM on x87; #UD from SSE with CR0.EM; the lazy
 * FPU switch of guest kernels (a #NM handler that executes CLTS and returns:
 * the instruction runs again and works); #MF (16) with CR0.NE: an unmasked
 * divide-by-zero (FCW.ZM = 0) sets FSW.ES and raises nothing itself, the
 * next FWAIT faults (again while the exception stays pending), FNSTSW AX
 * still works and shows B, ES, ZE (and TOP: nothing more ran), FNCLEX
 * clears them; with CR4.OSFXSR and OSXMMEXCPT, a masked DIVSS by zero gives
 * +inf and sets MXCSR.ZE. Each fault: one exception, the vector, the saved
 * EIP = the faulting instruction and the saved CS (lib/pm.S's stubs push a
 * 0 for vectors without an error code, so an error code pushed by the CPU
 * would move the frame and break the saved EIP and CS checks), error 0.
 * Not checked, because QEMU 7.2 TCG does not do what the SDM says: #MF at a
 * waiting x87 instruction other than FWAIT (QEMU raises it at FWAIT only);
 * #XM (19) from an unmasked SIMD exception (DIVSS by zero with MXCSR.ZM = 0:
 * #XM, destination unchanged, MXCSR.ZE) and the #UD that replaces it when
 * CR4.OSXMMEXCPT = 0 (QEMU raises neither and writes +inf). Those checks are
 * in the source under PM_FPU_CHECK_XM (off in the registered test); that an
 * unmasked x87 exception leaves the destination register unchanged (QEMU
 * writes the result anyway); FIP, FDP, FOP.
 * Reference: SDM vol. 3A, 2.5 (CR0.MP/EM/TS/NE, CR4.OSFXSR/OSXMMEXCPT),
 * 6.15 (interrupts 7, 16, 19); vol. 1, 8.6 and 11.5; vol. 2, WAIT, DIVSS.
 *
 * jitpc-args: -cpu max
 * jitpc-expect-output: #NM: 34 checks ok\n
 * jitpc-expect-output: CR0.EM: 17 checks ok\n
 * jitpc-expect-output: #MF: 16 checks ok\n
 * jitpc-expect-output: #XM: 3 checks ok\n
 * jitpc-expect-output: total: 70 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "sys.h"

#define VEC_MF 16
#define VEC_XM 19
#define CR0_NE 0x20
#define CR4_OSFXSR 0x200
#define CR4_OSXMMEXCPT 0x400
#define FSW_ZE 0x0004
#define FSW_ES 0x0080
#define FSW_B 0x8000
#define FSW_TOP 0x3800
#define MXCSR_FLAGS 0x3f
#define MXCSR_ZE 0x0004
#define MXCSR_DEFAULT 0x1f80
#define MXCSR_ZM 0x0200
#define FCW_DEFAULT 0x037f
#define FCW_ZM 0x0004
#define ONE_F 0x3f800000
#define TWO_F 0x40000000
#define INF_F 0x7f800000
#define GATE_INT 0x8e

    .data
    .balign 16
one_f:      .long ONE_F
zero_f:     .long 0
scratch:    .long 0, 0, 0, 0
mxcsr_v:    .long 0
fcw_v:      .word 0
    .balign 4
nm_count:   .long 0                 /* the lazy-switch handler's count */
nm_eip:     .long 0
nm_cs:      .long 0

    .text
/* CR0 := (CR0 & ~clear) | set; CR4 likewise. Preserve every register. */
    .macro CR0_SET set, clear
    pushl %eax
    movl %cr0, %eax
    andl $~(\clear), %eax
    orl $(\set), %eax
    movl %eax, %cr0
    popl %eax
    .endm
    .macro CR4_SET set, clear
    pushl %eax
    movl %cr4, %eax
    andl $~(\clear), %eax
    orl $(\set), %eax
    movl %eax, %cr4
    popl %eax
    .endm
    .macro SET_MXCSR v
    movl $(\v), mxcsr_v
    ldmxcsr mxcsr_v
    .endm
    .macro SET_FCW v
    movw $(\v), fcw_v
    fldcw fcw_v
    .endm

/* The #NM handler of a kernel that switches the FPU lazily: note the
 * fault, CLTS, return to the faulting instruction. */
nm_lazy:
    incl %ss:nm_count
    pushl %eax
    movl 4(%esp), %eax
    movl %eax, %ss:nm_eip
    movzwl 8(%esp), %eax
    movl %eax, %ss:nm_cs
    popl %eax
    clts
    iretl

TEST_MAIN
    call sys_init
    CR0_SET (CR0_MP|CR0_NE), (CR0_EM|CR0_TS)
    CR4_SET CR4_OSFXSR, CR4_OSXMMEXCPT
    fninit
    SET_MXCSR MXCSR_DEFAULT
    movss one_f, %xmm0
    movss one_f, %xmm1

    /* ---- #NM from CR0.TS (vol. 3A, 2.5; table 2-2) ---- */
    CR0_SET CR0_TS, 0
    FAULT "fld1, TS=1", VEC_NM, 0, fld1
    FAULT "fnclex, TS=1", VEC_NM, 0, fnclex
    FAULT "addss, TS=1", VEC_NM, 0, addss %xmm1, %xmm0
    FAULT "fwait, MP=1 TS=1", VEC_NM, 0, fwait
    CR0_SET 0, CR0_MP
    NOFAULT "fwait, MP=0 TS=1", fwait
    CR0_SET CR0_MP, 0
    clts
    fnstsw %ax                      /* TS was set: nothing has run */
    movzwl %ax, %eax
    CHECK "fld1 that faulted pushed nothing (FSW)", %eax, $0
    NOFAULT "fld1 after clts", fld1
    fstps scratch
    CHECK "fld1 after clts: value", scratch, $ONE_F
    NOFAULT "addss after clts", addss %xmm1, %xmm0
    movd %xmm0, %eax
    CHECK "addss after clts: value", %eax, $TWO_F

    /* The lazy switch: the handler clears TS, the instruction runs again. */
    movl $VEC_NM, %eax
    movl $nm_lazy, %ebx
    movl $GATE_INT, %ecx
    call pm_set_gate
    movl $0, nm_count
    CR0_SET CR0_TS, 0
lazy1:
    fld1
    fstps scratch
    CHECK "lazy switch, fld1: #NM taken", nm_count, $1
    CHECK "lazy switch, fld1: saved eip", nm_eip, $lazy1
    CHECK "lazy switch, fld1: saved cs", nm_cs, $SEL_CODE32
    CHECK "lazy switch, fld1: value after retry", scratch, $ONE_F
    movl %cr0, %eax
    andl $CR0_TS, %eax
    CHECK "lazy switch: TS clear", %eax, $0
    movss one_f, %xmm0
    movl $0, nm_count
    CR0_SET CR0_TS, 0
lazy2:
    addss %xmm1, %xmm0
    CHECK "lazy switch, addss: #NM taken", nm_count, $1
    CHECK "lazy switch, addss: saved eip", nm_eip, $lazy2
    movd %xmm0, %eax
    CHECK "lazy switch, addss: value after retry", %eax, $TWO_F
    movl $VEC_NM, %eax
    xorl %ebx, %ebx
    movl $GATE_INT, %ecx
    call pm_set_gate
    END_CHECKS "#NM"

    /* ---- CR0.EM: #NM on x87, #UD on SSE, WAIT unaffected ---- */
    CR0_SET CR0_EM, CR0_TS
    FAULT "fld1, EM=1", VEC_NM, 0, fld1
    FAULT "fninit, EM=1", VEC_NM, 0, fninit
    FAULT "addss, EM=1", VEC_UD, 0, addss %xmm1, %xmm0
    NOFAULT "fwait, EM=1 TS=0", fwait
    CR0_SET 0, CR0_EM
    NOFAULT "fld1, EM=0", fld1
    fstps scratch
    END_CHECKS "CR0.EM"

    /* ---- #MF: CR0.NE = 1, ZE unmasked (vol. 1, 8.6; vol. 3A, 6.15) ---- */
    fninit
    SET_FCW (FCW_DEFAULT & ~FCW_ZM)
    flds one_f
    NOFAULT "fdivs 0, ZE unmasked", fdivs zero_f
    FAULT "fwait after it", VEC_MF, 0, fwait
    FAULT "fwait again (still pending)", VEC_MF, 0, fwait
    movl $0xffffffff, %eax
    NOFAULT "fnstsw ax", fnstsw %ax
    andl $(FSW_B|FSW_TOP|FSW_ES|0x3f), %eax
    CHECK "fnstsw: B, ES, ZE, TOP 7", %eax, $(FSW_B|(7<<11)|FSW_ES|FSW_ZE)
    NOFAULT "fnclex", fnclex
    NOFAULT "fwait after fnclex", fwait
    fnstsw %ax
    andl $(FSW_B|FSW_ES|0x3f), %eax
    CHECK "fnclex cleared B, ES, ZE", %eax, $0
    SET_FCW FCW_DEFAULT
    fninit
    END_CHECKS "#MF"

    /* ---- #XM: OSXMMEXCPT = 1, MXCSR.ZM = 0 (vol. 1, 11.5; vol. 3A, 6.15) ---- */
    CR4_SET CR4_OSXMMEXCPT, 0
#ifdef PM_FPU_CHECK_XM
    SET_MXCSR (MXCSR_DEFAULT & ~MXCSR_ZM)
    movss one_f, %xmm0
    xorps %xmm1, %xmm1
    FAULT "divss by 0, ZE unmasked", VEC_XM, 0, divss %xmm1, %xmm0
    movd %xmm0, %eax
    CHECK "divss #XM: destination unchanged", %eax, $ONE_F
    stmxcsr mxcsr_v
    movl mxcsr_v, %eax
    andl $MXCSR_FLAGS, %eax
    CHECK "divss #XM: MXCSR.ZE", %eax, $MXCSR_ZE
#endif
    SET_MXCSR MXCSR_DEFAULT
    movss one_f, %xmm0
    xorps %xmm1, %xmm1
    NOFAULT "divss by 0, ZE masked", divss %xmm1, %xmm0
    movd %xmm0, %eax
    CHECK "divss masked: +inf", %eax, $INF_F
    stmxcsr mxcsr_v
    movl mxcsr_v, %eax
    andl $MXCSR_FLAGS, %eax
    CHECK "divss masked: MXCSR.ZE", %eax, $MXCSR_ZE
    CR4_SET 0, CR4_OSXMMEXCPT
#ifdef PM_FPU_CHECK_XM
    SET_MXCSR (MXCSR_DEFAULT & ~MXCSR_ZM)
    movss one_f, %xmm0
    FAULT "divss by 0, ZE unmasked, OSXMMEXCPT=0", VEC_UD, 0, divss %xmm1, %xmm0
#endif
    SET_MXCSR MXCSR_DEFAULT
    END_CHECKS "#XM"
FINISH

    .section .note.GNU-stack, "", @progbits
