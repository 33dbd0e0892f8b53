/* cmd_graph.c — placeholder. */
#include <stdio.h>
#include "cmd.h"
int cmd_graph(int argc, char **argv) { (void)argc; (void)argv; fputs("rp: graph: not built yet\n", stderr); return EXIT_USAGE; }
