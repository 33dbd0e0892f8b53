/* re.h — regular expressions over PCRE2 (8-bit, UTF-8).
 *
 * A ReCtx owns a cache of compiled patterns: each distinct pattern is
 * compiled (and JIT-compiled where the platform allows) once, then reused.
 * Patterns use PCRE2 (Perl) syntax with UTF and Unicode properties on, so
 * `.` is one code point and `\w` matches `é`. Texts are byte strings with
 * a length; offsets in results are byte offsets. Invalid UTF-8 in a text
 * never matches a code point but is not an error.
 * Semantics in detail: doc/primitives-re.md. */
#ifndef RP_PRIM_RE_H
#define RP_PRIM_RE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ReCtx ReCtx;

ReCtx *re_ctx_new(void);
void re_ctx_free(ReCtx *ctx);

/* Counters, for tests and `rp` diagnostics. */
typedef struct ReStats {
  size_t compiled; /* patterns compiled since the context was made */
  size_t hits;     /* lookups served from the cache */
  size_t cached;   /* patterns in the cache now */
  size_t jitted;   /* of the compiled patterns, those the JIT compiled */
  bool jit;        /* the JIT is available on this platform */
} ReStats;
ReStats re_ctx_stats(const ReCtx *ctx);

/* Whether `pattern` compiles; on failure *err names the offset and reason. */
bool re_check(ReCtx *ctx, const char *pattern, char **err);

/* One capture group of a match. Group 0 is the whole match. */
typedef struct ReGroup {
  bool set;          /* false when the group did not take part */
  size_t start, end; /* byte offsets into the text */
  char *text;        /* copy of the matched bytes, NULL when !set */
  const char *name;  /* the group's name, NULL when unnamed; owned by the match */
} ReGroup;

typedef struct ReMatch {
  size_t ngroups; /* 1 + number of capture groups in the pattern */
  ReGroup *groups;
} ReMatch;

typedef struct ReMatches {
  ReMatch *items;
  size_t n, cap;
} ReMatches;

void re_match_free(ReMatch *m);
void re_matches_free(ReMatches *ms);
const ReGroup *re_group_named(const ReMatch *m, const char *name); /* NULL if no such group */

/* Does the pattern match anywhere in the text (anchor with ^ and $)?
 * With `m` non-NULL, the first match's groups are stored there when found. */
bool re_match(ReCtx *ctx, const char *pattern, const char *text, size_t len, bool *matched,
              ReMatch *m, char **err);

/* The first match at or after byte `from`; *found false when none. */
bool re_find(ReCtx *ctx, const char *pattern, const char *text, size_t len, size_t from,
             ReMatch *out, bool *found, char **err);

/* Every non-overlapping match, left to right: exactly the matches that
 * re_replace replaces (Perl's rules for empty matches). */
bool re_find_all(ReCtx *ctx, const char *pattern, const char *text, size_t len, ReMatches *out,
                 char **err);

/* Replaces every match; `$1`, `${1}`, `${name}` and `$$` in `with` are
 * expanded by pcre2_substitute. Returns a malloc'd string (length in
 * *outlen when non-NULL), or NULL and *err. */
char *re_replace(ReCtx *ctx, const char *pattern, const char *text, size_t len, const char *with,
                 size_t *outlen, char **err);

/* Pieces of the text between matches (see the doc for empty matches). */
typedef struct RePieces {
  char **items;
  size_t *lens;
  size_t n, cap;
} RePieces;

bool re_split(ReCtx *ctx, const char *pattern, const char *text, size_t len, RePieces *out,
              char **err);
void re_pieces_free(RePieces *p);

#endif
