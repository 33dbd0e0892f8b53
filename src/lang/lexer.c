/* lexer.c — tokens from source text. */
#include "lang/lexer.h"

#include <ctype.h>
#include <string.h>

void lexer_init(Lexer *lx, const Source *src, Pos start, Diags *diags) {
  memset(lx, 0, sizeof *lx);
  lx->src = src;
  lx->at = start;
  lx->end = src->len;
  lx->diags = diags;
}

static int peek(const Lexer *lx, uint32_t ahead) {
  uint32_t o = lx->at.off + ahead;
  return o < lx->end ? (unsigned char)lx->src->text[o] : 0;
}

static void advance(Lexer *lx) {
  if (lx->at.off >= lx->end) return;
  if (lx->src->text[lx->at.off] == '\n') {
    lx->at.line++;
    lx->at.col = 1;
  } else {
    lx->at.col++;
  }
  lx->at.off++;
}

static void record_comment(Lexer *lx, Pos start) {
  while (peek(lx, 0) && peek(lx, 0) != '\n') advance(lx);
  if (!lx->comments) return;
  Comment c = {start, lx->at.off,
               arena_strndup(lx->arena, lx->src->text + start.off, lx->at.off - start.off)};
  VEC_PUSH(*lx->comments, *lx->ncomments, lx->comments_cap, c);
}

/* Skip blanks and comments; report whether a newline was crossed. */
static bool skip_space(Lexer *lx) {
  bool nl = false;
  for (;;) {
    int c = peek(lx, 0);
    if (c == '\n') nl = true;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      advance(lx);
    } else if (c == '#') {
      record_comment(lx, lx->at);
    } else {
      return nl;
    }
  }
}

bool parse_duration(const char *s, uint32_t len, int64_t *ms) {
  int64_t total = 0;
  uint32_t i = 0;
  if (len == 0) return false;
  while (i < len) {
    if (!isdigit((unsigned char)s[i])) return false;
    int64_t n = 0;
    while (i < len && isdigit((unsigned char)s[i])) {
      if (n > INT64_MAX / 10 - 10) return false;
      n = n * 10 + (s[i++] - '0');
    }
    int64_t unit;
    if (i + 1 < len && s[i] == 'm' && s[i + 1] == 's') unit = 1, i += 2;
    else if (i < len && s[i] == 's') unit = 1000, i++;
    else if (i < len && s[i] == 'm') unit = 60000, i++;
    else if (i < len && s[i] == 'h') unit = 3600000, i++;
    else if (i < len && s[i] == 'd') unit = 86400000, i++;
    else return false;
    if (n > INT64_MAX / unit) return false;
    total += n * unit;
  }
  *ms = total;
  return true;
}

static Token make(Lexer *lx, TokKind k, Pos start, bool nl) {
  return (Token){k, start, lx->at.off - start.off, nl};
}

static Token error_tok(Lexer *lx, Pos start, bool nl, const char *msg, int c) {
  if (c) diag_error(lx->diags, lx->src, start, msg, c);
  else diag_error(lx->diags, lx->src, start, "%s", msg);
  return make(lx, T_ERROR, start, nl);
}

static Token lex_number(Lexer *lx, Pos start, bool nl) {
  while (isdigit(peek(lx, 0)) || peek(lx, 0) == '_') advance(lx);
  if (peek(lx, 0) == '.' && isdigit(peek(lx, 1))) {
    advance(lx);
    while (isdigit(peek(lx, 0))) advance(lx);
    if (peek(lx, 0) == 'e' || peek(lx, 0) == 'E') {
      advance(lx);
      if (peek(lx, 0) == '+' || peek(lx, 0) == '-') advance(lx);
      while (isdigit(peek(lx, 0))) advance(lx);
    }
    return make(lx, T_FLOAT, start, nl);
  }
  if (isalpha(peek(lx, 0))) {
    /* a duration: digits and units, e.g. 1h30m */
    while (isalnum(peek(lx, 0))) advance(lx);
    int64_t ms;
    if (!parse_duration(lx->src->text + start.off, lx->at.off - start.off, &ms))
      return error_tok(lx, start, nl,
                       "malformed number or duration (units are ms, s, m, h, d: 90s, 1h30m)", 0);
    return make(lx, T_DURATION, start, nl);
  }
  return make(lx, T_INT, start, nl);
}

static bool skip_string_body(Lexer *lx, bool triple, bool raw);
bool lexer_skip_interpolation(Lexer *lx);

/* Skip a `${ ... }` interpolation, including strings nested in it. */
bool lexer_skip_interpolation(Lexer *lx) {
  int depth = 1;
  advance(lx), advance(lx); /* ${ */
  while (depth > 0) {
    int c = peek(lx, 0);
    if (!c) return false;
    if (c == '{') depth++;
    else if (c == '}') depth--;
    if (c == '"') {
      bool triple = peek(lx, 1) == '"' && peek(lx, 2) == '"';
      for (int i = 0; i < (triple ? 3 : 1); i++) advance(lx);
      if (!skip_string_body(lx, triple, false)) return false;
      continue;
    }
    advance(lx);
  }
  return true;
}

/* Skip to just past the closing quote(s). False at end of input (or, for
 * a one-line string, at end of line). */
static bool skip_string_body(Lexer *lx, bool triple, bool raw) {
  for (;;) {
    int c = peek(lx, 0);
    if (!c) return false;
    if (!triple && c == '\n') return false;
    if (c == '\\') {
      advance(lx);
      if (peek(lx, 0) && (triple || peek(lx, 0) != '\n')) advance(lx);
      continue;
    }
    if (!raw && c == '$' && peek(lx, 1) == '{') {
      if (!lexer_skip_interpolation(lx)) return false;
      continue;
    }
    if (c == '"') {
      if (!triple) {
        advance(lx);
        return true;
      }
      if (peek(lx, 1) == '"' && peek(lx, 2) == '"') {
        advance(lx), advance(lx), advance(lx);
        return true;
      }
    }
    advance(lx);
  }
}

static Token lex_string(Lexer *lx, Pos start, bool nl, bool raw) {
  bool triple = !raw && peek(lx, 1) == '"' && peek(lx, 2) == '"';
  for (int i = 0; i < (triple ? 3 : 1); i++) advance(lx);
  if (!skip_string_body(lx, triple, raw))
    return error_tok(lx, start, nl,
                     triple ? "unterminated \"\"\" string" : "unterminated string (a \" string ends on its line; use \"\"\" for several lines)",
                     0);
  return make(lx, raw ? T_REGEX : triple ? T_TSTRING : T_STRING, start, nl);
}

Token lexer_next(Lexer *lx) {
  bool nl = skip_space(lx);
  Pos start = lx->at;
  int c = peek(lx, 0);
  if (!c) return make(lx, T_EOF, start, nl);
  if (c == 'r' && peek(lx, 1) == 'e' && peek(lx, 2) == '"') {
    advance(lx), advance(lx);
    Token t = lex_string(lx, start, nl, true);
    return t;
  }
  if (isalpha(c) || c == '_') {
    while (isalnum(peek(lx, 0)) || peek(lx, 0) == '_') advance(lx);
    return make(lx, T_IDENT, start, nl);
  }
  if (isdigit(c)) return lex_number(lx, start, nl);
  if (c == '"') return lex_string(lx, start, nl, false);
  advance(lx);
  int d = peek(lx, 0);
#define TWO(ch, kind)                                                          \
  if (d == (ch)) {                                                             \
    advance(lx);                                                               \
    return make(lx, kind, start, nl);                                          \
  }
  switch (c) {
  case '(': return make(lx, T_LPAREN, start, nl);
  case ')': return make(lx, T_RPAREN, start, nl);
  case '[': return make(lx, T_LBRACKET, start, nl);
  case ']': return make(lx, T_RBRACKET, start, nl);
  case '{': return make(lx, T_LBRACE, start, nl);
  case '}': return make(lx, T_RBRACE, start, nl);
  case ',': return make(lx, T_COMMA, start, nl);
  case '.': return make(lx, T_DOT, start, nl);
  case ':': return make(lx, T_COLON, start, nl);
  case ';': return make(lx, T_SEMI, start, nl);
  case '+': return make(lx, T_PLUS, start, nl);
  case '*': return make(lx, T_STAR, start, nl);
  case '/': return make(lx, T_SLASH, start, nl);
  case '%': return make(lx, T_PERCENT, start, nl);
  case '?': TWO('?', T_COALESCE); return make(lx, T_QUESTION, start, nl);
  case '-': TWO('>', T_ARROW); return make(lx, T_MINUS, start, nl);
  case '=': TWO('=', T_EQ); TWO('>', T_FATARROW); TWO('~', T_MATCH); return make(lx, T_ASSIGN, start, nl);
  case '!': TWO('=', T_NE); TWO('~', T_NOMATCH); return make(lx, T_BANG, start, nl);
  case '<': TWO('=', T_LE); return make(lx, T_LT, start, nl);
  case '>': TWO('=', T_GE); return make(lx, T_GT, start, nl);
  case '&': TWO('&', T_AND); break;
  case '|': TWO('|', T_OR); break;
  }
#undef TWO
  if (c >= 0x80) {
    while (peek(lx, 0) >= 0x80) advance(lx);
    return error_tok(lx, start, nl, "unexpected non-ASCII character outside a string", 0);
  }
  return error_tok(lx, start, nl, "unexpected character '%c'", c);
}

const char *tok_kind_name(TokKind k) {
  static const char *names[] = {
      "end of file", "identifier", "integer", "number", "duration", "string", "string",
      "regex", "'('", "')'", "'['", "']'", "'{'", "'}'", "','", "'.'", "':'", "';'", "'?'",
      "'->'", "'=>'", "'='", "'=='", "'!='", "'=~'", "'!~'", "'<'", "'<='", "'>'", "'>='",
      "'+'", "'-'", "'*'", "'/'", "'%'", "'!'", "'&&'", "'||'", "'?\?'", "invalid token"};
  return names[k];
}
