/* ast.c — sources, node allocation and small shared queries. */
#include "ast.h"

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
      [N_PIPELINE] = "pipeline", [N_IMPORT] = "import", [N_FN] = "fn",
      [N_ENVIRONMENT] = "environment", [N_AFTER] = "after", [N_APPROVAL] = "approval",
      [N_TRIGGER] = "on", [N_STAGE] = "stage", [N_POST] = "post"};
  return k < N__COUNT && names[k] ? names[k] : "?";
}

const char *op_text(Op op) {
  static const char *t[] = {"", "!", "-", "||", "&&", "??", "==", "!=", "=~", "!~",
                            "<", "<=", ">", ">=", "+", "-", "*", "/", "%"};
  return t[op];
}

const char *attr_name(AttrKind k) {
  static const char *t[ATTR__COUNT] = {"needs", "when", "environment", "version",
                                       "timeout", "retry", "matrix"};
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

bool string_is_plain(const Node *n, const char **out, uint32_t *len) {
  if (n->kind != N_STRING) return false;
  for (int i = 0; i < n->as.str.n; i++)
    if (n->as.str.parts[i].expr) return false;
  if (out) *out = n->as.str.n ? n->as.str.parts[0].text : "";
  if (len) *len = n->as.str.n ? n->as.str.parts[0].len : 0;
  return n->as.str.n <= 1;
}
