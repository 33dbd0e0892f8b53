/* graph.h — the pipeline as a format-neutral graph: what rp graph writes
 * as dot or Mermaid and rp report draws as SVG (doc/graph.md). */
#ifndef RP_GRAPH_H
#define RP_GRAPH_H

#include "core/util.h"
#include "lang/check.h"

typedef enum GNodeKind { G_TRIGGER, G_STAGE, G_MATRIX, G_ENV, G_GATED_ENV } GNodeKind;

/* needs: dependency -> dependent; deploys: stage -> environment;
 * after: earlier environment -> later; starts: trigger -> goal stage. */
typedef enum GEdgeKind { E_STARTS, E_NEEDS, E_DEPLOYS, E_AFTER } GEdgeKind;

typedef struct GNode {
  GNodeKind kind;
  const char *id;    /* a bare identifier in both formats */
  const char *label; /* plain text; '\n' separates lines */
} GNode;

typedef struct GEdge {
  GEdgeKind kind;
  const char *from, *to;
} GEdge;

typedef struct Graph {
  Arena arena; /* ids and labels */
  const char *title;
  GNode *nodes;
  int nnodes, nodes_cap;
  GEdge *edges;
  int nedges, edges_cap;
} Graph;

/* The nodes and edges of a checked pipeline, in source order. */
void build_graph(Graph *g, const Program *p);
void graph_free(Graph *g);

#endif
