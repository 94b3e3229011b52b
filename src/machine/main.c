/* jitpc's entry point: parse the command line, build the machine, run it. */
#include <stdio.h>

int main(void)
{
    puts("jitpc");
    return 0;
}
