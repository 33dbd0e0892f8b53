/* plan.c — loading a pipeline for a run and choosing its goal stages. */
#include "run/plan.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "eval/families.h"

void selection_free(Selection *s) {
  free(s->stages);
  s->stages = NULL;
  s->nstages = s->stages_cap = 0;
}

static void free_goals(Loaded *l) {
  for (int g = 0; l->instances && g < l->ngoals; g++) free(l->instances[g]);
  free(l->instances);
  l->instances = NULL;
  free(l->goals);
  l->goals = NULL;
  l->ngoals = 0;
  trigger_plan_free(&l->triggers);
  memset(&l->triggers, 0, sizeof l->triggers);
}

/* "build[linux]": the stage "build" and, in *instance, its matrix value
 * "linux" as the instance's name shows it; a plain name has none. */
static char *goal_stage(const char *goal, char **instance) {
  const char *open = strchr(goal, '[');
  size_t len = strlen(goal);
  *instance = NULL;
  if (!open || goal[len - 1] != ']') return xstrdup(goal);
  *instance = xstrndup(open + 1, len - (size_t)(open - goal) - 2);
  return xstrndup(goal, (size_t)(open - goal));
}

bool plan_choose_goals(const Selection *s, Loaded *l) {
  Program *p = l->prog;
  free_goals(l);
  free(l->error);
  l->error = NULL;
  for (int k = 0; k < s->nstages; k++)
    trigger_plan_add_goal(&l->triggers, s->stages[k], NULL, "named on the command line");
  const char *kind = event_str(l->event, EF_KIND);
  if (s->nstages && kind && !strcmp(kind, "manual") &&
      !trigger_named_inputs(p, l->event, s->stages, s->nstages, &l->error))
    return false;
  if (!s->nstages) {
    char *path = xstrdup(p->src->path);
    bool ok = trigger_plan(p, l->event, dirname(path), &l->triggers, &l->error);
    free(path);
    if (!ok) return false;
  }
  l->goals = xcalloc((size_t)l->triggers.ngoals + 1, sizeof *l->goals);
  l->instances = xcalloc((size_t)l->triggers.ngoals + 1, sizeof *l->instances);
  for (; l->ngoals < l->triggers.ngoals; l->ngoals++) {
    char *name = goal_stage(l->triggers.goals[l->ngoals].stage, &l->instances[l->ngoals]);
    l->goals[l->ngoals] = program_stage_index(p, name);
    if (l->goals[l->ngoals] < 0) {
      Suggest sg = {name, NULL, (size_t)-1};
      for (int i = 0; i < p->nstages; i++) suggest_try(&sg, p->stages[i]->as.stage->name);
      l->error = sg.best ? xasprintf("no stage named '%s' in %s (did you mean '%s'?)", name, p->src->path, sg.best)
                         : xasprintf("no stage named '%s' in %s", name, p->src->path);
      free(l->instances[l->ngoals]);
      l->instances[l->ngoals] = NULL;
      free(name);
      return false;
    }
    free(name);
  }
  return true;
}

bool plan_load(const Selection *s, char **envp, Loaded *l) {
  memset(l, 0, sizeof *l);
  l->prog = load_checked(s->file, rp_families, &l->im, &l->diags, &l->error);
  if (!l->prog || l->diags.nerrors) return false;
  char *path = xstrdup(l->prog->src->path);
  bool ok = event_detect(s->flags, envp, dirname(path), &l->event, &l->event_source, &l->error) &&
            plan_choose_goals(s, l);
  free(path);
  return ok;
}

void plan_print_problems(Loaded *l, FILE *out) {
  diags_print(&l->diags, out, want_color(out));
  if (l->error) fprintf(out, "rp: %s\n", l->error);
}

void plan_loaded_free(Loaded *l) {
  free_goals(l);
  value_release(l->event);
  diags_free(&l->diags);
  free(l->error);
  if (l->prog) checked_free(l->prog, l->im);
  memset(l, 0, sizeof *l);
}
