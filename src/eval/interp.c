/* interp.c — evaluating expressions and running statements. */
#include "eval/containers.h"
#include "eval/interp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/check.h"
#include "lang/primitive.h"
#include "core/methods.h"
#include "prim/shtemplate.h"

struct Scope {
  int refs;
  Value vars;
  Scope *parent;
};

/* A user function or lambda with the scope it closes over. */
typedef struct Closure {
  Object base;
  const Node *fn; /* N_FN or N_LAMBDA */
  const Source *src;
  Scope *scope;
} Closure;

/* A family of primitives (`git`), or an imported rp module. */
typedef struct Module {
  Object base;
  char *name;
  Scope *scope; /* imported module: its globals; NULL for a family */
} Module;

/* raw(x): text spliced into a sh template without quoting. */
typedef struct Raw {
  Object base;
  Value text;
} Raw;

struct Interp {
  Program *main;
  Scope *globals;
  Value pending;    /* top-level let name -> its index in main->lets, until evaluated */
  Value evaluating; /* names of lets being evaluated, to report cycles */
  Value outputs;    /* stage name -> map of outputs */
  Value event;
  const PrimFamily *const *families; /* the primitives: those of the imports */
  int call_depth;
  bool dry_run;
  bool read_secret; /* secret() was called: run/cache.c never caches such a stage */
  Secrets *secrets; /* the run's: masked in all output, inherited by stages */
  Value versions; /* stage -> version overriding its `version` (rollback) */
  struct Imports *imports;
  struct Slot {
    const char *key;
    void *data;
    void (*release)(void *);
  } *slots;
  int nslots, slots_cap;
  Scope **module_scopes; /* released at the end: module functions refer to them */
  int nmodule_scopes, module_scopes_cap;
  /* scopes still captured by closures when their block ended: a closure
   * kept in the scope it captures is a reference cycle, broken when the
   * stage (or the interpreter) ends */
  Scope **captured;
  int ncaptured, captured_cap;
  OutputSink sink;
  Buf emitted; /* the masked block being emitted, reused */
  RtError err;
  bool has_error;
  bool returning;
  Value ret;
  const Source *src; /* source of the code being evaluated */
  const Stage *stage;
  Value stage_vars; /* its instance's matrix variables (borrowed), or null */
  const struct ShShell *shell; /* the stage's container's (eval/containers.c) */
  StmtHook stmt_hook;
  void *stmt_hook_ctx;
  FailHook fail_hook;
  void *fail_hook_ctx;
  bool fail_offered; /* the hook has seen this error: outer blocks don't ask again */
  bool aborted;      /* the statement hook or `stop` stopped the run: try() must not catch it */
  int catching;      /* try() calls in progress: their failures are values, not breaks */
  char **tempdirs; /* fs.tempdir() of the running stage: removed when it ends */
  int ntempdirs, tempdirs_cap;
  const volatile sig_atomic_t *stop; /* interp_set_stop */
  PostHook post_hook;
  void *post_hook_ctx;
};

/* ---- objects ---- */

static void closure_free(Obj *o) { scope_release(((Closure *)o)->scope); }
static void closure_show(Obj *o, Buf *b) {
  const Node *fn = ((Closure *)o)->fn;
  buf_printf(b, "<fn %s>", fn->as.fn.name ? fn->as.fn.name : "lambda");
}
static const ObjectType closure_type = {"function", closure_free, closure_show};

static void module_free(Obj *o) {
  Module *m = (Module *)o;
  free(m->name);
  scope_release(m->scope);
}
static void module_show(Obj *o, Buf *b) { buf_printf(b, "<module %s>", ((Module *)o)->name); }
static const ObjectType module_type = {"module", module_free, module_show};

static void raw_free(Obj *o) { value_release(((Raw *)o)->text); }
static void raw_show(Obj *o, Buf *b) { value_to_text(((Raw *)o)->text, b); }
static const ObjectType raw_type = {"raw", raw_free, raw_show};

static bool is_object(Value v, const ObjectType *t) {
  return v.kind == V_OBJECT && as_object(v)->type == t;
}

static Value new_module(const char *name, Scope *scope) {
  Module *m = xcalloc(1, sizeof *m);
  m->base.type = &module_type;
  m->name = xstrdup(name);
  m->scope = scope;
  if (scope) scope->refs++;
  return v_object(&m->base);
}

/* ---- scopes ---- */

Scope *scope_new(Scope *parent) {
  Scope *s = xcalloc(1, sizeof *s);
  s->refs = 1;
  s->vars = v_map();
  s->parent = parent;
  if (parent) parent->refs++;
  return s;
}

void scope_release(Scope *s) {
  while (s && --s->refs == 0) {
    Scope *parent = s->parent;
    value_release(s->vars);
    free(s);
    s = parent;
  }
}

void scope_define(Scope *s, const char *name, Value v) { map_set(s->vars, name, v); }

static void scope_clear(Scope *s);

/* The end of a block's scope: captured ones wait for release_captured. */
static void scope_done(Interp *I, Scope *s) {
  if (s->refs > 1) VEC_PUSH(I->captured, I->ncaptured, I->captured_cap, s);
  else scope_release(s);
}

static void release_captured(Interp *I) {
  for (int i = 0; i < I->ncaptured; i++) scope_clear(I->captured[i]);
  for (int i = 0; i < I->ncaptured; i++) scope_release(I->captured[i]);
  I->ncaptured = 0;
}

/* The scope defining `name`: `s` and its parents, then the globals, which
 * a scope made over nothing (the REPL's, a `when`'s) sits over too: a
 * pipeline variable evaluated for one of them is defined there. */
static Scope *scope_find(Interp *I, Scope *s, const char *name) {
  for (; s; s = s->parent)
    if (map_has(s->vars, name)) return s;
  return map_has(I->globals->vars, name) ? I->globals : NULL;
}

/* ---- errors ---- */

bool interp_error(Interp *I, const Source *src, Pos pos, const char *fmt, ...) {
  if (I->has_error) return false; /* keep the first, innermost error */
  Buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  I->err.src = src ? src : I->src;
  I->err.pos = pos;
  I->err.msg = strip_userinfo(b.data); /* a message names a URL, never its credentials */
  buf_free(&b);
  free(I->err.stage);
  I->err.stage = I->stage ? xstrdup(I->stage->name) : NULL;
  I->has_error = true;
  return false;
}

#define FAIL_AT(node, ...) interp_error(I, I->src, (node)->pos, __VA_ARGS__)

const RtError *interp_last_error(const Interp *I) { return I->has_error ? &I->err : NULL; }

void interp_clear_error(Interp *I) {
  I->fail_offered = false;
  I->aborted = false;
  free(I->err.msg);
  free(I->err.stage);
  memset(&I->err, 0, sizeof I->err);
  I->has_error = false;
}

void interp_print_error(const Interp *I, FILE *out, bool color) {
  if (!I->has_error) return;
  char *masked = interp_mask(I, I->err.msg);
  Buf msg = {0};
  if (I->err.stage) buf_printf(&msg, "stage '%s': ", I->err.stage);
  buf_puts(&msg, masked);
  Diag d = {DIAG_ERROR, I->err.src, I->err.pos, 1, msg.data};
  diag_print_one(&d, out, color);
  if (I->err.call_src) {
    Diag call = {DIAG_NOTE, I->err.call_src, I->err.call_pos, 1, "called from here"};
    diag_print_one(&call, out, color);
  }
  buf_free(&msg);
  free(masked);
}

/* ---- secrets and output ---- */

void interp_add_secret(Interp *I, const char *text) { secrets_add(I->secrets, text); }

char *interp_mask(const Interp *I, const char *text) {
  if (!text) return NULL;
  char *plain = strip_userinfo(text);
  char *masked = secrets_mask(I->secrets, plain);
  free(plain);
  return masked;
}

Secrets *interp_secrets(const Interp *I) { return I->secrets; }

/* `secret("NAME")` written anywhere in a program declares NAME a secret of
 * the run: its value is masked from the start, in every stage, whether the
 * code that reads it runs in that stage or not (a top-level let is only
 * evaluated where it is used). */
static void declare_secret(void *ctx, const Node *n) {
  const char *name;
  if (n->kind != N_CALL || n->as.call.nargs != 1 || n->as.call.callee->kind != N_IDENT ||
      strcmp(n->as.call.callee->as.ident.name, "secret") || !string_is_plain(n->as.call.args[0].value, &name, NULL))
    return;
  const char *value = secrets_lookup(ctx, name);
  if (value) secrets_add(ctx, value);
}

static void declare_secrets(Interp *I, const Program *p) {
  for (int i = 0; i < p->decls.n; i++) ast_walk(p->decls.items[i], declare_secret, I->secrets);
}

static void default_lines(void *ctx, const char *stage, const char *stream, const char *data, size_t len) {
  (void)ctx;
  FILE *f = !strcmp(stream, "stderr") ? stderr : stdout;
  if (!stage) fwrite(data, 1, len, f);
  for (const char *p = data, *end = data + len; stage && p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    fprintf(f, "[%s] %.*s\n", stage, (int)n, p);
    p += n + 1;
  }
  fflush(f);
}

const char *interp_mask_lines(Interp *I, const char *data, size_t len, bool whole, size_t *took, size_t *out_len) {
  if (whole && len && data[len - 1] == '\n' && !secrets_found(I->secrets, data, len)) {
    *took = *out_len = len;
    return data; /* as it is: no copy */
  }
  I->emitted.len = 0;
  *took = secrets_mask_block(I->secrets, data, len, whole, &I->emitted);
  if (I->emitted.len && I->emitted.data[I->emitted.len - 1] != '\n') buf_putc(&I->emitted, '\n');
  *out_len = I->emitted.len;
  return I->emitted.data;
}

size_t interp_emit_lines(void *ctx, const char *stream, const char *data, size_t len, bool whole) {
  Interp *I = ctx;
  size_t took, n;
  const char *masked = interp_mask_lines(I, data, len, whole, &took, &n);
  if (n) I->sink.lines(I->sink.ctx, I->stage ? I->stage->name : NULL, stream, masked, n);
  return took;
}

void interp_emit(Interp *I, const char *stream, const char *text) {
  interp_emit_lines(I, stream, text, strlen(text), true);
}

void interp_print_value(const Interp *I, FILE *out, Value v) {
  Value masked = secrets_mask_value(I->secrets, v);
  Buf b = {0};
  value_show(masked, &b);
  fprintf(out, "%s\n", b.data ? b.data : "");
  buf_free(&b);
  value_release(masked);
}

void interp_set_output(Interp *I, OutputSink sink) { I->sink = sink; }

/* ---- set-up ---- */

static void remove_tempdirs(Interp *I);

static Value environment_value(Interp *I, const Environment *env);
static bool optionally_needed(const Program *p, const char *stage);

static Value closure_new(const Node *fn, const Source *src, Scope *scope) {
  Closure *c = xcalloc(1, sizeof *c);
  c->base.type = &closure_type;
  c->fn = fn;
  c->src = src;
  c->scope = scope;
  scope->refs++;
  return v_object(&c->base);
}

/* Load an imported module into its own scope: its imports, functions and
 * variables (evaluated in order, once), bound under its alias in `into`. */
static bool import_module(Interp *I, Scope *into, const Node *imp, int depth) {
  Program *mod = I->imports ? imports_module(I->imports, imp) : NULL;
  if (!mod) return interp_error(I, I->src, imp->pos, "module '%s' is not loaded", imp->as.decl.text);
  if (depth > 32) return interp_error(I, mod->src, imp->pos, "modules import each other too deeply");
  declare_secrets(I, mod);
  Scope *ms = scope_new(NULL);
  const Source *saved = I->src;
  I->src = mod->src;
  bool ok = true;
  for (int i = 0; i < mod->nimports && ok; i++) ok = import_module(I, ms, mod->imports[i], depth + 1);
  for (int i = 0; i < mod->nfns; i++) scope_define(ms, mod->fns[i]->as.fn.name, closure_new(mod->fns[i], mod->src, ms));
  for (int i = 0; i < mod->nlets && ok; i++) {
    Value v;
    ok = interp_eval(I, ms, mod->lets[i]->as.bind.value, &v);
    if (ok) scope_define(ms, mod->lets[i]->as.bind.name, v);
  }
  I->src = saved;
  if (ok) scope_define(into, imp->as.decl.alias, new_module(imp->as.decl.alias, ms));
  /* functions hold their module scope and it holds them: break the cycle at
   * the end (interp_free) by remembering the scope */
  VEC_PUSH(I->module_scopes, I->nmodule_scopes, I->module_scopes_cap, ms);
  return ok;
}

Interp *interp_new(Program *main, struct Imports *im) {
  Interp *I = xcalloc(1, sizeof *I);
  I->main = main;
  I->imports = im;
  I->src = main->src;
  I->globals = scope_new(NULL);
  I->pending = v_map();
  I->evaluating = v_map();
  I->outputs = v_map();
  I->event = v_map();
  I->families = im ? imports_families(im) : NULL;
  I->sink = (OutputSink){NULL, default_lines};
  I->secrets = secrets_new();
  declare_secrets(I, main);
  for (int i = 0; i < main->nlets; i++) map_set(I->pending, main->lets[i]->as.bind.name, v_int(i));
  /* functions see the globals; the cycle globals -> closure -> globals is
   * broken in interp_free by clearing the globals' map first */
  for (int i = 0; i < main->nfns; i++)
    scope_define(I->globals, main->fns[i]->as.fn.name, closure_new(main->fns[i], main->src, I->globals));
  for (int i = 0; i < main->nimports; i++)
    if (!import_module(I, I->globals, main->imports[i], 0)) break; /* the error stays raised */
  return I;
}

static void scope_clear(Scope *s) {
  Value vars = s->vars;
  s->vars = v_map();
  value_release(vars);
}

void interp_free(Interp *I) {
  if (!I) return;
  release_captured(I);
  free(I->captured);
  for (int i = 0; i < I->nmodule_scopes; i++) {
    scope_clear(I->module_scopes[i]);
    scope_release(I->module_scopes[i]);
  }
  free(I->module_scopes);
  for (int i = 0; i < I->nslots; i++)
    if (I->slots[i].release) I->slots[i].release(I->slots[i].data);
  free(I->slots);
  scope_clear(I->globals); /* drops the closures holding references to globals */
  scope_release(I->globals);
  value_release(I->pending);
  value_release(I->evaluating);
  value_release(I->outputs);
  value_release(I->event);
  value_release(I->ret);
  value_release(I->versions);
  secrets_free(I->secrets);
  buf_free(&I->emitted);
  remove_tempdirs(I);
  free(I->tempdirs);
  interp_clear_error(I);
  free(I);
}

void *interp_slot(Interp *I, const char *key, void *(*make)(void), void (*release)(void *)) {
  for (int i = 0; i < I->nslots; i++)
    if (!strcmp(I->slots[i].key, key)) return I->slots[i].data;
  struct Slot s = {key, make(), release};
  VEC_PUSH(I->slots, I->nslots, I->slots_cap, s);
  return s.data;
}

void interp_set_dry_run(Interp *I, bool on) { I->dry_run = on; }

char *interp_pipeline_dir(const Interp *I) {
  const char *path = I->main->src->path, *slash = strrchr(path, '/');
  if (!slash) return xstrdup(".");
  return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}
bool interp_dry_run(const Interp *I) { return I->dry_run; }

void interp_note_secret_read(Interp *I) { I->read_secret = true; }
bool interp_read_secret(const Interp *I) { return I->read_secret; }

void interp_set_event(Interp *I, Value event) {
  value_release(I->event);
  I->event = event;
}

/* The primitive `ns.name` (ns NULL for a global) that can be called. */
static const Primitive *prim_find(Interp *I, const char *ns, const char *name) {
  const Primitive *p = prim_lookup(I->families, ns, name);
  return p && p->fn ? p : NULL;
}

Value interp_outputs(Interp *I, const char *stage) { return map_get(I->outputs, stage); }

void interp_set_outputs(Interp *I, const char *stage, Value outputs) { map_set(I->outputs, stage, outputs); }

void interp_set_version(Interp *I, const char *stage, Value version) {
  if (I->versions.kind != V_MAP) I->versions = v_map();
  map_set(I->versions, stage, version);
}

/* ---- names ---- */

static bool eval_global_let(Interp *I, const char *name, Value *out) {
  Value idx = map_get(I->pending, name);
  const Node *let = I->main->lets[idx.as.i];
  if (map_has(I->evaluating, name))
    return interp_error(I, I->main->src, let->pos, "variable '%s' is defined in terms of itself", name);
  map_set(I->evaluating, name, v_bool(true));
  const Source *saved_src = I->src;
  const Stage *saved_stage = I->stage;
  I->src = I->main->src;
  I->stage = NULL; /* a pipeline variable belongs to no stage */
  Value v;
  bool ok = interp_eval(I, NULL, let->as.bind.value, &v);
  I->src = saved_src;
  I->stage = saved_stage;
  map_delete(I->evaluating, name);
  if (!ok) return false;
  map_delete(I->pending, name);
  scope_define(I->globals, name, value_retain(v));
  *out = v;
  return true;
}

static bool lookup(Interp *I, Scope *scope, const Node *id, Value *out) {
  const char *name = id->as.ident.name;
  Scope *s = scope_find(I, scope, name);
  if (s) {
    *out = value_retain(map_get(s->vars, name));
    return true;
  }
  if (map_has(I->pending, name)) return eval_global_let(I, name, out);
  if (prim_is_namespace(I->families, name) || !strcmp(name, "env")) {
    *out = new_module(name, NULL);
    return true;
  }
  if (!strcmp(name, "event")) {
    *out = value_retain(I->event);
    return true;
  }
  /* a stage and an environment may share a name: its outputs win over the
   * environment's settings (preview.namespace, preview.url) */
  const Environment *env = program_environment(I->main, name);
  bool is_stage = program_stage_index(I->main, name) >= 0;
  Value outs = is_stage ? map_get(I->outputs, name) : V_NULL_VALUE;
  if (is_stage && outs.kind == V_NULL && !env) {
    if (!optionally_needed(I->main, name))
      return FAIL_AT(id, "stage '%s' has not run: its outputs are not available", name);
    *out = V_NULL_VALUE; /* `needs? lint` and lint is not in this run */
    return true;
  }
  if (env) {
    *out = environment_value(I, env);
    if (I->has_error) {
      value_release(*out);
      return false;
    }
    if (outs.kind == V_MAP)
      for (size_t i = 0; i < as_map(outs)->n; i++)
        map_set_str(*out, as_map(outs)->keys[i], value_retain(as_map(outs)->vals[i]));
    return true;
  }
  if (outs.kind != V_NULL) {
    *out = value_retain(outs);
    return true;
  }
  return FAIL_AT(id, "undefined variable '%s'", name);
}

/* Whether some stage names `stage` in a `needs?` line. */
static bool optionally_needed(const Program *p, const char *stage) {
  for (int i = 0; i < p->nstages; i++) {
    const Node *needs = p->stages[i]->as.stage->needs;
    for (int k = 0; needs && k < needs->as.attr.nnames; k++)
      if (needs->as.attr.names[k].optional && !strcmp(needs->as.attr.names[k].name, stage)) return true;
  }
  return false;
}

/* An environment as a value: its settings, plus `name`. */
static Value environment_value(Interp *I, const Environment *env) {
  Value m = v_map();
  map_set(m, "name", v_cstr(env->name));
  for (int i = 0; i < env->items.n; i++) {
    const Node *it = env->items.items[i];
    if (it->kind != N_SETTING) continue;
    Value v;
    const Stage *saved = I->stage;
    if (!interp_eval(I, NULL, it->as.bind.value, &v)) return m;
    I->stage = saved;
    map_set(m, it->as.bind.name, v);
  }
  return m;
}

/* ---- operators ---- */

static bool is_number(Value v) { return v.kind == V_INT || v.kind == V_FLOAT; }
static double num(Value v) { return v.kind == V_INT ? (double)v.as.i : v.as.f; }

static bool regex_of(Interp *I, const Node *at, Value pat, Value *re) {
  if (pat.kind == V_REGEX) {
    *re = value_retain(pat);
    return true;
  }
  if (pat.kind != V_STRING) return FAIL_AT(at, "=~ needs a regex or a string on its right, not %s", value_type_name(pat));
  char *err = NULL;
  size_t off = 0;
  *re = v_regex(str_chars(pat), as_str(pat)->len, &err, &off);
  if (re->kind == V_NULL) {
    FAIL_AT(at, "invalid regex at offset %zu: %s", off, err);
    free(err);
    return false;
  }
  return true;
}

static bool arith(Interp *I, const Node *n, Op op, Value a, Value b, Value *out) {
  if (op == OP_ADD && a.kind == V_STRING && b.kind == V_STRING) {
    Buf buf = {0};
    buf_putn(&buf, str_chars(a), as_str(a)->len);
    buf_putn(&buf, str_chars(b), as_str(b)->len);
    *out = v_str(buf.data, buf.len);
    buf_free(&buf);
    if (value_is_secret(a) || value_is_secret(b)) *out = value_mark_secret(*out);
    return true;
  }
  if (op == OP_ADD && a.kind == V_LIST && b.kind == V_LIST) {
    *out = v_list();
    for (size_t i = 0; i < list_len(a); i++) list_push(*out, value_retain(list_get(a, i)));
    for (size_t i = 0; i < list_len(b); i++) list_push(*out, value_retain(list_get(b, i)));
    return true;
  }
  if (op == OP_ADD && a.kind == V_MAP && b.kind == V_MAP) {
    *out = v_map();
    Map *ma = as_map(a), *mb = as_map(b);
    for (size_t i = 0; i < ma->n; i++) map_set_str(*out, ma->keys[i], value_retain(ma->vals[i]));
    for (size_t i = 0; i < mb->n; i++) map_set_str(*out, mb->keys[i], value_retain(mb->vals[i]));
    return true;
  }
  if (a.kind == V_DURATION && b.kind == V_DURATION && (op == OP_ADD || op == OP_SUB)) {
    *out = v_duration(op == OP_ADD ? a.as.i + b.as.i : a.as.i - b.as.i);
    return true;
  }
  if (a.kind == V_DURATION && b.kind == V_INT && (op == OP_MUL || op == OP_DIV)) {
    if (op == OP_DIV && b.as.i == 0) return FAIL_AT(n, "division by zero");
    *out = v_duration(op == OP_MUL ? a.as.i * b.as.i : a.as.i / b.as.i);
    return true;
  }
  if (!is_number(a) || !is_number(b))
    return FAIL_AT(n, "cannot apply '%s' to %s and %s", op_text(op), value_type_name(a), value_type_name(b));
  if (a.kind == V_INT && b.kind == V_INT) {
    int64_t x = a.as.i, y = b.as.i, r;
    switch (op) {
    case OP_ADD: if (__builtin_add_overflow(x, y, &r)) return FAIL_AT(n, "integer overflow"); break;
    case OP_SUB: if (__builtin_sub_overflow(x, y, &r)) return FAIL_AT(n, "integer overflow"); break;
    case OP_MUL: if (__builtin_mul_overflow(x, y, &r)) return FAIL_AT(n, "integer overflow"); break;
    case OP_DIV:
    case OP_MOD:
      if (y == 0) return FAIL_AT(n, "division by zero");
      if (x == INT64_MIN && y == -1) return FAIL_AT(n, "integer overflow");
      r = op == OP_DIV ? x / y : x % y;
      break;
    default: r = 0;
    }
    *out = v_int(r);
    return true;
  }
  double x = num(a), y = num(b), r = 0;
  switch (op) {
  case OP_ADD: r = x + y; break;
  case OP_SUB: r = x - y; break;
  case OP_MUL: r = x * y; break;
  case OP_DIV: if (y == 0) return FAIL_AT(n, "division by zero"); r = x / y; break;
  case OP_MOD: return FAIL_AT(n, "'%%' needs integers");
  default: break;
  }
  *out = v_float(r);
  return true;
}

static bool eval_binary(Interp *I, Scope *sc, const Node *n, Value *out) {
  Op op = n->as.op.op;
  Value a;
  if (!interp_eval(I, sc, n->as.op.a, &a)) return false;
  /* short-circuit operators decide before evaluating the right side */
  if (op == OP_AND || op == OP_OR || op == OP_COALESCE) {
    bool done = op == OP_AND ? !value_truthy(a) : op == OP_OR ? value_truthy(a) : a.kind != V_NULL;
    if (done) {
      *out = op == OP_COALESCE ? a : v_bool(op == OP_OR);
      if (op != OP_COALESCE) value_release(a);
      return true;
    }
    value_release(a);
    Value b;
    if (!interp_eval(I, sc, n->as.op.b, &b)) return false;
    if (op == OP_COALESCE) {
      *out = b;
    } else {
      *out = v_bool(value_truthy(b));
      value_release(b);
    }
    return true;
  }
  Value b;
  if (!interp_eval(I, sc, n->as.op.b, &b)) {
    value_release(a);
    return false;
  }
  bool ok = true;
  switch (op) {
  case OP_EQ: *out = v_bool(value_equal(a, b)); break;
  case OP_NE: *out = v_bool(!value_equal(a, b)); break;
  case OP_MATCH:
  case OP_NOMATCH: {
    Value re;
    if (a.kind != V_STRING) {
      ok = FAIL_AT(n->as.op.a, "=~ needs a string on its left, not %s", value_type_name(a));
      break;
    }
    if (!(ok = regex_of(I, n->as.op.b, b, &re))) break;
    char *err = NULL;
    bool m = regex_search(re, str_chars(a), as_str(a)->len, &err);
    value_release(re);
    if (err) {
      ok = FAIL_AT(n, "regex match failed: %s", err);
      free(err);
      break;
    }
    *out = v_bool(m == (op == OP_MATCH));
    break;
  }
  case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
    bool comparable;
    int c = value_compare(a, b, &comparable);
    if (!comparable) {
      ok = FAIL_AT(n, "cannot compare %s with %s", value_type_name(a), value_type_name(b));
      break;
    }
    *out = v_bool(op == OP_LT ? c < 0 : op == OP_LE ? c <= 0 : op == OP_GT ? c > 0 : c >= 0);
    break;
  }
  default:
    ok = arith(I, n, op, a, b, out);
  }
  value_release(a);
  value_release(b);
  return ok;
}

/* ---- strings and sh templates ---- */

/* Build a string from its parts. In a sh template (shell) the literal
 * parts and raw() text are shell code, and every other value is handed
 * to the command beside it, never parsed by the shell (prim/shtemplate.h):
 * the result is a compiled command for sh(). */
static bool eval_string(Interp *I, Scope *sc, const Node *n, bool shell, Value *out) {
  ShTemplate t = {0}; /* a plain string is all code, without values */
  bool secret = false;
  for (int i = 0; i < n->as.str.n; i++) {
    const StrPart *p = &n->as.str.parts[i];
    if (!p->expr) {
      buf_putn(&t.code, p->text, p->len);
      continue;
    }
    Value v;
    if (!interp_eval(I, sc, p->expr, &v)) {
      sh_template_free(&t);
      return false;
    }
    bool raw = is_object(v, &raw_type);
    Value text = raw ? ((Raw *)as_object(v))->text : v;
    secret |= value_is_secret(text);
    value_to_text(text, shell && !raw ? sh_template_hole(&t, value_is_secret(text), p->expr) : &t.code);
    value_release(v);
  }
  if (!shell) {
    *out = v_str(t.code.data ? t.code.data : "", t.code.len);
    sh_template_free(&t);
    if (secret) *out = value_mark_secret(*out);
    return true;
  }
  char *err;
  const void *at;
  ShCommand *cmd = sh_template_compile(&t, &err, &at);
  if (!cmd) {
    FAIL_AT(at ? (const Node *)at : n, "sh: %s", err);
    free(err);
    return false;
  }
  *out = sh_command_value(cmd);
  return true;
}

/* ---- calls ---- */

static bool call_closure(Interp *I, const Node *at, Closure *c, Value *args, int nargs, Value named, Value *out);

static bool eval_args(Interp *I, Scope *sc, const Node *call, Value **args, int *nargs, Value *named) {
  int n = call->as.call.nargs;
  *args = xcalloc((size_t)n + 1, sizeof **args);
  *nargs = 0;
  *named = V_NULL_VALUE;
  for (int i = 0; i < n; i++) {
    const Arg *a = &call->as.call.args[i];
    Value v;
    /* sh("... ${x}") is a template too: the literal is written right after
     * the primitive's name (a function of the pipeline's own named sh is
     * called as any other) */
    bool tmpl = a->value->kind == N_STRING && (a->name ? !strcmp(a->name, "cmd") : i == 0) &&
                call->as.call.callee->kind == N_IDENT && !strcmp(call->as.call.callee->as.ident.name, "sh") &&
                !scope_find(I, sc, "sh") && !map_has(I->pending, "sh");
    if (!(tmpl ? eval_string(I, sc, a->value, true, &v) : interp_eval(I, sc, a->value, &v))) goto fail;
    if (a->name) {
      if (named->kind == V_NULL) *named = v_map();
      map_set(*named, a->name, v);
    } else {
      (*args)[(*nargs)++] = v;
    }
  }
  return true;
fail:
  for (int i = 0; i < *nargs; i++) value_release((*args)[i]);
  value_release(*named);
  free(*args);
  return false;
}

static void free_args(Value *args, int nargs, Value named) {
  for (int i = 0; i < nargs; i++) value_release(args[i]);
  free(args);
  value_release(named);
}

/* The interpreter as seen by methods that take functions (map, filter). */
static bool host_call(void *ctx, Value fn, Value *args, int nargs, Value *out, char **err) {
  Interp *I = ctx;
  if (!is_object(fn, &closure_type)) {
    *err = xasprintf("expected a function, got %s", value_type_name(fn));
    return false;
  }
  Closure *c = (Closure *)as_object(fn);
  if (call_closure(I, c->fn, c, args, nargs, V_NULL_VALUE, out)) return true;
  *err = NULL; /* the error is already raised in the interpreter */
  return false;
}

bool interp_try(Interp *I, Value fn, Value *out, bool *caught) {
  Closure *c = (Closure *)as_object(fn);
  I->catching++;
  bool ok = call_closure(I, c->fn, c, NULL, 0, V_NULL_VALUE, out);
  I->catching--;
  *caught = !ok && I->has_error && !I->aborted;
  return ok;
}

/* Put the arguments of a primitive's call in the positions of its
 * parameter spec (the row the checker also reads), and the defaults of
 * those not given. */
static bool place_prim_args(Interp *I, const Node *call, const Primitive *p, const char *name, Value *args,
                            int nargs, Value named, Value **out, int *nout) {
  int np = prim_nparams(p);
  int n = nargs > np ? nargs : np;
  *out = xcalloc((size_t)n + 1, sizeof **out);
  *nout = n;
  for (int i = 0; i < nargs; i++) (*out)[i] = value_retain(args[i]);
  Map *m = named.kind == V_MAP ? as_map(named) : NULL;
  for (size_t k = 0; m && k < m->n; k++) {
    int at = prim_param_index(p, m->keys[k]->data);
    if (at < 0) return FAIL_AT(call, "%s has no parameter '%s'", name, m->keys[k]->data);
    if ((*out)[at].kind != V_NULL) return FAIL_AT(call, "%s: '%s' is given twice", name, m->keys[k]->data);
    (*out)[at] = value_retain(m->vals[k]);
  }
  for (int i = 0; i < np; i++)
    if ((*out)[i].kind == V_NULL) prim_param_default(p, i, &(*out)[i]);
  return true;
}

static bool call_prim(Interp *I, const Node *call, const char *ns, const Primitive *p, Value *args, int nargs,
                      Value named, Value *out) {
  char name[96];
  snprintf(name, sizeof name, "%s%s%s", ns ? ns : "", ns ? "." : "", p->name);
  CallSite cs = {I->src, call, name, p};
  Value *placed;
  int nplaced;
  bool ok = place_prim_args(I, call, p, name, args, nargs, named, &placed, &nplaced) &&
            p->fn(I, &cs, placed, nplaced, out);
  for (int i = 0; i < nplaced; i++) value_release(placed[i]);
  free(placed);
  if (ok) secrets_add_derived(I->secrets, *out); /* base64("user:${token}") */
  return ok;
}

/* Methods take positional arguments; `xs.sort(key: f)` puts each named
 * one at its parameter's position. */
static bool place_method_args(Interp *I, const Node *n, Value self, const char *name, Value **args, int *nargs,
                              Value named) {
  if (named.kind != V_MAP) return true;
  const MethodInfo *mi = method_lookup(self.kind, name);
  if (!mi) return true; /* method_call reports the unknown method */
  Map *m = as_map(named);
  for (size_t k = 0; k < m->n; k++) {
    int at = -1;
    for (int p = 0; p < 3 && mi->params[p]; p++)
      if (!strcmp(mi->params[p], m->keys[k]->data)) at = p;
    if (at < 0) return FAIL_AT(n, "method '%s' has no parameter '%s'", name, m->keys[k]->data);
    if (at < *nargs && (*args)[at].kind != V_NULL) return FAIL_AT(n, "method '%s': '%s' is given twice", name, m->keys[k]->data);
    *args = xrealloc(*args, sizeof **args * (size_t)(at + 1));
    for (int i = *nargs; i < at; i++) (*args)[i] = V_NULL_VALUE;
    (*args)[at] = value_retain(m->vals[k]);
    if (at + 1 > *nargs) *nargs = at + 1;
  }
  return true;
}

static bool eval_call(Interp *I, Scope *sc, const Node *n, Value *out) {
  const Node *callee = n->as.call.callee;
  Value *args;
  int nargs;
  Value named;
  /* ns.fn(...) on a family or module, or a method on a value */
  if (callee->kind == N_MEMBER) {
    Value obj;
    if (!interp_eval(I, sc, callee->as.member.object, &obj)) return false;
    const char *mname = callee->as.member.name;
    if (!eval_args(I, sc, n, &args, &nargs, &named)) {
      value_release(obj);
      return false;
    }
    bool ok;
    if (is_object(obj, &module_type)) {
      Module *m = (Module *)as_object(obj);
      /* `import "std/helm"` adds to the helm namespace rather than hiding
       * its primitives: a name the module lacks is looked up there */
      Value f = m->scope ? map_get(m->scope->vars, mname) : V_NULL_VALUE;
      bool is_fn = is_object(f, &closure_type);
      const Primitive *prim = is_fn ? NULL : prim_find(I, m->name, mname);
      if (is_fn) ok = call_closure(I, n, (Closure *)as_object(f), args, nargs, named, out);
      else if (prim) ok = call_prim(I, n, m->name, prim, args, nargs, named, out);
      else if (m->scope) ok = FAIL_AT(callee, "module '%s' has no function '%s'", m->name, mname);
      else ok = FAIL_AT(callee, "unknown function '%s.%s'", m->name, mname);
    } else if (!(ok = place_method_args(I, n, obj, mname, &args, &nargs, named))) {
    } else {
      MethodHost host = {I, host_call};
      char *err = NULL;
      ok = method_call(mname, obj, args, nargs, &host, out, &err);
      if (!ok && err) FAIL_AT(callee, "%s", err);
      if (ok) secrets_add_derived(I->secrets, *out); /* token.upper(), creds.split(":") */
      free(err);
    }
    value_release(obj);
    free_args(args, nargs, named);
    return ok;
  }
  if (callee->kind == N_IDENT && !scope_find(I, sc, callee->as.ident.name) &&
      !map_has(I->pending, callee->as.ident.name)) {
    const Primitive *prim = prim_find(I, NULL, callee->as.ident.name);
    if (prim) {
      if (!eval_args(I, sc, n, &args, &nargs, &named)) return false;
      bool ok = call_prim(I, n, NULL, prim, args, nargs, named, out);
      free_args(args, nargs, named);
      return ok;
    }
  }
  Value f;
  if (!interp_eval(I, sc, callee, &f)) return false;
  if (!is_object(f, &closure_type)) {
    value_release(f);
    return FAIL_AT(callee, "this is %s, not a function", value_type_name(f));
  }
  if (!eval_args(I, sc, n, &args, &nargs, &named)) {
    value_release(f);
    return false;
  }
  bool ok = call_closure(I, n, (Closure *)as_object(f), args, nargs, named, out);
  free_args(args, nargs, named);
  value_release(f);
  return ok;
}

enum { MAX_CALL_DEPTH = 500 };

static bool call_closure(Interp *I, const Node *at, Closure *c, Value *args, int nargs, Value named, Value *out) {
  const Node *fn = c->fn;
  int np = fn->as.fn.nparams;
  const char *fname = fn->as.fn.name ? fn->as.fn.name : "lambda";
  if (nargs > np) return FAIL_AT(at, "%s takes %d argument%s, got %d", fname, np, np == 1 ? "" : "s", nargs);
  if (I->call_depth >= MAX_CALL_DEPTH) return FAIL_AT(at, "too many nested calls (is %s recursing forever?)", fname);
  Scope *s = scope_new(c->scope);
  const Source *saved_src = I->src;
  bool ok = true;
  for (int i = 0; i < np && ok; i++) {
    const Param *p = &fn->as.fn.params[i];
    Value v = named.kind == V_MAP && map_has(named, p->name) ? value_retain(map_get(named, p->name))
              : i < nargs                                     ? value_retain(args[i])
                                                              : V_NULL_VALUE;
    if (i >= nargs && !(named.kind == V_MAP && map_has(named, p->name))) {
      if (!p->def) {
        ok = FAIL_AT(at, "%s: missing argument '%s'", fname, p->name);
        break;
      }
      I->src = c->src;
      ok = interp_eval(I, s, p->def, &v);
      I->src = saved_src;
    }
    if (ok) scope_define(s, p->name, v);
  }
  if (ok && named.kind == V_MAP) {
    Map *m = as_map(named);
    for (size_t k = 0; k < m->n && ok; k++)
      if (!map_has(s->vars, m->keys[k]->data))
        ok = FAIL_AT(at, "%s has no parameter '%s'", fname, m->keys[k]->data);
  }
  if (ok) {
    I->src = c->src;
    I->call_depth++;
    const Node *body = fn->as.fn.body;
    if (body->kind == N_BLOCK) {
      ok = interp_exec(I, s, body);
      if (I->returning) {
        I->returning = false;
        ok = true;
        *out = I->ret;
        I->ret = V_NULL_VALUE;
      } else if (ok) {
        *out = V_NULL_VALUE;
      }
    } else {
      ok = interp_eval(I, s, body, out);
    }
    I->call_depth--;
    I->src = saved_src;
    /* an error inside a module also names the pipeline's call into it */
    if (!ok && I->has_error && !I->err.call_src && saved_src == I->main->src && I->err.src != saved_src) {
      I->err.call_src = saved_src;
      I->err.call_pos = at->pos;
    }
  }
  scope_done(I, s);
  return ok;
}

/* ---- expressions ---- */

static bool eval_member(Interp *I, Scope *sc, const Node *n, Value *out) {
  Value obj;
  if (!interp_eval(I, sc, n->as.member.object, &obj)) return false;
  const char *name = n->as.member.name;
  bool ok = true;
  if (is_object(obj, &module_type)) {
    Module *m = (Module *)as_object(obj);
    if (!strcmp(m->name, "env") && !m->scope) {
      const char *v = getenv(name);
      *out = v ? v_cstr(v) : V_NULL_VALUE;
    } else if (m->scope && map_has(m->scope->vars, name)) {
      *out = value_retain(map_get(m->scope->vars, name));
    } else {
      ok = FAIL_AT(n, "%s.%s is a function: call it with ()", m->name, name);
    }
  } else if (obj.kind == V_MAP) {
    *out = value_retain(map_get(obj, name));
  } else if (obj.kind == V_NULL) {
    *out = V_NULL_VALUE; /* event.pr.number outside a pull request is null */
  } else {
    ok = FAIL_AT(n, "%s has no field '%s'", value_type_name(obj), name);
  }
  value_release(obj);
  return ok;
}

/* STAGE["INSTANCE"] of a matrix stage (not a variable of that name): the
 * outputs of that instance, kept in STAGE's as "[INSTANCE]". */
static const Stage *instance_read(Interp *I, Scope *sc, const Node *n) {
  const Node *o = n->as.index.object;
  if (o->kind != N_IDENT || scope_find(I, sc, o->as.ident.name) || map_has(I->pending, o->as.ident.name)) return NULL;
  int i = program_stage_index(I->main, o->as.ident.name);
  return i >= 0 && I->main->stages[i]->as.stage->matrix ? I->main->stages[i]->as.stage : NULL;
}

static bool eval_instance(Interp *I, const Stage *st, Value outs, Value idx, const Node *n, Value *out) {
  if (idx.kind != V_STRING)
    return FAIL_AT(n, "an instance of stage '%s' is named by a string, as in %s[\"linux, 3.12\"], not %s", st->name,
                   st->name, value_type_name(idx));
  char *key = xasprintf("[%s]", str_chars(idx));
  *out = value_retain(map_get(outs, key));
  free(key);
  if (out->kind == V_MAP) return true;
  return FAIL_AT(n, "stage '%s' has no instance '%s[%s]' that ran in this run", st->name, st->name, str_chars(idx));
}

static bool eval_index(Interp *I, Scope *sc, const Node *n, Value *out) {
  Value obj, idx;
  if (!interp_eval(I, sc, n->as.index.object, &obj)) return false;
  if (!interp_eval(I, sc, n->as.index.index, &idx)) {
    value_release(obj);
    return false;
  }
  bool ok = true;
  const Stage *matrix = instance_read(I, sc, n);
  if (matrix) {
    ok = eval_instance(I, matrix, obj, idx, n, out);
  } else if (obj.kind == V_LIST && idx.kind == V_INT) {
    int64_t i = idx.as.i, len = (int64_t)list_len(obj);
    if (i < 0) i += len; /* a[-1] is the last element */
    *out = i >= 0 && i < len ? value_retain(list_get(obj, (size_t)i)) : V_NULL_VALUE;
  } else if (obj.kind == V_MAP && idx.kind == V_STRING) {
    *out = value_retain(map_get(obj, str_chars(idx)));
  } else if (obj.kind == V_STRING && idx.kind == V_INT) {
    int64_t i = idx.as.i, len = (int64_t)as_str(obj)->len;
    if (i < 0) i += len;
    *out = i >= 0 && i < len ? v_str(str_chars(obj) + i, 1) : V_NULL_VALUE;
    if (value_is_secret(obj)) *out = value_mark_secret(*out);
  } else if (obj.kind == V_NULL) {
    *out = V_NULL_VALUE;
  } else {
    ok = FAIL_AT(n, "cannot index %s with %s", value_type_name(obj), value_type_name(idx));
  }
  value_release(obj);
  value_release(idx);
  return ok;
}

static bool eval_collection(Interp *I, Scope *sc, const Node *n, Value *out) {
  if (n->kind == N_LIST) {
    *out = v_list();
    for (int i = 0; i < n->as.list.n; i++) {
      Value v;
      if (!interp_eval(I, sc, n->as.list.items[i], &v)) goto fail;
      list_push(*out, v);
    }
    return true;
  }
  *out = v_map();
  for (int i = 0; i < n->as.map.n; i++) {
    Value k, v;
    if (!eval_string(I, sc, n->as.map.keys[i], false, &k)) goto fail;
    if (!interp_eval(I, sc, n->as.map.values[i], &v)) {
      value_release(k);
      goto fail;
    }
    map_set_str(*out, as_str(k), v); /* a key keeps its taint */
    value_release(k);
  }
  return true;
fail:
  value_release(*out);
  return false;
}

bool interp_eval(Interp *I, Scope *sc, const Node *n, Value *out) {
  *out = V_NULL_VALUE;
  switch (n->kind) {
  case N_NULL: return true;
  case N_BOOL: *out = v_bool(n->as.b); return true;
  case N_INT: *out = v_int(n->as.i); return true;
  case N_FLOAT: *out = v_float(n->as.f); return true;
  case N_DURATION: *out = v_duration(n->as.ms); return true;
  case N_STRING: return eval_string(I, sc, n, false, out);
  case N_REGEX: {
    char *err = NULL;
    size_t off = 0;
    *out = v_regex(n->as.regex.pattern, n->as.regex.len, &err, &off);
    if (out->kind != V_NULL) return true;
    Pos p = n->pos;
    p.off += 3 + (uint32_t)off, p.col += 3 + (uint32_t)off;
    interp_error(I, I->src, p, "invalid regex: %s", err);
    free(err);
    return false;
  }
  case N_LIST:
  case N_MAP: return eval_collection(I, sc, n, out);
  case N_IDENT: return lookup(I, sc, n, out);
  case N_MEMBER: return eval_member(I, sc, n, out);
  case N_INDEX: return eval_index(I, sc, n, out);
  case N_CALL: return eval_call(I, sc, n, out);
  case N_UNARY: {
    Value a;
    if (!interp_eval(I, sc, n->as.op.a, &a)) return false;
    bool ok = true;
    if (n->as.op.op == OP_NOT) *out = v_bool(!value_truthy(a));
    else if (a.kind == V_INT && a.as.i != INT64_MIN) *out = v_int(-a.as.i);
    else if (a.kind == V_FLOAT) *out = v_float(-a.as.f);
    else if (a.kind == V_DURATION) *out = v_duration(-a.as.i);
    else ok = FAIL_AT(n, "cannot negate %s", value_type_name(a));
    value_release(a);
    return ok;
  }
  case N_BINARY: return eval_binary(I, sc, n, out);
  case N_TERNARY: {
    Value c;
    if (!interp_eval(I, sc, n->as.ternary.cond, &c)) return false;
    bool t = value_truthy(c);
    value_release(c);
    return interp_eval(I, sc, t ? n->as.ternary.then : n->as.ternary.els, out);
  }
  case N_LAMBDA:
    *out = closure_new(n, I->src, sc ? sc : I->globals);
    return true;
  case N_SH: {
    Value cmd;
    if (!eval_string(I, sc, n->as.sh.cmd, true, &cmd)) return false;
    const Primitive *sh = prim_find(I, NULL, "sh");
    bool ok = sh ? call_prim(I, n, NULL, sh, &cmd, 1, V_NULL_VALUE, out) : FAIL_AT(n, "sh is not available");
    value_release(cmd);
    return ok;
  }
  default:
    return FAIL_AT(n, "%s is not an expression", node_kind_name(n->kind));
  }
}

/* ---- statements ---- */

static bool assign(Interp *I, Scope *sc, const Node *target, Value v) {
  if (target->kind == N_IDENT) {
    Scope *s = scope_find(I, sc, target->as.ident.name);
    if (!s) {
      value_release(v);
      return FAIL_AT(target, "assignment to undefined variable '%s' (declare it with let)", target->as.ident.name);
    }
    scope_define(s, target->as.ident.name, v);
    return true;
  }
  /* a.b = v and a[i] = v change the container in place */
  const Node *objn = target->kind == N_MEMBER ? target->as.member.object : target->as.index.object;
  Value obj, key = V_NULL_VALUE;
  if (!interp_eval(I, sc, objn, &obj)) goto fail_v;
  if (target->kind == N_MEMBER) key = v_cstr(target->as.member.name);
  else if (!interp_eval(I, sc, target->as.index.index, &key)) goto fail_obj;
  bool ok = true;
  if (obj.kind == V_MAP && key.kind == V_STRING) {
    map_set(obj, str_chars(key), v);
  } else if (obj.kind == V_LIST && key.kind == V_INT && key.as.i >= 0 && (size_t)key.as.i < list_len(obj)) {
    list_set(obj, (size_t)key.as.i, v);
  } else {
    value_release(v);
    ok = FAIL_AT(target, "cannot assign into %s with %s", value_type_name(obj), value_type_name(key));
  }
  value_release(obj);
  value_release(key);
  return ok;
fail_obj:
  value_release(obj);
fail_v:
  value_release(v);
  return false;
}

static bool after_failure(Interp *I, Scope *sc, const Node *stmt);

static bool exec_stmts(Interp *I, Scope *s, const Node *block) {
  bool ok = true;
  for (int i = 0; i < block->as.list.n && ok; i++) {
    ok = interp_exec(I, s, block->as.list.items[i]);
    if (!ok) ok = after_failure(I, s, block->as.list.items[i]);
  }
  return ok;
}

static bool exec_block(Interp *I, Scope *parent, const Node *block) {
  Scope *s = scope_new(parent);
  bool ok = exec_stmts(I, s, block);
  scope_done(I, s);
  return ok;
}

static bool exec_for(Interp *I, Scope *sc, const Node *n) {
  Value seq;
  if (!interp_eval(I, sc, n->as.bind.value, &seq)) return false;
  bool ok = true;
  if (seq.kind == V_LIST) {
    for (size_t i = 0; i < list_len(seq) && ok; i++) {
      Scope *s = scope_new(sc);
      scope_define(s, n->as.bind.name, value_retain(list_get(seq, i)));
      ok = exec_block(I, s, n->as.bind.body);
      scope_done(I, s);
    }
  } else if (seq.kind == V_MAP) {
    Map *m = as_map(seq); /* iterating a map gives its keys, in order */
    for (size_t i = 0; i < m->n && ok; i++) {
      Scope *s = scope_new(sc);
      scope_define(s, n->as.bind.name, v_str(m->keys[i]->data, m->keys[i]->len));
      ok = exec_block(I, s, n->as.bind.body);
      scope_done(I, s);
    }
  } else if (seq.kind != V_NULL) {
    ok = FAIL_AT(n->as.bind.value, "for needs a list or a map, not %s", value_type_name(seq));
  }
  value_release(seq);
  return ok;
}

void interp_set_fail_hook(Interp *I, FailHook hook, void *ctx) {
  I->fail_hook = hook;
  I->fail_hook_ctx = ctx;
}

Program *interp_program(const Interp *I) { return I->main; }

const Source *interp_source(const Interp *I, const char *path) {
  return !strcmp(I->main->src->path, path) ? I->main->src : imports_source(I->imports, path);
}

/* A failed statement: ask the hook (once per error) what to do. */
static bool after_failure(Interp *I, Scope *sc, const Node *stmt) {
  while (I->fail_hook && !I->catching && I->has_error && !I->returning && !I->fail_offered) {
    FailedAction a = I->fail_hook(I->fail_hook_ctx, I, sc, stmt);
    if (a == FAILED_STOP) {
      I->fail_offered = true;
      return false;
    }
    interp_clear_error(I);
    if (a == FAILED_SKIP || interp_exec(I, sc, stmt)) return true;
  }
  return false;
}

void interp_set_stop(Interp *I, const volatile sig_atomic_t *stop) { I->stop = stop; }

void interp_set_post_hook(Interp *I, PostHook hook, void *ctx) {
  I->post_hook = hook;
  I->post_hook_ctx = ctx;
}

/* The stage's time is up: an error, but not one of the program's own. */
static bool stopped(Interp *I, const Node *at) {
  if (!I->stop || !*I->stop) return false;
  I->aborted = true;
  interp_error(I, I->src, at->pos, "stopped (signal %d)", (int)*I->stop);
  return true;
}

void interp_set_stmt_hook(Interp *I, StmtHook hook, void *ctx) {
  I->stmt_hook = hook;
  I->stmt_hook_ctx = ctx;
}
const Stage *interp_stage(const Interp *I) { return I->stage; }
const char *interp_stage_environment(const Interp *I) { return I->stage ? stage_environment(I->stage, I->stage_vars) : NULL; }

const char *stage_environment(const Stage *st, Value vars) {
  if (!st->environment) return NULL;
  const char *name = st->environment->as.attr.ref.name;
  if (!stage_matrix_axis(st, name)) return name;
  Value v = map_get(vars, name);
  return v.kind == V_STRING ? str_chars(v) : NULL;
}
int interp_call_depth(const Interp *I) { return I->call_depth; }

Value interp_scope_vars(const Interp *I, const Scope *s) {
  Value out = v_map();
  for (; s && s != I->globals; s = s->parent) {
    if (s->vars.kind != V_MAP) continue;
    Map *m = as_map(s->vars);
    for (size_t i = 0; i < m->n; i++)
      if (!map_has(out, m->keys[i]->data)) map_set(out, m->keys[i]->data, value_retain(m->vals[i]));
  }
  return out;
}

bool interp_exec(Interp *I, Scope *sc, const Node *n) {
  Value v;
  if (stopped(I, n)) return false;
  if (I->stmt_hook && n->kind != N_BLOCK && !I->stmt_hook(I->stmt_hook_ctx, I, sc, n)) {
    I->aborted = true;
    return false;
  }
  switch (n->kind) {
  case N_BLOCK: return exec_block(I, sc, n);
  case N_LET:
    if (!interp_eval(I, sc, n->as.bind.value, &v)) return false;
    scope_define(sc ? sc : I->globals, n->as.bind.name, v);
    return true;
  case N_ASSIGN:
    if (!interp_eval(I, sc, n->as.assign.value, &v)) return false;
    return assign(I, sc, n->as.assign.target, v);
  case N_EXPR_STMT:
    if (!interp_eval(I, sc, n->as.stmt.value, &v)) return false;
    value_release(v);
    return true;
  case N_IF: {
    if (!interp_eval(I, sc, n->as.ternary.cond, &v)) return false;
    bool t = value_truthy(v);
    value_release(v);
    if (t) return exec_block(I, sc, n->as.ternary.then);
    if (!n->as.ternary.els) return true;
    return n->as.ternary.els->kind == N_IF ? interp_exec(I, sc, n->as.ternary.els)
                                           : exec_block(I, sc, n->as.ternary.els);
  }
  case N_FOR: return exec_for(I, sc, n);
  case N_OUTPUT: {
    if (!I->stage) return FAIL_AT(n, "output is only allowed inside a stage");
    if (!interp_eval(I, sc, n->as.bind.value, &v)) return false;
    Value outs = map_get(I->outputs, I->stage->name);
    if (outs.kind != V_MAP) {
      map_set(I->outputs, I->stage->name, v_map());
      outs = map_get(I->outputs, I->stage->name);
    }
    map_set(outs, n->as.bind.name, v);
    return true;
  }
  case N_FAIL: {
    if (!interp_eval(I, sc, n->as.stmt.value, &v)) return false;
    char *msg = value_to_cstr(v);
    value_release(v);
    interp_error(I, I->src, n->pos, "%s", msg);
    free(msg);
    return false;
  }
  case N_RETURN:
    if (n->as.stmt.value) {
      if (!interp_eval(I, sc, n->as.stmt.value, &v)) return false;
    } else {
      v = V_NULL_VALUE;
    }
    value_release(I->ret);
    I->ret = v;
    I->returning = true;
    return false; /* unwinds to the call; not an error */
  default:
    return FAIL_AT(n, "%s is not a statement", node_kind_name(n->kind));
  }
}

/* ---- stages ---- */

static bool run_post(Interp *I, Scope *sc, const Node *block) {
  if (!block) return true;
  return exec_block(I, sc, block);
}

/* The body runs in the stage's scope `s`, as `rp check` reads it, so that
 * the post blocks can clean up what it made. */
static bool run_body(Interp *I, Scope *s, const Node *body) {
  bool ok = exec_stmts(I, s, body);
  if (I->returning) { /* `return` ends the stage early, successfully */
    I->returning = false;
    value_release(I->ret);
    I->ret = V_NULL_VALUE;
    ok = !I->has_error;
  }
  if (ok && stopped(I, body)) ok = false; /* the time ran out as it ended */
  return ok;
}

/* Post blocks run even after a failure, to their end even when the time
 * is up; the body's error is the stage's. A top-level let of the body that
 * it never reached reads as null there. */
static bool run_posts(Interp *I, Scope *s, const Stage *st, bool ok) {
  for (int i = 0; i < st->body->as.list.n; i++) {
    const Node *n = st->body->as.list.items[i];
    if (n->kind == N_LET && !map_has(s->vars, n->as.bind.name)) scope_define(s, n->as.bind.name, V_NULL_VALUE);
  }
  bool had_error = I->has_error, aborted = I->aborted;
  RtError saved_err = I->err;
  const volatile sig_atomic_t *stop = I->stop;
  I->has_error = I->aborted = false;
  I->stop = NULL;
  memset(&I->err, 0, sizeof I->err);
  bool pok = run_post(I, s, ok ? st->post->as.post.success : st->post->as.post.failure);
  pok = run_post(I, s, st->post->as.post.always) && pok;
  if (had_error) {
    interp_clear_error(I);
    I->err = saved_err;
    I->has_error = true;
    I->aborted = aborted;
  }
  I->stop = stop;
  return ok && pok;
}

/* ---- temporary directories ---- */

static void remove_tempdirs(Interp *I) {
  for (int i = 0; i < I->ntempdirs; i++) {
    remove_tree(I->tempdirs[i]);
    free(I->tempdirs[i]);
  }
  I->ntempdirs = 0;
}

const char *interp_tempdir(Interp *I, char **err) {
  const char *base = getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  char *dir = xasprintf("%s/rp-XXXXXX", base);
  if (!mkdtemp(dir)) {
    *err = xasprintf("cannot make a directory in %s: %s", base, strerror(errno));
    free(dir);
    return NULL;
  }
  VEC_PUSH(I->tempdirs, I->ntempdirs, I->tempdirs_cap, dir);
  return dir;
}

/* A scope over the globals with a stage instance's matrix variables. */
static Scope *scope_with_vars(Interp *I, Value vars) {
  Scope *s = scope_new(I->globals);
  if (vars.kind == V_MAP) {
    Map *m = as_map(vars);
    for (size_t i = 0; i < m->n; i++) scope_define(s, m->keys[i]->data, value_retain(m->vals[i]));
  }
  return s;
}

bool interp_eval_with(Interp *I, Value vars, const Node *expr, Value *out) {
  Scope *s = scope_with_vars(I, vars);
  bool ok = interp_eval(I, s, expr, out);
  scope_release(s);
  return ok;
}

const struct ShShell *interp_shell(const Interp *I) { return I->shell; }
void interp_set_shell(Interp *I, const struct ShShell *shell) { I->shell = shell; }

bool interp_run_stage(Interp *I, const Stage *st, Value vars) {
  const Stage *saved = I->stage;
  Value saved_vars = I->stage_vars;
  I->stage = st;
  I->stage_vars = vars;
  I->src = I->main->src;
  map_set(I->outputs, st->name, v_map());
  Scope *s = scope_with_vars(I, vars);
  bool ok = true;
  Value forced = I->versions.kind == V_MAP ? map_get(I->versions, st->name) : V_NULL_VALUE;
  if (forced.kind != V_NULL) {
    scope_define(s, "version", value_retain(forced));
  } else if (st->version) {
    Value v;
    ok = interp_eval(I, s, st->version->as.attr.value, &v);
    if (ok) scope_define(s, "version", v);
  }
  Box box;
  bool boxed = false;
  if (ok) ok = containers_open(I, s, st, &box, &boxed);
  if (ok) ok = run_body(I, s, st->body);
  if (st->post && (!I->post_hook || I->post_hook(I->post_hook_ctx, ok))) ok = run_posts(I, s, st, ok);
  if (boxed) containers_close(I, &box, ok);
  scope_done(I, s);
  release_captured(I); /* nothing of the stage outlives it but its outputs */
  remove_tempdirs(I);
  I->stage = saved;
  I->stage_vars = saved_vars;
  return ok;
}

/* ---- a stage the driver runs itself ---- */

const Node *interp_one_sh(const Stage *st) {
  if (st->post || st->container || st->services || st->version || st->body->as.list.n != 1) return NULL;
  const Node *stmt = st->body->as.list.items[0];
  if (stmt->kind != N_EXPR_STMT || stmt->as.stmt.value->kind != N_SH) return NULL;
  const Node *cmd = stmt->as.stmt.value->as.sh.cmd;
  const char *var = st->matrix ? st->matrix->as.attr.ref.name : NULL;
  for (int i = 0; i < cmd->as.str.n; i++) {
    const Node *e = cmd->as.str.parts[i].expr;
    if (e && !(var && e->kind == N_IDENT && !strcmp(e->as.ident.name, var))) return NULL;
  }
  return stmt->as.stmt.value;
}

bool interp_runs_plainly(const Interp *I) { return !I->dry_run && !I->stmt_hook && !I->fail_hook && !I->shell; }

bool interp_sh_command(Interp *I, Value vars, const Node *sh, Value *out) {
  Scope *s = scope_with_vars(I, vars);
  I->src = I->main->src;
  bool ok = eval_string(I, s, sh->as.sh.cmd, true, out);
  scope_release(s);
  return ok;
}

bool interp_sh_exited(Interp *I, const Source *src, Pos pos, int code, const char *shown) {
  if (code == 0) return true;
  char *masked = interp_mask(I, shown);
  interp_error(I, src, pos, "command failed with exit code %d: %s", code, masked);
  free(masked);
  return false;
}

/* ---- raw ---- */

Value make_raw(Value text) {
  Raw *r = xcalloc(1, sizeof *r);
  r->base.type = &raw_type;
  r->text = text;
  return v_object(&r->base);
}
