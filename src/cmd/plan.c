/* plan.c — rp plan: what would run for this event, in order, and why.
 * Nothing is executed: `when` conditions that need a stage's outputs are
 * shown as decided at run time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/cron.h"
#include "cmd/load.h"
#include "cmd/options.h"
#include "eval/interp.h"
#include "run/artifact.h"
#include "run/cache.h"
#include "run/event.h"
#include "run/plan.h"
#include "run/sched.h"

/* "environment prod (approval: alice, release-team; wait 5m; after uat)" */
static void describe_env(Interp *I, const Program *p, const Unit *u, Buf *b) {
  const char *name = stage_environment(u->stage, u->vars);
  if (!name) name = u->stage->environment->as.attr.ref.name;
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

/* `cache KEY`: whether an earlier run stands for the unit, when its key
 * can be told before anything runs (run/cache.h); `store` NULL: the state
 * could not be read (said already). */
static void describe_cache(Interp *I, const Program *p, Store *store, const Unit *u, Buf *b) {
  if (!u->stage->cache || u->stage->environment) return;
  char *key = NULL, *why = NULL, *err = NULL;
  Value hit = V_NULL_VALUE;
  if (!cache_key_is_static(u) || !cache_key(I, p->src, u, &key, &why)) {
    buf_puts(b, "; cache key known at run time");
    interp_clear_error(I);
  } else if (why) {
    buf_printf(b, "; not cached: %s", why);
  } else if (store && cache_find(store, u->stage->name, u->name, key, &hit, &err) && hit.kind == V_MAP) {
    char *text = cache_hit_text(hit);
    buf_printf(b, "; %s", text);
    free(text);
  } else {
    buf_printf(b, "; runs: %s (key %s)", err ? err : "no earlier run has its key", key);
  }
  value_release(hit);
  free(key), free(why), free(err);
}

/* For a schedule event: the next three times (UTC) `t` fires. */
static void print_next_fires(const Trigger *t) {
  const char *s;
  uint32_t len;
  if (t->event != EV_SCHEDULE || !t->filter || !string_is_plain(t->filter, &s, &len)) return;
  char *text = xstrndup(s, len);
  Cron cron;
  CronError e;
  if (cron_parse(text, &cron, &e)) {
    fputs("      next:", stdout);
    time_t at = time(NULL);
    for (int i = 0; i < 3 && (at = cron_next(&cron, at)) >= 0; i++) {
      struct tm tm;
      char buf[32];
      gmtime_r(&at, &tm);
      strftime(buf, sizeof buf, "%Y-%m-%d %H:%M %a", &tm);
      printf("%s %s", i ? "," : "", buf);
    }
    puts(at < 0 ? " (never again)" : " (UTC)");
  }
  free(text);
}

static void put_node_source(const Source *src, const Node *n) {
  printf("%.*s", (int)(n->end - n->pos.off), src->text + n->pos.off);
}

/* Whether a manual trigger before the i-th declares the input `name`. */
static bool declared_before(const Program *p, int i, const char *name) {
  for (int j = 0; j < i; j++) {
    const Trigger *t = p->triggers[j]->as.trigger;
    for (int k = 0; t->event == EV_MANUAL && k < t->ninputs; k++)
      if (!strcmp(t->inputs[k].name, name)) return true;
  }
  return false;
}

/* The inputs the pipeline's `on manual` triggers declare (each name once),
 * and for a manual event the value each gets. */
static void print_inputs(const Loaded *l) {
  const Program *p = l->prog;
  Value given = event_get(l->event, EF_INPUTS);
  const char *kind = event_str(l->event, EF_KIND);
  bool manual = kind && !strcmp(kind, "manual"), header = false;
  for (int i = 0; i < p->ntriggers; i++) {
    const Trigger *t = p->triggers[i]->as.trigger;
    for (int k = 0; t->event == EV_MANUAL && k < t->ninputs; k++) {
      const Param *in = &t->inputs[k];
      if (declared_before(p, i, in->name)) continue;
      if (!header) puts("\ninputs (on manual):");
      header = true;
      printf("  %s: %s", in->name, in->type ? in->type : "string");
      if (in->options) put_node_source(p->src, in->options);
      if (in->def) {
        fputs(" = ", stdout);
        put_node_source(p->src, in->def);
      } else {
        fputs(" (required)", stdout);
      }
      if (manual && given.kind == V_MAP && map_has(given, in->name)) {
        char *v = value_to_cstr(map_get(given, in->name));
        printf("; this run: %s", v);
        free(v);
      }
      putchar('\n');
    }
  }
}

/* `needs? x`: whether x is in this run, so the edge applies. */
static void describe_optional_needs(const Program *p, const Scheduler *s, const Unit *u, Buf *line) {
  const Node *needs = u->stage->needs;
  for (int k = 0; needs && k < needs->as.attr.nnames; k++) {
    const NameRef *r = &needs->as.attr.names[k];
    if (!r->optional) continue;
    int j = program_stage_index(p, r->name);
    buf_printf(line, "%sneeds? %s: %s", line->len ? "; " : "", r->name,
               j >= 0 && s->first_unit[j] >= 0 ? "in this run, waits for it" : "not in this run, ignored");
  }
}

static void print_plan(const Loaded *l, Interp *I, Store *store, Scheduler *s) {
  Buf b = {0};
  event_describe(l->event, &b);
  printf("pipeline %s\nevent: %s (from %s)\n", l->prog->name ? l->prog->name : l->prog->src->path,
         b.data ? b.data : "", l->event_source);
  buf_free(&b);
  if (l->triggers.nverdicts) {
    puts("\ntriggers:");
    const char *kind = event_str(l->event, EF_KIND);
    for (int i = 0; i < l->triggers.nverdicts; i++) {
      printf("  %s %s\n", l->triggers.verdicts[i].matched ? "✓" : "·", l->triggers.verdicts[i].why);
      if (kind && !strcmp(kind, "schedule")) print_next_fires(l->triggers.verdicts[i].trigger);
    }
  }
  print_inputs(l);
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
      describe_env(I, l->prog, &s->units[u], &line);
    }
    describe_optional_needs(l->prog, s, &s->units[u], &line);
    describe_when(I, &s->units[u], &line);
    describe_cache(I, l->prog, store, &s->units[u], &line);
    char *artifacts = artifact_plan_text(l->prog, s->units[u].stage);
    if (artifacts) buf_printf(&line, "; %s", artifacts);
    free(artifacts);
    printf("  %2d. %-24s %s\n", u + 1, s->units[u].name, line.data ? line.data : "");
    buf_free(&line);
  }
  free(why);
  free(needed_by);
}

/* --json: the stages that would run, each once (a matrix stage's instances
 * are one stage), on one line: what an exported workflow's first job hands
 * the jobs after it (doc/ci.md); and the units, each instance by name. */
static void print_plan_json(const Scheduler *s) {
  Value stages = v_list(), units = v_list();
  for (int u = 0; u < s->n; u++) {
    if (u == 0 || s->units[u].stage != s->units[u - 1].stage) list_push(stages, v_cstr(s->units[u].stage->name));
    list_push(units, v_cstr(s->units[u].name));
  }
  Value plan = v_map();
  map_set(plan, "stages", stages);
  map_set(plan, "units", units);
  Buf b = {0};
  json_encode(plan, &b, false);
  puts(b.data);
  buf_free(&b);
  value_release(plan);
}

/* Whether a unit has a cache to look up: only then is the state read. */
static bool plan_has_cache(const Scheduler *s) {
  for (int u = 0; u < s->n; u++)
    if (s->units[u].stage->cache && !s->units[u].stage->environment) return true;
  return false;
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
    Scheduler s = {.I = I, .prog = l.prog, .jobs = 1, .only = sel.only, .instances = l.instances};
    ok = sched_plan(&s, l.goals, l.ngoals);
    if (ok && o->json) print_plan_json(&s);
    else if (ok) {
      Store *store = plan_has_cache(&s) ? state_open(o, l.prog->src->path, l.prog) : NULL;
      print_plan(&l, I, store, &s);
      store_close(store);
    }
    sched_free(&s);
    interp_free(I);
  }
  plan_loaded_free(&l);
  selection_free(&sel);
  return ok ? EXIT_OK : EXIT_USAGE;
}
