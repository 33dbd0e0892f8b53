/* parser.c — placeholder until the recursive-descent parser lands. */
#include "parser.h"

Program *parse_program(Source *src, Diags *diags) {
  (void)diags;
  Arena a = {0};
  Program *p = arena_alloc(&a, sizeof *p);
  p->arena = a;
  p->src = src;
  return p;
}
