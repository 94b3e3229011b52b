/* The GDT of the assembly guest tests (selectors in check.h) and gdt_load,
 * which installs it from 32-bit code and reloads every segment register with
 * the flat selectors. Used by pm.S and, on the way down, by rm.S.
 * Descriptor layout: SDM vol. 3A, 3.4.5. */
#include "check.h"

    .section .data
    .balign 8
gdt:
    .quad 0                         /* null */
    .quad 0x00cf9a000000ffff        /* 0x08 code32: base 0, limit 4 GiB, D=1 */
    .quad 0x00cf92000000ffff        /* 0x10 data32: base 0, limit 4 GiB, B=1 */
    .quad 0x00009a000000ffff        /* 0x18 code16: base 0, limit 64 KiB, D=0 */
    .quad 0x000092000000ffff        /* 0x20 data16: base 0, limit 64 KiB */
    .quad 0x00cf9a000000ffff        /* 0x28 code32 alias of 0x08 */
    .quad 0x000092020000ffff        /* 0x30 data: base 0x20000, limit 64 KiB */
    .quad 0x00009201ff00ffff        /* 0x38 data: base 0x1ff00, limit 64 KiB */
gdt_end:
    .balign 4
    .word 0
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt

    .text
    .code32
    .globl gdt_load
    .type gdt_load, @function
gdt_load:
    lgdt gdt_desc
    ljmp $SEL_CODE32, $1f
1:  movl $SEL_DATA32, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    ret
    .size gdt_load, . - gdt_load

    .section .note.GNU-stack, "", @progbits
