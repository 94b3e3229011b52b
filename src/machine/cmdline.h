/* The QEMU-style command line: parse argv into a MachineConfig, print
 * --help. Parsing never exits; a bad option fills `err` with one line. */
#ifndef JITPC_MACHINE_CMDLINE_H
#define JITPC_MACHINE_CMDLINE_H

#include <stdbool.h>
#include <stdio.h>

#include "base/error.h"
#include "machine/config.h"

bool cmdline_parse(int argc, char *const *argv, MachineConfig *cfg, Error *err);
void cmdline_print_help(FILE *f);
void cmdline_print_version(FILE *f);
void cmdline_print_cpu_help(FILE *f);
void cmdline_print_device_help(FILE *f);
void cmdline_print_machine_help(FILE *f);

#endif
