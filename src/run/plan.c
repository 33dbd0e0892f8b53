/* plan.c — loading a pipeline for a run and choosing its goal stages. */
#include "run/plan.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

extern char **environ;

int selection_option(Selection *s, int argc, char **argv, int i) {
  const char *a = argv[i];
  if ((!strcmp(a, "-f") || !strcmp(a, "--file")) && i + 1 < argc) {
    s->file = argv[i + 1];
    return 2;
  }
  if (!strcmp(a, "--only") && i + 1 < argc) {
    s->only = true;
    s->stages[s->nstages++] = argv[i + 1];
    return 2;
  }
  char *err = NULL;
  int n = event_flags_parse(&s->flags, argc, argv, i, &err);
  if (n < 0) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
  }
  return n;
}

void selection_free(Selection *s) {
  free(s->stages);
  event_flags_free(&s->flags);
}

static void add_goal(Loaded *l, int idx, char *why) {
  for (int k = 0; k < l->ngoals; k++)
    if (l->goals[k] == idx) {
      free(why);
      return;
    }
  l->goals[l->ngoals] = idx;
  l->why[l->ngoals++] = why;
}

static int choose_goals(const Selection *s, Loaded *l, const char *dir) {
  Program *p = l->prog;
  l->goals = xcalloc((size_t)p->nstages + (size_t)s->nstages + 1, sizeof *l->goals);
  l->why = xcalloc((size_t)p->nstages + (size_t)s->nstages + 1, sizeof *l->why);
  for (int k = 0; k < s->nstages; k++) {
    int i = program_stage_index(p, s->stages[k]);
    if (i < 0) {
      fprintf(stderr, "rp: no stage named '%s' in %s\n", s->stages[k], p->src->path);
      return EXIT_USAGE;
    }
    add_goal(l, i, xstrdup("named on the command line"));
  }
  if (s->nstages) return EXIT_OK;
  char *err = NULL;
  if (!trigger_plan(p, l->event, dir, &l->triggers, &err)) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
    return EXIT_USAGE;
  }
  for (int g = 0; g < l->triggers.ngoals; g++) {
    int i = program_stage_index(p, l->triggers.goals[g].stage);
    if (i >= 0) add_goal(l, i, xstrdup(l->triggers.goals[g].why));
  }
  return EXIT_OK;
}

int plan_load(const Selection *s, Loaded *l) {
  memset(l, 0, sizeof *l);
  Diags d = {0};
  char *err = NULL;
  l->prog = load_checked(pipeline_path(s->file), &l->im, &d, &err);
  diags_print(&d, stderr, want_color(stderr));
  int errors = d.nerrors;
  diags_free(&d);
  if (!l->prog) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
    return EXIT_USAGE;
  }
  if (errors) return EXIT_USAGE;
  char *path = xstrdup(l->prog->src->path);
  const char *dir = dirname(path);
  int rc = EXIT_USAGE;
  if (!event_detect(&s->flags, environ, dir, &l->event, &l->event_source, &err)) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
  } else {
    rc = choose_goals(s, l, dir);
  }
  free(path);
  return rc;
}

void plan_loaded_free(Loaded *l) {
  for (int k = 0; k < l->ngoals; k++) free(l->why[k]);
  free(l->why);
  free(l->goals);
  trigger_plan_free(&l->triggers);
  value_release(l->event);
  if (l->prog) checked_free(l->prog, l->im);
}
