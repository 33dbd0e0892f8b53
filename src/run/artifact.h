/* artifact.h — `artifact PATTERNS` (doc/language.md, "Artifacts"): the
 * files a stage leaves, packed when it succeeds (core/tar.h), stored with
 * its run (run/store.h) and unpacked into the workspace of the stages that
 * need it directly, on whichever machine they run.
 *
 * Each archive kept is journaled as a record
 *   {kind: "artifact", stage, unit, run, name, digest, size, files, at}
 * `run` and `name` say where the state keeps it (a cached stage's are
 * another run's), `digest` is the SHA-256 of the archive, checked before
 * anything is unpacked. Kept in an OCI repository instead (`artifacts
 * "oci://HOST/REPO"`, or $RP_ARTIFACTS), the record adds `store` (that
 * spec) and `manifest` (the digest of the artifact's manifest there,
 * tagged RUN-NAME; one tar+gzip layer), and a stage fetches it from there
 * whatever its own configuration says. */
#ifndef RP_ARTIFACT_H
#define RP_ARTIFACT_H

#include "run/journal.h"
#include "run/sched.h"
#include "run/store.h"

/* Where archives go: $RP_ARTIFACTS, else the pipeline's `artifacts`
 * declaration ("oci://HOST/REPO"), else NULL: the state. */
const char *artifact_registry(const Program *p);

/* The files of unit u under `workspace` matching its patterns, packed and
 * stored for the run of j (in the OCI repository `oci`, else the state),
 * then journaled. *note (malloc'd) says what was kept. False with *err:
 * the stage fails (nothing matched, a symbolic link, the store refused). */
bool artifact_keep(Store *s, const char *oci, Journal *j, const Unit *u, const char *workspace, char **note,
                   char **err);

/* Whether the unit named `unit` ran in this process (its files are in the
 * workspace already). */
typedef bool (*ArtifactRanHere)(void *ctx, const char *unit);

/* Unpacks into `workspace` the artifacts the run of j recorded for the
 * stages `st` needs, in the order of its needs, but those of units that
 * ran here. *note (malloc'd, or NULL when nothing was unpacked) says what
 * was. False with *err: the stage fails (a needed stage with `artifact`
 * kept none in the run, an archive is refused). */
bool artifact_receive(Store *s, Journal *j, const Program *p, const Stage *st, const char *workspace,
                      ArtifactRanHere ran_here, void *ctx, char **note, char **err);

/* A unit restored from the cache: the newest artifact record of unit
 * `unit` in run `from` is journaled again in the run of j (its archive
 * stays where it is); *found false when that run kept none. */
bool artifact_adopt(Store *s, Journal *j, const char *unit, const char *from, bool *found, char **err);

/* What rp plan says of st: `keeps artifact "dist/..." (in oci://...)` and
 * `receives the artifacts of build`, joined by "; "; NULL when neither. */
char *artifact_plan_text(const Program *p, const Stage *st);

#endif
