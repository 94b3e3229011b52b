/* Entry of every guest test: the Multiboot v1 header and _start.
 * On entry (Multiboot v1 spec, section 3.2) the CPU is in 32-bit flat protected
 * mode with EAX = 0x2BADB002, EBX = physical address of the multiboot info, and
 * ESP, EFLAGS.DF undefined. _start sets up the stack, calls
 * guest_main(magic, info) and writes its return value to the exit port 0xF4. */

#define MULTIBOOT_MAGIC     0x1BADB002
#define MULTIBOOT_FLAGS     0x00000003  /* bit 0: page-align modules; bit 1: want mem_* fields */
#define GUEST_EXIT_PORT     0xF4

    .section .multiboot, "a"
    .balign 4
multiboot_header:
    .long MULTIBOOT_MAGIC
    .long MULTIBOOT_FLAGS
    .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)     /* the three fields sum to 0 */

    .section .text.entry, "ax"
    .globl _start
    .type _start, @function
_start:
    movl $__stack_top, %esp
    /* The C ABI assumes DF = 0 at every call; Multiboot leaves it undefined. */
    cld
    /* The i386 System V ABI wants ESP 16-byte aligned at the call: 8 bytes of
     * padding plus the two 4-byte arguments. */
    subl $8, %esp
    pushl %ebx                          /* info */
    pushl %eax                          /* magic */
    call guest_main
    outl %eax, $GUEST_EXIT_PORT
    /* Only reached if the exit port is missing: stop for good. */
1:  cli
    hlt
    jmp 1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
