/* cmd_fmt.c — placeholder. */
#include <stdio.h>
#include "cmd.h"
int cmd_fmt(int argc, char **argv) { (void)argc; (void)argv; fputs("rp: fmt: not built yet\n", stderr); return EXIT_USAGE; }
