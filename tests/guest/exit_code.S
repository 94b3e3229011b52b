# A pure-assembly guest: prints "exit 42\n" on the debug console, then ends
# the run by writing 42 to the exit port, so jitpc exits with (42 << 1) | 1.
# crt0 calls guest_main; this one never returns.
#
# jitpc-expect-output: exit 42\n
# jitpc-expect-exit: 42

#define GUEST_DEBUGCON_PORT 0xE9
#define GUEST_EXIT_PORT     0xF4

    .text
    .globl guest_main
    .type guest_main, @function
guest_main:
    movl $message, %esi
    movl $GUEST_DEBUGCON_PORT, %edx
1:  lodsb
    testb %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  movl $42, %eax
    outl %eax, $GUEST_EXIT_PORT
3:  cli
    hlt
    jmp 3b
    .size guest_main, . - guest_main

    .section .rodata
message:
    .asciz "exit 42\n"

    .section .note.GNU-stack, "", @progbits
