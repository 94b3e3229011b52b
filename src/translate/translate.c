/* Placeholder for the translation engine library; see translate.h. */
#include "translate/translate.h"

int translate_ir_version(void)
{
    return 0;
}
