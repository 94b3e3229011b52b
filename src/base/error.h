/* Error reports for bad host input (options, files, images): one line of
 * text the caller prints as "jitpc: <msg>" before a non-zero exit.
 * Guest misbehaviour never uses this; it gets an architectural answer. */
#ifndef JITPC_BASE_ERROR_H
#define JITPC_BASE_ERROR_H

#include <stdbool.h>
#include "base/compiler.h"

typedef struct Error {
    bool set;
    char msg[512];
} Error;

/* Record the first error only: later calls keep the original cause. */
void error_setf(Error *err, const char *fmt, ...) PRINTF_FMT(2, 3);
/* Like error_setf, appending ": strerror(errno_val)". */
void error_setf_errno(Error *err, int errno_val, const char *fmt, ...) PRINTF_FMT(3, 4);

#endif
