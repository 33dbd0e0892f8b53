/* export.h — a pipeline compiled onto a CI engine: a GitHub Actions
 * workflow or a .gitlab-ci.yml (rp export, doc/ci.md).
 *
 * Each stage a CI trigger can start becomes a job that runs
 * `rp run --only STAGE --run-id ID --state SPEC`, so outputs, gates,
 * history and locks stay rp's own, shared through the state backend; the
 * engine only schedules. Every text taken from the pipeline (labels,
 * branch patterns, crons, URLs) is written as a quoted YAML scalar, so a
 * hostile one cannot add keys, and one the engine would evaluate
 * (GitHub's `${{`) is refused rather than written. */
#ifndef RP_EXPORT_H
#define RP_EXPORT_H

#include <stdbool.h>

#include "lang/ast.h"

typedef enum ExportEngine { EXPORT_GITHUB, EXPORT_GITLAB } ExportEngine;

typedef struct ExportSpec {
  ExportEngine engine;
  const char *pipeline; /* the pipeline's path from the repository's top ("pipeline.rp": not passed) */
  const char *state;    /* the shared backend, "git:REMOTE" */
  const char *version;  /* the rp the jobs install: this one's */
  const char *dist;     /* where its rp-VERSION.tar.gz is served, or NULL (then the runner must have rp) */
} ExportSpec;

/* "github" or "gitlab"; false when `name` is neither. */
bool export_engine_named(const char *name, ExportEngine *out);
/* Where the engine looks for the file: .github/workflows/rp.yml, .gitlab-ci.yml. */
const char *export_default_path(ExportEngine e);
/* True when `spec` is a backend every runner shares (git:REMOTE); else
 * false with *err saying what to pass instead. */
bool export_state_shared(const char *spec, char **err);
/* The file's text (malloc'd); NULL with *err (malloc'd) when the pipeline
 * holds something the engine cannot be given safely. `p` is checked. */
char *export_pipeline(const Program *p, const ExportSpec *spec, char **err);

#endif
