/* jitpc-guest-runner: runs one guest test in jitpc and checks it against the
 * expectation header of its source (see tests/guest/README.md), or, with
 * --check-image, only checks that an image is a Multiboot v1 ELF (the build
 * runs that on every guest image). Exit: 0 pass, 1 fail, 2 usage error. */
#include "runner_lib.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNNER_EXIT_PASS 0
#define RUNNER_EXIT_FAIL 1
#define RUNNER_EXIT_USAGE 2

static const char runner_usage[] =
    "usage: jitpc-guest-runner --jitpc PATH --source TEST_SOURCE --image IMAGE.elf\n"
    "                          --workdir DIR [--timeout-scale F] [--accel jit|interp]\n"
    "       jitpc-guest-runner --check-image IMAGE.elf\n";

static int runner_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int runner_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("jitpc-guest-runner: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
    fputs(runner_usage, stderr);
    return RUNNER_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    RunnerConfig cfg = {.timeout_scale = 1.0};
    const char *check_image = NULL;
    const char *scale = NULL;
    struct {
        const char *name;
        const char **value;
    } options[] = {
        {"--jitpc", &cfg.jitpc},
        {"--source", &cfg.source},
        {"--image", &cfg.image},
        {"--workdir", &cfg.workdir},
        {"--timeout-scale", &scale},
        {"--accel", &cfg.accel},
        {"--check-image", &check_image},
    };

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(runner_usage, stdout);
            return RUNNER_EXIT_PASS;
        }
        size_t k;
        for (k = 0; k < sizeof(options) / sizeof(options[0]); k++) {
            size_t len = strlen(options[k].name);
            if (strncmp(argv[i], options[k].name, len))
                continue;
            if (argv[i][len] == '=') {
                *options[k].value = argv[i] + len + 1;
                break;
            }
            if (argv[i][len] == '\0') {
                if (i + 1 >= argc)
                    return runner_usage_error("%s needs a value", argv[i]);
                *options[k].value = argv[++i];
                break;
            }
        }
        if (k == sizeof(options) / sizeof(options[0]))
            return runner_usage_error("unknown argument '%s'", argv[i]);
    }

    if (check_image) {
        if (cfg.jitpc || cfg.source || cfg.image || cfg.workdir || scale)
            return runner_usage_error("%s takes no other options", "--check-image");
        RunnerText err = {0};
        bool ok = runner_check_image(check_image, &err);
        if (!ok)
            fprintf(stderr, "jitpc-guest-runner: bad guest image %s\n", runner_text_str(&err));
        runner_text_free(&err);
        return ok ? RUNNER_EXIT_PASS : RUNNER_EXIT_FAIL;
    }

    if (!cfg.jitpc)
        return runner_usage_error("%s is required", "--jitpc");
    if (!cfg.source)
        return runner_usage_error("%s is required", "--source");
    if (!cfg.image)
        return runner_usage_error("%s is required", "--image");
    if (!cfg.workdir)
        return runner_usage_error("%s is required", "--workdir");
    if (scale) {
        char *end;
        cfg.timeout_scale = strtod(scale, &end);
        if (*end || end == scale || !(cfg.timeout_scale > 0 && cfg.timeout_scale <= 1000))
            return runner_usage_error("--timeout-scale wants a number in (0, 1000], got '%s'",
                                      scale);
    }

    RunnerText report = {0};
    bool pass = runner_run_test(&cfg, &report);
    fwrite(runner_text_str(&report), 1, report.len, stdout);
    fflush(stdout);
    runner_text_free(&report);
    return pass ? RUNNER_EXIT_PASS : RUNNER_EXIT_FAIL;
}
