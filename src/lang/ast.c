/* ast.c — sources, node allocation and small shared queries. */
#include "lang/ast.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

Source *source_from_string(const char *path, const char *text) {
  Source *s = xcalloc(1, sizeof *s);
  s->path = xstrdup(path);
  s->text = xstrdup(text);
  s->len = (uint32_t)strlen(text);
  return s;
}

Source *source_load(const char *path) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text) return NULL;
  if (len > UINT32_MAX / 2 || memchr(text, 0, len)) {
    free(text);
    errno = EINVAL;
    return NULL;
  }
  Source *s = xcalloc(1, sizeof *s);
  s->path = xstrdup(path);
  s->text = text;
  s->len = (uint32_t)len;
  return s;
}

void source_free(Source *s) {
  if (!s) return;
  free(s->path);
  free(s->text);
  free(s);
}

void program_free(Program *p) {
  if (!p) return;
  Arena a = p->arena; /* the Program itself lives in its arena */
  arena_free(&a);
}

Node *node_new(Program *p, NodeKind k, Pos pos) {
  Node *n = arena_alloc(&p->arena, sizeof *n);
  n->kind = k;
  n->pos = pos;
  n->end = pos.off;
  return n;
}

const char *node_kind_name(NodeKind k) {
  static const char *names[N__COUNT] = {
      [N_NULL] = "null", [N_BOOL] = "bool", [N_INT] = "int", [N_FLOAT] = "float",
      [N_DURATION] = "duration", [N_STRING] = "string", [N_REGEX] = "regex",
      [N_LIST] = "list", [N_MAP] = "map", [N_IDENT] = "identifier", [N_MEMBER] = "member",
      [N_INDEX] = "index", [N_CALL] = "call", [N_UNARY] = "unary", [N_BINARY] = "binary",
      [N_TERNARY] = "conditional", [N_LAMBDA] = "lambda", [N_SH] = "sh",
      [N_BLOCK] = "block", [N_LET] = "let", [N_ASSIGN] = "assignment",
      [N_EXPR_STMT] = "expression", [N_IF] = "if", [N_FOR] = "for", [N_OUTPUT] = "output",
      [N_FAIL] = "fail", [N_RETURN] = "return", [N_SETTING] = "setting", [N_ATTR] = "attribute",
      [N_PIPELINE] = "pipeline", [N_STATE] = "state", [N_IMPORT] = "import", [N_FN] = "fn",
      [N_ARTIFACTS] = "artifacts",
      [N_ENVIRONMENT] = "environment", [N_AFTER] = "after", [N_APPROVAL] = "approval",
      [N_TRIGGER] = "on", [N_STAGE] = "stage", [N_POST] = "post", [N_CONCURRENCY] = "concurrency"};
  return k < N__COUNT && names[k] ? names[k] : "?";
}

const char *op_text(Op op) {
  static const char *t[] = {"", "!", "-", "||", "&&", "??", "==", "!=", "=~", "!~",
                            "<", "<=", ">", ">=", "+", "-", "*", "/", "%"};
  return t[op];
}

const char *attr_name(AttrKind k) {
  static const char *t[ATTR__COUNT] = {"needs", "when", "environment", "version",
                                       "timeout", "retry", "matrix", "container", "services",
                                       "runs_on", "cache", "concurrency", "artifact"};
  return t[k];
}

static const char *event_names[EV__COUNT] = {"push", "pull_request", "tag",
                                             "manual", "schedule", "local"};

const char *event_kind_name(EventKind k) { return event_names[k]; }

int event_kind_lookup(const char *name) {
  for (int i = 0; i < EV__COUNT; i++)
    if (!strcmp(name, event_names[i])) return i;
  return -1;
}

Node *settings_get(const NodeList *settings, const char *key) {
  for (int i = 0; i < settings->n; i++) {
    Node *s = settings->items[i];
    if (s->kind == N_SETTING && !strcmp(s->as.bind.name, key)) return s->as.bind.value;
  }
  return NULL;
}

Node *trigger_setting(const Trigger *t, const char *key) {
  Node *v = settings_get(&t->settings, key);
  return v || !t->defaults ? v : settings_get(&t->defaults->settings, key);
}

int program_stage_index(const Program *p, const char *name) {
  for (int i = 0; i < p->nstages; i++)
    if (!strcmp(p->stages[i]->as.stage->name, name)) return i;
  return -1;
}

const Environment *program_environment(const Program *p, const char *name) {
  for (int i = 0; i < p->nenvs; i++)
    if (!strcmp(p->envs[i]->as.env->name, name)) return p->envs[i]->as.env;
  return NULL;
}

bool string_is_plain(const Node *n, const char **out, uint32_t *len) {
  if (n->kind != N_STRING) return false;
  for (int i = 0; i < n->as.str.n; i++)
    if (n->as.str.parts[i].expr) return false;
  if (out) *out = n->as.str.n ? n->as.str.parts[0].text : "";
  if (len) *len = n->as.str.n ? n->as.str.parts[0].len : 0;
  return n->as.str.n <= 1;
}

const Node *stage_matrix_axis(const Stage *st, const char *name) {
  for (int i = 0; i < st->attrs.n; i++) {
    const Node *a = st->attrs.items[i];
    if (a->as.attr.kind == ATTR_MATRIX && a->as.attr.ref.name && !strcmp(a->as.attr.ref.name, name)) return a;
  }
  return NULL;
}

/* ---- walking every node ---- */

static void walk_list(const NodeList *l, AstVisit visit, void *ctx) {
  for (int i = 0; i < l->n; i++) ast_walk(l->items[i], visit, ctx);
}

static void walk_params(const Param *ps, int n, AstVisit visit, void *ctx) {
  for (int i = 0; i < n; i++) {
    ast_walk(ps[i].options, visit, ctx);
    ast_walk(ps[i].def, visit, ctx);
  }
}

void ast_walk(const Node *n, AstVisit visit, void *ctx) {
  if (!n) return;
  visit(ctx, n);
  switch (n->kind) {
  case N_STRING:
    for (int i = 0; i < n->as.str.n; i++) ast_walk(n->as.str.parts[i].expr, visit, ctx);
    break;
  case N_LIST: case N_BLOCK: walk_list(&n->as.list, visit, ctx); break;
  case N_MAP:
    for (int i = 0; i < n->as.map.n; i++) {
      ast_walk(n->as.map.keys[i], visit, ctx);
      ast_walk(n->as.map.values[i], visit, ctx);
    }
    break;
  case N_MEMBER: ast_walk(n->as.member.object, visit, ctx); break;
  case N_INDEX:
    ast_walk(n->as.index.object, visit, ctx);
    ast_walk(n->as.index.index, visit, ctx);
    break;
  case N_CALL:
    ast_walk(n->as.call.callee, visit, ctx);
    for (int i = 0; i < n->as.call.nargs; i++) ast_walk(n->as.call.args[i].value, visit, ctx);
    break;
  case N_UNARY: case N_BINARY:
    ast_walk(n->as.op.a, visit, ctx);
    if (n->kind == N_BINARY) ast_walk(n->as.op.b, visit, ctx);
    break;
  case N_TERNARY: case N_IF:
    ast_walk(n->as.ternary.cond, visit, ctx);
    ast_walk(n->as.ternary.then, visit, ctx);
    ast_walk(n->as.ternary.els, visit, ctx);
    break;
  case N_LAMBDA: case N_FN:
    walk_params(n->as.fn.params, n->as.fn.nparams, visit, ctx);
    ast_walk(n->as.fn.body, visit, ctx);
    break;
  case N_SH: ast_walk(n->as.sh.cmd, visit, ctx); break;
  case N_LET: case N_OUTPUT: case N_SETTING: case N_FOR:
    ast_walk(n->as.bind.value, visit, ctx);
    ast_walk(n->as.bind.body, visit, ctx);
    break;
  case N_ASSIGN:
    ast_walk(n->as.assign.target, visit, ctx);
    ast_walk(n->as.assign.value, visit, ctx);
    break;
  case N_EXPR_STMT: case N_FAIL: case N_RETURN: ast_walk(n->as.stmt.value, visit, ctx); break;
  case N_ATTR:
    ast_walk(n->as.attr.value, visit, ctx);
    walk_list(&n->as.attr.settings, visit, ctx);
    break;
  case N_ENVIRONMENT: walk_list(&n->as.env->items, visit, ctx); break;
  case N_APPROVAL: walk_list(&n->as.settings, visit, ctx); break;
  case N_TRIGGER:
    walk_params(n->as.trigger->inputs, n->as.trigger->ninputs, visit, ctx);
    ast_walk(n->as.trigger->filter, visit, ctx);
    walk_list(&n->as.trigger->settings, visit, ctx);
    break;
  case N_STAGE:
    walk_list(&n->as.stage->attrs, visit, ctx);
    ast_walk(n->as.stage->body, visit, ctx);
    ast_walk(n->as.stage->post, visit, ctx);
    break;
  case N_POST:
    ast_walk(n->as.post.success, visit, ctx);
    ast_walk(n->as.post.failure, visit, ctx);
    ast_walk(n->as.post.always, visit, ctx);
    break;
  default: break; /* literals, names and declarations without expressions */
  }
}

/* ---- dump: an S-expression of the tree, for tests and debugging ---- */

static void dump_node(const Node *n, Buf *b);

static void dump_list(const NodeList *l, Buf *b) {
  for (int i = 0; i < l->n; i++) {
    buf_putc(b, ' ');
    dump_node(l->items[i], b);
  }
}

static void dump_opt(const char *label, const Node *n, Buf *b) {
  if (!n) return;
  buf_printf(b, " %s=", label);
  dump_node(n, b);
}

static void dump_params(const Param *ps, int n, Buf *b) {
  buf_puts(b, " (");
  for (int i = 0; i < n; i++) {
    buf_printf(b, "%s%s", i ? " " : "", ps[i].name);
    if (ps[i].type) buf_printf(b, ":%s", ps[i].type);
    dump_opt("options", ps[i].options, b);
    dump_opt("default", ps[i].def, b);
  }
  buf_putc(b, ')');
}

static void dump_names(const NameRef *r, int n, Buf *b) {
  for (int i = 0; i < n; i++) buf_printf(b, " %s", r[i].name);
}

static void dump_node(const Node *n, Buf *b) {
  if (!n) {
    buf_puts(b, "<nil>");
    return;
  }
  buf_printf(b, "(%s", node_kind_name(n->kind));
  switch (n->kind) {
  case N_NULL: break;
  case N_BOOL: buf_puts(b, n->as.b ? " true" : " false"); break;
  case N_INT: buf_printf(b, " %lld", (long long)n->as.i); break;
  case N_FLOAT: buf_printf(b, " %g", n->as.f); break;
  case N_DURATION: buf_printf(b, " %lldms", (long long)n->as.ms); break;
  case N_STRING:
    for (int i = 0; i < n->as.str.n; i++) {
      const StrPart *p = &n->as.str.parts[i];
      if (p->expr) {
        buf_puts(b, " ${");
        dump_node(p->expr, b);
        buf_putc(b, '}');
      } else {
        buf_puts(b, " \"");
        for (uint32_t k = 0; k < p->len; k++) {
          char c = p->text[k];
          if (c == '\n') buf_puts(b, "\\n");
          else if (c == '"' || c == '\\') buf_putc(b, '\\'), buf_putc(b, c);
          else buf_putc(b, c);
        }
        buf_putc(b, '"');
      }
    }
    break;
  case N_REGEX: buf_printf(b, " /%s/", n->as.regex.pattern); break;
  case N_LIST: case N_BLOCK: dump_list(&n->as.list, b); break;
  case N_MAP:
    for (int i = 0; i < n->as.map.n; i++) {
      buf_putc(b, ' ');
      dump_node(n->as.map.keys[i], b);
      buf_putc(b, ':');
      dump_node(n->as.map.values[i], b);
    }
    break;
  case N_IDENT: buf_printf(b, " %s", n->as.ident.name); break;
  case N_MEMBER:
    buf_putc(b, ' ');
    dump_node(n->as.member.object, b);
    buf_printf(b, " .%s", n->as.member.name);
    break;
  case N_INDEX:
    buf_putc(b, ' ');
    dump_node(n->as.index.object, b);
    buf_putc(b, ' ');
    dump_node(n->as.index.index, b);
    break;
  case N_CALL:
    buf_putc(b, ' ');
    dump_node(n->as.call.callee, b);
    for (int i = 0; i < n->as.call.nargs; i++) {
      buf_putc(b, ' ');
      if (n->as.call.args[i].name) buf_printf(b, "%s:", n->as.call.args[i].name);
      dump_node(n->as.call.args[i].value, b);
    }
    break;
  case N_UNARY: case N_BINARY:
    buf_printf(b, " %s ", op_text(n->as.op.op));
    dump_node(n->as.op.a, b);
    if (n->kind == N_BINARY) buf_putc(b, ' '), dump_node(n->as.op.b, b);
    break;
  case N_TERNARY: case N_IF:
    buf_putc(b, ' ');
    dump_node(n->as.ternary.cond, b);
    buf_putc(b, ' ');
    dump_node(n->as.ternary.then, b);
    dump_opt("else", n->as.ternary.els, b);
    break;
  case N_LAMBDA: case N_FN:
    if (n->as.fn.name) buf_printf(b, " %s", n->as.fn.name);
    dump_params(n->as.fn.params, n->as.fn.nparams, b);
    buf_putc(b, ' ');
    dump_node(n->as.fn.body, b);
    break;
  case N_SH: buf_putc(b, ' '); dump_node(n->as.sh.cmd, b); break;
  case N_LET: case N_OUTPUT: case N_SETTING: case N_FOR:
    buf_printf(b, " %s ", n->as.bind.name);
    dump_node(n->as.bind.value, b);
    dump_opt("body", n->as.bind.body, b);
    break;
  case N_ASSIGN:
    buf_putc(b, ' ');
    dump_node(n->as.assign.target, b);
    buf_putc(b, ' ');
    dump_node(n->as.assign.value, b);
    break;
  case N_EXPR_STMT: case N_FAIL: case N_RETURN:
    if (n->as.stmt.value) buf_putc(b, ' '), dump_node(n->as.stmt.value, b);
    break;
  case N_ATTR:
    buf_printf(b, " %s%s", attr_name(n->as.attr.kind), n->as.attr.optional ? "?" : "");
    dump_names(n->as.attr.names, n->as.attr.nnames, b);
    if (n->as.attr.ref.name) buf_printf(b, " %s", n->as.attr.ref.name);
    dump_opt("value", n->as.attr.value, b);
    if (n->as.attr.sequential) buf_puts(b, " sequential");
    if (n->as.attr.settings.n) dump_list(&n->as.attr.settings, b);
    break;
  case N_PIPELINE:
  case N_STATE:
  case N_ARTIFACTS: buf_printf(b, " \"%s\"", n->as.decl.text); break;
  case N_IMPORT: buf_printf(b, " \"%s\" as %s", n->as.decl.text, n->as.decl.alias); break;
  case N_ENVIRONMENT:
    buf_printf(b, " %s", n->as.env->name);
    dump_list(&n->as.env->items, b);
    break;
  case N_AFTER: buf_printf(b, " %s", n->as.after.name); break;
  case N_APPROVAL: dump_list(&n->as.settings, b); break;
  case N_TRIGGER: {
    const Trigger *t = n->as.trigger;
    buf_printf(b, " %s", event_kind_name(t->event));
    if (t->has_inputs) dump_params(t->inputs, t->ninputs, b);
    dump_opt("filter", t->filter, b);
    dump_list(&t->settings, b);
    if (t->is_defaults) break;
    buf_puts(b, " ->");
    dump_names(t->targets, t->ntargets, b);
    break;
  }
  case N_STAGE: {
    const Stage *s = n->as.stage;
    buf_printf(b, " %s", s->name);
    dump_list(&s->attrs, b);
    buf_putc(b, ' ');
    dump_node(s->body, b);
    dump_opt("post", s->post, b);
    break;
  }
  case N_POST:
    dump_opt("success", n->as.post.success, b);
    dump_opt("failure", n->as.post.failure, b);
    dump_opt("always", n->as.post.always, b);
    break;
  case N_CONCURRENCY:
    buf_putc(b, ' ');
    dump_node(n->as.conc.group, b);
    dump_list(&n->as.conc.settings, b);
    break;
  case N__COUNT: break;
  }
  buf_putc(b, ')');
}

void ast_dump(const Program *p, Buf *out) {
  for (int i = 0; i < p->decls.n; i++) {
    dump_node(p->decls.items[i], out);
    buf_putc(out, '\n');
  }
}
