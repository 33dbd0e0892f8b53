/* trigger.c — matching triggers against the event; changed files. */
#include "run/trigger.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/pattern.h"
#include "run/event.h"

/* ---- reading the literal parts of a trigger ---- */

/* The text of a plain string literal, malloc'd; NULL for anything else. */
static char *plain_string(const Node *n) {
  const char *s;
  uint32_t len;
  return n && string_is_plain(n, &s, &len) ? xstrndup(s, len) : NULL;
}

/* How the trigger reads in source: `on push ["main", "dev"]`. */
static void show_filter(const Node *f, Buf *b) {
  if (f->kind == N_REGEX) {
    buf_printf(b, "re\"%.*s\"", (int)f->as.regex.len, f->as.regex.pattern);
  } else if (f->kind == N_LIST) {
    buf_putc(b, '[');
    for (int i = 0; i < f->as.list.n; i++) {
      if (i) buf_puts(b, ", ");
      show_filter(f->as.list.items[i], b);
    }
    buf_putc(b, ']');
  } else {
    char *s = plain_string(f);
    buf_printf(b, "\"%s\"", s ? s : "...");
    free(s);
  }
}

static void show_trigger(const Trigger *t, Buf *b) {
  buf_printf(b, "on %s", event_kind_name(t->event));
  if (t->filter) {
    buf_putc(b, ' ');
    show_filter(t->filter, b);
  }
}

/* Whether `subject` matches one item of a filter: a GitHub filter pattern
 * (*neg set when it starts with '!') or a regex literal (searched, as `=~`
 * does). Returns 1, 0, or -1 with *err set for an item that is not literal. */
static int item_match(const Node *f, const char *subject, bool *neg, char **err) {
  *neg = false;
  if (f->kind == N_REGEX) {
    char *rerr = NULL;
    size_t off;
    Value re = v_regex(f->as.regex.pattern, f->as.regex.len, &rerr, &off);
    if (re.kind != V_REGEX) {
      *err = xasprintf("invalid regex at offset %zu: %s", off, rerr);
      free(rerr);
      return -1;
    }
    bool hit = regex_search(re, subject, strlen(subject), &rerr);
    value_release(re);
    if (rerr) {
      *err = rerr;
      return -1;
    }
    return hit;
  }
  char *glob = plain_string(f);
  if (!glob) {
    *err = xstrdup("a filter must be a literal string, a list of strings or a regex");
    return -1;
  }
  *neg = glob[0] == '!';
  int r = pattern_match(glob + *neg, subject);
  free(glob);
  return r;
}

/* A filter, as GitHub reads a list: the last item that matches decides,
 * including `subject` unless it is a '!' pattern. 1, 0 or -1 (*err). */
static int filter_match(const Node *f, const char *subject, char **err) {
  int n = f->kind == N_LIST ? f->as.list.n : 1, in = 0;
  for (int i = 0; i < n; i++) {
    bool neg;
    int r = item_match(f->kind == N_LIST ? f->as.list.items[i] : f, subject, &neg, err);
    if (r < 0) return r;
    if (r) in = !neg;
  }
  return in;
}

/* The strings of a setting written as "x" or ["x", "y"]; NULL-terminated,
 * malloc'd with the strings. Sets *bad for a value that is not literal. */
static char **setting_strings(const Trigger *t, const char *key, bool *bad) {
  const Node *v = trigger_setting(t, key);
  *bad = false;
  if (!v) return NULL;
  int n = v->kind == N_LIST ? v->as.list.n : 1;
  char **out = xcalloc((size_t)n + 1, sizeof *out);
  for (int i = 0; i < n; i++) {
    out[i] = plain_string(v->kind == N_LIST ? v->as.list.items[i] : v);
    if (!out[i]) *bad = true;
  }
  return out;
}

static void strings_free(char **s) {
  for (char **p = s; p && *p; p++) free(*p);
  free(s);
}

static bool strings_has(char *const *list, const char *s) {
  for (; list && *list; list++)
    if (s && !strcmp(*list, s)) return true;
  return false;
}

static void show_strings(char *const *list, Buf *b) {
  buf_putc(b, '[');
  for (int i = 0; list[i]; i++) buf_printf(b, "%s\"%s\"", i ? ", " : "", list[i]);
  buf_putc(b, ']');
}

bool trigger_has_paths(const Trigger *t) { return trigger_setting(t, "paths") != NULL; }

/* ---- the filter of each event kind ---- */

/* Branch-like filters: push, manual, local (on event.branch), pull_request
 * (on event.base) and tag (on event.tag). */
static bool match_ref(const Trigger *t, const char *what, const char *subject, Buf *why) {
  if (!t->filter) {
    if (subject) buf_printf(why, " matched %s %s", what, subject);
    else buf_puts(why, " matched");
    return true;
  }
  if (!subject) {
    buf_printf(why, " did not match: the event has no %s", what);
    return false;
  }
  char *err = NULL;
  int r = filter_match(t->filter, subject, &err);
  if (r < 0) {
    buf_printf(why, " cannot match: %s", err);
    free(err);
    return false;
  }
  buf_printf(why, r ? " matched %s %s" : " did not match %s %s", what, subject);
  return r;
}

static const char *const default_types[] = {"opened", "synchronize", "reopened", NULL};

/* `types` against event.pr.action. An unknown action (GitLab, `--pr`
 * without `--pr-action`) counts as one of the default types. */
static bool match_types(const Trigger *t, Value pr, Buf *why) {
  bool bad;
  char **types = setting_strings(t, "types", &bad);
  if (bad) {
    buf_puts(why, "; types must be literal strings");
    strings_free(types);
    return false;
  }
  char *const *list = types ? types : (char *const *)default_types;
  const char *action = event_pr_str(pr, PRF_ACTION);
  bool ok = false;
  if (action) {
    ok = strings_has(list, action);
  } else {
    for (int i = 0; default_types[i]; i++) ok = ok || strings_has(list, default_types[i]);
  }
  if (!ok) {
    buf_printf(why, "; action %s is not in types ", action ? action : "(unknown)");
    show_strings(list, why);
  } else if (action && types) {
    buf_printf(why, ", action %s", action);
  }
  strings_free(types);
  return ok;
}

static bool match_labels(const Trigger *t, Value pr, Buf *why) {
  bool bad;
  char **want = setting_strings(t, "labels", &bad);
  if (!want) return true;
  bool ok = !bad;
  if (bad) buf_puts(why, "; labels must be literal strings");
  Value have = event_pr_get(pr, PRF_LABELS);
  for (int i = 0; ok && want[i]; i++) {
    bool found = false;
    for (size_t j = 0; have.kind == V_LIST && j < list_len(have); j++) {
      Value l = list_get(have, j);
      if (is_str(l) && !strcmp(str_chars(l), want[i])) found = true;
    }
    if (!found) {
      buf_printf(why, "; label %s is missing", want[i]);
      ok = false;
    }
  }
  if (ok) {
    buf_puts(why, ", labels ");
    show_strings(want, why);
  }
  strings_free(want);
  return ok;
}

/* Cron texts compare field by field, so spacing does not matter. */
static bool cron_equal(const char *a, const char *b) {
  for (;;) {
    while (*a == ' ' || *a == '\t') a++;
    while (*b == ' ' || *b == '\t') b++;
    if (!*a || !*b) return !*a && !*b;
    while (*a && *a != ' ' && *a != '\t' && *a == *b) a++, b++;
    if ((*a && *a != ' ' && *a != '\t') || (*b && *b != ' ' && *b != '\t')) return false;
  }
}

static bool match_schedule(const Trigger *t, Value event, Buf *why) {
  const char *cron = event_str(event, EF_SCHEDULE);
  char *want = t->filter ? plain_string(t->filter) : NULL;
  bool ok;
  if (t->filter && !want) {
    buf_puts(why, " cannot match: a schedule filter must be a literal string");
    ok = false;
  } else if (!want) {
    ok = true, buf_puts(why, " matched");
  } else if (!cron) {
    ok = true, buf_puts(why, " matched (the runner did not say which schedule)");
  } else {
    ok = cron_equal(want, cron);
    buf_printf(why, ok ? " matched schedule %s" : " did not match schedule %s", cron);
  }
  free(want);
  return ok;
}

static bool match_paths(const Trigger *t, const GitChanges *cf, Buf *why) {
  bool bad;
  char **globs = setting_strings(t, "paths", &bad);
  if (!globs) return true;
  bool ok = false;
  if (bad) {
    buf_puts(why, "; paths must be literal strings");
  } else if (!cf || !cf->known) {
    ok = true;
    buf_printf(why, " (changed files unknown%s%s: paths not applied)", cf && cf->why ? ": " : "",
               cf && cf->why ? cf->why : "");
  } else {
    int n = 0, g;
    while (globs[n]) n++;
    for (size_t i = 0; !ok && i < cf->paths.n; i++)
      if (pattern_list_match((const char *const *)globs, n, cf->paths.items[i], &g)) {
        ok = true;
        buf_printf(why, ", and %s matches paths \"%s\"", cf->paths.items[i], globs[g]);
      }
    if (!ok) {
      buf_printf(why, "; no file changed in %s matches paths ", cf->range ? cf->range : "the change");
      show_strings(globs, why);
      buf_printf(why, " (%zu file%s changed)", cf->paths.n, cf->paths.n == 1 ? "" : "s");
    }
  }
  strings_free(globs);
  return ok;
}

/* Everything but `paths`; the reason goes to `why`. */
static bool match_event(const Trigger *t, Value event, Buf *why) {
  show_trigger(t, why);
  const char *kind = event_str(event, EF_KIND);
  if (!kind || strcmp(kind, event_kind_name(t->event))) {
    buf_printf(why, " did not match: the event is %s", kind ? kind : "(none)");
    return false;
  }
  Value pr = event_get(event, EF_PR);
  switch (t->event) {
  case EV_PULL_REQUEST:
    return match_ref(t, "target branch", event_str(event, EF_BASE), why) && match_types(t, pr, why) &&
           match_labels(t, pr, why);
  case EV_TAG:
    return match_ref(t, "tag", event_str(event, EF_TAG), why);
  case EV_SCHEDULE:
    return match_schedule(t, event, why);
  default: /* push, manual, local: the branch */
    return match_ref(t, "branch", event_str(event, EF_BRANCH), why);
  }
}

bool trigger_matches(const Trigger *t, Value event, const GitChanges *cf, char **why) {
  Buf b = {0};
  bool ok = match_event(t, event, &b) && match_paths(t, cf, &b);
  *why = buf_take(&b);
  return ok;
}

/* ---- manual inputs ---- */

static const char *input_type(const Param *p) { return p->type ? p->type : "string"; }

static const char *type_hint(const char *type) {
  if (!strcmp(type, "bool")) return "a bool (true or false)";
  if (!strcmp(type, "int")) return "an int";
  if (!strcmp(type, "number")) return "a number";
  return "a string";
}

/* Converts text (from --input or a runner) to the declared type. */
static bool coerce_text(const char *type, const char *s, Value *out) {
  if (!strcmp(type, "string") || !strcmp(type, "choice") || !strcmp(type, "environment")) {
    *out = v_cstr(s);
    return true;
  }
  if (!strcmp(type, "bool")) {
    if (strcmp(s, "true") && strcmp(s, "false")) return false;
    *out = v_bool(!strcmp(s, "true"));
    return true;
  }
  /* strtod and strtoll would also take " 3", "0x10" and "inf" */
  if (!*s || strchr(" \t\n", *s) || strpbrk(s, "xXnN")) return false;
  char *end;
  errno = 0;
  if (!strcmp(type, "int")) {
    long long n = strtoll(s, &end, 10);
    if (*end || errno) return false;
    *out = v_int(n);
    return true;
  }
  if (!strcmp(type, "number")) {
    double d = strtod(s, &end);
    if (*end || errno || !isfinite(d)) return false;
    *out = v_float(d);
    return true;
  }
  return false;
}

/* A value already typed (a JSON payload, a default) against the type. */
static bool coerce_value(const char *type, Value v, Value *out) {
  if (is_str(v)) return coerce_text(type, str_chars(v), out);
  bool ok = (!strcmp(type, "bool") && v.kind == V_BOOL) || (!strcmp(type, "int") && v.kind == V_INT) ||
            (!strcmp(type, "number") && (v.kind == V_INT || v.kind == V_FLOAT));
  if (ok) *out = value_retain(v);
  return ok;
}

/* The value of a default written as a literal. */
static bool literal_value(const Node *n, Value *out) {
  switch (n->kind) {
  case N_NULL: *out = v_null(); return true;
  case N_BOOL: *out = v_bool(n->as.b); return true;
  case N_INT: *out = v_int(n->as.i); return true;
  case N_FLOAT: *out = v_float(n->as.f); return true;
  case N_STRING: {
    char *s = plain_string(n);
    if (!s) return false;
    *out = v_str_take(s);
    return true;
  }
  case N_UNARY:
    if (n->as.op.op == OP_NEG && n->as.op.a->kind == N_INT) {
      *out = v_int(-n->as.op.a->as.i);
      return true;
    }
    if (n->as.op.op == OP_NEG && n->as.op.a->kind == N_FLOAT) {
      *out = v_float(-n->as.op.a->as.f);
      return true;
    }
    return false;
  default: return false;
  }
}

static bool known_type(const char *type) {
  static const char *const types[] = {"string", "bool", "int", "number", "choice", "environment", NULL};
  for (int i = 0; types[i]; i++)
    if (!strcmp(type, types[i])) return true;
  return false;
}

static bool typed_input(const Param *p, Value given, Value *out, char **err) {
  const char *type = input_type(p);
  if (!known_type(type)) {
    *err = xasprintf("input '%s' has type '%s': inputs are string, bool, int, number, choice or environment", p->name,
                     type);
    return false;
  }
  bool have = given.kind == V_MAP && map_has(given, p->name);
  if (have) {
    Value v = map_get(given, p->name);
    if (coerce_value(type, v, out)) return true;
    char *text = value_to_cstr(v);
    *err = xasprintf("input '%s' wants %s, not '%s'", p->name, type_hint(type), text);
    free(text);
    return false;
  }
  if (!p->def) {
    *err = xasprintf("missing required input '%s' (%s): pass --input %s=VALUE", p->name, type,
                     p->name);
    return false;
  }
  Value d;
  if (!literal_value(p->def, &d)) {
    *err = xasprintf("the default of input '%s' must be a literal", p->name);
    return false;
  }
  if (d.kind == V_NULL) { /* `x: string = null`: optional, no value */
    *out = d;
    return true;
  }
  bool ok = coerce_value(type, d, out);
  value_release(d);
  if (!ok) *err = xasprintf("the default of input '%s' is not %s", p->name, type_hint(type));
  return ok;
}

/* The names a choice (its options) or an environment input (the
 * pipeline's environments) accepts; NULL for the other types. */
static char **input_names(const Param *p, const Program *prog) {
  bool choice = !strcmp(input_type(p), "choice");
  if (!choice && strcmp(input_type(p), "environment")) return NULL;
  int n = choice ? (p->options ? p->options->as.list.n : 0) : (prog ? prog->nenvs : 0), k = 0;
  char **out = xcalloc((size_t)n + 1, sizeof *out);
  for (int i = 0; i < n; i++) {
    char *s = choice ? plain_string(p->options->as.list.items[i]) : xstrdup(prog->envs[i]->as.env->name);
    if (s) out[k++] = s;
  }
  return out;
}

static bool one_input(const Param *p, const Program *prog, Value given, Value *out, char **err) {
  if (!typed_input(p, given, out, err)) return false;
  char **names = input_names(p, prog);
  bool ok = !names || out->kind == V_NULL || strings_has(names, str_chars(*out));
  if (!ok) {
    Buf b = {0};
    buf_printf(&b, "input '%s' wants %s: ", p->name, *input_type(p) == 'c' ? "one of its options" : "an environment");
    for (int i = 0; names[i]; i++) buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    if (!names[0]) buf_puts(&b, "(none)");
    char *text = value_to_cstr(*out);
    buf_printf(&b, "; not '%s'", text);
    free(text);
    value_release(*out);
    *err = buf_take(&b);
  }
  strings_free(names);
  return ok;
}

bool trigger_inputs(const Trigger *t, const Program *prog, Value given, Value *out, char **err) {
  if (given.kind == V_MAP) {
    Map *m = as_map(given);
    for (size_t i = 0; i < m->n; i++) {
      bool declared = false;
      for (int j = 0; j < t->ninputs; j++)
        if (!strcmp(t->inputs[j].name, m->keys[i]->data)) declared = true;
      if (!declared) {
        Buf b = {0};
        buf_printf(&b, "unknown input '%s'", m->keys[i]->data);
        if (!t->ninputs) buf_puts(&b, ": the manual trigger declares no inputs");
        for (int j = 0; j < t->ninputs; j++)
          buf_printf(&b, "%s%s: %s", j ? ", " : " (inputs: ", t->inputs[j].name, input_type(&t->inputs[j]));
        if (t->ninputs) buf_putc(&b, ')');
        *err = buf_take(&b);
        return false;
      }
    }
  }
  Value res = v_map();
  for (int j = 0; j < t->ninputs; j++) {
    Value v;
    if (!one_input(&t->inputs[j], prog, given, &v, err)) {
      value_release(res);
      return false;
    }
    map_set(res, t->inputs[j].name, v);
  }
  *out = res;
  return true;
}

/* ---- changed files ---- */

void changed_files_compute(const char *dir, Value event, GitChanges *cf) {
  const char *kind = event_str(event, EF_KIND);
  GitChangeOf of = GIT_CHANGE_COMMITS;
  if (kind && !strcmp(kind, "pull_request")) of = GIT_CHANGE_PULL_REQUEST;
  else if (kind && !strcmp(kind, "local")) of = GIT_CHANGE_WORKTREE;
  GitCtx *git = gitp_new();
  gitp_changes(git, dir, of, event_str(event, EF_BASE), event_str(event, EF_BEFORE), event_str(event, EF_SHA), cf);
  gitp_free(git);
}

/* ---- all triggers of a program ---- */

void trigger_plan_add_goal(TriggerPlan *tp, const char *stage, const Trigger *t, const char *why) {
  for (int g = 0; g < tp->ngoals; g++)
    if (!strcmp(tp->goals[g].stage, stage)) return;
  tp->goals = xrealloc(tp->goals, (size_t)(tp->ngoals + 1) * sizeof *tp->goals);
  tp->goals[tp->ngoals++] = (Goal){stage, t, xstrdup(why)};
}

/* Checks the inputs against each of the manual triggers `ts`; the union
 * of what they make replaces event.inputs. */
static bool apply_inputs(const Trigger *const *ts, int n, const Program *p, Value event, char **err) {
  Value given = event_get(event, EF_INPUTS);
  Value all = v_map();
  for (int i = 0; i < n; i++) {
    Value conv;
    if (!trigger_inputs(ts[i], p, given, &conv, err)) {
      value_release(all);
      return false;
    }
    Map *m = as_map(conv);
    for (size_t k = 0; k < m->n; k++) map_set_str(all, m->keys[k], value_retain(m->vals[k]));
    value_release(conv);
  }
  event_set(event, EF_INPUTS, all);
  return true;
}

static bool starts_any(const Trigger *t, const char *const *stages, int n) {
  for (int k = 0; k < t->ntargets; k++)
    for (int i = 0; i < n; i++)
      if (!strcmp(t->targets[k].name, stages[i])) return true;
  return false;
}

bool trigger_named_inputs(const Program *p, Value event, const char *const *stages, int n, char **err) {
  const Trigger **ts = xcalloc((size_t)p->ntriggers + 1, sizeof *ts);
  int nts = 0;
  for (int pass = 0; pass < 2 && !nts; pass++)
    for (int i = 0; i < p->ntriggers; i++) {
      const Trigger *t = p->triggers[i]->as.trigger;
      if (t->event == EV_MANUAL && (pass || starts_any(t, stages, n))) ts[nts++] = t;
    }
  bool ok = !nts || apply_inputs(ts, nts, p, event, err);
  free(ts);
  return ok;
}

bool trigger_plan(const Program *p, Value event, const char *dir, TriggerPlan *out, char **err) {
  memset(out, 0, sizeof *out);
  out->verdicts = xcalloc((size_t)p->ntriggers + 1, sizeof *out->verdicts);
  const Trigger **manual = xcalloc((size_t)p->ntriggers + 1, sizeof *manual);
  int nmanual = 0;
  for (int i = 0; i < p->ntriggers; i++) {
    const Trigger *t = p->triggers[i]->as.trigger;
    TriggerVerdict *v = &out->verdicts[out->nverdicts++];
    v->trigger = t;
    Buf why = {0};
    v->matched = match_event(t, event, &why);
    /* the diff only when it decides something, and once per plan */
    if (v->matched && trigger_has_paths(t) && !out->changed_computed) {
      changed_files_compute(dir, event, &out->changed);
      out->changed_computed = true;
    }
    if (v->matched) v->matched = match_paths(t, &out->changed, &why);
    v->why = buf_take(&why);
    if (v->matched) {
      for (int k = 0; k < t->ntargets; k++) trigger_plan_add_goal(out, t->targets[k].name, t, v->why);
      if (t->event == EV_MANUAL) manual[nmanual++] = t;
    }
  }
  bool ok = !nmanual || event.kind != V_MAP || apply_inputs(manual, nmanual, p, event, err);
  free(manual);
  if (!ok) trigger_plan_free(out);
  return ok;
}

void trigger_plan_free(TriggerPlan *tp) {
  for (int i = 0; i < tp->ngoals; i++) free(tp->goals[i].why);
  for (int i = 0; i < tp->nverdicts; i++) free(tp->verdicts[i].why);
  free(tp->goals);
  free(tp->verdicts);
  if (tp->changed_computed) gitp_changes_free(&tp->changed);
  memset(tp, 0, sizeof *tp);
}
