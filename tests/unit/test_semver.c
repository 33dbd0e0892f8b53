/* test_semver.c — SemVer 2.0.0 parsing, precedence, bumps and ranges. */
#include <stdlib.h>

#include "check_git.h"
#include "prim/semver.h"

static void test_parse_valid(void) {
  /* The valid examples that accompany the SemVer 2.0.0 grammar, and a `v`. */
  static const char *const ok[] = {
      "0.0.4", "1.2.3", "10.20.30", "1.1.2-prerelease+meta", "1.1.2+meta", "1.1.2+meta-valid",
      "1.0.0-alpha", "1.0.0-beta", "1.0.0-alpha.beta", "1.0.0-alpha.beta.1", "1.0.0-alpha.1",
      "1.0.0-alpha0.valid", "1.0.0-alpha.0valid",
      "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay", "1.0.0-rc.1+build.1",
      "2.0.0-rc.1+build.123", "1.2.3-beta", "10.2.3-DEV-SNAPSHOT", "1.2.3-SNAPSHOT-123",
      "2.0.0+build.1848", "2.0.1-alpha.1227", "1.0.0-alpha+beta",
      "1.2.3----RC-SNAPSHOT.12.9.1--.12+788", "1.2.3----R-S.12.9.1--.12+meta",
      "1.2.3----RC-SNAPSHOT.12.9.1--.12", "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
      "1.0.0-0A.is.legal", "18446744073709551615.0.0", "1.0.0+007",
  };
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    SemVer v;
    char *err = NULL;
    bool parsed = semver_parse(ok[i], &v, &err);
    CHECK_MSG(parsed, "%s: %s", ok[i], err ? err : "");
    if (!parsed) {
      free(err);
      continue;
    }
    char *back = semver_format(&v); /* canonical text round-trips */
    CHECK_STR(back, ok[i]);
    free(back);
    semver_free(&v);
  }
}

static void test_parse_invalid(void) {
  static const char *const bad[] = {
      "", "1", "1.2", "1.2.3-0123", "1.2.3-0123.0123", "1.1.2+.123", "+invalid", "-invalid",
      "-invalid+invalid", "-invalid.01", "alpha", "alpha.beta", "alpha.beta.1", "alpha.1",
      "alpha+beta", "alpha_beta", "alpha.", "alpha..", "beta", "1.0.0-alpha_beta", "-alpha.",
      "1.0.0-alpha..", "1.0.0-alpha..1", "1.0.0-alpha...1", "01.1.1", "1.01.1", "1.1.01",
      "1.2.3.DEV", "1.2-SNAPSHOT", "1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788",
      "1.2-RC-SNAPSHOT", "-1.0.3-gamma+b7718", "+justmeta", "9.8.7+meta+meta",
      "9.8.7-whatever+meta+meta", "18446744073709551616.0.0",
      "99999999999999999999999.999999999999999999.99999999999999999", "vv1.2.3", "1.2.3-",
      "1.2.3+", "1.2.3 ", " 1.2.3", "1.2.3-a b", "1..3", "1.2.",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    SemVer v;
    char *err = NULL;
    bool parsed = semver_parse(bad[i], &v, &err);
    CHECK_MSG(!parsed, "accepted \"%s\"", bad[i]);
    if (parsed) {
      semver_free(&v);
      continue;
    }
    CHECK_MSG(err && strstr(err, bad[i]), "error should quote the text: %s", err ? err : "(none)");
    free(err);
  }
}

static void test_parse_fields(void) {
  SemVer v;
  CHECK(semver_parse("v12.3.45-rc.1+sha.abc", &v, NULL));
  CHECK_INT(v.major, 12);
  CHECK_INT(v.minor, 3);
  CHECK_INT(v.patch, 45);
  CHECK_STR(v.pre, "rc.1");
  CHECK_STR(v.build, "sha.abc");
  semver_free(&v);
  CHECK(semver_parse("V0.0.0", &v, NULL));
  CHECK(v.pre == NULL && v.build == NULL);
  semver_free(&v);
}

static void test_precedence_chain(void) {
  /* SemVer 2.0.0 section 11, in increasing order. */
  static const char *const chain[] = {
      "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
      "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1", "10.0.0",
  };
  size_t n = sizeof chain / sizeof *chain;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      int c = 99;
      CHECK(semver_compare_text(chain[i], chain[j], &c, NULL));
      int want = (i > j) - (i < j);
      CHECK_MSG(c == want, "compare(%s, %s) = %d, want %d", chain[i], chain[j], c, want);
    }
}

static void test_compare_misc(void) {
  static const struct { const char *a, *b; int want; } t[] = {
      {"1.0.0+build.1", "1.0.0+build.2", 0},   /* build metadata is ignored */
      {"v1.0.0", "1.0.0", 0},
      {"1.0.0-1", "1.0.0-a", -1},              /* numeric before alphanumeric */
      {"1.0.0-2", "1.0.0-10", -1},             /* numerically, not lexically */
      {"1.0.0-a10", "1.0.0-a9", -1},           /* alphanumeric compare ASCII */
      {"1.0.0-B", "1.0.0-a", -1},              /* ASCII: uppercase first */
      {"1.0.0-alpha", "1.0.0-alpha.0", -1},    /* longer set of fields wins */
      {"1.0.0-99999999999999999999999", "1.0.0-100000000000000000000000", -1},
      {"0.9.99", "0.10.0", -1},
      {"18446744073709551615.0.0", "18446744073709551614.99.99", 1},
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    int c = 99, r = 99;
    CHECK(semver_compare_text(t[i].a, t[i].b, &c, NULL));
    CHECK(semver_compare_text(t[i].b, t[i].a, &r, NULL));
    CHECK_MSG(c == t[i].want && r == -t[i].want, "%s vs %s: %d/%d", t[i].a, t[i].b, c, r);
  }
  char *err = NULL;
  int c;
  CHECK(!semver_compare_text("1.0.0", "one", &c, &err));
  CHECK(err && strstr(err, "\"one\""));
  free(err);
}

/* npm's node-semver test/fixtures/increments.js, rows without loose
 * parsing or identifierBase: [version, inc, result] and [version, inc,
 * result, identifier]. */
static void test_bump_npm(void) {
  static const struct { const char *v, *part, *want, *preid; } t[] = {
      {"1.2.3", "major", "2.0.0", NULL},
      {"1.2.3", "minor", "1.3.0", NULL},
      {"1.2.3", "patch", "1.2.4", NULL},
      {"1.2.3-tag", "major", "2.0.0", NULL},
      {"1.2.0-0", "patch", "1.2.0", NULL},
      {"1.2.3-4", "major", "2.0.0", NULL},
      {"1.2.3-4", "minor", "1.3.0", NULL},
      {"1.2.3-4", "patch", "1.2.3", NULL},
      {"1.2.3-alpha.0.beta", "major", "2.0.0", NULL},
      {"1.2.3-alpha.0.beta", "minor", "1.3.0", NULL},
      {"1.2.3-alpha.0.beta", "patch", "1.2.3", NULL},
      {"1.2.4", "prerelease", "1.2.5-0", NULL},
      {"1.2.3-0", "prerelease", "1.2.3-1", NULL},
      {"1.2.3-alpha.0", "prerelease", "1.2.3-alpha.1", NULL},
      {"1.2.3-alpha.1", "prerelease", "1.2.3-alpha.2", NULL},
      {"1.2.3-alpha.2", "prerelease", "1.2.3-alpha.3", NULL},
      {"1.2.3-alpha.0.beta", "prerelease", "1.2.3-alpha.1.beta", NULL},
      {"1.2.3-alpha.1.beta", "prerelease", "1.2.3-alpha.2.beta", NULL},
      {"1.2.3-alpha.2.beta", "prerelease", "1.2.3-alpha.3.beta", NULL},
      {"1.2.3-alpha.10.0.beta", "prerelease", "1.2.3-alpha.10.1.beta", NULL},
      {"1.2.3-alpha.10.1.beta", "prerelease", "1.2.3-alpha.10.2.beta", NULL},
      {"1.2.3-alpha.10.2.beta", "prerelease", "1.2.3-alpha.10.3.beta", NULL},
      {"1.2.3-alpha.10.beta.0", "prerelease", "1.2.3-alpha.10.beta.1", NULL},
      {"1.2.3-alpha.10.beta.1", "prerelease", "1.2.3-alpha.10.beta.2", NULL},
      {"1.2.3-alpha.10.beta.2", "prerelease", "1.2.3-alpha.10.beta.3", NULL},
      {"1.2.3-alpha.9.beta", "prerelease", "1.2.3-alpha.10.beta", NULL},
      {"1.2.3-alpha.10.beta", "prerelease", "1.2.3-alpha.11.beta", NULL},
      {"1.2.3-alpha.11.beta", "prerelease", "1.2.3-alpha.12.beta", NULL},
      {"1.2.0", "prepatch", "1.2.1-0", NULL},
      {"1.2.0-1", "prepatch", "1.2.1-0", NULL},
      {"1.2.0", "preminor", "1.3.0-0", NULL},
      {"1.2.3-1", "preminor", "1.3.0-0", NULL},
      {"1.2.0", "premajor", "2.0.0-0", NULL},
      {"1.2.3-1", "premajor", "2.0.0-0", NULL},
      {"1.2.0-1", "minor", "1.2.0", NULL},
      {"1.0.0-1", "major", "1.0.0", NULL},
      {"1.2.3", "major", "2.0.0", "dev"},
      {"1.2.3", "patch", "1.2.4", "dev"},
      {"1.2.4", "prerelease", "1.2.5-dev.0", "dev"},
      {"1.2.3-0", "prerelease", "1.2.3-dev.0", "dev"},
      {"1.2.3-alpha.0", "prerelease", "1.2.3-dev.0", "dev"},
      {"1.2.3-alpha.0", "prerelease", "1.2.3-alpha.1", "alpha"},
      {"1.2.3-alpha.0.beta", "prerelease", "1.2.3-dev.0", "dev"},
      {"1.2.3-alpha.0.beta", "prerelease", "1.2.3-alpha.1.beta", "alpha"},
      {"1.2.3-alpha.10.0.beta", "prerelease", "1.2.3-dev.0", "dev"},
      {"1.2.3-alpha.10.0.beta", "prerelease", "1.2.3-alpha.10.1.beta", "alpha"},
      {"1.2.3-alpha.10.beta.0", "prerelease", "1.2.3-alpha.10.beta.1", "alpha"},
      {"1.2.3-alpha.9.beta", "prerelease", "1.2.3-dev.0", "dev"},
      {"1.2.3-alpha.9.beta", "prerelease", "1.2.3-alpha.10.beta", "alpha"},
      {"1.2.0", "prepatch", "1.2.1-dev.0", "dev"},
      {"1.2.0-1", "prepatch", "1.2.1-dev.0", "dev"},
      {"1.2.0", "preminor", "1.3.0-dev.0", "dev"},
      {"1.2.3-1", "preminor", "1.3.0-dev.0", "dev"},
      {"1.2.0", "premajor", "2.0.0-dev.0", "dev"},
      {"1.2.3-1", "premajor", "2.0.0-dev.0", "dev"},
      {"1.2.0-1", "minor", "1.2.0", "dev"},
      {"1.2.3-dev.bar", "prerelease", "1.2.3-dev.0", "dev"},
      {"1.2.3-0", "prerelease", "1.2.3-1.0", "1"},
      {"1.2.3-1.0", "prerelease", "1.2.3-1.1", "1"},
      {"1.2.3-1.1", "prerelease", "1.2.3-1.2", "1"},
      {"1.2.3-1.1", "prerelease", "1.2.3-2.0", "2"},
      {"1.2.3", "prerelease", "1.2.4-rc.0", "rc"}, /* the README's example */
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    SemVer v, out;
    SemVerPart part;
    CHECK(semver_part_from_name(t[i].part, &part));
    CHECK(semver_parse(t[i].v, &v, NULL));
    semver_bump(&v, part, t[i].preid, &out);
    char *s = semver_format(&out);
    CHECK_MSG(!strcmp(s, t[i].want), "npm row %zu: inc(%s, %s, %s) = %s, want %s", i, t[i].v, t[i].part,
              t[i].preid ? t[i].preid : "-", s, t[i].want);
    free(s);
    semver_free(&v);
    semver_free(&out);
  }
}

static void test_bump(void) {
  static const struct { const char *v, *part, *want; } t[] = {
      {"1.2.3", "major", "2.0.0"},           {"1.2.3", "minor", "1.3.0"},
      {"1.2.3", "patch", "1.2.4"},           {"1.2.3", "prerelease", "1.2.4-0"},
      {"1.2.3+build", "patch", "1.2.4"},     {"v0.9.9", "minor", "0.10.0"},
      {"2.0.0-rc.1", "major", "2.0.0"},      {"2.1.0-rc.1", "major", "3.0.0"},
      {"1.3.0-beta", "minor", "1.3.0"},      {"1.3.1-beta", "minor", "1.4.0"},
      {"1.2.4-0", "patch", "1.2.4"},         {"1.0.0-rc.1", "prerelease", "1.0.0-rc.2"},
      {"1.0.0-rc.9", "prerelease", "1.0.0-rc.10"}, {"1.0.0-rc", "prerelease", "1.0.0-rc.0"},
      {"1.0.0-alpha.1.beta", "prerelease", "1.0.0-alpha.2.beta"}, /* npm: the last numeric identifier */
      {"1.0.0-99999999999999999999", "prerelease", "1.0.0-100000000000000000000"},
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    SemVer v, out;
    SemVerPart part;
    CHECK(semver_part_from_name(t[i].part, &part));
    CHECK(semver_parse(t[i].v, &v, NULL));
    semver_bump(&v, part, NULL, &out);
    char *s = semver_format(&out);
    CHECK_MSG(!strcmp(s, t[i].want), "bump(%s, %s) = %s, want %s", t[i].v, t[i].part, s, t[i].want);
    CHECK_MSG(semver_compare(&out, &v) > 0, "bump(%s) must be greater", t[i].v);
    free(s);
    semver_free(&v);
    semver_free(&out);
  }
  SemVerPart p;
  CHECK(!semver_part_from_name("micro", &p));
}

static void test_max(void) {
  const char *vs[] = {"1.2.3", "v1.10.0", "1.9.9", "1.10.0-rc.1", "1.10.0+other"};
  size_t idx = 99;
  char *err = NULL;
  CHECK(semver_max(vs, 5, false, &idx, &err));
  CHECK_INT(idx, 1); /* the first of two equal maxima */
  const char *mixed[] = {"latest", "0.1.0", "main", "0.2.0-rc.1"};
  CHECK(semver_max(mixed, 4, true, &idx, NULL));
  CHECK_INT(idx, 3);
  CHECK(!semver_max(mixed, 4, false, &idx, &err));
  CHECK(err && strstr(err, "\"latest\""));
  free(err);
  err = NULL;
  CHECK(!semver_max(mixed, 1, true, &idx, &err));
  CHECK(err != NULL);
  free(err);
}

static void test_ranges(void) {
  static const struct { const char *range, *v; bool want; } t[] = {
      {">=1.2 <2", "1.2.0", true},        {">=1.2 <2", "1.9.99", true},
      {">=1.2 <2", "2.0.0", false},       {">=1.2 <2", "1.1.9", false},
      {">= 1.2  < 2", "1.5.0", true},     {">=1.2 <2", "2.0.0-rc.1", false},
      {"^1.2.3", "1.2.3", true},          {"^1.2.3", "1.99.0", true},
      {"^1.2.3", "2.0.0", false},         {"^1.2.3", "1.2.2", false},
      {"^0.2.3", "0.2.9", true},          {"^0.2.3", "0.3.0", false},
      {"^0.0.3", "0.0.3", true},          {"^0.0.3", "0.0.4", false},
      {"^1.2", "1.2.0", true},            {"^0.0", "0.0.9", true},
      {"^0.0", "0.1.0", false},           {"^0", "0.9.9", true},
      {"^1.2.3-beta.2", "1.2.3-beta.4", true}, {"^1.2.3-beta.2", "1.2.4-beta.2", false},
      {"^1.2.3-beta.2", "1.2.3-beta.1", false},
      {"~1.2", "1.2.0", true},            {"~1.2", "1.2.99", true},
      {"~1.2", "1.3.0", false},           {"~1.2.3", "1.2.5", true},
      {"~1.2.3", "1.2.2", false},         {"~1", "1.9.0", true},
      {"~1", "2.0.0", false},
      {"1.x", "1.0.0", true},             {"1.x", "1.99.3", true},
      {"1.x", "2.0.0", false},            {"1.x", "0.9.0", false},
      {"1.2.x", "1.2.7", true},           {"1.2.*", "1.3.0", false},
      {"1", "1.4.0", true},               {"1.X", "1.4.0", true},
      {"*", "3.4.5", true},               {"", "0.0.0", true},
      {"x", "1.0.0-alpha", false},        {"1.x.3", "1.0.3", false}, /* invalid, see below */
      {"=1.0.0", "1.0.0", true},          {"=1.0.0", "1.0.0+build", true},
      {"=1.0.0", "1.0.1", false},         {"1.0.0", "1.0.0", true},
      {"=1.0.0-rc.1", "1.0.0-rc.1", true}, {"v1.0.0", "1.0.0", true},
      {">1.2.3", "1.2.4", true},          {">1.2.3", "1.2.3", false},
      {">1.2", "1.2.9", false},           {">1.2", "1.3.0", true},
      {">1", "1.9.0", false},             {">1", "2.0.0", true},
      {"<1.2", "1.1.9", true},            {"<1.2", "1.2.0", false},
      {"<=1.2", "1.2.9", true},           {"<=1.2", "1.3.0", false},
      {"<=1.2.3", "1.2.3", true},         {"<*", "0.0.0", false},
      {"1.x || >=2.5.0", "1.5.0", true},  {"1.x || >=2.5.0", "2.4.0", false},
      {"1.x || >=2.5.0", "2.5.0", true},  {"<1 || >=3", "2.0.0", false},
      {"~1.2||~1.4", "1.4.2", true},      {"~1.2 || ", "5.0.0", true},
      {"1.2.3 - 2.3.4", "1.2.3", true},   {"1.2.3 - 2.3.4", "2.3.4", true},
      {"1.2.3 - 2.3.4", "2.3.5", false},  {"1.2 - 2.3", "2.3.9", true},
      {"1.2 - 2.3", "2.4.0", false},      {"1.2 - 2.3", "1.1.9", false},
      {">=1.0.0", "2.0.0-alpha", false},  {">=2.0.0-alpha <2.0.1", "2.0.0-beta", true},
      {">=2.0.0-alpha", "2.0.1-beta", false},
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    SemVer v;
    CHECK(semver_parse(t[i].v, &v, NULL));
    bool got = !t[i].want;
    char *err = NULL;
    bool ok = semver_satisfies(&v, t[i].range, &got, &err);
    if (!strcmp(t[i].range, "1.x.3")) {
      CHECK(!ok);
      free(err);
    } else {
      CHECK_MSG(ok, "%s: %s", t[i].range, err ? err : "");
      free(err);
      CHECK_MSG(got == t[i].want, "satisfies(%s, \"%s\") = %d", t[i].v, t[i].range, got);
    }
    semver_free(&v);
  }
}

static void test_range_errors(void) {
  static const char *const bad[] = {
      ">=", "^", "1.2.3-", ">=1.2 <", "1.x.3", "a.b.c", "1.2-beta", "1.2.3 - ", ">=01.2", "1 || =",
  };
  SemVer v;
  CHECK(semver_parse("1.2.3", &v, NULL));
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    bool got;
    char *err = NULL;
    CHECK_MSG(!semver_satisfies(&v, bad[i], &got, &err), "accepted range \"%s\"", bad[i]);
    CHECK_MSG(err && strstr(err, bad[i]), "error should quote the range: %s", err ? err : "");
    free(err);
  }
  semver_free(&v);
}

int main(void) {
  test_parse_valid();
  test_parse_invalid();
  test_parse_fields();
  test_precedence_chain();
  test_compare_misc();
  test_bump();
  test_bump_npm();
  test_max();
  test_ranges();
  test_range_errors();
  return check_done("semver");
}
