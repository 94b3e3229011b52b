/* jitpc's entry point: parse the command line, build the machine, run it.
 * Every failure ends with one "jitpc: ..." line and a non-zero status. */
#include <stdio.h>

#include "machine/cmdline.h"
#include "machine/host.h"
#include "machine/machine.h"

int main(int argc, char **argv)
{
    MachineConfig cfg;
    Error err = {0};
    config_init(&cfg);
    if (!cmdline_parse(argc, argv, &cfg, &err)) {
        fprintf(stderr, "jitpc: %s\n", err.msg);
        config_free(&cfg);
        return 1;
    }
    switch (cfg.action) {
    case ACTION_RUN:
        break;
    case ACTION_HELP:
        cmdline_print_help(stdout);
        return 0;
    case ACTION_VERSION:
        cmdline_print_version(stdout);
        return 0;
    case ACTION_LOG_HELP:
        log_print_help(stdout);
        return 0;
    case ACTION_CPU_HELP:
        cmdline_print_cpu_help(stdout);
        return 0;
    case ACTION_DEVICE_HELP:
        cmdline_print_device_help(stdout);
        return 0;
    case ACTION_MACHINE_HELP:
        cmdline_print_machine_help(stdout);
        return 0;
    }

    host_signals_block();
    Machine *m = machine_new(&cfg, &err);
    if (!m) {
        fprintf(stderr, "jitpc: %s\n", err.msg);
        config_free(&cfg);
        return 1;
    }
    m->handle_signals = true;
    int status = machine_run(m, &err);
    if (err.set)
        fprintf(stderr, "jitpc: %s\n", err.msg);
    machine_free(m);
    config_free(&cfg);
    return status;
}
