/* matrix.h — a stage's matrix: its instances, as GitHub expands
 * strategy.matrix (doc/language.md, "Matrices"). */
#ifndef RP_RUN_MATRIX_H
#define RP_RUN_MATRIX_H

#include "eval/interp.h"

typedef struct Matrix {
  Value names;      /* per instance, its values as text: "linux, 3.12" (the unit is "test[linux, 3.12]") */
  Value vars;       /* per instance, its variables: a map, null for a variable it lacks */
  Value combos;     /* per instance, its own values: a map (what GitHub's `matrix` context holds) */
  bool fail_fast;   /* a failed instance cancels the others */
  int max_parallel; /* at most this many instances run at once; 0: no cap */
  bool sequential;  /* `sequential` on an axis: each instance waits for the one before */
} Matrix;

/* Evaluates the axes and `matrix { }` of `st` (which has a matrix) and
 * expands them: the product, first axis outermost, less `exclude`, with
 * `include`. False with the interpreter's error set. */
bool matrix_expand(Interp *I, const Source *src, const Stage *st, Matrix *out);
/* The same for rp export, when the axes and settings are literals of
 * plain values (strings without ${}, numbers, bools, lists and maps). */
bool matrix_expand_literal(const Stage *st, Matrix *out);
/* Such a literal's value; false for anything computed. */
bool matrix_literal(const Node *n, Value *out);
void matrix_free(Matrix *m);

/* The instance `want` names, or -1: its name (the blanks after its commas
 * optional), or its own values as a JSON map, as GitHub's toJSON(matrix)
 * gives them (each value compared as its name shows it). */
int matrix_find(const Matrix *m, const char *want);

/* What a matrix stage's readers get as STAGE: each output NAME as a list
 * with an item per instance (null where one did not set it), and each
 * instance's outputs map under "[INSTANCE]" (read as STAGE["INSTANCE"]).
 * `names` and `outputs` are parallel lists: instance names (as in
 * Matrix.names) and their outputs maps (null: not run). A new map. */
Value matrix_outputs(Value names, Value outputs);

/* A matrix value as an instance name shows it: a string as it is, a list
 * its items and a map its key=value pairs, blank-separated (malloc'd). */
char *matrix_value_text(Value v);

#endif
