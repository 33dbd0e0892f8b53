/* output.c — reporting a run. */
#include "run/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { LOG_KEEP = 64 * 1024 }; /* per stage, for groups and junit */

double monotonic_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *stage_status_name(StageStatus s) {
  static const char *n[] = {"pending", "running", "ok", "failed", "skipped", "waiting"};
  return n[s];
}

OutputMode output_mode_detect(bool json) {
  if (json) return OUT_JSON;
  const char *gha = getenv("GITHUB_ACTIONS");
  if (gha && !strcmp(gha, "true")) return OUT_GITHUB;
  return want_color(stdout) ? OUT_TERMINAL : OUT_PLAIN;
}

void report_init(Reporter *r, OutputMode mode, const char *run_id, const Secrets *secrets) {
  memset(r, 0, sizeof *r);
  r->mode = mode;
  r->out = stdout;
  r->run_id = xstrdup(run_id);
  r->secrets = secrets;
  r->started = monotonic_seconds();
}

void report_free(Reporter *r) {
  for (int i = 0; i < r->nstages; i++) {
    free(r->stages[i].name);
    free(r->stages[i].reason);
    free(r->stages[i].err_file);
    buf_free(&r->stages[i].log);
  }
  free(r->stages);
  value_release(r->by_name);
  free(r->run_id);
}

StageReport *report_stage(Reporter *r, const char *name) {
  if (r->by_name.kind != V_MAP) r->by_name = v_map();
  Value at = map_get(r->by_name, name);
  if (at.kind == V_INT) return &r->stages[at.as.i];
  map_set(r->by_name, name, v_int(r->nstages));
  StageReport s = {0};
  s.name = xstrdup(name);
  VEC_PUSH(r->stages, r->nstages, r->cap, s);
  return &r->stages[r->nstages - 1];
}

/* One JSON event per line: {"event": KIND, ...fields} */
static void json_event(Reporter *r, const char *kind, Value fields) {
  Value ev = v_map();
  map_set(ev, "event", v_cstr(kind));
  map_set(ev, "run", v_cstr(r->run_id));
  if (fields.kind == V_MAP) {
    Map *m = as_map(fields);
    for (size_t i = 0; i < m->n; i++) map_set_str(ev, m->keys[i], value_retain(m->vals[i]));
  }
  Buf b = {0};
  json_encode(ev, &b, false);
  fprintf(r->out, "%s\n", b.data);
  fflush(r->out);
  buf_free(&b);
  value_release(ev);
  value_release(fields);
}

void report_run_started(Reporter *r, const char *pipeline, Value event) {
  if (r->mode == OUT_JSON) {
    Value f = v_map();
    map_set(f, "pipeline", pipeline ? v_cstr(pipeline) : V_NULL_VALUE);
    map_set(f, "trigger", value_retain(event));
    json_event(r, "run_started", f);
    return;
  }
  fprintf(r->out, "run %s\n", r->run_id);
  fflush(r->out);
}

void report_stage_started(Reporter *r, const char *stage) {
  StageReport *s = report_stage(r, stage);
  s->status = STAGE_RUNNING;
  if (r->mode == OUT_JSON) {
    Value f = v_map();
    map_set(f, "stage", v_cstr(stage));
    json_event(r, "stage_started", f);
  } else if (r->mode == OUT_TERMINAL) {
    fprintf(r->out, "\033[1m▶ %s\033[0m\n", stage);
  } else if (r->mode == OUT_PLAIN) {
    fprintf(r->out, "--- %s\n", stage);
  }
  fflush(r->out);
}

/* The parent masks what it reports with the run's secrets even when a
 * stage's process masked it already: it may know more (those that other
 * stages sent, or a stage sent after its line was masked). */
static char *masked(const Reporter *r, const char *text) {
  return r->secrets ? secrets_mask(r->secrets, text) : text ? xstrdup(text) : NULL;
}

static void log_line(Reporter *r, const char *stage, const char *stream, const char *text) {
  StageReport *s = stage ? report_stage(r, stage) : NULL;
  if (s && s->log.len < LOG_KEEP) {
    buf_puts(&s->log, text);
    buf_putc(&s->log, '\n');
  }
  switch (r->mode) {
  case OUT_JSON: {
    Value f = v_map();
    map_set(f, "stage", stage ? v_cstr(stage) : V_NULL_VALUE);
    map_set(f, "stream", v_cstr(stream));
    map_set(f, "text", v_cstr(text));
    json_event(r, "log", f);
    return;
  }
  case OUT_GITHUB:
    if (!stage) fprintf(r->out, "%s\n", text); /* stage lines print in its group at the end */
    break;
  case OUT_TERMINAL:
    fprintf(r->out, "\033[2m[%s]\033[0m %s\n", stage ? stage : "rp", text);
    break;
  case OUT_PLAIN:
    fprintf(r->out, "[%s] %s\n", stage ? stage : "rp", text);
    break;
  }
  fflush(r->out);
}

void report_log(Reporter *r, const char *stage, const char *stream, const char *text) {
  char *shown = masked(r, text);
  log_line(r, stage, stream, shown);
  free(shown);
}

/* GitHub annotation values escape %, CR and LF (and , : in properties). */
static void gh_escape(FILE *f, const char *s, bool property) {
  for (; *s; s++) {
    if (*s == '%') fputs("%25", f);
    else if (*s == '\r') fputs("%0D", f);
    else if (*s == '\n') fputs("%0A", f);
    else if (property && *s == ':') fputs("%3A", f);
    else if (property && *s == ',') fputs("%2C", f);
    else fputc(*s, f);
  }
}

/* A failure reads like a compiler error: file:line:col, the line, a caret. */
static void print_failure(const char *stage, const char *reason, const RtError *err) {
  char *msg = xasprintf("stage '%s': %s", stage, reason ? reason : "failed");
  if (err && err->src) {
    Diag d = {DIAG_ERROR, err->src, err->pos, 1, msg};
    diag_print_one(&d, stderr, want_color(stderr));
    if (err->call_src) {
      Diag call = {DIAG_NOTE, err->call_src, err->call_pos, 1, "called from here"};
      diag_print_one(&call, stderr, want_color(stderr));
    }
  } else {
    fprintf(stderr, "rp: %s\n", msg);
  }
  free(msg);
}

static void stage_finished(Reporter *r, const char *stage, StageStatus status, double secs, const char *reason,
                           const RtError *err) {
  StageReport *s = report_stage(r, stage);
  s->status = status;
  s->seconds = secs;
  free(s->reason);
  s->reason = reason ? xstrdup(reason) : NULL;
  if (err && err->src) {
    free(s->err_file);
    s->err_file = xstrdup(err->src->path);
    s->err_line = err->pos.line;
    s->err_col = err->pos.col;
  }
  switch (r->mode) {
  case OUT_JSON: {
    Value f = v_map();
    map_set(f, "stage", v_cstr(stage));
    map_set(f, "status", v_cstr(stage_status_name(status)));
    map_set(f, "duration_ms", v_int((int64_t)(secs * 1000)));
    if (reason) map_set(f, status == STAGE_SKIPPED ? "reason" : "error", v_cstr(reason));
    if (s->err_file) {
      map_set(f, "file", v_cstr(s->err_file));
      map_set(f, "line", v_int(s->err_line));
      map_set(f, "col", v_int(s->err_col));
    }
    json_event(r, "stage_finished", f);
    return;
  }
  case OUT_GITHUB:
    fprintf(r->out, "::group::%s (%s, %.2fs)\n", stage, stage_status_name(status), secs);
    fputs(s->log.data ? s->log.data : "", r->out);
    fputs("::endgroup::\n", r->out);
    if (status == STAGE_FAILED) {
      fputs("::error ", r->out);
      if (s->err_file) {
        fputs("file=", r->out);
        gh_escape(r->out, s->err_file, true);
        fprintf(r->out, ",line=%u,col=%u,", s->err_line, s->err_col);
      }
      fputs("title=stage ", r->out);
      gh_escape(r->out, stage, true);
      fputs("::", r->out);
      gh_escape(r->out, reason ? reason : "failed", false);
      fputc('\n', r->out);
    }
    break;
  case OUT_TERMINAL:
  case OUT_PLAIN:
    if (r->mode == OUT_TERMINAL) {
      const char *mark = status == STAGE_OK ? "\033[32m✓" : status == STAGE_SKIPPED ? "\033[33m-" : "\033[31m✗";
      fprintf(r->out, "%s %s\033[0m (%.2fs)\n", mark, stage, secs);
    } else {
      fprintf(r->out, "--- %s: %s (%.2fs)\n", stage, status == STAGE_FAILED ? "FAILED" : stage_status_name(status), secs);
    }
    if (reason && status == STAGE_SKIPPED) fprintf(r->out, "    %s\n", reason);
    break;
  }
  fflush(r->out);
  if (status == STAGE_FAILED) print_failure(stage, reason, err);
}

void report_stage_finished(Reporter *r, const char *stage, StageStatus status, double secs, const char *reason,
                           const RtError *err) {
  char *shown = masked(r, reason);
  stage_finished(r, stage, status, secs, shown, err);
  free(shown);
}

void report_run_finished(Reporter *r, int exit_code) {
  double secs = monotonic_seconds() - r->started;
  static const char *status[] = {"succeeded", "failed", "error", "waiting"};
  const char *st = exit_code >= 0 && exit_code <= 3 ? status[exit_code] : "failed";
  if (r->mode == OUT_JSON) {
    Value f = v_map();
    map_set(f, "status", v_cstr(st));
    map_set(f, "exit_code", v_int(exit_code));
    map_set(f, "duration_ms", v_int((int64_t)(secs * 1000)));
    json_event(r, "run_finished", f);
    return;
  }
  fprintf(r->out, "\n%-32s %-8s %s\n", "STAGE", "STATUS", "TIME");
  for (int i = 0; i < r->nstages; i++)
    fprintf(r->out, "%-32s %-8s %.2fs\n", r->stages[i].name, stage_status_name(r->stages[i].status),
            r->stages[i].seconds);
  fprintf(r->out, "run %s %s in %.2fs\n", r->run_id, st, secs);
  fflush(r->out);
}

static void xml_escape(Buf *b, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<': buf_puts(b, "&lt;"); break;
    case '>': buf_puts(b, "&gt;"); break;
    case '&': buf_puts(b, "&amp;"); break;
    case '"': buf_puts(b, "&quot;"); break;
    default:
      /* XML 1.0 forbids most control characters even when escaped */
      if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' && *s != '\r') buf_putc(b, '?');
      else buf_putc(b, *s);
    }
  }
}

bool report_write_junit(const Reporter *r, const char *path, char **err) {
  int failures = 0, skipped = 0;
  double total = 0;
  for (int i = 0; i < r->nstages; i++) {
    failures += r->stages[i].status == STAGE_FAILED;
    skipped += r->stages[i].status == STAGE_SKIPPED;
    total += r->stages[i].seconds;
  }
  Buf b = {0};
  buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  buf_printf(&b, "<testsuite name=\"rp run ");
  xml_escape(&b, r->run_id);
  buf_printf(&b, "\" tests=\"%d\" failures=\"%d\" skipped=\"%d\" time=\"%.3f\">\n", r->nstages, failures, skipped,
             total);
  for (int i = 0; i < r->nstages; i++) {
    const StageReport *s = &r->stages[i];
    buf_puts(&b, "  <testcase classname=\"rp\" name=\"");
    xml_escape(&b, s->name);
    buf_printf(&b, "\" time=\"%.3f\">\n", s->seconds);
    if (s->status == STAGE_FAILED) {
      buf_puts(&b, "    <failure message=\"");
      xml_escape(&b, s->reason ? s->reason : "failed");
      buf_puts(&b, "\"/>\n");
    } else if (s->status == STAGE_SKIPPED) {
      buf_puts(&b, "    <skipped message=\"");
      xml_escape(&b, s->reason ? s->reason : "skipped");
      buf_puts(&b, "\"/>\n");
    }
    if (s->log.len) {
      buf_puts(&b, "    <system-out>");
      xml_escape(&b, s->log.data);
      buf_puts(&b, "</system-out>\n");
    }
    buf_puts(&b, "  </testcase>\n");
  }
  buf_puts(&b, "</testsuite>\n");
  bool ok = write_file_atomic(path, b.data, b.len);
  if (!ok) *err = xasprintf("cannot write %s: %s", path, strerror(errno));
  buf_free(&b);
  return ok;
}
