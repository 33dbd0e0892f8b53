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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prim/sh.h"
#include "prim/shtemplate.h"
#include "run/matrix.h"

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

void sched_stop_unit(Scheduler *s, int i, const char *reason) {
  Unit *u = &s->units[i];
  if (u->status != STAGE_RUNNING || u->pid <= 0 || u->stopped) return;
  u->stopped = xstrdup(reason);
  kill(-u->pid, SIGKILL); /* reaped by the main loop at its end of file */
}

void sched_stop(Scheduler *s, const char *reason) {
  if (s->stopped) return;
  s->stopped = xstrdup(reason);
  for (int i = 0; i < s->n; i++) sched_stop_unit(s, i, reason);
}

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
  u.fd = u.efd = -1;
  u.outputs = u.cmd = V_NULL_VALUE;
  u.sh = interp_one_sh(u.stage);
  VEC_PUSH(s->units, s->n, s->cap, u);
  return s->n - 1;
}

/* The instances `pick` (a list of texts) names, as flags per instance of
 * `m`; NULL after saying which is none of stage `st`'s. */
static bool *picked(const Stage *st, const Matrix *m, Value pick) {
  bool *on = xcalloc(list_len(m->names) + 1, 1);
  for (size_t i = 0; i < list_len(pick); i++) {
    const char *want = str_chars(list_get(pick, i));
    int k = matrix_find(m, want);
    if (k >= 0) {
      on[k] = true;
      continue;
    }
    Buf b = {0};
    for (size_t j = 0; j < list_len(m->names); j++) buf_printf(&b, "%s'%s'", j ? ", " : "", str_chars(list_get(m->names, j)));
    fprintf(stderr, "rp: stage '%s' has no matrix value '%s': its values are %s\n", st->name, want,
            b.data ? b.data : "none");
    buf_free(&b);
    free(on);
    return NULL;
  }
  return on;
}

/* Instances bound by their matrix to environments: one whose environment
 * comes `after` another's waits for it, as a promotion does. */
static void order_by_after(Scheduler *s, int first) {
  for (int u = first; u < s->n; u++) {
    const char *name = stage_environment(s->units[u].stage, s->units[u].vars);
    const Environment *env = name ? program_environment(s->prog, name) : NULL;
    if (!env || !env->after) continue;
    for (int j = first; j < s->n; j++) {
      const char *other = stage_environment(s->units[j].stage, s->units[j].vars);
      if (j != u && other && !strcmp(other, env->after->as.after.name)) unit_need(&s->units[u], j);
    }
  }
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
  Matrix m;
  if (!matrix_expand(s->I, s->prog->src, st, &m)) {
    interp_print_error(s->I, stderr, want_color(stderr));
    return false;
  }
  bool *on = pick.kind == V_LIST ? picked(st, &m, pick) : NULL, ok = pick.kind != V_LIST || on;
  int prev = -1, first = s->n;
  for (size_t v = 0; ok && v < list_len(m.names); v++) {
    const char *text = str_chars(list_get(m.names, v));
    if (on && !on[v]) continue;
    int u = add_unit(s, idx, xasprintf("%s[%s]", st->name, text), value_retain(list_get(m.vars, v)));
    s->units[u].max_parallel = m.max_parallel;
    s->units[u].fail_fast = m.fail_fast;
    /* sequential: each instance waits for the one before it */
    if (m.sequential && prev >= 0) unit_need(&s->units[u], prev);
    prev = u;
  }
  matrix_free(&m);
  free(on);
  if (ok && st->environment) order_by_after(s, first);
  return ok;
}

/* What planning keeps: stage names to indexes (a map, built once), and
 * where each stage is: 0 not seen, 1 on the path being planned, 2 planned. */
typedef struct Planning {
  Value index;
  Value picks; /* stage name -> the instances named (a list of texts), or true: all */
  char *state;
  int *stack, *next; /* the path being planned, and the next need of each */
  char *in_run;      /* 1: a goal or something a goal needs (`needs?` aside) */
} Planning;

static int stage_nneeds(const Scheduler *s, const Stage *st) {
  return st->needs && !s->only ? st->needs->as.attr.nnames : 0;
}

#define NEED_SKIPPED (-2) /* `needs? x` where x is not in the run */

static int need_index(const Planning *p, const Stage *st, int k) {
  const NameRef *r = &st->needs->as.attr.names[k];
  Value i = map_get(p->index, r->name);
  if (i.kind != V_INT) return -1;
  return r->optional && !p->in_run[i.as.i] ? NEED_SKIPPED : (int)i.as.i;
}

/* The stages of this run: the goals and, transitively, what they need;
 * an optional need never adds a stage, it only orders the ones there. */
static void mark_in_run(const Scheduler *s, Planning *p, const int *goals, int ngoals) {
  int top = 0;
  for (int i = 0; i < ngoals; i++)
    if (!p->in_run[goals[i]]) p->in_run[goals[i]] = 1, p->stack[top++] = goals[i];
  while (top > 0) {
    const Stage *st = s->prog->stages[p->stack[--top]]->as.stage;
    for (int k = 0; k < stage_nneeds(s, st); k++) {
      Value i = map_get(p->index, st->needs->as.attr.names[k].name);
      if (i.kind == V_INT && !st->needs->as.attr.names[k].optional && !p->in_run[i.as.i])
        p->in_run[i.as.i] = 1, p->stack[top++] = (int)i.as.i;
    }
  }
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
      int j = need_index(p, st, k);
      if (j == NEED_SKIPPED) continue;
      int dep = s->first_unit[j];
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
    if (j == NEED_SKIPPED) continue;
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
                xcalloc((size_t)n + 1, sizeof(int)), xcalloc((size_t)n + 1, 1)};
  for (int i = 0; i < n; i++) {
    const char *name = s->prog->stages[i]->as.stage->name;
    if (!map_has(p.index, name)) map_set(p.index, name, v_int(i));
  }
  free(s->first_unit);
  s->first_unit = xcalloc((size_t)n + 1, sizeof *s->first_unit);
  for (int i = 0; i < n; i++) s->first_unit[i] = -1;
  pick_instances(s, &p, goals, ngoals);
  mark_in_run(s, &p, goals, ngoals);
  bool ok = true;
  for (int i = 0; i < ngoals && ok; i++) ok = plan_goal(s, &p, goals[i]);
  value_release(p.index);
  value_release(p.picks);
  free(p.state);
  free(p.stack);
  free(p.next);
  free(p.in_run);
  return ok;
}

void sched_free(Scheduler *s) {
  for (int i = 0; i < s->n; i++) {
    Unit *u = &s->units[i];
    free(u->name);
    free(u->needs);
    value_release(u->vars);
    value_release(u->outputs);
    value_release(u->cmd);
    buf_free(&u->inbuf);
    free(u->err.msg);
    free(u->err.stage);
    free(u->stopped);
  }
  free(s->units);
  free(s->stopped);
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

/* max_parallel: whether as many of u's stage's instances run already. */
static bool stage_full(const Scheduler *s, const Unit *u) {
  if (!u->max_parallel) return false;
  int first = s->first_unit[u->stage_index], end = units_end(s, first), n = 0;
  for (int j = first; j < end; j++) n += s->units[j].status == STAGE_RUNNING;
  return n >= u->max_parallel;
}

/* One of u's stage's instances stopped running: those held wait no more. */
static void release_held(Scheduler *s, const Unit *u) {
  int first = s->first_unit[u->stage_index], end = units_end(s, first);
  for (int j = first; j < end; j++)
    if (s->units[j].held) s->units[j].held = false, heap_push(s->ready, &s->nready, j);
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
  bool stopped = u->status == STAGE_RUNNING && st != STAGE_RUNNING;
  s->running += (st == STAGE_RUNNING) - (u->status == STAGE_RUNNING);
  s->pending += (st == STAGE_PENDING) - (u->status == STAGE_PENDING);
  u->status = st;
  if (st == STAGE_PENDING) heap_push(s->ready, &s->nready, i);
  else if (st != STAGE_RUNNING) tell_dependents(s, u);
  if (stopped && u->max_parallel) release_held(s, u);
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

static void cancel_siblings(Scheduler *s, Unit *u);

static void finish_unit(Scheduler *s, Unit *u, StageStatus st, const char *reason, const RtError *err) {
  set_status(s, u, st);
  double secs = u->started ? monotonic_seconds() - u->started : 0;
  if (s->rep) report_stage_finished(s->rep, u->name, st, secs, reason, err);
  if (s->hooks.finished) s->hooks.finished(s->hooks.ctx, s, (int)(u - s->units), reason);
  if (st == STAGE_FAILED && u->fail_fast && !u->cancelled_by) cancel_siblings(s, u);
}

/* fail_fast, as GitHub's: an instance failed, so the stage's others that
 * run are killed (at once, as by a cancelled run: no post blocks) and
 * those not started are skipped. */
static void cancel_siblings(Scheduler *s, Unit *u) {
  int first = s->first_unit[u->stage_index], end = units_end(s, first);
  char *why = xasprintf("cancelled: %s failed (fail_fast)", u->name);
  for (int j = first; j < end; j++) {
    Unit *sib = &s->units[j];
    if (sib == u || sib->cancelled_by) continue;
    if (sib->status == STAGE_RUNNING) {
      sib->cancelled_by = (int)(u - s->units) + 1;
      if (sib->pid > 0) kill(-sib->pid, SIGKILL); /* reaped by the main loop */
    } else if (sib->status == STAGE_PENDING || sib->status == STAGE_WAITING) {
      sib->cancelled_by = (int)(u - s->units) + 1;
      sib->held = false;
      finish_unit(s, sib, STAGE_SKIPPED, why, NULL);
    }
  }
  free(why);
}

/* An error raised in the parent (in `when` or `timeout`) fails the unit. */
static void fail_from_interp(Scheduler *s, Unit *u) {
  const RtError *e = interp_last_error(s->I);
  finish_unit(s, u, STAGE_FAILED, e ? e->msg : "failed", e);
  interp_clear_error(s->I);
}

/* ---- the guard of the commands the driver starts ---- */

/* Acts when the driver is gone: its end of the pipe closed, or (as another
 * process the driver forked, a state pusher, may hold a copy of that end)
 * the guard was handed to init. */
static void guard_wait(int fd, volatile pid_t *guarded, int n) {
  pid_t driver = getppid();
  setpgid(0, 0); /* a kill of the driver's group must leave it to act */
  signal(SIGINT, SIG_IGN), signal(SIGTERM, SIG_IGN), signal(SIGHUP, SIG_IGN);
  fd = fcntl(fd, F_DUPFD, 3); /* not 0-2, whatever rp was started with */
  int null = open("/dev/null", O_RDWR); /* holds no terminal or pipe of the run open */
  for (int i = 0; i < 3 && null >= 0; i++) dup2(null, i);
  dup2(fd, 3);
  closefrom(4); /* nor the run's journal and locks */
  char c;
  for (struct pollfd p = {3, POLLIN, 0}; getppid() == driver;)
    if (poll(&p, 1, 1000) > 0 && read(3, &c, 1) <= 0) break;
  for (int i = 0; i < n; i++)
    if (guarded[i] > 0) kill(-guarded[i], SIGKILL);
  _exit(0);
}

static bool guard_start(Scheduler *s) {
  if (s->guard > 0) return true;
  size_t size = sizeof *s->guarded * ((size_t)s->n + 1);
  void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int p[2];
  if (m == MAP_FAILED) return false;
  if (pipe2(p, O_CLOEXEC) != 0) {
    munmap(m, size);
    return false;
  }
  pid_t pid = fork();
  if (pid == 0) guard_wait(p[0], m, s->n);
  close(p[0]);
  if (pid < 0) {
    close(p[1]);
    munmap(m, size);
    return false;
  }
  setpgid(pid, pid);
  s->guard = pid, s->guard_fd = p[1], s->guarded = m;
  return true;
}

/* Every unit has ended: nothing is left to guard. */
static void guard_stop(Scheduler *s) {
  if (s->guard <= 0) return;
  close(s->guard_fd);
  memset((void *)s->guarded, 0, sizeof *s->guarded * ((size_t)s->n + 1));
  kill(s->guard, SIGKILL); /* it waits for the driver to go, and a copy of its pipe may keep it waiting */
  while (waitpid(s->guard, NULL, 0) < 0 && errno == EINTR) {}
  munmap((void *)s->guarded, sizeof *s->guarded * ((size_t)s->n + 1));
  s->guard = 0, s->guarded = NULL;
}

/* ---- a stage run as one command ---- */

/* How many reads of a command's pipe a wake-up makes at most. */
enum { COMMAND_READS = 16 };

typedef struct CommandLog {
  Scheduler *s;
  Unit *u;
} CommandLog;

static const char *const stream_names[2] = {"stdout", "stderr"};

/* Its log, masked with all the run's secrets as the stage's process masks
 * it, in blocks of lines. */
static size_t command_lines(void *ctx, const char *stream, const char *data, size_t len, bool whole) {
  CommandLog *c = ctx;
  size_t took, n;
  const char *masked = interp_mask_lines(c->s->I, data, len, whole, &took, &n);
  if (n) report_log_lines(c->s->rep, c->u->name, stream, masked, n);
  return took;
}

/* The error the interpreter raised, as the stage's process sends it. */
static void take_error(Scheduler *s, Unit *u) {
  const RtError *e = interp_last_error(s->I);
  free(u->err.msg);
  u->err = (RtError){0};
  if (!e) return;
  u->err.msg = interp_mask(s->I, e->msg);
  u->err.src = e->src;
  u->err.pos = e->pos;
  interp_clear_error(s->I);
}

/* What the stage's process would have reported: `sh` took the exit status,
 * the outputs are none. */
static void command_ended(Scheduler *s, Unit *u, int code) {
  u->got_result = true;
  u->result_ok = interp_sh_exited(s->I, s->prog->src, u->sh->pos, code, sh_command_of(u->cmd)->shown);
  take_error(s, u);
  u->read_secret = interp_read_secret(s->I);
  value_release(u->outputs);
  u->outputs = v_map();
}

static void reap(Scheduler *s, Unit *u);

static void start_command(Scheduler *s, Unit *u) {
  if (!interp_sh_command(s->I, u->vars, u->sh, &u->cmd)) { /* a template refused: the stage fails */
    take_error(s, u);
    u->got_result = true, u->result_ok = false;
    reap(s, u);
    return;
  }
  const ShCommand *c = sh_command_of(u->cmd);
  CommandLog log = {s, u};
  ShOptions opt = {.cmd = c->code, .env_add = c->env, .on_lines = command_lines, .ctx = &log};
  int fds[2], code = 0;
  char *err = NULL;
  u->pid = sh_spawn(&opt, fds, &code, &err);
  if (u->pid < 0) {
    u->pid = 0;
    finish_unit(s, u, STAGE_FAILED, err, NULL);
    free(err);
    value_release(u->cmd);
    u->cmd = V_NULL_VALUE;
    return;
  }
  if (u->pid == 0) { /* it ended at once (not found) */
    command_ended(s, u, code);
    reap(s, u);
    return;
  }
  s->guarded[u - s->units] = u->pid;
  u->fd = fds[0], u->efd = fds[1];
  for (int k = 0; k < 2; k++) fcntl(fds[k], F_SETFL, fcntl(fds[k], F_GETFL) | O_NONBLOCK);
}

/* Both its outputs ended: reaped once it has exited, which a pidfd says
 * when it has not yet (it may go on with its output closed). */
static void command_closed(Scheduler *s, Unit *u) {
  siginfo_t si = {0};
  if (waitid(P_PID, (id_t)u->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == u->pid) {
    reap(s, u);
    return;
  }
  u->fd = (int)syscall(SYS_pidfd_open, u->pid, 0);
  if (u->fd < 0) reap(s, u); /* waits for it */
  else u->exiting = true;
}

static void command_readable(Scheduler *s, Unit *u, int fd) {
  if (u->exiting) {
    reap(s, u);
    return;
  }
  int k = fd == u->efd;
  char chunk[EXEC_LINE_MAX]; /* a read of at most this: exec_lines_feed */
  CommandLog log = {s, u};
  ssize_t n = 0;
  /* what a big pipe holds, in a few reads for one wake-up (the loop
   * then writes it out at once); a little at a time for each stream */
  for (int reads = 0; reads < COMMAND_READS; reads++) {
    n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    exec_lines_feed(&u->lines[k], command_lines, &log, stream_names[k], chunk, (size_t)n);
  }
  if (n != 0) return; /* more to come (or EAGAIN, EINTR) */
  close(fd);
  *(k ? &u->efd : &u->fd) = -1;
  exec_lines_end(&u->lines[k], command_lines, &log, stream_names[k]);
  if (u->fd < 0 && u->efd < 0) command_closed(s, u);
}

/* After waitpid: its last lines, and the result unless the run was
 * cancelled (as a stage's process killed then sends none). */
static void command_reaped(Scheduler *s, Unit *u, int status) {
  CommandLog log = {s, u};
  for (int k = 0; k < 2; k++) exec_lines_end(&u->lines[k], command_lines, &log, stream_names[k]);
  if (u->efd >= 0) close(u->efd);
  u->efd = -1;
  u->exiting = false;
  if (u->pid > 0 && !cancel_signal) command_ended(s, u, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  value_release(u->cmd);
  u->cmd = V_NULL_VALUE;
}

/* ---- starting a stage ---- */

static void start_process(Scheduler *s, Unit *u) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    char *m = xasprintf("cannot create a pipe: %s", strerror(errno));
    finish_unit(s, u, STAGE_FAILED, m, NULL);
    free(m);
    return;
  }
  fflush(NULL); /* the child must not inherit unflushed output */
  pid_t driver = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    char *m = xasprintf("cannot start a process: %s", strerror(errno));
    close(p[0]), close(p[1]);
    finish_unit(s, u, STAGE_FAILED, m, NULL);
    free(m);
    return;
  }
  if (pid == 0) {
    setpgid(0, 0); /* a timeout kills the stage and everything it started */
    die_with_driver(driver);
    signal(SIGXFSZ, SIG_DFL); /* the driver ignores it (cmd/run.c) */
    if (s->hooks.forked) s->hooks.forked(s->hooks.ctx);
    if (s->guard > 0) close(s->guard_fd); /* the guard acts once the driver is gone */
    close(p[0]);
    run_child(s, u, p[1]);
  }
  setpgid(pid, pid);
  close(p[1]);
  u->pid = pid;
  u->fd = p[0];
}

static void start_unit(Scheduler *s, Unit *u) {
  u->attempts++; /* before the fork: the child knows whether it is the last */
  /* journaled before it can do anything: a stage that cannot be recorded
   * does not start */
  if (s->hooks.started && !s->hooks.started(s->hooks.ctx, s, (int)(u - s->units))) {
    u->attempts--;
    set_status(s, u, STAGE_PENDING);
    s->halted = true;
    return;
  }
  u->timed_out = u->in_post = u->killed = false;
  u->got_result = false;
  u->inbuf.len = 0;
  u->told = secrets_count(interp_secrets(s->I));
  u->direct = u->sh && interp_runs_plainly(s->I) && guard_start(s);
  if (u->direct) start_command(s, u);
  else start_process(s, u);
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
 * one item per instance, in matrix order; STAGE["INSTANCE"] is one's. */
static void publish_outputs(Scheduler *s, Unit *u) {
  if (!u->stage->matrix) {
    interp_set_outputs(s->I, u->stage->name, u->outputs.kind == V_MAP ? value_retain(u->outputs) : v_map());
    return;
  }
  Value names = v_list(), outputs = v_list();
  size_t skip = strlen(u->stage->name) + 1; /* "NAME[" */
  for (int j = s->first_unit[u->stage_index], end = units_end(s, j); j < end; j++) {
    const char *name = s->units[j].name;
    list_push(names, v_str(name + skip, strlen(name) - skip - 1));
    list_push(outputs, value_retain(s->units[j].outputs));
  }
  interp_set_outputs(s->I, u->stage->name, matrix_outputs(names, outputs));
  value_release(names);
  value_release(outputs);
}

static void reap(Scheduler *s, Unit *u) {
  int status = 0;
  if (u->pid > 0) {
    while (waitpid(u->pid, &status, 0) < 0 && errno == EINTR) {}
    kill(-u->pid, SIGKILL); /* whatever the stage left running */
    if (s->guard > 0) s->guarded[u - s->units] = 0;
  }
  if (u->direct) command_reaped(s, u, status);
  if (u->fd >= 0) close(u->fd);
  u->fd = -1;
  u->pid = 0;
  u->inbuf.len = 0; /* a record cut short: the process died writing it */
  bool ok = !u->timed_out && u->got_result && u->result_ok;
  if (u->stopped) {
    finish_unit(s, u, STAGE_CANCELLED, u->stopped, NULL);
    return;
  }
  char *kept = NULL;
  if (ok && s->hooks.succeeded && !s->hooks.succeeded(s->hooks.ctx, s, (int)(u - s->units), &kept)) {
    finish_unit(s, u, STAGE_FAILED, kept, NULL);
    free(kept);
    return;
  }
  if (!ok && !cancel_signal && !u->cancelled_by && !u->in_post && u->attempts <= u->retries) {
    report_log(s->rep, u->name, "stderr", "rp: stage failed; retrying");
    set_status(s, u, STAGE_PENDING); /* started again by the main loop */
    return;
  }
  if (ok) {
    publish_outputs(s, u);
    finish_unit(s, u, STAGE_OK, NULL, NULL);
    return;
  }
  char *reason = cancel_signal     ? xasprintf("cancelled (signal %d)", (int)cancel_signal)
                 : u->cancelled_by ? xasprintf("cancelled: %s failed (fail_fast)", s->units[u->cancelled_by - 1].name)
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
    if (u->direct) kill(-u->pid, SIGKILL); /* no post blocks to run */
    else stop_body(u);
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
      } else if (go == GO_CANCEL) {
        finish_unit(s, u, STAGE_CANCELLED, reason, NULL);
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

/* A unit cancelled by fail_fast may still be in the ready queue; one whose
 * stage runs max_parallel instances waits for one of them to stop. */
static void start_or_hold(Scheduler *s, int i) {
  Unit *u = &s->units[i];
  if (u->status != STAGE_PENDING) return;
  if (stage_full(s, u)) u->held = true;
  else start_one(s, i);
}

/* Start what can start, lowest index first; returns false when nothing is
 * left to do. */
static bool start_ready(Scheduler *s) {
  while (!s->halted) { /* a start that could not be recorded stops it */
    bool slot = s->nready > 0 && s->running < s->jobs;
    if (s->nchanged > 0 && (!slot || s->changed[0] < s->ready[0]))
      look_at(s, heap_pop(s->changed, &s->nchanged));
    else if (slot) start_or_hold(s, heap_pop(s->ready, &s->nready));
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
  struct pollfd *pfd = s->pfd = xcalloc(2 * (size_t)s->n + 1, sizeof *pfd);
  int *which = s->which = xcalloc(2 * (size_t)s->n + 1, sizeof *which);
  queues_build(s);
  while ((!cancel_signal && !s->halted && !s->stopped && start_ready(s)) || s->running > 0) {
    if (cancel_signal) cancel_all(s); /* reaped below; nothing new starts */
    int np = 0;
    int wait = -1;
    double now = monotonic_seconds();
    if (s->hooks.watch && now >= s->next_watch) {
      s->hooks.watch(s->hooks.ctx, s);
      s->next_watch = now + SCHED_WATCH_MS / 1000.0;
    }
    if (s->hooks.watch) wait = SCHED_WATCH_MS;
    memcpy(s->scan, s->live, sizeof *s->live * (size_t)s->running); /* time_up can reap */
    for (int r = 0, nr = s->running; r < nr; r++) {
      int i = s->scan[r];
      Unit *u = &s->units[i];
      if (u->status != STAGE_RUNNING) continue;
      if (u->deadline > 0 && u->deadline <= now && time_up(s, u)) continue;
      if (u->deadline > 0) {
        int ms = (int)((u->deadline - now) * 1000) + 1;
        if (wait < 0 || ms < wait) wait = ms;
      }
      if (u->fd >= 0) pfd[np] = (struct pollfd){u->fd, POLLIN, 0}, which[np++] = i;
      if (u->efd >= 0) pfd[np] = (struct pollfd){u->efd, POLLIN, 0}, which[np++] = i;
    }
    if (np == 0) continue;
    int tick = report_tick_ms(s->rep); /* the status line's clock */
    if (tick > 0 && (wait < 0 || tick < wait)) wait = tick;
    if (poll(pfd, (nfds_t)np, cancel_signal ? 100 : wait) < 0 && errno != EINTR) break;
    for (int k = 0; k < np; k++) {
      if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Unit *u = &s->units[which[k]];
      if (u->direct) {
        command_readable(s, u, pfd[k].fd);
        continue;
      }
      enum { READ_MAX = 65536 }; /* a pipe's worth */
      ssize_t n = read(u->fd, buf_room(&u->inbuf, READ_MAX), READ_MAX);
      if (n > 0) u->inbuf.len += (size_t)n, drain(s, u);
      /* the result is the child's last word: reap it now rather than
       * after one more wake-up for end of file */
      if (u->got_result || n == 0 || (n < 0 && errno != EINTR)) reap(s, u);
    }
    if (s->rep) report_flush(s->rep); /* one write for what this wake-up brought */
  }
  guard_stop(s);
  free(pfd);
  free(which);
  s->pfd = NULL;
  s->which = NULL;
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  if (cancel_signal || s->stopped) {
    for (int i = 0; i < s->n; i++)
      if (s->units[i].status == STAGE_PENDING) finish_unit(s, &s->units[i], STAGE_SKIPPED, "the run was cancelled", NULL);
    s->cancelled = cancel_signal != 0;
  }
  queues_free(s);
  int failed = 0;
  for (int i = 0; i < s->n; i++) failed += s->units[i].status == STAGE_FAILED;
  return failed;
}
