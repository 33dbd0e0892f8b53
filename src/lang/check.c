/* check.c — the static checker of rp (doc/checks.md lists every check).
 *
 * One pass collects the top-level names into hash tables (declarations may
 * come in any order), then the graph passes resolve `needs`, triggers and
 * `after`, and a walk over every expression resolves names with the scope
 * order: locals > top-level lets/fns > imports and namespaces > stage names
 * (STAGE.output) > environment names > globals. Everything is linear in the
 * size of the program: names are hashed, cycles are found with one
 * iterative DFS, and did-you-mean suggestions are computed only on error. */
#include "lang/check.h"
#include "core/value.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <limits.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cron.h"
#include "core/methods.h"
#include "core/pattern.h"
#include "lang/event_fields.h"
#include "lang/parser.h"
#include "lang/stdlib_embed.h"

/* ---- a string-keyed hash table ------------------------------------------ */

typedef struct Slot {
  const char *key;
  void *val;
} Slot;

typedef struct Table {
  Slot *slots;
  size_t cap, n;
} Table;

static uint32_t hash_str(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static Slot *table_slot(const Table *t, const char *key) {
  size_t mask = t->cap - 1;
  for (size_t i = hash_str(key) & mask;; i = (i + 1) & mask)
    if (!t->slots[i].key || !strcmp(t->slots[i].key, key)) return &t->slots[i];
}

static void *table_get(const Table *t, const char *key) {
  if (!t->n) return NULL;
  Slot *s = table_slot(t, key);
  return s->key ? s->val : NULL;
}

/* Adds key -> val unless key is present; returns the value already there. */
static void *table_add(Table *t, const char *key, void *val) {
  if (2 * (t->n + 1) > t->cap) {
    Table bigger = {xcalloc(t->cap ? t->cap * 2 : 16, sizeof(Slot)), t->cap ? t->cap * 2 : 16, 0};
    for (size_t i = 0; i < t->cap; i++)
      if (t->slots[i].key) {
        *table_slot(&bigger, t->slots[i].key) = t->slots[i];
        bigger.n++;
      }
    free(t->slots);
    *t = bigger;
  }
  Slot *s = table_slot(t, key);
  if (s->key) return s->val;
  *s = (Slot){key, val};
  t->n++;
  return NULL;
}

static void table_free(Table *t) {
  free(t->slots);
  memset(t, 0, sizeof *t);
}

/* ---- did-you-mean --------------------------------------------------------- */

/* " (did you mean 'x'?)" or "" — the buffer keeps the text alive. */
static const char *did_you_mean(const Suggest *s, char *buf, size_t size) {
  if (!s->best) return "";
  snprintf(buf, size, " (did you mean '%s'?)", s->best);
  return buf;
}

/* ---- modules -------------------------------------------------------------- */

typedef struct Module {
  char *key; /* resolved path, or "std/NAME" */
  Source *src;
  Program *prog;
  Table fns, lets; /* the module's public names: NAME.f() */
  bool loading;    /* on the import stack: a second visit is a cycle */
} Module;

typedef struct ImportLink {
  const Node *decl;
  Module *mod;
} ImportLink;

struct Imports {
  const PrimFamily *const *families;
  Module **mods;
  int nmods, capmods;
  ImportLink *links;
  int nlinks, caplinks;
  Table by_key;
};

Imports *imports_new(const PrimFamily *const *families) {
  Imports *im = xcalloc(1, sizeof(Imports));
  im->families = families;
  return im;
}

const PrimFamily *const *imports_families(const Imports *im) { return im->families; }

void imports_free(Imports *im) {
  if (!im) return;
  for (int i = 0; i < im->nmods; i++) {
    Module *m = im->mods[i];
    table_free(&m->fns);
    table_free(&m->lets);
    program_free(m->prog);
    source_free(m->src);
    free(m->key);
    free(m);
  }
  free(im->mods);
  free(im->links);
  table_free(&im->by_key);
  free(im);
}

/* The pipeline file itself is "being imported" for the whole check, so a
 * module importing it back is an import cycle. It owns no source. */
static void imports_add_root(Imports *im, const char *path) {
  char *key = realpath(path, NULL);
  if (!key) return;
  Module *m = xcalloc(1, sizeof *m);
  m->key = key;
  m->loading = true;
  VEC_PUSH(im->mods, im->nmods, im->capmods, m);
  table_add(&im->by_key, m->key, m);
}

Program *imports_module(const Imports *im, const Node *import) {
  for (int i = 0; i < im->nlinks; i++)
    if (im->links[i].decl == import) return im->links[i].mod ? im->links[i].mod->prog : NULL;
  return NULL;
}

const Source *imports_source(const Imports *im, const char *path) {
  for (int i = 0; im && i < im->nmods; i++)
    if (im->mods[i]->src && !strcmp(im->mods[i]->src->path, path)) return im->mods[i]->src;
  return NULL;
}

/* ---- the checker ------------------------------------------------------------ */

typedef struct Local {
  const char *name;
  Pos pos;
  bool used;
  bool warn_unused; /* a `let` in a stage or function body */
} Local;

typedef struct StageInfo {
  Node *node;
  Stage *st;
  int *needs; /* indices of the stages named in `needs`; -1 when unknown */
  NameRef *need_refs;
  int nneeds;
  Table outputs; /* name -> N_OUTPUT node */
} StageInfo;

typedef struct Checker {
  Program *p;
  const Source *src;
  Diags *d;
  Imports *im;
  Table lets, fns, imports, stages, envs, inputs; /* stages/envs: index + 1 */
  StageInfo *si;
  int nstages;
  bool has_manual;
  /* scope */
  Local *locals;
  int nlocals, caplocals;
  StageInfo *cur_stage; /* inside a stage */
  bool in_fn;
  bool has_optional;     /* some stage has a `needs?` line */
  const Node *coalesced; /* the left side of the `??` being checked */
  /* graph search scratch */
  uint32_t *stamp;
  uint32_t stamp_now;
  int *stack;
  /* for reads of far-away stages: reverse needs (CSR) and, per read
   * target, the set of stages that need it transitively (a bitset) */
  int *rev_start, *rev;
  uint8_t **needed_by;
  size_t cached_bytes;
} Checker;

#define AS_INDEX(v) ((int)(intptr_t)(v) - 1)
#define TO_VAL(i) ((void *)(intptr_t)((i) + 1))

static void check_module_program(Checker *parent, Module *m);

static Pos pos_advance(const Source *src, Pos at, uint32_t off) {
  for (uint32_t i = at.off; i < off && i < src->len; i++) {
    if (src->text[i] == '\n') {
      at.line++;
      at.col = 1;
    } else {
      at.col++;
    }
  }
  at.off = off;
  return at;
}

/* ---- scopes ---- */

static int scope_mark(Checker *c) { return c->nlocals; }

static void scope_pop(Checker *c, int mark) {
  for (int i = c->nlocals - 1; i >= mark; i--) {
    Local *l = &c->locals[i];
    if (l->warn_unused && !l->used && l->name[0] != '_')
      diag_add(c->d, DIAG_WARNING, c->src, l->pos, (uint32_t)strlen(l->name), "unused variable '%s'", l->name);
  }
  c->nlocals = mark;
}

static Local *local_find(Checker *c, const char *name) {
  for (int i = c->nlocals - 1; i >= 0; i--)
    if (!strcmp(c->locals[i].name, name)) return &c->locals[i];
  return NULL;
}

static bool is_family(Checker *c, const char *name) { return prim_is_namespace(c->im->families, name); }

static const Primitive *global_prim(Checker *c, const char *name) { return prim_lookup(c->im->families, "", name); }

static bool is_module_name(Checker *c, const char *name) { return is_family(c, name) || table_get(&c->imports, name); }

/* A variable may not take a module's name: `docker.build` must always mean
 * the primitive. */
static bool check_not_module(Checker *c, const char *name, Pos pos) {
  if (!is_module_name(c, name)) return true;
  diag_add(c->d, DIAG_ERROR, c->src, pos, (uint32_t)strlen(name),
           "cannot name a variable '%s': it is %s", name,
           is_family(c, name) ? "a module of primitives" : "an imported module");
  return false;
}

static void declare(Checker *c, const char *name, Pos pos, bool warn_unused) {
  if (!name) return;
  bool ok = check_not_module(c, name, pos);
  Local l = {name, pos, !ok, warn_unused}; /* one error per name is enough */
  VEC_PUSH(c->locals, c->nlocals, c->caplocals, l);
}

/* ---- names ---- */

static int stage_index(Checker *c, const char *name) { return AS_INDEX(table_get(&c->stages, name)); }
static int env_index(Checker *c, const char *name) { return AS_INDEX(table_get(&c->envs, name)); }

static Suggest suggest_stage(Checker *c, const char *wrong) {
  Suggest s = {wrong, NULL, (size_t)-1};
  for (int i = 0; i < c->nstages; i++) suggest_try(&s, c->si[i].st->name);
  return s;
}

static Suggest suggest_env(Checker *c, const char *wrong) {
  Suggest s = {wrong, NULL, (size_t)-1};
  for (int i = 0; i < c->p->nenvs; i++) suggest_try(&s, c->p->envs[i]->as.env->name);
  return s;
}

/* Candidates for a misspelt variable or function: locals, top-level names,
 * global primitives and values. */
static Suggest suggest_value(Checker *c, const char *wrong, bool functions_only) {
  Suggest s = {wrong, NULL, (size_t)-1};
  if (!functions_only)
    for (int i = c->nlocals - 1; i >= 0; i--) suggest_try(&s, c->locals[i].name);
  for (int i = 0; i < c->p->nfns; i++) suggest_try(&s, c->p->fns[i]->as.fn.name);
  if (!functions_only)
    for (int i = 0; i < c->p->nlets; i++) suggest_try(&s, c->p->lets[i]->as.bind.name);
  const PrimFamily *g = prim_family(c->im->families, "");
  for (int i = 0; g && i < g->n; i++)
    if (!functions_only || g->prims[i].params) suggest_try(&s, g->prims[i].name);
  return s;
}

/* ---- regex literals ---- */

static void check_regex(Checker *c, Node *n) {
  int errcode;
  PCRE2_SIZE erroff;
  pcre2_code *code = pcre2_compile((PCRE2_SPTR)n->as.regex.pattern, n->as.regex.len, RP_PCRE2_OPTIONS, &errcode,
                                   &erroff, NULL);
  if (code) {
    pcre2_code_free(code);
    return;
  }
  PCRE2_UCHAR msg[256];
  if (pcre2_get_error_message(errcode, msg, sizeof msg) < 0) strcpy((char *)msg, "malformed pattern");
  /* the pattern's text starts after `re"`; point at the offending byte */
  Pos at = n->pos;
  const char *t = c->src->text + n->pos.off;
  if (n->pos.off + 3 <= c->src->len && !strncmp(t, "re\"", 3) && erroff <= n->as.regex.len)
    at = pos_advance(c->src, n->pos, n->pos.off + 3 + (uint32_t)erroff);
  diag_error(c->d, c->src, at, "invalid regular expression: %s", (char *)msg);
}

/* ---- calls ---- */

/* What a callee resolved to, named as messages show it: "docker.build",
 * "deploy", "method 'split'" (formatted only when there is an error). */
typedef struct Callee {
  const char *ns; /* module name, or NULL */
  const char *name;
  bool method;
} Callee;

/* The parameters of whatever a call resolved to, in one shape; names point
 * into the spec or the AST (not NUL-terminated for primitives). */
enum { MAX_PARAMS = 32 };
typedef struct Sig {
  Callee who;
  int n;
  const char *names[MAX_PARAMS];
  int lens[MAX_PARAMS];
  bool required[MAX_PARAMS];
} Sig;

static bool sig_add(Sig *s, const char *name, size_t len, bool required) {
  if (s->n == MAX_PARAMS) return false;
  s->names[s->n] = name;
  s->lens[s->n] = (int)len;
  s->required[s->n++] = required;
  return true;
}

static bool sig_from_prim(Sig *s, const Primitive *p) {
  PrimParam it = prim_params(p);
  while (prim_param_next(&it))
    if (!sig_add(s, it.name, it.len, !it.optional)) return false;
  return true;
}

static bool sig_from_method(Sig *s, const MethodInfo *m) {
  for (int i = 0; i < 3 && m->params[i]; i++) sig_add(s, m->params[i], strlen(m->params[i]), i < m->required);
  return true;
}

static bool sig_from_fn(Sig *s, const Node *fn) {
  for (int i = 0; i < fn->as.fn.nparams; i++) {
    const Param *p = &fn->as.fn.params[i];
    if (!sig_add(s, p->name, strlen(p->name), !p->def)) return false;
  }
  return true;
}

static const char *callee_text(const Callee *w, char *buf, size_t size) {
  if (w->method) snprintf(buf, size, "method '%s'", w->name);
  else snprintf(buf, size, "%s%s%s", w->ns ? w->ns : "", w->ns ? "." : "", w->name);
  return buf;
}

static bool sig_is(const Sig *s, int i, const char *name) {
  return (int)strlen(name) == s->lens[i] && !memcmp(s->names[i], name, (size_t)s->lens[i]);
}

static void check_args_against(Checker *c, Node *call, const Sig *s) {
  bool given[MAX_PARAMS] = {0};
  int npos = 0, nreq = 0;
  char who[200]; /* formatted only when there is a problem */
  for (int i = 0; i < s->n; i++) nreq += s->required[i];
  for (int i = 0; i < call->as.call.nargs; i++) {
    Arg *a = &call->as.call.args[i];
    if (a->name) continue;
    if (npos == s->n) {
      int got = npos;
      for (int j = i; j < call->as.call.nargs; j++) got += !call->as.call.args[j].name;
      if (nreq == s->n)
        diag_error(c->d, c->src, a->value->pos, "too many arguments to %s (it takes %d, got %d)", callee_text(&s->who, who, sizeof who), s->n, got);
      else
        diag_error(c->d, c->src, a->value->pos, "too many arguments to %s (it takes at most %d)", callee_text(&s->who, who, sizeof who), s->n);
      break;
    }
    given[npos++] = true;
  }
  for (int i = 0; i < call->as.call.nargs; i++) {
    Arg *a = &call->as.call.args[i];
    if (!a->name) continue;
    int k = -1;
    for (int j = 0; j < s->n && k < 0; j++)
      if (sig_is(s, j, a->name)) k = j;
    if (k < 0) {
      Suggest sg = {a->name, NULL, (size_t)-1};
      char cand[MAX_PARAMS][64];
      for (int j = 0; j < s->n; j++) {
        snprintf(cand[j], sizeof cand[j], "%.*s", s->lens[j], s->names[j]);
        suggest_try(&sg, cand[j]);
      }
      char buf[96];
      diag_add(c->d, DIAG_ERROR, c->src, a->pos, (uint32_t)strlen(a->name), "unknown argument '%s' to %s%s",
               a->name, callee_text(&s->who, who, sizeof who), did_you_mean(&sg, buf, sizeof buf));
    } else if (given[k]) {
      diag_add(c->d, DIAG_ERROR, c->src, a->pos, (uint32_t)strlen(a->name), "argument '%s' to %s given twice",
               a->name, callee_text(&s->who, who, sizeof who));
    } else {
      given[k] = true;
    }
  }
  /* all missing arguments in one message: "'a', 'b' and 'c'" */
  int missing[MAX_PARAMS], nmissing = 0;
  for (int i = 0; i < s->n; i++)
    if (s->required[i] && !given[i]) missing[nmissing++] = i;
  if (!nmissing) return;
  Buf b = {0};
  for (int k = 0; k < nmissing; k++)
    buf_printf(&b, "%s'%.*s'", k == 0 ? "" : k == nmissing - 1 ? " and " : ", ", s->lens[missing[k]],
               s->names[missing[k]]);
  diag_error(c->d, c->src, call->pos, "missing argument%s %s to %s", nmissing > 1 ? "s" : "", b.data, callee_text(&s->who, who, sizeof who));
  buf_free(&b);
}

static void check_expr(Checker *c, Node *n);
static void check_stmt(Checker *c, Node *n);

/* What a callee or member expression resolved to. */
typedef struct Target {
  const Primitive *prim;
  const MethodInfo *method;
  const Node *fn;
  Callee who;
} Target;

static bool stage_reaches(Checker *c, int from, int to);
static bool needs_surely(Checker *c, int from, int to);

/* `STAGE.NAME`: the reader must need STAGE (transitively), and STAGE must
 * have `output NAME` somewhere in its body. */
static void check_output_read(Checker *c, Node *member, int si) {
  StageInfo *s = &c->si[si];
  const char *name = member->as.member.name;
  if (!table_get(&s->outputs, name)) {
    Suggest sg = {name, NULL, (size_t)-1};
    for (size_t i = 0; i < s->outputs.cap; i++)
      if (s->outputs.slots[i].key) suggest_try(&sg, s->outputs.slots[i].key);
    char buf[96];
    diag_add(c->d, DIAG_ERROR, c->src, member->as.member.name_pos, (uint32_t)strlen(name),
             "stage '%s' has no output '%s'%s", s->st->name, name, did_you_mean(&sg, buf, sizeof buf));
    return;
  }
  if (!c->cur_stage) {
    if (!c->in_fn)
      diag_error(c->d, c->src, member->pos, "'%s.%s' is a stage output: it can only be read inside a stage",
                 s->st->name, name);
    return;
  }
  int reader = (int)(c->cur_stage - c->si);
  if (reader == si) {
    diag_error(c->d, c->src, member->pos, "stage '%s' reads its own output '%s.%s'; use a variable instead",
               s->st->name, s->st->name, name);
    return;
  }
  if (!stage_reaches(c, reader, si))
    diag_error(c->d, c->src, member->pos, "stage '%s' reads '%s.%s' but does not need '%s'",
               c->cur_stage->st->name, s->st->name, name, s->st->name);
  else if (c->has_optional && member != c->coalesced && !needs_surely(c, reader, si))
    diag_add(c->d, DIAG_WARNING, c->src, member->pos, member->end - member->pos.off,
             "'%s.%s' is null when '%s' is not in the run (it is only an optional need): write '%s.%s ?? DEFAULT'",
             s->st->name, name, s->st->name, s->st->name, name);
}

/* exactly the fields event detection sets */
static const char *const event_fields[] = {EVENT_FIELDS(EVENT_FIELD_NAME) NULL};
static const char *const pr_fields[] = {EVENT_PR_FIELDS(EVENT_FIELD_NAME) NULL};

static void check_field(Checker *c, Node *member, const char *what, const char *const *fields) {
  const char *name = member->as.member.name;
  Suggest sg = {name, NULL, (size_t)-1};
  for (int i = 0; fields[i]; i++) {
    if (!strcmp(fields[i], name)) return;
    suggest_try(&sg, fields[i]);
  }
  char buf[96];
  diag_add(c->d, DIAG_ERROR, c->src, member->as.member.name_pos, (uint32_t)strlen(name), "%s has no field '%s'%s",
           what, name, did_you_mean(&sg, buf, sizeof buf));
}

/* A member access on a plain identifier that is not a variable: a module
 * function, a stage output, an environment or a global. Returns true when
 * the object was such a name (so it must not be checked as a value). */
static bool check_named_member(Checker *c, Node *n, bool is_call, Target *t) {
  Node *obj = n->as.member.object;
  const char *name = n->as.member.name;
  if (obj->kind != N_IDENT) return false;
  const char *x = obj->as.ident.name;
  if (local_find(c, x) || table_get(&c->lets, x) || table_get(&c->fns, x)) return false;
  Module *m = table_get(&c->imports, x);
  if (m || is_family(c, x)) {
    t->who = (Callee){x, name, false};
    const Node *fn = m ? table_get(&m->fns, name) : NULL;
    const Primitive *p = prim_lookup(c->im->families, x, name);
    if (m && !m->prog && !p) return true; /* the import failed and said so */
    if (fn) t->fn = fn;
    else if (p) t->prim = p;
    else if (!(m && !is_call && table_get(&m->lets, name))) {
      Suggest sg = {name, NULL, (size_t)-1};
      if (m)
        for (size_t i = 0; i < m->fns.cap; i++)
          if (m->fns.slots[i].key) suggest_try(&sg, m->fns.slots[i].key);
      const char *p2 = prim_suggest(c->im->families, x, name);
      if (p2) suggest_try(&sg, p2);
      char buf[200];
      if (sg.best) snprintf(buf, sizeof buf, " (did you mean '%s.%s'?)", x, sg.best);
      else buf[0] = 0;
      diag_add(c->d, DIAG_ERROR, c->src, n->as.member.name_pos, (uint32_t)strlen(name),
               "unknown function '%s.%s'%s", x, name, buf);
    }
    return true;
  }
  int si = stage_index(c, x);
  /* a stage and an environment may share a name (stage preview deploys to
   * environment preview): the stage wins if it has that output */
  if (si >= 0 && env_index(c, x) >= 0 && !table_get(&c->si[si].outputs, name)) return true;
  if (si >= 0) {
    check_output_read(c, n, si);
    return true;
  }
  if (env_index(c, x) >= 0) return true; /* prod.namespace: any setting */
  if (!strcmp(x, "event")) {
    check_field(c, n, "event", event_fields);
    return true;
  }
  return false;
}

/* Methods are checked by name only: the checker does not know value types.
 * Arity is checked when every type with this method agrees on it. */
static void check_method(Checker *c, Node *member, Target *t) {
  const char *name = member->as.member.name;
  int n;
  const MethodInfo *tab = method_table(&n);
  const MethodInfo *found = NULL;
  bool agree = true;
  Suggest sg = {name, NULL, (size_t)-1};
  for (int i = 0; i < n; i++) {
    if (strcmp(tab[i].name, name)) continue;
    if (found) {
      for (int k = 0; k < 3; k++)
        if ((found->params[k] == NULL) != (tab[i].params[k] == NULL)) agree = false;
      if (found->required != tab[i].required) agree = false;
    }
    found = &tab[i];
  }
  if (found) {
    if (!agree) return;
    t->method = found;
    t->who = (Callee){NULL, name, true};
    return;
  }
  for (int i = 0; i < n; i++) suggest_try(&sg, tab[i].name);
  char buf[96];
  diag_add(c->d, DIAG_ERROR, c->src, member->as.member.name_pos, (uint32_t)strlen(name), "unknown method '%s'%s",
           name, did_you_mean(&sg, buf, sizeof buf));
}

/* STAGE["INSTANCE"]: the stage, when the object of index `n` names one
 * (not a variable); else -1. */
static int instance_stage(Checker *c, const Node *n) {
  const Node *o = n->as.index.object;
  if (o->kind != N_IDENT) return -1;
  const char *x = o->as.ident.name;
  if (local_find(c, x) || table_get(&c->lets, x) || table_get(&c->fns, x)) return -1;
  return stage_index(c, x);
}

/* STAGE["INSTANCE"] reads one instance of a matrix stage; a literal name
 * is checked when the stage's one axis is a literal list. */
static void check_instance(Checker *c, Node *n, int si) {
  const Stage *st = c->si[si].st;
  const Node *key = n->as.index.index;
  check_expr(c, (Node *)key);
  if (!st->matrix) {
    diag_error(c->d, c->src, key->pos, "stage '%s' has no matrix: read its outputs as %s.NAME", st->name, st->name);
    return;
  }
  const Node *l = st->matrix->as.attr.value;
  const char *want;
  uint32_t wlen;
  if (!string_is_plain(key, &want, &wlen) || st->matrix_opts || !l || l->kind != N_LIST) return;
  for (int i = 0; i < st->attrs.n; i++)
    if (st->attrs.items[i] != st->matrix && st->attrs.items[i]->as.attr.kind == ATTR_MATRIX) return;
  for (int i = 0; i < l->as.list.n; i++) {
    const char *v;
    uint32_t len;
    if (!string_is_plain(l->as.list.items[i], &v, &len)) return; /* named as its value is shown: not checked */
    if (len == wlen && !memcmp(v, want, len)) return;
  }
  diag_add(c->d, DIAG_ERROR, c->src, key->pos, wlen + 2, "stage '%s' has no instance '%s[%.*s]'", st->name, st->name,
           (int)wlen, want);
}

static void check_member(Checker *c, Node *n, bool is_call, Target *t) {
  Node *obj = n->as.member.object;
  int si = obj->kind == N_INDEX ? instance_stage(c, obj) : -1;
  if (si >= 0) { /* STAGE["INSTANCE"].NAME */
    check_instance(c, obj, si);
    check_output_read(c, n, si);
    return;
  }
  if (check_named_member(c, n, is_call, t)) return;
  /* event.pr.FIELD and event.inputs.NAME */
  if (obj->kind == N_MEMBER && obj->as.member.object->kind == N_IDENT &&
      !strcmp(obj->as.member.object->as.ident.name, "event") && !local_find(c, "event") &&
      !table_get(&c->lets, "event")) {
    if (!strcmp(obj->as.member.name, "pr")) check_field(c, n, "event.pr", pr_fields);
    if (!strcmp(obj->as.member.name, "inputs") && c->has_manual && !table_get(&c->inputs, n->as.member.name))
      diag_add(c->d, DIAG_ERROR, c->src, n->as.member.name_pos, (uint32_t)strlen(n->as.member.name),
               "no manual trigger declares the input '%s'", n->as.member.name);
  }
  check_expr(c, obj);
  if (is_call) check_method(c, n, t);
}

static void check_ident(Checker *c, Node *n) {
  const char *x = n->as.ident.name;
  Local *l = local_find(c, x);
  if (l) {
    l->used = true;
    return;
  }
  if (table_get(&c->lets, x) || table_get(&c->fns, x)) return;
  if (is_module_name(c, x)) {
    diag_add(c->d, DIAG_ERROR, c->src, n->pos, (uint32_t)strlen(x),
             "'%s' is a module, not a value; call one of its functions, as in %s.NAME(...)", x, x);
    return;
  }
  int si = stage_index(c, x);
  if (si >= 0) { /* the map of all its outputs: needs the stage like STAGE.x */
    if (!c->cur_stage) {
      if (!c->in_fn)
        diag_add(c->d, DIAG_ERROR, c->src, n->pos, (uint32_t)strlen(x),
                 "'%s' names a stage: its outputs can only be read inside a stage", x);
    } else if (c->cur_stage != &c->si[si] && !stage_reaches(c, (int)(c->cur_stage - c->si), si)) {
      diag_add(c->d, DIAG_ERROR, c->src, n->pos, (uint32_t)strlen(x), "stage '%s' reads the outputs of '%s' but does not need '%s'",
               c->cur_stage->st->name, x, x);
    }
    return;
  }
  if (env_index(c, x) >= 0) return;
  if (global_prim(c, x)) return;
  if (!strcmp(x, "version")) {
    diag_add(c->d, DIAG_ERROR, c->src, n->pos, 7, "'version' is only defined in a stage with a `version` attribute");
    return;
  }
  Suggest sg = suggest_value(c, x, false);
  char buf[96];
  diag_add(c->d, DIAG_ERROR, c->src, n->pos, (uint32_t)strlen(x), "undefined variable '%s'%s", x,
           did_you_mean(&sg, buf, sizeof buf));
}

/* secret(NAME, env: "prod"): prod must be an environment, and the stage
 * asking must be bound to it (the run refuses it anyway; say so early). */
static void check_secret_env(Checker *c, Node *n) {
  Node *v = NULL;
  for (int i = 0; i < n->as.call.nargs; i++) {
    const Arg *a = &n->as.call.args[i];
    if (a->name ? !strcmp(a->name, "env") : i == 1) v = a->value;
  }
  if (!v || v->kind != N_STRING || v->as.str.n != 1 || !v->as.str.parts[0].text) return;
  const char *env = v->as.str.parts[0].text;
  uint32_t len = (uint32_t)strlen(env) + 2;
  if (env_index(c, env) < 0) {
    diag_add(c->d, DIAG_ERROR, c->src, v->pos, len, "no environment '%s'", env);
  } else if (!c->cur_stage && !c->in_fn) {
    diag_add(c->d, DIAG_ERROR, c->src, v->pos, len,
             "secret(..., env: \"%s\") outside a stage: only a stage bound to '%s' reads its secrets", env, env);
  } else if (c->cur_stage) {
    const Stage *st = c->cur_stage->st;
    const char *bound = st->environment ? st->environment->as.attr.ref.name : NULL;
    /* bound by a matrix: known per instance, when it runs */
    if (bound && stage_matrix_axis(st, bound)) return;
    if (!bound || strcmp(bound, env))
      diag_add(c->d, DIAG_ERROR, c->src, v->pos, len,
               "stage '%s' is not bound to environment '%s': it cannot read that environment's secrets", st->name,
               env);
  }
}

static void check_call(Checker *c, Node *n) {
  Node *callee = n->as.call.callee;
  Target t = {0};
  if (callee->kind == N_IDENT) {
    const char *x = callee->as.ident.name;
    Local *l = local_find(c, x);
    Node *fn = table_get(&c->fns, x);
    const Primitive *p = global_prim(c, x);
    t.who = (Callee){NULL, x, false};
    if (l) l->used = true;
    else if (fn) t.fn = fn;
    else if (table_get(&c->lets, x)) {
    } else if (p && p->params) t.prim = p;
    else if (is_module_name(c, x))
      diag_add(c->d, DIAG_ERROR, c->src, callee->pos, (uint32_t)strlen(x),
               "'%s' is a module and cannot be called; call one of its functions, as in %s.NAME(...)", x, x);
    else {
      Suggest sg = suggest_value(c, x, true);
      char buf[96];
      diag_add(c->d, DIAG_ERROR, c->src, callee->pos, (uint32_t)strlen(x), "unknown function '%s'%s", x,
               did_you_mean(&sg, buf, sizeof buf));
    }
  } else if (callee->kind == N_MEMBER) {
    check_member(c, callee, true, &t);
  } else {
    check_expr(c, callee);
  }
  Sig s = {.who = t.who};
  if (t.prim && sig_from_prim(&s, t.prim)) check_args_against(c, n, &s);
  if (t.prim && callee->kind == N_IDENT && !strcmp(t.prim->name, "secret")) check_secret_env(c, n);
  else if (t.fn && sig_from_fn(&s, t.fn)) check_args_against(c, n, &s);
  else if (t.method && sig_from_method(&s, t.method)) check_args_against(c, n, &s);
  for (int i = 0; i < n->as.call.nargs; i++) check_expr(c, n->as.call.args[i].value);
}

static void check_params(Checker *c, Param *ps, int n) {
  for (int i = 0; i < n; i++) {
    if (ps[i].def) check_expr(c, ps[i].def);
    for (int j = 0; j < i; j++)
      if (!strcmp(ps[i].name, ps[j].name))
        diag_add(c->d, DIAG_ERROR, c->src, ps[i].pos, (uint32_t)strlen(ps[i].name), "duplicate parameter '%s'",
                 ps[i].name);
    declare(c, ps[i].name, ps[i].pos, false);
  }
}

static void check_body(Checker *c, Node *body) {
  if (!body) return;
  if (body->kind == N_BLOCK) check_stmt(c, body);
  else check_expr(c, body);
}

static void check_expr(Checker *c, Node *n) {
  if (!n) return;
  switch (n->kind) {
  case N_STRING:
    for (int i = 0; i < n->as.str.n; i++) check_expr(c, n->as.str.parts[i].expr);
    break;
  case N_REGEX: check_regex(c, n); break;
  case N_LIST:
    for (int i = 0; i < n->as.list.n; i++) check_expr(c, n->as.list.items[i]);
    break;
  case N_MAP:
    for (int i = 0; i < n->as.map.n; i++) {
      check_expr(c, n->as.map.keys[i]);
      check_expr(c, n->as.map.values[i]);
    }
    break;
  case N_IDENT: check_ident(c, n); break;
  case N_MEMBER: {
    Target t = {0};
    check_member(c, n, false, &t);
    break;
  }
  case N_INDEX: {
    check_expr(c, n->as.index.object);
    int si = instance_stage(c, n);
    if (si >= 0) check_instance(c, n, si);
    else check_expr(c, n->as.index.index);
    break;
  }
  case N_CALL: check_call(c, n); break;
  case N_UNARY: check_expr(c, n->as.op.a); break;
  case N_BINARY: {
    const Node *outer = c->coalesced;
    if (n->as.op.op == OP_COALESCE) c->coalesced = n->as.op.a;
    check_expr(c, n->as.op.a);
    c->coalesced = outer;
    check_expr(c, n->as.op.b);
    break;
  }
  case N_TERNARY:
    check_expr(c, n->as.ternary.cond);
    check_expr(c, n->as.ternary.then);
    check_expr(c, n->as.ternary.els);
    break;
  case N_LAMBDA: {
    int mark = scope_mark(c);
    check_params(c, n->as.fn.params, n->as.fn.nparams);
    check_body(c, n->as.fn.body);
    scope_pop(c, mark);
    break;
  }
  case N_SH: check_expr(c, n->as.sh.cmd); break;
  case N_NULL: case N_BOOL: case N_INT: case N_FLOAT: case N_DURATION: break;
  default: check_stmt(c, n); break;
  }
}

static void check_stmt(Checker *c, Node *n) {
  if (!n) return;
  switch (n->kind) {
  case N_BLOCK: {
    int mark = scope_mark(c);
    for (int i = 0; i < n->as.list.n; i++) check_stmt(c, n->as.list.items[i]);
    scope_pop(c, mark);
    break;
  }
  case N_LET:
    check_expr(c, n->as.bind.value);
    declare(c, n->as.bind.name, n->as.bind.name_pos, c->cur_stage || c->in_fn);
    break;
  case N_ASSIGN: {
    Node *t = n->as.assign.target;
    if (t->kind == N_IDENT) {
      const char *x = t->as.ident.name;
      if (!local_find(c, x) && !table_get(&c->lets, x)) {
        Suggest sg = suggest_value(c, x, false);
        char buf[96];
        diag_add(c->d, DIAG_ERROR, c->src, t->pos, (uint32_t)strlen(x), "assignment to undefined variable '%s'%s",
                 x, did_you_mean(&sg, buf, sizeof buf));
      }
    } else {
      check_expr(c, t);
    }
    check_expr(c, n->as.assign.value);
    break;
  }
  case N_EXPR_STMT:
  case N_FAIL:
  case N_RETURN: check_expr(c, n->as.stmt.value); break;
  case N_IF:
    check_expr(c, n->as.ternary.cond);
    check_stmt(c, n->as.ternary.then);
    check_stmt(c, n->as.ternary.els);
    break;
  case N_FOR: {
    check_expr(c, n->as.bind.value);
    int mark = scope_mark(c);
    declare(c, n->as.bind.name, n->as.bind.name_pos, false);
    check_stmt(c, n->as.bind.body);
    scope_pop(c, mark);
    break;
  }
  case N_OUTPUT:
    if (!c->cur_stage)
      diag_error(c->d, c->src, n->pos, "'output' is only allowed in a stage");
    check_expr(c, n->as.bind.value);
    break;
  default: check_expr(c, n); break;
  }
}

/* ---- declarations ---- */

static void dup_error(Checker *c, const char *what, const char *name, Pos pos, Pos first) {
  diag_add(c->d, DIAG_ERROR, c->src, pos, (uint32_t)strlen(name), "duplicate %s '%s'", what, name);
  diag_add(c->d, DIAG_NOTE, c->src, first, (uint32_t)strlen(name), "'%s' first defined here", name);
}

static Pos decl_name_pos(const Node *n) {
  switch (n->kind) {
  case N_LET: return n->as.bind.name_pos;
  case N_FN: return n->as.fn.name_pos;
  case N_IMPORT: return n->as.decl.explicit_alias ? n->as.decl.alias_pos : n->pos;
  default: return n->pos;
  }
}

static char *join_path(const char *from, const char *rel) {
  if (rel[0] == '/') return xstrdup(rel);
  while (rel[0] == '.' && rel[1] == '/') rel += 2;
  const char *slash = strrchr(from, '/');
  if (!slash) return xstrdup(rel);
  return xasprintf("%.*s/%s", (int)(slash - from), from, rel);
}

static Module *module_load(Checker *c, Node *imp) {
  const char *path = imp->as.decl.text;
  char *key, *shown = NULL;
  const char *std_text = NULL;
  if (!strncmp(path, "std/", 4)) {
    std_text = stdlib_source(path + 4);
    if (!std_text) {
      int n;
      const char *const *names = stdlib_names(&n);
      Suggest sg = {path + 4, NULL, (size_t)-1};
      for (int i = 0; i < n; i++) suggest_try(&sg, names[i]);
      char buf[96] = "";
      if (sg.best) snprintf(buf, sizeof buf, " (did you mean 'std/%s'?)", sg.best);
      diag_error(c->d, c->src, imp->pos, "unknown standard module '%s'%s", path, buf);
      return NULL;
    }
    key = xstrdup(path);
  } else {
    /* shown relative to the importing file; deduplicated by real path */
    shown = join_path(c->src->path, path);
    key = realpath(shown, NULL);
    if (!key) key = xstrdup(shown);
  }
  Module *m = table_get(&c->im->by_key, key);
  if (m) {
    free(key);
    free(shown);
    if (m->loading) {
      diag_error(c->d, c->src, imp->pos, "import cycle: '%s' imports this file, directly or through other modules",
                 path);
      return NULL;
    }
    return m;
  }
  Source *src;
  if (std_text) {
    char *p = xasprintf("<stdlib>/%s.rp", path + 4);
    src = source_from_string(p, std_text);
    free(p);
  } else {
    src = source_load(shown);
    if (!src) {
      diag_error(c->d, c->src, imp->pos, "cannot import '%s': %s", path, strerror(errno));
      free(key);
      free(shown);
      return NULL;
    }
    free(shown);
  }
  m = xcalloc(1, sizeof *m);
  m->key = key;
  m->src = src;
  VEC_PUSH(c->im->mods, c->im->nmods, c->im->capmods, m);
  table_add(&c->im->by_key, m->key, m);
  int errors = c->d->nerrors;
  m->prog = parse_program(src, c->d);
  for (int i = 0; i < m->prog->nfns; i++) table_add(&m->fns, m->prog->fns[i]->as.fn.name, m->prog->fns[i]);
  for (int i = 0; i < m->prog->nlets; i++)
    table_add(&m->lets, m->prog->lets[i]->as.bind.name, m->prog->lets[i]);
  if (c->d->nerrors == errors) {
    m->loading = true;
    check_module_program(c, m);
    m->loading = false;
  }
  return m;
}

static void collect_imports(Checker *c) {
  for (int i = 0; i < c->p->nimports; i++) {
    Node *imp = c->p->imports[i];
    Module *m = module_load(c, imp);
    ImportLink link = {imp, m};
    VEC_PUSH(c->im->links, c->im->nlinks, c->im->caplinks, link);
    const char *alias = imp->as.decl.alias;
    if (!alias) continue;
    Node *prev = NULL;
    for (int j = 0; j < i && !prev; j++)
      if (c->p->imports[j]->as.decl.alias && !strcmp(c->p->imports[j]->as.decl.alias, alias)) prev = c->p->imports[j];
    if (prev) {
      diag_error(c->d, c->src, decl_name_pos(imp), "duplicate module name '%s'", alias);
      diag_note(c->d, c->src, decl_name_pos(prev), "'%s' first imported here", alias);
      continue;
    }
    /* a failed import still names a module, so its uses are not reported
     * as undefined variables on top of the import error */
    if (!m) {
      m = xcalloc(1, sizeof *m); /* owns nothing; marks the name as a module */
      VEC_PUSH(c->im->mods, c->im->nmods, c->im->capmods, m);
    }
    table_add(&c->imports, alias, m);
  }
}

/* Lets and functions share one namespace, the pipeline's top level. */
static void collect_values(Checker *c) {
  for (int i = 0; i < c->p->decls.n; i++) {
    Node *n = c->p->decls.items[i];
    if (n->kind != N_LET && n->kind != N_FN) continue;
    bool is_fn = n->kind == N_FN;
    const char *name = is_fn ? n->as.fn.name : n->as.bind.name;
    Pos pos = decl_name_pos(n);
    if (!name) continue;
    if (is_module_name(c, name)) {
      diag_add(c->d, DIAG_ERROR, c->src, pos, (uint32_t)strlen(name), "cannot name a %s '%s': it is %s",
               is_fn ? "function" : "variable", name,
               is_family(c, name) ? "a module of primitives" : "an imported module");
      continue;
    }
    Node *prev = table_get(&c->lets, name);
    if (!prev) prev = table_get(&c->fns, name);
    if (prev) {
      dup_error(c, is_fn ? "function" : "variable", name, pos, decl_name_pos(prev));
      continue;
    }
    table_add(is_fn ? &c->fns : &c->lets, name, n);
  }
}

static void collect_envs(Checker *c) {
  for (int i = 0; i < c->p->nenvs; i++) {
    Environment *e = c->p->envs[i]->as.env;
    void *prev = table_add(&c->envs, e->name, TO_VAL(i));
    if (prev) dup_error(c, "environment", e->name, e->name_pos, c->p->envs[AS_INDEX(prev)]->as.env->name_pos);
  }
}

static void collect_outputs(Table *t, Node *n) {
  if (!n) return;
  switch (n->kind) {
  case N_BLOCK:
    for (int i = 0; i < n->as.list.n; i++) collect_outputs(t, n->as.list.items[i]);
    break;
  case N_IF:
    collect_outputs(t, n->as.ternary.then);
    collect_outputs(t, n->as.ternary.els);
    break;
  case N_FOR: collect_outputs(t, n->as.bind.body); break;
  case N_OUTPUT: table_add(t, n->as.bind.name, n); break;
  case N_POST:
    collect_outputs(t, n->as.post.success);
    collect_outputs(t, n->as.post.failure);
    collect_outputs(t, n->as.post.always);
    break;
  default: break;
  }
}

static void collect_stages(Checker *c) {
  c->nstages = c->p->nstages;
  c->si = xcalloc((size_t)c->nstages + 1, sizeof *c->si);
  c->stamp = xcalloc((size_t)c->nstages + 1, sizeof *c->stamp);
  c->stack = xmalloc(sizeof(int) * ((size_t)c->nstages + 1));
  for (int i = 0; i < c->nstages; i++) {
    StageInfo *s = &c->si[i];
    s->node = c->p->stages[i];
    s->st = s->node->as.stage;
    void *prev = table_add(&c->stages, s->st->name, TO_VAL(i));
    if (prev) dup_error(c, "stage", s->st->name, s->st->name_pos, c->si[AS_INDEX(prev)].st->name_pos);
    collect_outputs(&s->outputs, s->st->body);
    collect_outputs(&s->outputs, s->st->post);
  }
}

static void resolve_needs(Checker *c) {
  for (int i = 0; i < c->nstages; i++) {
    StageInfo *s = &c->si[i];
    Node *needs = s->st->needs;
    if (!needs) continue;
    s->nneeds = needs->as.attr.nnames;
    s->need_refs = needs->as.attr.names;
    s->needs = xmalloc(sizeof(int) * (size_t)(s->nneeds + 1));
    uint32_t now = ++c->stamp_now; /* spots a stage named twice in O(needs) */
    for (int k = 0; k < s->nneeds; k++) {
      NameRef *r = &s->need_refs[k];
      c->has_optional |= r->optional;
      s->needs[k] = stage_index(c, r->name);
      if (s->needs[k] >= 0) {
        if (c->stamp[s->needs[k]] == now)
          diag_add(c->d, DIAG_WARNING, c->src, r->pos, (uint32_t)strlen(r->name), "stage '%s' needs '%s' twice",
                   s->st->name, r->name);
        c->stamp[s->needs[k]] = now;
        continue;
      }
      Suggest sg = suggest_stage(c, r->name);
      char buf[96];
      diag_add(c->d, DIAG_ERROR, c->src, r->pos, (uint32_t)strlen(r->name), "stage '%s' needs unknown stage '%s'%s",
               s->st->name, r->name, did_you_mean(&sg, buf, sizeof buf));
    }
  }
}

/* One iterative DFS over `needs` (deep chains must not overflow the C
 * stack); every back edge closes a cycle, printed in `needs` order. */
static void find_cycles(Checker *c) {
  int n = c->nstages;
  unsigned char *color = xcalloc((size_t)n + 1, 1); /* 0 new, 1 on the path, 2 done */
  int *depth = xmalloc(sizeof(int) * ((size_t)n + 1)); /* position on the path */
  int *edge = xmalloc(sizeof(int) * ((size_t)n + 1));
  int *path = xmalloc(sizeof(int) * ((size_t)n + 1));
  for (int root = 0; root < n; root++) {
    if (color[root]) continue;
    int top = 0;
    path[0] = root;
    edge[0] = 0;
    color[root] = 1;
    depth[root] = 0;
    while (top >= 0) {
      int v = path[top];
      StageInfo *s = &c->si[v];
      if (edge[top] == s->nneeds) {
        color[v] = 2;
        top--;
        continue;
      }
      int k = edge[top]++;
      int w = s->needs[k];
      if (w < 0 || color[w] == 2) continue;
      if (color[w] == 0) {
        color[w] = 1;
        path[++top] = w;
        edge[top] = 0;
        depth[w] = top;
        continue;
      }
      Buf b = {0};
      for (int j = depth[w]; j <= top; j++) buf_printf(&b, "%s -> ", c->si[path[j]].st->name);
      buf_puts(&b, c->si[w].st->name);
      NameRef *r = &s->need_refs[k];
      diag_add(c->d, DIAG_ERROR, c->src, r->pos, (uint32_t)strlen(r->name), "dependency cycle: %s", b.data);
      buf_free(&b);
    }
  }
  free(color);
  free(depth);
  free(edge);
  free(path);
}

/* Depth-first search up the needs of `from` for `to`, visiting at most
 * `budget` stages; *complete tells whether the search ran to the end. */
static bool needs_search(Checker *c, int from, int to, int budget, bool *complete) {
  uint32_t now = ++c->stamp_now;
  int top = 0;
  c->stack[top++] = from;
  c->stamp[from] = now;
  *complete = false;
  while (top > 0) {
    if (budget-- == 0) return false;
    StageInfo *v = &c->si[c->stack[--top]];
    for (int k = 0; k < v->nneeds; k++) {
      int w = v->needs[k];
      if (w < 0 || c->stamp[w] == now) continue;
      if (w == to) return true;
      c->stamp[w] = now;
      c->stack[top++] = w;
    }
  }
  *complete = true;
  return false;
}

/* The stages that need `to`, directly or not, as a bitset computed once
 * by a search down the reverse edges; NULL past a memory budget. */
static const uint8_t *needed_by(Checker *c, int to) {
  int n = c->nstages;
  if (!c->needed_by) {
    c->needed_by = xcalloc((size_t)n + 1, sizeof *c->needed_by);
    c->rev_start = xcalloc((size_t)n + 2, sizeof(int));
    int nedges = 0;
    for (int v = 0; v < n; v++)
      for (int k = 0; k < c->si[v].nneeds; k++)
        if (c->si[v].needs[k] >= 0) c->rev_start[c->si[v].needs[k] + 1]++, nedges++;
    for (int v = 0; v < n; v++) c->rev_start[v + 1] += c->rev_start[v];
    c->rev = xmalloc(sizeof(int) * ((size_t)nedges + 1));
    int *fill = xmalloc(sizeof(int) * ((size_t)n + 1));
    memcpy(fill, c->rev_start, sizeof(int) * (size_t)n);
    for (int v = 0; v < n; v++)
      for (int k = 0; k < c->si[v].nneeds; k++)
        if (c->si[v].needs[k] >= 0) c->rev[fill[c->si[v].needs[k]]++] = v;
    free(fill);
  }
  if (c->needed_by[to]) return c->needed_by[to];
  size_t bytes = (size_t)n / 8 + 1;
  if (c->cached_bytes + bytes > ((size_t)64 << 20)) return NULL;
  c->cached_bytes += bytes;
  uint8_t *bits = xcalloc(bytes, 1);
  uint32_t now = ++c->stamp_now;
  int top = 0;
  c->stack[top++] = to;
  c->stamp[to] = now;
  while (top > 0) {
    int v = c->stack[--top];
    for (int e = c->rev_start[v]; e < c->rev_start[v + 1]; e++) {
      int w = c->rev[e];
      if (c->stamp[w] == now) continue;
      c->stamp[w] = now;
      bits[w >> 3] |= (uint8_t)(1u << (w & 7));
      c->stack[top++] = w;
    }
  }
  return c->needed_by[to] = bits;
}

/* Whether stage `from` needs `to`, directly or through other stages: the
 * direct needs first, then a short search (most reads are of near
 * stages), then the cached set of everything that needs `to` — so many
 * stages reading one far-away stage cost O(stages + needs) in all. */
static bool stage_reaches(Checker *c, int from, int to) {
  StageInfo *s = &c->si[from];
  for (int k = 0; k < s->nneeds; k++)
    if (s->needs[k] == to) return true;
  if (c->needed_by && c->needed_by[to]) return c->needed_by[to][from >> 3] & (1u << (from & 7));
  bool complete;
  if (needs_search(c, from, to, 256, &complete)) return true;
  if (complete) return false;
  const uint8_t *bits = needed_by(c, to);
  if (bits) return bits[from >> 3] & (1u << (from & 7));
  return needs_search(c, from, to, INT_MAX, &complete);
}

/* Whether `from` needs `to` through plain `needs` only, so `to` is in
 * every run `from` is in (reads of optional needs are rare: no cache). */
static bool needs_surely(Checker *c, int from, int to) {
  uint32_t now = ++c->stamp_now;
  int top = 0;
  c->stack[top++] = from;
  c->stamp[from] = now;
  while (top > 0) {
    StageInfo *v = &c->si[c->stack[--top]];
    for (int k = 0; k < v->nneeds; k++) {
      int w = v->needs[k];
      if (w < 0 || v->need_refs[k].optional || c->stamp[w] == now) continue;
      if (w == to) return true;
      c->stamp[w] = now;
      c->stack[top++] = w;
    }
  }
  return false;
}

/* `after` links each environment to at most one other: walk each chain
 * once, colouring nodes with the walk that reached them. */
static void check_env_order(Checker *c) {
  int n = c->p->nenvs;
  int *next = xmalloc(sizeof(int) * ((size_t)n + 1));
  int *walk = xcalloc((size_t)n + 1, sizeof(int));
  for (int i = 0; i < n; i++) {
    Environment *e = c->p->envs[i]->as.env;
    next[i] = -1;
    if (!e->after) continue;
    NameRef *r = &e->after->as.after;
    int j = env_index(c, r->name);
    if (j < 0) {
      Suggest sg = suggest_env(c, r->name);
      char buf[96];
      diag_add(c->d, DIAG_ERROR, c->src, r->pos, (uint32_t)strlen(r->name),
               "environment '%s' comes after unknown environment '%s'%s", e->name, r->name,
               did_you_mean(&sg, buf, sizeof buf));
    } else if (env_index(c, e->name) == i) {
      next[i] = j; /* duplicates are reported already; follow the first only */
    }
  }
  for (int i = 0; i < n; i++) {
    int v = i;
    while (v >= 0 && !walk[v]) {
      walk[v] = i + 1;
      v = next[v];
    }
    if (v < 0 || walk[v] != i + 1) continue;
    Buf b = {0};
    int last = v;
    for (int u = v;; u = next[u]) {
      buf_printf(&b, "%s -> ", c->p->envs[u]->as.env->name);
      if (next[u] == v) {
        last = u;
        break;
      }
    }
    buf_puts(&b, c->p->envs[v]->as.env->name);
    NameRef *r = &c->p->envs[last]->as.env->after->as.after;
    diag_add(c->d, DIAG_ERROR, c->src, r->pos, (uint32_t)strlen(r->name), "cycle in environment order: %s", b.data);
    buf_free(&b);
  }
  free(next);
  free(walk);
}

static bool is_string_list(const Node *v, bool literal_only) {
  if (!v || v->kind != N_LIST) return false;
  for (int i = 0; i < v->as.list.n; i++) {
    const Node *it = v->as.list.items[i];
    if (it->kind != N_STRING || (literal_only && !string_is_plain(it, NULL, NULL))) return false;
  }
  return true;
}

/* `signers`: an OpenSSH allowed-signers file, relative to the pipeline
 * file; it must exist now, or no approval could ever be verified. */
static void check_signers(Checker *c, Node *v) {
  const char *text;
  uint32_t len;
  if (v->kind != N_STRING || !string_is_plain(v, &text, &len)) {
    diag_error(c->d, c->src, v->pos, "approval 'signers' must be a string literal, as in \"ci/allowed_signers\"");
    return;
  }
  char *rel = xstrndup(text, len), *path = join_path(c->src->path, rel);
  if (access(path, R_OK) != 0)
    diag_error(c->d, c->src, v->pos, "approval 'signers': cannot read '%s': %s", path, strerror(errno));
  free(rel);
  free(path);
}

static void check_approval(Checker *c, Node *ap) {
  NodeList *l = &ap->as.settings;
  for (int i = 0; i < l->n; i++) {
    Node *s = l->items[i];
    if (s->kind != N_SETTING) continue;
    const char *k = s->as.bind.name;
    Node *v = s->as.bind.value;
    check_expr(c, v);
    if (!strcmp(k, "reviewers")) {
      if (!is_string_list(v, true))
        diag_error(c->d, c->src, v->pos, "approval 'reviewers' must be a list of string literals, as in [\"alice\"]");
    } else if (!strcmp(k, "signers")) {
      check_signers(c, v);
    } else if (!strcmp(k, "wait")) {
      if (v->kind != N_DURATION)
        diag_error(c->d, c->src, v->pos, "approval 'wait' must be a duration, as in 30m");
    } else if (!strcmp(k, "branches") || !strcmp(k, "tags")) {
      if (!is_string_list(v, false))
        diag_error(c->d, c->src, v->pos, "approval '%s' must be a list of strings, as in [\"%s\"]", k,
                   *k == 'b' ? "main" : "v*");
    } else {
      diag_add(c->d, DIAG_ERROR, c->src, s->as.bind.name_pos, (uint32_t)strlen(k),
               "unknown approval setting '%s' (expected reviewers, signers, wait, branches or tags)", k);
    }
  }
}

void check_unsigned_gates(const Program *p, Diags *d) {
  for (int i = 0; i < p->nenvs; i++) {
    const Environment *e = p->envs[i]->as.env;
    if (e->approval && !settings_get(&e->approval->as.settings, "signers"))
      diag_add(d, DIAG_WARNING, p->src, e->approval->pos, 8,
               "approvals of environment '%s' are unauthenticated: anyone can approve as a reviewer "
               "(add signers = \"FILE\", an OpenSSH allowed-signers file)", e->name);
  }
}

static void check_envs(Checker *c) {
  for (int i = 0; i < c->p->nenvs; i++) {
    Environment *e = c->p->envs[i]->as.env;
    for (int k = 0; k < e->items.n; k++) {
      Node *it = e->items.items[k];
      if (it->kind == N_SETTING) check_expr(c, it->as.bind.value);
      else if (it->kind == N_APPROVAL) check_approval(c, it);
    }
  }
}

static const char *const input_types[] = {"string", "bool", "int", "number", "choice", "environment", NULL};

static bool default_fits(const char *type, const Node *def) {
  switch (def->kind) {
  case N_STRING: return !strcmp(type, "string") || !strcmp(type, "choice") || !strcmp(type, "environment");
  case N_BOOL: return !strcmp(type, "bool");
  case N_INT: return !strcmp(type, "int") || !strcmp(type, "number");
  case N_FLOAT: return !strcmp(type, "number");
  default: return false;
  }
}

/* `choice(...)` takes distinct string literals; no other type takes any;
 * an `environment` input needs environments to name. */
static void check_input_options(Checker *c, const Param *in) {
  bool choice = in->type && !strcmp(in->type, "choice");
  if (!in->options) {
    uint32_t span = in->type ? (uint32_t)strlen(in->type) : 1;
    if (choice)
      diag_add(c->d, DIAG_ERROR, c->src, in->type_pos, span,
               "input '%s' of type choice lists its options, as in choice(\"a\", \"b\")", in->name);
    else if (in->type && !strcmp(in->type, "environment") && !c->p->nenvs)
      diag_add(c->d, DIAG_ERROR, c->src, in->type_pos, span,
               "input '%s' is an environment, but the pipeline declares no environment", in->name);
    return;
  }
  if (!choice) {
    diag_error(c->d, c->src, in->options->pos, "only a choice input takes options, not %s", in->type);
    return;
  }
  const NodeList *o = &in->options->as.list;
  if (!o->n) diag_error(c->d, c->src, in->options->pos, "input '%s' of type choice needs at least one option", in->name);
  for (int k = 0; k < o->n; k++) {
    const char *s, *t;
    uint32_t len, tlen;
    if (!string_is_plain(o->items[k], &s, &len)) {
      diag_error(c->d, c->src, o->items[k]->pos, "an option of input '%s' must be a string literal", in->name);
      continue;
    }
    for (int j = 0; j < k; j++)
      if (string_is_plain(o->items[j], &t, &tlen) && tlen == len && !memcmp(s, t, len)) {
        diag_error(c->d, c->src, o->items[k]->pos, "option \"%.*s\" of input '%s' is listed twice", (int)len, s, in->name);
        break;
      }
  }
}

/* The string default of a choice is one of its options, of an
 * environment the name of one. */
static void check_input_default_named(Checker *c, const Param *in) {
  const char *d, *s;
  uint32_t dlen, len;
  string_is_plain(in->def, &d, &dlen);
  char *name = xstrndup(d, dlen);
  if (!strcmp(in->type, "environment") && c->p->nenvs && !table_get(&c->envs, name)) {
    Suggest sg = {name, NULL, (size_t)-1};
    for (int i = 0; i < c->p->nenvs; i++) suggest_try(&sg, c->p->envs[i]->as.env->name);
    char buf[96];
    diag_error(c->d, c->src, in->def->pos, "default value of input '%s' is no environment: '%s'%s", in->name, name,
               did_you_mean(&sg, buf, sizeof buf));
  } else if (!strcmp(in->type, "choice") && in->options) {
    bool found = false;
    for (int k = 0; k < in->options->as.list.n; k++)
      if (string_is_plain(in->options->as.list.items[k], &s, &len) && len == dlen && !memcmp(s, d, len)) found = true;
    if (!found) diag_error(c->d, c->src, in->def->pos, "default value of input '%s' is not one of its options", in->name);
  }
  free(name);
}

static void check_manual_inputs(Checker *c, Trigger *t) {
  for (int i = 0; i < t->ninputs; i++) {
    Param *in = &t->inputs[i];
    for (int j = 0; j < i; j++)
      if (!strcmp(in->name, t->inputs[j].name)) {
        dup_error(c, "manual input", in->name, in->pos, t->inputs[j].pos);
        break;
      }
    table_add(&c->inputs, in->name, in);
    bool known = !in->type;
    Suggest sg = {in->type, NULL, (size_t)-1};
    for (int k = 0; in->type && input_types[k]; k++) {
      if (!strcmp(in->type, input_types[k])) known = true;
      suggest_try(&sg, input_types[k]);
    }
    if (!known) {
      char buf[96];
      diag_add(c->d, DIAG_ERROR, c->src, in->type_pos, (uint32_t)strlen(in->type),
               "unknown input type '%s'%s; expected string, bool, int, number, choice(...) or environment", in->type,
               did_you_mean(&sg, buf, sizeof buf));
      continue;
    }
    check_input_options(c, in);
    if (!in->def || !in->type) continue;
    if (in->def->kind == N_STRING && !string_is_plain(in->def, NULL, NULL))
      diag_error(c->d, c->src, in->def->pos, "default value of input '%s' must be a literal", in->name);
    else if (!default_fits(in->type, in->def))
      diag_error(c->d, c->src, in->def->pos, "default value of input '%s' is %s %s, but its type is %s", in->name,
                 in->def->kind == N_INT ? "an" : "a", node_kind_name(in->def->kind), in->type);
    else if (in->def->kind == N_STRING)
      check_input_default_named(c, in);
  }
}

/* Where byte `off` of plain string literal `n` was written: exact when the
 * literal is one line without escapes, else the literal's first byte. */
static Pos string_byte_pos(const Checker *c, const Node *n, const char *text, size_t off) {
  Pos p = n->pos;
  size_t len = strlen(text);
  if (n->end - n->pos.off == len + 2 && !memchr(text, '\n', len) && !memcmp(c->src->text + p.off + 1, text, len)) {
    p.off += (uint32_t)(1 + off);
    p.col += (uint32_t)(1 + off);
  }
  return p;
}

/* Branch, tag and `paths` filters follow GitHub's filter patterns
 * (core/pattern.h): each is checked here, and a list must include
 * something before its '!' patterns exclude. */
static void check_filter_patterns(Checker *c, const Node *f, const char *what) {
  if (!f || (f->kind != N_LIST && f->kind != N_STRING)) return;
  int n = f->kind == N_LIST ? f->as.list.n : 1, positive = 0;
  char *neg_example = NULL;
  for (int i = 0; i < n; i++) {
    const Node *it = f->kind == N_LIST ? f->as.list.items[i] : f;
    const char *s;
    uint32_t len;
    if (!string_is_plain(it, &s, &len)) {
      positive++;
      continue;
    }
    char *text = xstrndup(s, len);
    bool neg = text[0] == '!';
    size_t off;
    const char *err = pattern_error(text + neg, &off);
    if (err) diag_error(c->d, c->src, string_byte_pos(c, it, text, off + neg), "%s pattern \"%s\": %s", what, text, err);
    if (!neg) positive++;
    if (neg && !neg_example) neg_example = text;
    else free(text);
  }
  if (n && !positive)
    diag_error(c->d, c->src, f->pos,
               "every %s pattern starts with '!', so nothing is included and the trigger never fires; include first, "
               "as in [\"**\", \"%s\"]", what, neg_example ? neg_example : "");
  free(neg_example);
}

/* `on schedule "CRON"`: the five fields GitHub and GitLab both accept, the
 * error at the field; a warning when GitHub would run it less often than
 * written (it runs a schedule at most every 5 minutes). */
static void check_schedule(Checker *c, const Node *f) {
  const char *s;
  uint32_t len;
  if (!f || !string_is_plain(f, &s, &len)) {
    if (f) diag_error(c->d, c->src, f->pos, "a schedule is one cron string, as in \"0 3 * * *\"");
    return;
  }
  char *text = xstrndup(s, len);
  Cron cron;
  CronError e;
  if (!cron_parse(text, &cron, &e)) {
    char field[160] = "";
    if (e.field >= 0)
      snprintf(field, sizeof field, "%s field '%.*s': ", cron_field_desc(e.field), (int)e.len, text + e.off);
    diag_add(c->d, DIAG_ERROR, c->src, string_byte_pos(c, f, text, e.off), (uint32_t)e.len, "schedule \"%s\": %s%s",
             text, field, e.msg);
  } else if (cron_min_gap(&cron) < 5) {
    int gap = cron_min_gap(&cron);
    diag_warning(c->d, c->src, string_byte_pos(c, f, text, strspn(text, " \t")),
                 "schedule \"%s\" fires every %d minute%s, but GitHub runs a schedule at most every 5 minutes", text,
                 gap, gap == 1 ? "" : "s");
  }
  free(text);
}

/* Trigger settings: `paths` for every event, `types` and `labels` for
 * pull requests; each a string or a list of strings
 * (`labels` a list). */
static void check_trigger_setting(Checker *c, Trigger *t, Node *set) {
  static const char *const keys[] = {"paths", "types", "labels", NULL};
  const char *k = set->as.bind.name;
  Node *v = set->as.bind.value;
  check_expr(c, v);
  int i = 0;
  while (keys[i] && strcmp(keys[i], k)) i++;
  uint32_t len = (uint32_t)strlen(k);
  if (!keys[i]) {
    Suggest sg = {k, NULL, (size_t)-1};
    for (int j = 0; keys[j]; j++) suggest_try(&sg, keys[j]);
    char buf[96];
    diag_add(c->d, DIAG_ERROR, c->src, set->as.bind.name_pos, len,
             "unknown trigger setting '%s'%s; expected paths, or types and labels for pull_request", k,
             did_you_mean(&sg, buf, sizeof buf));
  } else if (i > 0 && t->event != EV_PULL_REQUEST) {
    diag_add(c->d, DIAG_ERROR, c->src, set->as.bind.name_pos, len, "'%s' applies only to 'on pull_request', not 'on %s'",
             k, event_kind_name(t->event));
  } else if (!is_string_list(v, false) && !(v->kind == N_STRING && i < 2)) {
    diag_error(c->d, c->src, v->pos, "trigger setting '%s' must be a list of strings, as in [\"%s\"]", k,
               i == 0 ? "src/**" : i == 1 ? "opened" : "preview");
  } else if (i == 0) {
    check_filter_patterns(c, v, "paths");
    if (t->event == EV_TAG || t->event == EV_SCHEDULE || t->event == EV_MANUAL)
      diag_add(c->d, DIAG_WARNING, c->src, set->as.bind.name_pos, len,
               "GitHub ignores 'paths' for 'on %s'; rp applies it (the files the event's commits changed)",
               event_kind_name(t->event));
  }
}

/* `on EVENT { settings }`: the same settings as on a trigger, one block
 * per event, and some trigger on that event to inherit them. */
static void check_trigger_defaults(Checker *c) {
  for (int i = 0; i < c->p->ntrigger_defaults; i++) {
    const Node *n = c->p->trigger_defaults[i];
    Trigger *t = n->as.trigger;
    const char *ev = event_kind_name(t->event);
    for (int k = 0; k < t->settings.n; k++)
      if (t->settings.items[k]->kind == N_SETTING) check_trigger_setting(c, t, t->settings.items[k]);
    const Node *first = NULL, *user = NULL;
    for (int j = 0; j < i && !first; j++)
      if (c->p->trigger_defaults[j]->as.trigger->event == t->event) first = c->p->trigger_defaults[j];
    for (int j = 0; j < c->p->ntriggers && !user; j++)
      if (c->p->triggers[j]->as.trigger->event == t->event) user = c->p->triggers[j];
    if (first)
      diag_add(c->d, DIAG_ERROR, c->src, t->event_pos, (uint32_t)strlen(ev),
               "the settings of 'on %s' are already given on line %u; merge the two blocks", ev, first->pos.line);
    else if (!user)
      diag_add(c->d, DIAG_WARNING, c->src, t->event_pos, (uint32_t)strlen(ev),
               "settings for 'on %s', but no trigger 'on %s ... -> STAGE' to inherit them", ev, ev);
  }
}

static void check_triggers(Checker *c) {
  check_trigger_defaults(c);
  for (int i = 0; i < c->p->ntriggers; i++) {
    Trigger *t = c->p->triggers[i]->as.trigger;
    check_expr(c, t->filter);
    if (t->event == EV_SCHEDULE) check_schedule(c, t->filter);
    else check_filter_patterns(c, t->filter, t->event == EV_TAG ? "tag" : "branch");
    for (int k = 0; k < t->settings.n; k++)
      if (t->settings.items[k]->kind == N_SETTING) check_trigger_setting(c, t, t->settings.items[k]);
    for (int k = 0; k < t->ntargets; k++) {
      NameRef *r = &t->targets[k];
      if (stage_index(c, r->name) >= 0) continue;
      Suggest sg = suggest_stage(c, r->name);
      char buf[96];
      diag_add(c->d, DIAG_ERROR, c->src, r->pos, (uint32_t)strlen(r->name),
               "trigger 'on %s' starts unknown stage '%s'%s", event_kind_name(t->event), r->name,
               did_you_mean(&sg, buf, sizeof buf));
    }
  }
}

static bool is_literal(const Node *v) {
  switch (v->kind) {
  case N_NULL: case N_BOOL: case N_INT: case N_FLOAT: case N_DURATION: case N_STRING: case N_REGEX:
  case N_LIST: case N_MAP: return true;
  default: return false;
  }
}

/* `timeout 10m`, `retry 2`, `matrix x in [...]`: a literal of another
 * kind can never work (an expression is checked when it runs). */
static void check_literal_kind(Checker *c, Node *attr) {
  Node *v = attr->as.attr.value;
  if (!v || !is_literal(v)) return;
  switch (attr->as.attr.kind) {
  case ATTR_TIMEOUT:
    if (v->kind != N_DURATION)
      diag_error(c->d, c->src, v->pos, "timeout must be a duration, as in 10m, not %s %s",
                 v->kind == N_INT ? "an" : "a", node_kind_name(v->kind));
    break;
  case ATTR_RETRY:
    if (v->kind != N_INT || v->as.i < 0)
      diag_error(c->d, c->src, v->pos, "retry must be a number of retries, as in 2");
    break;
  case ATTR_CONTAINER:
    if (v->kind != N_STRING)
      diag_error(c->d, c->src, v->pos, "container needs an image, as in \"node:20\"");
    break;
  case ATTR_SERVICES:
    if (v->kind != N_MAP)
      diag_error(c->d, c->src, v->pos, "services needs a map of names to images, as in {db: \"postgres:16\"}");
    break;
  case ATTR_CACHE:
    if (v->kind != N_STRING)
      diag_error(c->d, c->src, v->pos, "cache needs a key, a string, as in git.tree_sha(\"src\")");
    break;
  case ATTR_MATRIX:
    if (v->kind != N_LIST)
      diag_error(c->d, c->src, v->pos, "matrix needs a list of values, as in [\"amd64\", \"arm64\"]");
    break;
  default: break;
  }
}

/* `runs_on "label"` or `runs_on ["self-hosted", "gpu"]`: rp export writes
 * the labels into a workflow before anything runs, so they are plain
 * strings, never expressions. */
static bool is_label(const Node *v) {
  uint32_t len;
  return string_is_plain(v, NULL, &len) && len > 0;
}

static void check_runs_on(Checker *c, const Node *attr) {
  const Node *v = attr->as.attr.value;
  if (!v) return;
  bool ok = v->kind == N_LIST ? v->as.list.n > 0 : is_label(v);
  for (int i = 0; ok && v->kind == N_LIST && i < v->as.list.n; i++) ok = is_label(v->as.list.items[i]);
  if (!ok)
    diag_error(c->d, c->src, v->pos,
               "runs_on needs a runner label or a list of them, as in \"ubuntu-latest\" or [\"self-hosted\", \"gpu\"] "
               "(plain strings: rp export writes them before anything runs)");
}

/* ---- matrices ---- */

/* Each axis once, a literal list never empty (the product would be). */
static void check_matrix_axes(Checker *c, const Stage *st) {
  for (int i = 0; i < st->attrs.n; i++) {
    Node *a = st->attrs.items[i];
    if (a->as.attr.kind != ATTR_MATRIX || !a->as.attr.ref.name) continue;
    check_expr(c, a->as.attr.value);
    check_literal_kind(c, a);
    const Node *v = a->as.attr.value;
    if (v && v->kind == N_LIST && v->as.list.n == 0)
      diag_error(c->d, c->src, v->pos, "matrix '%s' has no values: stage '%s' would have no instances",
                 a->as.attr.ref.name, st->name);
    if (stage_matrix_axis(st, a->as.attr.ref.name) != a) {
      diag_add(c->d, DIAG_ERROR, c->src, a->as.attr.ref.pos, (uint32_t)strlen(a->as.attr.ref.name),
               "stage '%s' has two matrix axes named '%s'", st->name, a->as.attr.ref.name);
      continue;
    }
    declare(c, a->as.attr.ref.name, a->as.attr.ref.pos, false);
  }
}

/* A key of an include or exclude entry: exclude's are axes; include's may
 * add a variable, unless it reads as a misspelt axis. Include's new keys
 * are declared (null in the instances that lack them). */
static void check_matrix_key(Checker *c, const Stage *st, const Node *key, bool include) {
  const char *name;
  uint32_t len;
  if (!string_is_plain(key, &name, &len)) {
    diag_error(c->d, c->src, key->pos, "a matrix %s key is a plain name", include ? "include" : "exclude");
    return;
  }
  char *k = xstrndup(name, len);
  if (!stage_matrix_axis(st, k)) {
    Suggest sg = {k, NULL, (size_t)-1};
    for (int i = 0; i < st->attrs.n; i++)
      if (st->attrs.items[i]->as.attr.kind == ATTR_MATRIX && st->attrs.items[i]->as.attr.ref.name)
        suggest_try(&sg, st->attrs.items[i]->as.attr.ref.name);
    char buf[96];
    if (!include || sg.best)
      diag_add(c->d, DIAG_ERROR, c->src, key->pos, len ? len : 1, "stage '%s' has no matrix axis '%s'%s", st->name, k,
               did_you_mean(&sg, buf, sizeof buf));
    else if (!local_find(c, k))
      declare(c, arena_strdup(&c->p->arena, k), key->pos, false);
  }
  free(k);
}

/* include/exclude: a list of maps of axis (or new) names to values. */
static void check_matrix_entries(Checker *c, const Stage *st, const Node *v, bool include) {
  if (!is_literal(v)) return;
  bool ok = v->kind == N_LIST;
  for (int i = 0; ok && i < v->as.list.n; i++) ok = v->as.list.items[i]->kind == N_MAP;
  if (!ok) {
    diag_error(c->d, c->src, v->pos, "matrix %s needs a list of maps, as in [{os: \"linux\", py: \"3.12\"}]",
               include ? "include" : "exclude");
    return;
  }
  for (int i = 0; i < v->as.list.n; i++) {
    const Node *m = v->as.list.items[i];
    for (int k = 0; k < m->as.map.n; k++) check_matrix_key(c, st, m->as.map.keys[k], include);
  }
}

static void check_matrix_opts(Checker *c, const Stage *st) {
  const Node *o = st->matrix_opts;
  if (!o) return;
  if (!st->matrix)
    diag_error(c->d, c->src, o->pos, "matrix { } on stage '%s' needs an axis, as in matrix os in [\"linux\", \"macos\"]",
               st->name);
  for (int i = 0; i < o->as.attr.settings.n; i++) {
    const Node *s = o->as.attr.settings.items[i];
    const char *key = s->as.bind.name;
    const Node *v = s->as.bind.value;
    check_expr(c, (Node *)v);
    if (!strcmp(key, "include") || !strcmp(key, "exclude")) {
      check_matrix_entries(c, st, v, key[0] == 'i');
    } else if (!strcmp(key, "fail_fast")) {
      if (is_literal(v) && v->kind != N_BOOL) diag_error(c->d, c->src, v->pos, "fail_fast must be true or false");
    } else if (!strcmp(key, "max_parallel")) {
      if (is_literal(v) && (v->kind != N_INT || v->as.i < 1))
        diag_error(c->d, c->src, v->pos, "max_parallel must be a number of instances, 1 or more");
    } else {
      diag_add(c->d, DIAG_ERROR, c->src, s->as.bind.name_pos, (uint32_t)strlen(key),
               "unknown matrix setting '%s' (include, exclude, fail_fast, max_parallel)", key);
    }
  }
}

/* `environment env` with `matrix env in [..]`: each literal value names
 * an environment (other values are checked when the stage runs). */
static void check_matrix_envs(Checker *c, const Stage *st, const Node *values) {
  for (int i = 0; values && values->kind == N_LIST && i < values->as.list.n; i++) {
    const Node *v = values->as.list.items[i];
    const char *name;
    uint32_t len;
    if (!string_is_plain(v, &name, &len)) {
      if (is_literal(v))
        diag_error(c->d, c->src, v->pos, "stage '%s' deploys to each value of its matrix: an environment name", st->name);
      continue;
    }
    char *e = xstrndup(name, len);
    if (env_index(c, e) < 0) {
      Suggest sg = suggest_env(c, e);
      char buf[96];
      diag_add(c->d, DIAG_ERROR, c->src, v->pos, len + 2, "stage '%s' uses unknown environment '%s'%s", st->name, e,
               did_you_mean(&sg, buf, sizeof buf));
    }
    free(e);
  }
}

/* What a concurrency group may read: it is named before the pipeline's
 * values exist (at the run's start; a stage's when it is about to start),
 * so only the event, the environment and literals, and in a stage its
 * matrix value and its needs' outputs. The first other read, or NULL. */
static const Node *group_reads_other(Checker *c, const Node *n, const Stage *st) {
  if (!n) return NULL;
  const Node *bad = NULL;
  switch (n->kind) {
  case N_IDENT: {
    const char *x = n->as.ident.name;
    bool ok = !strcmp(x, "event") || !strcmp(x, "env") ||
              (st && (stage_matrix_axis(st, x) || stage_index(c, x) >= 0));
    return ok ? NULL : n;
  }
  case N_STRING:
    for (int i = 0; i < n->as.str.n && !bad; i++) bad = group_reads_other(c, n->as.str.parts[i].expr, st);
    return bad;
  case N_LIST:
    for (int i = 0; i < n->as.list.n && !bad; i++) bad = group_reads_other(c, n->as.list.items[i], st);
    return bad;
  case N_MEMBER: return group_reads_other(c, n->as.member.object, st);
  case N_INDEX:
    bad = group_reads_other(c, n->as.index.object, st);
    return bad ? bad : group_reads_other(c, n->as.index.index, st);
  case N_CALL: /* methods only: a function's or a primitive's name is an identifier it reads */
    bad = group_reads_other(c, n->as.call.callee, st);
    for (int i = 0; i < n->as.call.nargs && !bad; i++) bad = group_reads_other(c, n->as.call.args[i].value, st);
    return bad;
  case N_UNARY: return group_reads_other(c, n->as.op.a, st);
  case N_BINARY:
    bad = group_reads_other(c, n->as.op.a, st);
    return bad ? bad : group_reads_other(c, n->as.op.b, st);
  case N_TERNARY:
    bad = group_reads_other(c, n->as.ternary.cond, st);
    if (!bad) bad = group_reads_other(c, n->as.ternary.then, st);
    return bad ? bad : group_reads_other(c, n->as.ternary.els, st);
  case N_NULL: case N_BOOL: case N_INT: case N_FLOAT: case N_DURATION: case N_REGEX: return NULL;
  default: return n; /* maps, lambdas, sh */
  }
}

/* `concurrency "deploy-${event.branch}" { cancel_in_progress = true }`
 * (doc/language.md): on the pipeline (st NULL) or on stage st. */
static void check_concurrency(Checker *c, Node *n, const Stage *st) {
  if (!n) return;
  check_expr(c, n->as.conc.group);
  const Node *bad = group_reads_other(c, n->as.conc.group, st);
  if (bad)
    diag_error(c->d, c->src, bad->pos,
               "a concurrency group may read only event, env and literals%s: it is named before anything runs",
               st ? ", the stage's matrix value and its needs' outputs" : "");
  for (int i = 0; i < n->as.conc.settings.n; i++) {
    const Node *s = n->as.conc.settings.items[i];
    const char *k = s->as.bind.name;
    if (strcmp(k, "cancel_in_progress"))
      diag_add(c->d, DIAG_ERROR, c->src, s->as.bind.name_pos, (uint32_t)strlen(k),
               "unknown concurrency setting '%s' (expected cancel_in_progress)", k);
    else if (s->as.bind.value->kind != N_BOOL)
      diag_error(c->d, c->src, s->as.bind.value->pos, "cancel_in_progress must be true or false");
  }
}

/* A path pattern of `artifact`, relative to the pipeline's directory and
 * inside it; NULL when fine, else why not (*off: where, in `text`). */
static const char *artifact_pattern_error(const char *text, size_t *off) {
  *off = 0;
  if (text[0] == '/') return "absolute, but patterns are relative to the pipeline's directory";
  for (const char *p = text; *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : p + strlen(p)) {
    *off = (size_t)(p - text);
    if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2])) return "'..' reaches outside the pipeline's directory";
  }
  return pattern_error(text, off);
}

/* `artifact PATTERN` or a list of them: plain strings (rp plan lists
 * them before anything runs), path patterns as `paths`, '!' excluding. */
static void check_artifact(Checker *c, const Node *attr) {
  const Node *v = attr->as.attr.value;
  if (!v) return;
  int n = v->kind == N_LIST ? v->as.list.n : 1, positive = 0;
  for (int i = 0; i < n; i++) {
    const Node *it = v->kind == N_LIST ? v->as.list.items[i] : v;
    const char *s;
    uint32_t len;
    if (!string_is_plain(it, &s, &len) || !len) {
      diag_error(c->d, c->src, it->pos,
                 "artifact needs a path pattern or a list of them, as in \"dist/**\" or [\"dist/**\", \"reports/*.xml\"] "
                 "(plain strings: rp plan lists them before anything runs)");
      return;
    }
    char *text = xstrndup(s, len);
    bool neg = text[0] == '!';
    size_t off;
    const char *err = artifact_pattern_error(text + neg, &off);
    if (err) diag_error(c->d, c->src, string_byte_pos(c, it, text, off + neg), "artifact pattern \"%s\": %s", text, err);
    positive += !neg;
    free(text);
  }
  if (!positive) diag_error(c->d, c->src, v->pos, "every artifact pattern starts with '!': nothing would be kept");
}

static void check_stage(Checker *c, StageInfo *s) {
  Stage *st = s->st;
  c->cur_stage = s;
  int mark = scope_mark(c);
  check_matrix_axes(c, st);
  check_matrix_opts(c, st);
  for (int i = 0; i < st->attrs.n; i++) {
    Node *a = st->attrs.items[i];
    if (a->kind != N_ATTR) continue;
    switch (a->as.attr.kind) {
    case ATTR_WHEN: check_expr(c, a->as.attr.value); break;
    case ATTR_CONTAINER:
    case ATTR_SERVICES: check_expr(c, a->as.attr.value); check_literal_kind(c, a); break;
    case ATTR_RUNS_ON: check_runs_on(c, a); break;
    case ATTR_CONCURRENCY: check_concurrency(c, a->as.attr.value, st); break;
    case ATTR_ARTIFACT: check_artifact(c, a); break;
    case ATTR_CACHE:
      check_expr(c, a->as.attr.value);
      check_literal_kind(c, a);
      if (st->environment)
        diag_warning(c->d, c->src, a->pos, "stage '%s' deploys to an environment: it always runs, and its cache is ignored",
                     st->name);
      break;
    case ATTR_TIMEOUT:
    case ATTR_RETRY: check_expr(c, a->as.attr.value); check_literal_kind(c, a); break;
    case ATTR_VERSION:
      check_expr(c, a->as.attr.value);
      if (!st->environment)
        diag_error(c->d, c->src, a->pos, "stage '%s' sets a version but has no environment", st->name);
      break;
    case ATTR_ENVIRONMENT: {
      NameRef *r = &a->as.attr.ref;
      const Node *axis = stage_matrix_axis(st, r->name);
      if (axis) {
        check_matrix_envs(c, st, axis->as.attr.value);
        break;
      }
      if (env_index(c, r->name) >= 0) break;
      Suggest sg = suggest_env(c, r->name);
      char buf[96];
      diag_add(c->d, DIAG_ERROR, c->src, r->pos, (uint32_t)strlen(r->name),
               "stage '%s' uses unknown environment '%s'%s", st->name, r->name, did_you_mean(&sg, buf, sizeof buf));
      break;
    }
    default: break;
    }
  }
  if (st->version) {
    Local v = {"version", st->version->pos, true, false}; /* implicit: never reported unused */
    VEC_PUSH(c->locals, c->nlocals, c->caplocals, v);
  }
  /* the body's statements share the stage scope, so `post` blocks can
   * read what the body defined */
  if (st->body && st->body->kind == N_BLOCK)
    for (int i = 0; i < st->body->as.list.n; i++) check_stmt(c, st->body->as.list.items[i]);
  else check_stmt(c, st->body);
  if (st->post) {
    check_stmt(c, st->post->as.post.success);
    check_stmt(c, st->post->as.post.failure);
    check_stmt(c, st->post->as.post.always);
  }
  scope_pop(c, mark);
  c->cur_stage = NULL;
}

static void check_fn(Checker *c, Node *fn) {
  c->in_fn = true;
  int mark = scope_mark(c);
  check_params(c, fn->as.fn.params, fn->as.fn.nparams);
  check_body(c, fn->as.fn.body);
  scope_pop(c, mark);
  c->in_fn = false;
}

static void checker_free(Checker *c) {
  table_free(&c->lets);
  table_free(&c->fns);
  table_free(&c->imports);
  table_free(&c->stages);
  table_free(&c->envs);
  table_free(&c->inputs);
  for (int i = 0; i < c->nstages; i++) {
    free(c->si[i].needs);
    table_free(&c->si[i].outputs);
  }
  free(c->si);
  free(c->locals);
  free(c->stamp);
  free(c->stack);
  if (c->needed_by)
    for (int i = 0; i < c->nstages; i++) free(c->needed_by[i]);
  free(c->needed_by);
  free(c->rev_start);
  free(c->rev);
}

/* `state "SPEC"`: a directory, or git:REMOTE (doc/state.md). Only its
 * form: whether the remote answers is known when a command uses it. */
static void check_state(Checker *c) {
  const Node *n = c->p->state;
  if (!n) return;
  const char *spec = n->as.decl.text, *remote = !strncmp(spec, "git:", 4) ? spec + 4 : NULL;
  bool bad = !*spec || (remote && (!*remote || *remote == '-'));
  for (const char *s = spec; *s && !bad; s++) bad = (unsigned char)*s < 0x20 || (remote && *s == ' ');
  if (bad)
    diag_error(c->d, c->src, n->pos,
               "state \"%s\" names no state: give a directory or git:REMOTE (a URL, a path or a remote's name)", spec);
}

/* `artifacts "oci://HOST[:PORT]/REPO"`: its form (run/artifact.h). */
static void check_artifacts_store(Checker *c) {
  const Node *n = c->p->artifacts;
  if (!n) return;
  const char *spec = n->as.decl.text, *rest = !strncmp(spec, "oci://", 6) ? spec + 6 : NULL;
  const char *slash = rest ? strchr(rest, '/') : NULL;
  bool bad = !slash || slash == rest || !slash[1] || slash[strlen(slash) - 1] == '/';
  for (const char *s = slash; s && *s && !bad; s++) bad = !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("._-/", *s));
  for (const char *s = rest; s && s < slash && !bad; s++) bad = (unsigned char)*s <= ' ' || strchr("@?#", *s);
  if (bad)
    diag_error(c->d, c->src, n->pos,
               "artifacts \"%s\" names no registry repository: give oci://HOST[:PORT]/REPO (lower case), as in "
               "\"oci://registry.example.com/team/artifacts\"", spec);
}

bool check_program(Program *p, Imports *im, Diags *d) {
  int before = d->nerrors;
  Checker c = {.p = p, .src = p->src, .d = d, .im = im};
  collect_imports(&c);
  collect_values(&c);
  collect_envs(&c);
  collect_stages(&c);
  for (int i = 0; i < p->ntriggers; i++) {
    Trigger *t = p->triggers[i]->as.trigger;
    if (t->event != EV_MANUAL) continue;
    c.has_manual = true;
    check_manual_inputs(&c, t);
  }
  resolve_needs(&c);
  find_cycles(&c);
  check_env_order(&c);
  check_state(&c);
  check_concurrency(&c, (Node *)p->concurrency, NULL);
  check_artifacts_store(&c);
  for (int i = 0; i < p->nlets; i++) check_expr(&c, p->lets[i]->as.bind.value);
  for (int i = 0; i < p->nfns; i++) check_fn(&c, p->fns[i]);
  check_envs(&c);
  check_triggers(&c);
  for (int i = 0; i < c.nstages; i++) check_stage(&c, &c.si[i]);
  checker_free(&c);
  return d->nerrors == before;
}

static void check_module_program(Checker *parent, Module *m) { check_program(m->prog, parent->im, parent->d); }

Program *load_checked(const char *path, const PrimFamily *const *families, Imports **im, Diags *d, char **err) {
  *im = NULL;
  int before = d->nerrors;
  Program *p = parse_file(path, d, err);
  if (!p) return NULL;
  *im = imports_new(families);
  imports_add_root(*im, path);
  if (d->nerrors == before) check_program(p, *im, d);
  return p;
}

void checked_free(Program *p, Imports *im) {
  parse_file_free(p);
  imports_free(im);
}
