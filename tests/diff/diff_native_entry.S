/* Entry and capture stubs of the -m32 native helper (i386, AT&T syntax).
 * diff_native_run() saves the helper's callee-saved registers, loads all
 * eight guest registers and EFLAGS from diff_native_ctx and jumps to the
 * snippet; the snippet's terminator jumps to diff_native_capture, which stores
 * the guest state without touching the guest stack and returns from
 * diff_native_run(). The signal handler resumes at diff_native_resume.
 * Only MOV and indirect JMP run between POPFD and the snippet, and between the
 * snippet and PUSHFD: neither touches EFLAGS (SDM Vol. 2 MOV, JMP). */
#include "diff_native_ctx.h"

        .text

/* void diff_native_run(void) */
        .globl  diff_native_run
        .type   diff_native_run, @function
diff_native_run:
        pushl   %ebp
        pushl   %ebx
        pushl   %esi
        pushl   %edi
        movl    %esp, diff_native_ctx + NATIVE_CTX_HOST_ESP
        movl    $diff_native_ctx + NATIVE_CTX_IN_POPAD, %esp
        popal                           /* POPAD skips the ESP slot */
        popfl                           /* user mode: IF, IOPL stay as they are */
        movl    diff_native_ctx + NATIVE_CTX_IN_ESP, %esp
        jmp     *diff_native_ctx + NATIVE_CTX_ENTRY
        .size   diff_native_run, . - diff_native_run

/* Reached by the terminator's JMP rel32 with the guest state live. */
        .globl  diff_native_capture
        .type   diff_native_capture, @function
diff_native_capture:
        movl    %esp, diff_native_ctx + NATIVE_CTX_OUT_ESP
        movl    $diff_native_ctx + NATIVE_CTX_OUT_END, %esp
        pushfl
        pushal
        /* fall through */
        .globl  diff_native_resume
diff_native_resume:
        movl    diff_native_ctx + NATIVE_CTX_HOST_ESP, %esp
        cld                             /* the C ABI wants DF clear */
        popl    %edi
        popl    %esi
        popl    %ebx
        popl    %ebp
        ret
        .size   diff_native_capture, . - diff_native_capture

        .section .note.GNU-stack, "", @progbits
