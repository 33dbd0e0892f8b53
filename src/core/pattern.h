/* pattern.h — name patterns: GitHub's filter patterns and plain globs.
 *
 * Both compile to a chain of tokens (a byte set that may be optional and
 * may repeat) run as a set of states over the subject, so matching costs
 * O(pattern × subject) whatever the pattern: no backtracking.
 *
 * GitHub's filter patterns (the "filter pattern cheat sheet" of its
 * workflow syntax), for trigger filters and `paths`:
 *   *     zero or more characters, not '/'
 *   **    zero or more characters; `**` followed by '/' also matches nothing
 *   ?  +  zero or one / one or more of the preceding character or set
 *   [..]  one character listed or in a range (a-z, A-Z, 0-9 only)
 *   \c    the character c itself
 * A leading '!' (negation) belongs to the list, not to one pattern: see
 * pattern_list_match.
 *
 * Plain globs (glob_match: approval branches, git.tags): `*`, `**`, `?` one
 * character but '/', `[..]` with `[!..]`/`[^..]` negation, `\c`. */
#ifndef RP_PATTERN_H
#define RP_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

/* NULL when `pat` is a valid GitHub filter pattern (without a leading
 * '!'), else why not, with *off the byte offset of the fault. */
const char *pattern_error(const char *pat, size_t *off);
/* Whether `s` matches all of `pat` (false for an invalid pattern). */
bool pattern_match(const char *pat, const char *s);
/* GitHub's order-sensitive list: every pattern is tried in order, and the
 * last one that matches decides: plain it includes `s`, with a leading '!'
 * it excludes it. *which (optional) is that pattern's index, -1 if none. */
bool pattern_list_match(const char *const *pats, int n, const char *s, int *which);

bool glob_match(const char *pattern, const char *s);

#endif
