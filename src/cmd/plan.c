/* plan.c — rp plan: what would run for this event, in order, and why.
 * Nothing is executed: `when` conditions that need a stage's outputs are
 * shown as decided at run time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "eval/interp.h"
#include "run/plan.h"
#include "run/sched.h"

/* "environment prod (approval: alice, release-team; wait 5m; after uat)" */
static void describe_env(Interp *I, const Program *p, const Stage *st, Buf *b) {
  const char *name = st->environment->as.attr.ref.name;
  buf_printf(b, "environment %s", name);
  const Environment *e = program_environment(p, name);
  if (!e) return;
  Buf extra = {0};
  if (e->approval) {
    buf_puts(&extra, "approval");
    const NodeList *set = &e->approval->as.settings;
    const char *keys[] = {"reviewers", "wait", "branches", "tags"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
      Node *n = settings_get(set, keys[k]);
      Value v;
      if (!n || !interp_eval(I, NULL, n, &v)) {
        interp_clear_error(I);
        continue;
      }
      if (k == 0) buf_puts(&extra, " by ");
      else buf_printf(&extra, "; %s ", keys[k]);
      if (v.kind == V_LIST) {
        for (size_t i = 0; i < list_len(v); i++) {
          if (i) buf_puts(&extra, ", ");
          value_to_text(list_get(v, i), &extra);
        }
      } else {
        value_to_text(v, &extra);
      }
      value_release(v);
    }
  }
  if (e->after) buf_printf(&extra, "%safter %s", extra.len ? "; " : "", e->after->as.after.name);
  if (extra.len) buf_printf(b, " (%s)", extra.data);
  buf_free(&extra);
}

static void describe_when(Interp *I, const Unit *u, Buf *b) {
  if (!u->stage->when) return;
  Value v;
  if (interp_eval_with(I, u->vars, u->stage->when->as.attr.value, &v)) {
    buf_puts(b, value_truthy(v) ? "; when is true" : "; SKIPPED: when is false");
    value_release(v);
  } else {
    buf_puts(b, "; when is decided at run time");
    interp_clear_error(I);
  }
}

static void print_plan(const Loaded *l, Interp *I, Scheduler *s) {
  Buf b = {0};
  event_describe(l->event, &b);
  printf("pipeline %s\nevent: %s (from %s)\n", l->prog->name ? l->prog->name : l->prog->src->path,
         b.data ? b.data : "", l->event_source);
  buf_free(&b);
  if (l->triggers.nverdicts) {
    puts("\ntriggers:");
    for (int i = 0; i < l->triggers.nverdicts; i++)
      printf("  %s %s\n", l->triggers.verdicts[i].matched ? "✓" : "·", l->triggers.verdicts[i].why);
  }
  if (!s->n) {
    puts("\nnothing runs for this event");
    return;
  }
  /* why each goal stage runs (the first reason given), and the first unit
   * that needs each unit: one pass each, at any size */
  const char **why = xcalloc((size_t)l->prog->nstages + 1, sizeof *why);
  for (int g = l->ngoals - 1; g >= 0; g--) why[l->goals[g]] = l->triggers.goals[g].why;
  int *needed_by = xcalloc((size_t)s->n + 1, sizeof *needed_by);
  for (int d = s->n - 1; d >= 0; d--)
    for (int k = 0; k < s->units[d].nneeds; k++) needed_by[s->units[d].needs[k]] = d;
  puts("\nstages, in order:");
  for (int u = 0; u < s->n; u++) {
    Buf line = {0};
    if (why[s->units[u].stage_index]) buf_puts(&line, why[s->units[u].stage_index]);
    else if (needed_by[u] > u) buf_printf(&line, "needed by %s", s->units[needed_by[u]].name);
    if (s->units[u].stage->environment) {
      buf_puts(&line, "; ");
      describe_env(I, l->prog, s->units[u].stage, &line);
    }
    describe_when(I, &s->units[u], &line);
    printf("  %2d. %-24s %s\n", u + 1, s->units[u].name, line.data ? line.data : "");
    buf_free(&line);
  }
  free(why);
  free(needed_by);
}

int cmd_plan(const Options *o) {
  Selection sel;
  Loaded l = {0};
  char *err = NULL;
  if (!options_selection(o, ARGS_STAGES_OR_FILE, &sel, &err)) {
    fprintf(stderr, "rp plan: %s\n", err);
    free(err);
    return EXIT_USAGE;
  }
  bool ok = pipeline_plan(&sel, &l);
  if (ok) {
    Interp *I = interp_new(l.prog, l.im);
    interp_set_event(I, value_retain(l.event));
    Scheduler s = {.I = I, .prog = l.prog, .jobs = 1, .only = sel.only};
    ok = sched_plan(&s, l.goals, l.ngoals);
    if (ok) print_plan(&l, I, &s);
    sched_free(&s);
    interp_free(I);
  }
  plan_loaded_free(&l);
  selection_free(&sel);
  return ok ? EXIT_OK : EXIT_USAGE;
}
