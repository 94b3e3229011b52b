/* Unit tests of the guest-test runner (tests/guest/runner): header parsing,
 * jitpc's argv, output comparison, the image check, and whole runs against
 * tests/unit/fixtures/fake_jitpc.sh, a stand-in for jitpc that obeys a text
 * "image" (the real CPU core does not exist yet). Also runs the
 * jitpc-guest-runner executable for its exit codes. */
#define _GNU_SOURCE     /* memmem */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner_lib.h"

#define FAKE_JITPC_SOURCE JITPC_SOURCE_DIR "/tests/unit/fixtures/fake_jitpc.sh"
#define GUEST_IMAGE_DIR JITPC_BINARY_DIR "/tests/guest"

/* ---- helpers ---- */

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    cr_assert(fd >= 0, "cannot create %s: %s", path, strerror(errno));
    size_t len = strlen(text);
    cr_assert_eq(write(fd, text, len), (ssize_t)len);
    /* fchmod: the umask must not take the fake's execute bit away. */
    cr_assert_eq(fchmod(fd, mode), 0);
    close(fd);
}

/* The whole file as a NUL-terminated string (caller frees), or NULL if absent. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    RunnerText t = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        runner_text_append(&t, chunk, n);
    fclose(f);
    runner_text_append(&t, "", 0);
    if (len)
        *len = t.len;
    return t.buf;
}

static void make_dirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    cr_assert(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", buf, strerror(errno));
}

/* A scratch run: its own directory holding the fake jitpc, the test source,
 * the "image" and the runner's work directory. */
typedef struct Scratch {
    char dir[512];
    char fake[600];
    char source[600];
    char image[600];
    char workdir[600];
} Scratch;

static void scratch_init(Scratch *s, const char *test)
{
    snprintf(s->dir, sizeof(s->dir), "%s/guest_runner/%s-%ld", JITPC_TEST_TMPDIR, test,
             (long)getpid());
    make_dirs(s->dir);
    snprintf(s->fake, sizeof(s->fake), "%s/fake_jitpc", s->dir);
    snprintf(s->source, sizeof(s->source), "%s/%s.c", s->dir, test);
    snprintf(s->image, sizeof(s->image), "%s/%s.elf", s->dir, test);
    snprintf(s->workdir, sizeof(s->workdir), "%s/work", s->dir);
    /* A copy with mode 0755, whatever the checkout did to the fixture's mode. */
    char *fake = read_file(FAKE_JITPC_SOURCE, NULL);
    cr_assert_not_null(fake, "cannot read %s", FAKE_JITPC_SOURCE);
    write_file(s->fake, fake, 0755);
    free(fake);
}

/* A file in the scratch run's work directory (buf holds PATH_BYTES). */
#define PATH_BYTES 700
static const char *scratch_path(const Scratch *s, const char *name, char *buf)
{
    snprintf(buf, PATH_BYTES, "%s/%s", s->workdir, name);
    return buf;
}

/* Run the runner library on the scratch test; the report is kept in *report. */
static bool scratch_run(const Scratch *s, const char *source, const char *image,
                        double scale, RunnerText *report)
{
    write_file(s->source, source, 0644);
    if (image)
        write_file(s->image, image, 0644);
    RunnerConfig cfg = {s->fake, s->source, s->image, s->workdir, scale, NULL};
    return runner_run_test(&cfg, report);
}

static bool parse(const char *text, GuestHeader *hdr, RunnerText *err)
{
    return runner_parse_header(text, strlen(text), hdr, err);
}

static void assert_contains(const char *haystack, const char *needle)
{
    cr_assert(strstr(haystack, needle), "expected to find \"%s\" in:\n%s", needle, haystack);
}

static void assert_lacks(const char *haystack, const char *needle)
{
    cr_assert(!strstr(haystack, needle), "did not expect \"%s\" in:\n%s", needle, haystack);
}

/* ---- header parsing ---- */

Test(guest_runner_header, escapes)
{
    GuestHeader hdr;
    RunnerText err = {0};
    cr_assert(parse("// jitpc-expect-output: a\\tb\\\\c\\x41\\x7e\\r\\\"q\\n\n", &hdr, &err),
              "%s", runner_text_str(&err));
    cr_assert_eq(hdr.output.len, 11);
    cr_assert_arr_eq(hdr.output.buf, "a\tb\\cA~\r\"q\n", 11);
    runner_free_header(&hdr);
}

Test(guest_runner_header, hex_escape_may_be_nul)
{
    GuestHeader hdr;
    RunnerText err = {0};
    cr_assert(parse("# jitpc-expect-output: x\\x00y\n", &hdr, &err), "%s", runner_text_str(&err));
    cr_assert_eq(hdr.output.len, 3);
    cr_assert_arr_eq(hdr.output.buf, "x\0y", 3);
    runner_free_header(&hdr);
}

Test(guest_runner_header, lines_concatenate)
{
    GuestHeader hdr;
    RunnerText err = {0};
    cr_assert(parse("/*\n"
                    " * jitpc-expect-output: hello,\\x20\n"
                    " * jitpc-expect-output: world\\n\n"
                    " * jitpc-expect-serial: one\\n\n"
                    " * jitpc-expect-serial: two\\n\n"
                    " */\n", &hdr, &err), "%s", runner_text_str(&err));
    cr_assert_str_eq(runner_text_str(&hdr.output), "hello, world\n");
    cr_assert(hdr.has_serial);
    cr_assert_str_eq(runner_text_str(&hdr.serial), "one\ntwo\n");
    runner_free_header(&hdr);
}

Test(guest_runner_header, defaults)
{
    GuestHeader hdr;
    RunnerText err = {0};
    cr_assert(parse("jitpc-expect-output: x\n", &hdr, &err), "%s", runner_text_str(&err));
    cr_assert_eq(hdr.exit_value, 0);
    cr_assert_float_eq(hdr.timeout_s, 10.0, 1e-9);
    cr_assert_eq(hdr.nargs, 0);
    cr_assert_not(hdr.has_serial);
    runner_free_header(&hdr);
}

Test(guest_runner_header, exit_timeout_and_args)
{
    GuestHeader hdr;
    RunnerText err = {0};
    cr_assert(parse("; jitpc-expect-output: x\n"
                    "; jitpc-expect-exit: 0x2a\n"
                    "; jitpc-timeout: 2.5\n"
                    "; jitpc-args:  -m 32\t-smp   1 \n"
                    "; jitpc-args: -icount shift=0\n", &hdr, &err), "%s", runner_text_str(&err));
    cr_assert_eq(hdr.exit_value, 42);
    cr_assert_float_eq(hdr.timeout_s, 2.5, 1e-9);
    const char *want[] = {"-m", "32", "-smp", "1", "-icount", "shift=0"};
    cr_assert_eq(hdr.nargs, 6);
    for (size_t i = 0; i < 6; i++)
        cr_assert_str_eq(hdr.args[i], want[i]);
    cr_assert_null(hdr.args[6]);
    runner_free_header(&hdr);
}

Test(guest_runner_header, comment_leaders)
{
    static const char *sources[] = {
        "jitpc-expect-output: ok\n",
        "// jitpc-expect-output: ok\n",
        "//jitpc-expect-output: ok\n",
        "/* jitpc-expect-output: ok */\n",
        "/** jitpc-expect-output: ok\n",
        "   * jitpc-expect-output: ok  \n",
        "# jitpc-expect-output: ok\n",
        "## jitpc-expect-output: ok\n",
        "; jitpc-expect-output: ok\n",
        ";; jitpc-expect-output: ok\r\n",
        "\t#\tjitpc-expect-output:\tok\n",
    };
    for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
        GuestHeader hdr;
        RunnerText err = {0};
        cr_assert(parse(sources[i], &hdr, &err), "source %zu: %s", i, runner_text_str(&err));
        cr_assert_str_eq(runner_text_str(&hdr.output), "ok", "source %zu", i);
        runner_free_header(&hdr);
    }
}

Test(guest_runner_header, only_the_first_50_lines)
{
    RunnerText src = {0};
    runner_text_printf(&src, "# jitpc-expect-output: x\n");
    for (int line = 2; line < 50; line++)
        runner_text_printf(&src, "# filler\n");
    runner_text_printf(&src, "# jitpc-expect-exit: 7\n");         /* line 50: read */
    runner_text_printf(&src, "# jitpc-timeout: 3\n");             /* line 51: ignored */
    runner_text_printf(&src, "# jitpc-bogus: 3\n");               /* not even checked */
    GuestHeader hdr;
    RunnerText err = {0};
    cr_assert(runner_parse_header(src.buf, src.len, &hdr, &err), "%s", runner_text_str(&err));
    cr_assert_eq(hdr.exit_value, 7);
    cr_assert_float_eq(hdr.timeout_s, 10.0, 1e-9);
    runner_free_header(&hdr);
    runner_text_free(&src);
}

Test(guest_runner_header, prose_is_ignored)
{
    GuestHeader hdr;
    RunnerText err = {0};
    cr_assert(parse("/* jitpc-guest-runner reads this header; see README.\n"
                    " * Mentioning jitpc-expect-exit: mid-line is prose too.\n"
                    " * jitpc-expect-output: x\n */\n", &hdr, &err), "%s", runner_text_str(&err));
    cr_assert_eq(hdr.exit_value, 0);
    runner_free_header(&hdr);
}

/* Each bad header must be refused with the line number and the problem. */
Test(guest_runner_header, errors)
{
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        {"// jitpc-expect-output: a\\qb\n", "line 1: unknown escape '\\q'"},
        {"// jitpc-expect-output: a\\x4\n", "line 1: \\x needs exactly two hex digits"},
        {"// jitpc-expect-output: a\\\n", "line 1: a lone '\\'"},
        {"// x\n// jitpc-expect-outptu: a\n", "line 2: unknown header key 'jitpc-expect-outptu'"},
        {"// jitpc-expect-output: a\n// jitpc-expect-exit: many\n", "line 2: jitpc-expect-exit wants"},
        {"// jitpc-expect-output: a\n// jitpc-expect-exit: -1\n", "line 2: jitpc-expect-exit wants"},
        {"// jitpc-expect-output: a\n// jitpc-expect-exit: 0x100000000\n", "jitpc-expect-exit wants"},
        {"// jitpc-expect-exit: 1\n// jitpc-expect-exit: 1\n", "line 2: jitpc-expect-exit given twice"},
        {"// jitpc-expect-output: a\n// jitpc-timeout: 0\n", "line 2: jitpc-timeout wants"},
        {"// jitpc-expect-output: a\n// jitpc-timeout: 1s\n", "line 2: jitpc-timeout wants"},
        {"// jitpc-timeout: 1\n// jitpc-timeout: 2\n", "line 2: jitpc-timeout given twice"},
        {"// jitpc-expect-exit: 0\n", "no jitpc-expect-output"},
        {"// jitpc-expect-output:\n", "no jitpc-expect-output"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        GuestHeader hdr;
        RunnerText err = {0};
        cr_assert_not(parse(cases[i].text, &hdr, &err), "case %zu was accepted", i);
        assert_contains(runner_text_str(&err), cases[i].message);
        runner_free_header(&hdr);
        runner_text_free(&err);
    }
}

Test(guest_runner_header, load_names_the_file)
{
    GuestHeader hdr;
    RunnerText err = {0};
    cr_assert_not(runner_load_header("/nonexistent/t.c", &hdr, &err));
    assert_contains(runner_text_str(&err), "cannot read test source /nonexistent/t.c");
    runner_free_header(&hdr);
    runner_text_free(&err);
}

/* ---- argv and exit status ---- */

Test(guest_runner_argv, exactly_as_specified)
{
    GuestHeader hdr;
    RunnerText err = {0};
    cr_assert(parse("// jitpc-expect-output: x\n// jitpc-args: -m 32 -d int\n", &hdr, &err));
    char **argv = runner_build_argv("/bin/jitpc", "/w/d", "/i/t.elf", &hdr);
    const char *want[] = {
        "/bin/jitpc", "-nodefaults", "-display", "none", "-no-reboot",
        "-chardev", "file,id=dbg,path=/w/d/debugcon.out",
        "-device", "isa-debugcon,iobase=0xe9,chardev=dbg",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
        "-serial", "file:/w/d/serial.out",
        "-kernel", "/i/t.elf",
        "-m", "32", "-d", "int",
    };
    size_t n = sizeof(want) / sizeof(want[0]);
    for (size_t i = 0; i < n; i++) {
        cr_assert_not_null(argv[i], "argv ends at %zu", i);
        cr_assert_str_eq(argv[i], want[i], "argv[%zu]", i);
    }
    cr_assert_null(argv[n]);
    runner_free_argv(argv);
    runner_free_header(&hdr);
}

Test(guest_runner_argv, exit_status_is_isa_debug_exit)
{
    cr_assert_eq(runner_exit_status_for(0), 1);
    cr_assert_eq(runner_exit_status_for(1), 3);
    cr_assert_eq(runner_exit_status_for(42), 85);
    cr_assert_eq(runner_exit_status_for(0x7f), 0xff);
    cr_assert_eq(runner_exit_status_for(0x80), 1);      /* only 8 bits of status survive */
    cr_assert_eq(runner_exit_status_for(0xffffffffu), 0xff);
}

/* ---- output comparison ---- */

Test(guest_runner_compare, equal_outputs_pass_silently)
{
    RunnerText r = {0};
    cr_assert(runner_compare_output("debugcon output", "ab\n", 3, "ab\n", 3, &r));
    cr_assert_eq(r.len, 0);
    cr_assert(runner_compare_output("debugcon output", "", 0, "", 0, &r));
}

/* The caret under the actual line must point at the first differing byte. */
Test(guest_runner_compare, reports_first_difference_with_caret)
{
    RunnerText r = {0};
    cr_assert_not(runner_compare_output("debugcon output", "hello, world\n", 13,
                                        "hello, wXrld\n", 13, &r));
    const char *s = runner_text_str(&r);
    assert_contains(s, "debugcon output differs at byte 8 (line 1, column 9): "
                       "expected 'o' (0x6f), got 'X' (0x58)");
    assert_contains(s, "expected: \"hello, world\\n\"");
    const char *actual = strstr(s, "actual:   \"hello, wXrld\\n\"");
    cr_assert_not_null(actual, "%s", s);
    const char *actual_line = actual;
    while (actual_line > s && actual_line[-1] != '\n')
        actual_line--;
    const char *caret_line = strchr(actual, '\n') + 1;
    const char *caret = strchr(caret_line, '^');
    cr_assert_not_null(caret);
    cr_assert_eq(actual_line[caret - caret_line], 'X', "caret misplaced:\n%s", s);
    runner_text_free(&r);
}

Test(guest_runner_compare, shorter_and_longer_outputs)
{
    RunnerText r = {0};
    cr_assert_not(runner_compare_output("out", "abcdef", 6, "abc", 3, &r));
    assert_contains(runner_text_str(&r), "out differs at byte 3");
    assert_contains(runner_text_str(&r), "expected 'd' (0x64), got end of output (3 bytes)");
    runner_text_free(&r);

    cr_assert_not(runner_compare_output("out", "abc", 3, "abc\x01", 4, &r));
    assert_contains(runner_text_str(&r), "expected end of output (3 bytes), got '\\x01' (0x01)");
    assert_contains(runner_text_str(&r), "\"abc\\x01\"");
    runner_text_free(&r);

    cr_assert_not(runner_compare_output("out", "abc", 3, NULL, 0, &r));
    assert_contains(runner_text_str(&r), "differs at byte 0");
    runner_text_free(&r);
}

Test(guest_runner_compare, line_and_column_and_context_window)
{
    RunnerText expected = {0}, actual = {0}, r = {0};
    runner_text_printf(&expected, "first line\n");
    for (int i = 0; i < 100; i++)
        runner_text_printf(&expected, "%d", i % 10);
    runner_text_append(&actual, expected.buf, expected.len);
    actual.buf[11 + 60] = '#';
    cr_assert_not(runner_compare_output("out", expected.buf, expected.len, actual.buf,
                                        actual.len, &r));
    const char *s = runner_text_str(&r);
    assert_contains(s, "differs at byte 71 (line 2, column 61)");
    /* Only 32 bytes either side: both ends are cut and marked. */
    assert_contains(s, "actual:   ...\"89012345678901234567890123456789#1234567890123456789"
                       "012345678901\"...");
    assert_lacks(s, "first line");
    runner_text_free(&r);
    runner_text_free(&expected);
    runner_text_free(&actual);
}

/* ---- the image check ---- */

/* A minimal ELF32 i386 image: header, one PT_LOAD phdr at 52, and a
 * Multiboot header at mb_off; the segment maps the first seg_size bytes
 * at 0x100000. */
static size_t build_image(unsigned char *img, size_t size, size_t mb_off, uint32_t entry)
{
    memset(img, 0, size);
    memcpy(img, "\x7f" "ELF\x01\x01\x01", 7);
    img[16] = 2;                              /* ET_EXEC */
    img[18] = 3;                              /* EM_386 */
    img[20] = 1;                              /* EV_CURRENT */
    memcpy(img + 24, &entry, 4);
    uint32_t phoff = 52;
    memcpy(img + 28, &phoff, 4);
    img[40] = 52;                             /* e_ehsize */
    img[42] = 32;                             /* e_phentsize */
    img[44] = 1;                              /* e_phnum */
    uint32_t ph[8] = {1, 0, 0x100000, 0x100000, (uint32_t)size, (uint32_t)size, 5, 0x1000};
    memcpy(img + 52, ph, sizeof(ph));
    uint32_t mb[3] = {0x1BADB002u, 3, (uint32_t)-(0x1BADB002u + 3)};
    memcpy(img + mb_off, mb, sizeof(mb));
    return size;
}

static void assert_image(const unsigned char *img, size_t len, const char *error)
{
    RunnerText err = {0};
    bool ok = runner_check_image_bytes(img, len, &err);
    if (!error) {
        cr_assert(ok, "rejected: %s", runner_text_str(&err));
    } else {
        cr_assert_not(ok, "accepted, expected \"%s\"", error);
        assert_contains(runner_text_str(&err), error);
    }
    runner_text_free(&err);
}

Test(guest_runner_image, accepts_a_good_image)
{
    unsigned char img[9000];
    build_image(img, sizeof(img), 0x1000, 0x10100c);
    assert_image(img, sizeof(img), NULL);
    /* The header may end exactly at byte 8192. */
    build_image(img, sizeof(img), 8192 - 12, 0x10100c);
    assert_image(img, sizeof(img), NULL);
}

Test(guest_runner_image, rejects_bad_images)
{
    unsigned char img[9000];
    build_image(img, sizeof(img), 8192 - 8, 0x10100c);
    assert_image(img, sizeof(img), "no Multiboot v1 header");

    build_image(img, sizeof(img), 0x1000, 0x10100c);
    img[0x1000 + 8] ^= 1;
    assert_image(img, sizeof(img), "bad checksum");

    build_image(img, sizeof(img), 0x1002, 0x10100c);   /* not 4-byte aligned */
    assert_image(img, sizeof(img), "no Multiboot v1 header");

    build_image(img, sizeof(img), 0x1000, 0x100000 + sizeof(img));
    assert_image(img, sizeof(img), "entry point 0x");

    build_image(img, sizeof(img), 0x1000, 0x10100c);
    img[18] = 62;                                       /* EM_X86_64 */
    assert_image(img, sizeof(img), "not an i386 executable");

    build_image(img, sizeof(img), 0x1000, 0x10100c);
    img[4] = 2;                                         /* ELFCLASS64 */
    assert_image(img, sizeof(img), "not a little-endian ELF32 file");

    build_image(img, sizeof(img), 0x1000, 0x10100c);
    img[44] = 0xff;                                     /* 255 phdrs: beyond the file */
    img[45] = 0xff;
    assert_image(img, sizeof(img), "bad program header table");

    build_image(img, sizeof(img), 0x1000, 0x10100c);
    uint32_t filesz = sizeof(img) + 1;
    memcpy(img + 52 + 16, &filesz, 4);
    assert_image(img, sizeof(img), "outside the file");

    assert_image((const unsigned char *)"jitpc", 5, "not an ELF file");
}

/* The images the build made: valid, and free of sanitizer instrumentation
 * even in a JITPC_SANITIZE build (guest flags must not inherit host flags). */
Test(guest_runner_image, built_guest_images_are_clean)
{
    static const char *images[] = {"hello.elf", "exit_code.elf"};
    for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
        char path[600];
        snprintf(path, sizeof(path), "%s/%s", GUEST_IMAGE_DIR, images[i]);
        RunnerText err = {0};
        cr_assert(runner_check_image(path, &err), "%s", runner_text_str(&err));
        size_t len;
        char *data = read_file(path, &len);
        cr_assert_not_null(data);
        cr_assert_null(memmem(data, len, "__asan", 6), "%s is ASan-instrumented", path);
        cr_assert_null(memmem(data, len, "__ubsan", 7), "%s is UBSan-instrumented", path);
        cr_assert_null(memmem(data, len, "__sanitizer", 11), "%s is instrumented", path);
        free(data);
    }
}

/* ---- whole runs against the fake jitpc ---- */

#define HELLO_SOURCE "/*\n * jitpc-expect-output: hello\\n\n * jitpc-expect-exit: 0\n */\n"

Test(guest_runner_run, pass)
{
    Scratch s;
    scratch_init(&s, "pass");
    RunnerText r = {0};
    bool pass = scratch_run(&s, HELLO_SOURCE, "debugcon hello\\n\nstatus 1\n", 1.0, &r);
    cr_assert(pass, "%s", runner_text_str(&r));
    cr_assert_eq(strncmp(runner_text_str(&r), "PASS guest/pass (", 17), 0, "%s", r.buf);
    runner_text_free(&r);
}

/* What jitpc really received, as recorded by the fake. */
Test(guest_runner_run, jitpc_gets_the_specified_command_line)
{
    Scratch s;
    scratch_init(&s, "argv");
    char path[PATH_BYTES];
    RunnerText r = {0};
    cr_assert(scratch_run(&s, HELLO_SOURCE "// jitpc-args: -m 32  -smp 1\n",
                          "debugcon hello\\n\nstatus 1\n", 1.0, &r), "%s", runner_text_str(&r));
    char *got = read_file(scratch_path(&s, "fake-argv.txt", path), NULL);
    cr_assert_not_null(got);
    RunnerText want = {0};
    runner_text_printf(&want,
                       "%s\n-nodefaults\n-display\nnone\n-no-reboot\n"
                       "-chardev\nfile,id=dbg,path=%s/debugcon.out\n"
                       "-device\nisa-debugcon,iobase=0xe9,chardev=dbg\n"
                       "-device\nisa-debug-exit,iobase=0xf4,iosize=4\n"
                       "-serial\nfile:%s/serial.out\n-kernel\n%s\n-m\n32\n-smp\n1\n",
                       s.fake, s.workdir, s.workdir, s.image);
    cr_assert_str_eq(got, want.buf);
    free(got);
    runner_text_free(&want);
    runner_text_free(&r);
}

Test(guest_runner_run, wrong_output_names_the_offset)
{
    Scratch s;
    scratch_init(&s, "wrong_output");
    RunnerText r = {0};
    cr_assert_not(scratch_run(&s, HELLO_SOURCE, "debugcon help\\n\nstatus 1\n", 1.0, &r));
    const char *t = runner_text_str(&r);
    assert_contains(t, "FAIL guest/wrong_output: debugcon output differs at byte 3\n");
    assert_contains(t, "expected 'l' (0x6c), got 'p' (0x70)");
    runner_text_free(&r);
}

Test(guest_runner_run, wrong_exit_status)
{
    Scratch s;
    scratch_init(&s, "wrong_status");
    RunnerText r = {0};
    cr_assert_not(scratch_run(&s, HELLO_SOURCE, "debugcon hello\\n\nstatus 3\n", 1.0, &r));
    assert_contains(runner_text_str(&r), "FAIL guest/wrong_status: jitpc exited with status 3 "
                                         "(guest exit value 1 if it came from port 0xF4), "
                                         "expected 1 (guest exit value 0)\n");
    runner_text_free(&r);

    cr_assert_not(scratch_run(&s, HELLO_SOURCE, "debugcon hello\\n\nstatus 0\n", 1.0, &r));
    assert_contains(runner_text_str(&r), "status 0 (even: not from port 0xF4)");
    runner_text_free(&r);
}

Test(guest_runner_run, nonzero_exit_value)
{
    Scratch s;
    scratch_init(&s, "exit42");
    const char *src = "# jitpc-expect-output: exit 42\\n\n# jitpc-expect-exit: 42\n";
    RunnerText r = {0};
    cr_assert(scratch_run(&s, src, "debugcon exit 42\\n\nstatus 85\n", 1.0, &r), "%s",
              runner_text_str(&r));
    runner_text_free(&r);
    /* Status 1 (guest exit 0, or a jitpc error) must not pass for 42. */
    cr_assert_not(scratch_run(&s, src, "debugcon exit 42\\n\nstatus 1\n", 1.0, &r));
    assert_contains(runner_text_str(&r), "status 1 (guest exit value 0 if it came from port "
                                         "0xF4, or a jitpc error), expected 85");
    runner_text_free(&r);
}

Test(guest_runner_run, serial_expectation)
{
    Scratch s;
    scratch_init(&s, "serial");
    const char *src = HELLO_SOURCE "// jitpc-expect-serial: COM1 says hi\\n\n";
    RunnerText r = {0};
    cr_assert(scratch_run(&s, src, "debugcon hello\\n\nserial COM1 says hi\\n\nstatus 1\n", 1.0,
                          &r), "%s", runner_text_str(&r));
    runner_text_free(&r);

    cr_assert_not(scratch_run(&s, src, "debugcon hello\\n\nserial COM1 says bye\\n\nstatus 1\n",
                              1.0, &r));
    assert_contains(runner_text_str(&r), "FAIL guest/serial: serial output differs at byte 10");
    runner_text_free(&r);

    /* Without jitpc-expect-serial, COM1 output is not compared. */
    cr_assert(scratch_run(&s, HELLO_SOURCE, "debugcon hello\\n\nserial noise\nstatus 1\n", 1.0,
                          &r), "%s", runner_text_str(&r));
    runner_text_free(&r);
}

Test(guest_runner_run, timeout_kills_jitpc)
{
    Scratch s;
    scratch_init(&s, "timeout");
    char path[PATH_BYTES];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    RunnerText r = {0};
    cr_assert_not(scratch_run(&s, HELLO_SOURCE "// jitpc-timeout: 1\n", "debugcon hel\nhang\n",
                              1.0, &r));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    cr_assert_lt(elapsed, 5.0, "the run took %.1f s", elapsed);
    cr_assert_geq(elapsed, 0.9, "the run took only %.2f s", elapsed);
    const char *t = runner_text_str(&r);
    assert_contains(t, "FAIL guest/timeout: timed out after 1 s");
    /* What the guest printed before it hung is still compared and shown. */
    assert_contains(t, "debugcon output differs at byte 3");

    char *pid_text = read_file(scratch_path(&s, "fake.pid", path), NULL);
    cr_assert_not_null(pid_text, "the fake never reached 'hang'");
    pid_t pid = (pid_t)atol(pid_text);
    free(pid_text);
    cr_assert_gt(pid, 0);
    cr_assert_eq(kill(pid, 0), -1, "fake jitpc (pid %d) is still alive", (int)pid);
    cr_assert_eq(errno, ESRCH);
    runner_text_free(&r);
}

Test(guest_runner_run, timeout_scale_multiplies)
{
    Scratch s;
    scratch_init(&s, "timeout_scale");
    RunnerText r = {0};
    cr_assert_not(scratch_run(&s, HELLO_SOURCE "// jitpc-timeout: 4\n", "hang\n", 0.25, &r));
    assert_contains(runner_text_str(&r), "timed out after 1 s");
    runner_text_free(&r);
}

Test(guest_runner_run, killed_by_signal)
{
    Scratch s;
    scratch_init(&s, "signal");
    RunnerText r = {0};
    cr_assert_not(scratch_run(&s, HELLO_SOURCE, "debugcon hello\\n\nsignal TERM\n", 1.0, &r));
    assert_contains(runner_text_str(&r), "FAIL guest/signal: jitpc was killed by signal 15");
    runner_text_free(&r);
}

Test(guest_runner_run, missing_image)
{
    Scratch s;
    scratch_init(&s, "missing_image");
    char path[PATH_BYTES];
    RunnerText r = {0};
    cr_assert_not(scratch_run(&s, HELLO_SOURCE, NULL, 1.0, &r));
    char want[800];
    snprintf(want, sizeof(want), "FAIL guest/missing_image: cannot read image %s: "
             "No such file or directory\n", s.image);
    assert_contains(runner_text_str(&r), want);
    cr_assert_null(read_file(scratch_path(&s, "fake-argv.txt", path), NULL), "jitpc was started");
    runner_text_free(&r);
}

Test(guest_runner_run, missing_jitpc)
{
    Scratch s;
    scratch_init(&s, "missing_jitpc");
    write_file(s.source, HELLO_SOURCE, 0644);
    write_file(s.image, "debugcon hello\\n\nstatus 1\n", 0644);
    RunnerConfig cfg = {"/nonexistent/jitpc", s.source, s.image, s.workdir, 1.0, NULL};
    RunnerText r = {0};
    cr_assert_not(runner_run_test(&cfg, &r));
    assert_contains(runner_text_str(&r), "FAIL guest/missing_jitpc: cannot execute jitpc "
                                         "/nonexistent/jitpc: No such file or directory\n");
    runner_text_free(&r);

    /* A jitpc that exists but cannot be executed. */
    cfg.jitpc = s.source;
    cr_assert_not(runner_run_test(&cfg, &r));
    assert_contains(runner_text_str(&r), ": Permission denied\n");
    runner_text_free(&r);
}

Test(guest_runner_run, bad_header_fails_before_running)
{
    Scratch s;
    scratch_init(&s, "bad_header");
    char path[PATH_BYTES];
    RunnerText r = {0};
    cr_assert_not(scratch_run(&s, "// jitpc-expect-output: x\\y\n", "status 1\n", 1.0, &r));
    char want[800];
    snprintf(want, sizeof(want), "FAIL guest/bad_header: bad test header in %s: line 1: "
             "unknown escape '\\y'", s.source);
    assert_contains(runner_text_str(&r), want);
    cr_assert_null(read_file(scratch_path(&s, "fake-argv.txt", path), NULL), "jitpc was started");
    runner_text_free(&r);
}

/* Output files left by an earlier run must not pass for this run's. */
Test(guest_runner_run, stale_outputs_are_removed)
{
    Scratch s;
    scratch_init(&s, "stale");
    char path[PATH_BYTES];
    make_dirs(s.workdir);
    write_file(scratch_path(&s, "debugcon.out", path), "hello\n", 0644);
    RunnerText r = {0};
    cr_assert_not(scratch_run(&s, HELLO_SOURCE, "status 1\n", 1.0, &r));
    assert_contains(runner_text_str(&r), "got end of output (0 bytes)");
    runner_text_free(&r);
}

Test(guest_runner_run, failure_shows_the_log_tail)
{
    Scratch s;
    scratch_init(&s, "log_tail");
    RunnerText image = {0}, r = {0};
    for (int i = 1; i <= 100; i++)
        runner_text_printf(&image, "log jitpc log line %d.\n", i);
    runner_text_printf(&image, "status 1\n");
    cr_assert_not(scratch_run(&s, HELLO_SOURCE, image.buf, 1.0, &r));
    const char *t = runner_text_str(&r);
    assert_contains(t, "--- last lines of ");
    assert_contains(t, "jitpc log line 100.\n--- end of ");
    assert_contains(t, "jitpc log line 71.\n");
    assert_lacks(t, "jitpc log line 70.\n");
    assert_contains(t, "command: ");
    runner_text_free(&image);
    runner_text_free(&r);
}

Test(guest_runner_run, passing_run_prints_no_log)
{
    Scratch s;
    scratch_init(&s, "quiet_pass");
    RunnerText r = {0};
    cr_assert(scratch_run(&s, HELLO_SOURCE, "log noisy\ndebugcon hello\\n\nstatus 1\n", 1.0, &r),
              "%s", runner_text_str(&r));
    assert_lacks(runner_text_str(&r), "noisy");
    runner_text_free(&r);
}

Test(guest_runner_run, comma_in_workdir_is_refused)
{
    Scratch s;
    scratch_init(&s, "comma");
    snprintf(s.workdir, sizeof(s.workdir), "%s/a,b", s.dir);
    RunnerText r = {0};
    cr_assert_not(scratch_run(&s, HELLO_SOURCE, "debugcon hello\\n\nstatus 1\n", 1.0, &r));
    assert_contains(runner_text_str(&r), "contains a ','");
    runner_text_free(&r);
}

/* ---- the jitpc-guest-runner executable ---- */

/* Run the runner executable with extra arguments; returns its exit status. */
static int run_runner(const Scratch *s, const char *const *args, char **output)
{
    const char *argv[16] = {JITPC_GUEST_RUNNER};
    size_t n = 1;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    char log[700];
    snprintf(log, sizeof(log), "%s/runner.log", s->dir);
    SpawnResult res;
    runner_spawn_process((char *const *)argv, log, 30, &res);
    cr_assert_eq(res.outcome, SPAWN_EXITED, "outcome %d code %d", res.outcome, res.code);
    *output = read_file(log, NULL);
    cr_assert_not_null(*output);
    return res.code;
}

Test(guest_runner_main, exit_codes)
{
    Scratch s;
    scratch_init(&s, "main");
    write_file(s.source, HELLO_SOURCE, 0644);
    write_file(s.image, "debugcon hello\\n\nstatus 1\n", 0644);
    char *out;

    const char *pass[] = {"--jitpc", s.fake, "--source", s.source, "--image", s.image,
                          "--workdir", s.workdir, "--timeout-scale", "2", NULL};
    cr_assert_eq(run_runner(&s, pass, &out), 0, "%s", out);
    cr_assert_eq(strncmp(out, "PASS guest/main", 15), 0, "%s", out);
    free(out);

    write_file(s.image, "debugcon hello\\n\nstatus 2\n", 0644);
    const char *fail[] = {"--jitpc=" "/nonexistent", "--source", s.source, "--image", s.image,
                          "--workdir", s.workdir, NULL};
    cr_assert_eq(run_runner(&s, fail, &out), 1, "%s", out);
    cr_assert_eq(strncmp(out, "FAIL guest/main: cannot execute jitpc", 37), 0, "%s", out);
    free(out);

    const char *none[] = {NULL};
    cr_assert_eq(run_runner(&s, none, &out), 2, "%s", out);
    assert_contains(out, "--jitpc is required");
    free(out);

    const char *unknown[] = {"--jitpc", s.fake, "--frobnicate", NULL};
    cr_assert_eq(run_runner(&s, unknown, &out), 2, "%s", out);
    assert_contains(out, "unknown argument '--frobnicate'");
    free(out);

    const char *scale[] = {"--jitpc", s.fake, "--source", s.source, "--image", s.image,
                           "--workdir", s.workdir, "--timeout-scale", "fast", NULL};
    cr_assert_eq(run_runner(&s, scale, &out), 2, "%s", out);
    free(out);

    const char *check[] = {"--check-image", s.image, NULL};
    cr_assert_eq(run_runner(&s, check, &out), 1, "%s", out);
    assert_contains(out, "not an ELF file");
    free(out);
}
