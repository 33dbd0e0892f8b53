/* export.c — a pipeline as a GitHub Actions workflow or a .gitlab-ci.yml.
 *
 * One pass over the triggers finds the stages each one starts (its goals
 * and all they need); a stage no CI trigger starts (`on local` only) is
 * left out and named in the file's header. Each engine then has its own
 * writer: GitHub's first job runs `rp plan` and hands the stages to run to
 * the jobs after it (so trigger filters, labels and paths keep rp's exact
 * meaning), GitLab's jobs carry `rules:` translated from the triggers.
 * The YAML is written by hand: a fixed layout, every scalar taken from
 * the pipeline quoted when it is not a plain word. */
#include "run/export.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "run/ci.h"
#include "run/matrix.h"

/* A list of distinct strings, each with the node it came from (for errors). */
typedef struct Item {
  char *s;
  const Node *at;
} Item;

typedef struct Items {
  Item *v;
  int n, cap;
} Items;

typedef struct Exporter {
  const Program *p;
  const ExportSpec *spec;
  Buf out;
  char *err;      /* the first problem; the rest of the output is dropped */
  bool *runs;     /* runs[t * nstages + s]: trigger t starts stage s */
  bool *exported; /* per stage: some exported trigger starts it */
  char *optional; /* per stage: 0 not known yet, 1 no, 2 a `needs?` at or above it */
} Exporter;

/* ---- helpers ---------------------------------------------------------- */

static void items_add(Items *l, const char *s, const Node *at) {
  for (int i = 0; i < l->n; i++)
    if (!strcmp(l->v[i].s, s)) return;
  Item it = {xstrdup(s), at};
  VEC_PUSH(l->v, l->n, l->cap, it);
}

static void items_free(Items *l) {
  for (int i = 0; i < l->n; i++) free(l->v[i].s);
  free(l->v);
  memset(l, 0, sizeof *l);
}

/* A string literal's text when it has no interpolation, else NULL. */
static char *plain(const Node *n) {
  const char *s;
  uint32_t len;
  return n && string_is_plain(n, &s, &len) ? xstrndup(s, len) : NULL;
}

/* The plain strings of a string or a list of them; *whole false when some
 * item is not one (the caller then widens). */
static void plains(const Node *n, Items *out, bool *whole) {
  *whole = n != NULL;
  if (!n) return;
  int count = n->kind == N_LIST ? n->as.list.n : 1;
  for (int i = 0; i < count; i++) {
    const Node *item = n->kind == N_LIST ? n->as.list.items[i] : n;
    char *s = plain(item);
    if (s) items_add(out, s, item);
    else *whole = false;
    free(s);
  }
}

static void fail_at(Exporter *E, const Node *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_at(Exporter *E, const Node *at, const char *fmt, ...) {
  if (E->err) return;
  va_list ap;
  va_start(ap, fmt);
  Buf b = {0};
  if (at) buf_printf(&b, "%s:%u:%u: ", E->p->src->path, at->pos.line, at->pos.col);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  E->err = buf_take(&b);
}

static bool utf8_valid(const unsigned char *s) {
  while (*s) {
    int n = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 && *s >= 0xc2 ? 1 : (*s & 0xf0) == 0xe0 ? 2 : (*s & 0xf8) == 0xf0 && *s <= 0xf4 ? 3 : -1;
    if (n < 0) return false;
    for (s++; n > 0; n--, s++)
      if ((*s & 0xc0) != 0x80) return false;
  }
  return true;
}

/* ---- YAML ------------------------------------------------------------- */

static void line(Exporter *E, int indent, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(Exporter *E, int indent, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_printf(&E->out, "%*s", indent, "");
  buf_vprintf(&E->out, fmt, ap);
  buf_putc(&E->out, '\n');
  va_end(ap);
}

/* A word YAML reads back as the same string: no quotes needed. */
static bool plain_word(const char *s) {
  static const char *const special[] = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", NULL};
  if (!isalpha((unsigned char)*s) && *s != '_') return false;
  for (const char *c = s; *c; c++)
    if (!isalnum((unsigned char)*c) && !strchr("_-./", *c)) return false;
  for (int i = 0; special[i]; i++)
    if (!strcasecmp(s, special[i])) return false;
  return true;
}

/* Printable ASCII without a quote reads back the same between '...'. */
static bool single_quotable(const char *s) {
  for (; *s; s++)
    if (*s < 0x20 || *s > 0x7e || *s == '\'') return false;
  return true;
}

/* A double-quoted scalar: the YAML escapes for quotes, backslashes and
 * every character YAML would take as a line break or reject. */
static void quoted(Buf *b, const char *s) {
  buf_putc(b, '"');
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\') buf_printf(b, "\\%c", *c);
    else if (*c == '\n') buf_puts(b, "\\n");
    else if (*c == '\t') buf_puts(b, "\\t");
    else if (*c < 0x20 || *c == 0x7f) buf_printf(b, "\\x%02x", *c);
    else if (c[0] == 0xc2 && c[1] == 0x85) buf_puts(b, "\\N"), c++;
    else if (c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9)) buf_puts(b, c[2] == 0xa8 ? "\\L" : "\\P"), c += 2;
    else if (c[0] == 0xef && c[1] == 0xbb && c[2] == 0xbf) buf_puts(b, "\\uFEFF"), c += 2;
    else buf_putc(b, (char)*c);
  }
  buf_putc(b, '"');
}

/* A string from the pipeline, as a YAML scalar. `at` names where it was
 * written, for the error when the engine could not be given it safely. */
static char *scalar(Exporter *E, const char *s, const Node *at) {
  if (!utf8_valid((const unsigned char *)s)) fail_at(E, at, "a string that is not UTF-8 cannot be exported");
  if (E->spec->engine == EXPORT_GITHUB && strstr(s, "${{"))
    fail_at(E, at, "'${{' would be evaluated by GitHub Actions: rp export github refuses to write it%s",
            at ? "" : " (it is in --state, RP_STATE, RP_DIST or the pipeline's path)");
  Buf b = {0};
  if (plain_word(s)) buf_puts(&b, s);
  else if (single_quotable(s)) buf_printf(&b, "'%s'", s);
  else quoted(&b, s);
  return buf_take(&b);
}

static void key_value(Exporter *E, int indent, const char *key, const char *value, const Node *at) {
  char *v = scalar(E, value, at);
  line(E, indent, "%s: %s", key, v);
  free(v);
}

/* `key: [a, "b c"]` */
static void key_list(Exporter *E, int indent, const char *key, const Items *l) {
  Buf b = {0};
  for (int i = 0; i < l->n; i++) {
    char *v = scalar(E, l->v[i].s, l->v[i].at);
    buf_printf(&b, "%s%s", i ? ", " : "", v);
    free(v);
  }
  line(E, indent, "%s: [%s]", key, b.data ? b.data : "");
  buf_free(&b);
}

/* `key: |` (or `- |` for a list item) and the lines of `text`, indented. */
static void key_block(Exporter *E, int indent, const char *key, const char *text) {
  line(E, indent, "%s%s |", key, strcmp(key, "-") ? ":" : "");
  for (const char *s = text; *s;) {
    size_t n = strcspn(s, "\n");
    line(E, indent + 2, "%.*s", (int)n, s);
    s += n + (s[n] == '\n');
  }
}

/* ---- what each trigger starts ---------------------------------------- */

/* A stage and what it needs; `needs?` adds nothing (run/sched.c). */
static void mark(const Program *p, int s, bool *set) {
  if (s < 0 || set[s]) return;
  set[s] = true;
  const Stage *st = p->stages[s]->as.stage;
  for (int k = 0; st->needs && k < st->needs->as.attr.nnames; k++)
    if (!st->needs->as.attr.names[k].optional) mark(p, program_stage_index(p, st->needs->as.attr.names[k].name), set);
}

/* Whether stage s or one it needs (transitively) has a `needs?`: on
 * GitHub a skipped job skips every job below it whose `if:` has no status
 * function, not only those that need it directly. */
static bool optional_above(Exporter *E, int s) {
  if (s < 0) return false;
  if (E->optional[s]) return E->optional[s] == 2;
  E->optional[s] = 1; /* a cycle is rp check's to report */
  const Stage *st = E->p->stages[s]->as.stage;
  bool yes = false;
  for (int k = 0; st->needs && k < st->needs->as.attr.nnames && !yes; k++)
    yes = st->needs->as.attr.names[k].optional || optional_above(E, program_stage_index(E->p, st->needs->as.attr.names[k].name));
  E->optional[s] = yes ? 2 : 1;
  return yes;
}

static const Trigger *trigger(const Exporter *E, int t) { return E->p->triggers[t]->as.trigger; }
static const Stage *stage(const Exporter *E, int s) { return E->p->stages[s]->as.stage; }

/* The pull request types a trigger fires on (its `types`, else the default). */
static void pr_types(const Trigger *t, Items *out) {
  bool whole;
  plains(trigger_setting(t, "types"), out, &whole);
  if (out->n) return;
  const char *def[] = {"opened", "synchronize", "reopened"};
  for (int i = 0; i < 3; i++) items_add(out, def[i], NULL);
}

/* GitLab runs merge request pipelines when one opens or changes, never
 * when it closes or is labelled alone. */
static bool gitlab_can_fire(const Trigger *t) {
  if (t->event != EV_PULL_REQUEST) return true;
  Items types = {0};
  pr_types(t, &types);
  bool any = false;
  for (int i = 0; i < types.n; i++)
    any = any || !strcmp(types.v[i].s, "opened") || !strcmp(types.v[i].s, "synchronize") || !strcmp(types.v[i].s, "reopened");
  items_free(&types);
  return any;
}

static bool exported_trigger(const Exporter *E, const Trigger *t) {
  return t->event != EV_LOCAL && (E->spec->engine != EXPORT_GITLAB || gitlab_can_fire(t));
}

static void plan_triggers(Exporter *E) {
  int ns = E->p->nstages, nt = E->p->ntriggers;
  E->runs = xcalloc((size_t)(nt * ns) + 1, sizeof *E->runs);
  E->exported = xcalloc((size_t)ns + 1, sizeof *E->exported);
  E->optional = xcalloc((size_t)ns + 1, 1);
  for (int t = 0; t < nt; t++) {
    const Trigger *tr = trigger(E, t);
    bool *set = &E->runs[t * ns];
    for (int g = 0; g < tr->ntargets; g++) mark(E->p, program_stage_index(E->p, tr->targets[g].name), set);
    for (int s = 0; s < ns && exported_trigger(E, tr); s++) E->exported[s] = E->exported[s] || set[s];
  }
}

/* ---- the parts both engines share ------------------------------------ */

static const char *const build_deps = "pkg-config libyaml-dev libpcre2-dev libcurl4-openssl-dev libgit2-dev "
                                      "libssl-dev libedit-dev";

/* Builds the pinned rp from its release tarball into $RP_HOME once (the
 * engine caches the folder), unless the runner already has rp. */
static char *install_script(const char *sudo, const char *tmp) {
  return xasprintf("if ! command -v rp >/dev/null && [ ! -x \"$RP_HOME/bin/rp\" ]; then\n"
                   "  : \"${RP_DIST:?no rp on this runner: export with RP_DIST=URL, the folder serving rp-$RP_VERSION.tar.gz}\"\n"
                   "  %sapt-get update -qq\n"
                   "  %sapt-get install -y -qq --no-install-recommends build-essential curl ca-certificates %s\n"
                   "  curl -fsSL \"$RP_DIST/rp-$RP_VERSION.tar.gz\" | tar -xz -C \"%s\"\n"
                   "  (cd \"%s/rp-$RP_VERSION\" && ./configure -q --prefix=\"$RP_HOME\" && make -s -j\"$(nproc)\" install)\n"
                   "fi",
                   sudo, sudo, build_deps, tmp, tmp);
}

static bool custom_pipeline(const Exporter *E) { return strcmp(E->spec->pipeline, "pipeline.rp") != 0; }

/* The command a stage's job runs; the values from the pipeline and the
 * command line reach it through variables, never spliced into the script. */
static char *run_command(const Exporter *E, const char *only, const char *run_id) {
  return xasprintf("rp run --only %s --run-id \"%s\" --state \"$RP_STATE\"%s", only, run_id,
                   custom_pipeline(E) ? " -f \"$RP_PIPELINE\"" : "");
}

static void header(Exporter *E, const char *command) {
  line(E, 0, "# Generated by `rp export %s` from %s: change the pipeline and export again", command,
       E->spec->pipeline);
  line(E, 0, "# (`rp export %s --check -o FILE` fails when this file is stale). See doc/ci.md.", command);
  Buf left = {0};
  for (int s = 0; s < E->p->nstages; s++)
    if (!E->exported[s]) buf_printf(&left, " %s", stage(E, s)->name);
  if (left.len) line(E, 0, "# Not exported, no CI trigger starts them:%s", left.data);
  buf_free(&left);
}

static const Environment *stage_env(const Exporter *E, const Stage *st) {
  /* one bound by the matrix differs per instance: rp's to tell */
  const char *name = st->environment ? st->environment->as.attr.ref.name : NULL;
  return name && !stage_matrix_axis(st, name) ? program_environment(E->p, name) : NULL;
}

static void find_url_output(void *found, const Node *n) {
  if (n->kind == N_OUTPUT && !strcmp(n->as.bind.name, "url")) *(bool *)found = true;
}

/* Whether the deploy URL of st is known only when it runs: the stage sets
 * `output url`, or its environment's `url` is not a plain string. */
static bool dynamic_url(const Exporter *E, const Stage *st) {
  const Environment *env = stage_env(E, st);
  if (!env) return false;
  bool found = false;
  ast_walk(st->body, find_url_output, &found);
  const Node *urlnode = settings_get(&env->items, "url");
  char *url = plain(urlnode);
  found |= urlnode && !url;
  free(url);
  return found;
}

/* environment: {name, url}: a plain url as it is; one rp computes at run
 * time comes from the job's rp step, on GitHub as its output `url`
 * ($GITHUB_OUTPUT), on GitLab from the dotenv report it writes. */
static void environment(Exporter *E, int indent, const Stage *st) {
  const Environment *env = stage_env(E, st);
  if (!env) return;
  line(E, indent, "environment:");
  key_value(E, indent + 2, "name", env->name, st->environment);
  if (dynamic_url(E, st)) {
    line(E, indent + 2, E->spec->engine == EXPORT_GITHUB ? "url: ${{ steps.rp.outputs.url }}"
                                                        : "url: https://$RP_ENVIRONMENT_ADDRESS");
    return;
  }
  const Node *urlnode = settings_get(&env->items, "url");
  char *url = plain(urlnode);
  if (url) key_value(E, indent + 2, "url", url, urlnode);
  free(url);
}

/* ---- concurrency groups ---------------------------------------------- */

static const char *github_matrix_key(const Stage *st);

/* What a group may read (lang/check.c allows no more), as each engine
 * says it: GitHub in ${{ }}, GitLab as a CI variable. */
typedef struct GroupVar {
  const char *path, *github, *gitlab;
} GroupVar;

static const GroupVar group_vars[] = {
    {"event.branch", "github.head_ref || github.ref_name", "$CI_COMMIT_REF_NAME"},
    {"event.base", "github.base_ref", "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"},
    {"event.tag", "github.ref_name", "$CI_COMMIT_TAG"},
    {"event.sha", "github.sha", "$CI_COMMIT_SHA"},
    {"event.actor", "github.actor", "$GITLAB_USER_LOGIN"},
    {"event.pr.number", "github.event.pull_request.number", "$CI_MERGE_REQUEST_IID"},
};

/* `event.pr.number` as that text; false for anything but names and dots. */
static bool member_path(const Node *n, Buf *out) {
  if (n->kind == N_IDENT) {
    buf_puts(out, n->as.ident.name);
    return true;
  }
  if (n->kind != N_MEMBER || !member_path(n->as.member.object, out)) return false;
  buf_printf(out, ".%s", n->as.member.name);
  return true;
}

/* One ${...} of a group as the engine reads it; false when it cannot. */
static bool group_part(const Exporter *E, const Stage *st, const Node *x, Buf *out) {
  bool github = E->spec->engine == EXPORT_GITHUB;
  Buf path = {0};
  bool ok = member_path(x, &path);
  const char *p = path.data;
  if (ok && st && st->matrix && !strcmp(p, st->matrix->as.attr.ref.name)) {
    if (github) buf_printf(out, "${{ matrix.%s }}", github_matrix_key(st));
    else buf_puts(out, "$RP_MATRIX");
  } else if (ok && !strncmp(p, "event.inputs.", 13) && !strchr(p + 13, '.')) {
    buf_printf(out, github ? "${{ inputs.%s }}" : "$RP_INPUT_%s", p + 13);
  } else {
    ok = false;
    for (size_t i = 0; path.data && i < sizeof group_vars / sizeof *group_vars && !ok; i++)
      if ((ok = !strcmp(p, group_vars[i].path)))
        buf_printf(out, github ? "${{ %s }}" : "%s", github ? group_vars[i].github : group_vars[i].gitlab);
  }
  buf_free(&path);
  return ok;
}

static bool has_expression(const char *s, uint32_t len) {
  for (uint32_t i = 0; i + 2 < len; i++)
    if (s[i] == '$' && s[i + 1] == '{' && s[i + 2] == '{') return true;
  return false;
}

/* The group of `n` (a stage's, or the pipeline's: st NULL) as the engine
 * names it, a YAML scalar; NULL with *bad at what it cannot read. */
static char *group_text(Exporter *E, const Stage *st, const Node *n, const Node **bad) {
  const Node *g = n->as.conc.group;
  *bad = g;
  if (g->kind != N_STRING) return NULL;
  bool github = E->spec->engine == EXPORT_GITHUB;
  Buf b = {0};
  for (int i = 0; i < g->as.str.n; i++) {
    const StrPart *part = &g->as.str.parts[i];
    if (part->expr && !group_part(E, st, part->expr, &b)) {
      *bad = part->expr;
      buf_free(&b);
      return NULL;
    }
    if (!part->expr && github && has_expression(part->text, part->len)) { /* GitHub would evaluate it */
      *bad = g;
      buf_free(&b);
      return NULL;
    }
    for (uint32_t k = 0; !part->expr && k < part->len; k++) {
      if (!github && part->text[k] == '$') buf_putc(&b, '$'); /* GitLab expands $VAR: $$ is a $ */
      buf_putc(&b, part->text[k]);
    }
  }
  *bad = NULL;
  char *text = buf_take(&b);
  if (!utf8_valid((const unsigned char *)(text ? text : ""))) fail_at(E, g, "a string that is not UTF-8 cannot be exported");
  Buf q = {0};
  quoted(&q, text ? text : "");
  free(text);
  return buf_take(&q);
}

static bool cancels(const Node *n) {
  const Node *c = settings_get(&n->as.conc.settings, "cancel_in_progress");
  return c && c->kind == N_BOOL && c->as.b;
}

/* A concurrency group the engine cannot name is left to rp, which still
 * keeps it when the jobs run; the file says so. */
static void group_not_exported(Exporter *E, int indent, const Node *bad) {
  line(E, indent, "# Not exported: the concurrency group on line %u reads what %s cannot (rp keeps it when it runs)",
       bad->pos.line, E->spec->engine == EXPORT_GITHUB ? "GitHub" : "GitLab");
}

/* concurrency: {group, cancel-in-progress} of the workflow (st NULL) or a job. */
static void github_concurrency(Exporter *E, int indent, const Stage *st, const Node *n) {
  if (!n) return;
  const Node *bad;
  char *group = group_text(E, st, n, &bad);
  if (!group) {
    group_not_exported(E, indent, bad);
    return;
  }
  line(E, indent, "concurrency:");
  line(E, indent + 2, "group: %s", group);
  line(E, indent + 2, "cancel-in-progress: %s", cancels(n) ? "true" : "false");
  free(group);
}

/* GitLab queues jobs, not pipelines: a job of a group takes its
 * resource_group; one that cancels older ones is interruptible, and the
 * workflow cancels interruptible jobs when a newer pipeline starts. */
static bool gitlab_concurrency(Exporter *E, const Stage *st, const Node *n) {
  if (!n) return false;
  const Node *bad;
  char *group = group_text(E, st, n, &bad);
  if (!group) {
    group_not_exported(E, 2, bad);
    return false;
  }
  line(E, 2, "resource_group: %s", group);
  if (cancels(n)) line(E, 2, "interruptible: true");
  free(group);
  return true;
}

static bool gitlab_auto_cancel(const Exporter *E) {
  bool any = E->p->concurrency && cancels(E->p->concurrency);
  for (int s = 0; s < E->p->nstages && !any; s++) {
    const Stage *st = stage(E, s);
    any = E->exported[s] && st->concurrency && cancels(st->concurrency->as.attr.value);
  }
  return any;
}

/* runs_on's labels, or `fallback` when it has none. */
static void runner_labels(const Stage *st, Items *out, const char *fallback) {
  bool whole;
  plains(st->runs_on ? st->runs_on->as.attr.value : NULL, out, &whole);
  if (!out->n && fallback) items_add(out, fallback, NULL);
}

/* How a matrix stage is exported: as one job (its matrix is computed, or
 * uses a key the engine reserves), one axis of plain strings and integers
 * as the engine's own (a job per value), or in full: several axes or
 * `matrix { }`, which GitHub expands as rp does from the same axes,
 * exclude and include, and GitLab gets as the list of instances. */
typedef enum { MX_NONE, MX_ONE_AXIS, MX_FULL } MatrixShape;

static bool reserved_key(const char *k) { return !strcmp(k, "include") || !strcmp(k, "exclude"); }

/* MX_FULL: every key GitHub sees is none it reserves. */
static bool full_keys_free(const Matrix *m) {
  for (size_t i = 0; i < list_len(m->combos); i++) {
    Map *c = as_map(list_get(m->combos, i));
    for (size_t k = 0; k < c->n; k++)
      if (reserved_key(c->keys[k]->data)) return false;
  }
  return true;
}

/* The shape, and in *out the values (MX_ONE_AXIS) or the instance names
 * (MX_FULL) as the instances are named; *m the expanded matrix. */
static MatrixShape matrix_shape(const Stage *st, Items *out, Matrix *m) {
  memset(m, 0, sizeof *m);
  if (!st->matrix || !matrix_expand_literal(st, m)) return MX_NONE;
  int axes = 0;
  for (int i = 0; i < st->attrs.n; i++) axes += st->attrs.items[i]->as.attr.kind == ATTR_MATRIX && st->attrs.items[i]->as.attr.ref.name;
  const Node *l = st->matrix->as.attr.value;
  bool one = axes == 1 && !st->matrix_opts;
  for (int i = 0; one && i < l->as.list.n; i++) one = l->as.list.items[i]->kind == N_INT || string_is_plain(l->as.list.items[i], NULL, NULL);
  if (!one && !full_keys_free(m)) return MX_NONE;
  for (size_t i = 0; i < list_len(m->names); i++)
    items_add(out, str_chars(list_get(m->names, i)), one ? l->as.list.items[i] : st->matrix);
  return one ? MX_ONE_AXIS : MX_FULL;
}

/* The stage a job runs: one instance of a matrix stage, its value in
 * $RP_MATRIX (a variable, so the value is never part of the script). */
static char *only_arg(const Stage *st, bool matrix) {
  return matrix ? xasprintf("\"%s[$RP_MATRIX]\"", st->name) : xstrdup(st->name);
}

/* ---- GitHub Actions ---------------------------------------------------- */

/* An rp branch glob GitHub reads the same way: GitHub's `?` and `+`
 * repeat the character before them, a leading `!` negates and `\`
 * escapes, and it refuses what no git ref holds (spaces, `~^:`, control
 * characters); such a pattern is widened to `**` (rp plan decides). */
static const char *github_glob(const char *glob) {
  bool odd = glob[0] == '!';
  for (const unsigned char *c = (const unsigned char *)glob; *c && !odd; c++)
    odd = *c <= ' ' || *c == 0x7f || strchr("?+\\~^:", *c);
  return odd ? "**" : glob;
}

static void github_filter(const Node *filter, Items *out) {
  Items globs = {0};
  bool whole;
  plains(filter && filter->kind != N_REGEX ? filter : NULL, &globs, &whole);
  if (!whole) items_add(out, "**", filter);
  for (int i = 0; i < globs.n; i++) items_add(out, github_glob(globs.v[i].s), globs.v[i].at);
  items_free(&globs);
}

/* A number is a string input: rp checks and converts it (trigger_inputs). */
static const char *github_input_type(const char *type) {
  return type && !strcmp(type, "bool") ? "boolean" : "string";
}

static void github_inputs(Exporter *E, int indent) {
  bool any = false;
  for (int t = 0; t < E->p->ntriggers; t++) {
    const Trigger *tr = trigger(E, t);
    for (int i = 0; tr->event == EV_MANUAL && i < tr->ninputs; i++) {
      const Param *in = &tr->inputs[i];
      if (!any) line(E, indent, "inputs:");
      any = true;
      line(E, indent + 2, "%s:", in->name);
      line(E, indent + 4, "type: %s", github_input_type(in->type));
      line(E, indent + 4, "required: %s", in->def ? "false" : "true");
      const Node *d = in->def;
      char *text = plain(d);
      if (text) key_value(E, indent + 4, "default", text, d);
      else if (d && d->kind == N_BOOL) line(E, indent + 4, "default: %s", d->as.b ? "true" : "false");
      else if (d && d->kind == N_INT) line(E, indent + 4, "default: '%lld'", (long long)d->as.i);
      else if (d && d->kind == N_FLOAT) line(E, indent + 4, "default: '%.17g'", d->as.f);
      free(text);
    }
  }
  if (!any) line(E, indent, "inputs: {}");
}

/* on: — a superset of the events the triggers match; the first job's
 * `rp plan` then decides, with rp's own filters, what runs. */
static void github_on(Exporter *E) {
  Items branches = {0}, tags = {0}, targets = {0}, types = {0}, crons = {0};
  bool push = false, tag = false, pr = false, manual = false;
  for (int t = 0; t < E->p->ntriggers; t++) {
    const Trigger *tr = trigger(E, t);
    switch (tr->event) {
    case EV_PUSH: push = true; github_filter(tr->filter, &branches); break;
    case EV_TAG: tag = true; github_filter(tr->filter, &tags); break;
    case EV_PULL_REQUEST:
      pr = true;
      github_filter(tr->filter, &targets);
      pr_types(tr, &types);
      break;
    case EV_MANUAL: manual = true; break;
    case EV_SCHEDULE: {
      char *cron = plain(tr->filter);
      if (cron) items_add(&crons, cron, tr->filter);
      else fail_at(E, tr->filter ? tr->filter : E->p->triggers[t], "a schedule needs a plain cron text to be exported");
      free(cron);
      break;
    }
    default: break;
    }
  }
  line(E, 0, "on:");
  if (push || tag) {
    line(E, 2, "push:");
    if (push) key_list(E, 4, "branches", &branches);
    if (tag) key_list(E, 4, "tags", &tags);
  }
  if (pr) {
    line(E, 2, "pull_request:");
    key_list(E, 4, "branches", &targets);
    key_list(E, 4, "types", &types);
  }
  if (manual) {
    line(E, 2, "workflow_dispatch:");
    github_inputs(E, 4);
  }
  if (crons.n) {
    line(E, 2, "schedule:");
    for (int i = 0; i < crons.n; i++) key_value(E, 4, "- cron", crons.v[i].s, crons.v[i].at);
  }
  items_free(&branches), items_free(&tags), items_free(&targets), items_free(&types), items_free(&crons);
}

static void github_setup_steps(Exporter *E) {
  line(E, 4, "steps:");
  line(E, 6, "- uses: actions/checkout@v4");
  line(E, 6, "- uses: actions/cache@v4");
  line(E, 8, "with:");
  line(E, 10, "path: ~/.rp-bin");
  line(E, 10, "key: rp-${{ runner.os }}-${{ runner.arch }}-${{ env.RP_VERSION }}");
  line(E, 6, "- name: install rp");
  char *script = install_script("sudo ", "$RUNNER_TEMP");
  Buf b = {0};
  buf_printf(&b, "RP_HOME=\"$HOME/.rp-bin\"\n%s\necho \"$RP_HOME/bin\" >> \"$GITHUB_PATH\"", script);
  key_block(E, 8, "run", b.data);
  buf_free(&b);
  free(script);
}

static void github_runs_on(Exporter *E, const Stage *st) {
  Items labels = {0};
  runner_labels(st, &labels, "ubuntu-latest");
  if (labels.n == 1) key_value(E, 4, "runs-on", labels.v[0].s, labels.v[0].at);
  else key_list(E, 4, "runs-on", &labels);
  items_free(&labels);
}

static void github_plan_job(Exporter *E) {
  line(E, 2, "rp-plan:");
  line(E, 4, "runs-on: ubuntu-latest");
  line(E, 4, "outputs:");
  line(E, 6, "plan: ${{ steps.plan.outputs.plan }}");
  github_setup_steps(E);
  line(E, 6, "- id: plan");
  const char *f = custom_pipeline(E) ? " -f \"$RP_PIPELINE\"" : "";
  char *script = xasprintf("echo \"run github-$GITHUB_RUN_ID\"\nrp plan%s\necho \"plan=$(rp plan --json%s)\" >> \"$GITHUB_OUTPUT\"",
                           f, f);
  key_block(E, 8, "run", script);
  free(script);
}

/* The matrix's key: the stage's variable, unless GitHub gives that name
 * a meaning of its own. */
static const char *github_matrix_key(const Stage *st) {
  const char *var = st->matrix->as.attr.ref.name;
  return strcmp(var, "include") && strcmp(var, "exclude") ? var : "value";
}

/* A matrix value in YAML's flow style. */
static void flow(Exporter *E, Value v, const Node *at, Buf *b) {
  if (v.kind == V_LIST) {
    buf_putc(b, '[');
    for (size_t i = 0; i < list_len(v); i++) {
      if (i) buf_puts(b, ", ");
      flow(E, list_get(v, i), at, b);
    }
    buf_putc(b, ']');
  } else if (v.kind == V_MAP) {
    Map *m = as_map(v);
    buf_putc(b, '{');
    for (size_t i = 0; i < m->n; i++) {
      char *k = scalar(E, m->keys[i]->data, at);
      buf_printf(b, "%s%s: ", i ? ", " : "", k);
      free(k);
      flow(E, m->vals[i], at, b);
    }
    buf_putc(b, '}');
  } else {
    char *t = value_to_cstr(v);
    char *y = v.kind == V_STRING ? scalar(E, t, at) : xstrdup(t);
    buf_puts(b, y);
    free(y);
    free(t);
  }
}

static void flow_line(Exporter *E, int indent, const char *head, Value v, const Node *at) {
  Buf b = {0};
  flow(E, v, at, &b);
  line(E, indent, "%s%s", head, b.data);
  buf_free(&b);
}

/* The axes, exclude and include as written: GitHub expands them into the
 * instances rp does (doc/language.md, "Matrices"). */
static void github_full_matrix(Exporter *E, const Stage *st) {
  for (int i = 0; i < st->attrs.n; i++) {
    const Node *a = st->attrs.items[i];
    Value v;
    if (a->as.attr.kind != ATTR_MATRIX || !a->as.attr.ref.name || !matrix_literal(a->as.attr.value, &v)) continue;
    char *head = xasprintf("%s: ", a->as.attr.ref.name);
    flow_line(E, 8, head, v, a->as.attr.value);
    free(head);
    value_release(v);
  }
  const char *keys[] = {"exclude", "include"};
  for (int k = 0; k < 2 && st->matrix_opts; k++) {
    const Node *n = settings_get(&st->matrix_opts->as.attr.settings, keys[k]);
    Value v;
    if (!n || !matrix_literal(n, &v)) continue;
    if (list_len(v)) line(E, 8, "%s:", keys[k]);
    for (size_t i = 0; i < list_len(v); i++) flow_line(E, 10, "- ", list_get(v, i), n);
    value_release(v);
  }
}

/* Every instance runs unless fail_fast (rp runs each whatever the others
 * do); a sequential matrix runs them one at a time and stops at a
 * failure. */
static void github_strategy(Exporter *E, const Stage *st, MatrixShape shape, const Items *values, const Matrix *m) {
  bool sequential = m->sequential;
  line(E, 4, "strategy:");
  line(E, 6, "fail-fast: %s", sequential || m->fail_fast ? "true" : "false");
  if (sequential || m->max_parallel) line(E, 6, "max-parallel: %d", sequential ? 1 : m->max_parallel);
  line(E, 6, "matrix:");
  if (shape == MX_ONE_AXIS) key_list(E, 8, github_matrix_key(st), values);
  else github_full_matrix(E, st);
}

/* The step that runs the job's instance: named by its value (one axis),
 * or by its own values as toJSON(matrix) gives them, which rp run --only
 * takes (the value only ever in a variable, never in the script). */
static void github_matrix_step(Exporter *E, const Stage *st, MatrixShape shape) {
  if (shape == MX_ONE_AXIS) {
    line(E, 6, "- name: 'rp run --only %s[${{ matrix.%s }}]'", st->name, github_matrix_key(st));
    line(E, 8, "env:");
    line(E, 10, "RP_MATRIX: ${{ matrix.%s }}", github_matrix_key(st));
    return;
  }
  Buf name = {0};
  for (int i = 0; i < st->attrs.n; i++) {
    const Node *a = st->attrs.items[i];
    if (a->as.attr.kind == ATTR_MATRIX && a->as.attr.ref.name)
      buf_printf(&name, "%s${{ matrix.%s }}", name.len ? ", " : "", a->as.attr.ref.name);
  }
  line(E, 6, "- name: 'rp run --only %s[%s]'", st->name, name.data);
  buf_free(&name);
  line(E, 8, "env:");
  line(E, 10, "RP_MATRIX: ${{ toJSON(matrix) }}");
}

static void github_stage_job(Exporter *E, int s) {
  const Stage *st = stage(E, s);
  line(E, 2, "%s:", st->name);
  Items needs = {0};
  items_add(&needs, "rp-plan", NULL);
  for (int k = 0; st->needs && k < st->needs->as.attr.nnames; k++) items_add(&needs, st->needs->as.attr.names[k].name, NULL);
  key_list(E, 4, "needs", &needs);
  items_free(&needs);
  /* GitHub has no optional needs: a job whose needs include a skipped one
   * is skipped too unless its `if:` has a status function of its own */
  if (optional_above(E, s))
    line(E, 4, "if: ${{ !cancelled() && !failure() && contains(fromJSON(needs.rp-plan.outputs.plan).stages, '%s') }}",
         st->name);
  else
    line(E, 4, "if: contains(fromJSON(needs.rp-plan.outputs.plan).stages, '%s')", st->name);
  Items values = {0};
  Matrix m;
  MatrixShape shape = matrix_shape(st, &values, &m);
  bool matrix = shape != MX_NONE;
  if (matrix) github_strategy(E, st, shape, &values, &m);
  github_runs_on(E, st);
  environment(E, 4, st);
  github_concurrency(E, 4, st, st->concurrency ? st->concurrency->as.attr.value : NULL);
  github_setup_steps(E);
  char *only = only_arg(st, matrix), *cmd = run_command(E, only, "github-$GITHUB_RUN_ID");
  if (matrix) github_matrix_step(E, st, shape);
  else line(E, 6, "- name: rp run --only %s", st->name);
  if (dynamic_url(E, st)) line(E, 8, "id: rp");
  key_block(E, 8, "run", cmd);
  free(cmd);
  free(only);
  items_free(&values);
  matrix_free(&m);
}

static const Node *pipeline_decl(const Program *p) {
  for (int i = 0; i < p->decls.n; i++)
    if (p->decls.items[i]->kind == N_PIPELINE) return p->decls.items[i];
  return NULL;
}

static void github(Exporter *E) {
  header(E, "github");
  key_value(E, 0, "name", E->p->name ? E->p->name : "rp", pipeline_decl(E->p));
  github_on(E);
  github_concurrency(E, 0, NULL, E->p->concurrency);
  /* the state is pushed to the repository (git:origin) with the job's
   * token, or with the secret RP_STATE_TOKEN when there is one */
  line(E, 0, "permissions:");
  line(E, 2, "contents: write");
  line(E, 0, "env:");
  line(E, 2, "RP_STATE_TOKEN: ${{ secrets.RP_STATE_TOKEN || github.token }}");
  key_value(E, 2, "RP_VERSION", E->spec->version, NULL);
  if (E->spec->dist) key_value(E, 2, "RP_DIST", E->spec->dist, NULL);
  key_value(E, 2, "RP_STATE", E->spec->state, NULL);
  if (custom_pipeline(E)) key_value(E, 2, "RP_PIPELINE", E->spec->pipeline, NULL);
  line(E, 0, "jobs:");
  github_plan_job(E);
  for (int s = 0; s < E->p->nstages; s++)
    if (E->exported[s]) github_stage_job(E, s);
}

/* ---- GitLab CI ------------------------------------------------------------ */

/* One character of a literal in an RE2 pattern written as GitLab's
 * `/.../`: punctuation is escaped (the `/` too, which would end it), and
 * a control character written as \xNN (a line break would end it too). */
static void regex_char(Buf *b, char c) {
  if ((unsigned char)c < 0x20 || c == 0x7f) {
    buf_printf(b, "\\x%02x", (unsigned char)c);
    return;
  }
  if (ispunct((unsigned char)c)) buf_putc(b, '\\');
  buf_putc(b, c);
}

/* An rp glob as an anchored regular expression: `*` stays within a path
 * segment, `**` crosses them (and `**` followed by `/` may match nothing),
 * `?` is one character, `[...]` a class, as glob_match reads them. */
static void glob_regex(Buf *b, const char *g) {
  buf_puts(b, "/^");
  for (; *g; g++) {
    if (g[0] == '*' && g[1] == '*') {
      buf_puts(b, g[2] == '/' ? "(.*\\/)?" : ".*");
      g += g[2] == '/' ? 2 : 1;
    } else if (*g == '*') {
      buf_puts(b, "[^\\/]*");
    } else if (*g == '?') {
      buf_puts(b, "[^\\/]");
    } else if (*g == '[' && strchr(g + 2, ']')) {
      const char *q = g + 1;
      buf_putc(b, '[');
      if (*q == '!' || *q == '^') buf_putc(b, '^'), q++;
      for (bool first = true; *q && (first || *q != ']'); first = false, q++) {
        if (*q == '-') buf_putc(b, '-'); /* a range, as in glob_match */
        else regex_char(b, *q);
      }
      buf_putc(b, ']');
      g = q;
    } else {
      regex_char(b, *g);
    }
  }
  buf_puts(b, "$/");
}

/* A PCRE2 pattern as GitLab's `/.../` (GitLab reads it as RE2: what RE2
 * lacks, such as lookaround, fails there; doc/ci.md). */
static void regex_as_is(Buf *b, const Node *re) {
  buf_putc(b, '/');
  for (uint32_t i = 0; i < re->as.regex.len; i++) {
    char c = re->as.regex.pattern[i];
    if (c == '\\' && i + 1 < re->as.regex.len) buf_putn(b, &re->as.regex.pattern[i++], 2);
    else if (c == '/' || (unsigned char)c < 0x20 || c == 0x7f) regex_char(b, c);
    else buf_putc(b, c);
  }
  buf_putc(b, '/');
}

/* ` && ($VAR =~ /a/ || $VAR =~ /b/)` for a trigger's filter. */
static void filter_rule(Exporter *E, Buf *b, const char *var, const Node *filter) {
  if (!filter) return;
  buf_puts(b, " && (");
  if (filter->kind == N_REGEX) {
    buf_printf(b, "%s =~ ", var);
    regex_as_is(b, filter);
  } else {
    Items globs = {0};
    bool whole;
    plains(filter, &globs, &whole);
    if (!whole) fail_at(E, filter, "a trigger's filter must be plain strings to be exported");
    for (int i = 0; i < globs.n; i++) {
      buf_printf(b, "%s%s =~ ", i ? " || " : "", var);
      glob_regex(b, globs.v[i].s);
    }
    items_free(&globs);
  }
  buf_putc(b, ')');
}

/* The `rules: if:` of a trigger. */
static char *gitlab_if(Exporter *E, const Trigger *t) {
  Buf b = {0};
  switch (t->event) {
  case EV_PUSH:
    buf_puts(&b, "$CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH");
    filter_rule(E, &b, "$CI_COMMIT_BRANCH", t->filter);
    break;
  case EV_TAG:
    buf_puts(&b, "$CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_TAG");
    filter_rule(E, &b, "$CI_COMMIT_TAG", t->filter);
    break;
  case EV_PULL_REQUEST: {
    buf_puts(&b, "$CI_PIPELINE_SOURCE == \"merge_request_event\"");
    filter_rule(E, &b, "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", t->filter);
    Items labels = {0};
    bool whole;
    plains(trigger_setting(t, "labels"), &labels, &whole);
    for (int i = 0; i < labels.n; i++) {
      buf_puts(&b, " && $CI_MERGE_REQUEST_LABELS =~ /(^|,)");
      for (const char *c = labels.v[i].s; *c; c++) regex_char(&b, *c);
      buf_puts(&b, "(,|$)/");
    }
    items_free(&labels);
    break;
  }
  case EV_MANUAL: buf_puts(&b, "$CI_PIPELINE_SOURCE =~ /^(web|api|trigger)$/"); break;
  case EV_SCHEDULE: buf_puts(&b, "$CI_PIPELINE_SOURCE == \"schedule\""); break;
  default: break;
  }
  return buf_take(&b);
}

/* The rules of a stage's job: one per exported trigger that starts it. */
static void gitlab_rules(Exporter *E, int s, bool manual) {
  line(E, 2, "rules:");
  for (int t = 0; t < E->p->ntriggers; t++) {
    const Trigger *tr = trigger(E, t);
    if (!exported_trigger(E, tr) || !E->runs[t * E->p->nstages + s]) continue;
    char *cond = gitlab_if(E, tr);
    char *v = scalar(E, cond, NULL);
    line(E, 4, "- if: %s", v);
    free(v);
    free(cond);
    Items paths = {0};
    bool whole;
    plains(trigger_setting(tr, "paths"), &paths, &whole);
    if (paths.n) key_list(E, 6, "changes", &paths);
    items_free(&paths);
    if (manual) line(E, 6, "when: manual");
  }
}

/* A stage's job name: its own, unless GitLab reserves it for a setting
 * (a stage named `variables`); `stage:NAME` can never be another stage. */
static char *gitlab_job(const char *stage_name) {
  static const char *const reserved[] = {"image", "services", "stages", "types", "before_script", "after_script",
                                         "variables", "cache", "include", "pages", "workflow", "default", "spec",
                                         NULL};
  for (int i = 0; reserved[i]; i++)
    if (!strcmp(stage_name, reserved[i])) return xasprintf("stage:%s", stage_name);
  return xstrdup(stage_name);
}

/* `needs? lint` is `{job: lint, optional: true}`: GitLab leaves it out
 * when no rule puts lint in the pipeline. */
static void gitlab_needs(Exporter *E, const Stage *st, const char *extra) {
  Buf b = {0};
  const NameRef *names = st->needs ? st->needs->as.attr.names : NULL;
  int n = st->needs ? st->needs->as.attr.nnames : 0;
  for (int k = 0; k < n; k++) {
    bool again = false;
    for (int j = 0; j < k; j++) again |= !strcmp(names[j].name, names[k].name);
    if (again) continue;
    char *job = gitlab_job(names[k].name), *v = scalar(E, job, NULL);
    buf_printf(&b, names[k].optional ? "%s{job: %s, optional: true}" : "%s%s", b.len ? ", " : "", v);
    free(v);
    free(job);
  }
  if (extra) {
    char *v = scalar(E, extra, NULL);
    buf_printf(&b, "%s%s", b.len ? ", " : "", v);
    free(v);
  }
  line(E, 2, "needs: [%s]", b.data ? b.data : "");
  buf_free(&b);
}

/* Manual inputs reach `rp run` as --input from variables the "Run
 * pipeline" form shows (GitLab's event carries none of its own). */
static void gitlab_input_flags(Exporter *E, int s, Buf *cmd) {
  for (int t = 0; t < E->p->ntriggers; t++) {
    const Trigger *tr = trigger(E, t);
    bool starts = E->runs[t * E->p->nstages + s];
    for (int i = 0; starts && tr->event == EV_MANUAL && i < tr->ninputs; i++)
      buf_printf(cmd, " --input \"%s=$RP_INPUT_%s\"", tr->inputs[i].name, tr->inputs[i].name);
  }
}

/* GitLab expands $VAR in a variable's value: `$$` keeps a `$`. */
static char *gitlab_literal(const char *s) {
  Buf b = {0};
  for (; *s; s++) buf_puts(&b, *s == '$' ? "$$" : (char[]){*s, 0});
  return buf_take(&b);
}

static void gitlab_variable(Exporter *E, int indent, const char *name, const char *value, const Node *at) {
  char *v = gitlab_literal(value);
  key_value(E, indent, name, v, at);
  free(v);
}

static void gitlab_variables(Exporter *E) {
  line(E, 0, "variables:");
  key_value(E, 2, "RP_VERSION", E->spec->version, NULL);
  line(E, 2, "RP_HOME: $CI_PROJECT_DIR/.rp-bin");
  if (E->spec->dist) gitlab_variable(E, 2, "RP_DIST", E->spec->dist, NULL);
  gitlab_variable(E, 2, "RP_STATE", E->spec->state, NULL);
  if (custom_pipeline(E)) gitlab_variable(E, 2, "RP_PIPELINE", E->spec->pipeline, NULL);
  for (int t = 0; t < E->p->ntriggers; t++) {
    const Trigger *tr = trigger(E, t);
    for (int i = 0; tr->event == EV_MANUAL && i < tr->ninputs; i++) {
      const Param *in = &tr->inputs[i];
      line(E, 2, "RP_INPUT_%s:", in->name);
      char *text = plain(in->def);
      const Node *d = in->def;
      char *shown = text                       ? xstrdup(text)
                    : d && d->kind == N_BOOL    ? xstrdup(d->as.b ? "true" : "false")
                    : d && d->kind == N_INT     ? xasprintf("%lld", (long long)d->as.i)
                    : d && d->kind == N_FLOAT   ? xasprintf("%.17g", d->as.f)
                                                : xstrdup("");
      gitlab_variable(E, 4, "value", shown, d);
      char *about = xasprintf("input %s of rp's manual trigger (%s%s)", in->name, in->type ? in->type : "string",
                              d ? "" : ", required when run by hand");
      key_value(E, 4, "description", about, NULL);
      free(about), free(shown), free(text);
    }
  }
}

static void gitlab_default(Exporter *E) {
  line(E, 0, "default:");
  line(E, 2, "cache:");
  line(E, 4, "key: rp-$RP_VERSION");
  line(E, 4, "paths: [.rp-bin/]");
  line(E, 2, "before_script:");
  char *script = install_script("${SUDO}", "/tmp");
  char *whole = xasprintf("SUDO=$(command -v sudo || true)\n%s", script);
  key_block(E, 4, "-", whole);
  line(E, 4, "- export PATH=\"$RP_HOME/bin:$PATH\"");
  free(whole);
  free(script);
}

static void gitlab_common(Exporter *E, const Stage *st) {
  Items labels = {0};
  runner_labels(st, &labels, NULL);
  if (labels.n) key_list(E, 2, "tags", &labels);
  items_free(&labels);
  environment(E, 2, st);
}

/* The command of stage s's job: rp run --only, with the manual inputs;
 * one instance of a matrix stage (`matrix`) in a parallel: matrix: job. */
static char *gitlab_run_command(Exporter *E, int s, bool matrix) {
  Buf cmd = {0};
  char *only = only_arg(stage(E, s), matrix), *run = run_command(E, only, "gitlab-$CI_PIPELINE_ID");
  free(only);
  buf_puts(&cmd, run);
  free(run);
  gitlab_input_flags(E, s, &cmd);
  return buf_take(&cmd);
}

/* A gate: a manual job whose play records the approval, as the person
 * who pressed it (with a key when the gate wants signed approvals); the
 * gated stage's job waits for it. rp approves only a run waiting at the
 * gate, and the stage's job cannot start before the approval, so this
 * job first runs the stage up to its gate (exit 3 there), which also
 * fixes the version approved; --to-gate: a job played again once the
 * gate is open exits 0 there, and the deploy stays in the stage's job. */
static void gitlab_approve_job(Exporter *E, int s, const char *approve_job) {
  const Stage *st = stage(E, s);
  const Environment *env = stage_env(E, st);
  char *v = scalar(E, approve_job, NULL);
  line(E, 0, "%s:", v);
  free(v);
  gitlab_needs(E, st, NULL);
  gitlab_rules(E, s, true);
  line(E, 2, "allow_failure: false");
  line(E, 2, "script:");
  char *to_gate = gitlab_run_command(E, s, false);
  bool signed_gate = settings_get(&env->approval->as.settings, "signers") != NULL;
  line(E, 4, "- %s --to-gate || { [ $? -eq 3 ] && rp approve \"gitlab-$CI_PIPELINE_ID\" %s --as \"$GITLAB_USER_LOGIN\" "
       "--state \"$RP_STATE\"%s%s; }", to_gate, env->name, signed_gate ? " --key \"$RP_SIGNING_KEY\"" : "",
       custom_pipeline(E) ? " -f \"$RP_PIPELINE\"" : "");
  free(to_gate);
}

/* One job per value in $RP_MATRIX (a name no job variable has; GitLab
 * expands `$` in it, so a value's `$` is written `$$`). A sequential
 * matrix runs one instance at a time: GitLab has no order among them. */
static void gitlab_matrix(Exporter *E, const Stage *st, const Items *values, const Matrix *m, bool grouped) {
  Items literal = {0};
  for (int i = 0; i < values->n; i++) {
    char *v = gitlab_literal(values->v[i].s);
    items_add(&literal, v, values->v[i].at);
    free(v);
  }
  line(E, 2, "parallel:");
  line(E, 4, "matrix:");
  key_list(E, 6, "- RP_MATRIX", &literal);
  items_free(&literal);
  if (m->fail_fast || m->max_parallel)
    line(E, 2, "# rp: %s%s%s of the matrix: GitLab has no equivalent, so every instance runs, as many at once as runners allow",
         m->fail_fast ? "fail_fast" : "", m->fail_fast && m->max_parallel ? " and " : "", m->max_parallel ? "max_parallel" : "");
  if (!m->sequential || grouped) return; /* a group's resource_group serialises them already */
  char *group = xasprintf("rp-%s-$CI_PIPELINE_ID", st->name);
  key_value(E, 2, "resource_group", group, NULL);
  free(group);
}

static void gitlab_stage_job(Exporter *E, int s) {
  const Stage *st = stage(E, s);
  const Environment *env = stage_env(E, st);
  char *job = gitlab_job(st->name);
  char *approve = env && env->approval ? xasprintf("approve:%s", st->name) : NULL;
  if (approve) gitlab_approve_job(E, s, approve);
  char *v = scalar(E, job, NULL);
  line(E, 0, "%s:", v);
  free(v);
  gitlab_needs(E, st, approve);
  gitlab_rules(E, s, false);
  gitlab_common(E, st);
  if (dynamic_url(E, st)) {
    line(E, 2, "artifacts:");
    line(E, 4, "reports:");
    line(E, 6, "dotenv: %s", CI_ENVIRONMENT_FILE);
  }
  /* the stage's group, else the pipeline's: one job of it at a time */
  bool grouped = gitlab_concurrency(E, st, st->concurrency ? st->concurrency->as.attr.value : E->p->concurrency);
  Items values = {0};
  Matrix m;
  bool matrix = matrix_shape(st, &values, &m) != MX_NONE;
  if (matrix) gitlab_matrix(E, st, &values, &m, grouped);
  items_free(&values);
  matrix_free(&m);
  line(E, 2, "script:");
  char *run = gitlab_run_command(E, s, matrix);
  line(E, 4, "- %s", run);
  free(run);
  free(approve);
  free(job);
}

static void gitlab(Exporter *E) {
  header(E, "gitlab");
  for (int t = 0; t < E->p->ntriggers; t++)
    if (trigger(E, t)->event != EV_LOCAL && !exported_trigger(E, trigger(E, t)))
      line(E, 0, "# Not exported: the trigger on line %u (GitLab runs no pipeline when a merge request closes)",
           E->p->triggers[t]->pos.line);
  gitlab_variables(E);
  if (gitlab_auto_cancel(E)) {
    line(E, 0, "workflow:");
    line(E, 2, "auto_cancel:");
    line(E, 4, "on_new_commit: interruptible");
  }
  gitlab_default(E);
  for (int s = 0; s < E->p->nstages; s++)
    if (E->exported[s]) gitlab_stage_job(E, s);
}

/* ---- entry points ------------------------------------------------------ */

bool export_engine_named(const char *name, ExportEngine *out) {
  if (!strcmp(name, "github")) *out = EXPORT_GITHUB;
  else if (!strcmp(name, "gitlab")) *out = EXPORT_GITLAB;
  else return false;
  return true;
}

const char *export_default_path(ExportEngine e) {
  return e == EXPORT_GITHUB ? ".github/workflows/rp.yml" : ".gitlab-ci.yml";
}

bool export_state_shared(const char *spec, char **err) {
  char *bare = spec ? strip_userinfo(spec) : NULL;
  bool secret = bare && strcmp(bare, spec) != 0;
  free(bare);
  if (secret) {
    *err = xstrdup("the state's URL holds a credential, which would be written into the file: "
                   "give the URL without it and the token in RP_STATE_TOKEN");
    return false;
  }
  if (spec && !strncmp(spec, "git:", 4) && spec[4]) return true;
  *err = xasprintf("%s%s%s: every job runs on another machine, so the state must live where all of them reach it: "
                   "pass --state git:REMOTE (git:origin, the repository itself) or set RP_STATE",
                   spec ? "the state '" : "no shared state given", spec ? spec : "",
                   spec ? "' is a directory on one machine" : "");
  return false;
}

char *export_pipeline(const Program *p, const ExportSpec *spec, char **err) {
  Exporter E = {.p = p, .spec = spec};
  plan_triggers(&E);
  if (spec->engine == EXPORT_GITHUB) github(&E);
  else gitlab(&E);
  free(E.runs);
  free(E.exported);
  free(E.optional);
  if (E.err) {
    buf_free(&E.out);
    *err = E.err;
    return NULL;
  }
  return buf_take(&E.out);
}
