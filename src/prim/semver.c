/* semver.c — Semantic Versioning 2.0.0 and npm-style ranges. */
#include "prim/semver.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* ---- lexical pieces of the SemVer grammar ---- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_ident_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

static bool all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!is_digit(s[i])) return false;
  return n > 0;
}

/* A numeric component: "0" or digits without a leading zero, fitting in 64 bits. */
static bool parse_number(const char *s, size_t n, uint64_t *out) {
  if (!all_digits(s, n) || (n > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

/* Dot-separated identifiers; prerelease numerics may not have leading zeros. */
static bool valid_idents(const char *s, size_t n, bool prerelease) {
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] != '.') {
      if (!is_ident_char(s[i])) return false;
      continue;
    }
    size_t len = i - start;
    if (len == 0) return false;
    if (prerelease && len > 1 && s[start] == '0' && all_digits(s + start, len)) return false;
    start = i + 1;
  }
  return true;
}

/* Splits "MAJOR.MINOR.PATCH[-pre][+build]" at its separators. */
typedef struct Pieces {
  const char *num[3];
  size_t numlen[3];
  int nnum;
  const char *pre, *build;
  size_t prelen, buildlen;
} Pieces;

static bool split_version(const char *s, Pieces *p) {
  memset(p, 0, sizeof *p);
  const char *end = s + strlen(s);
  const char *plus = strchr(s, '+');
  if (plus) {
    p->build = plus + 1;
    p->buildlen = (size_t)(end - plus - 1);
    end = plus;
  }
  /* The prerelease starts at the first '-' after the core; a '-' may also
   * appear inside prerelease identifiers, so only the first one splits. */
  const char *dash = memchr(s, '-', (size_t)(end - s));
  const char *core_end = end;
  if (dash) {
    p->pre = dash + 1;
    p->prelen = (size_t)(end - dash - 1);
    core_end = dash;
  }
  const char *c = s;
  while (p->nnum < 3) {
    const char *dot = memchr(c, '.', (size_t)(core_end - c));
    const char *stop = dot ? dot : core_end;
    p->num[p->nnum] = c;
    p->numlen[p->nnum] = (size_t)(stop - c);
    p->nnum++;
    if (!dot) break;
    c = dot + 1;
  }
  return c <= core_end && (p->nnum < 3 || p->num[2] + p->numlen[2] == core_end);
}

static const char *skip_v(const char *s) { return (*s == 'v' || *s == 'V') ? s + 1 : s; }

bool semver_parse(const char *text, SemVer *out, char **err) {
  memset(out, 0, sizeof *out);
  Pieces p;
  uint64_t n[3];
  bool ok = split_version(skip_v(text), &p) && p.nnum == 3;
  for (int i = 0; ok && i < 3; i++) ok = parse_number(p.num[i], p.numlen[i], &n[i]);
  if (ok && p.pre) ok = valid_idents(p.pre, p.prelen, true);
  if (ok && p.build) ok = valid_idents(p.build, p.buildlen, false);
  if (!ok) {
    if (err) *err = xasprintf("invalid semantic version \"%s\"", text);
    return false;
  }
  out->major = n[0], out->minor = n[1], out->patch = n[2];
  out->pre = p.pre ? xstrndup(p.pre, p.prelen) : NULL;
  out->build = p.build ? xstrndup(p.build, p.buildlen) : NULL;
  return true;
}

void semver_free(SemVer *v) {
  free(v->pre);
  free(v->build);
  v->pre = v->build = NULL;
}

char *semver_format(const SemVer *v) {
  Buf b = {0};
  buf_printf(&b, "%" PRIu64 ".%" PRIu64 ".%" PRIu64, v->major, v->minor, v->patch);
  if (v->pre) buf_printf(&b, "-%s", v->pre);
  if (v->build) buf_printf(&b, "+%s", v->build);
  return buf_take(&b);
}

/* ---- precedence (SemVer 2.0.0 section 11) ---- */

static int cmp_u64(uint64_t a, uint64_t b) { return (a > b) - (a < b); }

static int cmp_ident(const char *a, size_t an, const char *b, size_t bn) {
  bool anum = all_digits(a, an), bnum = all_digits(b, bn);
  if (anum && bnum) { /* no leading zeros, so longer means larger */
    if (an != bn) return an < bn ? -1 : 1;
    int c = memcmp(a, b, an);
    return (c > 0) - (c < 0);
  }
  if (anum != bnum) return anum ? -1 : 1; /* numeric identifiers sort first */
  int c = memcmp(a, b, an < bn ? an : bn);
  if (c) return (c > 0) - (c < 0);
  return cmp_u64(an, bn);
}

static int cmp_prerelease(const char *a, const char *b) {
  if (!a || !b) return (a == NULL) - (b == NULL); /* no prerelease ranks higher */
  for (;;) {
    size_t an = strcspn(a, "."), bn = strcspn(b, ".");
    int c = cmp_ident(a, an, b, bn);
    if (c) return c;
    a += an, b += bn;
    if (!*a || !*b) return (*a != 0) - (*b != 0); /* more identifiers rank higher */
    a++, b++;
  }
}

int semver_compare(const SemVer *a, const SemVer *b) {
  int c = cmp_u64(a->major, b->major);
  if (!c) c = cmp_u64(a->minor, b->minor);
  if (!c) c = cmp_u64(a->patch, b->patch);
  if (!c) c = cmp_prerelease(a->pre, b->pre);
  return c;
}

bool semver_compare_text(const char *a, const char *b, int *out, char **err) {
  SemVer va, vb;
  if (!semver_parse(a, &va, err)) return false;
  if (!semver_parse(b, &vb, err)) {
    semver_free(&va);
    return false;
  }
  *out = semver_compare(&va, &vb);
  semver_free(&va);
  semver_free(&vb);
  return true;
}

/* ---- bump ---- */

bool semver_part_from_name(const char *name, SemVerPart *out) {
  static const char *const names[] = {"major", "minor", "patch", "prerelease", "premajor", "preminor", "prepatch"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (!strcmp(name, names[i])) {
      *out = (SemVerPart)i;
      return true;
    }
  return false;
}

/* Decimal increment of a digit string ("199" -> "200"), without overflow. */
static char *increment_digits(const char *s, size_t n) {
  char *r = xmalloc(n + 2);
  memcpy(r + 1, s, n);
  r[0] = '0';
  r[n + 1] = 0;
  size_t i = n + 1;
  while (i-- > 0) {
    if (r[i] != '9') {
      r[i]++;
      break;
    }
    r[i] = '0';
  }
  if (r[0] == '0') memmove(r, r + 1, n + 1);
  return r;
}

/* npm's "pre" step: the last numeric identifier goes up by one (none:
 * ".0" is added; no prerelease: "0"); with a preid, the result must start
 * with it and a number, else it is "PREID.0". */
static char *next_prerelease(const char *pre, const char *preid) {
  char *r = NULL;
  for (const char *end = pre ? pre + strlen(pre) : NULL; end && end > pre && !r;) {
    const char *start = end;
    while (start > pre && start[-1] != '.') start--;
    if (all_digits(start, (size_t)(end - start))) {
      char *inc = increment_digits(start, (size_t)(end - start));
      r = xasprintf("%.*s%s%s", (int)(start - pre), pre, inc, end);
      free(inc);
    }
    end = start > pre ? start - 1 : pre;
  }
  if (!r) r = pre ? xasprintf("%s.0", pre) : xstrdup("0");
  if (preid && *preid) {
    size_t n = strlen(preid);
    const char *second = !strncmp(r, preid, n) && r[n] == '.' ? r + n + 1 : NULL;
    if (!second || !all_digits(second, strcspn(second, "."))) {
      free(r);
      r = xasprintf("%s.0", preid);
    }
  }
  return r;
}

void semver_bump(const SemVer *v, SemVerPart part, const char *preid, SemVer *out) {
  *out = (SemVer){v->major, v->minor, v->patch, NULL, NULL};
  bool pre = v->pre != NULL;
  switch (part) {
  case SEMVER_MAJOR: /* 2.0.0-rc.1 -> 2.0.0: the release it was leading to */
    if (!(pre && v->minor == 0 && v->patch == 0)) out->major++, out->minor = out->patch = 0;
    break;
  case SEMVER_MINOR:
    if (!(pre && v->patch == 0)) out->minor++, out->patch = 0;
    break;
  case SEMVER_PATCH:
    if (!pre) out->patch++;
    break;
  case SEMVER_PREMAJOR:
    out->major++, out->minor = out->patch = 0;
    out->pre = next_prerelease(NULL, preid);
    break;
  case SEMVER_PREMINOR:
    out->minor++, out->patch = 0;
    out->pre = next_prerelease(NULL, preid);
    break;
  case SEMVER_PREPATCH:
    out->patch++;
    out->pre = next_prerelease(NULL, preid);
    break;
  case SEMVER_PRERELEASE:
    if (!pre) out->patch++;
    out->pre = next_prerelease(v->pre, preid);
    break;
  }
}

/* ---- max ---- */

bool semver_max(const char *const *texts, size_t n, bool skip_invalid, size_t *index, char **err) {
  SemVer best = {0};
  bool found = false;
  for (size_t i = 0; i < n; i++) {
    SemVer v;
    if (!semver_parse(texts[i], &v, skip_invalid ? NULL : err)) {
      if (skip_invalid) continue;
      semver_free(&best);
      return false;
    }
    if (!found || semver_compare(&v, &best) > 0) {
      semver_free(&best);
      best = v;
      *index = i;
      found = true;
    } else {
      semver_free(&v);
    }
  }
  semver_free(&best);
  if (!found && err) *err = xstrdup("no semantic version in the list");
  return found;
}

/* ---- ranges ----
 * A range is sets joined by "||"; a set is comparators joined by spaces.
 * Each shorthand (1.x, ~1.2, ^1.2.3, A - B) is rewritten into primitive
 * comparators (<, <=, >, >=, =) on full versions, as npm does. */

typedef enum Op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_TILDE, OP_CARET, OP_NONE } Op;

typedef struct Comparator {
  Op op; /* one of LT..EQ after rewriting */
  SemVer v;
} Comparator;

typedef struct Set {
  Comparator *c;
  size_t n, cap;
} Set;

/* A possibly partial version: `given` numeric components before a wildcard or the end. */
typedef struct Partial {
  uint64_t n[3];
  int given;
  char *pre;
} Partial;

static bool is_wild(const char *s, size_t n) {
  return n == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

static bool parse_partial(const char *word, Partial *p) {
  memset(p, 0, sizeof *p);
  Pieces pc;
  if (!split_version(skip_v(word), &pc)) return false;
  bool wild = false;
  for (int i = 0; i < pc.nnum; i++) {
    if (is_wild(pc.num[i], pc.numlen[i])) {
      wild = true;
    } else if (wild || !parse_number(pc.num[i], pc.numlen[i], &p->n[i])) {
      return false; /* "1.x.3" or junk */
    } else {
      p->given++;
    }
  }
  if ((pc.pre || pc.build) && p->given < 3) return false;
  if (pc.pre && !valid_idents(pc.pre, pc.prelen, true)) return false;
  if (pc.build && !valid_idents(pc.build, pc.buildlen, false)) return false;
  if (pc.pre) p->pre = xstrndup(pc.pre, pc.prelen);
  return true;
}

static uint64_t inc(uint64_t x) { return x == UINT64_MAX ? x : x + 1; }

static void add(Set *s, Op op, uint64_t ma, uint64_t mi, uint64_t pa, const char *pre) {
  Comparator c = {op, {ma, mi, pa, pre ? xstrdup(pre) : NULL, NULL}};
  VEC_PUSH(s->c, s->n, s->cap, c);
}

/* Matches nothing: no version is below 0.0.0-0. */
static void add_none(Set *s) { add(s, OP_LT, 0, 0, 0, "0"); }

/* The exclusive upper bound of a partial: 1 -> 2.0.0, 1.2 -> 1.3.0. */
static void add_below_next(Set *s, const Partial *p) {
  if (p->given == 1) add(s, OP_LT, inc(p->n[0]), 0, 0, NULL);
  else add(s, OP_LT, p->n[0], inc(p->n[1]), 0, NULL);
}

static void add_from(Set *s, const Partial *p) { add(s, OP_GE, p->n[0], p->n[1], p->n[2], p->pre); }

static void add_comparator(Set *s, Op op, const Partial *p) {
  const uint64_t *n = p->n;
  if (p->given == 0) { /* "*", ">=*", "<=x": anything; "<*", ">*": nothing */
    if (op == OP_LT || op == OP_GT) add_none(s);
    return;
  }
  bool full = p->given == 3;
  switch (op) {
  case OP_NONE:
  case OP_EQ:
    if (full) add(s, OP_EQ, n[0], n[1], n[2], p->pre);
    else add_from(s, p), add_below_next(s, p);
    break;
  case OP_GT:
    if (full) add(s, OP_GT, n[0], n[1], n[2], p->pre);
    else if (p->given == 1) add(s, OP_GE, inc(n[0]), 0, 0, NULL);
    else add(s, OP_GE, n[0], inc(n[1]), 0, NULL);
    break;
  case OP_GE: add_from(s, p); break;
  case OP_LT: add(s, OP_LT, n[0], n[1], n[2], p->pre); break;
  case OP_LE:
    if (full) add(s, OP_LE, n[0], n[1], n[2], p->pre);
    else add_below_next(s, p);
    break;
  case OP_TILDE: /* patch-level changes; ~1 allows minor-level */
    add_from(s, p);
    if (p->given == 1) add(s, OP_LT, inc(n[0]), 0, 0, NULL);
    else add(s, OP_LT, n[0], inc(n[1]), 0, NULL);
    break;
  case OP_CARET: /* changes that keep the left-most non-zero component */
    add_from(s, p);
    if (n[0] > 0 || p->given == 1) add(s, OP_LT, inc(n[0]), 0, 0, NULL);
    else if (n[1] > 0 || p->given == 2) add(s, OP_LT, 0, inc(n[1]), 0, NULL);
    else add(s, OP_LT, 0, 0, inc(n[2]), NULL);
    break;
  }
}

static void add_hyphen(Set *s, const Partial *lo, const Partial *hi) {
  if (lo->given > 0) add_from(s, lo);
  if (hi->given == 3) add(s, OP_LE, hi->n[0], hi->n[1], hi->n[2], hi->pre);
  else if (hi->given > 0) add_below_next(s, hi);
}

static void set_free(Set *s) {
  for (size_t i = 0; i < s->n; i++) semver_free(&s->c[i].v);
  free(s->c);
  memset(s, 0, sizeof *s);
}

static const char *skip_spaces(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t')) p++;
  return p;
}

static const char *word_end(const char *p, const char *end) {
  while (p < end && *p != ' ' && *p != '\t') p++;
  return p;
}

static Op read_op(const char **pp, const char *end) {
  static const struct { const char *text; Op op; } ops[] = {
      {"<=", OP_LE}, {">=", OP_GE}, {"<", OP_LT}, {">", OP_GT},
      {"=", OP_EQ},  {"~", OP_TILDE}, {"^", OP_CARET},
  };
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
    size_t n = strlen(ops[i].text);
    if ((size_t)(end - *pp) >= n && !memcmp(*pp, ops[i].text, n)) {
      *pp += n;
      return ops[i].op;
    }
  }
  return OP_NONE;
}

static bool read_partial(const char **pp, const char *end, Partial *out) {
  const char *w = *pp, *we = word_end(w, end);
  if (w == we) return false;
  char *word = xstrndup(w, (size_t)(we - w));
  bool ok = parse_partial(word, out);
  free(word);
  *pp = we;
  return ok;
}

/* " - " between two bare versions makes a hyphen range. */
static bool at_hyphen(const char *p, const char *end) {
  p = skip_spaces(p, end);
  return p + 1 < end && p[0] == '-' && (p[1] == ' ' || p[1] == '\t');
}

static bool parse_set(const char *p, const char *end, Set *s) {
  for (;;) {
    p = skip_spaces(p, end);
    if (p == end) return true;
    Op op = read_op(&p, end);
    p = skip_spaces(p, end);
    Partial lo;
    if (!read_partial(&p, end, &lo)) return false;
    if (op == OP_NONE && at_hyphen(p, end)) {
      p = skip_spaces(skip_spaces(p, end) + 1, end);
      Partial hi;
      bool ok = read_partial(&p, end, &hi);
      if (ok) add_hyphen(s, &lo, &hi);
      free(lo.pre);
      if (!ok) return false;
      free(hi.pre);
      continue;
    }
    add_comparator(s, op, &lo);
    free(lo.pre);
  }
}

static bool comparator_holds(const Comparator *c, const SemVer *v) {
  int r = semver_compare(v, &c->v);
  switch (c->op) {
  case OP_LT: return r < 0;
  case OP_LE: return r <= 0;
  case OP_GT: return r > 0;
  case OP_GE: return r >= 0;
  default: return r == 0;
  }
}

/* A prerelease satisfies a set only when some comparator names a
 * prerelease of the same major.minor.patch: asking for ">=1.0.0" should
 * not pull in 2.0.0-alpha. */
static bool set_holds(const Set *s, const SemVer *v) {
  bool pre_allowed = v->pre == NULL;
  for (size_t i = 0; i < s->n; i++) {
    const SemVer *c = &s->c[i].v;
    if (!comparator_holds(&s->c[i], v)) return false;
    if (c->pre && c->major == v->major && c->minor == v->minor && c->patch == v->patch)
      pre_allowed = true;
  }
  return pre_allowed;
}

bool semver_satisfies(const SemVer *v, const char *range, bool *out, char **err) {
  *out = false;
  const char *p = range;
  for (;;) {
    const char *bar = strstr(p, "||");
    const char *end = bar ? bar : p + strlen(p);
    Set s = {0};
    if (!parse_set(p, end, &s)) {
      set_free(&s);
      if (err) *err = xasprintf("invalid version range \"%s\"", range);
      return false;
    }
    if (!*out && set_holds(&s, v)) *out = true; /* keep parsing: report syntax errors anyway */
    set_free(&s);
    if (!bar) return true;
    p = bar + 2;
  }
}
