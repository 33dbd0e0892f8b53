/* re.c — PCRE2 patterns, compiled once per context and reused. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/re.h"

#include <pcre2.h>

#include "core/value.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

enum {
  COMPILE_OPTIONS = RP_PCRE2_OPTIONS,
  CACHE_SLOTS = 1024,     /* open addressing, a power of two */
  CACHE_MAX = 512,        /* beyond this the cache is emptied and refilled */
};

typedef struct Entry {
  char *pattern;          /* NULL: free slot */
  uint64_t hash;
  pcre2_code *code;
  pcre2_match_data *md;   /* reused by every match with this pattern */
  uint32_t ncap;          /* capture groups, not counting group 0 */
  char **names;           /* ncap + 1 slots, NULL for unnamed groups */
} Entry;

struct ReCtx {
  Entry slots[CACHE_SLOTS];
  size_t used, compiled, hits, jitted;
  bool jit;
};

/* ---- cache ---- */

static uint64_t hash_text(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

ReCtx *re_ctx_new(void) {
  ReCtx *ctx = xcalloc(1, sizeof *ctx);
  uint32_t jit = 0;
  ctx->jit = pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit;
  return ctx;
}

static void entry_free(Entry *e) {
  if (!e->pattern) return;
  for (uint32_t i = 0; i <= e->ncap; i++) free(e->names[i]);
  free(e->names);
  pcre2_match_data_free(e->md);
  pcre2_code_free(e->code);
  free(e->pattern);
  memset(e, 0, sizeof *e);
}

static void cache_clear(ReCtx *ctx) {
  for (size_t i = 0; i < CACHE_SLOTS; i++) entry_free(&ctx->slots[i]);
  ctx->used = 0;
}

void re_ctx_free(ReCtx *ctx) {
  if (!ctx) return;
  cache_clear(ctx);
  free(ctx);
}

ReStats re_ctx_stats(const ReCtx *ctx) {
  return (ReStats){ctx->compiled, ctx->hits, ctx->used, ctx->jitted, ctx->jit};
}

/* Group names come from PCRE2's name table: entries of a 16-bit
 * big-endian group number followed by the NUL-terminated name. */
static char **group_names(pcre2_code *code, uint32_t ncap) {
  char **names = xcalloc(ncap + 1, sizeof *names);
  uint32_t count = 0, size = 0;
  PCRE2_SPTR table = NULL;
  pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count);
  pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &size);
  pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
  for (uint32_t i = 0; i < count; i++) {
    PCRE2_SPTR e = table + (size_t)i * size;
    uint32_t group = (uint32_t)e[0] << 8 | e[1];
    if (group <= ncap && !names[group]) names[group] = xstrdup((const char *)e + 2);
  }
  return names;
}

static bool compile(ReCtx *ctx, Entry *e, const char *pattern, char **err) {
  int code_err;
  PCRE2_SIZE offset;
  pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, COMPILE_OPTIONS,
                                   &code_err, &offset, NULL);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code_err, msg, sizeof msg);
    if (err)
      *err = xasprintf("invalid regular expression \"%s\" at offset %zu: %s", pattern,
                       (size_t)offset, (char *)msg);
    return false;
  }
  /* When the JIT fails (memory, exotic pattern) pcre2_match interprets. */
  if (ctx->jit && pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0) ctx->jitted++;
  e->pattern = xstrdup(pattern);
  e->code = code;
  e->md = pcre2_match_data_create_from_pattern(code, NULL);
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &e->ncap);
  e->names = group_names(code, e->ncap);
  ctx->compiled++;
  ctx->used++;
  return true;
}

static Entry *lookup(ReCtx *ctx, const char *pattern, char **err) {
  uint64_t h = hash_text(pattern);
  size_t i = h & (CACHE_SLOTS - 1);
  for (; ctx->slots[i].pattern; i = (i + 1) & (CACHE_SLOTS - 1)) {
    Entry *e = &ctx->slots[i];
    if (e->hash == h && !strcmp(e->pattern, pattern)) {
      ctx->hits++;
      return e;
    }
  }
  if (ctx->used >= CACHE_MAX) { /* rare: a pipeline has few distinct patterns */
    cache_clear(ctx);
    i = h & (CACHE_SLOTS - 1);
  }
  Entry *e = &ctx->slots[i];
  if (!compile(ctx, e, pattern, err)) return NULL;
  e->hash = h;
  return e;
}

bool re_check(ReCtx *ctx, const char *pattern, char **err) { return lookup(ctx, pattern, err) != NULL; }

/* ---- matching ---- */

static char *match_error(int rc, const char *pattern) {
  PCRE2_UCHAR msg[256];
  pcre2_get_error_message(rc, msg, sizeof msg);
  return xasprintf("regular expression \"%s\": %s", pattern, (char *)msg);
}

/* One pcre2_match; 1 found, 0 none, -1 error (with *err). */
static int run(Entry *e, const char *text, size_t len, size_t from, uint32_t opts, char **err) {
  int rc = pcre2_match(e->code, (PCRE2_SPTR)text, len, from, opts, e->md, NULL);
  if (rc == PCRE2_ERROR_NOMATCH) return 0;
  if (rc < 0) {
    if (err) *err = match_error(rc, e->pattern);
    return -1;
  }
  return 1;
}

static void fill_match(const Entry *e, const char *text, ReMatch *m) {
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md);
  uint32_t pairs = pcre2_get_ovector_count(e->md);
  m->ngroups = e->ncap + 1;
  m->groups = xcalloc(m->ngroups, sizeof *m->groups);
  for (uint32_t i = 0; i < m->ngroups; i++) {
    ReGroup *g = &m->groups[i];
    g->name = e->names[i] ? xstrdup(e->names[i]) : NULL;
    if (i >= pairs || ov[2 * i] == PCRE2_UNSET) continue;
    g->set = true;
    g->start = ov[2 * i];
    g->end = ov[2 * i + 1] >= g->start ? ov[2 * i + 1] : g->start; /* \K may reverse them */
    g->text = xstrndup(text + g->start, g->end - g->start);
  }
}

void re_match_free(ReMatch *m) {
  for (size_t i = 0; i < m->ngroups; i++) {
    free(m->groups[i].text);
    free((char *)m->groups[i].name);
  }
  free(m->groups);
  memset(m, 0, sizeof *m);
}

void re_matches_free(ReMatches *ms) {
  for (size_t i = 0; i < ms->n; i++) re_match_free(&ms->items[i]);
  free(ms->items);
  memset(ms, 0, sizeof *ms);
}

const ReGroup *re_group_named(const ReMatch *m, const char *name) {
  for (size_t i = 0; i < m->ngroups; i++)
    if (m->groups[i].name && !strcmp(m->groups[i].name, name)) return &m->groups[i];
  return NULL;
}

bool re_find(ReCtx *ctx, const char *pattern, const char *text, size_t len, size_t from,
             ReMatch *out, bool *found, char **err) {
  memset(out, 0, sizeof *out);
  *found = false;
  Entry *e = lookup(ctx, pattern, err);
  if (!e) return false;
  if (from > len) return true;
  int rc = run(e, text, len, from, 0, err);
  if (rc < 0) return false;
  if (rc > 0) {
    fill_match(e, text, out);
    *found = true;
  }
  return true;
}

bool re_match(ReCtx *ctx, const char *pattern, const char *text, size_t len, bool *matched,
              ReMatch *m, char **err) {
  ReMatch tmp;
  bool ok = re_find(ctx, pattern, text, len, 0, m ? m : &tmp, matched, err);
  if (!m) re_match_free(&tmp);
  return ok;
}

/* The offset one code point after `i`, skipping UTF-8 continuation bytes. */
static size_t next_char(const char *text, size_t len, size_t i) {
  i++;
  while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80) i++;
  return i;
}

/* Perl's //g: after an empty match, first try a non-empty match at the
 * same place, and only then move on one character. */
bool re_find_all(ReCtx *ctx, const char *pattern, const char *text, size_t len, ReMatches *out,
                 char **err) {
  memset(out, 0, sizeof *out);
  Entry *e = lookup(ctx, pattern, err);
  if (!e) return false;
  size_t pos = 0;
  uint32_t opts = 0;
  while (pos <= len) {
    int rc = run(e, text, len, pos, opts, err);
    if (rc < 0) {
      re_matches_free(out);
      return false;
    }
    if (rc == 0) {
      if (!opts) break;
      opts = 0; /* no non-empty match here: step over one character */
      pos = next_char(text, len, pos);
      continue;
    }
    ReMatch m;
    fill_match(e, text, &m);
    VEC_PUSH(out->items, out->n, out->cap, m);
    size_t start = m.groups[0].start, end = m.groups[0].end;
    opts = end == start ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
    pos = end > start ? end : start;
  }
  return true;
}

/* ---- replace and split ---- */

char *re_replace(ReCtx *ctx, const char *pattern, const char *text, size_t len, const char *with,
                 size_t *outlen, char **err) {
  Entry *e = lookup(ctx, pattern, err);
  if (!e) return NULL;
  const uint32_t opts = PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH |
                        PCRE2_SUBSTITUTE_UNSET_EMPTY;
  PCRE2_SIZE cap = len + strlen(with) + 64;
  for (int attempt = 0; attempt < 2; attempt++) {
    char *buf = xmalloc(cap);
    PCRE2_SIZE n = cap;
    int rc = pcre2_substitute(e->code, (PCRE2_SPTR)text, len, 0, opts, e->md, NULL,
                              (PCRE2_SPTR)with, PCRE2_ZERO_TERMINATED, (PCRE2_UCHAR *)buf, &n);
    if (rc >= 0) {
      if (outlen) *outlen = n;
      return buf;
    }
    free(buf);
    if (rc != PCRE2_ERROR_NOMEMORY) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof msg);
      if (err)
        *err = xasprintf("replacing \"%s\" with \"%s\": %s", pattern, with, (char *)msg);
      return NULL;
    }
    cap = n; /* OVERFLOW_LENGTH: n is now the size needed, terminator included */
  }
  if (err) *err = xasprintf("replacing \"%s\": result does not fit", pattern);
  return NULL;
}

static void piece(RePieces *p, const char *s, size_t n) {
  if (p->n == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 8;
    p->items = xrealloc(p->items, p->cap * sizeof *p->items);
    p->lens = xrealloc(p->lens, p->cap * sizeof *p->lens);
  }
  p->items[p->n] = xstrndup(s, n);
  p->lens[p->n++] = n;
}

void re_pieces_free(RePieces *p) {
  for (size_t i = 0; i < p->n; i++) free(p->items[i]);
  free(p->items);
  free(p->lens);
  memset(p, 0, sizeof *p);
}

/* Cuts at every match. An empty match where the current piece starts does
 * not cut (so "" splits "abc" into a, b, c), and an empty match at the very
 * end adds no empty last piece. */
bool re_split(ReCtx *ctx, const char *pattern, const char *text, size_t len, RePieces *out,
              char **err) {
  memset(out, 0, sizeof *out);
  ReMatches ms;
  if (!re_find_all(ctx, pattern, text, len, &ms, err)) return false;
  size_t beg = 0;
  bool ends_empty = false;
  for (size_t i = 0; i < ms.n; i++) {
    const ReGroup *g = &ms.items[i].groups[0];
    if (g->start == g->end && g->start == beg) continue;
    piece(out, text + beg, g->start - beg);
    beg = g->end;
    ends_empty = g->start == g->end && g->end == len;
  }
  if (!ends_empty || out->n == 0) piece(out, text + beg, len - beg);
  re_matches_free(&ms);
  return true;
}
