/* registry.h — the registry.* primitives: a native OCI Distribution client.
 *
 * References read `host[:port]/repo[:tag][@sha256:HEX]`; a first component
 * without '.', ':' or "localhost" means Docker Hub (`library/` added for
 * one-component names). Repositories (for tags, prune, latest) are the same
 * without tag and digest. Loopback hosts (localhost, 127.0.0.1, [::1]) are
 * spoken to over plain HTTP, as Docker does; others over HTTPS unless
 * listed in RegOptions.plain_http.
 *
 * Authentication: anonymous; HTTP basic; and the bearer token flow the
 * registry asks for in `WWW-Authenticate: Bearer realm=,service=,scope=`
 * (tokens cached per scope for the life of the client). Credentials come
 * from RegOptions, else from `auths` in $DOCKER_CONFIG/config.json (default
 * ~/.docker/config.json). No message ever contains a credential or token.
 *
 * Every function returns false / NULL / -1 on error with *err malloc'd. */
#ifndef RP_PRIM_REGISTRY_H
#define RP_PRIM_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct RegClient RegClient;

typedef struct RegOptions {
  const char *username, *password; /* used for every host when set */
  const char *docker_config;       /* a config.json path; NULL: the default */
  const char *plain_http;          /* comma-separated hosts also spoken to over http */
  long timeout_ms;                 /* per request; 0 = 30 s (blob transfers: none) */
  int retries;                     /* <0 = 2 */
  int page_size;                   /* tags per page asked of the server; 0 = its default */
} RegOptions;

/* A list of malloc'd strings. */
typedef struct RegList {
  char **items;
  size_t n, cap;
} RegList;
void reg_list_free(RegList *l);

typedef enum RegStrategy { REG_SEMVER, REG_NEWEST } RegStrategy;

typedef struct RegPrune {
  const char *match;   /* PCRE2 pattern a tag must match to be a candidate; NULL = all */
  const char *keep;    /* PCRE2 pattern of tags that always stay; NULL = none */
  int keep_last;       /* the newest N candidates are kept */
  int64_t older_than_ms; /* and only candidates created longer ago go; 0 = any age */
  bool dry_run;        /* report what would go, delete nothing */
} RegPrune;

/* Statistics of a copy, for tests and benchmarks. */
typedef struct RegCopyStats {
  int manifests;       /* manifests written */
  int blobs_mounted;   /* blobs linked with a cross-repository mount */
  int blobs_present;   /* blobs already in the destination */
  int blobs_streamed;  /* blobs downloaded and uploaded */
  int requests;        /* HTTP requests made by the whole call */
} RegCopyStats;

RegClient *reg_new(const RegOptions *opt, char **err);
void reg_free(RegClient *c);

/* All tags of `repo`, following `Link: <...>; rel="next"` pages. */
bool reg_tags(RegClient *c, const char *repo, RegList *out, char **err);
/* 1 when the manifest exists, 0 when the registry says it does not. */
int reg_exists(RegClient *c, const char *ref, char **err);
/* The manifest digest "sha256:..." (malloc'd) of `ref`. */
char *reg_digest(RegClient *c, const char *ref, char **err);
/* Copies `src` to `dst` without pulling layers to disk when the registry
 * can avoid it: same repository, the manifest is re-tagged; another
 * repository on the same host, blobs are mounted; otherwise (or when a
 * mount is refused) blobs are streamed through a temporary file. Image
 * indexes are copied whole, children first. *digest_out (may be NULL)
 * receives the copied manifest's digest. */
bool reg_copy(RegClient *c, const char *src, const char *dst, char **digest_out,
              RegCopyStats *stats, char **err);
/* Resolves `ref` to its digest and deletes that manifest (which also
 * removes every other tag of the same digest). */
bool reg_delete(RegClient *c, const char *ref, char **err);
/* Deletes old tags of `repo` (see RegPrune); `deleted` lists the tags that
 * went, newest first. Age is the image config's `created` time (for an
 * index: its newest child). A candidate sharing its digest with a tag that
 * stays is left alone, since deleting the manifest would remove both. */
bool reg_prune(RegClient *c, const char *repo, const RegPrune *p, RegList *deleted, char **err);
/* The tag of `repo` matching `allow` (PCRE2; NULL = all) that is highest
 * by SemVer 2.0.0 precedence (a leading "v" allowed; tags that are not
 * versions are ignored) or newest by creation time. NULL with *err NULL
 * when no tag qualifies. */
char *reg_latest(RegClient *c, const char *repo, const char *allow, RegStrategy strategy,
                 char **err);

/* Single blobs and manifests, for OCI artifacts (rp's own artifacts, run/artifact.c).
 * reg_blob_push uploads the `size` bytes of f (from its start)
 * as blob `digest` of `repo`, unless the registry has it; reg_blob_pull
 * streams blob `digest` of `repo` into f and checks that it hashes to it.
 * reg_manifest_push PUTs `body` as the manifest `ref` (a tag), *digest_out
 * (may be NULL) its digest; reg_manifest_pull GETs one: its body
 * (malloc'd, *len bytes) and digest. */
bool reg_blob_push(RegClient *c, const char *repo, FILE *f, int64_t size, const char *digest, char **err);
bool reg_blob_pull(RegClient *c, const char *repo, const char *digest, FILE *f, char **err);
bool reg_manifest_push(RegClient *c, const char *ref, const char *media_type, const char *body, size_t len,
                       char **digest_out, char **err);
char *reg_manifest_pull(RegClient *c, const char *ref, size_t *len, char **digest_out, char **err);

/* Requests made so far (tests assert connection reuse and pagination). */
int reg_request_count(const RegClient *c);

#endif
