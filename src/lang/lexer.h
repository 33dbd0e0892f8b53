/* lexer.h — turns source text into tokens.
 *
 * Strings are returned whole (T_STRING / T_TSTRING spans the quotes); the
 * parser splits their `${...}` parts by running a sub-lexer at the offset
 * of each interpolation, so positions inside strings stay exact. */
#ifndef RP_LEXER_H
#define RP_LEXER_H

#include "lang/ast.h"
#include "lang/diag.h"

typedef enum TokKind {
  T_EOF,
  T_IDENT,
  T_INT,
  T_FLOAT,
  T_DURATION,
  T_STRING,  /* "..." */
  T_TSTRING, /* """...""" */
  T_REGEX,   /* re"..." */
  T_LPAREN, T_RPAREN, T_LBRACKET, T_RBRACKET, T_LBRACE, T_RBRACE,
  T_COMMA, T_DOT, T_COLON, T_SEMI, T_QUESTION, T_ARROW /* -> */, T_FATARROW /* => */,
  T_ASSIGN, T_EQ, T_NE, T_MATCH, T_NOMATCH, T_LT, T_LE, T_GT, T_GE,
  T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT, T_BANG, T_AND, T_OR, T_COALESCE,
  T_ERROR /* already reported */
} TokKind;

typedef struct Token {
  TokKind kind;
  Pos pos;
  uint32_t len;
  bool nl_before; /* a newline separates it from the previous token */
} Token;

typedef struct Lexer {
  const Source *src;
  Pos at;
  uint32_t end; /* stop here: a sub-lexer inside ${} ends at its string's end */
  Diags *diags;
  /* comments seen so far (fmt keeps them); NULL to drop them */
  Comment **comments;
  int *ncomments, comments_cap;
  Arena *arena;
} Lexer;

void lexer_init(Lexer *lx, const Source *src, Pos start, Diags *diags);
Token lexer_next(Lexer *lx);
const char *tok_kind_name(TokKind k);
/* At a `${`: move just past its matching `}`; false if it never closes. */
bool lexer_skip_interpolation(Lexer *lx);
/* Parse a duration such as "1h30m" or "250ms"; false when malformed. */
bool parse_duration(const char *s, uint32_t len, int64_t *ms);

#endif
