/* output.h — how a run reports: plain prefixed lines, a terminal with
 * colour, GitHub Actions log groups and annotations, or --json events;
 * plus the closing summary and --junit. One Reporter per run. */
#ifndef RP_OUTPUT_H
#define RP_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "eval/interp.h"

typedef enum { OUT_PLAIN, OUT_TERMINAL, OUT_GITHUB, OUT_JSON } OutputMode;

typedef enum { STAGE_PENDING, STAGE_RUNNING, STAGE_OK, STAGE_FAILED, STAGE_SKIPPED, STAGE_WAITING } StageStatus;

const char *stage_status_name(StageStatus s);

typedef struct StageReport {
  char *name;
  StageStatus status;
  double seconds;
  char *reason;   /* why skipped, or the error message */
  char *err_file; /* where the error happened, for annotations */
  unsigned err_line, err_col;
  Buf log;        /* kept for GitHub groups and junit (bounded) */
} StageReport;

typedef struct Reporter {
  OutputMode mode;
  FILE *out;
  char *run_id;
  const Secrets *secrets; /* log lines and errors are masked with them */
  StageReport *stages;
  int nstages, cap;
  Value by_name; /* stage name -> its index in stages: a lookup per line at any size */
  double started;
} Reporter;

OutputMode output_mode_detect(bool json);
/* `secrets` (the run's, may be NULL) must outlive r. */
void report_init(Reporter *r, OutputMode mode, const char *run_id, const Secrets *secrets);
void report_free(Reporter *r);

StageReport *report_stage(Reporter *r, const char *name); /* finds or adds */
void report_run_started(Reporter *r, const char *pipeline, Value event);
void report_stage_started(Reporter *r, const char *stage);
void report_log(Reporter *r, const char *stage, const char *stream, const char *text);
void report_stage_finished(Reporter *r, const char *stage, StageStatus status, double secs, const char *reason,
                           const RtError *err);
void report_run_finished(Reporter *r, int exit_code);
bool report_write_junit(const Reporter *r, const char *path, char **err);

double monotonic_seconds(void);

#endif
