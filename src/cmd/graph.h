/* graph.h — the stage graph of rp graph, for the commands that draw it
 * too: rp report's page has it as inline SVG. */
#ifndef RP_GRAPH_H
#define RP_GRAPH_H

#include "core/util.h"
#include "lang/check.h"

/* How the caller wants a node drawn: `kind` is "trigger", "stage",
 * "matrix", "environment" or "gate" (an environment with an approval
 * gate), `name` the stage's or environment's name (NULL for a trigger).
 * Returns the node's CSS class; *second, when set, is a second line of
 * text under its name (a result, a version). */
typedef const char *(*GraphPaint)(const char *kind, const char *name, const char **second, void *ctx);

/* Appends the graph of checked pipeline `p` to `out` as an <svg> element
 * for an HTML page: nodes in columns by dependency depth, edges as curves
 * with the classes "edge starts|needs|deploys|after", every text escaped. */
void graph_svg(const Program *p, GraphPaint paint, void *ctx, Buf *out);

#endif
