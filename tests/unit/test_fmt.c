/* test_fmt.c — the formatter keeps the meaning and the comments of every
 * .rp file in the repository, and formatting formatted text changes
 * nothing. Meaning is compared as a dump of the syntax tree (no positions);
 * comments as the sorted list of their texts. The fmt inputs are also
 * checked with a comment added in every place one can go, and respaced
 * (the output must not depend on spacing). Also a few exact layouts that
 * depend on the column limit, which pairs of files pin down poorly. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fmt.h"
#include "lang/lexer.h"
#include "lang/parser.h"

static int failures, checks;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    checks++;                                                                  \
    if (!(cond)) {                                                             \
      failures++;                                                              \
      printf("not ok - %s:%d: ", __FILE__, __LINE__);                          \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
    }                                                                          \
  } while (0)

/* A dump of the tree without positions: the shared S-expression dump,
 * plus what it leaves out and fmt must still keep: whether an import's
 * alias was written, whether `manual()` had parentheses. */
static void dump(const Program *p, Buf *b) {
  ast_dump(p, b);
  for (int i = 0; i < p->decls.n; i++) {
    const Node *n = p->decls.items[i];
    if (n->kind == N_IMPORT) buf_printf(b, "import-alias %s %d\n", n->as.decl.alias, n->as.decl.explicit_alias);
    if (n->kind == N_TRIGGER) buf_printf(b, "inputs %d\n", n->as.trigger->has_inputs);
  }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The comments' texts, trailing blanks dropped, sorted, one per line. */
static char *comments_of(const Program *p) {
  char **v = xcalloc((size_t)p->ncomments + 1, sizeof *v);
  for (int i = 0; i < p->ncomments; i++) {
    size_t n = strlen(p->comments[i].text);
    while (n && (p->comments[i].text[n - 1] == ' ' || p->comments[i].text[n - 1] == '\t' ||
                 p->comments[i].text[n - 1] == '\r'))
      n--;
    v[i] = xstrndup(p->comments[i].text, n);
  }
  qsort(v, (size_t)p->ncomments, sizeof *v, cmp_str);
  Buf b = {0};
  for (int i = 0; i < p->ncomments; i++) {
    buf_printf(&b, "%s\n", v[i]);
    free(v[i]);
  }
  free(v);
  return b.data ? buf_take(&b) : xstrdup("");
}

typedef struct Parsed {
  Source *src;
  Program *p;
  int nerrors;
} Parsed;

static Parsed parse_text(const char *name, const char *text) {
  Parsed r;
  Diags d = {0};
  r.src = source_from_string(name, text);
  r.p = parse_program(r.src, &d);
  r.nerrors = d.nerrors;
  diags_free(&d);
  return r;
}

static void parsed_free(Parsed *r) {
  program_free(r->p);
  source_free(r->src);
}

static char *fmt_text(const char *text) {
  Parsed r = parse_text("<t>", text);
  char *out = r.nerrors ? NULL : fmt_program(r.p);
  parsed_free(&r);
  return out;
}

/* Same tree, same comments, and a fixed point. */
static void check_text(const char *path, const char *text) {
  Parsed a = parse_text(path, text);
  if (a.nerrors) { /* golden tests of errors; fmt refuses them */
    parsed_free(&a);
    return;
  }
  char *once = fmt_program(a.p);
  Parsed b = parse_text(path, once);
  CHECK(b.nerrors == 0, "%s: formatted text does not parse:\n%s", path, once);
  if (!b.nerrors) {
    Buf da = {0}, db = {0};
    dump(a.p, &da);
    dump(b.p, &db);
    CHECK(!strcmp(da.data ? da.data : "", db.data ? db.data : ""), "%s: tree changed:\n%s\n---\n%s", path,
          da.data, db.data);
    char *ca = comments_of(a.p), *cb = comments_of(b.p);
    CHECK(!strcmp(ca, cb), "%s: comments changed:\n%s---\n%s", path, ca, cb);
    char *twice = fmt_program(b.p);
    CHECK(!strcmp(once, twice), "%s: not idempotent:\n%s---\n%s", path, once, twice);
    free(twice);
    free(ca);
    free(cb);
    buf_free(&da);
    buf_free(&db);
  }
  parsed_free(&b);
  parsed_free(&a);
  free(once);
}

static void check_file(const char *path) {
  Source *s = source_load(path);
  if (!s) return;
  check_text(path, s->text);
  source_free(s);
}

static char *tree_of(const char *text, int *ncomments) {
  Parsed r = parse_text("<t>", text);
  char *out = NULL;
  if (!r.nerrors) {
    Buf b = {0};
    dump(r.p, &b);
    out = b.data ? buf_take(&b) : xstrdup("");
    *ncomments = r.p->ncomments;
  }
  parsed_free(&r);
  return out;
}

/* A comment wherever one can go: at the end of every line, and in place
 * of every space (then followed by a newline). Variants that change the
 * tree (a newline can end a statement) are skipped; every other must keep
 * its tree and all its comments through fmt, and fmt must be stable. */
static int nvariants;

static void check_with_comments(const char *path) {
  Source *s = source_load(path);
  if (!s) return;
  int nc0 = 0;
  char *tree0 = tree_of(s->text, &nc0);
  for (uint32_t i = 0; tree0 && i < s->len; i++) {
    if (s->text[i] != '\n' && s->text[i] != ' ') continue;
    char *v = xasprintf("%.*s%s%s", (int)i, s->text, s->text[i] == '\n' ? " # at end\n" : " # in place\n",
                        s->text + i + 1);
    int nc = 0;
    char *tree = tree_of(v, &nc);
    if (tree && nc == nc0 + 1 && !strcmp(tree, tree0)) {
      check_text(path, v);
      nvariants++;
    }
    free(tree);
    free(v);
  }
  free(tree0);
  source_free(s);
}

/* The same tokens and comments, with the same line breaks and blank
 * lines, but other spacing: 1-3 blanks between tokens, 0-7 of indentation.
 * NULL when the text does not lex. */
static char *respace(const char *text, unsigned seed) {
  Source *src = source_from_string("<r>", text);
  Diags d = {0};
  Arena arena = {0};
  Comment *cs = NULL;
  int nc = 0;
  Lexer lx;
  lexer_init(&lx, src, (Pos){0, 1, 1}, &d);
  lx.arena = &arena;
  lx.comments = &cs;
  lx.ncomments = &nc;
  Buf b = {0};
  uint32_t prev = 0;
  int ci = 0;
  for (;;) {
    Token t = lexer_next(&lx);
    /* each piece: the comments before this token, then the token */
    for (;;) {
      bool comment = ci < nc && (t.kind == T_EOF || cs[ci].pos.off < t.pos.off);
      if (!comment && t.kind == T_EOF) break;
      uint32_t off = comment ? cs[ci].pos.off : t.pos.off;
      uint32_t end = comment ? cs[ci].end : t.pos.off + t.len;
      int newlines = 0;
      for (uint32_t i = prev; i < off; i++) newlines += text[i] == '\n';
      for (int i = 0; i < newlines; i++) buf_putc(&b, '\n');
      seed = seed * 1103515245u + 12345u;
      int blanks = newlines ? (int)(seed >> 16) % 8 : prev ? 1 + (int)(seed >> 16) % 3 : 0;
      for (int i = 0; i < blanks; i++) buf_putc(&b, (seed >> 8) % 5 == 0 && newlines ? '\t' : ' ');
      buf_putn(&b, text + off, end - off);
      prev = end;
      if (!comment) break;
      ci++;
    }
    if (t.kind == T_EOF || t.kind == T_ERROR) break;
  }
  buf_putc(&b, '\n');
  char *out = d.nerrors ? NULL : buf_take(&b);
  buf_free(&b);
  free(cs);
  arena_free(&arena);
  diags_free(&d);
  source_free(src);
  return out;
}

/* Spacing never matters: a respaced file formats to the same text. */
static void check_respaced(const char *path) {
  Source *s = source_load(path);
  if (!s) return;
  char *want = fmt_text(s->text);
  for (unsigned seed = 1; want && seed <= 3; seed++) {
    char *v = respace(s->text, seed);
    char *got = v ? fmt_text(v) : NULL;
    CHECK(got && !strcmp(got, want), "%s respaced (seed %u) formats differently:\n%s\n---\n%s", path, seed,
          got ? got : "(parse error)", v ? v : "(lex error)");
    free(got);
    free(v);
  }
  free(want);
  source_free(s);
}

static int nfiles;

static void walk(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char *path = xasprintf("%s/%s", dir, e->d_name);
    size_t n = strlen(e->d_name);
    if (n > 3 && !strcmp(e->d_name + n - 3, ".rp")) {
      check_file(path);
      if (n > 6 && !strcmp(e->d_name + n - 6, ".in.rp")) check_with_comments(path);
      check_respaced(path);
      nfiles++;
    } else {
      walk(path);
    }
    free(path);
  }
  closedir(d);
}

static void expect_fmt(const char *in, const char *want) {
  char *out = fmt_text(in);
  CHECK(out && !strcmp(out, want), "fmt of:\n%s\ngave:\n%s\nwant:\n%s", in, out ? out : "(parse error)", want);
  free(out);
}

/* A call of exactly `width` columns (with the indentation of a stage). */
static char *call_of_width(int width) {
  Buf b = {0};
  buf_puts(&b, "stage s {\n  x = f(\"");
  for (int i = (int)strlen("  x = f(\"\")"); i < width; i++) buf_putc(&b, 'a');
  buf_puts(&b, "\")\n  y = 1\n}\n");
  return buf_take(&b);
}

static void test_width(void) {
  /* 100 columns fit on one line; 101 break the arguments */
  char *in = call_of_width(FMT_WIDTH);
  expect_fmt(in, in);
  free(in);
  in = call_of_width(FMT_WIDTH + 1);
  char *out = fmt_text(in);
  CHECK(out && strstr(out, "  x = f(\n    \"aaa"), "101 columns not broken:\n%s", out);
  CHECK(out && strstr(out, "\"\n  )\n"), "closing paren not on its own line:\n%s", out);
  free(out);
  free(in);
  /* a one-item block that fits goes on one line, one that does not breaks */
  expect_fmt("stage a {\n  sh \"x\"\n}\n", "stage a { sh \"x\" }\n");
  in = call_of_width(FMT_WIDTH - 3);
  char *one = xstrdup(in);
  char *cut = strstr(one, "\n  y = 1");
  strcpy(cut, "\n}\n"); /* a single statement of 97 columns at indent 2 */
  out = fmt_text(one);
  CHECK(out && !strncmp(out, "stage s {\n", 10), "a block of 105 columns went on one line:\n%s", out);
  free(out);
  free(one);
  free(in);
}

static void test_layouts(void) {
  expect_fmt("let   x=[1,2 , 3]\nlet y = {a:1,\"b\":2, \"a.b\" : 3}\n",
             "let x = [1, 2, 3]\nlet y = {a: 1, b: 2, \"a.b\": 3}\n");
  expect_fmt("let f = fn( t )=>t=~re\"^v\"\n", "let f = fn(t) => t =~ re\"^v\"\n");
  expect_fmt("let x = (a + b) * c - (d - e)\n", "let x = (a + b) * c - (d - e)\n");
  expect_fmt("let x = ((a + b)) + c\n", "let x = a + b + c\n");
  expect_fmt("let x = a || b && c\n", "let x = a || (b && c)\n");
  expect_fmt("let x = -(-1)\nlet y = !(a == b)\n", "let x = --1\nlet y = !(a == b)\n");
  expect_fmt("let x = (fn(a) => a)(1)\n", "let x = (fn(a) => a)(1)\n");
  expect_fmt("let x = (a ? b : c).d\n", "let x = (a ? b : c).d\n");
  expect_fmt("let x = (a ? b : c) ? d : e\n", "let x = (a ? b : c) ? d : e\n");
  expect_fmt("\n\n# head\n\n\n\nlet a = 1\n\n\n\nlet b = 2 # two\n\n",
             "# head\n\nlet a = 1\n\nlet b = 2 # two\n");
  expect_fmt("let a = 1 +   # why\n  2\n", "# why\nlet a = 1 + 2\n");
  expect_fmt("let s = \"a\\n\\$${x}\"\n", "let s = \"a\\n\\$${x}\"\n");
  expect_fmt("", "");
  expect_fmt("# only\n", "# only\n");
}

int main(void) {
  test_width();
  test_layouts();
  const char *top = getenv("top_srcdir");
  if (!top) top = ".";
  const char *dirs[] = {"tests", "examples", "stdlib"};
  for (int i = 0; i < 3; i++) {
    char *d = xasprintf("%s/%s", top, dirs[i]);
    walk(d);
    free(d);
  }
  printf("# %d files, %d variants with a comment added, %d checks, %d failed\n", nfiles, nvariants, checks,
         failures);
  return failures ? 1 : 0;
}
