/* Unit tests for the kernel and firmware loaders: multiboot v1 (ELF and
 * a.out-kludge images, modules, the information structure of Multiboot
 * Specification 0.6.96 §3.3) and the -bios ROM mapping. Images are built
 * byte by byte here and written under JITPC_TEST_TMPDIR; guest memory is
 * set up the way the board maps it. */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine/loader_multiboot.h"
#include "machine/loader_rom.h"
#include "helpers/loader_env.h"
#include "mmu/memory.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* ---- image builders ---------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);       /* tests run on little-endian hosts, as the guest is */
}

static void mb_header_put(uint8_t *p, uint32_t flags)
{
    put32(p, MULTIBOOT_HEADER_MAGIC);
    put32(p + 4, flags);
    put32(p + 8, -(MULTIBOOT_HEADER_MAGIC + flags));
}

static void mb_aout_put(uint8_t *p, uint32_t flags, uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
                        uint32_t bss_end, uint32_t entry)
{
    mb_header_put(p, flags | (1u << 16));
    put32(p + 12, header_addr);
    put32(p + 16, load_addr);
    put32(p + 20, load_end);
    put32(p + 24, bss_end);
    put32(p + 28, entry);
}

typedef struct TestSeg {
    uint32_t type, offset, vaddr, paddr, filesz, memsz;
} TestSeg;

static Elf32_Ehdr ehdr_get(const uint8_t *img)
{
    Elf32_Ehdr eh;
    memcpy(&eh, img, sizeof(eh));
    return eh;
}

static void ehdr_set(uint8_t *img, const Elf32_Ehdr *eh)
{
    memcpy(img, eh, sizeof(*eh));
}

static void phdr_set(uint8_t *img, int i, const TestSeg *s)
{
    Elf32_Phdr ph = {.p_type = s->type, .p_offset = s->offset, .p_vaddr = s->vaddr, .p_paddr = s->paddr,
                     .p_filesz = s->filesz, .p_memsz = s->memsz, .p_flags = PF_R | PF_W | PF_X, .p_align = 0x1000};
    memcpy(img + sizeof(Elf32_Ehdr) + (size_t)i * sizeof(Elf32_Phdr), &ph, sizeof(ph));
}

/* An ELF32 i386 executable header with program headers right after it. */
static void elf_put(uint8_t *img, uint32_t entry, const TestSeg *segs, int n)
{
    Elf32_Ehdr eh = {0};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS32;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_386;
    eh.e_version = EV_CURRENT;
    eh.e_entry = entry;
    eh.e_phoff = sizeof(Elf32_Ehdr);
    eh.e_ehsize = sizeof(Elf32_Ehdr);
    eh.e_phentsize = sizeof(Elf32_Phdr);
    eh.e_phnum = (Elf32_Half)n;
    ehdr_set(img, &eh);
    for (int i = 0; i < n; i++)
        phdr_set(img, i, &segs[i]);
}

/* The standard test kernel: text (0x1000 bytes of pattern, multiboot
 * header first) at file 0x1000 -> 0x100000; data (0x100 bytes) plus
 * bss up to 0x3000 at file 0x2000 -> 0x110000. Entry 0x100010. */
#define K_SIZE       0x2100
#define K_TEXT_OFF   0x1000
#define K_TEXT_ADDR  0x100000u
#define K_DATA_OFF   0x2000
#define K_DATA_ADDR  0x110000u
#define K_DATA_FILE  0x100u
#define K_DATA_MEM   0x3000u
#define K_ENTRY      0x100010u
#define K_END        (K_DATA_ADDR + K_DATA_MEM)

static uint8_t k_byte(size_t off)
{
    return (uint8_t)(off * 7 + 1);
}

static void kernel_build(uint8_t *img, uint32_t vbase, uint32_t mb_flags)
{
    memset(img, 0, K_SIZE);
    for (size_t i = K_TEXT_OFF; i < K_SIZE; i++)
        img[i] = k_byte(i);
    TestSeg segs[] = {
        {PT_LOAD, K_TEXT_OFF, vbase + K_TEXT_ADDR, K_TEXT_ADDR, 0x1000, 0x1000},
        {PT_LOAD, K_DATA_OFF, vbase + K_DATA_ADDR, K_DATA_ADDR, K_DATA_FILE, K_DATA_MEM},
    };
    elf_put(img, vbase + K_ENTRY, segs, 2);
    mb_header_put(img + K_TEXT_OFF, mb_flags);
}

static bool load(TestEnv *t, const char *path, const char *cmdline, const char *modules, MultibootEntry *out,
                 Error *err)
{
    return multiboot_load(&t->mem, &t->layout, path, cmdline, modules, NULL, out, err);
}

/* Load `img` and expect a refusal whose message names the file and says `word`. */
static void expect_reject(TestEnv *t, const char *name, const void *img, size_t len, const char *word)
{
    const char *path = env_file(t, name, img, len);
    MultibootEntry out = {0};
    Error err = {0};
    cr_expect_not(load(t, path, NULL, NULL, &out, &err), "%s: loaded", name);
    cr_expect(err.set, "%s: no error set", name);
    cr_expect_not_null(strstr(err.msg, path), "%s: message does not name the file: %s", name, err.msg);
    cr_expect_not_null(strstr(err.msg, word), "%s: message lacks '%s': %s", name, word, err.msg);
}

/* ---- multiboot: header search ------------------------------------------ */

Test(multiboot, probe_finds_aligned_header)
{
    uint8_t img[MULTIBOOT_SEARCH_LEN] = {0};
    cr_expect_not(multiboot_probe(img, sizeof(img)));
    mb_header_put(img + 64, 0x3);
    cr_expect(multiboot_probe(img, sizeof(img)));
    cr_expect(multiboot_probe(img, 64 + 12), "header ending at the end of the buffer");
    cr_expect_not(multiboot_probe(img, 64 + 11), "header cut off by the buffer end");
}

Test(multiboot, probe_rejects_bad_checksum_misaligned_and_late)
{
    uint8_t img[MULTIBOOT_SEARCH_LEN + 64] = {0};
    mb_header_put(img + 64, 0x3);
    img[64 + 8] ^= 1;
    cr_expect_not(multiboot_probe(img, sizeof(img)), "bad checksum");

    memset(img, 0, sizeof(img));
    mb_header_put(img + 66, 0x3);
    cr_expect_not(multiboot_probe(img, sizeof(img)), "not 4-byte aligned");

    memset(img, 0, sizeof(img));
    mb_header_put(img + MULTIBOOT_SEARCH_LEN - 12, 0x3);
    cr_expect(multiboot_probe(img, sizeof(img)), "last slot inside 8192 bytes");
    memset(img, 0, sizeof(img));
    mb_header_put(img + MULTIBOOT_SEARCH_LEN - 8, 0x3);
    cr_expect_not(multiboot_probe(img, sizeof(img)), "straddles byte 8192");
    memset(img, 0, sizeof(img));
    mb_header_put(img + MULTIBOOT_SEARCH_LEN, 0x3);
    cr_expect_not(multiboot_probe(img, sizeof(img)), "beyond 8192 bytes");
}

/* ---- multiboot: ELF loading -------------------------------------------- */

Test(multiboot, elf_segments_land_at_paddr_with_bss_zeroed)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    const char *path = env_file(&t, "k.elf", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, path, NULL, NULL, &out, &err), "%s", err.msg);

    uint8_t got[0x1000];
    cr_assert(as_read_buf(&t.mem, K_TEXT_ADDR, got, sizeof(got)));
    cr_expect_arr_eq(got, img + K_TEXT_OFF, sizeof(got), "text segment");
    cr_assert(as_read_buf(&t.mem, K_DATA_ADDR, got, K_DATA_FILE));
    cr_expect_arr_eq(got, img + K_DATA_OFF, K_DATA_FILE, "data segment");
    cr_expect(env_ram_all(&t, K_DATA_ADDR + K_DATA_FILE, K_DATA_MEM - K_DATA_FILE, 0), "bss not zeroed");
    cr_expect(env_ram_all(&t, K_TEXT_ADDR + 0x1000, K_DATA_ADDR - K_TEXT_ADDR - 0x1000, LOADER_RAM_FILL),
              "gap between segments written");
    cr_expect(env_ram_all(&t, 0, 0xA0000, LOADER_RAM_FILL), "low memory written");
    cr_expect_eq(out.entry, K_ENTRY);
    env_fini(&t);
}

/* Regression: MAX(mb_copy_kernel(...), ...) once evaluated its argument
 * twice, copying (and logging) every segment two times. */
Test(multiboot, each_segment_is_copied_once)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    const char *path = env_file(&t, "once.elf", img, sizeof(img));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    Log log = {.mask = LOG_MMU, .out = f};
    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(multiboot_load(&t.mem, &t.layout, path, NULL, NULL, &log, &out, &err), "%s", err.msg);
    fclose(f);
    int segs = 0;
    for (const char *p = buf; (p = strstr(p, "bytes from file")); p++)
        segs++;
    cr_expect_eq(segs, 2, "two segments, each copied once; log:\n%s", buf);
    free(buf);
    env_fini(&t);
}

Test(multiboot, elf_entry_translated_from_vaddr)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0xC0000000u, 0x3);     /* higher-half kernel: vaddr = paddr + 3 GiB */
    const char *path = env_file(&t, "high.elf", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, path, NULL, NULL, &out, &err), "%s", err.msg);
    cr_expect_eq(out.entry, K_ENTRY, "entry 0x%x", out.entry);
    cr_expect_eq(as_read(&t.mem, K_TEXT_ADDR + 0x20, 1), k_byte(K_TEXT_OFF + 0x20), "loaded at paddr");
    env_fini(&t);
}

Test(multiboot, elf_physical_entry_accepted)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0xC0000000u, 0x3);
    Elf32_Ehdr eh = ehdr_get(img);
    eh.e_entry = K_ENTRY;                     /* inside a paddr range only */
    ehdr_set(img, &eh);
    const char *path = env_file(&t, "physentry.elf", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, path, NULL, NULL, &out, &err), "%s", err.msg);
    cr_expect_eq(out.entry, K_ENTRY);
    env_fini(&t);
}

/* EAX = 0x2BADB002 and EBX = info_addr are set by the CPU entry code from
 * these values: the info address must point at the structure in RAM. */
Test(multiboot, entry_state_contract)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    const char *path = env_file(&t, "contract.elf", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, path, "x", NULL, &out, &err), "%s", err.msg);
    cr_expect_eq(MULTIBOOT_BOOTLOADER_MAGIC, 0x2BADB002u);
    cr_expect_eq(out.entry, K_ENTRY);
    cr_expect_eq(out.info_addr % 4096, 0, "info at 0x%x", out.info_addr);
    cr_expect_geq(out.info_addr, K_END, "info overlaps the kernel");
    cr_expect(as_is_ram(&t.mem, out.info_addr, 116));
    cr_expect_neq(env_rd32(&t, out.info_addr), 0xAAAAAAAAu, "no structure written");
    env_fini(&t);
}

/* ---- multiboot: information structure ---------------------------------- */

#define MBI_WANT_FLAGS ((1u << 0) | (1u << 2) | (1u << 6) | (1u << 9))

Test(multiboot, mbi_fields)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x7);                /* page align, memory info, video mode */
    const char *path = env_file(&t, "mbi.elf", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, path, "console=ttyS0 debug", NULL, &out, &err), "%s", err.msg);
    uint32_t mbi = out.info_addr;
    char buf[512], want[600];

    cr_expect_eq(env_rd32(&t, mbi + 0), MBI_WANT_FLAGS, "flags 0x%x (no video info, no modules)", env_rd32(&t, mbi));
    cr_expect_eq(env_rd32(&t, mbi + 4), 640, "mem_lower");
    cr_expect_eq(env_rd32(&t, mbi + 8), 15 * 1024, "mem_upper");
    snprintf(want, sizeof(want), "%s console=ttyS0 debug", path);
    cr_expect_str_eq(env_rdstr(&t, env_rd32(&t, mbi + 16), buf, sizeof(buf)), want);
    cr_expect_str_eq(env_rdstr(&t, env_rd32(&t, mbi + 64), buf, sizeof(buf)), "jitpc");
    cr_expect_eq(env_rd32(&t, mbi + 20), 0, "mods_count");
    cr_expect_eq(env_rd32(&t, mbi + 72), 0, "vbe_control_info");
    cr_expect_eq(env_rd32(&t, mbi + 88), 0, "framebuffer_addr");
    env_fini(&t);
}

Test(multiboot, mbi_cmdline_without_append_is_path)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0);
    const char *path = env_file(&t, "noappend.elf", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, path, NULL, NULL, &out, &err), "%s", err.msg);
    char buf[512];
    cr_expect_str_eq(env_rdstr(&t, env_rd32(&t, out.info_addr + 16), buf, sizeof(buf)), path);
    env_fini(&t);
}

typedef struct MapWant {
    uint64_t base, len;
    uint32_t type;
} MapWant;

static void expect_mmap(TestEnv *t, uint32_t mbi, const MapWant *want, int n)
{
    cr_expect_eq(env_rd32(t, mbi + 44), (uint32_t)n * 24, "mmap_length %u", env_rd32(t, mbi + 44));
    uint32_t e = env_rd32(t, mbi + 48);
    for (int i = 0; i < n; i++, e += 24) {
        cr_expect_eq(env_rd32(t, e), 20, "entry %d size", i);
        cr_expect_eq(env_rd64(t, e + 4), want[i].base, "entry %d base 0x%lx", i, (unsigned long)env_rd64(t, e + 4));
        cr_expect_eq(env_rd64(t, e + 12), want[i].len, "entry %d length 0x%lx", i, (unsigned long)env_rd64(t, e + 12));
        cr_expect_eq(env_rd32(t, e + 20), want[i].type, "entry %d type", i);
    }
}

Test(multiboot, mbi_mmap_exact)
{
    TestEnv t;
    env_init(&t, 32 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x2);
    const char *path = env_file(&t, "mmap.elf", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, path, NULL, NULL, &out, &err), "%s", err.msg);
    cr_expect_eq(env_rd32(&t, out.info_addr + 8), 31 * 1024, "mem_upper");
    MapWant want[] = {
        {0, 0x9FC00, 1},
        {0x9FC00, 0x400, 2},
        {0xF0000, 0x10000, 2},
        {0x100000, 31 * MiB, 1},
    };
    expect_mmap(&t, out.info_addr, want, 4);
    env_fini(&t);
}

Test(multiboot, mbi_mmap_with_high_ram)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 3 * GiB);          /* high RAM is described, not mapped here */
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x2);
    const char *path = env_file(&t, "mmaphigh.elf", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, path, NULL, NULL, &out, &err), "%s", err.msg);
    MapWant want[] = {
        {0, 0x9FC00, 1},
        {0x9FC00, 0x400, 2},
        {0xF0000, 0x10000, 2},
        {0x100000, 15 * MiB, 1},
        {4 * GiB, 3 * GiB, 1},
    };
    expect_mmap(&t, out.info_addr, want, 5);
    env_fini(&t);
}

/* ---- multiboot: modules ------------------------------------------------ */

static void expect_module(TestEnv *t, uint32_t entry, const uint8_t *data, size_t len, const char *text,
                          uint64_t min_start)
{
    char buf[512];
    uint32_t start = env_rd32(t, entry), end = env_rd32(t, entry + 4);
    cr_expect_eq(start % 4096, 0, "mod_start 0x%x not page aligned", start);
    cr_expect_geq(start, min_start, "mod_start 0x%x overlaps what precedes it", start);
    cr_expect_eq(end - start, len, "mod_end - mod_start = 0x%x", end - start);
    uint8_t *got = malloc(len);
    cr_assert(as_read_buf(&t->mem, start, got, len));
    cr_expect_arr_eq(got, data, len, "module contents");
    free(got);
    cr_expect_str_eq(env_rdstr(t, env_rd32(t, entry + 8), buf, sizeof(buf)), text);
    cr_expect_eq(env_rd32(t, entry + 12), 0, "reserved");
}

Test(multiboot, modules_loaded_page_aligned_with_strings)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    const char *kpath = env_file(&t, "mods.elf", img, sizeof(img));
    uint8_t m1[5000], m2[3];
    for (size_t i = 0; i < sizeof(m1); i++)
        m1[i] = (uint8_t)(i * 13 + 5);
    memcpy(m2, "xyz", 3);
    const char *p1 = env_file(&t, "mod1", m1, sizeof(m1));
    const char *p2 = env_file(&t, "mod2", m2, sizeof(m2));
    char list[1200], text1[600];
    snprintf(text1, sizeof(text1), "%s arg1 arg2=3", p1);
    snprintf(list, sizeof(list), "%s,%s", text1, p2);

    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, kpath, NULL, list, &out, &err), "%s", err.msg);
    uint32_t mbi = out.info_addr;
    cr_expect_eq(env_rd32(&t, mbi), MBI_WANT_FLAGS | (1u << 3), "flags 0x%x", env_rd32(&t, mbi));
    cr_expect_eq(env_rd32(&t, mbi + 20), 2, "mods_count");
    uint32_t mods = env_rd32(&t, mbi + 24);
    expect_module(&t, mods, m1, sizeof(m1), text1, K_END);
    expect_module(&t, mods + 16, m2, sizeof(m2), p2, env_rd32(&t, mods + 4));
    cr_expect_geq(mbi, env_rd32(&t, mods + 16 + 4), "information overlaps a module");
    env_fini(&t);
}

Test(multiboot, module_list_double_comma_is_literal)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    const char *kpath = env_file(&t, "esc.elf", img, sizeof(img));
    const char *p1 = env_file(&t, "a,b", "AB", 2);    /* a comma in the file name */
    const char *p2 = env_file(&t, "c", "C", 1);
    /* Escape the name's comma for the list. */
    char escaped[600] = "", list[1400], text1[700];
    for (const char *s = p1; *s; s++)
        strncat(escaped, *s == ',' ? ",," : (char[]){*s, 0}, sizeof(escaped) - strlen(escaped) - 1);
    snprintf(list, sizeof(list), "%s x,,y,%s", escaped, p2);
    snprintf(text1, sizeof(text1), "%s x,y", p1);

    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, kpath, NULL, list, &out, &err), "%s", err.msg);
    cr_expect_eq(env_rd32(&t, out.info_addr + 20), 2, "mods_count");
    uint32_t mods = env_rd32(&t, out.info_addr + 24);
    expect_module(&t, mods, (const uint8_t *)"AB", 2, text1, K_END);
    expect_module(&t, mods + 16, (const uint8_t *)"C", 1, p2, K_END);
    env_fini(&t);
}

Test(multiboot, module_missing_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    const char *kpath = env_file(&t, "nomod.elf", img, sizeof(img));
    const char *missing = env_path(&t, "missing-module");
    char list[600];
    snprintf(list, sizeof(list), "%s args", missing);
    MultibootEntry out = {0};
    Error err = {0};
    cr_expect_not(load(&t, kpath, NULL, list, &out, &err));
    cr_expect_not_null(strstr(err.msg, missing), "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, strerror(ENOENT)), "%s", err.msg);
    cr_expect_null(strstr(err.msg, " args"), "args taken as part of the name: %s", err.msg);
    env_fini(&t);
}

Test(multiboot, module_too_big_rejected)
{
    TestEnv t;
    env_init(&t, 2 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    const char *kpath = env_file(&t, "bigmod.elf", img, sizeof(img));
    uint8_t *big = calloc(1, MiB);
    const char *mpath = env_file(&t, "bigmod", big, MiB);   /* RAM ends at 2 MiB; the kernel at 1 MiB */
    free(big);
    MultibootEntry out = {0};
    Error err = {0};
    cr_expect_not(load(&t, kpath, NULL, mpath, &out, &err));
    cr_expect_not_null(strstr(err.msg, mpath), "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, "does not fit"), "%s", err.msg);
    env_fini(&t);
}

Test(multiboot, module_empty_entry_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    const char *kpath = env_file(&t, "emptymod.elf", img, sizeof(img));
    const char *mpath = env_file(&t, "m", "M", 1);
    char list[600];
    snprintf(list, sizeof(list), "%s,", mpath);
    MultibootEntry out = {0};
    Error err = {0};
    cr_expect_not(load(&t, kpath, NULL, list, &out, &err));
    cr_expect_not_null(strstr(err.msg, "no file name"), "%s", err.msg);
    env_fini(&t);
}

/* ---- multiboot: a.out kludge ------------------------------------------- */

/* A flat image: 0x1800 bytes of pattern, header at offset 0x40, loaded at 2 MiB. */
#define A_SIZE 0x1800
#define A_BASE 0x200000u

static void aout_build(uint8_t *img, uint32_t header_addr, uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
    for (size_t i = 0; i < A_SIZE; i++)
        img[i] = k_byte(i) | 1;               /* never 0: bss must be distinguishable */
    mb_aout_put(img + 0x40, 0x3, header_addr, A_BASE, load_end, bss_end, entry);
}

Test(multiboot, aout_kludge_loads_with_bss)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[A_SIZE];
    aout_build(img, A_BASE + 0x40, A_BASE + 0x1000, A_BASE + 0x4000, A_BASE + 0x100);
    const char *path = env_file(&t, "aout.bin", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, path, NULL, NULL, &out, &err), "%s", err.msg);
    uint8_t got[0x1000];
    cr_assert(as_read_buf(&t.mem, A_BASE, got, sizeof(got)));
    cr_expect_arr_eq(got, img, sizeof(got), "image");
    cr_expect(env_ram_all(&t, A_BASE + 0x1000, 0x3000, 0), "bss (and no bytes past load_end_addr)");
    cr_expect(env_ram_all(&t, A_BASE - 0x1000, 0x1000, LOADER_RAM_FILL), "written below load_addr");
    cr_expect_eq(out.entry, A_BASE + 0x100);
    cr_expect_geq(out.info_addr, A_BASE + 0x4000);
    env_fini(&t);
}

Test(multiboot, aout_kludge_whole_file_without_bss)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[A_SIZE];
    /* Header 0x40 into the file but load_addr 0x20 before it: file offset 0x20 goes to A_BASE. */
    aout_build(img, A_BASE + 0x20, 0, 0, A_BASE + 0x10);
    const char *path = env_file(&t, "aoutall.bin", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_assert(load(&t, path, NULL, NULL, &out, &err), "%s", err.msg);
    uint8_t got[A_SIZE - 0x20];
    cr_assert(as_read_buf(&t.mem, A_BASE, got, sizeof(got)));
    cr_expect_arr_eq(got, img + 0x20, sizeof(got));
    cr_expect(env_ram_all(&t, A_BASE + sizeof(got), 0x2000 - sizeof(got), LOADER_RAM_FILL), "bytes written after the image");
    cr_expect_eq(out.info_addr, A_BASE + 0x2000, "information not on the next page");
    cr_expect_eq(out.entry, A_BASE + 0x10);
    env_fini(&t);
}

Test(multiboot, aout_kludge_rejects)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[A_SIZE];
    aout_build(img, A_BASE - 0x100, 0, 0, A_BASE);
    expect_reject(&t, "a-hdr.bin", img, sizeof(img), "below load_addr");
    aout_build(img, A_BASE + 0x80, 0, 0, A_BASE + 0x100);
    expect_reject(&t, "a-before.bin", img, sizeof(img), "before the beginning");
    aout_build(img, A_BASE + 0x40, A_BASE + 0x2000, 0, A_BASE);
    expect_reject(&t, "a-trunc.bin", img, sizeof(img), "truncated");
    aout_build(img, A_BASE + 0x40, A_BASE + 0x1000, A_BASE + 0x800, A_BASE);
    expect_reject(&t, "a-bss.bin", img, sizeof(img), "bss_end_addr");
    aout_build(img, A_BASE + 0x40, A_BASE + 0x1000, 0, A_BASE + 0x1000);
    expect_reject(&t, "a-entry.bin", img, sizeof(img), "entry point");
    for (size_t i = 0; i < A_SIZE; i++)
        img[i] = 1;
    mb_aout_put(img + 0x40, 0, 0xA0040, 0xA0000, 0, 0, 0xA0000);   /* the VGA window */
    expect_reject(&t, "a-ram.bin", img, sizeof(img), "outside guest RAM");
    env_fini(&t);
}

Test(multiboot, aout_header_cut_off_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[0x60] = {0};
    mb_aout_put(img + 0x40, 0, A_BASE + 0x40, A_BASE, 0, 0, A_BASE);
    expect_reject(&t, "a-short.bin", img, 0x40 + 16, "truncated");
    env_fini(&t);
}

/* ---- multiboot: refusals ----------------------------------------------- */

Test(multiboot, missing_kernel_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    const char *path = env_path(&t, "no-such-kernel.elf");
    MultibootEntry out = {0};
    Error err = {0};
    cr_expect_not(load(&t, path, NULL, NULL, &out, &err));
    cr_expect_not_null(strstr(err.msg, path), "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, strerror(ENOENT)), "%s", err.msg);
    env_fini(&t);
}

Test(multiboot, no_header_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    memset(img + K_TEXT_OFF, 0, 12);
    expect_reject(&t, "nohdr.elf", img, sizeof(img), "no multiboot header");
    env_fini(&t);
}

Test(multiboot, header_beyond_8192_bytes_not_found)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[0x3000] = {0};
    TestSeg seg = {PT_LOAD, 0x1000, K_TEXT_ADDR, K_TEXT_ADDR, 0x2000, 0x2000};
    elf_put(img, K_TEXT_ADDR, &seg, 1);
    mb_header_put(img + 8192, 0x3);
    expect_reject(&t, "late.elf", img, sizeof(img), "no multiboot header");

    /* Control: the last slot that lies wholly within 8192 bytes is found. */
    memset(img + 8192, 0, 12);
    mb_header_put(img + 8192 - 12, 0x3);
    const char *path = env_file(&t, "lastslot.elf", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_expect(load(&t, path, NULL, NULL, &out, &err), "%s", err.msg);
    env_fini(&t);
}

Test(multiboot, unknown_required_flag_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3 | (1u << 3));
    expect_reject(&t, "flag3.elf", img, sizeof(img), "unsupported");
    kernel_build(img, 0, 1u << 15);
    expect_reject(&t, "flag15.elf", img, sizeof(img), "unsupported");
    env_fini(&t);
}

Test(multiboot, unknown_optional_flag_ignored)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3 | (1u << 17) | (1u << 31));
    const char *path = env_file(&t, "flag17.elf", img, sizeof(img));
    MultibootEntry out = {0};
    Error err = {0};
    cr_expect(load(&t, path, NULL, NULL, &out, &err), "%s", err.msg);
    env_fini(&t);
}

Test(multiboot, not_elf_without_kludge_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[0x1000];
    memset(img, 0x90, sizeof(img));
    mb_header_put(img + 0x100, 0x3);
    expect_reject(&t, "flat.bin", img, sizeof(img), "not an ELF file");
    env_fini(&t);
}

Test(multiboot, elf_header_rejects)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    Elf32_Ehdr eh;

    kernel_build(img, 0, 0x3);
    img[EI_CLASS] = ELFCLASS64;
    expect_reject(&t, "elf64.elf", img, sizeof(img), "64-bit");

    kernel_build(img, 0, 0x3);
    eh = ehdr_get(img);
    eh.e_machine = EM_X86_64;
    ehdr_set(img, &eh);
    expect_reject(&t, "x86_64.elf", img, sizeof(img), "not an i386");

    kernel_build(img, 0, 0x3);
    eh = ehdr_get(img);
    eh.e_type = ET_DYN;
    ehdr_set(img, &eh);
    expect_reject(&t, "dyn.elf", img, sizeof(img), "not an ELF executable");

    /* ELF identification, then the multiboot header, and nothing else. */
    uint8_t tiny[48] = {0};
    memcpy(tiny, img, 16);
    mb_header_put(tiny + 36, 0x3);
    expect_reject(&t, "tiny.elf", tiny, sizeof(tiny), "truncated");

    kernel_build(img, 0, 0x3);
    eh = ehdr_get(img);
    eh.e_phoff = K_SIZE - 40;                 /* table of two runs past the end */
    ehdr_set(img, &eh);
    expect_reject(&t, "phoff.elf", img, sizeof(img), "truncated");

    kernel_build(img, 0, 0x3);
    eh = ehdr_get(img);
    eh.e_phoff = K_SIZE + 0x1000;
    ehdr_set(img, &eh);
    expect_reject(&t, "phoff2.elf", img, sizeof(img), "truncated");
    env_fini(&t);
}

Test(multiboot, elf_segment_rejects)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    TestSeg s;

    kernel_build(img, 0, 0x3);
    s = (TestSeg){PT_LOAD, K_DATA_OFF, K_DATA_ADDR, K_DATA_ADDR, K_DATA_FILE + 1, K_DATA_MEM};
    phdr_set(img, 1, &s);
    expect_reject(&t, "segtrunc.elf", img, sizeof(img), "truncated");

    kernel_build(img, 0, 0x3);
    s = (TestSeg){PT_LOAD, K_DATA_OFF, K_DATA_ADDR, K_DATA_ADDR, K_DATA_FILE, K_DATA_FILE - 1};
    phdr_set(img, 1, &s);
    expect_reject(&t, "filesz.elf", img, sizeof(img), "exceeds its memory size");

    kernel_build(img, 0, 0x3);
    s = (TestSeg){PT_LOAD, K_DATA_OFF, 0xB8000, 0xB8000, K_DATA_FILE, K_DATA_MEM};   /* VGA window */
    phdr_set(img, 1, &s);
    expect_reject(&t, "vga.elf", img, sizeof(img), "outside guest RAM");

    kernel_build(img, 0, 0x3);
    s = (TestSeg){PT_LOAD, K_DATA_OFF, 16 * MiB - 0x1000, 16 * MiB - 0x1000, K_DATA_FILE, K_DATA_MEM};
    phdr_set(img, 1, &s);                     /* runs past the end of RAM */
    expect_reject(&t, "pastend.elf", img, sizeof(img), "outside guest RAM");

    kernel_build(img, 0, 0x3);
    s = (TestSeg){PT_LOAD, K_DATA_OFF, 0xFFFFF000u, 0xFFFFF000u, K_DATA_FILE, K_DATA_MEM};
    phdr_set(img, 1, &s);                     /* wraps past 4 GiB */
    expect_reject(&t, "wrap.elf", img, sizeof(img), "outside guest RAM");

    kernel_build(img, 0, 0x3);
    s = (TestSeg){PT_NOTE, K_TEXT_OFF, K_TEXT_ADDR, K_TEXT_ADDR, 0x1000, 0x1000};
    phdr_set(img, 0, &s);
    s.offset = K_DATA_OFF;
    s.filesz = s.memsz = K_DATA_FILE;
    phdr_set(img, 1, &s);
    expect_reject(&t, "noload.elf", img, sizeof(img), "no loadable");

    kernel_build(img, 0, 0x3);
    Elf32_Ehdr eh = ehdr_get(img);
    eh.e_entry = 0x500000;
    ehdr_set(img, &eh);
    expect_reject(&t, "entry.elf", img, sizeof(img), "entry point");

    kernel_build(img, 0, 0x3);
    eh = ehdr_get(img);
    eh.e_entry = K_DATA_ADDR + K_DATA_MEM;    /* one past the end of bss */
    ehdr_set(img, &eh);
    expect_reject(&t, "entryend.elf", img, sizeof(img), "entry point");
    env_fini(&t);
}

/* A 32-bit kernel cannot reach past 4 GiB, even where the board has RAM. */
Test(multiboot, segment_crossing_4g_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t *top = calloc(1, 0x10000);
    Error err = {0};
    cr_assert(as_map_ram(&t.mem, 4 * GiB - 0x8000, 0x10000, top, "ram-4g", &err), "%s", err.msg);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    TestSeg s = {PT_LOAD, K_DATA_OFF, 0xFFFFF000u, 0xFFFFF000u, K_DATA_FILE, K_DATA_MEM};
    phdr_set(img, 1, &s);
    expect_reject(&t, "cross4g.elf", img, sizeof(img), "outside guest RAM");
    env_fini(&t);
    free(top);
}

/* The whole image is checked before any byte reaches RAM. */
Test(multiboot, rejected_kernel_leaves_ram_untouched)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    TestSeg s = {PT_LOAD, K_DATA_OFF, 0xA0000, 0xA0000, K_DATA_FILE, K_DATA_MEM};
    phdr_set(img, 1, &s);
    expect_reject(&t, "partial.elf", img, sizeof(img), "outside guest RAM");
    cr_expect(env_ram_all(&t, K_TEXT_ADDR, 0x1000, LOADER_RAM_FILL), "first segment was written");
    env_fini(&t);
}

Test(multiboot, no_room_for_information_rejected)
{
    TestEnv t;
    env_init(&t, 2 * MiB, 0);
    uint8_t img[K_SIZE];
    kernel_build(img, 0, 0x3);
    TestSeg s = {PT_LOAD, K_DATA_OFF, K_DATA_ADDR, K_DATA_ADDR, K_DATA_FILE, 2 * MiB - K_DATA_ADDR};
    phdr_set(img, 1, &s);                     /* bss fills RAM to its end */
    expect_reject(&t, "full.elf", img, sizeof(img), "no room");
    env_fini(&t);
}

/* ---- BIOS ROM ---------------------------------------------------------- */

static uint8_t *rom_pattern(size_t size)
{
    uint8_t *p = malloc(size);
    cr_assert_not_null(p);
    for (size_t i = 0; i < size; i++)
        p[i] = (uint8_t)(i ^ (i >> 8) ^ (i >> 16));
    return p;
}

Test(rom, bios_64k_mapped_at_top_and_below_1m)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t *img = rom_pattern(64 * 1024);
    const char *path = env_file(&t, "bios64k.bin", img, 64 * 1024);
    RomImage rom;
    Error err = {0};
    cr_assert(rom_load_bios(&t.mem, path, &rom, &err), "%s", err.msg);
    cr_expect_eq(rom.size, 0x10000);
    cr_expect_eq(rom.low_base, 0xF0000);
    cr_expect_eq(rom.low_size, 0x10000);
    for (uint64_t i = 0; i < 0x10000; i++) {
        uint64_t top = as_read(&t.mem, 0xFFFF0000 + i, 1), low = as_read(&t.mem, 0xF0000 + i, 1);
        cr_expect(top == img[i] && low == img[i], "byte 0x%lx: top 0x%lx low 0x%lx want 0x%x", (unsigned long)i,
                  (unsigned long)top, (unsigned long)low, img[i]);
        if (top != img[i] || low != img[i])
            break;
    }
    cr_expect_eq(as_read(&t.mem, 0xFFFFFFF0, 4), env_rd32(&t, 0xFFFF0) , "reset vector alias");
    const MemRegion *top = as_find(&t.mem, 0xFFFFFFFF), *low = as_find(&t.mem, 0xFFFFF);
    cr_assert_not_null(top);
    cr_assert_not_null(low);
    cr_expect_str_eq(top->name, "bios");
    cr_expect_str_eq(low->name, "bios-low");
    cr_expect_eq(top->kind, REGION_ROM);
    cr_expect_eq(low->kind, REGION_ROM);
    cr_expect_eq(top->base, 0xFFFF0000);
    cr_expect_null(as_find(&t.mem, 0xEFFFF), "low alias too long");
    cr_expect_null(as_find(&t.mem, 0xFFFEFFFF), "top mapping too long");
    as_write(&t.mem, 0xF0000, 0x55, 1);
    cr_expect_eq(as_read(&t.mem, 0xF0000, 1), img[0], "ROM written");
    as_destroy(&t.mem);
    as_init(&t.mem, "memory", PHYS_ADDR_SPACE_SIZE, NULL);
    rom_image_free(&rom);
    cr_expect_null(rom.data);
    free(img);
    env_fini(&t);
}

Test(rom, bios_256k_low_alias_is_last_128k)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    size_t size = 256 * 1024;
    uint8_t *img = rom_pattern(size);
    img[0] = 0x11;
    img[size - 128 * 1024] = 0x22;
    img[size - 1] = 0x33;
    const char *path = env_file(&t, "bios256k.bin", img, size);
    RomImage rom;
    Error err = {0};
    cr_assert(rom_load_bios(&t.mem, path, &rom, &err), "%s", err.msg);
    cr_expect_eq(rom.low_base, 0xE0000);
    cr_expect_eq(rom.low_size, 128 * 1024);
    cr_expect_eq(as_find(&t.mem, 0xFFFC0000)->base, 0xFFFC0000);
    cr_expect_eq(as_read(&t.mem, 0xFFFC0000, 1), 0x11);
    cr_expect_eq(as_read(&t.mem, 0xFFFE0000, 1), 0x22);
    cr_expect_eq(as_read(&t.mem, 0xFFFFFFFF, 1), 0x33);
    cr_expect_eq(as_read(&t.mem, 0xE0000, 1), 0x22, "low alias starts at the last 128 KiB");
    cr_expect_eq(as_read(&t.mem, 0xFFFFF, 1), 0x33);
    uint8_t got[128 * 1024];
    cr_assert(as_read_buf(&t.mem, 0xE0000, got, sizeof(got)));
    cr_expect_arr_eq(got, img + size - sizeof(got), sizeof(got));
    cr_expect_null(as_find(&t.mem, 0xDFFFF));
    as_destroy(&t.mem);
    as_init(&t.mem, "memory", PHYS_ADDR_SPACE_SIZE, NULL);
    rom_image_free(&rom);
    free(img);
    env_fini(&t);
}

Test(rom, bios_small_and_largest_accepted)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t sixteen[16] = {0xEA, 0x5B, 0xE0, 0x00, 0xF0};
    const char *path = env_file(&t, "bios16.bin", sixteen, sizeof(sixteen));
    RomImage rom;
    Error err = {0};
    cr_assert(rom_load_bios(&t.mem, path, &rom, &err), "%s", err.msg);
    cr_expect_eq(rom.low_base, 0xFFFF0);
    cr_expect_eq(rom.low_size, 16);
    cr_expect_eq(as_read(&t.mem, 0xFFFFFFF0, 1), 0xEA);
    cr_expect_eq(as_read(&t.mem, 0xFFFF0, 1), 0xEA);
    as_unmap(&t.mem, 0xFFFFFFF0);
    as_unmap(&t.mem, 0xFFFF0);
    rom_image_free(&rom);

    uint8_t *big = rom_pattern(16 * MiB);
    path = env_file(&t, "bios16m.bin", big, 16 * MiB);
    cr_assert(rom_load_bios(&t.mem, path, &rom, &err), "%s", err.msg);
    cr_expect_eq(as_find(&t.mem, 0xFF000000)->base, 0xFF000000);
    uint8_t got[16];
    cr_assert(as_read_buf(&t.mem, 0xFF000000, got, 16));
    cr_expect_arr_eq(got, big, 16, "start of a 16 MiB image");
    cr_assert(as_read_buf(&t.mem, 0xFFFFFFF0, got, 16));
    cr_expect_arr_eq(got, big + 16 * MiB - 16, 16, "reset vector of a 16 MiB image");
    cr_assert(as_read_buf(&t.mem, 0xFFFF0, got, 16));
    cr_expect_arr_eq(got, big + 16 * MiB - 16, 16, "low alias of a 16 MiB image");
    cr_expect_eq(rom.low_base, 0xE0000);
    as_unmap(&t.mem, 0xFF000000);
    as_unmap(&t.mem, 0xE0000);
    rom_image_free(&rom);
    free(big);
    env_fini(&t);
}

static void expect_bios_reject(TestEnv *t, const char *name, size_t size, const char *word)
{
    uint8_t *img = calloc(1, size ? size : 1);
    const char *path = env_file(t, name, img, size);
    free(img);
    RomImage rom = {.size = 1};
    Error err = {0};
    cr_expect_not(rom_load_bios(&t->mem, path, &rom, &err), "%s loaded", name);
    cr_expect_null(rom.data);
    cr_expect_not_null(strstr(err.msg, path), "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, word), "%s", err.msg);
    cr_expect_null(as_find(&t->mem, 0xFFFFFFFF), "%s: left a mapping", name);
    cr_expect_null(as_find(&t->mem, 0xFFFFF), "%s: left a mapping", name);
}

Test(rom, bios_bad_sizes_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    expect_bios_reject(&t, "empty.bin", 0, "empty");
    expect_bios_reject(&t, "odd.bin", 1000, "multiple of 16");
    expect_bios_reject(&t, "huge.bin", 16 * MiB + 16, "too large");
    env_fini(&t);
}

Test(rom, bios_missing_file_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    const char *path = env_path(&t, "no-such-bios.bin");
    RomImage rom;
    Error err = {0};
    cr_expect_not(rom_load_bios(&t.mem, path, &rom, &err));
    cr_expect_not_null(strstr(err.msg, path), "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, "-bios"), "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, strerror(ENOENT)), "%s", err.msg);
    env_fini(&t);
}

Test(rom, bios_directory_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    RomImage rom;
    Error err = {0};
    cr_expect_not(rom_load_bios(&t.mem, JITPC_TEST_TMPDIR, &rom, &err));
    cr_expect_not_null(strstr(err.msg, strerror(EISDIR)), "%s", err.msg);
    env_fini(&t);
}

Test(rom, bios_overlapping_mapping_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    uint8_t *img = rom_pattern(0x30000);      /* its low alias covers [0xE0000, 0x100000) */
    const char *path = env_file(&t, "bios192k.bin", img, 0x30000);
    free(img);
    uint8_t dummy[16];
    Error err = {0};
    cr_assert(as_map_rom(&t.mem, 0xE0000, sizeof(dummy), dummy, "option-rom", &err), "%s", err.msg);
    RomImage rom;
    cr_expect_not(rom_load_bios(&t.mem, path, &rom, &err));
    cr_expect_not_null(strstr(err.msg, "overlaps"), "%s", err.msg);
    cr_expect_null(as_find(&t.mem, 0xFFFFFFFF), "top mapping left behind");
    env_fini(&t);
}
