/* semver.h — Semantic Versioning 2.0.0: parse, order, bump, ranges.
 *
 * Versions are parsed exactly as the SemVer 2.0.0 grammar says (no leading
 * zeros, non-empty identifiers), with one convenience: a leading `v` or `V`
 * is accepted and dropped. Range syntax is documented in
 * doc/primitives-semver.md. Errors come back as malloc'd messages that
 * quote the offending text. */
#ifndef RP_PRIM_SEMVER_H
#define RP_PRIM_SEMVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct SemVer {
  uint64_t major, minor, patch;
  char *pre;   /* dot-separated prerelease identifiers, or NULL */
  char *build; /* dot-separated build metadata, or NULL */
} SemVer;

typedef enum SemVerPart {
  SEMVER_MAJOR,
  SEMVER_MINOR,
  SEMVER_PATCH,
  SEMVER_PRERELEASE,
  SEMVER_PREMAJOR,
  SEMVER_PREMINOR,
  SEMVER_PREPATCH,
} SemVerPart;

/* Parsing and printing */
bool semver_parse(const char *text, SemVer *out, char **err);
void semver_free(SemVer *v);
char *semver_format(const SemVer *v); /* canonical, without the `v` */

/* Precedence: <0, 0 or >0. Build metadata is ignored. */
int semver_compare(const SemVer *a, const SemVer *b);
bool semver_compare_text(const char *a, const char *b, int *out, char **err);

/* The next version after `v` for a part, as npm's `semver.inc` (see the
 * doc for prerelease rules); build metadata is dropped. `preid` (NULL or
 * valid prerelease identifiers) names the prerelease of the pre* parts:
 * 1.2.3 prerelease "rc" is 1.2.4-rc.0. */
bool semver_part_from_name(const char *name, SemVerPart *out);
void semver_bump(const SemVer *v, SemVerPart part, const char *preid, SemVer *out);

/* Index of the greatest version in `texts`. With skip_invalid, texts that
 * are not versions are passed over; otherwise the first one is an error.
 * False with a message when there is no version at all. */
bool semver_max(const char *const *texts, size_t n, bool skip_invalid, size_t *index, char **err);

/* Whether `v` lies in `range` ("^1.2.3", ">=1.2 <2", "1.x || ~2.0", ...). */
bool semver_satisfies(const SemVer *v, const char *range, bool *out, char **err);

#endif
