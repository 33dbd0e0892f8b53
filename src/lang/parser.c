/* parser.c — recursive descent over the grammar in grammar/rp.ebnf.
 *
 * Statements need no terminator: an expression ends where the next token
 * cannot continue it. The one ambiguity, `(` or `[` starting a new line,
 * is settled as Go and Lua users expect: on a new line they begin a new
 * statement rather than calling or indexing the previous one.
 *
 * Errors: the first error in a statement or declaration is reported, then
 * the parser skips to the next line or block end and goes on, so one run
 * reports several independent errors. */
#include "lang/parser.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lang/lexer.h"

typedef struct Parser {
  Program *p;
  Lexer lx;
  Diags *d;
  Token prev, cur, nxt;
  bool panic; /* an error was reported; stay quiet until resynchronised */
  int depth;  /* expression nesting, bounded against stack exhaustion */
} Parser;

enum { MAX_DEPTH = 200 };

/* ---- tokens ---- */

static const char *text_of(const Parser *P, Token t) { return P->p->src->text + t.pos.off; }

static bool is_ident(const Parser *P, Token t, const char *word) {
  size_t n = strlen(word);
  return t.kind == T_IDENT && t.len == n && !memcmp(text_of(P, t), word, n);
}

static void advance(Parser *P) {
  P->prev = P->cur;
  P->cur = P->nxt;
  if (P->cur.kind != T_EOF) P->nxt = lexer_next(&P->lx);
}

static bool at(const Parser *P, TokKind k) { return P->cur.kind == k; }

static bool accept(Parser *P, TokKind k) {
  if (!at(P, k)) return false;
  advance(P);
  return true;
}

static void error_at(Parser *P, Token t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void error_at(Parser *P, Token t, const char *fmt, ...) {
  if (P->panic) return;
  P->panic = true;
  if (t.kind == T_ERROR) return; /* the lexer has said it already */
  Buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  diag_add(P->d, DIAG_ERROR, P->p->src, t.pos, t.len ? t.len : 1, "%s", b.data);
  buf_free(&b);
}

/* "found 'x'" for the message about an unexpected token */
static void describe(const Parser *P, Token t, char *out, size_t n) {
  if (t.kind == T_EOF) snprintf(out, n, "end of file");
  else if (t.kind == T_STRING || t.kind == T_TSTRING) snprintf(out, n, "a string");
  else snprintf(out, n, "'%.*s'", (int)(t.len > 30 ? 30 : t.len), text_of(P, t));
}

static bool expect(Parser *P, TokKind k, const char *what) {
  if (accept(P, k)) return true;
  char found[48];
  describe(P, P->cur, found, sizeof found);
  error_at(P, P->cur, "expected %s, found %s", what, found);
  return false;
}

/* A contextual keyword such as `in`: any other token, identifier or not,
 * is an error (expect(T_IDENT) would accept `xin`). */
static bool expect_word(Parser *P, const char *word, const char *what) {
  if (is_ident(P, P->cur, word)) {
    advance(P);
    return true;
  }
  char found[48];
  describe(P, P->cur, found, sizeof found);
  error_at(P, P->cur, "expected %s, found %s", what, found);
  return false;
}

/* The syntax tree's depth is bounded so that every recursive pass over it
 * (check, fmt, eval) has stack to spare. A chain `a + b + c` or `x.a.b`
 * deepens the tree by one a link, as nesting does. */
static bool deeper(Parser *P, const char *what) {
  if (++P->depth <= MAX_DEPTH) return true;
  error_at(P, P->cur, "%s nested too deeply (more than %d levels)", what, MAX_DEPTH);
  return false;
}

static const char *reserved[] = {"let", "fn", "return", "if", "else", "for", "in", "true", "false", "null", NULL};

static bool is_reserved(const Parser *P, Token t) {
  for (int i = 0; reserved[i]; i++)
    if (is_ident(P, t, reserved[i])) return true;
  return false;
}

static const char *take_name(Parser *P, Pos *pos, const char *what) {
  if (at(P, T_IDENT) && !is_reserved(P, P->cur)) {
    if (pos) *pos = P->cur.pos;
    const char *s = arena_strndup(&P->p->arena, text_of(P, P->cur), P->cur.len);
    advance(P);
    return s;
  }
  char found[48];
  describe(P, P->cur, found, sizeof found);
  error_at(P, P->cur, "expected %s, found %s", what, found);
  return NULL;
}

static Node *finish(Parser *P, Node *n) {
  n->end = P->prev.pos.off + P->prev.len;
  if (n->end < n->pos.off) n->end = n->pos.off;
  return n;
}

static Node *new_node(Parser *P, NodeKind k, Pos pos) { return node_new(P->p, k, pos); }

/* Copy a temporary vector into the arena and free it. */
static void *to_arena(Parser *P, void *items, size_t n, size_t size) {
  void *out = NULL;
  if (n) {
    out = arena_alloc(&P->p->arena, n * size);
    memcpy(out, items, n * size);
  }
  free(items);
  return out;
}

#define TEMP_VEC(T, name) T *name = NULL; int name##_n = 0, name##_cap = 0
#define FINISH_VEC(P, name) to_arena((P), name, (size_t)name##_n, sizeof *name)

/* ---- strings ---- */

static Node *parse_expr(Parser *P);

static void init_sub_parser(Parser *sub, Parser *P, Pos start, uint32_t end) {
  memset(sub, 0, sizeof *sub);
  sub->p = P->p;
  sub->d = P->d;
  sub->depth = P->depth;
  lexer_init(&sub->lx, P->p->src, start, P->d);
  sub->lx.end = end;
  sub->cur = lexer_next(&sub->lx);
  sub->nxt = sub->cur.kind == T_EOF ? sub->cur : lexer_next(&sub->lx);
}

typedef struct StrScan {
  Parser *P;
  const char *text;
  Pos at;
  uint32_t end; /* offset of the closing quote(s) */
  Buf lit;
  StrPart *parts;
  int parts_n, parts_cap;
} StrScan;

static void scan_advance(StrScan *s) {
  if (s->text[s->at.off] == '\n') s->at.line++, s->at.col = 1;
  else s->at.col++;
  s->at.off++;
}

static void flush_literal(StrScan *s) {
  if (!s->lit.len) return;
  StrPart part = {arena_strndup(&s->P->p->arena, s->lit.data, s->lit.len), (uint32_t)s->lit.len, NULL};
  VEC_PUSH(s->parts, s->parts_n, s->parts_cap, part);
  s->lit.len = 0;
}

/* Parse `${ expr }` starting at s->at (on the '$'); leaves s->at after '}'.
 * The sub-parser sees only the text between the braces, so its lookahead
 * cannot run into the rest of the string. */
static bool scan_interpolation(StrScan *s) {
  Pos open = s->at;
  Lexer probe;
  lexer_init(&probe, s->P->p->src, open, s->P->d);
  probe.end = s->end;
  if (!lexer_skip_interpolation(&probe)) {
    diag_error(s->P->d, s->P->p->src, open, "unclosed ${ in string");
    s->P->panic = true;
    return false;
  }
  uint32_t close = probe.at.off - 1; /* the '}' */
  scan_advance(s), scan_advance(s);
  Parser sub;
  init_sub_parser(&sub, s->P, s->at, close);
  if (sub.cur.kind == T_EOF) {
    diag_error(s->P->d, s->P->p->src, open, "empty ${} in string");
    s->P->panic = true;
    return false;
  }
  Node *e = parse_expr(&sub);
  if (!e || sub.panic) {
    s->P->panic = true;
    return false;
  }
  if (sub.cur.kind != T_EOF) {
    char found[48];
    describe(&sub, sub.cur, found, sizeof found);
    error_at(s->P, sub.cur, "expected '}' to close ${ in string, found %s", found);
    return false;
  }
  flush_literal(s);
  StrPart part = {NULL, 0, e};
  VEC_PUSH(s->parts, s->parts_n, s->parts_cap, part);
  while (s->at.off <= close) scan_advance(s); /* past '}' */
  return true;
}

static bool scan_escape(StrScan *s) {
  Pos bs = s->at;
  scan_advance(s);
  char c = s->text[s->at.off];
  char out;
  switch (c) {
  case 'n': out = '\n'; break;
  case 't': out = '\t'; break;
  case 'r': out = '\r'; break;
  case '"': out = '"'; break;
  case '\\': out = '\\'; break;
  case '$': out = '$'; break;
  case '\n': /* a backslash at the end of a line in """ joins lines */
    scan_advance(s);
    return true;
  default:
    diag_add(s->P->d, DIAG_ERROR, s->P->p->src, bs, 2,
             "unknown escape '\\%c' in string (use \\n \\t \\r \\\" \\\\ \\$)", c);
    s->P->panic = true;
    return false;
  }
  buf_putc(&s->lit, out);
  scan_advance(s);
  return true;
}

/* Common indentation of the non-blank lines of a """ body. */
static uint32_t common_indent(const char *t, uint32_t from, uint32_t to) {
  uint32_t best = UINT32_MAX;
  for (uint32_t i = from; i < to;) {
    uint32_t w = 0;
    while (i + w < to && (t[i + w] == ' ' || t[i + w] == '\t')) w++;
    if (i + w < to && t[i + w] != '\n' && w < best) best = w;
    while (i < to && t[i] != '\n') i++;
    i++;
  }
  return best == UINT32_MAX ? 0 : best;
}

static Node *parse_string(Parser *P) {
  Token t = P->cur;
  advance(P);
  bool triple = t.kind == T_TSTRING;
  uint32_t q = triple ? 3 : 1;
  StrScan s = {.P = P, .text = P->p->src->text, .at = t.pos, .end = t.pos.off + t.len - q};
  for (uint32_t i = 0; i < q; i++) scan_advance(&s);
  uint32_t indent = 0, last_line = s.end;
  if (triple) {
    /* the newline right after the opening quotes, and a last line of only
     * blanks before the closing ones, belong to the layout, not the text */
    uint32_t o = s.at.off;
    while (o < s.end && (s.text[o] == ' ' || s.text[o] == '\t')) o++;
    if (o < s.end && s.text[o] == '\n')
      while (s.at.off <= o) scan_advance(&s);
    uint32_t e = s.end;
    while (e > s.at.off && (s.text[e - 1] == ' ' || s.text[e - 1] == '\t')) e--;
    if (e > s.at.off && s.text[e - 1] == '\n') last_line = e - 1;
    indent = common_indent(s.text, s.at.off, last_line);
  }
  Node *n = new_node(P, N_STRING, t.pos);
  bool line_start = triple;
  bool ok = true;
  while (ok && s.at.off < last_line) {
    if (line_start) {
      for (uint32_t w = 0; w < indent && (s.text[s.at.off] == ' ' || s.text[s.at.off] == '\t'); w++)
        scan_advance(&s);
      line_start = false;
      continue;
    }
    char c = s.text[s.at.off];
    if (c == '\\') {
      ok = scan_escape(&s);
    } else if (c == '$' && s.text[s.at.off + 1] == '{') {
      ok = scan_interpolation(&s);
    } else {
      buf_putc(&s.lit, c);
      line_start = triple && c == '\n';
      scan_advance(&s);
    }
  }
  flush_literal(&s);
  buf_free(&s.lit);
  n->as.str.n = s.parts_n;
  n->as.str.parts = FINISH_VEC(P, s.parts);
  n->as.str.triple = triple;
  n->end = t.pos.off + t.len;
  return n;
}

/* ---- expressions ---- */

static Node *parse_params(Parser *P, Param **out, int *nout, bool typed);
static Node *parse_block(Parser *P);

static Node *parse_literal_number(Parser *P) {
  Token t = P->cur;
  advance(P);
  char buf[64];
  uint32_t k = 0;
  for (uint32_t i = 0; i < t.len && k < sizeof buf - 1; i++)
    if (text_of(P, t)[i] != '_') buf[k++] = text_of(P, t)[i];
  buf[k] = 0;
  Node *n;
  if (t.kind == T_DURATION) {
    n = new_node(P, N_DURATION, t.pos);
    parse_duration(buf, k, &n->as.ms);
  } else if (t.kind == T_FLOAT) {
    n = new_node(P, N_FLOAT, t.pos);
    n->as.f = strtod(buf, NULL);
  } else {
    n = new_node(P, N_INT, t.pos);
    errno = 0;
    n->as.i = strtoll(buf, NULL, 10);
    if (errno == ERANGE || t.len >= sizeof buf) error_at(P, t, "integer %.*s is too large", (int)t.len, text_of(P, t));
  }
  return finish(P, n);
}

/* Comma-separated expressions after the opening token, up to `close`,
 * as an N_LIST: a list literal, the options of `choice(...)`. */
static Node *parse_expr_list(Parser *P, TokKind close, const char *what) {
  Node *n = new_node(P, N_LIST, P->cur.pos);
  advance(P); /* [ or ( */
  TEMP_VEC(Node *, items);
  while (!at(P, close) && !at(P, T_EOF)) {
    Node *e = parse_expr(P);
    if (!e) break;
    VEC_PUSH(items, items_n, items_cap, e);
    if (!accept(P, T_COMMA)) break;
  }
  expect(P, close, what);
  n->as.list.n = items_n;
  n->as.list.items = FINISH_VEC(P, items);
  return finish(P, n);
}

static Node *parse_list(Parser *P) { return parse_expr_list(P, T_RBRACKET, "',' or ']' in list"); }

static Node *parse_map(Parser *P) {
  Node *n = new_node(P, N_MAP, P->cur.pos);
  advance(P); /* { */
  TEMP_VEC(Node *, keys);
  TEMP_VEC(Node *, vals);
  while (!at(P, T_RBRACE) && !at(P, T_EOF)) {
    Node *key;
    if (at(P, T_IDENT)) {
      key = new_node(P, N_STRING, P->cur.pos);
      StrPart *part = arena_alloc(&P->p->arena, sizeof *part);
      part->text = arena_strndup(&P->p->arena, text_of(P, P->cur), P->cur.len);
      part->len = P->cur.len;
      key->as.str.parts = part;
      key->as.str.n = 1;
      advance(P);
      finish(P, key);
    } else if (at(P, T_STRING)) {
      key = parse_string(P);
    } else {
      char found[48];
      describe(P, P->cur, found, sizeof found);
      error_at(P, P->cur, "expected a map key (a name or a string), found %s", found);
      break;
    }
    if (!expect(P, T_COLON, "':' after map key")) break;
    Node *v = parse_expr(P);
    if (!v) break;
    VEC_PUSH(keys, keys_n, keys_cap, key);
    VEC_PUSH(vals, vals_n, vals_cap, v);
    if (!accept(P, T_COMMA)) break;
  }
  expect(P, T_RBRACE, "',' or '}' in map");
  n->as.map.n = keys_n;
  n->as.map.keys = FINISH_VEC(P, keys);
  n->as.map.values = FINISH_VEC(P, vals);
  return finish(P, n);
}

static Node *parse_lambda(Parser *P) {
  Node *n = new_node(P, N_LAMBDA, P->cur.pos);
  advance(P); /* fn */
  if (!parse_params(P, &n->as.fn.params, &n->as.fn.nparams, false)) return NULL;
  if (accept(P, T_FATARROW)) n->as.fn.body = parse_expr(P);
  else if (at(P, T_LBRACE)) n->as.fn.body = parse_block(P);
  else expect(P, T_FATARROW, "'=>' or '{' after lambda parameters");
  if (!n->as.fn.body) return NULL;
  return finish(P, n);
}

static Node *parse_primary(Parser *P) {
  Token t = P->cur;
  switch (t.kind) {
  case T_INT:
  case T_FLOAT:
  case T_DURATION:
    return parse_literal_number(P);
  case T_STRING:
  case T_TSTRING:
    return parse_string(P);
  case T_REGEX: {
    Node *n = new_node(P, N_REGEX, t.pos);
    n->as.regex.pattern = arena_strndup(&P->p->arena, text_of(P, t) + 3, t.len - 4);
    n->as.regex.len = t.len - 4;
    advance(P);
    return finish(P, n);
  }
  case T_LBRACKET:
    return parse_list(P);
  case T_LBRACE:
    return parse_map(P);
  case T_LPAREN: {
    advance(P);
    Node *e = parse_expr(P);
    expect(P, T_RPAREN, "')'");
    return e;
  }
  case T_IDENT: {
    if (is_ident(P, t, "true") || is_ident(P, t, "false")) {
      Node *n = new_node(P, N_BOOL, t.pos);
      n->as.b = is_ident(P, t, "true");
      advance(P);
      return finish(P, n);
    }
    if (is_ident(P, t, "null")) {
      advance(P);
      return finish(P, new_node(P, N_NULL, t.pos));
    }
    if (is_ident(P, t, "fn")) return parse_lambda(P);
    if (is_ident(P, t, "sh") && (P->nxt.kind == T_STRING || P->nxt.kind == T_TSTRING)) {
      Node *n = new_node(P, N_SH, t.pos);
      advance(P);
      n->as.sh.cmd = parse_string(P);
      return finish(P, n);
    }
    if (is_reserved(P, t)) {
      error_at(P, t, "'%.*s' is a keyword and cannot start an expression", (int)t.len, text_of(P, t));
      return NULL;
    }
    Node *n = new_node(P, N_IDENT, t.pos);
    n->as.ident.name = arena_strndup(&P->p->arena, text_of(P, t), t.len);
    advance(P);
    return finish(P, n);
  }
  default: {
    char found[48];
    describe(P, t, found, sizeof found);
    error_at(P, t, "expected an expression, found %s", found);
    return NULL;
  }
  }
}

static Node *parse_call(Parser *P, Node *callee) {
  Node *n = new_node(P, N_CALL, callee->pos);
  n->as.call.callee = callee;
  advance(P); /* ( */
  TEMP_VEC(Arg, args);
  while (!at(P, T_RPAREN) && !at(P, T_EOF)) {
    Arg a = {NULL, P->cur.pos, NULL};
    if (at(P, T_IDENT) && P->nxt.kind == T_COLON) {
      a.name = arena_strndup(&P->p->arena, text_of(P, P->cur), P->cur.len);
      advance(P), advance(P);
    } else if (args_n && args[args_n - 1].name) {
      error_at(P, P->cur, "positional argument after a named one");
    }
    a.value = parse_expr(P);
    if (!a.value) break;
    VEC_PUSH(args, args_n, args_cap, a);
    if (!accept(P, T_COMMA)) break;
  }
  expect(P, T_RPAREN, "',' or ')' in call");
  n->as.call.nargs = args_n;
  n->as.call.args = FINISH_VEC(P, args);
  return finish(P, n);
}

static Node *postfix_chain(Parser *P) {
  Node *e = parse_primary(P);
  while (e && (at(P, T_DOT) || at(P, T_LPAREN) || at(P, T_LBRACKET))) {
    if (!deeper(P, "expression")) {
      e = NULL;
    } else if (at(P, T_DOT)) {
      advance(P);
      Node *n = new_node(P, N_MEMBER, e->pos);
      n->as.member.object = e;
      n->as.member.name_pos = P->cur.pos;
      /* keywords are fine after a dot: event.in, x.null... */
      if (!at(P, T_IDENT)) {
        expect(P, T_IDENT, "a name after '.'");
        return NULL;
      }
      n->as.member.name = arena_strndup(&P->p->arena, text_of(P, P->cur), P->cur.len);
      advance(P);
      e = finish(P, n);
    } else if (at(P, T_LPAREN) && !P->cur.nl_before) {
      e = parse_call(P, e);
    } else if (at(P, T_LBRACKET) && !P->cur.nl_before) {
      advance(P);
      Node *n = new_node(P, N_INDEX, e->pos);
      n->as.index.object = e;
      n->as.index.index = parse_expr(P);
      if (!n->as.index.index) return NULL;
      expect(P, T_RBRACKET, "']'");
      e = finish(P, n);
    } else {
      break;
    }
  }
  return e;
}

static Node *parse_postfix(Parser *P) {
  int outer = P->depth;
  Node *e = postfix_chain(P);
  P->depth = outer;
  return e;
}

static Node *parse_unary(Parser *P) {
  if (at(P, T_BANG) || at(P, T_MINUS)) {
    Node *n = new_node(P, N_UNARY, P->cur.pos);
    n->as.op.op = at(P, T_BANG) ? OP_NOT : OP_NEG;
    advance(P);
    if (!deeper(P, "expression")) return NULL;
    n->as.op.a = parse_unary(P);
    P->depth--;
    if (!n->as.op.a) return NULL;
    return finish(P, n);
  }
  return parse_postfix(P);
}

/* Binary operators by precedence level, loosest first. */
typedef struct BinOp {
  TokKind tok;
  Op op;
  int level;
} BinOp;

static const BinOp binops[] = {
    {T_COALESCE, OP_COALESCE, 1}, {T_OR, OP_OR, 2},       {T_AND, OP_AND, 3},
    {T_EQ, OP_EQ, 4},             {T_NE, OP_NE, 4},       {T_MATCH, OP_MATCH, 4},
    {T_NOMATCH, OP_NOMATCH, 4},   {T_LT, OP_LT, 5},       {T_LE, OP_LE, 5},
    {T_GT, OP_GT, 5},             {T_GE, OP_GE, 5},       {T_PLUS, OP_ADD, 6},
    {T_MINUS, OP_SUB, 6},         {T_STAR, OP_MUL, 7},    {T_SLASH, OP_DIV, 7},
    {T_PERCENT, OP_MOD, 7},
};

static const BinOp *binop_at(const Parser *P) {
  for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++)
    if (binops[i].tok == P->cur.kind) return &binops[i];
  return NULL;
}

/* Precedence climbing: every binary operator is left-associative. An
 * operand is parsed once, whatever the levels above it (not one call per
 * level: a large pipeline is mostly operands). */
static Node *parse_binary(Parser *P, int level) {
  int outer = P->depth;
  Node *left = parse_unary(P);
  const BinOp *b;
  while (left && (b = binop_at(P)) && b->level >= level) {
    if (!deeper(P, "expression")) {
      left = NULL;
      break;
    }
    advance(P);
    Node *n = new_node(P, N_BINARY, left->pos);
    n->as.op.op = b->op;
    n->as.op.a = left;
    n->as.op.b = parse_binary(P, b->level + 1);
    left = n->as.op.b ? finish(P, n) : NULL;
  }
  P->depth = outer;
  return left;
}

static Node *parse_expr(Parser *P) {
  if (!deeper(P, "expression")) return NULL;
  Node *cond = parse_binary(P, 1);
  if (cond && at(P, T_QUESTION)) {
    advance(P);
    Node *n = new_node(P, N_TERNARY, cond->pos);
    n->as.ternary.cond = cond;
    n->as.ternary.then = parse_expr(P);
    if (n->as.ternary.then && expect(P, T_COLON, "':' in conditional expression"))
      n->as.ternary.els = parse_expr(P);
    cond = n->as.ternary.els ? finish(P, n) : NULL;
  }
  P->depth--;
  return cond;
}

/* ---- statements ---- */

static Node *parse_stmt(Parser *P);

/* Skip to where the next statement can start: a new line, ';', or the
 * '}' closing the current block. */
static void sync_stmt(Parser *P) {
  int depth = 0;
  while (!at(P, T_EOF)) {
    if (depth == 0 && (at(P, T_RBRACE) || (P->cur.nl_before && P->prev.kind != T_EOF))) break;
    if (at(P, T_SEMI) && depth == 0) {
      advance(P);
      break;
    }
    if (at(P, T_LBRACE)) depth++;
    if (at(P, T_RBRACE)) depth--;
    advance(P);
  }
  P->panic = false;
}

/* Parse `{ item* }` with `item` parsing one entry; errors resync per item. */
typedef Node *(*ItemFn)(Parser *P, void *ctx);

static NodeList parse_items(Parser *P, ItemFn item, void *ctx) {
  TEMP_VEC(Node *, items);
  NodeList out = {0};
  if (!expect(P, T_LBRACE, "'{'")) return out;
  while (!at(P, T_RBRACE) && !at(P, T_EOF)) {
    if (accept(P, T_SEMI)) continue;
    Token before = P->cur;
    Node *n = item(P, ctx);
    if (n) VEC_PUSH(items, items_n, items_cap, n);
    if (P->panic) {
      sync_stmt(P);
      if (P->cur.pos.off == before.pos.off && !at(P, T_RBRACE) && !at(P, T_EOF)) advance(P);
    }
  }
  expect(P, T_RBRACE, "'}'");
  out.n = items_n;
  out.items = FINISH_VEC(P, items);
  return out;
}

static Node *stmt_item(Parser *P, void *ctx) {
  (void)ctx;
  return parse_stmt(P);
}

static Node *parse_block(Parser *P) {
  int outer = P->depth;
  if (!deeper(P, "block")) return NULL;
  Node *n = new_node(P, N_BLOCK, P->cur.pos);
  n->as.list = parse_items(P, stmt_item, NULL);
  P->depth = outer;
  return finish(P, n);
}

static Node *parse_if(Parser *P) {
  Node *n = new_node(P, N_IF, P->cur.pos);
  advance(P); /* if */
  n->as.ternary.cond = parse_expr(P);
  if (!n->as.ternary.cond) return NULL;
  n->as.ternary.then = parse_block(P);
  if (is_ident(P, P->cur, "else")) {
    advance(P);
    int outer = P->depth;
    if (!deeper(P, "'else if' chain")) return NULL;
    n->as.ternary.els = is_ident(P, P->cur, "if") ? parse_if(P) : parse_block(P);
    P->depth = outer;
  }
  return finish(P, n);
}

static Node *parse_for(Parser *P) {
  Node *n = new_node(P, N_FOR, P->cur.pos);
  advance(P); /* for */
  n->as.bind.name = take_name(P, &n->as.bind.name_pos, "a loop variable after 'for'");
  if (!n->as.bind.name) return NULL;
  if (!expect_word(P, "in", "'in'")) return NULL;
  n->as.bind.value = parse_expr(P);
  if (!n->as.bind.value) return NULL;
  n->as.bind.body = parse_block(P);
  return finish(P, n);
}

/* `let NAME = expr` and `output NAME = expr` */
static Node *parse_binding(Parser *P, NodeKind kind) {
  Node *n = new_node(P, kind, P->cur.pos);
  advance(P);
  n->as.bind.name = take_name(P, &n->as.bind.name_pos, "a name");
  if (!n->as.bind.name || !expect(P, T_ASSIGN, "'='")) return NULL;
  n->as.bind.value = parse_expr(P);
  if (!n->as.bind.value) return NULL;
  return finish(P, n);
}

/* Does the current token start an expression on the same line? */
static bool value_follows(const Parser *P) {
  if (P->cur.nl_before) return false;
  switch (P->cur.kind) {
  case T_EOF: case T_RBRACE: case T_RPAREN: case T_RBRACKET: case T_SEMI: case T_COMMA:
    return false;
  default:
    return true;
  }
}

static Node *parse_stmt(Parser *P) {
  Token t = P->cur;
  if (is_ident(P, t, "let")) return parse_binding(P, N_LET);
  if (is_ident(P, t, "if")) return parse_if(P);
  if (is_ident(P, t, "for")) return parse_for(P);
  if (is_ident(P, t, "output") && P->nxt.kind == T_IDENT && !P->nxt.nl_before) return parse_binding(P, N_OUTPUT);
  if (is_ident(P, t, "return") || (is_ident(P, t, "fail") && P->nxt.kind != T_ASSIGN && P->nxt.kind != T_LPAREN &&
                                    P->nxt.kind != T_DOT)) {
    Node *n = new_node(P, is_ident(P, t, "return") ? N_RETURN : N_FAIL, t.pos);
    advance(P);
    if (value_follows(P)) n->as.stmt.value = parse_expr(P);
    if (n->kind == N_FAIL && !n->as.stmt.value) {
      error_at(P, P->cur, "'fail' needs a message: fail \"why\"");
      return NULL;
    }
    return finish(P, n);
  }
  Node *e = parse_expr(P);
  if (!e) return NULL;
  if (at(P, T_ASSIGN)) {
    if (e->kind != N_IDENT && e->kind != N_MEMBER && e->kind != N_INDEX) {
      error_at(P, P->cur, "cannot assign to this expression (only to a name, a.b or a[i])");
      return NULL;
    }
    advance(P);
    Node *n = new_node(P, N_ASSIGN, t.pos); /* at its first token, a `(` included */
    n->as.assign.target = e;
    n->as.assign.value = parse_expr(P);
    if (!n->as.assign.value) return NULL;
    return finish(P, n);
  }
  Node *n = new_node(P, N_EXPR_STMT, t.pos);
  n->as.stmt.value = e;
  return finish(P, n);
}

/* ---- declarations ---- */

/* `(a, b = 1)` for fn and lambdas; `(name: type = default)` for manual. */
static Node *parse_params(Parser *P, Param **out, int *nout, bool typed) {
  TEMP_VEC(Param, params);
  Node *ok = (Node *)1;
  if (!expect(P, T_LPAREN, "'('")) return NULL;
  while (!at(P, T_RPAREN) && !at(P, T_EOF)) {
    Param prm = {0};
    prm.name = take_name(P, &prm.pos, typed ? "an input name" : "a parameter name");
    if (!prm.name) break;
    if (typed) {
      if (!expect(P, T_COLON, "':' and a type after the input name (string, bool, int, number, choice(...), environment)")) break;
      prm.type = take_name(P, &prm.type_pos, "a type (string, bool, int, number, choice(...), environment)");
      if (!prm.type) break;
      if (at(P, T_LPAREN)) prm.options = parse_expr_list(P, T_RPAREN, "',' or ')' after the options");
    }
    if (accept(P, T_ASSIGN)) {
      prm.def = parse_expr(P);
      if (!prm.def) break;
    }
    VEC_PUSH(params, params_n, params_cap, prm);
    if (!accept(P, T_COMMA)) break;
  }
  if (!expect(P, T_RPAREN, "',' or ')' after parameters")) ok = NULL;
  *nout = params_n;
  *out = FINISH_VEC(P, params);
  return ok;
}

static Node *setting_item(Parser *P, void *ctx) {
  (void)ctx;
  Node *n = new_node(P, N_SETTING, P->cur.pos);
  n->as.bind.name = take_name(P, &n->as.bind.name_pos, "a setting name");
  if (!n->as.bind.name || !expect(P, T_ASSIGN, "'=' after the setting name")) return NULL;
  n->as.bind.value = parse_expr(P);
  if (!n->as.bind.value) return NULL;
  return finish(P, n);
}

static Node *env_item(Parser *P, void *ctx) {
  Environment *env = ctx;
  Token t = P->cur;
  if (is_ident(P, t, "after") && P->nxt.kind == T_IDENT) {
    Node *n = new_node(P, N_AFTER, t.pos);
    advance(P);
    n->as.after.name = take_name(P, &n->as.after.pos, "an environment name");
    if (env->after) error_at(P, t, "environment '%s' has more than one 'after'", env->name);
    env->after = n;
    return finish(P, n);
  }
  if (is_ident(P, t, "approval") && P->nxt.kind == T_LBRACE) {
    Node *n = new_node(P, N_APPROVAL, t.pos);
    advance(P);
    n->as.settings = parse_items(P, setting_item, NULL);
    if (env->approval) error_at(P, t, "environment '%s' has more than one 'approval'", env->name);
    env->approval = n;
    return finish(P, n);
  }
  return setting_item(P, NULL);
}

static Node *parse_environment(Parser *P) {
  Node *n = new_node(P, N_ENVIRONMENT, P->cur.pos);
  advance(P);
  Environment *env = arena_alloc(&P->p->arena, sizeof *env);
  n->as.env = env;
  env->name = take_name(P, &env->name_pos, "an environment name");
  if (!env->name) return NULL;
  env->items = parse_items(P, env_item, env);
  return finish(P, n);
}

static Node *parse_trigger(Parser *P) {
  Node *n = new_node(P, N_TRIGGER, P->cur.pos);
  advance(P); /* on */
  Trigger *tr = arena_alloc(&P->p->arena, sizeof *tr);
  n->as.trigger = tr;
  Token ev = P->cur;
  const char *name = take_name(P, &tr->event_pos, "an event (push, pull_request, tag, manual, schedule, local)");
  if (!name) return NULL;
  int kind = event_kind_lookup(name);
  if (kind < 0) {
    const char *best = NULL;
    size_t bestd = 3;
    for (int i = 0; i < EV__COUNT; i++) {
      size_t d = edit_distance(name, event_kind_name(i));
      if (d < bestd) bestd = d, best = event_kind_name(i);
    }
    if (best) error_at(P, ev, "unknown event '%s' (did you mean '%s'?)", name, best);
    else error_at(P, ev, "unknown event '%s' (events: push, pull_request, tag, manual, schedule, local)", name);
    return NULL;
  }
  tr->event = kind;
  if (kind == EV_MANUAL && at(P, T_LPAREN) && !P->cur.nl_before) {
    tr->has_inputs = true;
    if (!parse_params(P, &tr->inputs, &tr->ninputs, true)) return NULL;
  }
  if (at(P, T_STRING) || at(P, T_REGEX) || at(P, T_LBRACKET)) {
    tr->filter = parse_primary(P);
    if (!tr->filter) return NULL;
  }
  bool braces = at(P, T_LBRACE);
  if (braces) tr->settings = parse_items(P, setting_item, NULL);
  if (braces && !tr->filter && !tr->has_inputs && !at(P, T_ARROW)) {
    tr->is_defaults = true;
    return finish(P, n);
  }
  if (!expect(P, T_ARROW, "'->' and the stages this event starts")) return NULL;
  TEMP_VEC(NameRef, targets);
  do {
    NameRef r;
    r.name = take_name(P, &r.pos, "a stage name");
    if (!r.name) break;
    VEC_PUSH(targets, targets_n, targets_cap, r);
  } while (accept(P, T_COMMA));
  tr->ntargets = targets_n;
  tr->targets = FINISH_VEC(P, targets);
  return finish(P, n);
}

/* Moves `on EVENT { settings }` blocks out of p->triggers (every pass
 * that reads triggers wants the ones that start stages) and links each
 * trigger to the first block of its event; rp check reports the rest. */
static void split_trigger_defaults(Program *p) {
  int kept = 0;
  for (int i = 0; i < p->ntriggers; i++) p->ntrigger_defaults += p->triggers[i]->as.trigger->is_defaults;
  if (!p->ntrigger_defaults) return;
  p->trigger_defaults = arena_alloc(&p->arena, sizeof(Node *) * (size_t)p->ntrigger_defaults);
  for (int i = 0, d = 0; i < p->ntriggers; i++) {
    if (p->triggers[i]->as.trigger->is_defaults) p->trigger_defaults[d++] = p->triggers[i];
    else p->triggers[kept++] = p->triggers[i];
  }
  p->ntriggers = kept;
  for (int i = 0; i < p->ntriggers; i++) {
    Trigger *t = p->triggers[i]->as.trigger;
    for (int d = p->ntrigger_defaults - 1; d >= 0; d--)
      if (p->trigger_defaults[d]->as.trigger->event == t->event) t->defaults = p->trigger_defaults[d]->as.trigger;
  }
}

/* `concurrency "GROUP" { settings }`, its keyword at `kw` already read:
 * the pipeline's declaration or a stage's attribute. */
static Node *parse_concurrency(Parser *P, Token kw) {
  Node *n = new_node(P, N_CONCURRENCY, kw.pos);
  n->as.conc.group = parse_expr(P);
  if (!n->as.conc.group) return NULL;
  if (at(P, T_LBRACE)) n->as.conc.settings = parse_items(P, setting_item, NULL);
  return P->panic ? NULL : finish(P, n);
}

static int attr_lookup(const Parser *P, Token t) {
  for (int k = 0; k < ATTR__COUNT; k++)
    if (is_ident(P, t, attr_name(k))) return k;
  return -1;
}

typedef struct StageCtx {
  Stage *stage;
  bool in_statements; /* a statement has been seen: attributes must come first */
  bool had_needs[2];  /* a `needs` line, a `needs?` line */
} StageCtx;

/* A stage's `needs` and `needs?` lines as one list of names (the order
 * they are written), so every later pass reads one node; `fmt` keeps the
 * lines themselves from Stage.attrs. */
static Node *merge_needs(Parser *P, Node *had, Node *line) {
  if (!had) return line;
  Node *m = new_node(P, N_ATTR, had->pos);
  m->as.attr.kind = ATTR_NEEDS;
  m->as.attr.nnames = had->as.attr.nnames + line->as.attr.nnames;
  m->as.attr.names = arena_alloc(&P->p->arena, sizeof(NameRef) * (size_t)(m->as.attr.nnames + 1));
  memcpy(m->as.attr.names, had->as.attr.names, sizeof(NameRef) * (size_t)had->as.attr.nnames);
  memcpy(m->as.attr.names + had->as.attr.nnames, line->as.attr.names, sizeof(NameRef) * (size_t)line->as.attr.nnames);
  m->end = line->end;
  return m;
}

static Node *parse_attr(Parser *P, StageCtx *sc, AttrKind kind) {
  Stage *st = sc->stage;
  Token t = P->cur;
  Node *n = new_node(P, N_ATTR, t.pos);
  n->as.attr.kind = kind;
  advance(P);
  if (sc->in_statements) {
    error_at(P, t, "stage attribute '%s' must come before the stage's statements", attr_name(kind));
    return NULL;
  }
  Node **slot[ATTR__COUNT] = {&st->needs, &st->when, &st->environment, &st->version,
                              &st->timeout, &st->retry, &st->matrix, &st->container, &st->services,
                              &st->runs_on, &st->cache, &st->concurrency, &st->artifact};
  /* several `matrix x in [..]` lines are the axes of one matrix; its
   * settings come in one `matrix { ... }` */
  bool opts = kind == ATTR_MATRIX && at(P, T_LBRACE) && !P->cur.nl_before;
  bool optional = kind == ATTR_NEEDS && at(P, T_QUESTION);
  if (opts) slot[kind] = &st->matrix_opts;
  if (kind == ATTR_NEEDS ? sc->had_needs[optional] : *slot[kind] && (kind != ATTR_MATRIX || opts)) {
    error_at(P, t, "stage '%s' has more than one '%s%s'", st->name, attr_name(kind), opts ? " { }" : optional ? "?" : "");
    return NULL;
  }
  if (kind != ATTR_NEEDS && !*slot[kind]) *slot[kind] = n;
  if (opts) {
    n->as.attr.settings = parse_items(P, setting_item, NULL);
    return P->panic ? NULL : finish(P, n);
  }
  switch (kind) {
  case ATTR_NEEDS: {
    sc->had_needs[optional] = true;
    n->as.attr.optional = optional;
    if (optional) advance(P);
    TEMP_VEC(NameRef, names);
    do {
      NameRef r = {0};
      r.name = take_name(P, &r.pos, "a stage name after 'needs'");
      if (!r.name) break;
      r.optional = optional;
      VEC_PUSH(names, names_n, names_cap, r);
    } while (accept(P, T_COMMA));
    n->as.attr.nnames = names_n;
    n->as.attr.names = FINISH_VEC(P, names);
    st->needs = merge_needs(P, st->needs, n);
    break;
  }
  case ATTR_ENVIRONMENT:
    n->as.attr.ref.name = take_name(P, &n->as.attr.ref.pos, "an environment name");
    break;
  case ATTR_MATRIX:
    n->as.attr.ref.name = take_name(P, &n->as.attr.ref.pos, "a variable name after 'matrix'");
    if (!n->as.attr.ref.name) break;
    if (!expect_word(P, "in", "'in' (matrix NAME in [values])")) break;
    n->as.attr.value = parse_expr(P);
    if (n->as.attr.value && is_ident(P, P->cur, "sequential") && !P->cur.nl_before) {
      n->as.attr.sequential = true;
      advance(P);
    }
    break;
  case ATTR_CONCURRENCY:
    n->as.attr.value = parse_concurrency(P, t);
    break;
  default:
    n->as.attr.value = parse_expr(P);
  }
  return P->panic ? NULL : finish(P, n);
}

static Node *parse_post(Parser *P, Stage *st) {
  Node *n = new_node(P, N_POST, P->cur.pos);
  advance(P); /* post */
  if (!expect(P, T_LBRACE, "'{' after post")) return NULL;
  while (!at(P, T_RBRACE) && !at(P, T_EOF)) {
    Token t = P->cur;
    Node **slot = is_ident(P, t, "success") ? &n->as.post.success
                  : is_ident(P, t, "failure") ? &n->as.post.failure
                  : is_ident(P, t, "always")  ? &n->as.post.always
                                              : NULL;
    if (!slot) {
      char found[48];
      describe(P, t, found, sizeof found);
      error_at(P, t, "expected success, failure or always in post, found %s", found);
      return NULL;
    }
    if (*slot) {
      error_at(P, t, "stage '%s' has more than one post '%.*s'", st->name, (int)t.len, text_of(P, t));
      return NULL;
    }
    advance(P);
    *slot = parse_block(P);
  }
  expect(P, T_RBRACE, "'}' to close post");
  return finish(P, n);
}

static Node *stage_item(Parser *P, void *ctx) {
  StageCtx *sc = ctx;
  Stage *st = sc->stage;
  Token t = P->cur;
  if (st->post) {
    error_at(P, t, "post must be the last thing in stage '%s'", st->name);
    return NULL;
  }
  if (is_ident(P, t, "post") && P->nxt.kind == T_LBRACE) {
    st->post = parse_post(P, st);
    return NULL; /* not a statement: kept in st->post */
  }
  int kind = attr_lookup(P, t);
  /* an attribute name followed by what cannot continue an expression is an
   * attribute: `needs build`; `version = 2` or `timeout.x` are statements.
   * runs_on's and artifact's usual value is a list, so `runs_on [` stays the attribute. */
  bool same_line_bracket =
      P->nxt.kind == T_LBRACKET && !P->nxt.nl_before && kind != ATTR_RUNS_ON && kind != ATTR_ARTIFACT;
  if (kind >= 0 && P->nxt.kind != T_ASSIGN && P->nxt.kind != T_DOT &&
      !(P->nxt.kind == T_LPAREN && !P->nxt.nl_before) && !same_line_bracket) {
    Node *a = parse_attr(P, sc, (AttrKind)kind);
    if (a) {
      Node **grown = arena_alloc(&P->p->arena, sizeof(Node *) * (size_t)(st->attrs.n + 1));
      if (st->attrs.n) memcpy(grown, st->attrs.items, sizeof(Node *) * (size_t)st->attrs.n);
      grown[st->attrs.n++] = a;
      st->attrs.items = grown;
    }
    return NULL;
  }
  sc->in_statements = true;
  return parse_stmt(P);
}

static Node *parse_stage(Parser *P) {
  Node *n = new_node(P, N_STAGE, P->cur.pos);
  advance(P);
  Stage *st = arena_alloc(&P->p->arena, sizeof *st);
  n->as.stage = st;
  st->name = take_name(P, &st->name_pos, "a stage name");
  if (!st->name) return NULL;
  StageCtx sc = {st, false, {false, false}};
  Node *body = new_node(P, N_BLOCK, P->cur.pos);
  body->as.list = parse_items(P, stage_item, &sc);
  st->body = finish(P, body);
  return finish(P, n);
}

static Node *parse_fn(Parser *P) {
  Node *n = new_node(P, N_FN, P->cur.pos);
  advance(P);
  n->as.fn.name = take_name(P, &n->as.fn.name_pos, "a function name");
  if (!n->as.fn.name) return NULL;
  if (!parse_params(P, &n->as.fn.params, &n->as.fn.nparams, false)) return NULL;
  n->as.fn.body = parse_block(P);
  return finish(P, n);
}

/* "std/gitops" -> "gitops"; "./lib/deploy.rp" -> "deploy" */
static const char *import_alias(Parser *P, const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  if (n > 3 && !strcmp(base + n - 3, ".rp")) n -= 3;
  return arena_strndup(&P->p->arena, base, n);
}

static Node *parse_import(Parser *P) {
  Node *n = new_node(P, N_IMPORT, P->cur.pos);
  advance(P);
  if (!at(P, T_STRING)) {
    expect(P, T_STRING, "a module path string: import \"std/NAME\" or import \"./file.rp\" as NAME");
    return NULL;
  }
  Node *s = parse_string(P);
  const char *path;
  if (!string_is_plain(s, &path, NULL)) {
    error_at(P, P->prev, "an import path cannot use ${}");
    return NULL;
  }
  n->as.decl.text = path;
  if (is_ident(P, P->cur, "as")) {
    advance(P);
    n->as.decl.alias = take_name(P, &n->as.decl.alias_pos, "a module name after 'as'");
    n->as.decl.explicit_alias = true;
  } else {
    n->as.decl.alias = import_alias(P, path);
    n->as.decl.alias_pos = s->pos;
  }
  return finish(P, n);
}

/* `pipeline "NAME"`, `state "SPEC"`: a keyword and a plain string. */
static Node *parse_named_string(Parser *P, NodeKind kind, const char *what) {
  Node *n = new_node(P, kind, P->cur.pos);
  advance(P);
  if (!at(P, T_STRING)) {
    char want[64];
    snprintf(want, sizeof want, "the %s as a string", what);
    expect(P, T_STRING, want);
    return NULL;
  }
  Node *s = parse_string(P);
  if (!string_is_plain(s, &n->as.decl.text, NULL)) {
    error_at(P, P->prev, "the %s cannot use ${}", what);
    return NULL;
  }
  return finish(P, n);
}

static Node *parse_decl(Parser *P) {
  Token t = P->cur;
  if (is_ident(P, t, "stage")) return parse_stage(P);
  if (is_ident(P, t, "on")) return parse_trigger(P);
  if (is_ident(P, t, "environment")) return parse_environment(P);
  if (is_ident(P, t, "let")) return parse_binding(P, N_LET);
  if (is_ident(P, t, "fn")) return parse_fn(P);
  if (is_ident(P, t, "import")) return parse_import(P);
  if (is_ident(P, t, "pipeline")) return parse_named_string(P, N_PIPELINE, "pipeline name");
  if (is_ident(P, t, "state")) return parse_named_string(P, N_STATE, "state's location");
  if (is_ident(P, t, "concurrency")) {
    advance(P);
    return parse_concurrency(P, t);
  }
  if (is_ident(P, t, "artifacts")) return parse_named_string(P, N_ARTIFACTS, "artifacts' location");
  char found[48];
  describe(P, t, found, sizeof found);
  error_at(P, t, "expected a declaration (pipeline, state, concurrency, artifacts, import, let, fn, environment, on, stage), "
           "found %s", found);
  return NULL;
}

static bool starts_decl(const Parser *P) {
  static const char *words[] = {"stage", "on", "environment", "let", "fn", "import", "pipeline", "state", "concurrency",
                                "artifacts", NULL};
  for (int i = 0; words[i]; i++)
    if (is_ident(P, P->cur, words[i])) return true;
  return false;
}

/* After an error at top level: skip to a declaration keyword that starts a
 * line outside any braces. */
static void sync_decl(Parser *P, Token failed_at) {
  int depth = 0;
  if (P->cur.pos.off == failed_at.pos.off && !at(P, T_EOF)) advance(P);
  while (!at(P, T_EOF)) {
    if (depth <= 0 && P->cur.nl_before && starts_decl(P)) break;
    if (at(P, T_LBRACE)) depth++;
    if (at(P, T_RBRACE)) depth--;
    advance(P);
  }
  P->panic = false;
}

static void parser_start(Parser *P, Program *p, Diags *d, bool keep_comments) {
  memset(P, 0, sizeof *P);
  P->p = p;
  P->d = d;
  lexer_init(&P->lx, p->src, (Pos){0, 1, 1}, d);
  P->lx.arena = &p->arena;
  if (keep_comments) {
    P->lx.comments = &p->comments;
    P->lx.ncomments = &p->ncomments;
  }
  P->cur = lexer_next(&P->lx);
  P->nxt = P->cur.kind == T_EOF ? P->cur : lexer_next(&P->lx);
  P->prev = (Token){T_EOF, {0, 1, 1}, 0, false};
}

static Program *program_new(Source *src) {
  Arena a = {0};
  Program *p = arena_alloc(&a, sizeof *p);
  p->arena = a; /* from here on only &p->arena is used */
  p->src = src;
  return p;
}

Program *parse_program(Source *src, Diags *diags) {
  Program *p = program_new(src);
  Parser P;
  parser_start(&P, p, diags, true);
  TEMP_VEC(Node *, decls);
  while (!at(&P, T_EOF)) {
    if (accept(&P, T_SEMI)) continue;
    Token t = P.cur;
    Node *n = parse_decl(&P);
    if (n && !P.panic) {
      VEC_PUSH(decls, decls_n, decls_cap, n);
      if (n->kind == N_PIPELINE) {
        if (p->name) diag_error(diags, src, n->pos, "the pipeline is named twice");
        p->name = n->as.decl.text;
      }
      if (n->kind == N_STATE) {
        if (p->state) diag_error(diags, src, n->pos, "the state's location is given twice");
        p->state = n;
      }
      if (n->kind == N_CONCURRENCY) {
        if (p->concurrency) diag_error(diags, src, n->pos, "the pipeline's concurrency group is given twice");
        p->concurrency = n;
      }
      if (n->kind == N_ARTIFACTS) {
        if (p->artifacts) diag_error(diags, src, n->pos, "the artifacts' location is given twice");
        p->artifacts = n;
      }
    }
    if (P.panic) sync_decl(&P, t);
  }
  /* sort the declarations by kind into arena arrays */
  Node ***lists[] = {&p->imports, &p->lets, &p->fns, &p->envs, &p->triggers, &p->stages};
  int *counts[] = {&p->nimports, &p->nlets, &p->nfns, &p->nenvs, &p->ntriggers, &p->nstages};
  NodeKind kinds[] = {N_IMPORT, N_LET, N_FN, N_ENVIRONMENT, N_TRIGGER, N_STAGE};
  for (int k = 0; k < 6; k++) {
    int n = 0;
    for (int i = 0; i < decls_n; i++) n += decls[i]->kind == kinds[k];
    *lists[k] = n ? arena_alloc(&p->arena, sizeof(Node *) * (size_t)n) : NULL;
    for (int i = 0; i < decls_n; i++)
      if (decls[i]->kind == kinds[k]) (*lists[k])[(*counts[k])++] = decls[i];
  }
  split_trigger_defaults(p);
  p->decls.n = decls_n;
  p->decls.items = to_arena(&P, decls, (size_t)decls_n, sizeof *decls);
  p->comments = to_arena(&P, p->comments, (size_t)p->ncomments, sizeof *p->comments);
  return p;
}

Program *parse_file(const char *path, Diags *diags, char **err) {
  Source *src = source_load(path);
  if (!src) {
    *err = xasprintf("cannot read %s: %s", path, strerror(errno));
    return NULL;
  }
  return parse_program(src, diags);
}

void parse_file_free(Program *p) {
  if (!p) return;
  Source *src = p->src;
  program_free(p);
  source_free(src);
}

Node *parse_repl_line(Program *into, Source *src, Diags *diags) {
  Source *saved = into->src;
  into->src = src;
  Parser P;
  parser_start(&P, into, diags, false);
  Node *n = starts_decl(&P) && !is_ident(&P, P.cur, "let") ? parse_decl(&P) : parse_stmt(&P);
  if (n && !P.panic && !at(&P, T_EOF)) {
    char found[48];
    describe(&P, P.cur, found, sizeof found);
    error_at(&P, P.cur, "unexpected %s after the end of the input", found);
  }
  into->src = saved;
  return P.panic ? NULL : n;
}
