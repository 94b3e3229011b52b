/* The check runtime (check_rt.inc), assembled for the test's mode
 * (CHECK_MODE 16 or 32, from jitpc_add_guest_test's MODE option). */
#include "check.h"
#include "check_rt.inc"

    .section .note.GNU-stack, "", @progbits
