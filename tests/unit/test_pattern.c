/* test_pattern.c — GitHub filter patterns and plain globs, row by row.
 * Each row says where it comes from: [GH-B] and [GH-P] are the branch/tag
 * and path examples of the "Filter pattern cheat sheet" in GitHub's
 * "Workflow syntax for GitHub Actions"; [GH-S] its list of special
 * characters; [rp] rp's own choices (documented in doc/events.md). */
#include "check.h"
#include "core/pattern.h"

typedef struct Row {
  const char *pattern, *subject;
  bool want;
  const char *source;
} Row;

static const Row rows[] = {
    {"feature/*", "feature/my-branch", true, "GH-B"},
    {"feature/*", "feature/your-branch", true, "GH-B"},
    {"feature/*", "feature/beta-a/my-branch", false, "GH-B"},
    {"feature/**", "feature/beta-a/my-branch", true, "GH-B"},
    {"feature/**", "feature/your-branch", true, "GH-B"},
    {"feature/**", "feature/mona/the/octocat", true, "GH-B"},
    {"main", "main", true, "GH-B"},
    {"releases/mona-the-octocat", "releases/mona-the-octocat", true, "GH-B"},
    {"*", "main", true, "GH-B"},
    {"*", "releases", true, "GH-B"},
    {"*", "releases/v1", false, "GH-B"},
    {"**", "all/the/branches", true, "GH-B"},
    {"**", "every/tag", true, "GH-B"},
    {"*feature", "mona-feature", true, "GH-B"},
    {"*feature", "feature", true, "GH-B"},
    {"*feature", "ver-10-feature", true, "GH-B"},
    {"v2*", "v2", true, "GH-B"},
    {"v2*", "v2.0", true, "GH-B"},
    {"v2*", "v2.9", true, "GH-B"},
    {"v[12].[0-9]+.[0-9]+", "v1.10.1", true, "GH-B"},
    {"v[12].[0-9]+.[0-9]+", "v2.0.0", true, "GH-B"},
    {"v[12].[0-9]+.[0-9]+", "v3.0.0", false, "GH-B"},
    {"v[12].[0-9]+.[0-9]+", "v1..0", false, "GH-B"},
    {"*", "README.md", true, "GH-P"},
    {"*", "server.rb", true, "GH-P"},
    {"*.jsx?", "page.js", true, "GH-P"},
    {"*.jsx?", "page.jsx", true, "GH-P"},
    {"*.jsx?", "page.jsxx", false, "GH-P"},
    {"**", "all/the/files.md", true, "GH-P"},
    {"*.js", "app.js", true, "GH-P"},
    {"*.js", "js/index.js", false, "GH-P"},
    {"**.js", "index.js", true, "GH-P"},
    {"**.js", "js/index.js", true, "GH-P"},
    {"**.js", "src/js/app.js", true, "GH-P"},
    {"docs/*", "docs/README.md", true, "GH-P"},
    {"docs/*", "docs/file.txt", true, "GH-P"},
    {"docs/*", "docs/mona/octocat.txt", false, "GH-P"},
    {"docs/**", "docs/README.md", true, "GH-P"},
    {"docs/**", "docs/mona/octocat.txt", true, "GH-P"},
    {"docs/**/*.md", "docs/README.md", true, "GH-P"},
    {"docs/**/*.md", "docs/mona/hello-world.md", true, "GH-P"},
    {"docs/**/*.md", "docs/a/markdown/file.md", true, "GH-P"},
    {"**/docs/**", "docs/hello.md", true, "GH-P"},
    {"**/docs/**", "dir/docs/my-file.txt", true, "GH-P"},
    {"**/docs/**", "space/docs/plan/space.doc", true, "GH-P"},
    {"**/README.md", "README.md", true, "GH-P"},
    {"**/README.md", "js/README.md", true, "GH-P"},
    {"**/README.md", "myREADME.md", false, "rp: `**/` is whole directories"},
    {"**/*src/**", "a/src/app.js", true, "GH-P"},
    {"**/*src/**", "my-src/code/js/app.js", true, "GH-P"},
    {"**/*-post.md", "my-post.md", true, "GH-P"},
    {"**/*-post.md", "path/their-post.md", true, "GH-P"},
    {"**/migrate-*.sql", "migrate-10909.sql", true, "GH-P"},
    {"**/migrate-*.sql", "db/migrate-v1.0.sql", true, "GH-P"},
    {"**/migrate-*.sql", "db/sept/migrate-v1.sql", true, "GH-P"},
    {"Octoc?t", "Octoct", true, "GH-S: ? is zero or one of the preceding character"},
    {"Octoc?t", "Octocat", false, "GH-S"},
    {"ab+c", "abbbc", true, "GH-S: + is one or more of the preceding character"},
    {"ab+c", "ac", false, "GH-S"},
    {"[CB]at", "Cat", true, "GH-S"},
    {"[CB]at", "Bat", true, "GH-S"},
    {"[CB]at", "Rat", false, "GH-S"},
    {"[1-2]00", "100", true, "GH-S"},
    {"[1-2]00", "200", true, "GH-S"},
    {"[1-2]00", "300", false, "GH-S"},
    {"\\*x", "*x", true, "GH-S: \\ escapes a special character"},
    {"\\*x", "ax", false, "GH-S"},
    {"a\\+", "a+", true, "GH-S"},
    {"\\!file", "!file", true, "nektos/act workflowpattern tests"},
    {"escape\\\\backslash", "escape\\backslash", true, "nektos/act workflowpattern tests"},
    {".yml", "fyml", false, "nektos/act workflowpattern tests: '.' is literal"},
    {"a!b", "a!b", true, "GH-S: ! is special only first"},
};

typedef struct ListRow {
  const char *pats[4];
  const char *subject;
  bool want;
  const char *source;
} ListRow;

static const ListRow lists[] = {
    {{"*.md", "!README.md"}, "hello.md", true, "GH-P"},
    {{"*.md", "!README.md"}, "README.md", false, "GH-P"},
    {{"*.md", "!README.md"}, "docs/hello.md", false, "GH-P"},
    {{"*.md", "!README.md", "README*"}, "hello.md", true, "GH-P"},
    {{"*.md", "!README.md", "README*"}, "README.md", true, "GH-P"},
    {{"*.md", "!README.md", "README*"}, "README.doc", true, "GH-P"},
    {{"releases/**", "!releases/**-alpha"}, "releases/10-alpha", false, "GitHub docs, branches example"},
    {{"releases/**", "!releases/**-alpha"}, "releases/beta/3-alpha", false, "GitHub docs, branches example"},
    {{"releases/**", "!releases/**-alpha"}, "releases/10", true, "GitHub docs, branches example"},
    {{"sub-project/**", "!sub-project/docs/**"}, "sub-project/docs/a.md", false, "GitHub docs, paths example"},
    {{"sub-project/**", "!sub-project/docs/**"}, "sub-project/src/a.c", true, "GitHub docs, paths example"},
    {{"!main"}, "dev", false, "rp: only negations include nothing (rp check rejects it)"},
};

typedef struct BadRow {
  const char *pattern;
  size_t off;
  const char *source;
} BadRow;

static const BadRow bad[] = {
    {"+x", 0, "rp: nothing for + to repeat"},
    {"?x", 0, "rp: nothing for ? to repeat"},
    {"a*?", 2, "rp: * is not a character"},
    {"a**+", 3, "rp"},
    {"a+?", 2, "rp: one quantifier per character"},
    {"v[", 1, "nektos/act: missing closing bracket"},
    {"v[]", 1, "nektos/act: empty brackets"},
    {"[a-Z]", 1, "GH-S: ranges within a-z, A-Z, 0-9"},
    {"[z-a]", 1, "rp: a range is low to high"},
    {"[!a]", 1, "GH-S: sets hold letters and digits only"},
    {"x\\", 1, "nektos/act: missing symbol after \\"},
    {"caf\xc3\xa9+", 5, "rp: + after a multi-byte character would repeat one byte"},
};

/* glob_match, the plain globs of approval branches and git.tags. */
static const Row globs[] = {
    {"feat-?", "feat-a", true, "rp: ? is one character"},
    {"feat-?", "feat-/", false, "rp"},
    {"[!a]x", "bx", true, "rp: negated set"},
    {"[!a]x", "ax", false, "rp"},
    {"[^a]x", "bx", true, "rp"},
    {"a[", "a[", true, "rp: an unclosed [ is literal"},
    {"v*", "v1.2", true, "rp"},
    {"v*", "v1/2", false, "rp"},
    {"dir/**/x", "dir/x", true, "rp"},
    {"dir/**/x", "dir/a/b/x", true, "rp"},
    {"dir/**/x", "dir/ax", false, "rp"},
};

int main(void) {
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    const Row *r = &rows[i];
    size_t off = 0;
    const char *err = pattern_error(r->pattern, &off);
    if (!CHECK(!err)) fprintf(stderr, "    %s: %s (%s)\n", r->pattern, err, r->source);
    if (!CHECK(pattern_match(r->pattern, r->subject) == r->want))
      fprintf(stderr, "    %s vs %s: want %s (%s)\n", r->pattern, r->subject, r->want ? "match" : "no match", r->source);
  }
  for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
    const ListRow *r = &lists[i];
    int n = 0;
    while (n < 4 && r->pats[n]) n++;
    if (!CHECK(pattern_list_match(r->pats, n, r->subject, NULL) == r->want))
      fprintf(stderr, "    list row %zu vs %s: want %s (%s)\n", i, r->subject, r->want ? "match" : "no match", r->source);
  }
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    size_t off = 99;
    const char *err = pattern_error(bad[i].pattern, &off);
    if (!CHECK(err && off == bad[i].off))
      fprintf(stderr, "    %s: %s at %zu, want an error at %zu (%s)\n", bad[i].pattern, err ? err : "no error", off,
              bad[i].off, bad[i].source);
    CHECK(!pattern_match(bad[i].pattern, bad[i].pattern));
  }
  for (size_t i = 0; i < sizeof globs / sizeof *globs; i++)
    if (!CHECK(glob_match(globs[i].pattern, globs[i].subject) == globs[i].want))
      fprintf(stderr, "    glob %s vs %s: want %s\n", globs[i].pattern, globs[i].subject, globs[i].want ? "match" : "no match");

  /* No backtracking: nine stars against a 40-character name that almost
   * matches took seconds with a backtracking matcher; this one reads the
   * name once per token. */
  const char *stars = "*a*a*a*a*a*a*a*a*b";
  const char *name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  CHECK(!pattern_match(stars, name));
  CHECK(!glob_match(stars, name));
  CHECK(!pattern_match("**a**a**a**a**a**a**a**a**b", name));
  CHECK(pattern_match("*a*a*a*a*a*a*a*a*a", name));
  return check_done();
}
