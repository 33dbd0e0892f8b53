/* output.h — how a run reports: plain prefixed lines, a terminal with
 * colour, GitHub Actions log groups and annotations, GitLab CI sections
 * (run/ci.h), or --json events; plus the closing summary (a Markdown one
 * for the CI runner) and --junit. One Reporter per run. */
#ifndef RP_OUTPUT_H
#define RP_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "eval/interp.h"
#include "run/ci.h"

typedef enum { OUT_PLAIN, OUT_TERMINAL, OUT_GITHUB, OUT_JSON, OUT_GITLAB } OutputMode;

typedef enum { STAGE_PENDING, STAGE_RUNNING, STAGE_OK, STAGE_FAILED, STAGE_SKIPPED, STAGE_WAITING, STAGE_CANCELLED } StageStatus;

const char *stage_status_name(StageStatus s);

typedef struct StageReport {
  char *name;
  StageStatus status;
  double seconds;
  char *reason;   /* why skipped, or the error message */
  char *err_file; /* where the error happened, for annotations */
  unsigned err_line, err_col;
  Buf log;        /* the end of its log, for junit (bounded: the tail holds the error) */
  Buf out, err;   /* the same by stream: junit's system-out and system-err */
  char *env, *version, *url; /* what it deployed and where it is reached, for the CI summary */
  char *gate;     /* the environment whose approval it waits for */
  double since;   /* when it started, for the status line */
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
  int64_t started_ms; /* wall clock, for junit's timestamp */
  char *pipeline;     /* its name, for junit's suite; NULL when unnamed */
  Buf pending;    /* log lines not written yet: report_flush writes them */
  bool color;
  int group;      /* the stage whose CI group (section) is open, or -1 */
  bool group_shown; /* its start was printed (at its first line) */
  int running;    /* stages running */
  size_t masks_told; /* secrets' forms the CI runner was told to mask */
  /* the status line, on a terminal's last row (OUT_TERMINAL on a TTY) */
  bool live;         /* it is kept there */
  bool drawn;        /* it is on the screen now */
  double drawn_at;
  char *timer_env;   /* an approval's wait timer running, and its end */
  double timer_until;
  bool cancelled;    /* its concurrency group cancelled the run: it ends "cancelled" */
} Reporter;

OutputMode output_mode_detect(bool json);
/* `secrets` (the run's, may be NULL) must outlive r. */
void report_init(Reporter *r, OutputMode mode, const char *run_id, const Secrets *secrets);
void report_free(Reporter *r);

StageReport *report_stage(Reporter *r, const char *name); /* finds or adds */
void report_run_started(Reporter *r, const char *pipeline, Value event);
void report_stage_started(Reporter *r, const char *stage);
void report_log(Reporter *r, const char *stage, const char *stream, const char *text);
/* A block of a stage's log: whole lines, each ending with '\n', masked
 * already. Buffered until report_flush (or until much is buffered). */
void report_log_lines(Reporter *r, const char *stage, const char *stream, const char *data, size_t len);
/* Writes what is buffered; on a terminal, the status line is erased
 * before and redrawn after (also with nothing buffered, when it is older
 * than report_tick_ms). */
void report_flush(Reporter *r);
/* How often the status line wants redrawing (ms), or -1: no status line.
 * r may be NULL. */
int report_tick_ms(const Reporter *r);
/* The countdown of env's approval wait timer, ending at `until`
 * (monotonic_seconds); env NULL ends it. r may be NULL. */
void report_wait_timer(Reporter *r, const char *env, double until);
/* Erases the status line before something else writes to the terminal
 * (a prompt); the next report_flush redraws it. r may be NULL. */
void report_hide_status(Reporter *r);
void report_stage_finished(Reporter *r, const char *stage, StageStatus status, double secs, const char *reason,
                           const RtError *err);
/* For the CI summary: a deploy that ran, and a gate a stage waits at. */
void report_deploy(Reporter *r, const char *stage, const char *env, const char *version, const char *url);
void report_gate(Reporter *r, const char *stage, const char *env, const char *version);
void report_run_finished(Reporter *r, int exit_code);
/* What --json events carry as "schema": raised when a field changes
 * meaning or goes away (doc/json.md). */
enum { JSON_SCHEMA_VERSION = 1 };
/* A structured event the text modes show as the stage's log lines: with
 * --json, one event of `kind` with `fields` (taken); else nothing. r may
 * be NULL. gate_waiting, approved, rejected, deploy: see doc/json.md. */
void report_record(Reporter *r, const char *kind, Value fields);
bool report_write_junit(const Reporter *r, const char *path, char **err);

double monotonic_seconds(void);

#endif
