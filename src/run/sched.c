/* sched.c — the stage scheduler. */
#define _GNU_SOURCE /* pipe2 */
#include "run/sched.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* SIGINT/SIGTERM (a cancelled CI job, Ctrl-C) must stop the stages too:
 * the handler only notes it, the main loop kills the stages' process
 * groups. A stage's process inherits the handler: there the parent's
 * SIGTERM says the body's time is up, and the interpreter stops it. A
 * signal handler can reach nothing else, so this one flag is the
 * process-wide state rp allows itself. */
static volatile sig_atomic_t cancel_signal;

/* With a `timeout`, the post blocks have this long of their own, from the
 * end of the body or from its timeout (doc/language.md §6). */
enum { POST_GRACE_MS = 60000 };

static void on_cancel(int sig) { cancel_signal = sig; }

/* A stage's process must not outlive the run's driver: nothing would
 * journal its result, and a resume would run it a second time beside it.
 * The kernel signals it when the driver dies (however it dies), and it
 * takes down its process group, the commands it runs with it. */
static void on_driver_death(int sig) {
  (void)sig;
  kill(0, SIGKILL);
}

static void die_with_driver(pid_t driver) {
  struct sigaction sa = {0};
  sa.sa_handler = on_driver_death;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, NULL);
  prctl(PR_SET_PDEATHSIG, SIGHUP);
  if (getppid() != driver) on_driver_death(SIGHUP); /* it died before prctl */
}

bool sched_cancel_requested(void) { return cancel_signal != 0; }

static void cancel_all(Scheduler *s) {
  for (int i = 0; i < s->n; i++) {
    Unit *u = &s->units[i];
    if (u->status == STAGE_RUNNING && u->pid > 0) kill(-u->pid, SIGKILL);
  }
}

/* ---- planning ---- */

static void unit_need(Unit *u, int j) { VEC_PUSH(u->needs, u->nneeds, u->needs_cap, j); }

/* The units of stage `st` are consecutive: from s->first_unit[its index]
 * while they are its. */
static int units_end(const Scheduler *s, int first) {
  int end = first;
  while (end < s->n && s->units[end].stage == s->units[first].stage) end++;
  return end;
}

static int add_unit(Scheduler *s, int idx, char *name, Value vars) {
  Unit u = {0};
  u.stage = s->prog->stages[idx]->as.stage;
  u.stage_index = idx;
  u.name = name;
  u.vars = vars;
  u.fd = -1;
  u.outputs = V_NULL_VALUE;
  VEC_PUSH(s->units, s->n, s->cap, u);
  return s->n - 1;
}

/* The matrix values of a stage, evaluated once at planning time. */
static bool matrix_values(Scheduler *s, const Stage *st, Value *out) {
  if (!interp_eval(s->I, NULL, st->matrix->as.attr.value, out)) return false;
  if (out->kind != V_LIST) {
    interp_error(s->I, s->prog->src, st->matrix->pos, "matrix needs a list, not %s", value_type_name(*out));
    value_release(*out);
    return false;
  }
  if (value_is_secret(*out)) { /* it would name the stage in every report */
    interp_error(s->I, s->prog->src, st->matrix->pos,
                 "a secret cannot be a matrix value: it would be part of the stage's name in logs, rp plan and "
                 "the journal");
    value_release(*out);
    return false;
  }
  return true;
}

/* Whether `text` is one of the strings of `list`. */
static bool text_in(Value list, const char *text) {
  for (size_t i = 0; i < list_len(list); i++)
    if (!strcmp(str_chars(list_get(list, i)), text)) return true;
  return false;
}

/* Every value `pick` names is an instance of stage `st`, whose values as
 * text are `texts`; else says which are. */
static bool picks_known(const Stage *st, Value texts, Value pick) {
  for (size_t i = 0; i < list_len(pick); i++) {
    const char *want = str_chars(list_get(pick, i));
    if (text_in(texts, want)) continue;
    Buf b = {0};
    for (size_t k = 0; k < list_len(texts); k++) buf_printf(&b, "%s'%s'", k ? ", " : "", str_chars(list_get(texts, k)));
    fprintf(stderr, "rp: stage '%s' has no matrix value '%s': its values are %s\n", st->name, want,
            b.data ? b.data : "none");
    buf_free(&b);
    return false;
  }
  return true;
}

/* The units of stage `idx`: one, or one per matrix value (per value of
 * `pick`, a list of them as text, when it is one). */
static bool add_units(Scheduler *s, int idx, Value pick) {
  const Stage *st = s->prog->stages[idx]->as.stage;
  if (!st->matrix && pick.kind == V_LIST) {
    fprintf(stderr, "rp: stage '%s' has no matrix: name it without [%s]\n", st->name, str_chars(list_get(pick, 0)));
    return false;
  }
  if (!st->matrix) {
    add_unit(s, idx, xstrdup(st->name), V_NULL_VALUE);
    return true;
  }
  Value vals;
  if (!matrix_values(s, st, &vals)) {
    interp_print_error(s->I, stderr, want_color(stderr));
    return false;
  }
  Value texts = v_list();
  for (size_t v = 0; v < list_len(vals); v++) list_push(texts, v_str_take(value_to_cstr(list_get(vals, v))));
  bool ok = pick.kind != V_LIST || picks_known(st, texts, pick);
  int prev = -1;
  for (size_t v = 0; ok && v < list_len(vals); v++) {
    const char *text = str_chars(list_get(texts, v));
    if (pick.kind == V_LIST && !text_in(pick, text)) continue;
    Value vars = v_map();
    map_set(vars, st->matrix->as.attr.ref.name, value_retain(list_get(vals, v)));
    int u = add_unit(s, idx, xasprintf("%s[%s]", st->name, text), vars);
    /* sequential: each instance waits for the one before it */
    if (st->matrix->as.attr.sequential && prev >= 0) unit_need(&s->units[u], prev);
    prev = u;
  }
  value_release(texts);
  value_release(vals);
  return ok;
}

/* What planning keeps: stage names to indexes (a map, built once), and
 * where each stage is: 0 not seen, 1 on the path being planned, 2 planned. */
typedef struct Planning {
  Value index;
  Value picks; /* stage name -> the instances named (a list of texts), or true: all */
  char *state;
  int *stack, *next; /* the path being planned, and the next need of each */
} Planning;

static int need_index(const Planning *p, const Stage *st, int k) {
  Value i = map_get(p->index, st->needs->as.attr.names[k].name);
  return i.kind == V_INT ? (int)i.as.i : -1;
}

static int stage_nneeds(const Scheduler *s, const Stage *st) {
  return st->needs && !s->only ? st->needs->as.attr.nnames : 0;
}

/* Stage `idx`, its needs all planned: its units, each needing every unit
 * of every stage it needs. */
static bool plan_units(Scheduler *s, Planning *p, int idx) {
  const Stage *st = s->prog->stages[idx]->as.stage;
  int first = s->n, nneeds = stage_nneeds(s, st);
  if (!add_units(s, idx, map_get(p->picks, st->name))) return false;
  s->first_unit[idx] = first;
  p->state[idx] = 2;
  for (int u = first; u < s->n; u++)
    for (int k = 0; k < nneeds; k++) {
      int dep = s->first_unit[need_index(p, st, k)];
      for (int j = dep, end = units_end(s, dep); j < end; j++) unit_need(&s->units[u], j);
    }
  return true;
}

/* Plans `goal` after all it needs, depth first in the order they are
 * written, with a stack of its own: a chain of 100,000 stages is as deep. */
static bool plan_goal(Scheduler *s, Planning *p, int goal) {
  if (p->state[goal] == 2) return true;
  int depth = 0;
  p->stack[depth] = goal, p->next[depth++] = 0, p->state[goal] = 1;
  while (depth > 0) {
    int idx = p->stack[depth - 1];
    const Stage *st = s->prog->stages[idx]->as.stage;
    if (p->next[depth - 1] == stage_nneeds(s, st)) {
      depth--;
      if (!plan_units(s, p, idx)) return false;
      continue;
    }
    int k = p->next[depth - 1]++, j = need_index(p, st, k);
    if (j < 0) {
      fprintf(stderr, "rp: stage '%s' needs unknown stage '%s'\n", st->name, st->needs->as.attr.names[k].name);
      return false;
    }
    if (p->state[j] == 1) {
      fprintf(stderr, "rp: dependency cycle through stage '%s'\n", s->prog->stages[j]->as.stage->name);
      return false;
    }
    if (p->state[j] == 0) p->stack[depth] = j, p->next[depth++] = 0, p->state[j] = 1;
  }
  return true;
}

/* The instances the goals pick per stage; a goal naming a stage whole
 * runs all of them. */
static void pick_instances(const Scheduler *s, Planning *p, const int *goals, int ngoals) {
  for (int i = 0; i < ngoals; i++) {
    const char *name = s->prog->stages[goals[i]]->as.stage->name, *one = s->instances ? s->instances[i] : NULL;
    Value had = map_get(p->picks, name);
    if (!one) {
      map_set(p->picks, name, v_bool(true));
    } else if (had.kind == V_NULL) {
      Value list = v_list();
      list_push(list, v_cstr(one));
      map_set(p->picks, name, list);
    } else if (had.kind == V_LIST) {
      list_push(had, v_cstr(one));
    }
  }
}

bool sched_plan(Scheduler *s, const int *goals, int ngoals) {
  int n = s->prog->nstages;
  Planning p = {v_map(), v_map(), xcalloc((size_t)n + 1, 1), xcalloc((size_t)n + 1, sizeof(int)),
                xcalloc((size_t)n + 1, sizeof(int))};
  for (int i = 0; i < n; i++) {
    const char *name = s->prog->stages[i]->as.stage->name;
    if (!map_has(p.index, name)) map_set(p.index, name, v_int(i));
  }
  free(s->first_unit);
  s->first_unit = xcalloc((size_t)n + 1, sizeof *s->first_unit);
  for (int i = 0; i < n; i++) s->first_unit[i] = -1;
  pick_instances(s, &p, goals, ngoals);
  bool ok = true;
  for (int i = 0; i < ngoals && ok; i++) ok = plan_goal(s, &p, goals[i]);
  value_release(p.index);
  value_release(p.picks);
  free(p.state);
  free(p.stack);
  free(p.next);
  return ok;
}

void sched_free(Scheduler *s) {
  for (int i = 0; i < s->n; i++) {
    Unit *u = &s->units[i];
    free(u->name);
    free(u->needs);
    value_release(u->vars);
    value_release(u->outputs);
    buf_free(&u->inbuf);
    free(u->err.msg);
    free(u->err.stage);
  }
  free(s->units);
  free(s->first_unit);
}

/* ---- the child ---- */

/* A stage's process speaks to the parent on a private pipe in records of
 * a type byte, a decimal length, ':' and that many bytes: 'O' and 'E' hold
 * a block of whole lines of its stdout or stderr (masked, as many as one
 * read of the command's output brought: the log is passed on in large
 * blocks, not a record per line); 'J' a JSON map: "post", "done" with its
 * result, or "secret". A secret the stage registered goes first as a
 * "secret" record, before anything that could hold it, so the parent masks
 * it in all it prints and records; that is the only place its text
 * travels. */
typedef struct ChildSink {
  int fd;
  const Secrets *secrets;
  size_t told; /* secrets the parent knows: inherited at fork, or sent */
} ChildSink;

static void write_all(int fd, struct iovec *iov, int n) {
  while (n > 0) {
    ssize_t w = writev(fd, iov, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    for (; n > 0 && (size_t)w >= iov->iov_len; iov++, n--) w -= (ssize_t)iov->iov_len;
    if (n > 0) iov->iov_base = (char *)iov->iov_base + w, iov->iov_len -= (size_t)w;
  }
}

static void send_record(int fd, char type, const char *data, size_t len) {
  char head[32];
  int n = snprintf(head, sizeof head, "%c%zu:", type, len);
  struct iovec iov[2] = {{head, (size_t)n}, {(void *)data, len}};
  write_all(fd, iov, 2);
}

static void send_json(int fd, Value rec) {
  Buf b = {0};
  json_encode(rec, &b, false);
  send_record(fd, 'J', b.data, b.len);
  buf_free(&b);
  value_release(rec);
}

static void tell_secrets(ChildSink *c) {
  for (; c->told < secrets_count(c->secrets); c->told++) {
    Value sec = v_map();
    map_set(sec, "t", v_cstr("secret"));
    map_set(sec, "text", v_cstr(secrets_text(c->secrets, c->told)));
    send_json(c->fd, sec);
  }
}

static void deliver(ChildSink *c, Value rec) {
  tell_secrets(c);
  send_json(c->fd, rec);
}

static void child_lines(void *ctx, const char *stage, const char *stream, const char *data, size_t len) {
  (void)stage;
  ChildSink *c = ctx;
  tell_secrets(c);
  send_record(c->fd, !strcmp(stream, "stderr") ? 'E' : 'O', data, len);
}

/* The stage's process: its pipe, and whether this attempt is the last. */
typedef struct Child {
  ChildSink sink;
  bool last_attempt;
} Child;

/* Between the body and the post blocks. These run once: after the attempt
 * that succeeded or after the last one. The parent hears that they start,
 * to give them their own time. */
static bool child_post(void *ctx, bool ok) {
  Child *c = ctx;
  if (!ok && !c->last_attempt) return false;
  Value rec = v_map();
  map_set(rec, "t", v_cstr("post"));
  deliver(&c->sink, rec);
  return true;
}

/* JSON has no taint: the names of the outputs that hold a secret travel
 * beside them, and the parent marks those again (outputs_marked), with any
 * other that holds a secret's text, so a stage that reads one treats it,
 * and all it derives from it, as secret. */
Value sched_secret_outputs(Value outputs) {
  Value names = v_list();
  Map *m = outputs.kind == V_MAP ? as_map(outputs) : NULL;
  for (size_t i = 0; m && i < m->n; i++)
    if (value_is_secret(m->vals[i])) list_push(names, v_str(m->keys[i]->data, m->keys[i]->len));
  return names;
}

static bool names_have(Value names, const Str *key) {
  for (size_t i = 0; names.kind == V_LIST && i < list_len(names); i++) {
    Value n = list_get(names, i);
    if (n.kind == V_STRING && as_str(n)->len == key->len && !memcmp(str_chars(n), key->data, key->len))
      return true;
  }
  return false;
}

static Value outputs_marked(const Secrets *secrets, Value outputs, Value names) {
  if (outputs.kind != V_MAP) return value_retain(outputs);
  Value out = v_map();
  Map *m = as_map(outputs);
  for (size_t i = 0; i < m->n; i++) {
    Value v = value_retain(m->vals[i]);
    if (names_have(names, m->keys[i]) || secrets_held_by(secrets, v)) v = value_mark_secret(v);
    map_set_str(out, m->keys[i], v);
  }
  return out;
}

static void run_child(Scheduler *s, Unit *u, int fd) {
  Child c = {{fd, interp_secrets(s->I), secrets_count(interp_secrets(s->I))}, u->attempts > u->retries};
  interp_set_output(s->I, (OutputSink){&c.sink, child_lines});
  interp_set_stop(s->I, &cancel_signal);
  interp_set_post_hook(s->I, child_post, &c);
  bool ok = interp_run_stage(s->I, u->stage, u->vars);
  Value rec = v_map();
  map_set(rec, "t", v_cstr("done"));
  map_set(rec, "ok", v_bool(ok));
  map_set(rec, "outputs", value_retain(interp_outputs(s->I, u->stage->name)));
  map_set(rec, "secret_outputs", sched_secret_outputs(interp_outputs(s->I, u->stage->name)));
  map_set(rec, "read_secret", v_bool(interp_read_secret(s->I)));
  const RtError *e = interp_last_error(s->I);
  if (!ok && e) {
    Value err = v_map();
    char *masked = interp_mask(s->I, e->msg);
    map_set(err, "msg", v_str_take(masked));
    if (e->src) {
      map_set(err, "file", v_cstr(e->src->path));
      map_set(err, "line", v_int(e->pos.line));
      map_set(err, "col", v_int(e->pos.col));
      map_set(err, "off", v_int(e->pos.off));
    }
    if (e->call_src) {
      map_set(err, "call_line", v_int(e->call_pos.line));
      map_set(err, "call_col", v_int(e->call_pos.col));
      map_set(err, "call_off", v_int(e->call_pos.off));
    }
    map_set(rec, "error", err);
  }
  deliver(&c.sink, rec);
  close(fd);
  _exit(0); /* no atexit handlers, no stdio flush of the parent's buffers */
}

/* ---- the parent ---- */

/* Ready when everything it needs succeeded; *blocked when something it
 * needs failed or was skipped; *gated when something waits at a gate. */
static bool unit_ready(const Scheduler *s, const Unit *u, bool *blocked, bool *gated) {
  *blocked = *gated = false;
  bool ready = true;
  for (int k = 0; k < u->nneeds; k++) {
    StageStatus st = s->units[u->needs[k]].status;
    if (st == STAGE_FAILED || st == STAGE_SKIPPED) *blocked = true;
    if (st == STAGE_WAITING) *gated = true;
    if (st != STAGE_OK) ready = false;
  }
  return ready;
}

/* `when` is decided in the parent, just before the stage would start, so
 * it can read the outputs of the stages it needs. */
static int when_allows(Scheduler *s, Unit *u) {
  if (!u->stage->when) return 1;
  Value v;
  if (!interp_eval_with(s->I, u->vars, u->stage->when->as.attr.value, &v)) return -1;
  int r = value_truthy(v);
  value_release(v);
  return r;
}

static int64_t timeout_of(Scheduler *s, Unit *u) {
  if (!u->stage->timeout) return 0;
  Value v;
  if (!interp_eval(s->I, NULL, u->stage->timeout->as.attr.value, &v)) return -1;
  int64_t ms = v.kind == V_DURATION ? v.as.i : v.kind == V_INT ? v.as.i * 1000 : -2;
  value_release(v);
  if (ms == -2) {
    interp_error(s->I, s->prog->src, u->stage->timeout->pos, "timeout needs a duration such as 10m");
    return -1;
  }
  return ms;
}

static int retries_of(Scheduler *s, const Unit *u) {
  if (!u->stage->retry) return 0;
  Value v;
  if (!interp_eval(s->I, NULL, u->stage->retry->as.attr.value, &v)) {
    interp_clear_error(s->I);
    return 0;
  }
  int n = v.kind == V_INT && v.as.i > 0 ? (int)v.as.i : 0;
  value_release(v);
  return n;
}

/* ---- the queues ----
 * Min-heaps of unit indexes: units are planned after what they need, so
 * taking the lowest index first starts them in the order a scan of every
 * unit would. */

static void heap_push(int *h, int *n, int x) {
  int i = (*n)++;
  for (; i > 0 && h[(i - 1) / 2] > x; i = (i - 1) / 2) h[i] = h[(i - 1) / 2];
  h[i] = x;
}

static int heap_pop(int *h, int *n) {
  int top = h[0], x = h[--*n], i = 0;
  for (int c; (c = 2 * i + 1) < *n; i = c) {
    if (c + 1 < *n && h[c + 1] < h[c]) c++;
    if (h[c] >= x) break;
    h[i] = h[c];
  }
  h[i] = x;
  return top;
}

static void look_later(Scheduler *s, int i) {
  if (s->units[i].queued) return;
  s->units[i].queued = true;
  heap_push(s->changed, &s->nchanged, i);
}

/* A unit finished, was skipped or waits at a gate: the units that need it
 * may now start, or be skipped, or wait too. */
static void tell_dependents(Scheduler *s, const Unit *u) {
  int i = (int)(u - s->units);
  for (int k = s->dep_start[i]; k < s->dep_start[i + 1]; k++) {
    Unit *d = &s->units[s->deps[k]];
    if (d->status != STAGE_PENDING || (u->status == STAGE_OK && --d->unmet > 0)) continue;
    look_later(s, s->deps[k]);
  }
}

/* Every change of a unit's status goes through here, to keep the counts
 * and the queues. Back to pending is a retry (or a start that could not
 * be recorded): its needs have succeeded, it is ready. */
static void set_status(Scheduler *s, Unit *u, StageStatus st) {
  int i = (int)(u - s->units), k = 0;
  if ((st == STAGE_RUNNING) != (u->status == STAGE_RUNNING)) { /* s->live stays in index order */
    while (k < s->running && s->live[k] < i) k++;
    if (st == STAGE_RUNNING) {
      memmove(s->live + k + 1, s->live + k, sizeof *s->live * (size_t)(s->running - k));
      s->live[k] = i;
    } else {
      memmove(s->live + k, s->live + k + 1, sizeof *s->live * (size_t)(s->running - k - 1));
    }
  }
  s->running += (st == STAGE_RUNNING) - (u->status == STAGE_RUNNING);
  s->pending += (st == STAGE_PENDING) - (u->status == STAGE_PENDING);
  u->status = st;
  if (st == STAGE_PENDING) heap_push(s->ready, &s->nready, i);
  else if (st != STAGE_RUNNING) tell_dependents(s, u);
}

/* Who needs whom, the counts and the first look at every pending unit. */
static void queues_build(Scheduler *s) {
  s->dep_start = xcalloc((size_t)s->n + 2, sizeof *s->dep_start);
  int *at = xcalloc((size_t)s->n + 1, sizeof *at), edges = 0;
  for (int i = 0; i < s->n; i++)
    for (int k = 0; k < s->units[i].nneeds; k++, edges++) s->dep_start[s->units[i].needs[k] + 1]++;
  for (int i = 0; i < s->n; i++) s->dep_start[i + 1] += s->dep_start[i];
  memcpy(at, s->dep_start, sizeof *at * (size_t)s->n);
  s->deps = xcalloc((size_t)edges + 1, sizeof *s->deps);
  for (int i = 0; i < s->n; i++)
    for (int k = 0; k < s->units[i].nneeds; k++) s->deps[at[s->units[i].needs[k]]++] = i;
  free(at);
  s->changed = xcalloc((size_t)s->n + 1, sizeof *s->changed);
  s->ready = xcalloc((size_t)s->n + 1, sizeof *s->ready);
  s->live = xcalloc((size_t)s->n + 1, sizeof *s->live);
  s->scan = xcalloc((size_t)s->n + 1, sizeof *s->scan);
  s->running = s->pending = s->nchanged = s->nready = 0;
  for (int i = 0; i < s->n; i++) {
    Unit *u = &s->units[i];
    u->unmet = 0;
    for (int k = 0; k < u->nneeds; k++) u->unmet += s->units[u->needs[k]].status != STAGE_OK;
    if (u->status == STAGE_RUNNING) s->live[s->running++] = i;
    s->pending += u->status == STAGE_PENDING;
    u->queued = u->status == STAGE_PENDING;
    if (u->queued) s->changed[s->nchanged++] = i; /* in order: already a heap */
  }
}

static void queues_free(Scheduler *s) {
  free(s->dep_start);
  free(s->deps);
  free(s->changed);
  free(s->ready);
  free(s->live);
  free(s->scan);
  s->dep_start = s->deps = s->changed = s->ready = s->live = s->scan = NULL;
  s->nchanged = s->nready = 0;
}

static void finish_unit(Scheduler *s, Unit *u, StageStatus st, const char *reason, const RtError *err) {
  set_status(s, u, st);
  double secs = u->started ? monotonic_seconds() - u->started : 0;
  if (s->rep) report_stage_finished(s->rep, u->name, st, secs, reason, err);
  if (s->hooks.finished) s->hooks.finished(s->hooks.ctx, s, (int)(u - s->units), reason);
}

/* An error raised in the parent (in `when` or `timeout`) fails the unit. */
static void fail_from_interp(Scheduler *s, Unit *u) {
  const RtError *e = interp_last_error(s->I);
  finish_unit(s, u, STAGE_FAILED, e ? e->msg : "failed", e);
  interp_clear_error(s->I);
}

static bool start_unit(Scheduler *s, Unit *u) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    char *m = xasprintf("cannot create a pipe: %s", strerror(errno));
    finish_unit(s, u, STAGE_FAILED, m, NULL);
    free(m);
    return false;
  }
  fflush(NULL); /* the child must not inherit unflushed output */
  u->attempts++; /* before the fork: the child knows whether it is the last */
  /* journaled before it can do anything: a stage that cannot be recorded
   * does not start */
  if (s->hooks.started && !s->hooks.started(s->hooks.ctx, s, (int)(u - s->units))) {
    close(p[0]), close(p[1]);
    u->attempts--;
    set_status(s, u, STAGE_PENDING);
    s->halted = true;
    return false;
  }
  pid_t driver = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    char *m = xasprintf("cannot start a process: %s", strerror(errno));
    close(p[0]), close(p[1]);
    finish_unit(s, u, STAGE_FAILED, m, NULL);
    free(m);
    return false;
  }
  if (pid == 0) {
    setpgid(0, 0); /* a timeout kills the stage and everything it started */
    die_with_driver(driver);
    signal(SIGXFSZ, SIG_DFL); /* the driver ignores it (cmd/run.c) */
    if (s->hooks.forked) s->hooks.forked(s->hooks.ctx);
    close(p[0]);
    run_child(s, u, p[1]);
  }
  setpgid(pid, pid);
  close(p[1]);
  u->pid = pid;
  u->fd = p[0];
  u->timed_out = u->in_post = u->killed = false;
  u->got_result = false;
  u->inbuf.len = 0;
  u->told = secrets_count(interp_secrets(s->I));
  return true;
}

/* Handle one JSON record from a child. */
static void child_record(Scheduler *s, Unit *u, const char *line, size_t len) {
  Value rec;
  char *err = NULL;
  if (!json_parse(line, len, &rec, &err)) {
    free(err);
    return;
  }
  const char *t = map_get(rec, "t").kind == V_STRING ? str_chars(map_get(rec, "t")) : "";
  if (!strcmp(t, "secret")) {
    Value text = map_get(rec, "text");
    Secrets *run = interp_secrets(s->I);
    bool knew_all = u->told == secrets_count(run);
    if (text.kind == V_STRING) secrets_add(run, str_chars(text));
    if (knew_all) u->told = secrets_count(run); /* it knows this one too */
  } else if (!strcmp(t, "post")) {
    u->in_post = true;
    if (u->deadline > 0 && !u->timed_out) u->deadline = monotonic_seconds() + POST_GRACE_MS / 1000.0;
  } else if (!strcmp(t, "done")) {
    u->got_result = true;
    u->result_ok = value_truthy(map_get(rec, "ok"));
    u->read_secret = value_truthy(map_get(rec, "read_secret"));
    value_release(u->outputs);
    u->outputs = outputs_marked(interp_secrets(s->I), map_get(rec, "outputs"), map_get(rec, "secret_outputs"));
    Value e = map_get(rec, "error");
    free(u->err.msg);
    u->err.msg = NULL;
    if (e.kind == V_MAP) {
      u->err.msg = value_to_cstr(map_get(e, "msg"));
      Value file = map_get(e, "file");
      u->err.src = file.kind == V_STRING ? interp_source(s->I, str_chars(file)) : NULL;
      u->err.pos.line = (uint32_t)map_get(e, "line").as.i;
      u->err.pos.col = (uint32_t)map_get(e, "col").as.i;
      u->err.pos.off = (uint32_t)map_get(e, "off").as.i;
      u->err.call_src = map_get(e, "call_line").kind == V_INT ? s->prog->src : NULL;
      u->err.call_pos.line = (uint32_t)map_get(e, "call_line").as.i;
      u->err.call_pos.col = (uint32_t)map_get(e, "call_col").as.i;
      u->err.call_pos.off = (uint32_t)map_get(e, "call_off").as.i;
    }
  }
  value_release(rec);
}

/* A block of a stage's log. The parent masks it again only when it knows
 * secrets that the stage's process does not (another stage registered
 * them): otherwise it was masked with all there is. */
static void child_log(Scheduler *s, Unit *u, const char *stream, const char *data, size_t len) {
  const Secrets *run = interp_secrets(s->I);
  if (u->told == secrets_count(run)) {
    report_log_lines(s->rep, u->name, stream, data, len);
    return;
  }
  Buf b = {0};
  secrets_mask_block(run, data, len, true, &b);
  report_log_lines(s->rep, u->name, stream, b.data, b.len);
  buf_free(&b);
}

/* Handles the whole records of what the child sent (u->inbuf). Of a log
 * record cut short, the lines that came whole are passed on at once, and
 * what stays is a record of the rest: only part of a line is ever moved. */
static void drain(Scheduler *s, Unit *u) {
  char *buf = u->inbuf.data;
  size_t at = 0, end = u->inbuf.len;
  while (at < end) {
    char *rec = buf + at, type = *rec;
    size_t avail = end - at;
    const char *colon = memchr(rec, ':', avail < 24 ? avail : 24);
    if (!colon) break;
    size_t head = (size_t)(colon - rec) + 1, len = strtoull(rec + 1, NULL, 10);
    const char *stream = type == 'E' ? "stderr" : "stdout";
    if (len <= avail - head) {
      if (type == 'J') child_record(s, u, colon + 1, len);
      else child_log(s, u, stream, colon + 1, len);
      at += head + len;
      continue;
    }
    const char *nl = type == 'J' ? NULL : memrchr(colon + 1, '\n', avail - head);
    if (!nl) break;
    size_t part = (size_t)(nl - colon);
    child_log(s, u, stream, colon + 1, part);
    char h[32];
    int hn = snprintf(h, sizeof h, "%c%zu:", type, len - part);
    at += head + part - (size_t)hn;
    memcpy(buf + at, h, (size_t)hn);
    break;
  }
  memmove(buf, buf + at, end - at);
  u->inbuf.len = end - at;
}

/* A matrix stage's outputs, read downstream as STAGE.NAME, are lists with
 * one item per instance, in matrix order. */
static void publish_outputs(Scheduler *s, Unit *u) {
  if (!u->stage->matrix) {
    interp_set_outputs(s->I, u->stage->name, u->outputs.kind == V_MAP ? value_retain(u->outputs) : v_map());
    return;
  }
  Value merged = v_map();
  int first = s->first_unit[u->stage_index], end = units_end(s, first), count = end - first;
  for (int j = first, k = 0; j < end; j++, k++) {
    Value outs = s->units[j].outputs;
    if (outs.kind != V_MAP) continue;
    Map *m = as_map(outs);
    for (size_t i = 0; i < m->n; i++) {
      if (!map_has(merged, m->keys[i]->data)) {
        Value list = v_list();
        for (int c = 0; c < count; c++) list_push(list, V_NULL_VALUE);
        map_set(merged, m->keys[i]->data, list);
      }
      list_set(map_get(merged, m->keys[i]->data), (size_t)k, value_retain(m->vals[i]));
    }
  }
  interp_set_outputs(s->I, u->stage->name, merged);
}

static void reap(Scheduler *s, Unit *u) {
  int status = 0;
  while (waitpid(u->pid, &status, 0) < 0 && errno == EINTR) {}
  kill(-u->pid, SIGKILL); /* whatever the stage left running */
  close(u->fd);
  u->fd = -1;
  u->pid = 0;
  u->inbuf.len = 0; /* a record cut short: the process died writing it */
  bool ok = !u->timed_out && u->got_result && u->result_ok;
  char *kept = NULL;
  if (ok && s->hooks.succeeded && !s->hooks.succeeded(s->hooks.ctx, s, (int)(u - s->units), &kept)) {
    finish_unit(s, u, STAGE_FAILED, kept, NULL);
    free(kept);
    return;
  }
  if (!ok && !cancel_signal && !u->in_post && u->attempts <= u->retries) {
    report_log(s->rep, u->name, "stderr", "rp: stage failed; retrying");
    set_status(s, u, STAGE_PENDING); /* started again by the main loop */
    return;
  }
  if (ok) {
    publish_outputs(s, u);
    finish_unit(s, u, STAGE_OK, NULL, NULL);
    return;
  }
  char *reason = cancel_signal ? xasprintf("cancelled (signal %d)", (int)cancel_signal)
                 : u->timed_out ? xasprintf("timed out after %llds", (long long)(u->timeout_ms / 1000))
                 : u->killed ? xasprintf("its post blocks timed out after %ds", POST_GRACE_MS / 1000)
                 : u->err.msg ? xstrdup(u->err.msg)
                 : !u->got_result ? xasprintf("the stage's process ended unexpectedly (status %d)", status)
                                  : xstrdup("failed");
  RtError e = u->err;
  e.msg = reason;
  finish_unit(s, u, STAGE_FAILED, reason, u->err.src ? &e : NULL);
  free(reason);
}

/* The body and its commands share the stage's process group with the
 * stage's process: that steps out of it while the rest is killed, and back
 * in, where the kill at the end of the grace period reaches what its post
 * blocks start. SIGTERM first, so that it starts nothing new. */
static void stop_body(const Unit *u) {
  kill(u->pid, SIGTERM);
  if (setpgid(u->pid, getpgrp()) != 0) return; /* it has ended */
  kill(-u->pid, SIGKILL);
  setpgid(u->pid, u->pid);
}

/* A unit's deadline passed: in its body, the stage goes on to its post
 * blocks, which get their time; after that it is killed. True when the
 * unit was reaped. */
static bool time_up(Scheduler *s, Unit *u) {
  if (!u->timed_out && !u->in_post) {
    u->timed_out = true;
    report_log(s->rep, u->name, "stderr", "rp: timed out; stopping the stage");
    stop_body(u);
    u->deadline = monotonic_seconds() + POST_GRACE_MS / 1000.0;
    return false;
  }
  u->killed = true;
  kill(-u->pid, SIGKILL);
  reap(s, u);
  return true;
}

/* A unit whose needs changed: skipped when one failed, waiting when one
 * waits at a gate, ready when all succeeded. */
static void look_at(Scheduler *s, int i) {
  Unit *u = &s->units[i];
  u->queued = false;
  if (u->status != STAGE_PENDING) return;
  bool blocked, gated;
  if (unit_ready(s, u, &blocked, &gated)) heap_push(s->ready, &s->nready, i);
  else if (blocked) finish_unit(s, u, STAGE_SKIPPED, "a stage it needs did not succeed", NULL);
  else if (gated) set_status(s, u, STAGE_WAITING); /* until the run is resumed */
}

/* Start a ready unit, on its first attempt unless `when` or a hook says
 * otherwise. */
static void start_one(Scheduler *s, int i) {
  Unit *u = &s->units[i];
  if (u->attempts == 0) {
    int w = when_allows(s, u);
    if (w < 0) {
      fail_from_interp(s, u);
      return;
    }
    if (w == 0) {
      finish_unit(s, u, STAGE_SKIPPED, "when is false", NULL);
      return;
    }
    u->timeout_ms = timeout_of(s, u);
    if (u->timeout_ms < 0) {
      fail_from_interp(s, u);
      return;
    }
    u->retries = retries_of(s, u);
    if (s->hooks.before) {
      char *reason = NULL;
      GoDecision go = s->hooks.before(s->hooks.ctx, s, i, &reason);
      if (go == GO_DONE) {
        publish_outputs(s, u);
        set_status(s, u, STAGE_OK);
        if (s->rep) report_log(s->rep, u->name, "stdout", "rp: done in an earlier attempt of this run");
      } else if (go == GO_CACHED) {
        publish_outputs(s, u);
        if (s->rep) report_log(s->rep, u->name, "stdout", reason);
        finish_unit(s, u, STAGE_OK, NULL, NULL);
      } else if (go == GO_WAIT) {
        set_status(s, u, STAGE_WAITING);
      } else if (go == GO_FAIL) {
        finish_unit(s, u, STAGE_FAILED, reason, NULL);
      }
      free(reason);
      if (go != GO_RUN) return;
    }
    report_stage_started(s->rep, u->name);
  }
  u->started = monotonic_seconds(); /* each attempt gets the whole timeout */
  u->deadline = u->timeout_ms > 0 ? u->started + u->timeout_ms / 1000.0 : 0;
  set_status(s, u, STAGE_RUNNING);
  start_unit(s, u);
}

/* Start what can start, lowest index first; returns false when nothing is
 * left to do. */
static bool start_ready(Scheduler *s) {
  while (!s->halted) { /* a start that could not be recorded stops it */
    bool slot = s->nready > 0 && s->running < s->jobs;
    if (s->nchanged > 0 && (!slot || s->changed[0] < s->ready[0]))
      look_at(s, heap_pop(s->changed, &s->nchanged));
    else if (slot) start_one(s, heap_pop(s->ready, &s->nready));
    else break;
  }
  return s->pending > 0;
}

int sched_waiting(const Scheduler *s) {
  int n = 0;
  for (int i = 0; i < s->n; i++) n += s->units[i].status == STAGE_WAITING;
  return n;
}

int sched_run(Scheduler *s) {
  if (s->jobs < 1) s->jobs = 1;
  struct sigaction sa = {0}, old_int, old_term;
  sa.sa_handler = on_cancel;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  cancel_signal = 0;
  /* in the scheduler, not in locals: a stage's child process inherits them
   * and exits without freeing, and they must stay reachable there */
  struct pollfd *pfd = s->pfd = xcalloc((size_t)s->n + 1, sizeof *pfd);
  int *which = s->which = xcalloc((size_t)s->n + 1, sizeof *which);
  queues_build(s);
  while ((!cancel_signal && !s->halted && start_ready(s)) || s->running > 0) {
    if (cancel_signal) cancel_all(s); /* reaped below; nothing new starts */
    int np = 0;
    int wait = -1;
    double now = monotonic_seconds();
    memcpy(s->scan, s->live, sizeof *s->live * (size_t)s->running); /* time_up can reap */
    for (int r = 0, nr = s->running; r < nr; r++) {
      int i = s->scan[r];
      Unit *u = &s->units[i];
      if (u->status != STAGE_RUNNING || u->fd < 0) continue;
      if (u->deadline > 0 && u->deadline <= now && time_up(s, u)) continue;
      if (u->deadline > 0) {
        int ms = (int)((u->deadline - now) * 1000) + 1;
        if (wait < 0 || ms < wait) wait = ms;
      }
      pfd[np] = (struct pollfd){u->fd, POLLIN, 0};
      which[np++] = i;
    }
    if (np == 0) continue;
    int tick = report_tick_ms(s->rep); /* the status line's clock */
    if (tick > 0 && (wait < 0 || tick < wait)) wait = tick;
    if (poll(pfd, (nfds_t)np, cancel_signal ? 100 : wait) < 0 && errno != EINTR) break;
    for (int k = 0; k < np; k++) {
      if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Unit *u = &s->units[which[k]];
      enum { READ_MAX = 65536 }; /* a pipe's worth */
      ssize_t n = read(u->fd, buf_room(&u->inbuf, READ_MAX), READ_MAX);
      if (n > 0) u->inbuf.len += (size_t)n, drain(s, u);
      /* the result is the child's last word: reap it now rather than
       * after one more wake-up for end of file */
      if (u->got_result || n == 0 || (n < 0 && errno != EINTR)) reap(s, u);
    }
    if (s->rep) report_flush(s->rep); /* one write for what this wake-up brought */
  }
  free(pfd);
  free(which);
  s->pfd = NULL;
  s->which = NULL;
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  if (cancel_signal) {
    for (int i = 0; i < s->n; i++)
      if (s->units[i].status == STAGE_PENDING) finish_unit(s, &s->units[i], STAGE_SKIPPED, "the run was cancelled", NULL);
    s->cancelled = true;
  }
  queues_free(s);
  int failed = 0;
  for (int i = 0; i < s->n; i++) failed += s->units[i].status == STAGE_FAILED;
  return failed;
}
