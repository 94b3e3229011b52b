/* What a guest test program can use: port I/O, the debug console (port 0xE9,
 * QEMU's isa-debugcon), a small printf, the exit port (0xF4, isa-debug-exit)
 * and the Multiboot v1 info layout. Freestanding: no libc, no host headers
 * beyond the compiler's own <stdint.h>, <stddef.h>, <stdarg.h>. */
#ifndef JITPC_GUEST_H
#define JITPC_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_DEBUGCON_PORT 0xE9
#define GUEST_EXIT_PORT 0xF4
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define MULTIBOOT_INFO_MEMORY 0x00000001u   /* flags bit 0: mem_lower/mem_upper valid */
#define MULTIBOOT_INFO_MMAP 0x00000040u     /* flags bit 6: mmap_length/mmap_addr valid */
#define MULTIBOOT_MMAP_AVAILABLE 1

/* The start of the Multiboot v1 information structure (spec section 3.3). */
typedef struct MultibootInfo {
    uint32_t flags;
    uint32_t mem_lower;     /* KiB of memory below 1 MiB */
    uint32_t mem_upper;     /* KiB of memory from 1 MiB up to the first hole */
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;   /* bytes of memory map at mmap_addr */
    uint32_t mmap_addr;
} MultibootInfo;

/* One memory map entry; `size` counts the bytes after itself (spec 3.3). */
typedef struct __attribute__((packed)) MultibootMmapEntry {
    uint32_t size;
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;
} MultibootMmapEntry;

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* The test's own code: called by crt0 with EAX and EBX from the loader; the
 * return value is written to the exit port. */
uint32_t guest_main(uint32_t magic, uint32_t info);

void debug_putc(char c);
void debug_puts(const char *s);
/* A small printf to the debug console: %c %s %d %u %x %%, with an optional
 * '0' flag and width (%08x, %5u). Unknown conversions are echoed verbatim. */
void debug_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debug_vprintf(const char *fmt, va_list ap);
/* End the run: jitpc exits with status (v << 1) | 1. Halts if the port is absent. */
__attribute__((noreturn)) void guest_exit(uint32_t v);

#endif
