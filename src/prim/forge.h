/* forge.h — feedback to the forge that hosts the code: a pull/merge
 * request comment that is updated in place ("sticky"), a commit status,
 * and the CI platform's OIDC identity token. GitHub's REST API and
 * GitLab's v4 API, over net.h (libcurl).
 *
 * Everything a caller passes may be attacker-influenced (a comment's text
 * quotes a PR title): bodies are JSON-encoded, path parts are checked
 * against the forms the APIs accept (never interpolated raw), and the
 * token travels in a header only, so messages can name the URL. */
#ifndef RP_PRIM_FORGE_H
#define RP_PRIM_FORGE_H

#include <stdbool.h>

#include "prim/net.h"

typedef enum ForgeKind { FORGE_GITHUB, FORGE_GITLAB } ForgeKind;

/* Where to talk to: the API's base URL (https://api.github.com,
 * https://gitlab.example.com/api/v4), the repository ("owner/name") or
 * GitLab project (a numeric id or "group/sub/name"), and the token. */
typedef struct Forge {
  ForgeKind kind;
  const char *api, *repo, *token;
} Forge;

/* What a comment call did: "created" or "updated", and the comment's id. */
typedef struct ForgeComment {
  const char *action;
  long long id;
} ForgeComment;

/* Creates or updates the comment of pull/merge request `number` marked
 * with `key` (an HTML comment at its end, invisible when rendered): the
 * first earlier comment carrying the same marker is edited, so repeated
 * runs keep one comment up to date instead of adding one per run. */
bool forge_comment(Net *net, const Forge *f, long long number, const char *key, const char *text, ForgeComment *out,
                   char **err);

/* Sets commit `sha`'s status named `context`. `state` is the platform's
 * own word (GitHub: error failure pending success; GitLab: pending running
 * success failed canceled) or one of rp's stage words, translated:
 * succeeded, failed, running, skipped. `url`, `description` may be NULL. */
bool forge_status(Net *net, const Forge *f, const char *sha, const char *state, const char *context, const char *url,
                  const char *description, char **err);

/* GitHub Actions: requests an OIDC token for `audience` from
 * ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN (both
 * passed in). Malloc'd token, or NULL with *err. */
char *forge_oidc_github(Net *net, const char *request_url, const char *request_token, const char *audience,
                        char **err);

/* Whether JWT `token`'s `aud` claim (a string or a list) holds `audience`
 * (GitLab's id_tokens are minted by the pipeline definition, so rp checks
 * it was given the one it asked for). The signature is not verified:
 * that is the relying party's job. */
bool forge_jwt_has_audience(const char *token, const char *audience, char **err);

#endif
