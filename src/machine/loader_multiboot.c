/* Multiboot v1 loading (Multiboot Specification 0.6.96); see
 * loader_multiboot.h. Guest RAM after loading: the kernel where its ELF
 * program headers (or the header's a.out-kludge address fields) put it;
 * each module page-aligned after the highest kernel byte; then one
 * page-aligned block with the information structure, module list, memory
 * map and strings. The kernel is fully checked before any byte is written. */
#include "machine/loader_multiboot.h"

#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "machine/loader_rom.h"

/* Header flags (§3.1.2): a loader must refuse a kernel that sets a bit in
 * 0-15 it does not understand; bits 16-31 are optional features. */
#define MB_FLAG_PAGE_ALIGN  (1u << 0)   /* modules on 4 KiB boundaries: always done */
#define MB_FLAG_MEMORY_INFO (1u << 1)   /* mem_* and mmap_*: always given */
#define MB_FLAG_VIDEO_MODE  (1u << 2)   /* preferred video mode: allowed, not honoured */
#define MB_FLAG_AOUT_KLUDGE (1u << 16)  /* the header's address fields are valid */
#define MB_FLAGS_KNOWN      (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE)

#define MB_HEADER_LEN      12   /* magic, flags, checksum */
#define MB_HEADER_AOUT_LEN 32   /* ... header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr */

/* Information structure (§3.3): flags we set and field offsets. */
#define MBI_FLAG_MEM         (1u << 0)
#define MBI_FLAG_CMDLINE     (1u << 2)
#define MBI_FLAG_MODS        (1u << 3)
#define MBI_FLAG_MMAP        (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)

enum {
    MBI_FLAGS = 0,
    MBI_MEM_LOWER = 4,
    MBI_MEM_UPPER = 8,
    MBI_CMDLINE = 16,
    MBI_MODS_COUNT = 20,
    MBI_MODS_ADDR = 24,
    MBI_MMAP_LENGTH = 44,
    MBI_MMAP_ADDR = 48,
    MBI_LOADER_NAME = 64,
    MBI_SIZE = 116,             /* through the framebuffer fields; unused ones stay 0 */
    MB_MOD_SIZE = 16,           /* mod_start, mod_end, string, reserved */
    MB_MMAP_ENTRY_SIZE = 24,    /* size (20: the rest), base_addr, length, type */
    MB_MMAP_MAX = 5,
};

#define MB_MMAP_AVAILABLE 1
#define MB_MMAP_RESERVED  2

#define MB_PAGE      4096ULL
#define MB_4G        (1ULL << 32)
#define MB_LOW_END   0xA0000ULL     /* conventional memory ends at the VGA window */
#define MB_EBDA_BASE 0x9FC00ULL     /* top 1 KiB of it is reported as reserved, as BIOSes do */
#define MB_BIOS_BASE 0xF0000ULL
#define MB_HIGH_MEM  0x100000ULL

#define MB_LOADER_NAME "jitpc"

typedef struct MbHeader {
    uint64_t offset;            /* of the magic, in the file */
    uint32_t flags;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;  /* a.out kludge */
} MbHeader;

/* One piece of the kernel: filesz bytes from the file at `offset`, then
 * zeros up to memsz, at physical address paddr. */
typedef struct MbSegment {
    uint64_t offset, paddr, vaddr, filesz, memsz;
} MbSegment;

typedef struct MbKernel {
    const char *path;
    uint8_t *data;
    uint64_t size;
    MbSegment *segs;
    int nsegs;
    uint32_t entry;             /* physical */
} MbKernel;

typedef struct MbModule {
    char *text;                 /* the unescaped "file args" entry: the module's string */
    uint64_t start, end;
} MbModule;

/* One memory map entry (§3.3 mmap_*): what the board's e820 map would say. */
typedef struct MbMapEntry {
    uint64_t base, len;
    uint32_t type;              /* MB_MMAP_* */
} MbMapEntry;

/* Zeros for bss; const, so not mutable state. */
static const uint8_t mb_zero_page[MB_PAGE];

static uint32_t mb_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void mb_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void mb_put64(uint8_t *p, uint64_t v)
{
    mb_put32(p, (uint32_t)v);
    mb_put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t mb_align_up(uint64_t v, uint64_t align)
{
    return (v + align - 1) & ~(align - 1);
}

/* Offset of the first valid header, which must lie wholly within the
 * first MULTIBOOT_SEARCH_LEN bytes (§3.1.1). */
static bool mb_find_header(const uint8_t *image, size_t len, size_t *offset)
{
    size_t limit = MIN(len, (size_t)MULTIBOOT_SEARCH_LEN);
    for (size_t off = 0; off + MB_HEADER_LEN <= limit; off += 4) {
        const uint8_t *p = image + off;
        if (mb_get32(p) != MULTIBOOT_HEADER_MAGIC)
            continue;
        if ((uint32_t)(mb_get32(p) + mb_get32(p + 4) + mb_get32(p + 8)) == 0) {
            *offset = off;
            return true;
        }
    }
    return false;
}

bool multiboot_probe(const uint8_t *image, size_t len)
{
    size_t off;
    return mb_find_header(image, len, &off);
}

static bool mb_parse_header(const MbKernel *k, MbHeader *h, Error *err)
{
    size_t off;
    if (!mb_find_header(k->data, (size_t)k->size, &off)) {
        error_setf(err, "-kernel: '%s' has no multiboot header in its first %d bytes", k->path,
                   MULTIBOOT_SEARCH_LEN);
        return false;
    }
    memset(h, 0, sizeof(*h));
    h->offset = off;
    h->flags = mb_get32(k->data + off + 4);
    uint32_t unknown = h->flags & 0xFFFFu & ~MB_FLAGS_KNOWN;
    if (unknown) {
        error_setf(err, "-kernel: '%s': multiboot header requires unsupported features (flags 0x%08" PRIx32
                   ", unknown bits 0x%04" PRIx32 ")", k->path, h->flags, unknown);
        return false;
    }
    if (h->flags & MB_FLAG_AOUT_KLUDGE) {
        if (off + MB_HEADER_AOUT_LEN > k->size) {
            error_setf(err, "-kernel: '%s': multiboot header at offset 0x%zx is truncated by the end of the file",
                       k->path, off);
            return false;
        }
        const uint8_t *p = k->data + off;
        h->header_addr = mb_get32(p + 12);
        h->load_addr = mb_get32(p + 16);
        h->load_end_addr = mb_get32(p + 20);
        h->bss_end_addr = mb_get32(p + 24);
        h->entry_addr = mb_get32(p + 28);
    }
    return true;
}

static void mb_add_segment(MbKernel *k, const MbSegment *s)
{
    k->segs = realloc(k->segs, (size_t)(k->nsegs + 1) * sizeof(*k->segs));
    if (!k->segs)
        abort();
    k->segs[k->nsegs++] = *s;
}

/* The a.out kludge (§3.1.3): the header says where the file goes. The file
 * offset of load_addr follows from where the header sits in the file. */
static bool mb_plan_aout(MbKernel *k, const MbHeader *h, Error *err)
{
    if (h->header_addr < h->load_addr) {
        error_setf(err, "-kernel: '%s': multiboot header_addr 0x%08" PRIx32 " is below load_addr 0x%08" PRIx32,
                   k->path, h->header_addr, h->load_addr);
        return false;
    }
    uint64_t before_header = h->header_addr - h->load_addr;
    if (before_header > h->offset) {
        error_setf(err, "-kernel: '%s': multiboot load_addr 0x%08" PRIx32 " would start 0x%" PRIx64
                   " bytes before the beginning of the file", k->path, h->load_addr, before_header - h->offset);
        return false;
    }
    MbSegment s = {.offset = h->offset - before_header, .paddr = h->load_addr, .vaddr = h->load_addr};
    if (h->load_end_addr == 0) {
        s.filesz = k->size - s.offset;
    } else {
        if (h->load_end_addr < h->load_addr) {
            error_setf(err, "-kernel: '%s': multiboot load_end_addr 0x%08" PRIx32 " is below load_addr 0x%08" PRIx32,
                       k->path, h->load_end_addr, h->load_addr);
            return false;
        }
        s.filesz = h->load_end_addr - h->load_addr;
        if (s.filesz > k->size - s.offset) {
            error_setf(err, "-kernel: '%s': multiboot load_end_addr 0x%08" PRIx32 " lies beyond the end of the file "
                       "(truncated: 0x%" PRIx64 " bytes wanted at offset 0x%" PRIx64 ", file has 0x%" PRIx64 ")",
                       k->path, h->load_end_addr, s.filesz, s.offset, k->size);
            return false;
        }
    }
    s.memsz = s.filesz;
    if (h->bss_end_addr != 0) {
        if ((uint64_t)h->bss_end_addr < h->load_addr + s.filesz) {
            error_setf(err, "-kernel: '%s': multiboot bss_end_addr 0x%08" PRIx32 " is below the end of the loaded "
                       "image 0x%08" PRIx64, k->path, h->bss_end_addr, h->load_addr + s.filesz);
            return false;
        }
        s.memsz = h->bss_end_addr - h->load_addr;
    }
    if (h->entry_addr < s.paddr || h->entry_addr - s.paddr >= s.memsz) {
        error_setf(err, "-kernel: '%s': entry point 0x%08" PRIx32 " lies outside the loaded image "
                   "[0x%08" PRIx64 ", 0x%08" PRIx64 ")", k->path, h->entry_addr, s.paddr, s.paddr + s.memsz);
        return false;
    }
    if (s.memsz)
        mb_add_segment(k, &s);
    k->entry = h->entry_addr;
    return true;
}

/* GRUB's rule: the entry is a virtual address inside some segment and is
 * moved to that segment's physical address; an entry that is only inside
 * a segment's physical range is taken as physical already. */
static bool mb_translate_entry(MbKernel *k, uint64_t e_entry, Error *err)
{
    for (int i = 0; i < k->nsegs; i++) {
        const MbSegment *s = &k->segs[i];
        if (e_entry >= s->vaddr && e_entry - s->vaddr < s->memsz) {
            k->entry = (uint32_t)(e_entry - s->vaddr + s->paddr);
            return true;
        }
    }
    for (int i = 0; i < k->nsegs; i++) {
        const MbSegment *s = &k->segs[i];
        if (e_entry >= s->paddr && e_entry - s->paddr < s->memsz) {
            k->entry = (uint32_t)e_entry;
            return true;
        }
    }
    error_setf(err, "-kernel: '%s': entry point 0x%08" PRIx64 " lies outside the loaded segments", k->path, e_entry);
    return false;
}

/* Header checks made on the raw bytes, before libelf sees the file, so a
 * short file can never be read past its end. */
static bool mb_check_elf_ident(const MbKernel *k, Error *err)
{
    const uint8_t *id = k->data;
    if (k->size < SELFMAG || memcmp(id, ELFMAG, SELFMAG) != 0) {
        error_setf(err, "-kernel: '%s' is not an ELF file, and its multiboot header gives no load addresses "
                   "(flag 16)", k->path);
        return false;
    }
    if (k->size < sizeof(Elf32_Ehdr)) {
        error_setf(err, "-kernel: '%s': truncated ELF file (%" PRIu64 " bytes)", k->path, k->size);
        return false;
    }
    if (id[EI_CLASS] == ELFCLASS64) {
        error_setf(err, "-kernel: '%s' is a 64-bit ELF file; multiboot needs a 32-bit i386 kernel", k->path);
        return false;
    }
    if (id[EI_CLASS] != ELFCLASS32 || id[EI_DATA] != ELFDATA2LSB) {
        error_setf(err, "-kernel: '%s' is not a 32-bit little-endian ELF file (class %u, data %u)", k->path,
                   id[EI_CLASS], id[EI_DATA]);
        return false;
    }
    return true;
}

static bool mb_plan_elf_segments(MbKernel *k, Elf *elf, Error *err)
{
    GElf_Ehdr eh;
    if (!gelf_getehdr(elf, &eh)) {
        error_setf(err, "-kernel: '%s': bad ELF header: %s", k->path, elf_errmsg(-1));
        return false;
    }
    if (eh.e_machine != EM_386) {
        error_setf(err, "-kernel: '%s' is not an i386 ELF file (e_machine %u)", k->path, eh.e_machine);
        return false;
    }
    if (eh.e_type != ET_EXEC) {
        error_setf(err, "-kernel: '%s' is not an ELF executable (e_type %u)", k->path, eh.e_type);
        return false;
    }
    /* Check the table against the file before libelf reads it: libelf
     * quietly clamps a table cut off by the end of the file. */
    size_t phnum = eh.e_phnum;
    if (phnum == PN_XNUM && elf_getphdrnum(elf, &phnum) != 0) {
        error_setf(err, "-kernel: '%s': bad ELF program header count: %s", k->path, elf_errmsg(-1));
        return false;
    }
    if (phnum && eh.e_phentsize != sizeof(Elf32_Phdr)) {
        error_setf(err, "-kernel: '%s': bad ELF program header size %u (expected %zu)", k->path, eh.e_phentsize,
                   sizeof(Elf32_Phdr));
        return false;
    }
    if (phnum && (eh.e_phoff > k->size || (k->size - eh.e_phoff) / sizeof(Elf32_Phdr) < phnum)) {
        error_setf(err, "-kernel: '%s': truncated ELF file (%zu program headers of %u bytes at offset 0x%" PRIx64
                   ", file has 0x%" PRIx64 " bytes)", k->path, phnum, eh.e_phentsize, (uint64_t)eh.e_phoff, k->size);
        return false;
    }
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph)) {
            error_setf(err, "-kernel: '%s': bad ELF program header %zu: %s", k->path, i, elf_errmsg(-1));
            return false;
        }
        if (ph.p_type != PT_LOAD)
            continue;
        if (ph.p_filesz > ph.p_memsz) {
            error_setf(err, "-kernel: '%s': segment %zu file size 0x%" PRIx64 " exceeds its memory size 0x%" PRIx64,
                       k->path, i, (uint64_t)ph.p_filesz, (uint64_t)ph.p_memsz);
            return false;
        }
        if (ph.p_offset > k->size || ph.p_filesz > k->size - ph.p_offset) {
            error_setf(err, "-kernel: '%s': truncated ELF file (segment %zu wants 0x%" PRIx64 " bytes at offset 0x%"
                       PRIx64 ", file has 0x%" PRIx64 ")", k->path, i, (uint64_t)ph.p_filesz,
                       (uint64_t)ph.p_offset, k->size);
            return false;
        }
        if (ph.p_memsz == 0)
            continue;
        MbSegment s = {.offset = ph.p_offset, .paddr = ph.p_paddr, .vaddr = ph.p_vaddr, .filesz = ph.p_filesz,
                       .memsz = ph.p_memsz};
        mb_add_segment(k, &s);
    }
    if (k->nsegs == 0) {
        error_setf(err, "-kernel: '%s' has no loadable (PT_LOAD) segment", k->path);
        return false;
    }
    return mb_translate_entry(k, eh.e_entry, err);
}

static bool mb_plan_elf(MbKernel *k, Error *err)
{
    if (!mb_check_elf_ident(k, err))
        return false;
    if (elf_version(EV_CURRENT) == EV_NONE) {
        error_setf(err, "-kernel: cannot read '%s': libelf is too old: %s", k->path, elf_errmsg(-1));
        return false;
    }
    Elf *elf = elf_memory((char *)k->data, (size_t)k->size);
    if (!elf || elf_kind(elf) != ELF_K_ELF) {
        error_setf(err, "-kernel: '%s' is not a readable ELF file: %s", k->path, elf_errmsg(-1));
        elf_end(elf);
        return false;
    }
    bool ok = mb_plan_elf_segments(k, elf, err);
    elf_end(elf);
    return ok;
}

static bool mb_check_ram(const AddressSpace *mem, const MbKernel *k, Error *err)
{
    for (int i = 0; i < k->nsegs; i++) {
        const MbSegment *s = &k->segs[i];
        if (s->paddr + s->memsz > MB_4G || !as_is_ram(mem, s->paddr, s->memsz)) {
            error_setf(err, "-kernel: '%s': segment at 0x%08" PRIx64 " (size 0x%" PRIx64 ") lies outside guest RAM",
                       k->path, s->paddr, s->memsz);
            return false;
        }
    }
    return true;
}

/* Copy the checked segments; returns the end of the highest one. */
static uint64_t mb_copy_kernel(AddressSpace *mem, const MbKernel *k, Log *log)
{
    uint64_t end = 0;
    for (int i = 0; i < k->nsegs; i++) {
        const MbSegment *s = &k->segs[i];
        as_write_buf(mem, s->paddr, k->data + s->offset, (size_t)s->filesz);
        for (uint64_t off = s->filesz; off < s->memsz; off += MB_PAGE)
            as_write_buf(mem, s->paddr + off, mb_zero_page, (size_t)MIN(MB_PAGE, s->memsz - off));
        LOG(log, LOG_MMU, "multiboot: '%s' at 0x%08" PRIx64 "-0x%08" PRIx64 " (0x%" PRIx64 " bytes from file)\n",
            k->path, s->paddr, s->paddr + s->memsz - 1, s->filesz);
        end = MAX(end, s->paddr + s->memsz);
    }
    return end;
}

/* Load one "file args" entry at *cursor, then move *cursor past it. */
static bool mb_load_module(AddressSpace *mem, MbModule *m, uint64_t *cursor, Log *log, Error *err)
{
    size_t name_len = strcspn(m->text, " ");
    char *name = strndup(m->text, name_len);
    if (!name)
        abort();
    bool ok = false;
    uint8_t *data = NULL;
    uint64_t size;
    if (name_len == 0) {
        error_setf(err, "-initrd: module entry '%s' has no file name", m->text);
        goto out;
    }
    if (!loader_read_file("-initrd", name, UINT32_MAX, &data, &size, err))
        goto out;
    m->start = *cursor;
    m->end = m->start + size;
    if (m->end > MB_4G || !as_is_ram(mem, m->start, size)) {
        error_setf(err, "-initrd: module '%s' (%" PRIu64 " bytes) does not fit in guest RAM at 0x%08" PRIx64, name,
                   size, m->start);
        goto out;
    }
    as_write_buf(mem, m->start, data, (size_t)size);
    LOG(log, LOG_MMU, "multiboot: module '%s' at 0x%08" PRIx64 "-0x%08" PRIx64 "\n", name, m->start, m->end);
    *cursor = mb_align_up(m->end, MB_PAGE);
    ok = true;
out:
    free(data);
    free(name);
    return ok;
}

/* Split the -initrd list at single commas (",," is a literal comma) and
 * load each entry. Returns the entries in *mods (also on failure). */
static bool mb_load_modules(AddressSpace *mem, const char *list, uint64_t *cursor, MbModule **mods, int *nmods,
                            Log *log, Error *err)
{
    const char *p = list;
    for (;;) {
        char *text = malloc(strlen(p) + 1);
        if (!text)
            abort();
        size_t n = 0;
        while (*p && !(*p == ',' && p[1] != ',')) {
            text[n++] = *p;
            p += (*p == ',') ? 2 : 1;
        }
        text[n] = '\0';
        *mods = realloc(*mods, (size_t)(*nmods + 1) * sizeof(**mods));
        if (!*mods)
            abort();
        MbModule *m = &(*mods)[(*nmods)++];
        *m = (MbModule){.text = text};
        if (!mb_load_module(mem, m, cursor, log, err))
            return false;
        if (*p != ',')
            return true;
        p++;
    }
}

/* Build the information block at `base`: the structure, the module list,
 * the memory map, then the strings. */
static bool mb_write_info(AddressSpace *mem, const RamLayout *ram, const char *path, const char *cmdline,
                          const MbModule *mods, int nmods, uint64_t base, Log *log, uint32_t *info_addr, Error *err)
{
    MbMapEntry map[MB_MMAP_MAX];
    int nmap = 0;
    map[nmap++] = (MbMapEntry){0, MB_EBDA_BASE, MB_MMAP_AVAILABLE};
    map[nmap++] = (MbMapEntry){MB_EBDA_BASE, MB_LOW_END - MB_EBDA_BASE, MB_MMAP_RESERVED};
    map[nmap++] = (MbMapEntry){MB_BIOS_BASE, MB_HIGH_MEM - MB_BIOS_BASE, MB_MMAP_RESERVED};
    if (ram->low_end > MB_HIGH_MEM)
        map[nmap++] = (MbMapEntry){MB_HIGH_MEM, ram->low_end - MB_HIGH_MEM, MB_MMAP_AVAILABLE};
    if (ram->high_size)
        map[nmap++] = (MbMapEntry){MB_4G, ram->high_size, MB_MMAP_AVAILABLE};

    /* QEMU passes the kernel's own name as the first word, like argv[0]. */
    bool has_append = cmdline && *cmdline;
    size_t kcmd_len = strlen(path) + (has_append ? 1 + strlen(cmdline) : 0) + 1;
    size_t mods_off = mb_align_up(MBI_SIZE, 8);
    size_t mmap_off = mods_off + (size_t)nmods * MB_MOD_SIZE;
    size_t str_off = mmap_off + (size_t)nmap * MB_MMAP_ENTRY_SIZE;
    size_t total = str_off + kcmd_len + sizeof(MB_LOADER_NAME);
    for (int i = 0; i < nmods; i++)
        total += strlen(mods[i].text) + 1;
    if (base + total > MB_4G || !as_is_ram(mem, base, total)) {
        error_setf(err, "-kernel: '%s': no room in guest RAM for the multiboot information (0x%zx bytes at 0x%08"
                   PRIx64 ")", path, total, base);
        return false;
    }

    uint8_t *buf = calloc(1, total);
    if (!buf)
        abort();
    uint32_t guest = (uint32_t)base;
    size_t str = str_off;
    uint32_t flags = MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME;
    mb_put32(buf + MBI_MEM_LOWER, (uint32_t)(MB_LOW_END / 1024));
    mb_put32(buf + MBI_MEM_UPPER, (uint32_t)((ram->low_end - MB_HIGH_MEM) / 1024));

    mb_put32(buf + MBI_CMDLINE, guest + (uint32_t)str);
    if (has_append)
        str += (size_t)sprintf((char *)buf + str, "%s %s", path, cmdline) + 1;
    else
        str += (size_t)sprintf((char *)buf + str, "%s", path) + 1;
    mb_put32(buf + MBI_LOADER_NAME, guest + (uint32_t)str);
    memcpy(buf + str, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
    str += sizeof(MB_LOADER_NAME);

    if (nmods) {
        flags |= MBI_FLAG_MODS;
        mb_put32(buf + MBI_MODS_COUNT, (uint32_t)nmods);
        mb_put32(buf + MBI_MODS_ADDR, guest + (uint32_t)mods_off);
    }
    for (int i = 0; i < nmods; i++) {
        uint8_t *m = buf + mods_off + (size_t)i * MB_MOD_SIZE;
        mb_put32(m + 0, (uint32_t)mods[i].start);
        mb_put32(m + 4, (uint32_t)mods[i].end);
        mb_put32(m + 8, guest + (uint32_t)str);
        size_t len = strlen(mods[i].text) + 1;
        memcpy(buf + str, mods[i].text, len);
        str += len;
    }

    mb_put32(buf + MBI_MMAP_LENGTH, (uint32_t)(nmap * MB_MMAP_ENTRY_SIZE));
    mb_put32(buf + MBI_MMAP_ADDR, guest + (uint32_t)mmap_off);
    for (int i = 0; i < nmap; i++) {
        uint8_t *e = buf + mmap_off + (size_t)i * MB_MMAP_ENTRY_SIZE;
        mb_put32(e + 0, MB_MMAP_ENTRY_SIZE - 4);
        mb_put64(e + 4, map[i].base);
        mb_put64(e + 12, map[i].len);
        mb_put32(e + 20, map[i].type);
    }
    mb_put32(buf + MBI_FLAGS, flags);

    as_write_buf(mem, base, buf, total);
    free(buf);
    LOG(log, LOG_MMU, "multiboot: information at 0x%08" PRIx64 "-0x%08" PRIx64 "\n", base, base + total - 1);
    *info_addr = guest;
    return true;
}

bool multiboot_load(AddressSpace *mem, const RamLayout *ram, const char *path, const char *cmdline,
                    const char *modules, Log *log, MultibootEntry *out, Error *err)
{
    MbKernel k = {.path = path};
    MbModule *mods = NULL;
    int nmods = 0;
    bool ok = false;
    MbHeader h;

    if (!loader_read_file("-kernel", path, UINT32_MAX, &k.data, &k.size, err))
        goto out;
    if (!mb_parse_header(&k, &h, err))
        goto out;
    if (!((h.flags & MB_FLAG_AOUT_KLUDGE) ? mb_plan_aout(&k, &h, err) : mb_plan_elf(&k, err)))
        goto out;
    if (!mb_check_ram(mem, &k, err))
        goto out;

    /* Modules and the information block go above 1 MiB even for a kernel
     * loaded low, so they never straddle the VGA window. */
    uint64_t kernel_end = mb_copy_kernel(mem, &k, log);
    uint64_t cursor = mb_align_up(MAX(kernel_end, MB_HIGH_MEM), MB_PAGE);
    if (modules && !mb_load_modules(mem, modules, &cursor, &mods, &nmods, log, err))
        goto out;
    if (!mb_write_info(mem, ram, path, cmdline, mods, nmods, cursor, log, &out->info_addr, err))
        goto out;
    out->entry = k.entry;
    LOG(log, LOG_MMU, "multiboot: entry 0x%08" PRIx32 ", information at 0x%08" PRIx32 "\n", out->entry,
        out->info_addr);
    ok = true;
out:
    for (int i = 0; i < nmods; i++)
        free(mods[i].text);
    free(mods);
    free(k.segs);
    free(k.data);
    return ok;
}
