/* shtemplate.c — compiling sh templates: a scanner that follows the
 * shell's contexts through the code, with a stack of them, to write each
 * value's reference in the form its context needs (see shtemplate.h).
 *
 * The scanner reads the pipeline's code only, never a value, so no value
 * can steer it. And safety does not rest on it being right: every form of
 * reference is one variable expansion with its quotes balanced in every
 * context, so a context judged wrongly costs exactness (word splitting),
 * never a value parsed as code. The exception is shell arithmetic, which
 * evaluates text (bash runs $(...) in an array subscript there): a value
 * inside $(( )) must be an integer. */
#include "prim/shtemplate.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
  F_CODE,     /* commands: the template itself */
  F_CMDSUB,   /* $( ... ): commands, until the ) that closes it */
  F_BACKTICK, /* ` ... `: commands */
  F_PARAM,    /* ${name...}: quoted when it sits inside "..." */
  F_SQUOTE,   /* ' ... ' */
  F_DQUOTE,   /* " ... " */
  F_ARITH,    /* $(( ... )) */
  F_HEREDOC,  /* a here-document's body */
  F_COMMENT,  /* # ... to the end of the line */
} FrameKind;

typedef struct HereDoc {
  char *delim;
  bool quoted;     /* <<'EOF', <<"EOF", <<\EOF: the body is not expanded */
  bool strip_tabs; /* <<-EOF */
} HereDoc;

typedef struct Frame {
  FrameKind kind;
  bool quoted; /* F_PARAM: inside "..." (or a here-document, or arithmetic) */
  int parens;  /* ( open in this frame */
  int cases;   /* case ... esac open in this frame: their patterns end in a bare ) */
  int doc;     /* F_HEREDOC: its index in Scan.docs */
  long matched; /* F_HEREDOC: bytes of the delimiter this line began with; -1: not it */
} Frame;

typedef struct Scan {
  const ShTemplate *t;
  const char *s;
  size_t len, i; /* the code, and where the scan is */
  int hole;      /* the next value */
  size_t copied; /* code written out so far */
  Frame *stack;
  int depth, cap;
  HereDoc *docs; /* here-documents met; their bodies start at the next newline */
  int ndocs, docs_cap, next_doc;
  Buf code, shown, env;
  char *err;
  const void *err_tag;
} Scan;

/* ---- the template being built ---- */

Buf *sh_template_hole(ShTemplate *t, bool secret, const void *tag) {
  if (t->nholes == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 4;
    t->holes = xrealloc(t->holes, (size_t)t->cap * sizeof *t->holes);
  }
  ShHole *h = &t->holes[t->nholes++];
  *h = (ShHole){.at = t->code.len, .secret = secret, .tag = tag};
  return &h->text;
}

void sh_template_free(ShTemplate *t) {
  for (int k = 0; k < t->nholes; k++) buf_free(&t->holes[k].text);
  free(t->holes);
  buf_free(&t->code);
  *t = (ShTemplate){0};
}

void sh_command_free(ShCommand *c) {
  if (!c) return;
  for (char **e = c->env; *e; e++) free(*e);
  free(c->env);
  free(c->code);
  free(c->shown);
  free(c);
}

/* ---- the scanner's state ---- */

static void refuse(Scan *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(Scan *sc, const char *fmt, ...) {
  if (sc->err) return;
  va_list ap;
  va_start(ap, fmt);
  Buf b = {0};
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  sc->err = buf_take(&b);
  sc->err_tag = sc->hole < sc->t->nholes ? sc->t->holes[sc->hole].tag : NULL;
}

/* Whether the next value sits at `pos` (values before the scan position
 * are done, so only the next one can). */
static bool hole_at(const Scan *sc, size_t pos) {
  return sc->hole < sc->t->nholes && sc->t->holes[sc->hole].at == pos;
}

static Frame *top(Scan *sc) { return &sc->stack[sc->depth - 1]; }

static Frame *push(Scan *sc, FrameKind kind) {
  if (sc->depth == sc->cap) {
    sc->cap = sc->cap ? 2 * sc->cap : 8;
    sc->stack = xrealloc(sc->stack, (size_t)sc->cap * sizeof *sc->stack);
  }
  Frame *f = &sc->stack[sc->depth++];
  *f = (Frame){.kind = kind};
  return f;
}

static void pop(Scan *sc) {
  if (sc->depth > 1) sc->depth--;
}

static bool runs_commands(FrameKind k) {
  return k == F_CODE || k == F_CMDSUB || k == F_BACKTICK;
}

/* Where an expansion would be split into words and globbed. */
static bool unquoted(const Frame *f) {
  return runs_commands(f->kind) || f->kind == F_COMMENT || (f->kind == F_PARAM && !f->quoted);
}

/* Inside $(( )), not in a command substituted inside it. */
static bool in_arith(const Scan *sc) {
  for (int d = sc->depth - 1; d >= 0; d--) {
    FrameKind k = sc->stack[d].kind;
    if (k == F_ARITH) return true;
    if (runs_commands(k) || k == F_HEREDOC) return false;
  }
  return false;
}

/* ---- a value ---- */

static bool is_integer(const char *s, size_t n) {
  size_t i = n && (s[0] == '-' || s[0] == '+');
  if (i == n) return false;
  for (; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

static void put_escaped(Buf *b, const char *s, size_t n, const char *special) {
  for (size_t i = 0; i < n; i++) {
    if (strchr(special, s[i])) buf_putc(b, '\\');
    buf_putc(b, s[i]);
  }
}

/* The value as the shell would read it written in at that place. */
static void show_value(Buf *b, const ShHole *h, const Frame *f) {
  const char *v = h->text.data ? h->text.data : "";
  bool word = unquoted(f);
  if (h->secret) {
    buf_puts(b, "***");
  } else if (word || f->kind == F_SQUOTE) {
    if (word) buf_putc(b, '\'');
    for (size_t i = 0; i < h->text.len; i++)
      if (v[i] == '\'') buf_puts(b, "'\\''");
      else buf_putc(b, v[i]);
    if (word) buf_putc(b, '\'');
  } else if (f->kind == F_HEREDOC) {
    put_escaped(b, v, h->text.len, "\\$`");
  } else if (f->kind == F_ARITH) {
    buf_putn(b, v, h->text.len);
  } else {
    put_escaped(b, v, h->text.len, "\\\"$`");
  }
}

static void put_hole(Scan *sc) {
  const ShHole *h = &sc->t->holes[sc->hole];
  Frame *f = top(sc);
  const char *text = h->text.data ? h->text.data : "";
  const HereDoc *doc = f->kind == F_HEREDOC ? &sc->docs[f->doc] : NULL;
  if (memchr(text, 0, h->text.len))
    refuse(sc, "a ${...} value holds a NUL byte, which no command can receive");
  else if (doc && doc->quoted)
    refuse(sc, "${...} in a quoted here-document (<<'%s') is never expanded by the shell: "
               "write <<%s to have the value there", doc->delim, doc->delim);
  else if (in_arith(sc) && !is_integer(text, h->text.len))
    refuse(sc, "a ${...} value inside $(( )) must be an integer (the shell evaluates it as arithmetic)");
  if (sc->err) return;
  buf_putn(&sc->code, sc->s + sc->copied, h->at - sc->copied);
  buf_putn(&sc->shown, sc->s + sc->copied, h->at - sc->copied);
  sc->copied = h->at;
  int n = ++sc->hole;
  if (f->kind == F_SQUOTE) buf_printf(&sc->code, "'\"${" SH_VALUE_PREFIX "%d}\"'", n);
  else if (unquoted(f)) buf_printf(&sc->code, "\"${" SH_VALUE_PREFIX "%d}\"", n);
  else buf_printf(&sc->code, "${" SH_VALUE_PREFIX "%d}", n);
  show_value(&sc->shown, h, f);
  buf_printf(&sc->env, SH_VALUE_PREFIX "%d=%s", n, text);
  buf_putc(&sc->env, 0); /* entries are split at the NULs */
  if (f->kind == F_HEREDOC) f->matched = -1;
}

/* ---- the code ---- */

static bool word_start(const Scan *sc) {
  if (sc->hole > 0 && sc->t->holes[sc->hole - 1].at == sc->i) return false; /* a value ends there */
  return sc->i == 0 || strchr(" \t\n;&|()<>", sc->s[sc->i - 1]);
}

/* `case ... esac` around the position: the ) ending a pattern closes nothing. */
static void keyword(Scan *sc, Frame *f) {
  size_t i = sc->i, end = i + 4;
  if (end > sc->len || (sc->hole < sc->t->nholes && sc->t->holes[sc->hole].at <= end)) return;
  if (end < sc->len && !strchr(" \t\n;&|()", sc->s[end])) return;
  if (!memcmp(sc->s + i, "case", 4)) f->cases++;
  else if (!memcmp(sc->s + i, "esac", 4) && f->cases) f->cases--;
}

/* A backslash escapes the next byte; before a value it would escape the
 * quoting of its reference. */
static void escape(Scan *sc) {
  if (hole_at(sc, sc->i + 1))
    refuse(sc, "a backslash right before ${...} would escape the quotes around the value: remove it");
  else if (sc->i + 1 < sc->len)
    sc->i++;
}

/* ` opens a command substitution, or closes the one it is in (quotes do
 * not hide a backquote from the one around them). */
static void backtick(Scan *sc) {
  for (int d = sc->depth - 1; d > 0; d--)
    if (sc->stack[d].kind == F_BACKTICK) {
      sc->depth = d;
      return;
    }
  push(sc, F_BACKTICK);
}

static void dollar(Scan *sc) {
  size_t i = sc->i;
  if (hole_at(sc, i + 1)) {
    refuse(sc, "a $ right before ${...} would make the shell read them as one expansion: "
               "escape it (\\$) for a literal $");
    return;
  }
  if (i + 1 >= sc->len) return;
  bool quoted = !unquoted(top(sc));
  if (sc->s[i + 1] == '(' && i + 2 < sc->len && sc->s[i + 2] == '(' && !hole_at(sc, i + 2)) {
    push(sc, F_ARITH);
    sc->i += 2;
  } else if (sc->s[i + 1] == '(') {
    push(sc, F_CMDSUB);
    sc->i++;
  } else if (sc->s[i + 1] == '{') {
    push(sc, F_PARAM)->quoted = quoted;
    sc->i++;
  }
}

/* <<WORD (not <<< WORD): the body starts at the next newline and ends at
 * the line that is WORD; quoting any of WORD turns expansion off. */
static void heredoc_operator(Scan *sc) {
  size_t j = sc->i + 1;
  if (j >= sc->len || sc->s[j] != '<' || hole_at(sc, j)) return;
  j++;
  if (j < sc->len && sc->s[j] == '<' && !hole_at(sc, j)) {
    sc->i = j;
    return;
  }
  HereDoc d = {.strip_tabs = j < sc->len && sc->s[j] == '-' && !hole_at(sc, j)};
  if (d.strip_tabs) j++;
  while (j < sc->len && (sc->s[j] == ' ' || sc->s[j] == '\t') && !hole_at(sc, j)) j++;
  Buf word = {0};
  char quote = 0;
  for (;; j++) {
    if (hole_at(sc, j)) {
      buf_free(&word);
      refuse(sc, "a here-document's delimiter cannot be a ${...} value");
      return;
    }
    if (j >= sc->len) break;
    char c = sc->s[j];
    if (quote) {
      if (c == quote) quote = 0;
      else buf_putc(&word, c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      d.quoted = true;
    } else if (c == '\\') {
      d.quoted = true;
      if (j + 1 < sc->len && !hole_at(sc, j + 1)) buf_putc(&word, sc->s[++j]);
    } else if (strchr(" \t\n;&|<>()", c)) {
      break;
    } else {
      buf_putc(&word, c);
    }
  }
  sc->i = j - 1; /* the byte after the word is scanned as usual */
  if (!word.len && !d.quoted) return;
  d.delim = word.data ? buf_take(&word) : xstrdup("");
  if (sc->ndocs == sc->docs_cap) {
    sc->docs_cap = sc->docs_cap ? 2 * sc->docs_cap : 4;
    sc->docs = xrealloc(sc->docs, (size_t)sc->docs_cap * sizeof *sc->docs);
  }
  sc->docs[sc->ndocs++] = d;
}

/* At a newline where commands are read: the next waiting here-document's
 * body begins. */
static void newline(Scan *sc) {
  if (sc->next_doc == sc->ndocs) return;
  Frame *f = push(sc, F_HEREDOC);
  f->doc = sc->next_doc++;
}

static void step(Scan *sc);

static void step_commands(Scan *sc, Frame *f, char c) {
  switch (c) {
  case '\\': escape(sc); break;
  case '\'': push(sc, F_SQUOTE); break;
  case '"': push(sc, F_DQUOTE); break;
  case '`': backtick(sc); break;
  case '$': dollar(sc); break;
  case '<': heredoc_operator(sc); break;
  case '\n': newline(sc); break;
  case '(': f->parens++; break;
  case ')':
    if (f->parens) f->parens--;
    else if (f->kind == F_CMDSUB && !f->cases) pop(sc);
    break;
  case '}':
    if (f->kind == F_PARAM) pop(sc);
    break;
  case '#':
    if (word_start(sc)) push(sc, F_COMMENT);
    break;
  default:
    if (word_start(sc)) keyword(sc, f);
  }
}

/* Inside "...", and in an expanded here-document body, only \ $ ` act. */
static void step_expanding(Scan *sc, Frame *f, char c) {
  if (c == '\\') escape(sc);
  else if (c == '$') dollar(sc);
  else if (c == '`') backtick(sc);
  else if (c == '"' && f->kind == F_DQUOTE) pop(sc);
  else if (c == '"' && f->kind == F_PARAM) push(sc, F_DQUOTE);
  else if (c == '}' && f->kind == F_PARAM) pop(sc);
}

static void step_heredoc(Scan *sc, Frame *f, char c) {
  const HereDoc *doc = &sc->docs[f->doc];
  size_t dlen = strlen(doc->delim);
  if (f->matched == 0 && c == '\t' && doc->strip_tabs) return;
  if (c == '\n') {
    bool ends = f->matched == (long)dlen;
    f->matched = 0;
    if (ends) {
      pop(sc);
      newline(sc); /* the next here-document of the same line, if any */
    }
    return;
  }
  if (f->matched >= 0) f->matched = (size_t)f->matched < dlen && doc->delim[f->matched] == c ? f->matched + 1 : -1;
  if (!doc->quoted) step_expanding(sc, f, c);
}

static void step(Scan *sc) {
  Frame *f = top(sc);
  char c = sc->s[sc->i];
  switch (f->kind) {
  case F_SQUOTE:
    if (c == '\'') pop(sc);
    else if (c == '`') backtick(sc);
    break;
  case F_DQUOTE: step_expanding(sc, f, c); break;
  case F_PARAM:
    if (f->quoted) step_expanding(sc, f, c);
    else step_commands(sc, f, c);
    break;
  case F_ARITH:
    if (c == '(') f->parens++;
    else if (c == ')' && f->parens) f->parens--;
    else if (c == ')' && sc->i + 1 < sc->len && sc->s[sc->i + 1] == ')' && !hole_at(sc, sc->i + 1)) pop(sc), sc->i++;
    else if (c == '$') dollar(sc);
    else if (c == '`') backtick(sc);
    break;
  case F_HEREDOC: step_heredoc(sc, f, c); break;
  case F_COMMENT:
    if (c == '\n') {
      pop(sc);
      step(sc); /* the newline ends the comment and is read as one */
    }
    break;
  default: step_commands(sc, f, c);
  }
}

/* ---- compiling ---- */

static char **split_env(Buf *env, int n) {
  char **v = xcalloc((size_t)n + 1, sizeof *v);
  const char *p = env->data;
  for (int k = 0; k < n; k++, p += strlen(p) + 1) v[k] = xstrdup(p);
  return v;
}

ShCommand *sh_template_compile(ShTemplate *t, char **err, const void **tag) {
  Scan sc = {.t = t, .s = t->code.data ? t->code.data : "", .len = t->code.len};
  push(&sc, F_CODE);
  if (memchr(sc.s, 0, sc.len)) sc.err = xstrdup("the command holds a NUL byte (from raw()?), which no shell can read");
  for (sc.i = 0; !sc.err; sc.i++) {
    while (!sc.err && hole_at(&sc, sc.i)) put_hole(&sc);
    if (sc.err || sc.i >= sc.len) break;
    step(&sc);
  }
  ShCommand *c = NULL;
  if (!sc.err) {
    buf_putn(&sc.code, sc.s + sc.copied, sc.len - sc.copied);
    buf_putn(&sc.shown, sc.s + sc.copied, sc.len - sc.copied);
    c = xcalloc(1, sizeof *c);
    c->code = sc.code.data ? buf_take(&sc.code) : xstrdup("");
    c->shown = sc.shown.data ? buf_take(&sc.shown) : xstrdup("");
    c->env = split_env(&sc.env, t->nholes);
  }
  *err = sc.err;
  *tag = sc.err_tag;
  for (int k = 0; k < sc.ndocs; k++) free(sc.docs[k].delim);
  free(sc.docs);
  free(sc.stack);
  buf_free(&sc.code);
  buf_free(&sc.shown);
  buf_free(&sc.env);
  sh_template_free(t);
  return c;
}

/* ---- as a value ---- */

typedef struct CommandObject {
  Object base;
  ShCommand *c;
} CommandObject;

static void command_free(Obj *o) { sh_command_free(((CommandObject *)o)->c); }
static void command_show(Obj *o, Buf *b) { buf_puts(b, ((CommandObject *)o)->c->shown); }
static const ObjectType command_type = {"sh command", command_free, command_show};

Value sh_command_value(ShCommand *c) {
  CommandObject *o = xcalloc(1, sizeof *o);
  o->base.type = &command_type;
  o->c = c;
  return v_object(&o->base);
}

const ShCommand *sh_command_of(Value v) {
  if (v.kind != V_OBJECT || as_object(v)->type != &command_type) return NULL;
  return ((CommandObject *)as_object(v))->c;
}
