/* Layout of the block through which the -m32 native helper's C code and its
 * entry/capture stubs (diff_native_entry.S) exchange guest state. The stubs
 * reach it by absolute address because at the moment they run every register
 * holds a guest value; offsets are checked against the C struct with
 * _Static_assert in diff_native.c. Included by C and by the assembler. */
#ifndef JITPC_TESTS_DIFF_NATIVE_CTX_H
#define JITPC_TESTS_DIFF_NATIVE_CTX_H

#define NATIVE_CTX_HOST_ESP 0    /* helper's ESP while the snippet runs */
#define NATIVE_CTX_ENTRY 4       /* address the entry stub jumps to */
#define NATIVE_CTX_IN_ESP 8      /* guest ESP to start with */
#define NATIVE_CTX_IN_POPAD 12   /* EDI ESI EBP (ESP) EBX EDX ECX EAX, POPAD order */
#define NATIVE_CTX_IN_EFLAGS 44
#define NATIVE_CTX_OUT_ESP 48    /* guest ESP at the terminator */
#define NATIVE_CTX_OUT_PUSHAD 52 /* EDI ESI EBP (ESP) EBX EDX ECX EAX, PUSHAD order */
#define NATIVE_CTX_OUT_EFLAGS 84
#define NATIVE_CTX_OUT_END 88    /* PUSHFD then PUSHAD fill the block downwards from here */

#endif
