/* approval.h — whether a decision at an approval gate counts (DESIGN §10).
 *
 * A decision counts when, under the pipeline as it is *now*, its reviewer
 * is among the environment's reviewers and did not start the run, and, when
 * the approval names `signers` (an OpenSSH allowed-signers file), when its
 * signature verifies: ssh-keygen -Y verify, namespace "rp-approval", by a
 * key that file lists for that reviewer, over the decision's canonical text
 * (approval_text) for this run. Checked when rp approve records it and
 * again every time a run, rp resume or rp status reads it. */
#ifndef RP_APPROVAL_H
#define RP_APPROVAL_H

#include "lang/ast.h"
#include "run/journal.h"

#define APPROVAL_NAMESPACE "rp-approval"

/* The text a decision's signature covers, one "field value" line each, in
 * this order, every value a JSON string (or null), so no value can run into
 * the next line:
 *   rp-approval 1
 *   run "20261203-163104-7f3a"
 *   environment "prod"
 *   version "1.2.0"            (null when the gate has none)
 *   decision "approved"        (or "rejected")
 *   reviewer "alice"
 *   time "2026-12-03T16:31:04.123Z"
 *   comment "ship it"          (null when none)
 * malloc'd. */
char *approval_text(const char *run_id, const Decision *d);

/* Whether env's approval names `signers`. */
bool approval_is_signed(const Environment *env);

/* The allowed-signers file of env's approval (relative to the pipeline
 * file, as written in `signers`), malloc'd; NULL when it has none. */
char *approval_signers(const Environment *env, const char *pipeline_file);

/* The reviewer of env's approval that `name` is (names compare ignoring
 * case, as gate_may_approve), as the pipeline spells it; NULL if none.
 * malloc'd. */
char *approval_reviewer(const Environment *env, const char *name);

/* Why decision d of run r does not count under p's rules now (malloc'd);
 * NULL when it counts. */
char *approval_check(const Program *p, const RunState *r, const Decision *d);

/* Sets each decision's `ignored` (approval_check), then a run recorded as
 * rejected only by decisions that do not count waits again. */
void approval_review(RunState *r, const Program *p);

/* The key rp approve signs with: `given` (--key), else $RP_SIGNING_KEY,
 * else git's user.signingkey for the repository holding `dir`; "~/"
 * expands to $HOME. NULL when none is set. malloc'd. */
char *approval_signing_key(const char *given, const char *dir);

/* A decision's reviewer as messages may show it: hand-written records may
 * hold any bytes, so a name with control characters is shown JSON-quoted;
 * "?" for none. malloc'd. */
char *approval_shown_name(const char *by);

/* Signs d for run `run_id` with the key file `key`: d->signature. */
bool approval_sign(const char *key, const char *run_id, Decision *d, char **err);

#endif
