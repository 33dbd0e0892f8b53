/* output.c — reporting a run. */
#include "run/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "run/state.h"

/* The end of each stage's log kept for junit; the log itself is printed
 * whole as it arrives. Written out past this much buffered log. */
enum { LOG_KEEP = 64 * 1024, PENDING_MAX = 1 << 20 };
/* The status line's redraws: a few a second, enough for its clock. */
enum { STATUS_EVERY_MS = 250 };

double monotonic_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *stage_status_name(StageStatus s) {
  static const char *n[] = {"pending", "running", "ok", "failed", "skipped", "waiting", "cancelled"};
  return n[s];
}

OutputMode output_mode_detect(bool json) {
  if (json) return OUT_JSON;
  CiRunner ci = ci_runner();
  if (ci != CI_NONE) return ci == CI_GITHUB ? OUT_GITHUB : OUT_GITLAB;
  return want_color(stdout) ? OUT_TERMINAL : OUT_PLAIN;
}

static CiRunner runner_of(const Reporter *r) {
  return r->mode == OUT_GITHUB ? CI_GITHUB : r->mode == OUT_GITLAB ? CI_GITLAB : CI_NONE;
}

void report_init(Reporter *r, OutputMode mode, const char *run_id, const Secrets *secrets) {
  memset(r, 0, sizeof *r);
  r->mode = mode;
  r->out = stdout;
  r->run_id = xstrdup(run_id);
  r->secrets = secrets;
  r->started = monotonic_seconds();
  r->started_ms = state_now_ms();
  r->color = mode == OUT_TERMINAL || (runner_of(r) != CI_NONE && want_color(stdout));
  r->group = -1;
  const char *term = getenv("TERM");
  r->live = mode == OUT_TERMINAL && isatty(fileno(r->out)) && !(term && !strcmp(term, "dumb"));
}

void report_free(Reporter *r) {
  for (int i = 0; i < r->nstages; i++) {
    free(r->stages[i].name);
    free(r->stages[i].reason);
    free(r->stages[i].err_file);
    free(r->stages[i].env);
    free(r->stages[i].version);
    free(r->stages[i].url);
    free(r->stages[i].gate);
    buf_free(&r->stages[i].log);
    buf_free(&r->stages[i].out);
    buf_free(&r->stages[i].err);
  }
  free(r->stages);
  buf_free(&r->pending);
  value_release(r->by_name);
  free(r->run_id);
  free(r->pipeline);
  free(r->timer_env);
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

/* Inside GitHub Actions every secret the run knows is registered with the
 * runner before anything more is written. */
static void tell_masks(Reporter *r) {
  if (r->mode == OUT_GITHUB && r->secrets) ci_add_masks(&r->pending, r->secrets, &r->masks_told);
}

/* ---- the status line ---- */

void report_hide_status(Reporter *r) {
  if (!r || !r->drawn) return;
  fputs("\r\033[K", r->out);
  fflush(r->out);
  r->drawn = false;
}

int report_tick_ms(const Reporter *r) { return r && r->live ? STATUS_EVERY_MS : -1; }

void report_wait_timer(Reporter *r, const char *env, double until) {
  if (!r) return;
  free(r->timer_env);
  r->timer_env = env ? xstrdup(env) : NULL;
  r->timer_until = until;
  report_hide_status(r); /* so that it is redrawn at once */
  report_flush(r);
}

static int terminal_columns(FILE *f) {
  struct winsize ws;
  return ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
}

/* `secs` in whole seconds: 12s, 4m12s, 1h2m3s. */
static void put_seconds(Buf *b, double secs) {
  format_duration((int64_t)(secs < 0 ? 0 : secs) * 1000, b);
}

/* Its width on a terminal, in characters as UTF-8 counts them. */
static int text_width(const char *text) {
  int n = 0;
  for (const char *p = text; p && *p; p++) n += ((unsigned char)*p & 0xC0) != 0x80;
  return n;
}

/* Text for the status line: a name's control characters would move the
 * cursor, and its width must stay under the terminal's (a line that wraps
 * cannot be erased): at most `cols` characters. */
static void put_fitted(Buf *line, const char *text, int cols) {
  int used = text_width(line->data);
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    bool lead = (*p & 0xC0) != 0x80;
    if (lead && used >= cols) return;
    used += lead;
    buf_putc(line, *p < 0x20 || *p == 0x7f ? '?' : (char)*p);
  }
}

/* `⠋ running: build 12s · test[20] 3s · prod: approved, deploying in 4m12s` */
static void status_text(const Reporter *r, double now, Buf *b) {
  static const char *spin[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
  int cols = terminal_columns(r->out) - 1;
  Buf part = {0};
  put_fitted(b, spin[(long long)(now * 1000 / STATUS_EVERY_MS) % 10], cols);
  const char *sep = " running: ";
  for (int i = 0; i < r->nstages; i++) {
    const StageReport *s = &r->stages[i];
    if (s->status != STAGE_RUNNING) continue;
    part.len = 0;
    buf_printf(&part, "%s%s ", sep, s->name);
    put_seconds(&part, now - s->since);
    put_fitted(b, part.data, cols);
    sep = " · ";
  }
  if (r->timer_env) {
    part.len = 0;
    buf_printf(&part, "%s%s: approved, deploying in ", r->running ? " · " : " ", r->timer_env);
    put_seconds(&part, r->timer_until - now + 0.999);
    put_fitted(b, part.data, cols);
  }
  buf_free(&part);
}

static void status_show(Reporter *r) {
  if (!r->live) return;
  if (!r->running && !r->timer_env) {
    report_hide_status(r);
    return;
  }
  double now = monotonic_seconds();
  Buf line = {0};
  status_text(r, now, &line);
  fprintf(r->out, "\r\033[K%s", line.data);
  fflush(r->out);
  buf_free(&line);
  r->drawn = true;
  r->drawn_at = now;
}

/* Writes what is buffered, with the status line erased first. */
static void write_pending(Reporter *r) {
  tell_masks(r);
  if (!r->pending.len) return;
  report_hide_status(r);
  fwrite(r->pending.data, 1, r->pending.len, r->out);
  fflush(r->out);
  r->pending.len = 0;
}

void report_flush(Reporter *r) {
  write_pending(r);
  if (!r->drawn || monotonic_seconds() - r->drawn_at >= STATUS_EVERY_MS / 1000.0) status_show(r);
}

/* One JSON event per line: {"kind", "schema", "at", "run", ...fields}, the
 * contract of doc/json.md. A field may replace "at" (a deploy's time). */
static void json_event(Reporter *r, const char *kind, Value fields) {
  report_flush(r);
  Value ev = v_map();
  map_set(ev, "kind", v_cstr(kind));
  map_set(ev, "schema", v_int(JSON_SCHEMA_VERSION));
  map_set(ev, "at", v_str_take(state_format_time(state_now_ms())));
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

void report_record(Reporter *r, const char *kind, Value fields) {
  if (r && r->mode == OUT_JSON) json_event(r, kind, fields);
  else value_release(fields);
}

void report_run_started(Reporter *r, const char *pipeline, Value event) {
  free(r->pipeline);
  r->pipeline = pipeline ? xstrdup(pipeline) : NULL;
  if (r->mode == OUT_JSON) {
    Value f = v_map();
    map_set(f, "pipeline", pipeline ? v_cstr(pipeline) : V_NULL_VALUE);
    map_set(f, "event", value_retain(event));
    json_event(r, "run_started", f);
    return;
  }
  report_flush(r);
  fprintf(r->out, "run %s\n", r->run_id);
  fflush(r->out);
}

/* A stage's own colour for its lines on a terminal: a hash of its name, so
 * it keeps it from run to run. Neither red nor green: they say failed, ok. */
static const char *stage_color(const char *name) {
  static const char *palette[] = {"36", "35", "34", "33", "96", "95", "94", "93"};
  uint32_t h = 2166136261u; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * 16777619u;
  return palette[h % (sizeof palette / sizeof *palette)];
}

static void start_line(Reporter *r, const char *stage) {
  if (r->mode == OUT_TERMINAL) buf_printf(&r->pending, "\033[1;%sm▶ %s\033[0m\n", stage_color(stage), stage);
  else buf_printf(&r->pending, r->color ? "\033[1m▶ %s\033[0m\n" : "--- %s\n", stage);
}

/* A CI group holds the log of a stage that runs alone; it opens at its
 * first line. When another stage starts beside it, its group ends, and
 * the lines of every stage running are prefixed with its name until the
 * next one that starts alone. */
static void group_on_start(Reporter *r, int idx) {
  CiRunner ci = runner_of(r);
  if (r->group >= 0 && r->group_shown) ci_group_close(&r->pending, ci, r->group, r->stages[r->group].name);
  else if (r->group >= 0) start_line(r, r->stages[r->group].name);
  r->group = r->running == 1 ? idx : -1;
  r->group_shown = false;
  if (r->running > 1) start_line(r, r->stages[idx].name);
}

static void group_show(Reporter *r) {
  if (r->group < 0 || r->group_shown) return;
  ci_group_open(&r->pending, runner_of(r), r->group, r->stages[r->group].name);
  r->group_shown = true;
}

void report_stage_started(Reporter *r, const char *stage) {
  StageReport *s = report_stage(r, stage);
  s->status = STAGE_RUNNING;
  s->since = monotonic_seconds();
  r->running++;
  if (runner_of(r) != CI_NONE) group_on_start(r, (int)(s - r->stages));
  if (r->mode == OUT_JSON) {
    Value f = v_map();
    map_set(f, "stage", v_cstr(stage));
    json_event(r, "stage_started", f);
    return;
  }
  if (r->mode == OUT_TERMINAL || r->mode == OUT_PLAIN) start_line(r, stage);
  report_flush(r);
}

/* The parent masks what it reports with the run's secrets even when a
 * stage's process masked it already: it may know more (those that other
 * stages sent, or a stage sent after its line was masked). */
static char *masked(const Reporter *r, const char *text) {
  return r->secrets ? secrets_mask(r->secrets, text) : text ? xstrdup(text) : NULL;
}

/* Keeps the last LOG_KEEP bytes or so of a log: trimmed when it holds
 * twice that, so each byte is moved at most once. */
static void keep_tail(Buf *log, const char *data, size_t len) {
  if (len >= LOG_KEEP && log->len + len > 2 * LOG_KEEP) { /* the end of data alone: less to copy */
    const char *from = data + len - LOG_KEEP, *nl = memchr(from, '\n', LOG_KEEP);
    if (nl) from = nl + 1;
    log->len = 0;
    len -= (size_t)(from - data), data = from;
  }
  buf_putn(log, data, len);
  if (log->len <= 2 * LOG_KEEP) return;
  const char *from = log->data + log->len - LOG_KEEP;
  const char *nl = memchr(from, '\n', LOG_KEEP);
  if (nl) from = nl + 1;
  size_t n = (size_t)(log->data + log->len - from);
  memmove(log->data, from, n);
  log->len = n;
  log->data[n] = 0;
}

/* Each line of data[0..len) after `pre`. */
static void put_prefixed(Buf *b, const char *pre, const char *data, size_t len) {
  size_t pn = strlen(pre);
  for (const char *p = data, *end = data + len; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
    char *to = buf_room(b, pn + n + 1);
    memcpy(to, pre, pn);
    memcpy(to + pn, p, n);
    if (!nl) to[pn + n] = '\n';
    b->len += pn + n + !nl;
    p += n;
  }
}

static void json_log(Reporter *r, const char *stage, const char *stream, const char *data, size_t len) {
  for (const char *p = data, *end = data + len; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    Value f = v_map();
    map_set(f, "stage", stage ? v_cstr(stage) : V_NULL_VALUE);
    map_set(f, "stream", v_cstr(stream));
    map_set(f, "text", v_str(p, n));
    json_event(r, "log", f);
    p += n + 1;
  }
}

void report_log_lines(Reporter *r, const char *stage, const char *stream, const char *data, size_t len) {
  StageReport *s = stage ? report_stage(r, stage) : NULL;
  if (s) {
    keep_tail(&s->log, data, len);
    keep_tail(!strcmp(stream, "stderr") ? &s->err : &s->out, data, len);
  }
  tell_masks(r);
  if (r->mode == OUT_JSON) {
    json_log(r, stage, stream, data, len);
    return;
  }
  bool grouped = s && r->group == (int)(s - r->stages); /* in its own group: as it is */
  if (grouped) group_show(r);
  char *pre = grouped                           ? xstrdup("")
              : r->mode == OUT_TERMINAL && stage ? xasprintf("\033[%sm[%s]\033[0m ", stage_color(stage), stage)
              : xasprintf(r->color ? "\033[2m[%s]\033[0m " : "[%s] ", stage ? stage : "rp");
  put_prefixed(&r->pending, pre, data, len);
  free(pre);
  if (r->pending.len >= PENDING_MAX) report_flush(r);
}

void report_log(Reporter *r, const char *stage, const char *stream, const char *text) {
  char *shown = masked(r, text);
  char *line = xasprintf("%s\n", shown);
  report_log_lines(r, stage, stream, line, strlen(line));
  report_flush(r);
  free(line);
  free(shown);
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
  r->running -= s->status == STAGE_RUNNING;
  s->status = status;
  s->seconds = secs;
  free(s->reason);
  s->reason = reason ? xstrdup(reason) : NULL;
  if (r->group == (int)(s - r->stages)) { /* a stage that printed nothing gets no group */
    if (r->group_shown) ci_group_close(&r->pending, runner_of(r), r->group, stage);
    r->group = -1;
  }
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
    if (reason) map_set(f, status == STAGE_SKIPPED || status == STAGE_CANCELLED ? "reason" : "error", v_cstr(reason));
    if (s->err_file) {
      map_set(f, "file", v_cstr(s->err_file));
      map_set(f, "line", v_int(s->err_line));
      map_set(f, "col", v_int(s->err_col));
    }
    json_event(r, "stage_finished", f);
    return;
  }
  case OUT_GITHUB:
  case OUT_GITLAB:
  case OUT_TERMINAL:
  case OUT_PLAIN:
    if (r->color) {
      const char *mark = status == STAGE_OK ? "\033[32m✓" : status == STAGE_SKIPPED ? "\033[33m-" : "\033[31m✗";
      buf_printf(&r->pending, "%s %s\033[0m (%.2fs)\n", mark, stage, secs);
    } else {
      buf_printf(&r->pending, "--- %s: %s (%.2fs)\n", stage,
                 status == STAGE_FAILED ? "FAILED" : stage_status_name(status), secs);
    }
    if (reason && (status == STAGE_SKIPPED || status == STAGE_CANCELLED)) buf_printf(&r->pending, "    %s\n", reason);
    if (r->mode == OUT_GITHUB && status == STAGE_FAILED) {
      char *title = xasprintf("stage %s", stage);
      ci_annotation(&r->pending, "error", s->err_file, s->err_line, s->err_col, title, reason ? reason : "failed");
      free(title);
    }
    break;
  }
  write_pending(r); /* the failure goes to stderr, on the same terminal */
  if (status == STAGE_FAILED) print_failure(stage, reason, err);
  status_show(r);
}

void report_stage_finished(Reporter *r, const char *stage, StageStatus status, double secs, const char *reason,
                           const RtError *err) {
  char *shown = masked(r, reason);
  stage_finished(r, stage, status, secs, shown, err);
  free(shown);
}

static void set_text(char **field, const char *text) {
  free(*field);
  *field = text ? xstrdup(text) : NULL;
}

void report_deploy(Reporter *r, const char *stage, const char *env, const char *version, const char *url) {
  StageReport *s = report_stage(r, stage);
  set_text(&s->env, env);
  set_text(&s->version, version);
  set_text(&s->url, url);
}

/* In CI, where nobody answers on a terminal, one line says what to do
 * next (on GitHub a notice, shown on the run's page). */
void report_gate(Reporter *r, const char *stage, const char *env, const char *version) {
  StageReport *s = report_stage(r, stage);
  s->status = STAGE_WAITING;
  set_text(&s->gate, env);
  set_text(&s->version, version);
  if (runner_of(r) == CI_NONE) return;
  char *msg = xasprintf("deploying %s to %s waits for approval: run  rp approve %s %s --as NAME  then  rp resume %s",
                        version ? version : "", env, r->run_id, env, r->run_id);
  char *shown = masked(r, msg);
  if (r->mode == OUT_GITHUB) ci_annotation(&r->pending, "notice", NULL, 0, 0, "approval needed", shown);
  else buf_printf(&r->pending, "rp: %s\n", shown);
  free(shown);
  free(msg);
  report_flush(r);
}

static const char *status_icon(StageStatus st) {
  static const char *icon[] = {"⏳", "▶️", "✅", "❌", "⏭️", "⏸️"};
  return icon[st];
}

/* The Markdown summary of the run: stages, deploys, approvals waiting. */
static void summary_markdown(const Reporter *r, const char *status, double secs, Buf *b) {
  buf_printf(b, "### rp run `%s`: %s in %.2fs\n\n| stage | status | time |\n|---|---|---|\n", r->run_id, status, secs);
  int deploys = 0, gates = 0;
  for (int i = 0; i < r->nstages; i++) {
    const StageReport *s = &r->stages[i];
    buf_puts(b, "| ");
    ci_markdown_text(b, s->name);
    buf_printf(b, " | %s %s | %.2fs |\n", status_icon(s->status), stage_status_name(s->status), s->seconds);
    deploys += s->env && s->status == STAGE_OK;
    gates += s->gate && s->status == STAGE_WAITING;
  }
  if (deploys) buf_puts(b, "\n#### Deploys\n\n| environment | version | stage | url |\n|---|---|---|---|\n");
  for (int i = 0; deploys && i < r->nstages; i++) {
    const StageReport *s = &r->stages[i];
    const char *cells[] = {s->env, s->version ? s->version : "", s->name};
    for (int k = 0; k < 3 && s->env && s->status == STAGE_OK; k++) {
      buf_puts(b, "| ");
      ci_markdown_text(b, cells[k]);
      buf_putc(b, ' ');
    }
    if (!s->env || s->status != STAGE_OK) continue;
    buf_puts(b, "| ");
    ci_markdown_url(b, s->url ? s->url : "");
    buf_puts(b, " |\n");
  }
  if (gates) buf_puts(b, "\n#### Waiting for approval\n\n");
  for (int i = 0; gates && i < r->nstages; i++) {
    const StageReport *s = &r->stages[i];
    if (!s->gate || s->status != STAGE_WAITING) continue;
    buf_puts(b, "- **");
    ci_markdown_text(b, s->name);
    buf_puts(b, "**: deploying ");
    ci_markdown_text(b, s->version ? s->version : "");
    buf_puts(b, " to ");
    ci_markdown_text(b, s->gate);
    buf_printf(b, ": `rp approve %s %s --as NAME`, then `rp resume %s`\n", r->run_id, s->gate, r->run_id);
  }
}

/* GitHub: appended to $GITHUB_STEP_SUMMARY. GitLab: written to
 * rp-summary.md (for `artifacts:`) and printed in the log. */
static void write_summary(Reporter *r, const char *status, double secs) {
  CiRunner ci = runner_of(r);
  const char *path = ci == CI_GITHUB ? getenv("GITHUB_STEP_SUMMARY") : ci == CI_GITLAB ? CI_SUMMARY_FILE : NULL;
  if (!path || !*path) return;
  Buf b = {0};
  summary_markdown(r, status, secs, &b);
  char *md = masked(r, b.data);
  FILE *f = fopen(path, ci == CI_GITHUB ? "a" : "w");
  bool ok = f && fputs(md, f) >= 0;
  if (f && fclose(f) != 0) ok = false;
  if (!ok) fprintf(stderr, "rp: cannot write the summary to %s: %s\n", path, strerror(errno));
  if (ci == CI_GITLAB) fprintf(r->out, "\n%s", md);
  free(md);
  buf_free(&b);
}

/* The closing table. Its first column is as wide as the longest name, and
 * at least 32 (as it has always been, for whatever reads it); on a
 * terminal each status has its colour. */
static void summary_table(Reporter *r) {
  static const char *color[] = {"2", "34", "32", "31", "33", "36", "33"}; /* by StageStatus */
  int w = 32;
  for (int i = 0; i < r->nstages; i++)
    if (text_width(r->stages[i].name) > w) w = text_width(r->stages[i].name);
  fprintf(r->out, "\n%-*s %-8s %s\n", w, "STAGE", "STATUS", "TIME");
  for (int i = 0; i < r->nstages; i++) {
    const StageReport *s = &r->stages[i];
    const char *st = stage_status_name(s->status);
    fprintf(r->out, "%s%*s ", s->name, w - text_width(s->name), "");
    if (r->mode == OUT_TERMINAL) fprintf(r->out, "\033[%sm%-8s\033[0m", color[s->status], st);
    else fprintf(r->out, "%-8s", st);
    fprintf(r->out, " %.2fs\n", s->seconds);
  }
}

void report_run_finished(Reporter *r, int exit_code) {
  write_pending(r);
  report_hide_status(r);
  double secs = monotonic_seconds() - r->started;
  static const char *status[] = {"succeeded", "failed", "error", "waiting"};
  const char *st = r->cancelled ? "cancelled" : exit_code >= 0 && exit_code <= 3 ? status[exit_code] : "failed";
  if (r->mode == OUT_JSON) {
    Value f = v_map();
    map_set(f, "status", v_cstr(st));
    map_set(f, "exit_code", v_int(exit_code));
    map_set(f, "duration_ms", v_int((int64_t)(secs * 1000)));
    json_event(r, "run_finished", f);
    return;
  }
  summary_table(r);
  fprintf(r->out, "run %s %s in %.2fs\n", r->run_id, st, secs);
  write_summary(r, st, secs);
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

/* The last lines of a stage's log, for the failure's text: what a reader
 * of the report (GitLab shows it) needs to see why. */
static const char *log_tail(const Buf *log) {
  enum { TAIL_LINES = 40 };
  if (!log->len) return "";
  const char *p = log->data + log->len - 1; /* its last '\n' */
  for (int n = 0; p > log->data; p--)
    if (p[-1] == '\n' && ++n == TAIL_LINES) break;
  return p;
}

static void junit_element(Buf *b, const char *name, const char *text) {
  if (!text || !*text) return;
  buf_printf(b, "      <%s>", name);
  xml_escape(b, text);
  buf_printf(b, "</%s>\n", name);
}

/* <failure type message>: the error where it happened, then the log's tail. */
static void junit_failure(Buf *b, const StageReport *s) {
  const char *reason = s->reason ? s->reason : "failed";
  buf_puts(b, "      <failure message=\"");
  xml_escape(b, reason);
  buf_puts(b, "\" type=\"StageFailure\">"); /* where JUnit names the exception's class */
  if (s->err_file) {
    char *at = xasprintf("%s:%u:%u: ", s->err_file, s->err_line, s->err_col);
    xml_escape(b, at);
    free(at);
  }
  xml_escape(b, reason);
  const char *tail = log_tail(&s->log);
  if (*tail) {
    buf_puts(b, "\n\n");
    xml_escape(b, tail);
  }
  buf_puts(b, "</failure>\n");
}

/* A stage neither done nor skipped when the report is written. */
static const char not_run[] = "not run to the end: it waits at an approval gate, or the run stopped";

static void junit_testcase(Buf *b, const StageReport *s) {
  buf_puts(b, "    <testcase classname=\"rp\" name=\"");
  xml_escape(b, s->name);
  buf_printf(b, "\" time=\"%.3f\">\n", s->seconds);
  if (s->status == STAGE_FAILED) {
    junit_failure(b, s);
  } else if (s->status != STAGE_OK) {
    buf_puts(b, "      <skipped message=\"");
    xml_escape(b, s->status == STAGE_SKIPPED || s->status == STAGE_CANCELLED ? (s->reason ? s->reason : "skipped") : not_run);
    buf_puts(b, "\"/>\n");
  }
  junit_element(b, "system-out", s->out.data);
  junit_element(b, "system-err", s->err.data);
  buf_puts(b, "    </testcase>\n");
}

bool report_write_junit(const Reporter *r, const char *path, char **err) {
  int failures = 0, skipped = 0;
  for (int i = 0; i < r->nstages; i++) {
    failures += r->stages[i].status == STAGE_FAILED;
    skipped += r->stages[i].status != STAGE_OK && r->stages[i].status != STAGE_FAILED;
  }
  double secs = monotonic_seconds() - r->started;
  char *stamp = state_format_time(r->started_ms), *host = state_hostname();
  stamp[19] = 0; /* JUnit's timestamp has no fraction and no zone: UTC, to the second */
  Buf b = {0};
  buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"");
  xml_escape(&b, r->pipeline ? r->pipeline : "rp");
  buf_printf(&b, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n", r->nstages,
             failures, skipped, secs);
  buf_puts(&b, "  <testsuite name=\"");
  xml_escape(&b, r->pipeline ? r->pipeline : "rp");
  buf_printf(&b, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\" timestamp=\"%s\" hostname=\"",
             r->nstages, failures, skipped, secs, stamp);
  xml_escape(&b, host);
  buf_puts(&b, "\" id=\"");
  xml_escape(&b, r->run_id);
  buf_puts(&b, "\">\n");
  for (int i = 0; i < r->nstages; i++) junit_testcase(&b, &r->stages[i]);
  buf_puts(&b, "  </testsuite>\n</testsuites>\n");
  bool ok = write_file_atomic(path, b.data, b.len);
  if (!ok) *err = xasprintf("cannot write %s: %s", path, strerror(errno));
  buf_free(&b);
  free(stamp);
  free(host);
  return ok;
}
