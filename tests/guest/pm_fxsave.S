/* FXSAVE/FXRSTOR and FNSAVE/FRSTOR in flat protected mode (CR4.OSFXSR = 1).
 * A known x87 state (FCW 0x0F7F, TOP 3, ST0 -3.0, ST1 +inf, ST2 +0.0, ST3
 * freed (empty), ST4 1.0, ST5-ST7 empty, FSW.ZE from a masked 1/0), XMM0-7
 * patterns and MXCSR 0x5FA0; FXSAVE to a 16-byte-aligned buffer and the
 * layout of SDM vol. 2A, FXSAVE, table 3-53 (32-bit): FCW at 0, FSW at 2,
 * the abridged FTW at 4 (one bit per physical register, 1 = not empty),
 * MXCSR at 24, MXCSR_MASK at 28 (only: not zero), ST(i) at 32 + 16*i as
 * 80-bit values in stack order, XMMi at 160 + 16*i; FXSAVE leaves the state
 * as it was. FXRSTOR from a modified image (FCW, FSW, FTW with a register
 * made valid, ST0, ST5, MXCSR, XMM0-7), read back with FNSTCW, FNSTSW,
 * STMXCSR, MOVDQU, FXSAVE (FTW), FSTP m80 and FXAM (empty registers).
 * FXSAVE and FXRSTOR on a misaligned operand: #GP(0). FNSAVE in the 32-bit
 * protected-mode format (SDM vol. 1, figure 8-10: 108 bytes, FCW at 0, FSW
 * at 4, the full FTW at 8 with 2 bits per physical register: 00 valid, 01
 * zero, 10 special, 11 empty, ST(i) at 28 + 10*i), FNSAVE reinitializes the
 * FPU; FRSTOR of a modified image, whose tags count only as empty or not
 * (the processor recomputes the others: SDM vol. 1, 8.1.7), checked with a
 * second FNSAVE. FSW is compared without C0-C3 (undefined after FDIV).
 * Not compared: FIP, FDP, FOP, FCS, FDS (hosts differ), reserved bytes, the
 * contents of empty registers.
 * Reference: SDM vol. 1, 8.1 and 10.5; vol. 2, FXSAVE, FXRSTOR, FSAVE,
 * FRSTOR, FXAM.
 *
 * jitpc-args: -cpu max
 * jitpc-expect-output: fxsave: 31 checks ok\n
 * jitpc-expect-output: fxrstor: 30 checks ok\n
 * jitpc-expect-output: misaligned: 15 checks ok\n
 * jitpc-expect-output: fnsave/frstor: 42 checks ok\n
 * jitpc-expect-output: total: 118 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "sys.h"

#define CR4_OSFXSR 0x200
#define FSW_CHECKED 0x38ff          /* TOP, ES, SF, exception flags */
#define FCW_STATE 0x0f7f            /* RC 11, PC 11, all masked */
#define FCW_MOD 0x067f              /* RC 01, PC 10, all masked */
#define FSW_STATE 0x1804            /* TOP 3, ZE */
#define FSW_MOD 0x1801              /* TOP 3, IE */
#define FTW_STATE 0xb8              /* R3 R4 R5 R7 not empty */
#define FTW_MOD 0xb9                /* and R0 */
#define FTW_FULL_STATE 0x363f       /* R0-2 11, R3 00, R4 10, R5 01, R6 11, R7 00 */
#define FTW_FULL_MOD 0x043f         /* R4 claimed 00 (is +inf), R5 00 (is 0), R6 00 */
#define FTW_FULL_BACK 0x063f        /* R4 10, R5 01, R6 00: recomputed */
#define MXCSR_DEFAULT 0x1f80
#define MXCSR_STATE 0x5fa0          /* RC up, PE */
#define MXCSR_MOD 0x3f90            /* RC down, UE */
#define FXAM_CC 0x4500              /* C3 C2 C0 */
#define FXAM_EMPTY 0x4100
/* 80-bit values: high dword of the significand, sign and exponent (the low
 * dword is 0 for all of them). */
#define M3_HI 0xc0000000            /* -3.0 */
#define M3_SE 0xc000
#define INF_HI 0x80000000
#define INF_SE 0x7fff
#define ONE_HI 0x80000000
#define ONE_SE 0x3fff
#define TWOH_HI 0xa0000000          /* 2.5 */
#define TWOH_SE 0x4000
#define SEVEN_HI 0xe0000000
#define SEVEN_SE 0x4001
#define FOUR_HI 0x80000000
#define FOUR_SE 0x4001

    .data
    .balign 16
xmm_in:
    .long 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c
    .long 0x13121110, 0x17161514, 0x1b1a1918, 0x1f1e1d1c
    .long 0x23222120, 0x27262524, 0x2b2a2928, 0x2f2e2d2c
    .long 0x33323130, 0x37363534, 0x3b3a3938, 0x3f3e3d3c
    .long 0x43424140, 0x47464544, 0x4b4a4948, 0x4f4e4d4c
    .long 0x53525150, 0x57565554, 0x5b5a5958, 0x5f5e5d5c
    .long 0x63626160, 0x67666564, 0x6b6a6968, 0x6f6e6d6c
    .long 0x73727170, 0x77767574, 0x7b7a7978, 0x7f7e7d7c
xmm_mod:
    .long 0xdeadbeef, 0x01234567, 0x89abcdef, 0xfedcba98
    .long 0x11111111, 0x22222222, 0x33333333, 0x44444444
    .long 0x55555555, 0x66666666, 0x77777777, 0x88888888
    .long 0x99999999, 0xaaaaaaaa, 0xbbbbbbbb, 0xcccccccc
    .long 0xdddddddd, 0xeeeeeeee, 0xffffffff, 0x00000000
    .long 0x80000000, 0x7fffffff, 0x00000001, 0xfffffffe
    .long 0x3f800000, 0x40000000, 0x40400000, 0x40800000
    .long 0xcafef00d, 0x0badc0de, 0xfeedface, 0x8badf00d
one_f:      .long 0x3f800000
zero_f:     .long 0
m3_d:       .double -3.0
twoh_d:     .double 2.5
mxcsr_v:    .long 0
fcw_v:      .word 0

    .bss
    .balign 16
img:        .fill 512 + 16, 1, 0    /* FXSAVE area (+16: the misaligned one) */
img2:       .fill 512, 1, 0
img3:       .fill 512, 1, 0
xmm_out:    .fill 128, 1, 0
    .balign 16
ext_out:    .fill 16, 1, 0
    .balign 4
sv:         .fill 108, 1, 0         /* FNSAVE area */
    .balign 4
sv2:        .fill 108, 1, 0

    .text
/* memdiff: compare ECX bytes at ESI and EDI; EAX = 0 if equal, else 1 +
 * the offset of the first difference. Preserves the other registers. */
memdiff:
    pushl %ebx
    pushl %ecx
    pushl %esi
    pushl %edi
    xorl %eax, %eax
1:  testl %ecx, %ecx
    jz 2f
    incl %eax
    movb (%esi), %bl
    cmpb (%edi), %bl
    jne 3f
    incl %esi
    incl %edi
    decl %ecx
    jmp 1b
2:  xorl %eax, %eax
3:  popl %edi
    popl %esi
    popl %ecx
    popl %ebx
    ret

/* The x87 state of the header: TOP 3, R3 -3.0, R4 +inf, R5 +0.0, R6 empty
 * (2.5 freed), R7 1.0, FSW.ZE. */
set_x87_state:
    fninit
    movw $FCW_STATE, fcw_v
    fldcw fcw_v
    fld1                            /* R7 */
    fldl twoh_d                     /* R6 */
    fldz                            /* R5 */
    fld1
    fdivs zero_f                    /* R4 = +inf, ZE (masked) */
    fldl m3_d                       /* R3 */
    ffree %st(3)                    /* R6 empty */
    ret

    /* MEMEQ "what", a, b, n: one check that n bytes at a and b are equal. */
    .macro MEMEQ name, a, b, n
    pushal
    movl $(\a), %esi
    movl $(\b), %edi
    movl $(\n), %ecx
    call memdiff
    CHECK "\name", %eax, $0
    popal
    .endm
    /* EXT "what", addr, hi, se: three checks of an 80-bit value in memory. */
    .macro EXT name, addr, hi, se
    CHECK "\name: significand 31:0", \addr, $0
    CHECK "\name: significand 63:32", 4+\addr, $\hi
    pushl %eax
    movzwl 8+\addr, %eax
    CHECK "\name: sign, exponent", %eax, $\se
    popl %eax
    .endm
    /* PUTEXT addr, hi, se: write an 80-bit value. */
    .macro PUTEXT addr, hi, se
    movl $0, \addr
    movl $\hi, 4+\addr
    movw $\se, 8+\addr
    .endm
    /* WORD16 "what", addr, mask, exp: one check of (word at addr) & mask. */
    .macro WORD16 name, addr, mask, exp
    pushl %eax
    movzwl \addr, %eax
    andl $(\mask), %eax
    CHECK "\name", %eax, $(\exp)
    popl %eax
    .endm
    /* ST0_IS "what", hi, se: FSTP ST0 as m80 and check it (3 checks). */
    .macro ST0_IS name, hi, se
    fstpt ext_out
    EXT "\name", ext_out, \hi, \se
    .endm
    /* ST0_EMPTY "what": FXAM says ST0 is empty (1 check). */
    .macro ST0_EMPTY name
    pushl %eax
    fxam
    fnstsw %ax
    andl $FXAM_CC, %eax
    CHECK "\name", %eax, $FXAM_EMPTY
    popl %eax
    .endm
    .macro LOAD_XMM from
    movdqu \from+0, %xmm0
    movdqu \from+16, %xmm1
    movdqu \from+32, %xmm2
    movdqu \from+48, %xmm3
    movdqu \from+64, %xmm4
    movdqu \from+80, %xmm5
    movdqu \from+96, %xmm6
    movdqu \from+112, %xmm7
    .endm

TEST_MAIN
    call sys_init
    movl %cr0, %eax
    andl $~(CR0_EM|CR0_TS), %eax
    orl $(CR0_MP|0x20), %eax        /* MP, NE */
    movl %eax, %cr0
    movl %cr4, %eax
    orl $CR4_OSFXSR, %eax
    movl %eax, %cr4

    /* ---- FXSAVE: the layout ---- */
    call set_x87_state
    LOAD_XMM xmm_in
    movl $MXCSR_STATE, mxcsr_v
    ldmxcsr mxcsr_v
    NOFAULT "fxsave, aligned", fxsave img
    WORD16 "fxsave: FCW at 0", img+0, 0xffff, FCW_STATE
    WORD16 "fxsave: FSW at 2", img+2, FSW_CHECKED, FSW_STATE
    movzbl img+4, %eax
    CHECK "fxsave: abridged FTW at 4", %eax, $FTW_STATE
    CHECK "fxsave: MXCSR at 24", img+24, $MXCSR_STATE
    xorl %eax, %eax
    cmpl $0, img+28
    setne %al
    CHECK "fxsave: MXCSR_MASK at 28 not zero", %eax, $1
    EXT "fxsave: ST0 (-3.0) at 32", img+32, M3_HI, M3_SE
    EXT "fxsave: ST1 (+inf) at 48", img+48, INF_HI, INF_SE
    EXT "fxsave: ST2 (+0.0) at 64", img+64, 0, 0
    EXT "fxsave: ST4 (1.0) at 96", img+96, ONE_HI, ONE_SE
    MEMEQ "fxsave: XMM0 at 160", img+160, xmm_in+0, 16
    MEMEQ "fxsave: XMM1 at 176", img+176, xmm_in+16, 16
    MEMEQ "fxsave: XMM2 at 192", img+192, xmm_in+32, 16
    MEMEQ "fxsave: XMM3 at 208", img+208, xmm_in+48, 16
    MEMEQ "fxsave: XMM4 at 224", img+224, xmm_in+64, 16
    MEMEQ "fxsave: XMM5 at 240", img+240, xmm_in+80, 16
    MEMEQ "fxsave: XMM6 at 256", img+256, xmm_in+96, 16
    MEMEQ "fxsave: XMM7 at 272", img+272, xmm_in+112, 16
    /* FXSAVE does not reinitialize anything. */
    fnstcw fcw_v
    WORD16 "fxsave kept FCW", fcw_v, 0xffff, FCW_STATE
    fnstsw %ax
    andl $FSW_CHECKED, %eax
    CHECK "fxsave kept FSW", %eax, $FSW_STATE
    ST0_IS "fxsave kept ST0", M3_HI, M3_SE
    END_CHECKS "fxsave"

    /* ---- FXRSTOR from a modified image ---- */
    movl $img, %esi
    movl $img2, %edi
    movl $128, %ecx
    cld
    rep movsl
    movw $FCW_MOD, img2+0
    movw $FSW_MOD, img2+2
    movb $FTW_MOD, img2+4
    movl $MXCSR_MOD, img2+24
    PUTEXT img2+32, SEVEN_HI, SEVEN_SE      /* ST0 = R3 */
    PUTEXT img2+112, FOUR_HI, FOUR_SE       /* ST5 = R0, now valid */
    movl $xmm_mod, %esi
    movl $img2+160, %edi
    movl $32, %ecx
    rep movsl
    fninit                          /* something else in every register */
    movl $MXCSR_DEFAULT, mxcsr_v
    ldmxcsr mxcsr_v
    pxor %xmm0, %xmm0
    pxor %xmm1, %xmm1
    pxor %xmm2, %xmm2
    pxor %xmm3, %xmm3
    pxor %xmm4, %xmm4
    pxor %xmm5, %xmm5
    pxor %xmm6, %xmm6
    pxor %xmm7, %xmm7
    NOFAULT "fxrstor, aligned", fxrstor img2
    fnstcw fcw_v
    WORD16 "fxrstor: FCW", fcw_v, 0xffff, FCW_MOD
    fnstsw %ax
    andl $FSW_CHECKED, %eax
    CHECK "fxrstor: FSW", %eax, $FSW_MOD
    stmxcsr mxcsr_v
    CHECK "fxrstor: MXCSR", mxcsr_v, $MXCSR_MOD
    movdqu %xmm0, xmm_out+0
    movdqu %xmm1, xmm_out+16
    movdqu %xmm2, xmm_out+32
    movdqu %xmm3, xmm_out+48
    movdqu %xmm4, xmm_out+64
    movdqu %xmm5, xmm_out+80
    movdqu %xmm6, xmm_out+96
    movdqu %xmm7, xmm_out+112
    MEMEQ "fxrstor: XMM0", xmm_out+0, xmm_mod+0, 16
    MEMEQ "fxrstor: XMM1", xmm_out+16, xmm_mod+16, 16
    MEMEQ "fxrstor: XMM2", xmm_out+32, xmm_mod+32, 16
    MEMEQ "fxrstor: XMM3", xmm_out+48, xmm_mod+48, 16
    MEMEQ "fxrstor: XMM4", xmm_out+64, xmm_mod+64, 16
    MEMEQ "fxrstor: XMM5", xmm_out+80, xmm_mod+80, 16
    MEMEQ "fxrstor: XMM6", xmm_out+96, xmm_mod+96, 16
    MEMEQ "fxrstor: XMM7", xmm_out+112, xmm_mod+112, 16
    fxsave img3
    movzbl img3+4, %eax
    CHECK "fxrstor: abridged FTW (fxsave again)", %eax, $FTW_MOD
    ST0_IS "fxrstor: ST0 = 7.0", SEVEN_HI, SEVEN_SE
    ST0_IS "fxrstor: ST1 = +inf", INF_HI, INF_SE
    ST0_IS "fxrstor: ST2 = +0.0", 0, 0
    ST0_EMPTY "fxrstor: ST3 empty"
    fincstp
    ST0_IS "fxrstor: ST4 = 1.0", ONE_HI, ONE_SE
    ST0_IS "fxrstor: ST5 = 4.0", FOUR_HI, FOUR_SE
    ST0_EMPTY "fxrstor: ST6 empty"
    fninit
    movl $MXCSR_DEFAULT, mxcsr_v
    ldmxcsr mxcsr_v
    END_CHECKS "fxrstor"

    /* ---- misaligned operands: #GP(0) ---- */
    FAULT "fxsave, operand 8 mod 16", VEC_GP, 0, fxsave img+8
    FAULT "fxrstor, operand 8 mod 16", VEC_GP, 0, fxrstor img+8
    FAULT "fxsave, operand 4 mod 16", VEC_GP, 0, fxsave img+4
    END_CHECKS "misaligned"

    /* ---- FNSAVE / FRSTOR, 32-bit protected-mode format ---- */
    call set_x87_state
    NOFAULT "fnsave", fnsave sv
    fnstcw fcw_v
    WORD16 "fnsave reinitialized FCW", fcw_v, 0xffff, 0x037f
    fnstsw %ax
    movzwl %ax, %eax
    CHECK "fnsave reinitialized FSW", %eax, $0
    fxsave img3
    movzbl img3+4, %eax
    CHECK "fnsave reinitialized FTW (all empty)", %eax, $0
    WORD16 "fnsave: FCW at 0", sv+0, 0xffff, FCW_STATE
    WORD16 "fnsave: FSW at 4", sv+4, FSW_CHECKED, FSW_STATE
    WORD16 "fnsave: full FTW at 8", sv+8, 0xffff, FTW_FULL_STATE
    EXT "fnsave: ST0 (-3.0) at 28", sv+28, M3_HI, M3_SE
    EXT "fnsave: ST1 (+inf) at 38", sv+38, INF_HI, INF_SE
    EXT "fnsave: ST2 (+0.0) at 48", sv+48, 0, 0
    EXT "fnsave: ST4 (1.0) at 68", sv+68, ONE_HI, ONE_SE
    movw $FCW_MOD, sv+0
    movw $FTW_FULL_MOD, sv+8
    PUTEXT sv+58, TWOH_HI, TWOH_SE          /* ST3 = R6, now valid */
    NOFAULT "frstor", frstor sv
    fnstcw fcw_v
    WORD16 "frstor: FCW", fcw_v, 0xffff, FCW_MOD
    fnstsw %ax
    andl $FSW_CHECKED, %eax
    CHECK "frstor: FSW", %eax, $FSW_STATE
    fnsave sv2
    WORD16 "frstor, fnsave: FCW", sv2+0, 0xffff, FCW_MOD
    WORD16 "frstor, fnsave: FSW", sv2+4, FSW_CHECKED, FSW_STATE
    WORD16 "frstor, fnsave: FTW recomputed", sv2+8, 0xffff, FTW_FULL_BACK
    MEMEQ "frstor, fnsave: ST0-ST4", sv2+28, sv+28, 50
    frstor sv2
    ST0_IS "frstor: ST0 = -3.0", M3_HI, M3_SE
    ST0_IS "frstor: ST1 = +inf", INF_HI, INF_SE
    ST0_IS "frstor: ST2 = +0.0", 0, 0
    ST0_IS "frstor: ST3 = 2.5", TWOH_HI, TWOH_SE
    ST0_IS "frstor: ST4 = 1.0", ONE_HI, ONE_SE
    ST0_EMPTY "frstor: ST5 empty"
    fninit
    END_CHECKS "fnsave/frstor"
FINISH

    .section .note.GNU-stack, "", @progbits
