/* test_re.c — PCRE2 primitives: match, find, find_all, replace, split, cache. */
#include <stdlib.h>

#include "check_git.h"
#include "core/re.h"

#define LEN(s) strlen(s)

static char *repeat(char c, size_t n) {
  char *s = malloc(n + 1);
  memset(s, c, n);
  s[n] = 0;
  return s;
}

static void test_match(ReCtx *ctx) {
  static const struct { const char *pat, *text; bool want; } t[] = {
      {"^v\\d+\\.\\d+", "v1.2", true},   {"abc", "xabcx", true}, /* unanchored */
      {"^abc$", "xabc", false},          {"(?i)HELLO", "hello", true},
      {"é", "café", true},               {"^.{4}$", "café", true}, /* 4 code points, 5 bytes */
      {"^.{5}$", "café", false},         {"^\\w+$", "naïve", true}, /* \w is Unicode-aware */
      {"^\\d$", "\xd9\xa3", true},       /* ARABIC-INDIC DIGIT THREE */
      {"^[^a]$", "é", true},             {"b", "a\xff" "b", true}, /* invalid UTF-8 is not an error */
      {"^.$", "\xff", false},            {"^$", "", true},
      {"release/.*", "refs/heads/release/1.x", true}, {"^main$", "mainline", false},
      {"\\bfix\\b", "hotfix", false},
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    bool got = !t[i].want;
    char *err = NULL;
    CHECK_MSG(re_match(ctx, t[i].pat, t[i].text, LEN(t[i].text), &got, NULL, &err), "%s", err);
    CHECK_MSG(got == t[i].want, "match(/%s/, \"%s\") = %d", t[i].pat, t[i].text, got);
    free(err);
  }
  /* match can hand back the captures too */
  ReMatch m;
  bool got = false;
  CHECK(re_match(ctx, "^(\\w+)/(.+)$", "feature/login-page", 18, &got, &m, NULL));
  CHECK(got && m.ngroups == 3);
  if (got && m.ngroups == 3) {
    CHECK_STR(m.groups[1].text, "feature");
    CHECK_STR(m.groups[2].text, "login-page");
  }
  re_match_free(&m);
}

static void test_find(ReCtx *ctx) {
  static const struct {
    const char *pat, *text;
    size_t from;
    const char *whole;
    size_t start;
    const char *g1, *g2; /* NULL: unset or absent */
  } t[] = {
      {"(\\d+)-(\\d+)", "ab 12-34 cd", 0, "12-34", 3, "12", "34"},
      {"a(b)?c", "xac", 0, "ac", 1, NULL, NULL},
      {"(a)|(b)", "cb", 0, "b", 1, NULL, "b"},
      {"ü(x)", "aüx", 0, "üx", 1, "x", NULL},   /* byte offsets: ü is two bytes */
      {"\\d", "1a2", 1, "2", 2, NULL, NULL},     /* from an offset */
      {"(?<=a)b", "abab", 2, "b", 3, NULL, NULL}, /* lookbehind sees before `from` */
      {"x", "abc", 0, NULL, 0, NULL, NULL},
      {"a", "a", 5, NULL, 0, NULL, NULL},        /* from past the end: no match */
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    ReMatch m;
    bool found = true;
    char *err = NULL;
    CHECK_MSG(re_find(ctx, t[i].pat, t[i].text, LEN(t[i].text), t[i].from, &m, &found, &err),
              "%s", err);
    free(err);
    CHECK_MSG(found == (t[i].whole != NULL), "find(/%s/, \"%s\")", t[i].pat, t[i].text);
    if (found && t[i].whole) {
      CHECK_STR(m.groups[0].text, t[i].whole);
      CHECK_INT(m.groups[0].start, t[i].start);
      CHECK_INT(m.groups[0].end, t[i].start + strlen(t[i].whole));
      if (m.ngroups > 1) {
        CHECK_STR(m.groups[1].text, t[i].g1);
        CHECK(m.groups[1].set == (t[i].g1 != NULL));
      }
      if (m.ngroups > 2) CHECK_STR(m.groups[2].text, t[i].g2);
    }
    re_match_free(&m);
  }
}

static void test_named_groups(ReCtx *ctx) {
  ReMatch m;
  bool found;
  const char *text = "image: registry.local/app:v1.22.3";
  CHECK(re_find(ctx, ":v(?<major>\\d+)\\.(?<minor>\\d+)\\.(\\d+)$", text, LEN(text), 0, &m, &found, NULL));
  CHECK(found && m.ngroups == 4);
  const ReGroup *g = re_group_named(&m, "major");
  CHECK(g && g->set && !strcmp(g->text, "1"));
  g = re_group_named(&m, "minor");
  CHECK(g && !strcmp(g->text, "22") && g == &m.groups[2]);
  CHECK(m.groups[3].name == NULL && !strcmp(m.groups[3].text, "3"));
  CHECK(re_group_named(&m, "patch") == NULL);
  re_match_free(&m);

  /* duplicate names across alternatives */
  CHECK(re_find(ctx, "(?J)(?<n>a)|(?<n>b)", "b", 1, 0, &m, &found, NULL));
  CHECK(found && m.ngroups == 3);
  CHECK(!m.groups[1].set && m.groups[2].set);
  CHECK_STR(m.groups[2].name, "n");
  re_match_free(&m);
}

static void test_find_all(ReCtx *ctx) {
  static const struct { const char *pat, *text, *want; } t[] = {
      /* `want` lists the matches joined by '|' */
      {"\\d+", "a1b22c333", "1|22|333"},
      {"x*", "axb", "|x||"},
      {"", "hé", "||"},                 /* at 0, 1 and 3: never inside é */
      {"[a-z]+", "ÀB cd éf", "cd|f"},
      {"\\w+", "día über", "día|über"},
      {"z", "abc", ""},
      {"a|ab", "abab", "a|a"},          /* leftmost-first, not longest */
      {"(?=b)|b", "ab", "|b"},          /* empty, then non-empty at the same place */
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    ReMatches ms;
    char *err = NULL;
    CHECK_MSG(re_find_all(ctx, t[i].pat, t[i].text, LEN(t[i].text), &ms, &err), "%s", err);
    free(err);
    char joined[256] = "";
    for (size_t j = 0; j < ms.n; j++) {
      if (j) strcat(joined, "|");
      strcat(joined, ms.items[j].groups[0].text);
    }
    CHECK_MSG(!strcmp(joined, t[i].want), "find_all(/%s/, \"%s\") = \"%s\" (%zu), want \"%s\"",
              t[i].pat, t[i].text, joined, ms.n, t[i].want);
    /* replace works on exactly the same matches */
    size_t n;
    char *r = re_replace(ctx, t[i].pat, t[i].text, LEN(t[i].text), "\x01", &n, NULL);
    size_t marks = 0;
    for (size_t j = 0; r && j < n; j++) marks += r[j] == '\x01';
    CHECK_MSG(marks == ms.n, "/%s/: %zu replacements, %zu matches", t[i].pat, marks, ms.n);
    free(r);
    re_matches_free(&ms);
  }
  /* named groups per match */
  ReMatches ms;
  CHECK(re_find_all(ctx, "(?<k>\\w+)=(?<v>\\w*)", "a=1 bb=22 c=", 12, &ms, NULL));
  CHECK_INT(ms.n, 3);
  if (ms.n == 3) {
    CHECK_STR(re_group_named(&ms.items[1], "k")->text, "bb");
    CHECK_STR(re_group_named(&ms.items[1], "v")->text, "22");
    CHECK_STR(re_group_named(&ms.items[2], "v")->text, "");
    CHECK(re_group_named(&ms.items[2], "v")->set);
    CHECK_INT(ms.items[2].groups[0].start, 10);
  }
  re_matches_free(&ms);
}

static void test_replace(ReCtx *ctx) {
  static const struct { const char *pat, *text, *with, *want; } t[] = {
      {"\\d+", "a1b22", "#", "a#b#"},
      {"(\\w+)@(\\w+)", "joe@example", "$2 at $1", "example at joe"},
      {"(?<major>\\d+)\\.(?<minor>\\d+)", "v1.2", "${minor}.${major}", "v2.1"},
      {"(\\d)", "a1", "${1}0", "a10"},
      {"x", "abc", "y", "abc"},
      {"a", "aaa", "$$", "$$$"},
      {"x*", "abc", "-", "-a-b-c-"},
      {"é", "éé", "e", "ee"},
      {"(a)|b", "ab", "[$1]", "[a][]"},          /* an unset group is empty */
      {"^", "l1\nl2", "> ", "> l1\nl2"},
      {"(?m)^", "l1\nl2", "> ", "> l1\n> l2"},
      {"tag: .*", "image:\n  tag: 1.0.0 # pinned\n", "tag: 1.1.0", "image:\n  tag: 1.1.0\n"},
      {"(?i)SECRET", "a secret Secret", "***", "a *** ***"},
      {"", "", "x", "x"},
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    char *err = NULL;
    size_t n = 0;
    char *r = re_replace(ctx, t[i].pat, t[i].text, LEN(t[i].text), t[i].with, &n, &err);
    CHECK_MSG(r != NULL, "%s", err);
    free(err);
    if (!r) continue;
    CHECK_MSG(!strcmp(r, t[i].want), "replace(/%s/, \"%s\", \"%s\") = \"%s\"", t[i].pat,
              t[i].text, t[i].with, r);
    CHECK_INT(n, strlen(t[i].want));
    free(r);
  }
  /* a result much longer than the text: the buffer is grown */
  size_t len = 10000, n = 0;
  char *big = repeat('a', len);
  char *r = re_replace(ctx, "a", big, len, "bbbb", &n, NULL);
  CHECK(r && n == 4 * len && r[0] == 'b' && r[n - 1] == 'b' && r[n] == 0 && !strchr(r, 'a'));
  free(r);
  free(big);
  /* bad replacements name the pattern and the replacement */
  static const char *const bad[] = {"${nope}", "$9", "${1"};
  for (size_t i = 0; i < 3; i++) {
    char *err = NULL;
    r = re_replace(ctx, "(x)", "axb", 3, bad[i], NULL, &err);
    CHECK_MSG(!r, "accepted replacement %s", bad[i]);
    CHECK_MSG(err && strstr(err, bad[i]) && strstr(err, "\"(x)\""), "%s", err ? err : "");
    free(r);
    free(err);
  }
}

static void test_split(ReCtx *ctx) {
  static const struct { const char *pat, *text, *want; size_t n; } t[] = {
      /* `want` is the pieces joined by '|' */
      {",", "a,b,,c", "a|b||c", 4},
      {"\\s*,\\s*", "a , b,c", "a|b|c", 3},
      {"", "abc", "a|b|c", 3},
      {"", "hé", "h|é", 2},                   /* whole code points */
      {"x*", "axb", "a|b", 2},
      {",", "a,", "a|", 2},
      {",", ",a", "|a", 2},
      {",", "", "", 1},
      {"\\s+", "one two\tthree\n", "one|two|three|", 4},
      {"·", "a·b·c", "a|b|c", 3},
      {"z", "abc", "abc", 1},
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    RePieces p;
    char *err = NULL;
    CHECK_MSG(re_split(ctx, t[i].pat, t[i].text, LEN(t[i].text), &p, &err), "%s", err);
    free(err);
    char joined[256] = "";
    for (size_t j = 0; j < p.n; j++) {
      if (j) strcat(joined, "|");
      strcat(joined, p.items[j]);
      CHECK(p.lens[j] == strlen(p.items[j]));
    }
    CHECK_MSG(p.n == t[i].n && !strcmp(joined, t[i].want),
              "split(/%s/, \"%s\") = \"%s\" (%zu pieces), want \"%s\" (%zu)", t[i].pat,
              t[i].text, joined, p.n, t[i].want, t[i].n);
    re_pieces_free(&p);
  }
}

static void test_errors(ReCtx *ctx) {
  static const char *const bad[] = {"(", "a{2,1}", "\\", "[z-a]", "(?<1x>a)", "\xff"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char *err = NULL;
    bool got;
    CHECK_MSG(!re_match(ctx, bad[i], "a", 1, &got, NULL, &err), "compiled /%s/", bad[i]);
    CHECK_MSG(err && strstr(err, "offset") && strstr(err, "invalid regular expression"), "%s",
              err ? err : "");
    free(err);
  }
  /* catastrophic backtracking stops at PCRE2's match limit, as an error */
  const char *evil = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
  char *err = NULL;
  bool got = true;
  CHECK(!re_match(ctx, "^(a+)+$", evil, strlen(evil), &got, NULL, &err));
  CHECK(err && strstr(err, "match limit") && strstr(err, "\"^(a+)+$\""));
  free(err);
  err = NULL;
  CHECK(!re_check(ctx, "a(b", &err));
  CHECK(err && strstr(err, "\"a(b\""));
  free(err);
  CHECK(re_check(ctx, "a(b)", NULL));
}

static void test_cache(void) {
  ReCtx *ctx = re_ctx_new();
  bool got;
  for (int i = 0; i < 100; i++) re_match(ctx, "^v(\\d+)$", "v42", 3, &got, NULL, NULL);
  ReStats s = re_ctx_stats(ctx);
  CHECK_INT(s.compiled, 1); /* compiled once, then reused */
  CHECK_INT(s.hits, 99);
  CHECK_INT(s.cached, 1);
  if (s.jit) CHECK_INT(s.jitted, 1);
  /* a failed compile is not cached, and reports again */
  char *err = NULL;
  CHECK(!re_check(ctx, "(", &err));
  free(err);
  err = NULL;
  CHECK(!re_check(ctx, "(", &err));
  CHECK(err != NULL);
  free(err);
  /* many distinct patterns: the cache stays bounded and results right */
  char pat[32];
  for (int i = 0; i < 1500; i++) {
    snprintf(pat, sizeof pat, "^%d$", i);
    char text[16];
    snprintf(text, sizeof text, "%d", i);
    got = false;
    CHECK(re_match(ctx, pat, text, strlen(text), &got, NULL, NULL) && got);
  }
  s = re_ctx_stats(ctx);
  CHECK(s.cached <= 512 && s.cached > 0);
  CHECK_INT(s.compiled, 1501);
  re_ctx_free(ctx);
}

int main(void) {
  ReCtx *ctx = re_ctx_new();
  test_match(ctx);
  test_find(ctx);
  test_named_groups(ctx);
  test_find_all(ctx);
  test_replace(ctx);
  test_split(ctx);
  test_errors(ctx);
  ReStats s = re_ctx_stats(ctx);
  printf("re: %zu patterns compiled, %zu cache hits, JIT %s (%zu jitted)\n", s.compiled, s.hits,
         s.jit ? "on" : "off", s.jitted);
  re_ctx_free(ctx);
  test_cache();
  return check_done("re");
}
