/* yaml.c — yaml.read/get/set/delete over libyaml.
 *
 * One parse serves both reading and editing: libyaml's event API gives the
 * start and end mark of every node, and we keep them in a small tree of
 * Nodes (arena-allocated). Reading converts that tree to Values; editing
 * finds the target Node and replaces exactly its byte range (one splice),
 * so every other byte of the file stays as it was. */
#include "prim/yaml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

enum { MAX_DEPTH = 512 };

/* ---- the node tree ---------------------------------------------------- */

typedef enum NodeKind { N_SCALAR, N_SEQ, N_MAP, N_ALIAS } NodeKind;

typedef struct Node Node;
struct Node {
  NodeKind kind;
  bool flow;                 /* a flow collection, or inside one */
  yaml_scalar_style_t style; /* scalars */
  size_t start, end;         /* byte range; collections: from the first item */
  size_t props;              /* where its anchor and tag start (at or before start) */
  size_t line, col;          /* of start, 0-based (col in characters) */
  const char *val;           /* scalar text, or the alias's anchor name */
  size_t len;
  const char *anchor, *tag;
  Node *first, *next;        /* children; a map holds key, value, key, ... */
  size_t n;
  Node *target;              /* alias: the anchored node */
  uint64_t size;             /* nodes after expanding aliases */
  Value cached;              /* anchored nodes: converted once, shared */
  bool has_cached;
};

typedef struct Doc {
  const char *text, *name;
  size_t len;
  Arena arena;
  size_t *cmap; /* character index -> byte offset; NULL for ASCII text */
  size_t ncmap;
  Node **roots;
  size_t nroots, caproots;
  Node **anchored;
  size_t nanch, capanch;
  size_t anch_base; /* anchors before this belong to earlier documents */
} Doc;

static char *errorf(const char *name, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static char *errorf(const char *name, size_t line, size_t col, const char *fmt, ...) {
  Buf b = {0};
  buf_printf(&b, "%s:%zu:%zu: ", name, line + 1, col + 1);
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  return buf_take(&b);
}

/* libyaml counts marks in characters; splicing needs bytes. */
static void build_cmap(Doc *d) {
  size_t i, n = 0;
  for (i = 0; i < d->len && !((unsigned char)d->text[i] & 0x80); i++) {}
  if (i == d->len) return;
  d->cmap = xmalloc((d->len + 1) * sizeof *d->cmap);
  for (i = 0; i < d->len; i++)
    if (((unsigned char)d->text[i] & 0xC0) != 0x80) d->cmap[n++] = i;
  d->cmap[n] = d->len;
  d->ncmap = n;
}

static size_t byte_at(const Doc *d, yaml_mark_t m) {
  if (!d->cmap) return m.index < d->len ? m.index : d->len;
  return d->cmap[m.index < d->ncmap ? m.index : d->ncmap];
}

/* Valid YAML 1.2 that libyaml refuses, by the message it gives: said as
 * such (doc/primitives-yaml.md, libyaml's limits). */
static const struct {
  const char *problem, *context, *why; /* context: libyaml's, or NULL for any */
} libyaml_limits[] = {
    {"found unknown directive name", NULL, "libyaml refuses directives other than %YAML and %TAG, which YAML 1.2 ignores"},
    {"found incompatible YAML document", NULL, "libyaml reads %YAML 1.1 and 1.2 documents only"},
    {"did not find expected alphabetic or numeric character", "while scanning an anchor",
     "libyaml allows only letters, digits, '-' and '_' in anchor names"},
    {"did not find expected alphabetic or numeric character", "while scanning an alias",
     "libyaml allows only letters, digits, '-' and '_' in alias names"},
};

static const char *libyaml_limit(const yaml_parser_t *yp) {
  for (size_t i = 0; yp->problem && i < sizeof libyaml_limits / sizeof *libyaml_limits; i++)
    if (!strcmp(yp->problem, libyaml_limits[i].problem) &&
        (!libyaml_limits[i].context || (yp->context && !strcmp(yp->context, libyaml_limits[i].context))))
      return libyaml_limits[i].why;
  return NULL;
}

/* Where libyaml's message would be cryptic, say what is wrong. */
static char *parser_error(const Doc *d, const yaml_parser_t *yp) {
  yaml_mark_t m = yp->problem_mark;
  if (yp->error == YAML_READER_ERROR)
    return errorf(d->name, 0, 0, "%s at byte %zu", yp->problem ? yp->problem : "unreadable input",
                  (size_t)yp->problem_offset);
  /* A tab in indentation: find it on the problem line or the one before. */
  size_t pos = byte_at(d, m);
  size_t ls = pos;
  while (ls > 0 && d->text[ls - 1] != '\n') ls--;
  for (int back = 0; back < 2; back++) {
    for (size_t i = ls; i < d->len && (d->text[i] == ' ' || d->text[i] == '\t'); i++)
      if (d->text[i] == '\t')
        return errorf(d->name, m.line - (size_t)back, i - ls,
                      "tab character in indentation (YAML indents with spaces only)");
    if (ls == 0 || m.line == 0) break;
    ls--;
    while (ls > 0 && d->text[ls - 1] != '\n') ls--;
  }
  if (libyaml_limit(yp))
    return errorf(d->name, m.line, m.column, "%s (%s)", yp->problem, libyaml_limit(yp));
  if (yp->context)
    return errorf(d->name, m.line, m.column, "%s %s (line %zu)", yp->problem, yp->context,
                  (size_t)yp->context_mark.line + 1);
  return errorf(d->name, m.line, m.column, "%s", yp->problem ? yp->problem : "invalid YAML");
}

static Node *new_node(Doc *d, NodeKind kind, const yaml_event_t *ev, bool flow) {
  Node *n = arena_alloc(&d->arena, sizeof *n);
  n->kind = kind;
  n->flow = flow;
  n->start = n->props = byte_at(d, ev->start_mark);
  n->end = byte_at(d, ev->end_mark);
  n->line = ev->start_mark.line;
  n->col = ev->start_mark.column;
  n->size = 1;
  return n;
}

static const char *adup(Doc *d, const unsigned char *s) {
  return s ? arena_strdup(&d->arena, (const char *)s) : NULL;
}

static void add_child(Node *parent, Node **tail, Node *child) {
  if (*tail) (*tail)->next = child;
  else parent->first = child;
  *tail = child;
  parent->n++;
  parent->size += child->size;
}

static Node *find_anchor(Doc *d, const char *name) {
  for (size_t i = d->nanch; i-- > d->anch_base;)
    if (strcmp(d->anchored[i]->anchor, name) == 0) return d->anchored[i];
  return NULL;
}

static Node *build(Doc *d, yaml_parser_t *yp, yaml_event_t *ev, bool flow, int depth, char **err);

/* Where the text before `p` ends, blanks, line breaks and comments left
 * out: the `-` of `- # why` before an item on the next line, not the
 * comment's last character. */
static size_t before_blanks(const Doc *d, size_t p) {
  for (;;) {
    while (p > 0 && strchr(" \t\r\n", d->text[p - 1])) p--;
    size_t c = p;
    while (c > 0 && d->text[c - 1] != '\n') c--;
    while (c < p && !(d->text[c] == '#' && (c == 0 || strchr(" \t\n", d->text[c - 1])))) c++;
    if (c == p) return p;
    p = c; /* a comment: what comes before it */
  }
}

static Node *build_collection(Doc *d, yaml_parser_t *yp, yaml_event_t *ev, bool flow, int depth,
                              char **err) {
  bool is_map = ev->type == YAML_MAPPING_START_EVENT;
  yaml_event_type_t end_type = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
  bool own_flow = is_map ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                         : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
  Node *n = new_node(d, is_map ? N_MAP : N_SEQ, ev, flow || own_flow);
  n->anchor = adup(d, is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
  n->tag = adup(d, is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
  Node *tail = NULL;
  for (;;) {
    yaml_event_t cev;
    if (!yaml_parser_parse(yp, &cev)) {
      *err = parser_error(d, yp);
      return NULL;
    }
    if (cev.type == end_type) {
      n->end = byte_at(d, cev.end_mark);
      yaml_event_delete(&cev);
      break;
    }
    Node *c = build(d, yp, &cev, n->flow, depth + 1, err);
    yaml_event_delete(&cev);
    if (!c) return NULL;
    add_child(n, &tail, c);
    if (n->size > YAML_MAX_NODES) {
      *err = errorf(d->name, c->line, c->col,
                    "aliases expand the document beyond %d nodes (refusing a \"billion laughs\" "
                    "document)",
                    YAML_MAX_NODES);
      return NULL;
    }
  }
  /* A block collection's own mark may sit on an earlier line (at its
   * anchor or tag); edits want where its first item starts. */
  if (!n->flow && n->first) {
    n->start = n->first->start;
    n->line = n->first->line;
    n->col = n->first->col;
    { /* a sequence starts at its first dash, a mapping at the `?` of an explicit first key */
      size_t p = before_blanks(d, n->start);
      if (p > 0 && d->text[p - 1] == (is_map ? '?' : '-')) {
        n->start = p - 1;
        size_t ls = n->start, col = 0;
        while (ls > 0 && d->text[ls - 1] != '\n') ls--;
        for (size_t i = ls; i < n->start; i++) col += ((unsigned char)d->text[i] & 0xC0) != 0x80;
        for (size_t i = n->start; i < n->first->start; i++) n->line -= d->text[i] == '\n';
        n->col = col;
      }
    }
  }
  return n;
}

static Node *build(Doc *d, yaml_parser_t *yp, yaml_event_t *ev, bool flow, int depth, char **err) {
  if (depth > MAX_DEPTH) {
    *err = errorf(d->name, ev->start_mark.line, ev->start_mark.column,
                  "nesting deeper than %d levels", MAX_DEPTH);
    return NULL;
  }
  Node *n;
  switch (ev->type) {
  case YAML_SCALAR_EVENT:
    n = new_node(d, N_SCALAR, ev, flow);
    n->style = ev->data.scalar.style;
    n->len = ev->data.scalar.length;
    n->val = arena_strndup(&d->arena, (const char *)ev->data.scalar.value, n->len);
    n->anchor = adup(d, ev->data.scalar.anchor);
    n->tag = adup(d, ev->data.scalar.tag);
    break;
  case YAML_ALIAS_EVENT:
    n = new_node(d, N_ALIAS, ev, flow);
    n->val = adup(d, ev->data.alias.anchor);
    n->target = find_anchor(d, n->val);
    if (!n->target) {
      *err = errorf(d->name, n->line, n->col, "alias *%s refers to no anchor before it", n->val);
      return NULL;
    }
    n->size = n->target->size;
    break;
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT:
    n = build_collection(d, yp, ev, flow, depth, err);
    if (!n) return NULL;
    break;
  default:
    *err = errorf(d->name, ev->start_mark.line, ev->start_mark.column, "unexpected YAML event");
    return NULL;
  }
  if (n->anchor) VEC_PUSH(d->anchored, d->nanch, d->capanch, n);
  return n;
}

static void doc_free(Doc *d) {
  for (size_t i = 0; i < d->nanch; i++)
    if (d->anchored[i]->has_cached) value_release(d->anchored[i]->cached);
  free(d->anchored);
  free(d->roots);
  free(d->cmap);
  arena_free(&d->arena);
}

/* `---` with nothing after it (a trailing separator, say) holds no document. */
static bool empty_document(const Node *root) {
  return root->kind == N_SCALAR && root->len == 0 && root->style == YAML_PLAIN_SCALAR_STYLE &&
         !root->tag && !root->anchor;
}

static bool doc_parse(Doc *d, const char *text, size_t len, const char *name, char **err) {
  memset(d, 0, sizeof *d);
  d->text = text;
  d->len = len;
  d->name = name;
  build_cmap(d);
  yaml_parser_t yp;
  yaml_parser_initialize(&yp);
  yaml_parser_set_encoding(&yp, YAML_UTF8_ENCODING);
  yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
  bool ok = true;
  for (bool done = false; ok && !done;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&yp, &ev)) {
      *err = parser_error(d, &yp);
      ok = false;
      break;
    }
    switch (ev.type) {
    case YAML_STREAM_END_EVENT: done = true; break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
    case YAML_SCALAR_EVENT:
    case YAML_ALIAS_EVENT: {
      Node *root = build(d, &yp, &ev, false, 0, err);
      if (!root) ok = false;
      else if (!empty_document(root)) VEC_PUSH(d->roots, d->nroots, d->caproots, root);
      break;
    }
    case YAML_DOCUMENT_START_EVENT: d->anch_base = d->nanch; break; /* anchors are per document */
    default: break;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&yp);
  if (!ok) doc_free(d);
  return ok;
}

static Node *nth_child(const Node *n, size_t i) {
  Node *c = n->first;
  while (c && i--) c = c->next;
  return c;
}

/* ---- scalars: YAML 1.2 core schema ------------------------------------ */

static bool all_in(const char *s, size_t n, const char *set) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++)
    if (!strchr(set, s[i])) return false;
  return true;
}

static bool is_null_text(const char *s, size_t n) {
  return n == 0 || (n == 1 && s[0] == '~') || !strcmp(s, "null") || !strcmp(s, "Null") ||
         !strcmp(s, "NULL");
}

static int bool_text(const char *s) { /* 1 true, 0 false, -1 neither */
  if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) return 1;
  if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) return 0;
  return -1;
}

static bool int_text(const char *s, size_t n, Value *out) {
  int base = 10;
  const char *digits = s;
  size_t nd = n;
  if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
    base = s[1] == 'o' ? 8 : 16;
    digits += 2;
    nd -= 2;
    if (!all_in(digits, nd, base == 8 ? "01234567" : "0123456789abcdefABCDEF")) return false;
  } else {
    size_t sign = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (!all_in(s + sign, n - sign, "0123456789")) return false;
  }
  errno = 0;
  long long v = strtoll(digits, NULL, base);
  if (errno == ERANGE) *out = v_float(strtod(s, NULL)); /* beyond int64: keep the magnitude */
  else *out = v_int(v);
  return true;
}

static bool float_text(const char *s, size_t n, Value *out) {
  size_t i = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  const char *r = s + i;
  if (!strcmp(r, ".inf") || !strcmp(r, ".Inf") || !strcmp(r, ".INF")) {
    *out = v_float(s[0] == '-' ? -INFINITY : INFINITY);
    return true;
  }
  if (i == 0 && (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))) {
    *out = v_float(NAN);
    return true;
  }
  size_t before = 0, after = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') i++, before++;
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, after++;
  }
  if (before + after == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    size_t exp = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, exp++;
    if (exp == 0) return false;
  }
  if (i != n) return false;
  *out = v_float(strtod(s, NULL));
  return true;
}

/* What a plain scalar means; false when it is a string. */
static bool resolve_plain(const char *s, size_t n, Value *out) {
  int b;
  if (is_null_text(s, n)) *out = v_null();
  else if ((b = bool_text(s)) >= 0) *out = v_bool(b);
  else if (!int_text(s, n, out) && !float_text(s, n, out)) return false;
  return true;
}

static const char *core_tag(const char *tag) {
  static const char prefix[] = "tag:yaml.org,2002:";
  if (tag && !strncmp(tag, prefix, sizeof prefix - 1)) return tag + sizeof prefix - 1;
  return NULL;
}

static bool scalar_value(const Doc *d, const Node *n, Value *out, char **err) {
  const char *ct = core_tag(n->tag);
  if (ct && strcmp(ct, "str") && strcmp(ct, "binary") && strcmp(ct, "timestamp")) {
    Value v;
    bool ok = resolve_plain(n->val, n->len, &v);
    bool match = ok && ((!strcmp(ct, "null") && v.kind == V_NULL) ||
                        (!strcmp(ct, "bool") && v.kind == V_BOOL) ||
                        (!strcmp(ct, "int") && v.kind == V_INT) ||
                        (!strcmp(ct, "float") && (v.kind == V_FLOAT || v.kind == V_INT)));
    if (!match) {
      if (ok) value_release(v);
      *err = errorf(d->name, n->line, n->col, "'%s' is not a valid !!%s", n->val, ct);
      return false;
    }
    *out = (!strcmp(ct, "float") && v.kind == V_INT) ? v_float((double)v.as.i) : v;
    return true;
  }
  bool plain = n->style == YAML_PLAIN_SCALAR_STYLE && !n->tag;
  if (!(plain && resolve_plain(n->val, n->len, out))) *out = v_str(n->val, n->len);
  return true;
}

/* ---- nodes to values --------------------------------------------------- */

static bool to_value(const Doc *d, Node *n, Value *out, char **err);

static const Node *deref(const Node *n) { return n->kind == N_ALIAS ? n->target : n; }

static bool is_merge_key(const Node *k) {
  return k->kind == N_SCALAR && k->style == YAML_PLAIN_SCALAR_STYLE && !k->tag && k->len == 2 &&
         !strcmp(k->val, "<<");
}

/* `<<: *base` (or a list of them): keys not already present are added. */
static bool merge_into(const Doc *d, Value map, Node *v, char **err) {
  Node *src = (Node *)deref(v);
  if (src->kind == N_SEQ) {
    for (Node *c = src->first; c; c = c->next)
      if (!merge_into(d, map, c, err)) return false;
    return true;
  }
  if (src->kind != N_MAP) {
    *err = errorf(d->name, v->line, v->col, "a merge key '<<' needs a mapping or a list of them");
    return false;
  }
  Value m;
  if (!to_value(d, (Node *)v, &m, err)) return false;
  Map *mm = as_map(m);
  for (size_t i = 0; i < mm->n; i++)
    if (!map_has_n(map, mm->keys[i]->data, mm->keys[i]->len))
      map_set_str(map, mm->keys[i], value_retain(mm->vals[i]));
  value_release(m);
  return true;
}

static bool map_value(const Doc *d, Node *n, Value *out, char **err) {
  Value map = v_map();
  Value seen = v_map(); /* keys written explicitly, for duplicate detection */
  bool ok = true;
  for (Node *k = n->first; ok && k; k = k->next->next) {
    Node *v = k->next;
    if (is_merge_key(k)) {
      ok = merge_into(d, map, v, err);
      continue;
    }
    const Node *kk = deref(k);
    if (kk->kind != N_SCALAR) {
      *err = errorf(d->name, k->line, k->col, "only scalar mapping keys are supported");
      ok = false;
    } else if (map_has_n(seen, kk->val, kk->len)) {
      *err = errorf(d->name, k->line, k->col, "duplicate key '%s'", kk->val);
      ok = false;
    } else {
      Value val;
      ok = to_value(d, v, &val, err);
      if (ok) { /* by length: a key "\0" holds a NUL byte */
        Value key = v_str(kk->val, kk->len);
        map_set_str(seen, as_str(key), v_null());
        map_set_str(map, as_str(key), val);
        value_release(key);
      }
    }
  }
  value_release(seen);
  if (!ok) value_release(map);
  else *out = map;
  return ok;
}

static bool to_value(const Doc *d, Node *n, Value *out, char **err) {
  if (n->kind == N_ALIAS) n = n->target;
  if (n->has_cached) {
    *out = value_retain(n->cached);
    return true;
  }
  bool ok = true;
  switch (n->kind) {
  case N_SCALAR: ok = scalar_value(d, n, out, err); break;
  case N_MAP: ok = map_value(d, n, out, err); break;
  case N_SEQ:
    *out = v_list();
    for (Node *c = n->first; ok && c; c = c->next) {
      Value item;
      ok = to_value(d, c, &item, err);
      if (ok) list_push(*out, item);
    }
    if (!ok) value_release(*out);
    break;
  case N_ALIAS: break;
  }
  if (ok && n->anchor) {
    n->cached = value_retain(*out);
    n->has_cached = true;
  }
  return ok;
}

static char *several_docs_error(const Doc *d) {
  return errorf(d->name, d->roots[1]->line, 0,
                "the file holds %zu YAML documents; expected one (this is where the second "
                "starts)",
                d->nroots);
}

bool yaml_load(const char *text, size_t len, const char *name, Value *out, char **err) {
  Doc d;
  if (!doc_parse(&d, text, len, name, err)) return false;
  bool ok = true;
  if (d.nroots > 1) {
    *err = several_docs_error(&d);
    ok = false;
  } else if (d.nroots == 0) {
    *out = v_null();
  } else {
    ok = to_value(&d, d.roots[0], out, err);
  }
  doc_free(&d);
  return ok;
}

bool yaml_load_all(const char *text, size_t len, const char *name, Value *out, char **err) {
  Doc d;
  if (!doc_parse(&d, text, len, name, err)) return false;
  Value list = v_list();
  bool ok = true;
  for (size_t i = 0; ok && i < d.nroots; i++) {
    Value v;
    ok = to_value(&d, d.roots[i], &v, err);
    if (ok) list_push(list, v);
  }
  doc_free(&d);
  if (!ok) value_release(list);
  else *out = list;
  return ok;
}

/* ---- paths ------------------------------------------------------------- */

typedef struct Seg {
  bool is_index;
  long long index;
  char *key;
} Seg;

typedef struct Path {
  Seg *s;
  size_t n, cap;
  const char *text;
} Path;

static void path_free(Path *p) {
  for (size_t i = 0; i < p->n; i++) free(p->s[i].key);
  free(p->s);
}

static char *path_error(const char *name, const char *path, size_t at, const char *what) {
  return xasprintf("%s: bad path '%s' at offset %zu: %s", name, path, at, what);
}

/* A quoted key: "..." with \" and \\ escapes, or '...' with '' for a quote. */
static bool parse_quoted(const char *s, size_t *i, char **key) {
  char q = s[(*i)++];
  Buf b = {0};
  buf_puts(&b, "");
  for (;;) {
    char c = s[*i];
    if (!c) {
      buf_free(&b);
      return false;
    }
    (*i)++;
    if (c == q) {
      if (q == '\'' && s[*i] == '\'') {
        buf_putc(&b, '\'');
        (*i)++;
        continue;
      }
      break;
    }
    if (q == '"' && c == '\\' && (s[*i] == '"' || s[*i] == '\\')) c = s[(*i)++];
    buf_putc(&b, c);
  }
  *key = buf_take(&b);
  return true;
}

static bool path_parse(const char *name, const char *text, Path *p, char **err) {
  memset(p, 0, sizeof *p);
  p->text = text;
  size_t i = 0;
  if (text[0] == '.') i = 1; /* `.image.tag`, as yq writes it */
  bool need_seg = false;
  while (text[i]) {
    Seg seg = {0};
    if (text[i] == '[') {
      i++;
      while (text[i] == ' ') i++;
      if (text[i] == '"' || text[i] == '\'') {
        if (!parse_quoted(text, &i, &seg.key)) goto unterminated;
      } else {
        char *end;
        errno = 0;
        seg.index = strtoll(text + i, &end, 10);
        if (end == text + i || errno) {
          *err = path_error(name, text, i, "expected an index or a quoted key inside [ ]");
          goto fail;
        }
        seg.is_index = true;
        i = (size_t)(end - text);
      }
      while (text[i] == ' ') i++;
      if (text[i] != ']') {
        free(seg.key);
        *err = path_error(name, text, i, "expected ']'");
        goto fail;
      }
      i++;
    } else if (text[i] == '"' || text[i] == '\'') {
      if (!parse_quoted(text, &i, &seg.key)) goto unterminated;
    } else {
      size_t s = i;
      while (text[i] && !strchr(".[]\"'", text[i])) i++;
      if (i == s) {
        *err = path_error(name, text, i, text[i] == '.' ? "empty key" : "unexpected character");
        goto fail;
      }
      seg.key = xstrndup(text + s, i - s);
    }
    VEC_PUSH(p->s, p->n, p->cap, seg);
    need_seg = false;
    if (text[i] == '.') {
      i++;
      need_seg = true;
    } else if (text[i] && text[i] != '[') {
      *err = path_error(name, text, i, "expected '.' or '['");
      goto fail;
    }
  }
  if (need_seg) {
    *err = path_error(name, text, i, "path ends with '.'");
    goto fail;
  }
  return true;
unterminated:
  *err = path_error(name, text, i, "unterminated quoted key");
fail:
  path_free(p);
  return false;
}

/* How a user reads the first `upto` steps of a path. */
static char *path_prefix(const Path *p, size_t upto) {
  Buf b = {0};
  buf_puts(&b, "");
  for (size_t i = 0; i < upto; i++) {
    const Seg *s = &p->s[i];
    if (s->is_index) buf_printf(&b, "[%lld]", s->index);
    else if (strpbrk(s->key, ".[]\"'") || !*s->key) buf_printf(&b, "[\"%s\"]", s->key);
    else buf_printf(&b, "%s%s", b.len ? "." : "", s->key);
  }
  return buf_take(&b);
}

static char *step_error(const char *name, const Path *p, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static char *step_error(const char *name, const Path *p, size_t i, const char *fmt, ...) {
  char *pre = path_prefix(p, i);
  Buf b = {0};
  buf_printf(&b, "%s: path '%s': ", name, p->text);
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  buf_printf(&b, " (at '%s')", *pre ? pre : ".");
  free(pre);
  return buf_take(&b);
}

/* An index counts from the end when negative. */
static bool norm_index(long long idx, size_t n, size_t *out) {
  if (idx < 0) idx += (long long)n;
  if (idx < 0 || (unsigned long long)idx >= n) return false;
  *out = (size_t)idx;
  return true;
}

/* ---- yaml_get ------------------------------------------------------------ */

static bool walk_value(const char *name, const Path *p, Value v, Value *out, char **err) {
  for (size_t i = 0; i < p->n; i++) {
    const Seg *s = &p->s[i];
    if (v.kind == V_NULL) break; /* through an absent key: null, as jq and yq say */
    if (s->is_index) {
      size_t k;
      if (v.kind != V_LIST) {
        *err = step_error(name, p, i, "cannot index a value of type %s with [%lld]",
                          value_type_name(v), s->index);
        return false;
      }
      if (!norm_index(s->index, list_len(v), &k)) {
        *err = step_error(name, p, i, "index [%lld] is out of range: the list has %zu items",
                          s->index, list_len(v));
        return false;
      }
      v = list_get(v, k);
    } else {
      if (v.kind != V_MAP) {
        *err = step_error(name, p, i, "cannot look up key '%s' in a value of type %s",
                          s->key, value_type_name(v));
        return false;
      }
      v = map_get(v, s->key);
    }
  }
  *out = value_retain(v);
  return true;
}

bool yaml_get(const char *text, size_t len, const char *name, const char *path, Value *out,
              char **err) {
  Path p;
  if (!path_parse(name, path, &p, err)) return false;
  Value doc;
  bool ok = yaml_load(text, len, name, &doc, err);
  if (ok) {
    ok = walk_value(name, &p, doc, out, err);
    value_release(doc);
  }
  path_free(&p);
  return ok;
}

/* ---- rendering values as YAML text ------------------------------------- */

/* The file's indentation habits, so that inserted lines look like it. */
typedef struct Style {
  int step;      /* a nested mapping's indent relative to its key */
  int seq_off;   /* a block sequence's dashes relative to its key: 0 or step */
  bool literals; /* multi-line text may be written as a literal block (`|`) */
} Style;

static void detect_style(const Node *n, Style *st, bool *got_step, bool *got_seq) {
  if (n->kind == N_MAP && !n->flow) {
    for (const Node *k = n->first; k; k = k->next->next) {
      const Node *v = k->next;
      if (v->flow || v->line <= k->line) continue;
      if (v->kind == N_MAP && !*got_step && v->col > k->col) {
        st->step = (int)(v->col - k->col);
        *got_step = true;
      } else if (v->kind == N_SEQ && !*got_seq && v->col >= k->col) {
        st->seq_off = (int)(v->col - k->col);
        *got_seq = true;
      }
    }
  }
  if (n->kind == N_MAP || n->kind == N_SEQ)
    for (const Node *c = n->first; c && !(*got_step && *got_seq); c = c->next)
      detect_style(c, st, got_step, got_seq);
}

static Style doc_style(const Doc *d) {
  Style st = {2, 2, true};
  bool got_step = false, got_seq = false;
  if (d->nroots) detect_style(d->roots[0], &st, &got_step, &got_seq);
  if (!got_seq) st.seq_off = st.step;
  return st;
}

static bool looks_like_11_scalar(const char *s, size_t n) {
  static const char *const words[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
                                      "on", "On", "ON", "off", "Off", "OFF", "<<", "="};
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (!strcmp(s, words[i])) return true;
  /* 1_000, 1:20 and 0b101 are numbers to YAML 1.1 readers */
  if (n > 0 && strchr("0123456789+-.", s[0]) && all_in(s, n, "0123456789+-._:boxabcdefABCDEF") &&
      strpbrk(s, "_:b"))
    return true;
  return false;
}

/* The length of the character at s[i] if YAML text cannot hold it as it
 * is, else 0: C0 controls (a line break where allowed), DEL, C1 controls
 * (U+0085 is a line break to libyaml, as are U+2028 and U+2029), U+FFFE
 * and U+FFFF. Double quotes write it as an escape. */
static size_t unprintable(const char *str, size_t n, size_t i, bool allow_newline) {
  const unsigned char *s = (const unsigned char *)str;
  unsigned char c = s[i];
  if (c < 0x20) return allow_newline && c == '\n' ? 0 : 1;
  if (c == 0x7f) return 1;
  if (c == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) return 2;
  if (i + 2 < n && ((c == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) ||
                    (c == 0xef && s[i + 1] == 0xbf && s[i + 2] >= 0xbe)))
    return 3;
  return 0;
}

static bool printable(const char *s, size_t n, bool allow_newline) {
  for (size_t i = 0; i < n; i++)
    if (unprintable(s, n, i, allow_newline)) return false;
  return true;
}

/* Can `s` be written without quotes and read back as the same string? */
static bool plain_ok(const char *s, size_t n, bool flow) {
  Value v;
  if (n == 0 || strlen(s) != n) return false;
  if (resolve_plain(s, n, &v)) {
    value_release(v);
    return false;
  }
  if (looks_like_11_scalar(s, n)) return false;
  bool indicator_ok = !flow && (s[0] == '?' || s[0] == ':') && n > 1 && s[1] != ' '; /* `:80` */
  if (strchr("?:,[]{}#&*!|>'\"%@`", s[0]) && !indicator_ok)
    return false;
  if (!strncmp(s, "\xef\xbb\xbf", 3)) return false; /* a BOM: a reader drops a first one */
  if (s[0] == '-' && (n == 1 || s[1] == ' ' || !strncmp(s, "---", 3))) return false;
  if (s[0] == ' ' || s[n - 1] == ' ' || s[n - 1] == ':') return false;
  if (strstr(s, ": ") || strstr(s, " #")) return false;
  if (!printable(s, n, false)) return false;
  return !flow || !strpbrk(s, ",[]{}");
}

static void put_double_quoted(const char *s, size_t n, Buf *out) {
  buf_putc(out, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '"': buf_puts(out, "\\\""); break;
    case '\\': buf_puts(out, "\\\\"); break;
    case '\n': buf_puts(out, "\\n"); break;
    case '\t': buf_puts(out, "\\t"); break;
    case '\r': buf_puts(out, "\\r"); break;
    case 0: buf_puts(out, "\\0"); break;
    default:
      switch (unprintable(s, n, i, false)) {
      case 0: buf_putc(out, (char)c); break;
      case 1: buf_printf(out, "\\x%02x", c); break;
      case 2: buf_printf(out, "\\u%04x", (c & 0x1f) << 6 | (s[i + 1] & 0x3f)), i += 1; break;
      default:
        buf_printf(out, "\\u%04x", (c & 0x0f) << 12 | (s[i + 1] & 0x3f) << 6 | (s[i + 2] & 0x3f));
        i += 2;
      }
    }
  }
  buf_putc(out, '"');
}

static void put_single_quoted(const char *s, size_t n, Buf *out) {
  buf_putc(out, '\'');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\'') buf_putc(out, '\'');
    buf_putc(out, s[i]);
  }
  buf_putc(out, '\'');
}

/* A literal block (`|`) reads well for multi-line text; it cannot hold
 * every string exactly, so check first. */
static bool literal_ok(const char *s, size_t n) {
  if (n == 0 || !memchr(s, '\n', n) || !printable(s, n, true) || strlen(s) != n) return false;
  if (s[0] == ' ' || s[0] == '\n') return false;
  if (n >= 2 && s[n - 1] == '\n' && s[n - 2] == '\n') return false; /* would need `|+` */
  for (size_t i = 0; i < n; i++)
    if (s[i] == ' ' && (i + 1 == n || s[i + 1] == '\n')) return false; /* trailing spaces */
  return true;
}

static void put_literal(const char *s, size_t n, int indent, Buf *out) {
  buf_puts(out, s[n - 1] == '\n' ? "|" : "|-");
  size_t i = 0;
  while (i < n) {
    const char *nl = memchr(s + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - s) : n;
    buf_putc(out, '\n');
    if (e > i) buf_printf(out, "%*s", indent, "");
    buf_putn(out, s + i, e - i);
    i = e + 1;
  }
}

typedef enum Quote { Q_PLAIN, Q_SINGLE, Q_DOUBLE } Quote;

static void put_string(const char *s, size_t n, Quote q, bool flow, int lit_indent, Buf *out) {
  if (lit_indent >= 0 && literal_ok(s, n)) put_literal(s, n, lit_indent, out);
  else if (q == Q_PLAIN && plain_ok(s, n, flow)) buf_putn(out, s, n);
  else if (q == Q_SINGLE && printable(s, n, false) && strlen(s) == n) put_single_quoted(s, n, out);
  else put_double_quoted(s, n, out);
}

/* `key:` at column `indent` (none in flow style). libyaml takes a key
 * of more than 1024 characters only as an explicit one: `? key`, then
 * its `:` (on the next line, in block style). */
static void put_key(const char *s, size_t n, bool flow, int indent, Buf *out) {
  Buf k = {0};
  put_string(s, n, Q_PLAIN, flow, -1, &k);
  bool implicit = k.len <= 1000;
  buf_printf(out, "%*s%s", indent, "", implicit ? "" : "? ");
  buf_putn(out, k.data, k.len);
  if (implicit) buf_putc(out, ':');
  else if (flow) buf_puts(out, " :");
  else buf_printf(out, "\n%*s:", indent, "");
  buf_free(&k);
}

static void put_float(double f, Buf *out) {
  if (isnan(f)) {
    buf_puts(out, ".nan");
    return;
  }
  if (isinf(f)) {
    buf_puts(out, f < 0 ? "-.inf" : ".inf");
    return;
  }
  char tmp[64];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, f);
    if (strtod(tmp, NULL) == f) break;
  }
  buf_puts(out, tmp);
  if (!strpbrk(tmp, ".e")) buf_puts(out, ".0"); /* stays a float when read back */
}

static bool is_block(Value v) {
  return (v.kind == V_MAP && map_len(v) > 0) || (v.kind == V_LIST && list_len(v) > 0);
}

/* A value on one line (flow style for collections); lit_indent >= 0 allows
 * a literal block for multi-line strings, at that indentation. */
static void render_inline(Value v, Quote q, bool flow, int lit_indent, Buf *out) {
  switch (v.kind) {
  case V_NULL: buf_puts(out, "null"); break;
  case V_BOOL: buf_puts(out, v.as.b ? "true" : "false"); break;
  case V_INT: buf_printf(out, "%lld", (long long)v.as.i); break;
  case V_FLOAT: put_float(v.as.f, out); break;
  case V_STRING: put_string(str_chars(v), as_str(v)->len, q, flow, lit_indent, out); break;
  case V_LIST:
    buf_putc(out, '[');
    for (size_t i = 0; i < list_len(v); i++) {
      if (i) buf_puts(out, ", ");
      render_inline(list_get(v, i), Q_PLAIN, true, -1, out);
    }
    buf_putc(out, ']');
    break;
  case V_MAP: {
    Map *m = as_map(v);
    buf_putc(out, '{');
    for (size_t i = 0; i < m->n; i++) {
      if (i) buf_puts(out, ", ");
      put_key(m->keys[i]->data, m->keys[i]->len, true, 0, out);
      buf_putc(out, ' ');
      render_inline(m->vals[i], Q_PLAIN, true, -1, out);
    }
    buf_putc(out, '}');
    break;
  }
  default: { /* durations, regexes, functions: as text */
    Buf t = {0};
    value_to_text(v, &t);
    put_string(t.data ? t.data : "", t.len, q, flow, lit_indent, out);
    buf_free(&t);
  }
  }
}

static void render_block(Value v, int indent, const Style *st, Buf *out);

/* After `key:` — a nested block or ` value`, then the newline. */
static void render_entry_value(Value v, int key_col, const Style *st, Buf *out) {
  if (is_block(v)) {
    buf_putc(out, '\n');
    render_block(v, key_col + (v.kind == V_MAP ? st->step : st->seq_off), st, out);
  } else {
    buf_putc(out, ' ');
    render_inline(v, Q_PLAIN, false, st->literals ? key_col + st->step : -1, out);
    buf_putc(out, '\n');
  }
}

/* A block collection inside `- `: its first line follows the dash. */
static void render_compact(Value v, int col, const Style *st, Buf *out) {
  Buf t = {0};
  render_block(v, col, st, &t);
  buf_puts(out, t.data + col);
  buf_free(&t);
}

/* Lines of a non-empty collection, each at `indent` and ending in '\n'. */
static void render_block(Value v, int indent, const Style *st, Buf *out) {
  if (v.kind == V_MAP) {
    Map *m = as_map(v);
    for (size_t i = 0; i < m->n; i++) {
      put_key(m->keys[i]->data, m->keys[i]->len, false, indent, out);
      render_entry_value(m->vals[i], indent, st, out);
    }
  } else {
    for (size_t i = 0; i < list_len(v); i++) {
      Value item = list_get(v, i);
      buf_printf(out, "%*s- ", indent, "");
      if (is_block(item)) {
        render_compact(item, indent + 2, st, out);
      } else {
        render_inline(item, Q_PLAIN, false, st->literals ? indent + 2 : -1, out);
        buf_putc(out, '\n');
      }
    }
  }
}

void yaml_encode(Value v, Buf *out) {
  Style st = {2, 2, true};
  if (is_block(v)) {
    render_block(v, 0, &st, out);
  } else {
    render_inline(v, Q_PLAIN, false, 2, out);
    buf_putc(out, '\n');
  }
}

/* ---- editing ------------------------------------------------------------- */

typedef enum Ctx { C_ROOT, C_MAPVAL, C_SEQITEM, C_FLOW } Ctx;

/* Where the target sits: enough to splice a replacement. */
typedef struct Place {
  Ctx ctx;
  Node *parent; /* the collection holding the node */
  Node *key;    /* C_MAPVAL: its key */
  Node *node;   /* the node itself; NULL when it is to be created */
} Place;

typedef struct Editor {
  Doc d;
  Style st;
  const Path *p;
  size_t start, end; /* the splice */
  Buf repl;
  char *err;
} Editor;

static size_t line_start(const Doc *d, size_t pos) {
  while (pos > 0 && d->text[pos - 1] != '\n') pos--;
  return pos;
}

/* Just past the newline ending pos's line (or the end of the text). */
static size_t next_line(const Doc *d, size_t pos) {
  while (pos < d->len && d->text[pos] != '\n') pos++;
  return pos < d->len ? pos + 1 : pos;
}

static bool only_spaces(const Doc *d, size_t from, size_t to) {
  for (size_t i = from; i < to; i++)
    if (d->text[i] != ' ') return false;
  return true;
}

/* The end of pos's line, before its line break. */
static size_t line_end(const Doc *d, size_t pos) {
  while (pos < d->len && d->text[pos] != '\n') pos++;
  if (pos < d->len && pos > 0 && d->text[pos - 1] == '\r') pos--;
  return pos;
}

/* Where a node's own text ends: block collections end with their last
 * item, block scalars before their trailing line breaks. */
static size_t tight_end(const Doc *d, const Node *n) {
  if ((n->kind == N_MAP || n->kind == N_SEQ) && !n->flow) {
    const Node *last = n->first;
    while (last && last->next) last = last->next;
    return last ? tight_end(d, last) : n->end;
  }
  size_t e = n->end;
  if (n->kind == N_SCALAR &&
      (n->style == YAML_LITERAL_SCALAR_STYLE || n->style == YAML_FOLDED_SCALAR_STYLE))
    while (e > n->start && strchr(" \t\r\n", d->text[e - 1])) e--;
  return e;
}

/* A scalar's text after its anchor and tag (which an edit keeps). */
static size_t content_start(const Doc *d, const Node *n) {
  size_t p = n->start;
  while (p < n->end && (d->text[p] == '&' || d->text[p] == '!') && (n->anchor || n->tag)) {
    if (d->text[p] == '&' && n->anchor) /* a name may end at a `?` or `:` (`&a:b`) */
      p += strlen(n->anchor) + 1 < n->end - p ? strlen(n->anchor) + 1 : n->end - p;
    else
      while (p < n->end && !strchr(" \t\r\n", d->text[p])) p++;
    while (p < n->end && strchr(" \t\r\n", d->text[p])) p++;
  }
  return p;
}

static bool is_block_coll(const Node *n) {
  return (n->kind == N_MAP || n->kind == N_SEQ) && !n->flow;
}

/* Whether a value written after `tag` reads back as v: `!!str 13` is a
 * string, and so is a scalar with any tag but the core schema's. */
static bool tag_keeps(const char *tag, Value v) {
  const char *ct = core_tag(tag);
  if (!ct || !strcmp(ct, "str") || !strcmp(ct, "binary") || !strcmp(ct, "timestamp"))
    return v.kind == V_STRING;
  return (!strcmp(ct, "int") && v.kind == V_INT) || (!strcmp(ct, "float") && v.kind == V_FLOAT) ||
         (!strcmp(ct, "bool") && v.kind == V_BOOL) || (!strcmp(ct, "null") && v.kind == V_NULL);
}

/* Where the text replacing node o by v starts: after o's anchor and tag,
 * which stay; but a tag that would make v read as another value goes
 * (`!!str` before a number), and the anchor is written again. */
static size_t value_start(Editor *e, const Node *o, Value v) {
  if (!o->tag || tag_keeps(o->tag, v))
    return is_block_coll(o) ? o->start : content_start(&e->d, o);
  if (o->anchor) buf_printf(&e->repl, "&%s ", o->anchor);
  return o->props;
}

/* The ':' after a block mapping key. */
static bool colon_after(Editor *e, const Node *key, size_t *pos) {
  size_t p = tight_end(&e->d, key);
  while (p < e->d.len && e->d.text[p] == ' ') p++;
  if (p >= e->d.len || e->d.text[p] != ':') {
    e->err = errorf(e->d.name, key->line, key->col,
                    "cannot edit this key: expected ':' right after it (complex key?)");
    return false;
  }
  *pos = p;
  return true;
}

/* The dash introducing an item of a block sequence. */
static bool dash_before(Editor *e, const Node *item, size_t *pos) {
  size_t p = item->start;
  while (p > 0 && strchr(" \t\r\n", e->d.text[p - 1])) p--;
  if (p == 0 || e->d.text[p - 1] != '-') {
    e->err = errorf(e->d.name, item->line, item->col, "cannot find the '-' of this item");
    return false;
  }
  *pos = p - 1;
  return true;
}

static size_t col_of(const Doc *d, size_t pos) {
  size_t c = 0;
  for (size_t i = line_start(d, pos); i < pos; i++)
    if (((unsigned char)d->text[i] & 0xC0) != 0x80) c++;
  return c;
}

static Quote quote_of(const Node *n) {
  if (n && n->kind == N_SCALAR && n->style == YAML_SINGLE_QUOTED_SCALAR_STYLE) return Q_SINGLE;
  if (n && n->kind == N_SCALAR && n->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) return Q_DOUBLE;
  return Q_PLAIN;
}

static bool is_block_scalar(const Node *n) {
  return n->kind == N_SCALAR &&
         (n->style == YAML_LITERAL_SCALAR_STYLE || n->style == YAML_FOLDED_SCALAR_STYLE);
}

/* The column a block value of kind `v` takes under this place. */
static int block_indent(Editor *e, const Place *pl, Value v) {
  if (pl->ctx == C_MAPVAL) {
    if (pl->node && is_block_coll(pl->node) && (pl->node->kind == N_MAP) == (v.kind == V_MAP))
      return (int)pl->node->col;
    return (int)pl->key->col + (v.kind == V_MAP ? e->st.step : e->st.seq_off);
  }
  if (pl->ctx == C_SEQITEM && pl->node->start == pl->node->end) { /* `-` alone: after `- ` */
    size_t p = pl->node->start;
    while (p > 0 && strchr(" \t\r\n", e->d.text[p - 1])) p--;
    if (p > 0) return (int)col_of(&e->d, p - 1) + 2;
  }
  return pl->node ? (int)pl->node->col : 0;
}

/* A literal block may be written where a scalar was, at this indent;
 * -1 when v is to stay on one line. */
static int literal_indent(Editor *e, const Place *pl, Value v) {
  const Doc *d = &e->d;
  const Node *o = pl->node;
  if (o->kind != N_SCALAR || v.kind != V_STRING || !e->st.literals) return -1;
  if (is_block_scalar(o)) { /* keep the block's own indentation */
    size_t p = next_line(d, o->start), q = p;
    while (q < d->len && d->text[q] == ' ') q++;
    if (q > p && q < o->end) return (int)(q - p);
  } else if (!memchr(str_chars(v), '\n', as_str(v)->len)) {
    return -1;
  }
  if (pl->ctx == C_MAPVAL) return (int)pl->key->col + e->st.step;
  return pl->ctx == C_ROOT && o->col == 0 ? e->st.step : (int)o->col;
}

/* Whether a ':' introduces the value n of key k: `{a}`, `{? a}` and a
 * block's `? a` alone have none, their value an empty scalar. (The ':'
 * of a tag, `{!t:}`, is the key's.) */
static bool colon_before(const Doc *d, const Node *k, const Node *n) {
  if (n->start != n->end) return true;
  size_t p = before_blanks(d, n->start);
  return p > k->end && d->text[p - 1] == ':';
}

/* A value written right after a `:`, a `-`, an anchor or a tag (`glued`:
 * where there was none, or after an anchor with none between, `&a?x`)
 * is put after a space: `&a5` would be the anchor a5. */
static void space_before_value(Editor *e, bool glued) {
  if (glued && e->start > 0 && !strchr(" \t\r\n[{,", e->d.text[e->start - 1]))
    buf_putc(&e->repl, ' ');
}

/* The rest of the old line (a comment) after new text: a `#` needs a
 * blank before it to stay a comment (`{}#` is one, `5#` a scalar). */
static void put_line_rest(Buf *r, const Doc *d, size_t from, size_t to) {
  if (from < to && !strchr(" \t", d->text[from])) buf_putc(r, ' ');
  buf_putn(r, d->text + from, to - from);
}

/* Replace node o by a scalar, or an empty or flow collection. */
static bool replace_with_inline(Editor *e, const Place *pl, Value v) {
  Doc *d = &e->d;
  Node *o = pl->node;
  Buf *r = &e->repl;
  int lit = literal_indent(e, pl, v);
  if (pl->ctx == C_MAPVAL && !colon_before(d, pl->key, o)) { /* `? a` alone: no place for a value */
    e->err = errorf(d->name, pl->key->line, pl->key->col,
                    "cannot edit this key: it has no ':' after it");
    return false;
  }
  if (is_block_coll(o) && pl->ctx == C_MAPVAL) {
    size_t colon;
    if (!colon_after(e, pl->key, &colon)) return false;
    e->start = colon + 1;
    if (o->anchor) buf_printf(r, " &%s", o->anchor); /* aliases keep their anchor */
    buf_putc(r, ' ');
  } else {
    e->start = value_start(e, o, v);
  }
  e->end = tight_end(d, o);
  space_before_value(e, e->start == e->end || e->start > o->start);
  size_t at = r->len;
  render_inline(v, quote_of(o), false, lit, r);
  size_t eol = line_end(d, e->end);
  if (is_block_coll(o)) {
    e->end = eol; /* the old last line's comment goes with it */
  } else if (r->data[at] == '|' && eol > e->end) {
    /* a comment after the old value moves onto the `|` line, not into the text */
    char *tail = xstrdup(strchr(r->data + at, '\n'));
    r->len = (size_t)(strchr(r->data + at, '\n') - r->data);
    put_line_rest(r, d, e->end, eol);
    buf_puts(r, tail);
    free(tail);
    e->end = eol;
  }
  return true;
}

/* Replace node o by a non-empty collection, in block style. */
static bool replace_with_block(Editor *e, const Place *pl, Value v) {
  Doc *d = &e->d;
  Node *o = pl->node;
  Buf *r = &e->repl;
  int ind = block_indent(e, pl, v);
  if (pl->ctx == C_MAPVAL && is_block_coll(o) &&
      only_spaces(d, line_start(d, o->start), o->start)) {
    e->start = line_start(d, o->start);
    e->end = line_end(d, tight_end(d, o)); /* with the old last line's comment */
    render_block(v, ind, &e->st, r);
  } else if (pl->ctx == C_MAPVAL) {
    /* `key: &a old  # note` becomes `key: &a  # note` and the block below */
    size_t colon;
    if (!colon_after(e, pl->key, &colon)) return false;
    size_t oend = tight_end(d, o);
    e->start = colon + 1;
    e->end = line_end(d, oend);
    if (o->anchor) buf_printf(r, " &%s", o->anchor);
    if (memchr(d->text + oend, '#', e->end - oend)) put_line_rest(r, d, oend, e->end);
    buf_putc(r, '\n');
    render_block(v, ind, &e->st, r);
  } else {
    /* a sequence item or the root: the block starts where the old value
     * did; a comment after it would end up inside the block, so it goes */
    e->start = o->start;
    e->end = line_end(d, tight_end(d, o));
    space_before_value(e, o->start == o->end);
    if (pl->ctx == C_ROOT && ind == 0) render_block(v, 0, &e->st, r);
    else render_compact(v, pl->ctx == C_ROOT ? (int)col_of(d, e->start) : ind, &e->st, r);
  }
  r->data[--r->len] = 0; /* the old last line keeps its own line break */
  return true;
}

/* Replace an existing node with v. */
static bool replace_node(Editor *e, const Place *pl, Value v) {
  Node *o = pl->node;
  bool empty_flow = o->flow && o->n == 0 && pl->ctx != C_FLOW;
  if (pl->ctx == C_FLOW || (o->flow && !(empty_flow && is_block(v)))) { /* flow stays flow */
    e->start = value_start(e, o, v);
    e->end = o->end;
    if (pl->key && !colon_before(&e->d, pl->key, o)) /* `{a}`: the value comes with the ':' it lacks */
      buf_puts(&e->repl, pl->key->len ? ": " : " : "); /* `{!t}`: `!t:` would be a tag */
    else
      space_before_value(e, e->start == e->end || e->start > o->start);
    render_inline(v, quote_of(o), true, -1, &e->repl);
    return true;
  }
  return is_block(v) ? replace_with_block(e, pl, v) : replace_with_inline(e, pl, v);
}

/* `rest` are the path steps below a missing key: the value to write there
 * is v wrapped in one mapping per step. */
static bool nest_value(Editor *e, size_t from, Value v, Value *out) {
  Value cur = value_retain(v);
  for (size_t i = e->p->n; i-- > from;) {
    if (e->p->s[i].is_index) {
      value_release(cur);
      e->err = step_error(e->d.name, e->p, i,
                          "cannot create a list item [%lld] under a missing key", e->p->s[i].index);
      return false;
    }
    Value m = v_map();
    map_set(m, e->p->s[i].key, cur);
    cur = m;
  }
  *out = cur;
  return true;
}

/* The column of m's keys: that of a key starting its own line, since the
 * first key may follow `- ` or `? `. */
static size_t map_indent(const Doc *d, const Node *m) {
  size_t col = m->col;
  for (const Node *k = m->first; k; k = k->next->next)
    if (only_spaces(d, line_start(d, k->start), k->start)) col = k->col;
  return col;
}

/* Add `key: v` to mapping m, after its last entry. */
static void insert_key(Editor *e, Node *m, const char *key, Value v) {
  Doc *d = &e->d;
  Buf *r = &e->repl;
  if (m->flow) {
    if (m->n) {
      Node *last = nth_child(m, m->n - 1);
      e->start = e->end = last->end;
      buf_puts(r, ", ");
    } else {
      size_t p = m->end;
      while (p > m->start && d->text[p - 1] != '}') p--;
      e->start = e->end = p > m->start ? p - 1 : m->end;
    }
    put_key(key, strlen(key), true, 0, r);
    buf_putc(r, ' ');
    render_inline(v, Q_PLAIN, true, -1, r);
    return;
  }
  size_t at = next_line(d, tight_end(d, m));
  e->start = e->end = at;
  if (at == d->len && (at == 0 || d->text[at - 1] != '\n')) buf_putc(r, '\n');
  int col = (int)map_indent(d, m);
  put_key(key, strlen(key), false, col, r);
  render_entry_value(v, col, &e->st, r);
}

/* Add v as a new last item of sequence s. */
static bool append_item(Editor *e, Node *s, Value v) {
  Doc *d = &e->d;
  Buf *r = &e->repl;
  Quote q = s->n ? quote_of(nth_child(s, s->n - 1)) : Q_PLAIN; /* quote like the items before */
  if (s->flow) {
    if (s->n) {
      e->start = e->end = nth_child(s, s->n - 1)->end;
      buf_puts(r, ", ");
    } else {
      size_t p = s->end;
      while (p > s->start && d->text[p - 1] != ']') p--;
      e->start = e->end = p > s->start ? p - 1 : s->end;
    }
    render_inline(v, q, true, -1, r);
    return true;
  }
  size_t dash = s->start;
  if (!only_spaces(d, line_start(d, dash), dash)) {
    e->err = errorf(d->name, s->line, s->col, "cannot append to a sequence that starts mid-line");
    return false;
  }
  size_t at = next_line(d, tight_end(d, s));
  e->start = e->end = at;
  if (at == d->len && (at == 0 || d->text[at - 1] != '\n')) buf_putc(r, '\n');
  int col = (int)s->col;
  buf_printf(r, "%*s- ", col, "");
  if (is_block(v)) {
    render_compact(v, col + 2, &e->st, r);
  } else {
    render_inline(v, q, false, e->st.literals ? col + 2 : -1, r);
    buf_putc(r, '\n');
  }
  return true;
}

static bool null_node(const Node *n) {
  return n->kind == N_SCALAR && n->style == YAML_PLAIN_SCALAR_STYLE && !n->tag &&
         is_null_text(n->val, n->len);
}

static Node *find_key(Node *m, const char *key) {
  for (Node *k = m->first; k; k = k->next->next) {
    const Node *kk = deref(k);
    if (kk->kind == N_SCALAR && !strcmp(kk->val, key)) return k;
  }
  return NULL;
}

static const char *kind_name(const Node *n) {
  switch (n->kind) {
  case N_MAP: return "mapping";
  case N_SEQ: return "list";
  case N_ALIAS: return "alias";
  default: return null_node(n) ? "null" : "scalar";
  }
}

typedef enum Walk { W_FOUND, W_MISSING_KEY, W_APPEND, W_ERROR } Walk;

/* Follow the path through the node tree. On W_MISSING_KEY, step *at is
 * missing: pl->parent is the mapping to add it to, or pl->node is a null
 * (or an empty `{}`) to replace with a mapping. */
static Walk walk_nodes(Editor *e, Place *pl, size_t *at, bool allow_append) {
  const Path *p = e->p;
  *pl = (Place){.ctx = C_ROOT, .node = e->d.roots[0]};
  for (size_t i = 0; i < p->n; i++) {
    Node *n = pl->node;
    const Seg *s = &p->s[i];
    *at = i;
    if (n->kind == N_ALIAS) {
      e->err = step_error(e->d.name, p, i,
                          "goes through the alias *%s (line %zu); edit the anchored node instead",
                          n->val, n->line + 1);
      return W_ERROR;
    }
    if (s->is_index) {
      if (n->kind != N_SEQ) {
        e->err =
            step_error(e->d.name, p, i, "cannot index a %s with [%lld]", kind_name(n), s->index);
        return W_ERROR;
      }
      size_t k;
      if (!norm_index(s->index, n->n, &k)) {
        if (allow_append && i + 1 == p->n && s->index == (long long)n->n) {
          pl->parent = n;
          return W_APPEND;
        }
        e->err = step_error(e->d.name, p, i, "index [%lld] is out of range: the list has %zu items",
                            s->index, n->n);
        return W_ERROR;
      }
      *pl = (Place){.ctx = n->flow ? C_FLOW : C_SEQITEM, .parent = n, .node = nth_child(n, k)};
      continue;
    }
    if (n->kind == N_MAP) {
      Node *k = find_key(n, s->key);
      if (!k && n->flow && n->n == 0 && pl->ctx != C_FLOW)
        return W_MISSING_KEY; /* `x: {}` in block style becomes a block mapping */
      if (!k) {
        pl->parent = n;
        pl->node = NULL;
        return W_MISSING_KEY;
      }
      *pl = (Place){.ctx = n->flow ? C_FLOW : C_MAPVAL, .parent = n, .key = k, .node = k->next};
      continue;
    }
    if (null_node(n)) return W_MISSING_KEY; /* pl->node is the null to replace */
    e->err = step_error(e->d.name, p, i, "cannot look up key '%s' in a %s", s->key, kind_name(n));
    return W_ERROR;
  }
  return W_FOUND;
}

/* What libyaml reads but the editor cannot edit safely: a '\r' without a
 * '\n' after it, a line break to YAML (old Mac files), where edits find
 * lines by '\n'; a directive (`%YAML`) after the document without the
 * `...` the standard wants before it, which a value written at the end
 * of a document would run on into. */
static char *unsupported_error(const Doc *d) {
  size_t line = 0, end = d->nroots ? d->roots[0]->end : d->len;
  bool ended = false; /* by `...` */
  for (size_t i = 0; i < d->len; i++) {
    if (d->text[i] == '\r' && (i + 1 == d->len || d->text[i + 1] != '\n'))
      return errorf(d->name, line, col_of(d, i),
                    "cannot edit a file with a carriage return not followed by a line feed");
    if (i >= end && (i == 0 || d->text[i - 1] == '\n')) {
      ended = ended || !strncmp(d->text + i, "...", 3);
      if (d->text[i] == '%' && !ended)
        return errorf(d->name, line, 0, "cannot edit a file with a directive after its document");
    }
    line += d->text[i] == '\n';
  }
  return NULL;
}

static bool editor_open(Editor *e, const char *text, size_t len, const char *name, const char *path,
                        Path *p, char **err) {
  memset(e, 0, sizeof *e);
  if (!path_parse(name, path, p, err)) return false;
  e->p = p;
  if (!doc_parse(&e->d, text, len, name, err)) {
    path_free(p);
    return false;
  }
  char *why = e->d.nroots > 1 ? several_docs_error(&e->d) : unsupported_error(&e->d);
  if (why) {
    *err = why;
    doc_free(&e->d);
    path_free(p);
    return false;
  }
  Value whole; /* refuse what yaml.read refuses: duplicate keys, bad tags, ... */
  if (e->d.nroots && !to_value(&e->d, e->d.roots[0], &whole, err)) {
    doc_free(&e->d);
    path_free(p);
    return false;
  }
  if (e->d.nroots) value_release(whole);
  e->st = doc_style(&e->d);
  return true;
}

static bool editor_close(Editor *e, Path *p, bool ok, char **out, size_t *outlen, char **err) {
  if (ok) {
    /* a block written at the end of a file without a final line break
     * ends with one: `|` keeps the last line break of the text only then */
    if (e->end == e->d.len && e->d.len && e->d.text[e->d.len - 1] != '\n' && e->repl.len &&
        memchr(e->repl.data, '\n', e->repl.len) && e->repl.data[e->repl.len - 1] != '\n')
      buf_putc(&e->repl, '\n');
    /* `{}#` reads as a comment after the mapping, `5#` as a scalar */
    if (e->end < e->d.len && e->d.text[e->end] == '#' && e->repl.len &&
        !strchr(" \t\n", e->repl.data[e->repl.len - 1]))
      buf_putc(&e->repl, ' ');
    Buf b = {0};
    buf_putn(&b, e->d.text, e->start);
    const char *nl = memchr(e->d.text, '\n', e->d.len);
    bool crlf = nl && nl > e->d.text && nl[-1] == '\r'; /* new lines end as the file's do */
    for (size_t i = 0; i < e->repl.len; i++) {
      if (crlf && e->repl.data[i] == '\n' && (i == 0 || e->repl.data[i - 1] != '\r'))
        buf_putc(&b, '\r');
      buf_putc(&b, e->repl.data[i]);
    }
    buf_putn(&b, e->d.text + e->end, e->d.len - e->end);
    /* Never hand back a file that no longer reads (say, an alias whose
     * anchor was deleted): check the result like any input. */
    Value v;
    char *why = NULL;
    if (yaml_load(b.data ? b.data : "", b.len, e->d.name, &v, &why)) {
      value_release(v);
      *outlen = b.len;
      *out = buf_take(&b);
    } else {
      *err = xasprintf("%s: path '%s': the edit would leave the file unreadable (%s)", e->d.name,
                       p->text, why);
      free(why);
      buf_free(&b);
      ok = false;
    }
  } else {
    *err = e->err ? e->err : xasprintf("%s: cannot edit", e->d.name);
  }
  buf_free(&e->repl);
  doc_free(&e->d);
  path_free(p);
  return ok;
}

static bool writable(const char *name, Value v, char **err) {
  if (v.kind == V_OBJECT || v.kind == V_REGEX) {
    *err = xasprintf("%s: cannot write a %s to YAML", name, value_type_name(v));
    return false;
  }
  if (v.kind == V_LIST)
    for (size_t i = 0; i < list_len(v); i++)
      if (!writable(name, list_get(v, i), err)) return false;
  if (v.kind == V_MAP)
    for (size_t i = 0; i < as_map(v)->n; i++)
      if (!writable(name, as_map(v)->vals[i], err)) return false;
  return true;
}

/* The splice of setting e's path to v in a document. */
static bool set_node(Editor *e, Value v) {
  Place pl;
  size_t at = 0;
  bool ok = true;
  switch (walk_nodes(e, &pl, &at, true)) {
  case W_FOUND: return replace_node(e, &pl, v);
  case W_APPEND: return append_item(e, pl.parent, v);
  case W_MISSING_KEY: {
    Value nv;
    if (!nest_value(e, pl.node ? at : at + 1, v, &nv)) return false;
    if (pl.node) ok = replace_node(e, &pl, nv); /* a null becomes a mapping */
    else insert_key(e, pl.parent, e->p->s[at].key, nv);
    value_release(nv);
    return ok;
  }
  default: return false;
  }
}

/* A literal block runs on through the lines after it indented as far as
 * its last line: a comment there, or a line of more spaces, would become
 * its text. Whether such a line follows the splice (before one indented
 * less), when the replacement ends on a line of its own. */
static bool swallows_next_lines(const Editor *e) {
  const Doc *d = &e->d;
  const char *r = e->repl.data;
  size_t end = e->repl.len;
  if (end && r[end - 1] == '\n') end--;
  size_t last = end; /* where the last line starts */
  while (last > 0 && r[last - 1] != '\n') last--;
  if (last == 0) return false; /* one line: no block */
  size_t ind = 0;
  while (last + ind < end && r[last + ind] == ' ') ind++;
  size_t p = e->end;
  if (p > 0 && d->text[p - 1] != '\n') { /* the rest of the line goes on the last one */
    if (!only_spaces(d, p, line_end(d, p))) return true;
    p = next_line(d, p);
  }
  for (; p < d->len; p = next_line(d, p)) {
    size_t q = p;
    while (q < d->len && d->text[q] == ' ') q++;
    if (q < d->len && !strchr("\r\n", d->text[q])) return q - p >= ind;
    if (q - p > ind) return true;
  }
  return false;
}

bool yaml_set_text(const char *text, size_t len, const char *name, const char *path, Value v,
                   char **out, size_t *outlen, char **err) {
  if (!writable(name, v, err)) return false;
  Editor e;
  Path p;
  if (!editor_open(&e, text, len, name, path, &p, err)) return false;
  bool ok;
  if (e.d.nroots == 0) { /* no document yet (empty, or only comments): append one */
    Value whole;
    ok = nest_value(&e, 0, v, &whole);
    if (ok) {
      e.start = e.end = len;
      if (len && text[len - 1] != '\n') buf_putc(&e.repl, '\n');
      yaml_encode(whole, &e.repl);
      value_release(whole);
    }
    return editor_close(&e, &p, ok, out, outlen, err);
  }
  ok = set_node(&e, v);
  if (ok && swallows_next_lines(&e)) { /* written again, without literal blocks */
    e.st.literals = false;
    e.repl.len = 0;
    ok = set_node(&e, v);
  }
  return editor_close(&e, &p, ok, out, outlen, err);
}

/* Remove entry `k` (a key, or an item when `is_map` is false) of block
 * collection c, with its whole lines. */
static bool delete_block_entry(Editor *e, Node *c, Node *k, bool is_map) {
  Doc *d = &e->d;
  Node *last = is_map ? k->next : k;
  size_t start;
  if (is_map) start = k->start;
  else if (!dash_before(e, k, &start)) return false;
  if (only_spaces(d, line_start(d, start), start)) {
    e->start = line_start(d, start);
    e->end = next_line(d, tight_end(d, last));
    return true;
  }
  /* compact (`- name: x` or `- - x`): the next entry moves up in its place */
  Node *nk = last->next;
  size_t nstart;
  if (!nk || k != c->first) {
    e->err = errorf(d->name, k->line, k->col, "cannot delete this entry: unusual layout");
    return false;
  }
  if (is_map) nstart = nk->start;
  else if (!dash_before(e, nk, &nstart)) return false;
  e->start = start;
  e->end = nstart;
  return true;
}

/* Remove entry `k` of flow collection c with its comma. */
static void delete_flow_entry(Editor *e, Node *c, Node *k, bool is_map) {
  Node *last = is_map ? k->next : k;
  if (last->next) {
    e->start = k->start;
    e->end = last->next->start;
    return;
  }
  Node *prev = NULL; /* the value (or item) before k */
  for (Node *x = c->first; x && x != k; x = x->next) prev = x;
  e->start = prev->end;
  e->end = last->end;
}

bool yaml_delete_text(const char *text, size_t len, const char *name, const char *path,
                      char **out, size_t *outlen, char **err) {
  Editor e;
  Path p;
  if (!editor_open(&e, text, len, name, path, &p, err)) return false;
  if (p.n == 0) {
    e.err = xasprintf("%s: path '%s': cannot delete the whole document", name, path);
    return editor_close(&e, &p, false, out, outlen, err);
  }
  bool ok = true;
  Place pl;
  size_t at;
  Walk w = e.d.nroots ? walk_nodes(&e, &pl, &at, false) : W_MISSING_KEY;
  if (w == W_ERROR) return editor_close(&e, &p, false, out, outlen, err);
  if (w == W_MISSING_KEY) { /* nothing to delete: the text stays as it is */
    e.start = e.end = 0;
    return editor_close(&e, &p, true, out, outlen, err);
  }
  Node *c = pl.parent;
  Node *k = pl.key ? pl.key : pl.node;
  bool is_map = c->kind == N_MAP;
  size_t entries = is_map ? c->n / 2 : c->n;
  if (entries == 1) { /* the collection becomes empty: {} or [] */
    Place cp = {.ctx = C_ROOT, .node = c};
    if (!c->flow) { /* find c's own place to keep the right indentation */
      Place tmp;
      size_t a2;
      Path up = p;
      up.n--;
      e.p = &up;
      walk_nodes(&e, &tmp, &a2, false);
      e.p = &p;
      cp = tmp;
    }
    Value empty = is_map ? v_map() : v_list();
    ok = replace_node(&e, &cp, empty);
    value_release(empty);
  } else if (c->flow) {
    delete_flow_entry(&e, c, k, is_map);
  } else {
    ok = delete_block_entry(&e, c, k, is_map);
  }
  return editor_close(&e, &p, ok, out, outlen, err);
}

/* ---- files ------------------------------------------------------------- */

static char *read_yaml(const char *path, size_t *len, char **err) {
  char *text = read_file(path, len);
  if (!text) *err = xasprintf("%s: cannot read: %s", path, strerror(errno));
  return text;
}

bool yaml_read_file(const char *path, Value *out, char **err) {
  size_t len;
  char *text = read_yaml(path, &len, err);
  if (!text) return false;
  bool ok = yaml_load(text, len, path, out, err);
  free(text);
  return ok;
}

bool yaml_get_file(const char *path, const char *ypath, Value *out, char **err) {
  size_t len;
  char *text = read_yaml(path, &len, err);
  if (!text) return false;
  bool ok = yaml_get(text, len, path, ypath, out, err);
  free(text);
  return ok;
}

static bool write_if_changed(const char *path, const char *old, size_t oldlen, char *text,
                             size_t len, char **err) {
  bool ok = true;
  if (len != oldlen || memcmp(old, text, len) != 0) {
    char *real = realpath(path, NULL); /* through a symlink, edit its target */
    const char *target = real ? real : path;
    struct stat st;
    bool had_mode = stat(target, &st) == 0;
    ok = write_file_atomic(target, text, len);
    if (!ok) *err = xasprintf("%s: cannot write: %s", path, strerror(errno));
    else if (had_mode) chmod(target, st.st_mode & 07777); /* the new file keeps the old mode */
    free(real);
  }
  free(text);
  return ok;
}

bool yaml_set_file(const char *path, const char *ypath, Value v, char **err) {
  size_t len, outlen;
  char *text = read_yaml(path, &len, err), *out;
  if (!text) return false;
  bool ok = yaml_set_text(text, len, path, ypath, v, &out, &outlen, err) &&
            write_if_changed(path, text, len, out, outlen, err);
  free(text);
  return ok;
}

bool yaml_delete_file(const char *path, const char *ypath, char **err) {
  size_t len, outlen;
  char *text = read_yaml(path, &len, err), *out;
  if (!text) return false;
  bool ok = yaml_delete_text(text, len, path, ypath, &out, &outlen, err) &&
            write_if_changed(path, text, len, out, outlen, err);
  free(text);
  return ok;
}
