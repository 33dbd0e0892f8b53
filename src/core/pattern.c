/* pattern.c — GitHub filter patterns and plain globs, matched without
 * backtracking. */
#include "core/pattern.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* One token: the bytes it consumes; `opt` lets it match nothing, `loop`
 * lets it repeat; `skip2` lets it and the next token match nothing (the
 * `**` of `**` + '/', which together match "" or "anything/"). */
typedef struct Tok {
  uint8_t set[32];
  bool opt, loop, skip2;
} Tok;

typedef struct Compiled {
  Tok *t;
  int n;
  const char *err;
  size_t off;
} Compiled;

static void set_add(Tok *t, unsigned c) { t->set[c >> 3] |= (uint8_t)(1u << (c & 7)); }
static bool set_has(const Tok *t, unsigned c) { return t->set[c >> 3] & (1u << (c & 7)); }

static Tok *push(Compiled *c) {
  Tok *t = &c->t[c->n++];
  memset(t, 0, sizeof *t);
  return t;
}

static void push_any(Compiled *c, bool slash, bool opt) {
  Tok *t = push(c);
  for (unsigned b = 1; b < 256; b++)
    if (slash || b != '/') set_add(t, b);
  t->opt = opt, t->loop = true;
}

/* `*`, `**` or `**` + '/' at p; returns the bytes read. */
static size_t stars(Compiled *c, const char *p) {
  if (p[1] != '*') {
    push_any(c, false, true);
    return 1;
  }
  if (p[2] != '/') {
    push_any(c, true, true);
    return 2;
  }
  push_any(c, true, false);
  c->t[c->n - 1].skip2 = true;
  set_add(push(c), '/');
  return 3;
}

static bool gh_set_char(char ch) { return isalnum((unsigned char)ch); }
static int char_class(char ch) { return isdigit((unsigned char)ch) ? 0 : islower((unsigned char)ch) ? 1 : 2; }

/* GitHub's `[...]` at p (p[0] == '['); returns the bytes read or 0 with
 * c->err set. */
static size_t gh_set(Compiled *c, const char *p, const char *start) {
  Tok *t = push(c);
  size_t i = 1;
  if (p[i] == ']') {
    c->err = "empty set '[]'", c->off = (size_t)(p - start);
    return 0;
  }
  for (; p[i] && p[i] != ']'; i++) {
    if (!gh_set_char(p[i])) {
      c->err = "a set '[...]' holds only letters and digits (GitHub's filter syntax)";
      c->off = (size_t)(p + i - start);
      return 0;
    }
    if (p[i + 1] == '-' && p[i + 2] && p[i + 2] != ']') {
      if (!gh_set_char(p[i + 2]) || char_class(p[i]) != char_class(p[i + 2]) || p[i] > p[i + 2]) {
        c->err = "a range in a set is within a-z, A-Z or 0-9, low to high";
        c->off = (size_t)(p + i - start);
        return 0;
      }
      for (unsigned b = (unsigned char)p[i]; b <= (unsigned char)p[i + 2]; b++) set_add(t, b);
      i += 2;
    } else {
      set_add(t, (unsigned char)p[i]);
    }
  }
  if (p[i] != ']') {
    c->err = "'[' without a closing ']' (write \\[ for the character)", c->off = (size_t)(p - start);
    return 0;
  }
  return i + 1;
}

/* A shell-like set for glob_match: `[!..]`/`[^..]` negate, a ']' first is
 * literal; no closing bracket makes '[' an ordinary character. */
static size_t glob_set(Compiled *c, const char *p) {
  Tok *t = push(c);
  size_t i = 1;
  bool neg = p[i] == '!' || p[i] == '^';
  if (neg) i++;
  for (size_t first = i; p[i] && (i == first || p[i] != ']'); i++) {
    if (p[i + 1] == '-' && p[i + 2] && p[i + 2] != ']') {
      for (unsigned b = (unsigned char)p[i]; b <= (unsigned char)p[i + 2]; b++) set_add(t, b);
      i += 2;
    } else {
      set_add(t, (unsigned char)p[i]);
    }
  }
  if (p[i] != ']') {
    memset(t->set, 0, sizeof t->set);
    set_add(t, '[');
    return 1;
  }
  if (neg)
    for (int k = 0; k < 32; k++) t->set[k] = (uint8_t)~t->set[k];
  t->set[0] &= (uint8_t)~1u; /* never NUL */
  return i + 1;
}

/* GitHub's `?` and `+` quantify the token just before them, which must be
 * a character or a set that has no quantifier yet; not a byte of a
 * multi-byte character, which GitHub would repeat whole. */
static bool quantify(Compiled *c, char q, bool prev_quantifiable, bool prev_utf8, size_t off) {
  if (prev_utf8) {
    c->err = "'?' and '+' after a non-ASCII character would repeat its last byte only (rp matches bytes); write the "
             "name out";
    c->off = off;
    return false;
  }
  if (!prev_quantifiable) {
    c->err = q == '?' ? "'?' repeats the character before it (zero or one), and there is none to repeat here"
                      : "'+' repeats the character before it (one or more), and there is none to repeat here";
    c->off = off;
    return false;
  }
  Tok *t = &c->t[c->n - 1];
  if (q == '?') t->opt = true;
  else t->loop = true;
  return true;
}

static Compiled compile(const char *pat, bool github) {
  Compiled c = {xcalloc(strlen(pat) + 1, sizeof(Tok)), 0, NULL, 0};
  bool quantifiable = false; /* the last token is a character or set */
  for (const char *p = pat; *p && !c.err;) {
    size_t off = (size_t)(p - pat), used = 1;
    bool q = false, utf8 = quantifiable && (unsigned char)p[-1] >= 0x80;
    if (*p == '*') {
      used = stars(&c, p);
    } else if (github && (*p == '?' || *p == '+')) {
      quantify(&c, *p, quantifiable, utf8, off);
    } else if (*p == '?') {
      push_any(&c, false, false);
      c.t[c.n - 1].loop = false;
    } else if (*p == '[') {
      used = github ? gh_set(&c, p, pat) : glob_set(&c, p);
      q = true;
    } else {
      if (*p == '\\' && p[1]) p++;
      else if (*p == '\\' && github) c.err = "'\\' at the end escapes nothing", c.off = off;
      set_add(push(&c), (unsigned char)*p);
      q = true;
    }
    quantifiable = q;
    p += used;
  }
  return c;
}

/* Adds what the states in `st` reach without reading a byte; every such
 * move goes forward, so one pass in order is enough. */
static void closure(const Tok *t, int n, bool *st) {
  for (int i = 0; i < n; i++) {
    if (!st[i]) continue;
    if (t[i].opt) st[i + 1] = true;
    if (t[i].skip2) st[i + 2] = true;
  }
}

/* State i: tokens 0..i-1 matched. A token that loops may read again from
 * the state just after it. */
static bool run(const Tok *t, int n, const char *s) {
  bool *cur = xcalloc((size_t)n + 1, sizeof *cur), *next = xcalloc((size_t)n + 1, sizeof *next);
  cur[0] = true;
  closure(t, n, cur);
  bool alive = true;
  for (; *s && alive; s++) {
    unsigned b = (unsigned char)*s;
    memset(next, 0, ((size_t)n + 1) * sizeof *next);
    alive = false;
    for (int i = 0; i < n; i++)
      if ((cur[i] && set_has(&t[i], b)) || (cur[i + 1] && t[i].loop && set_has(&t[i], b)))
        next[i + 1] = alive = true;
    closure(t, n, next);
    bool *tmp = cur;
    cur = next, next = tmp;
  }
  bool ok = alive && cur[n];
  free(cur);
  free(next);
  return ok;
}

const char *pattern_error(const char *pat, size_t *off) {
  Compiled c = compile(pat, true);
  free(c.t);
  if (c.err) *off = c.off;
  return c.err;
}

bool pattern_match(const char *pat, const char *s) {
  Compiled c = compile(pat, true);
  bool ok = !c.err && run(c.t, c.n, s);
  free(c.t);
  return ok;
}

bool pattern_list_match(const char *const *pats, int n, const char *s, int *which) {
  bool in = false;
  if (which) *which = -1;
  for (int i = 0; i < n; i++) {
    bool neg = pats[i][0] == '!';
    if (pattern_match(pats[i] + neg, s)) {
      in = !neg;
      if (which) *which = i;
    }
  }
  return in;
}

bool glob_match(const char *pattern, const char *s) {
  Compiled c = compile(pattern, false);
  bool ok = run(c.t, c.n, s);
  free(c.t);
  return ok;
}
