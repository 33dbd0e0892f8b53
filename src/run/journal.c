/* journal.c — writing a run's journal and replaying it. */
#include "run/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/state.h"
#include "run/store.h"

/* ---- writing ---- */

char *journal_new_id(void) {
  unsigned rnd = 0;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || read(fd, &rnd, sizeof rnd) != (ssize_t)sizeof rnd)
    rnd = (unsigned)getpid() * 2654435761u ^ (unsigned)state_now_ms();
  if (fd >= 0) close(fd);
  char *t = state_format_time(state_now_ms()); /* 2026-11-22T23:01:03.123Z */
  char *id = xasprintf("%.4s%.2s%.2s-%.2s%.2s%.2s-%04x", t, t + 5, t + 8, t + 11, t + 14, t + 17,
                       rnd & 0xffff);
  free(t);
  return id;
}

static bool check_id(const char *run_id, char **err) {
  if (state_name_ok(run_id)) return true;
  *err = xasprintf("'%s' is not a run id", run_id ? run_id : "");
  return false;
}

/* Beside: when another process owns the run, go on without owning it. */
static bool take_ownership(Journal *j, bool beside, char **err) {
  char *what = xasprintf("run %s", j->run_id);
  /* A short wait: `rp status` peeks at the lock for an instant. */
  LockResult r = store_lock(j->store, SLOCK_OWNER, j->run_id, what, j->run_id, 300, NULL, NULL, &j->owner, err);
  if (r == LOCK_TIMED_OUT) { /* say it in the run's terms */
    bool held = false;
    LockHolder h;
    char *herr = NULL;
    if (store_holder(j->store, SLOCK_OWNER, j->run_id, &held, &h, &herr) && held && h.run) {
      free(*err);
      *err = xasprintf("run %s is in progress in another process (pid %ld on %s since %s)",
                       j->run_id, h.pid, h.host ? h.host : "?", h.since ? h.since : "?");
    }
    lock_holder_free(&h);
    free(herr);
  }
  free(what);
  if (r == LOCK_TIMED_OUT && beside) {
    free(*err);
    *err = NULL;
    return true;
  }
  return r == LOCK_ACQUIRED;
}

static void journal_init(Journal *j, Store *store) {
  memset(j, 0, sizeof *j);
  j->store = store;
  j->owner.fd = -1;
}

static bool open_journal(Journal *j, const char *run_id, bool own, bool beside, char **err) {
  j->run_id = xstrdup(run_id);
  if (own && !take_ownership(j, beside, err)) {
    journal_close(j);
    return false;
  }
  return true;
}

bool journal_create(Journal *j, Store *store, const char *run_id, char **err) {
  journal_init(j, store);
  char *id = run_id ? xstrdup(run_id) : journal_new_id();
  bool made = false, exists = false;
  for (int tries = 0; check_id(id, err); tries++) {
    made = store_create_run(store, id, &exists, err);
    if (made || !exists || run_id || tries == 20) break;
    free(*err);
    *err = NULL;
    free(id);
    id = journal_new_id(); /* two runs started in the same second */
  }
  /* beside: a job of the same run that joined it a moment after it was
   * made may own it already; the run is still this process's to start */
  bool ok = made && open_journal(j, id, true, run_id != NULL, err);
  free(id);
  return ok;
}

static bool run_exists(Store *store, const char *run_id, char **err) {
  bool exists = false;
  if (!check_id(run_id, err) || !store_exists(store, SPACE_RUNS, run_id, &exists, err)) return false;
  if (!exists) {
    char *where = store_where(store, SPACE_RUNS, run_id);
    *err = xasprintf("%s: no run %s", where, run_id);
    free(where);
  }
  return exists;
}

bool journal_open(Journal *j, Store *store, const char *run_id, bool own, char **err) {
  journal_init(j, store);
  return run_exists(store, run_id, err) && open_journal(j, run_id, own, false, err);
}

bool journal_join(Journal *j, Store *store, const char *run_id, char **err) {
  journal_init(j, store);
  return run_exists(store, run_id, err) && open_journal(j, run_id, true, true, err);
}

bool journal_lock_decisions(FileLock *l, Store *store, const char *run_id, char **err) {
  *l = (FileLock){.fd = -1};
  if (!run_exists(store, run_id, err)) return false;
  char *what = xasprintf("the gate of run %s", run_id);
  /* held only while one decider reads the journal and appends */
  LockResult r = store_lock(store, SLOCK_DECISIONS, run_id, what, run_id, 10000, NULL, NULL, l, err);
  free(what);
  return r == LOCK_ACQUIRED;
}

bool journal_append(Journal *j, Value record, char **err) {
  return store_append(j->store, SPACE_RUNS, j->run_id, record, STORE_SYNCED, err);
}

void journal_forget(Journal *j) { store_forget(j->store, &j->owner); }

void journal_close(Journal *j) {
  if (j->store) store_unlock(j->store, &j->owner);
  free(j->run_id);
  memset(j, 0, sizeof *j);
  j->owner.fd = -1;
}

static Value str_or_null(const char *s) { return s ? v_cstr(s) : v_null(); }

static Value record(const char *kind) {
  Value r = v_map();
  map_set(r, "kind", v_cstr(kind));
  map_set(r, "at", v_str_take(state_format_time(state_now_ms())));
  return r;
}

/* Appends `r` and releases it. */
static bool append_taken(Journal *j, Value r, char **err) {
  bool ok = journal_append(j, r, err);
  value_release(r);
  return ok;
}

bool journal_run_started(Journal *j, const char *pipeline, const char *file, Value event,
                         const char *actor, char **err) {
  Value r = record("run_started");
  map_set(r, "run", v_cstr(j->run_id));
  map_set(r, "pipeline", str_or_null(pipeline));
  map_set(r, "file", str_or_null(file));
  map_set(r, "event", value_retain(event));
  map_set(r, "actor", str_or_null(actor));
  map_set(r, "started", value_retain(map_get(r, "at")));
  map_set(r, "pid", v_int(getpid()));
  map_set(r, "host", v_str_take(state_hostname()));
  return append_taken(j, r, err);
}

bool journal_stage_started(Journal *j, const char *stage, int attempt, char **err) {
  Value r = record("stage_started");
  map_set(r, "stage", v_cstr(stage));
  map_set(r, "attempt", v_int(attempt));
  /* not synced: losing it loses no finished work, the stage just runs again */
  bool ok = store_append(j->store, SPACE_RUNS, j->run_id, r, STORE_LAZY, err);
  value_release(r);
  return ok;
}

bool journal_stage_finished(Journal *j, const char *stage, const char *status, Value outputs,
                            Value secret_outputs, const char *error, int64_t duration_ms, Value deploy,
                            char **err) {
  Value r = record("stage_finished");
  map_set(r, "stage", v_cstr(stage));
  map_set(r, "status", v_cstr(status));
  map_set(r, "outputs", value_retain(outputs));
  if (secret_outputs.kind == V_LIST && list_len(secret_outputs))
    map_set(r, "secret_outputs", value_retain(secret_outputs));
  map_set(r, "error", str_or_null(error));
  map_set(r, "duration_ms", v_int(duration_ms));
  if (deploy.kind == V_MAP) map_set(r, "deploy", value_retain(deploy));
  /* not synced either: a power cut can only cost re-running the stage;
   * deploys, gates and decisions are (journal_sync, and the others) */
  bool ok = store_append(j->store, SPACE_RUNS, j->run_id, r, STORE_WRITTEN, err);
  value_release(r);
  return ok;
}

bool journal_sync(Journal *j, char **err) { return store_flush(j->store, SPACE_RUNS, j->run_id, err); }

bool journal_gate_waiting(Journal *j, const char *stage, const char *env, const char *version,
                          Value reviewers, char **err) {
  Value r = record("gate_waiting");
  map_set(r, "stage", v_cstr(stage));
  map_set(r, "env", v_cstr(env));
  map_set(r, "version", str_or_null(version));
  map_set(r, "reviewers", value_retain(reviewers));
  return append_taken(j, r, err);
}

bool journal_decision(Journal *j, bool approved, const char *env, const char *version,
                      const char *by, const char *comment, char **err) {
  Decision d = {.approved = approved, .env = (char *)env, .version = (char *)version, .by = (char *)by,
                .comment = (char *)comment, .at_ms = state_now_ms()};
  return journal_decision_record(j, &d, err);
}

bool journal_decision_record(Journal *j, const Decision *d, char **err) {
  Value r = record(d->approved ? "approved" : "rejected");
  map_set(r, "at", v_str_take(state_format_time(d->at_ms)));
  map_set(r, "env", v_cstr(d->env));
  map_set(r, "version", str_or_null(d->version));
  map_set(r, "by", str_or_null(d->by));
  map_set(r, "comment", str_or_null(d->comment));
  if (d->signature) map_set(r, "signature", v_cstr(d->signature));
  return append_taken(j, r, err);
}

bool journal_run_finished(Journal *j, const char *status, char **err) {
  Value r = record("run_finished");
  map_set(r, "status", v_cstr(status));
  return append_taken(j, r, err);
}

bool journal_run_cancelled(Journal *j, const char *reason, char **err) {
  Value r = record("run_finished");
  map_set(r, "status", v_cstr("cancelled"));
  map_set(r, "reason", v_cstr(reason));
  return append_taken(j, r, err);
}

/* ---- replay ---- */

static const char *const status_names[] = {"running",  "succeeded", "failed",
                                           "waiting",  "rejected",  "crashed", "cancelled"};

const char *run_status_name(RunStatus s) { return status_names[s]; }

static char *field(Value rec, const char *key) {
  Value v = map_get(rec, key);
  return is_str(v) ? xstrdup(str_chars(v)) : NULL;
}

static bool field_is(Value rec, const char *key, const char *want) {
  Value v = map_get(rec, key);
  return is_str(v) && strcmp(str_chars(v), want) == 0;
}

static int64_t time_field(Value rec, const char *key) {
  Value v = map_get(rec, key);
  int64_t ms = 0;
  if (is_str(v)) state_parse_time(str_chars(v), &ms);
  return ms;
}

static StageState *stage_for(RunState *r, const char *name, size_t *cap) {
  for (size_t i = 0; i < r->nstages; i++)
    if (strcmp(r->stages[i].name, name) == 0) return &r->stages[i];
  StageState s = {.name = xstrdup(name), .outputs = V_NULL_VALUE, .secret_outputs = V_NULL_VALUE,
                  .deploy = V_NULL_VALUE, .artifact = V_NULL_VALUE, .duration_ms = -1};
  VEC_PUSH(r->stages, r->nstages, *cap, s);
  return &r->stages[r->nstages - 1];
}

static void gate_free(Gate *g) {
  if (!g) return;
  free(g->stage);
  free(g->env);
  free(g->version);
  value_release(g->reviewers);
  free(g);
}

static void apply_run_started(RunState *r, Value rec) {
  free(r->pipeline), r->pipeline = field(rec, "pipeline");
  free(r->file), r->file = field(rec, "file");
  free(r->actor), r->actor = field(rec, "actor");
  free(r->host), r->host = field(rec, "host");
  Value pid = map_get(rec, "pid");
  r->pid = pid.kind == V_INT ? (long)pid.as.i : 0;
  value_release(r->event);
  r->event = value_retain(map_get(rec, "event"));
  r->started_ms = time_field(rec, "started");
  if (!r->started_ms) r->started_ms = time_field(rec, "at");
}

static void apply_stage(RunState *r, Value rec, bool finished, size_t *cap) {
  Value name = map_get(rec, "stage");
  if (!is_str(name)) return;
  StageState *s = stage_for(r, str_chars(name), cap);
  free(s->status);
  free(s->error);
  s->error = NULL;
  value_release(s->outputs);
  value_release(s->secret_outputs);
  value_release(s->deploy);
  s->outputs = s->secret_outputs = s->deploy = V_NULL_VALUE;
  if (!finished) {
    Value attempt = map_get(rec, "attempt");
    s->attempts = attempt.kind == V_INT ? (int)attempt.as.i : s->attempts + 1;
    s->status = xstrdup("running");
    s->duration_ms = -1;
    /* the stage the run waited at has begun: the gate is passed */
    if (r->gate && strcmp(r->gate->stage, s->name) == 0) gate_free(r->gate), r->gate = NULL;
    return;
  }
  s->status = field(rec, "status");
  if (!s->status) s->status = xstrdup("failed");
  s->error = field(rec, "error");
  s->outputs = value_retain(map_get(rec, "outputs"));
  Value secret = map_get(rec, "secret_outputs");
  if (secret.kind == V_LIST) s->secret_outputs = value_retain(secret);
  if (map_get(rec, "deploy").kind == V_MAP) s->deploy = value_retain(map_get(rec, "deploy"));
  Value d = map_get(rec, "duration_ms");
  s->duration_ms = d.kind == V_INT ? d.as.i : 0;
}

/* An archive kept (or adopted from the cache) by a unit, before its stage_finished. */
static void apply_artifact(RunState *r, Value rec, size_t *cap) {
  Value unit = map_get(rec, "unit");
  if (!is_str(unit)) return;
  StageState *s = stage_for(r, str_chars(unit), cap);
  if (!s->status) s->status = xstrdup("running"); /* a cached stage journals no start */
  value_release(s->artifact);
  s->artifact = value_retain(rec);
}

static void apply_gate(RunState *r, Value rec) {
  Value stage = map_get(rec, "stage"), env = map_get(rec, "env");
  if (!is_str(stage) || !is_str(env)) return;
  gate_free(r->gate);
  r->gate = xcalloc(1, sizeof *r->gate);
  r->gate->stage = xstrdup(str_chars(stage));
  r->gate->env = xstrdup(str_chars(env));
  r->gate->version = field(rec, "version");
  r->gate->reviewers = value_retain(map_get(rec, "reviewers"));
  r->gate->at_ms = time_field(rec, "at");
}

static void apply_decision(RunState *r, Value rec, bool approved, size_t *cap) {
  Value env = map_get(rec, "env");
  if (!is_str(env)) return;
  Decision d = {.approved = approved,
                .env = xstrdup(str_chars(env)),
                .version = field(rec, "version"),
                .by = field(rec, "by"),
                .comment = field(rec, "comment"),
                .at_ms = time_field(rec, "at"),
                .signature = field(rec, "signature")};
  VEC_PUSH(r->decisions, r->ndecisions, *cap, d);
}

static bool same_version(const char *a, const char *b) { return !a || !b || strcmp(a, b) == 0; }

/* Whether `d` was taken at the gate the run waits at (after it was reached). */
static bool at_gate(const RunState *r, const Decision *d) {
  return r->gate && d->at_ms >= r->gate->at_ms && strcmp(d->env, r->gate->env) == 0 &&
         same_version(d->version, r->gate->version);
}

/* Whether the gate the run waits at was rejected. */
static bool gate_rejected(const RunState *r) {
  for (size_t i = 0; i < r->ndecisions; i++)
    if (!r->decisions[i].approved && !r->decisions[i].ignored && at_gate(r, &r->decisions[i])) return true;
  return false;
}

const Decision *run_state_gate_decision(const RunState *r) {
  for (size_t i = 0; i < r->ndecisions; i++)
    if (!r->decisions[i].ignored && at_gate(r, &r->decisions[i])) return &r->decisions[i];
  return NULL;
}

static RunStatus finished_status(const char *s) {
  for (int i = RUN_RUNNING; i <= RUN_CANCELLED; i++)
    if (s && strcmp(s, status_names[i]) == 0) return (RunStatus)i;
  return RUN_FAILED;
}

bool journal_owner_alive(Store *store, const char *run_id, bool if_unknown) {
  bool held = false;
  LockHolder h;
  char *err = NULL;
  if (store_holder(store, SLOCK_OWNER, run_id, &held, &h, &err)) lock_holder_free(&h);
  else held = if_unknown;
  free(err);
  return held;
}

static void settle_status(RunState *r, Store *store, const char *finished) {
  if (finished) r->status = finished_status(finished);
  else if (gate_rejected(r)) r->status = RUN_REJECTED;
  else if (r->gate) r->status = RUN_WAITING;
  else if (journal_owner_alive(store, r->id, false)) r->status = RUN_RUNNING;
  else r->status = RUN_CRASHED;
}

bool journal_replay(Store *store, const char *run_id, RunState *out, char **err) {
  memset(out, 0, sizeof *out);
  out->event = V_NULL_VALUE;
  StateRead rd;
  if (!run_exists(store, run_id, err) || !store_read(store, SPACE_RUNS, run_id, &rd, err)) return false;
  out->id = xstrdup(run_id);
  out->torn = rd.torn;
  out->invalid = rd.invalid;
  size_t stages_cap = 0, decisions_cap = 0;
  char *finished = NULL;
  for (size_t i = 0; i < list_len(rd.records); i++) {
    Value rec = list_get(rd.records, i);
    out->nrecords++;
    if (field_is(rec, "kind", "run_started")) apply_run_started(out, rec);
    else if (field_is(rec, "kind", "plan")) {
      out->dry_run = value_truthy(map_get(rec, "dry_run"));
      /* a plan after run_finished is a job that joined the run later
       * (--run-id): the run is open again until that job finishes it */
      free(finished);
      finished = NULL;
      out->finished_ms = 0;
      free(out->reason);
      out->reason = NULL;
    }
    else if (field_is(rec, "kind", "stage_started")) apply_stage(out, rec, false, &stages_cap);
    else if (field_is(rec, "kind", "stage_finished")) apply_stage(out, rec, true, &stages_cap);
    else if (field_is(rec, "kind", "artifact")) apply_artifact(out, rec, &stages_cap);
    else if (field_is(rec, "kind", "gate_waiting")) apply_gate(out, rec);
    else if (field_is(rec, "kind", "approved")) apply_decision(out, rec, true, &decisions_cap);
    else if (field_is(rec, "kind", "rejected")) apply_decision(out, rec, false, &decisions_cap);
    else if (field_is(rec, "kind", "run_finished")) {
      free(finished);
      finished = field(rec, "status");
      if (!finished) finished = xstrdup("failed");
      out->finished_ms = time_field(rec, "at");
      free(out->reason);
      out->reason = field(rec, "reason");
    }
  }
  settle_status(out, store, finished);
  free(finished);
  value_release(rd.records);
  return true;
}

const StageState *run_state_stage(const RunState *r, const char *stage) {
  for (size_t i = 0; i < r->nstages; i++)
    if (strcmp(r->stages[i].name, stage) == 0) return &r->stages[i];
  return NULL;
}

static Value time_or_null(int64_t ms) { return ms ? v_str_take(state_format_time(ms)) : v_null(); }

Value run_state_to_value(const RunState *r) {
  Value v = v_map();
  map_set(v, "id", str_or_null(r->id));
  map_set(v, "status", v_cstr(run_status_name(r->status)));
  map_set(v, "pipeline", str_or_null(r->pipeline));
  map_set(v, "file", str_or_null(r->file));
  map_set(v, "actor", str_or_null(r->actor));
  map_set(v, "event", value_retain(r->event));
  map_set(v, "started", time_or_null(r->started_ms));
  map_set(v, "finished", time_or_null(r->finished_ms));
  if (r->reason) map_set(v, "reason", v_cstr(r->reason));
  Value stages = v_map();
  for (size_t i = 0; i < r->nstages; i++) {
    const StageState *s = &r->stages[i];
    Value m = v_map();
    map_set(m, "status", v_cstr(s->status));
    map_set(m, "attempts", v_int(s->attempts));
    map_set(m, "outputs", value_retain(s->outputs));
    map_set(m, "error", str_or_null(s->error));
    map_set(m, "duration_ms", s->duration_ms >= 0 ? v_int(s->duration_ms) : v_null());
    if (s->artifact.kind == V_MAP) map_set(m, "artifact", value_retain(s->artifact));
    map_set(stages, s->name, m);
  }
  map_set(v, "stages", stages);
  Value gate = v_null();
  if (r->gate) {
    gate = v_map();
    map_set(gate, "stage", v_cstr(r->gate->stage));
    map_set(gate, "env", v_cstr(r->gate->env));
    map_set(gate, "version", str_or_null(r->gate->version));
    map_set(gate, "reviewers", value_retain(r->gate->reviewers));
    map_set(gate, "since", time_or_null(r->gate->at_ms));
  }
  map_set(v, "gate", gate);
  Value decisions = v_list();
  for (size_t i = 0; i < r->ndecisions; i++) {
    const Decision *d = &r->decisions[i];
    Value m = v_map();
    map_set(m, "decision", v_cstr(d->approved ? "approved" : "rejected"));
    map_set(m, "env", v_cstr(d->env));
    map_set(m, "version", str_or_null(d->version));
    map_set(m, "by", str_or_null(d->by));
    map_set(m, "comment", str_or_null(d->comment));
    map_set(m, "at", time_or_null(d->at_ms));
    map_set(m, "signed", v_bool(d->signature != NULL));
    map_set(m, "ignored", str_or_null(d->ignored));
    list_push(decisions, m);
  }
  map_set(v, "decisions", decisions);
  map_set(v, "dry_run", v_bool(r->dry_run));
  map_set(v, "torn", v_bool(r->torn));
  return v;
}

void run_state_free(RunState *r) {
  free(r->id);
  free(r->reason);
  free(r->pipeline);
  free(r->file);
  free(r->actor);
  free(r->host);
  value_release(r->event);
  for (size_t i = 0; i < r->nstages; i++) {
    free(r->stages[i].name);
    free(r->stages[i].status);
    free(r->stages[i].error);
    value_release(r->stages[i].outputs);
    value_release(r->stages[i].secret_outputs);
    value_release(r->stages[i].deploy);
    value_release(r->stages[i].artifact);
  }
  free(r->stages);
  for (size_t i = 0; i < r->ndecisions; i++) {
    free(r->decisions[i].env);
    free(r->decisions[i].version);
    free(r->decisions[i].by);
    free(r->decisions[i].comment);
    free(r->decisions[i].signature);
    free(r->decisions[i].ignored);
  }
  free(r->decisions);
  gate_free(r->gate);
  memset(r, 0, sizeof *r);
}

/* ---- listing ---- */

static int by_start(const void *a, const void *b) {
  const RunSummary *x = a, *y = b;
  if (x->started_ms != y->started_ms) return x->started_ms < y->started_ms ? -1 : 1;
  return strcmp(x->id, y->id);
}

bool journal_list(Store *store, RunSummary **out, size_t *n, char **err) {
  *out = NULL;
  *n = 0;
  Value ids;
  if (!store_list(store, SPACE_RUNS, &ids, err)) return false;
  size_t cap = 0;
  for (size_t i = 0; i < list_len(ids); i++) {
    RunState r;
    char *rerr = NULL;
    if (!journal_replay(store, str_chars(list_get(ids, i)), &r, &rerr)) {
      free(rerr);
      continue;
    }
    Value kind = r.event.kind == V_MAP ? map_get(r.event, "kind") : V_NULL_VALUE;
    RunSummary s = {.id = xstrdup(r.id),
                    .event = is_str(kind) ? xstrdup(str_chars(kind)) : NULL,
                    .status = r.status,
                    .dry_run = r.dry_run,
                    .reason = r.reason ? xstrdup(r.reason) : NULL,
                    .started_ms = r.started_ms,
                    .duration_ms = r.finished_ms && r.started_ms ? r.finished_ms - r.started_ms : -1};
    VEC_PUSH(*out, *n, cap, s);
    run_state_free(&r);
  }
  value_release(ids);
  if (*n) qsort(*out, *n, sizeof **out, by_start);
  return true;
}

void run_summaries_free(RunSummary *runs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(runs[i].id);
    free(runs[i].event);
    free(runs[i].reason);
  }
  free(runs);
}
