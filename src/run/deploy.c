/* deploy.c — journal, gates, promotion order, locks and history. */
#include "run/deploy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/pattern.h"
#include "run/approval.h"
#include "run/artifact.h"
#include "run/cache.h"
#include "run/ci.h"
#include "run/history.h"
#include "run/rollback.h"
#include "run/state.h"

/* An environment setting (or approval setting) evaluated; null if absent. */
static Value setting(Interp *I, const NodeList *settings, const char *key) {
  Node *n = settings_get(settings, key);
  Value v = V_NULL_VALUE;
  if (n && !interp_eval(I, NULL, n, &v)) interp_clear_error(I);
  return v;
}

/* Whether two names are one person: GitHub and GitLab logins ignore case,
 * so "Alice" who started a run is "alice" at its gate. */
static bool same_person(const char *a, const char *b) { return !strcasecmp(a, b); }

/* Whether `list` holds the string `s`; names of people as same_person. */
static bool list_has(Value list, const char *s, bool people) {
  for (size_t i = 0; list.kind == V_LIST && i < list_len(list); i++) {
    Value it = list_get(list, i);
    if (it.kind == V_STRING && (people ? same_person(str_chars(it), s) : !strcmp(str_chars(it), s))) return true;
  }
  return false;
}

static bool has_person(Value names, const char *name) { return list_has(names, name, true); }

Value gate_reviewers(const Environment *env) {
  Value out = v_list();
  Node *list = env->approval ? settings_get(&env->approval->as.settings, "reviewers") : NULL;
  for (int i = 0; list && list->kind == N_LIST && i < list->as.list.n; i++) {
    const char *text;
    uint32_t len;
    if (string_is_plain(list->as.list.items[i], &text, &len)) list_push(out, v_str(text, len));
  }
  return out;
}

bool gate_may_approve(const Environment *env, const char *run_actor, const char *name, char **why) {
  if (!env->approval) {
    *why = xasprintf("environment '%s' has no approval gate", env->name);
    return false;
  }
  Value reviewers = gate_reviewers(env);
  bool ok = has_person(reviewers, name);
  if (!ok) {
    Buf names = {0};
    for (size_t i = 0; i < list_len(reviewers); i++)
      buf_printf(&names, "%s%s", i ? ", " : "", str_chars(list_get(reviewers, i)));
    *why = xasprintf("%s is not a reviewer of '%s' (reviewers: %s)", name, env->name, names.data ? names.data : "none");
    buf_free(&names);
  } else if (run_actor && same_person(run_actor, name)) {
    *why = xasprintf("%s started this run and cannot decide its own gate", name);
    ok = false;
  }
  value_release(reviewers);
  return ok;
}

/* ---- per-unit state ---- */

static void ensure_units(RunCtx *c, int n) {
  if (n <= c->nunits) return;
  c->locks = xrealloc(c->locks, sizeof *c->locks * (size_t)n);
  c->versions = xrealloc(c->versions, sizeof *c->versions * (size_t)n);
  c->targets = xrealloc(c->targets, sizeof *c->targets * (size_t)n);
  c->cache_keys = xrealloc(c->cache_keys, sizeof *c->cache_keys * (size_t)n);
  c->started = xrealloc(c->started, sizeof *c->started * (size_t)n);
  c->groups = xrealloc(c->groups, sizeof *c->groups * (size_t)n);
  for (int i = c->nunits; i < n; i++) {
    c->locks[i] = (FileLock){.fd = -1};
    c->versions[i] = NULL;
    c->targets[i] = NULL;
    c->cache_keys[i] = NULL;
    c->started[i] = 0;
    c->groups[i] = (Group){0};
  }
  c->nunits = n;
}

static void say(Scheduler *s, Unit *u, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(Scheduler *s, Unit *u, const char *fmt, ...) {
  Buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  if (s->rep) report_log(s->rep, u->name, "stderr", b.data);
  buf_free(&b);
}

/* The --json event of a gate, a decision or a deploy: the journal's
 * fields for it (doc/state.md), with the stage. Takes `fields`. */
static void record(Scheduler *s, Unit *u, const char *kind, Value fields) {
  map_set(fields, "stage", v_cstr(u->name));
  report_record(s->rep, kind, fields);
}

static void record_decision(Scheduler *s, Unit *u, const Decision *d) {
  Value f = v_map();
  map_set(f, "env", v_cstr(d->env));
  map_set(f, "version", d->version ? v_cstr(d->version) : V_NULL_VALUE);
  map_set(f, "by", v_cstr(d->by));
  map_set(f, "comment", d->comment ? v_cstr(d->comment) : V_NULL_VALUE);
  record(s, u, d->approved ? "approved" : "rejected", f);
}

/* A deploy's history entry, less the outputs kept for rollbacks. */
static void record_deploy(Scheduler *s, Unit *u, Value entry) {
  Value f = v_map();
  Map *m = as_map(entry);
  for (size_t k = 0; k < m->n; k++)
    if (strcmp(m->keys[k]->data, "outputs")) map_set_str(f, m->keys[k], value_retain(m->vals[k]));
  record(s, u, "deploy", f);
}

/* A record that cannot be written (a full disk, a file size limit) stops
 * the run: it starts nothing more and ends unfinished, so that `rp resume`
 * finishes it once the record can be written. */
static bool kept(RunCtx *c, Scheduler *s, bool ok, char **err) {
  if (ok) return true;
  fprintf(stderr, "rp: %s\n", *err);
  if (!c->write_error) c->write_error = *err;
  else free(*err);
  *err = NULL;
  s->halted = true;
  return false;
}

/* The version a deploy stage deploys: `version EXPR` evaluated now (its
 * needs are done), or the version a rollback asked for. */
static char *unit_version(RunCtx *c, Unit *u, const char *env, char **err) {
  if (c->rollback_env && !strcmp(env, c->rollback_env)) {
    interp_set_version(c->I, u->stage->name, v_cstr(c->rollback_version));
    return xstrdup(c->rollback_version);
  }
  if (!u->stage->version) return NULL;
  Value v;
  if (!interp_eval_with(c->I, u->vars, u->stage->version->as.attr.value, &v)) {
    *err = xstrdup(interp_last_error(c->I)->msg);
    interp_clear_error(c->I);
    return NULL;
  }
  if (value_is_secret(v)) {
    value_release(v);
    *err = xstrdup("a secret cannot be a version: it would be written to the deploy history, rp history and "
                   "rp environments");
    return NULL;
  }
  char *text = v.kind == V_NULL ? NULL : value_to_cstr(v);
  value_release(v);
  if (!text) *err = xstrdup("version is null");
  return text;
}

/* `branches` and `tags` on an approval: which refs may deploy. A tag ref
 * (a tag event, or a dispatch on refs/tags/...) is held to `tags` only,
 * never to `branches`, since a tag may be named "main"; once either list
 * is given, a ref of the other kind is refused (GitHub's deployment branch
 * and tag rules). An event on no ref at all is refused too. */
static bool ref_allowed(RunCtx *c, const Environment *env, char **reason) {
  if (!env->approval) return true;
  const NodeList *set = &env->approval->as.settings;
  if (!settings_get(set, "branches") && !settings_get(set, "tags")) return true;
  Value ref = map_get(c->event, "tag");
  bool is_tag = ref.kind == V_STRING;
  if (!is_tag) ref = map_get(c->event, "branch");
  const char *kind = is_tag ? "tags" : "branches", *other = is_tag ? "branches" : "tags";
  Value globs = setting(c->I, set, kind);
  bool ok = false;
  for (size_t i = 0; ref.kind == V_STRING && globs.kind == V_LIST && i < list_len(globs) && !ok; i++)
    ok = list_get(globs, i).kind == V_STRING && glob_match(str_chars(list_get(globs, i)), str_chars(ref));
  if (!ok) {
    const char *what = is_tag ? "tag " : "", *name = ref.kind == V_STRING ? str_chars(ref) : "this event";
    if (globs.kind == V_LIST) {
      char *allowed = value_to_cstr(globs);
      *reason = xasprintf("%s%s may not deploy to environment '%s' (allowed %s: %s)", what, name, env->name, kind,
                          allowed);
      free(allowed);
    } else {
      *reason = xasprintf("%s%s may not deploy to environment '%s': its approval admits %s only, no %s (add %s = "
                          "[...] to admit some)",
                          what, name, env->name, other, kind, kind);
    }
  }
  value_release(globs);
  return ok;
}

/* `after OTHER`: the version must have been deployed to OTHER first. */
static bool promotion_allowed(RunCtx *c, Scheduler *s, Unit *u, const Environment *env, const char *version,
                              char **reason) {
  if (!env->after || !version || (c->rollback_env && !strcmp(c->rollback_env, env->name))) return true;
  const char *prev = env->after->as.after.name;
  bool yes = list_has(map_get(c->dry_deploys, prev), version, false);
  char *err = NULL;
  if (!yes && !history_was_deployed(c->store, prev, version, &yes, &err)) {
    *reason = err;
    return false;
  }
  if (yes) return true;
  if (c->force_promotion) {
    say(s, u, "rp: %s was never deployed to %s; promoting anyway (--force-promotion: %s)", version, prev,
        c->force_promotion);
    return true;
  }
  *reason = xasprintf("version %s cannot go to %s: it has not been deployed to %s successfully "
                      "(%s comes after %s; --force-promotion REASON overrides)",
                      version, env->name, prev, env->name, prev);
  return false;
}

/* The run's journal re-read (approvals come from other processes), each
 * decision checked against the pipeline as it is now (run/approval.h). */
static bool replay_reviewed(RunCtx *c, RunState *r) {
  char *err = NULL;
  if (!journal_replay(c->store, c->journal->run_id, r, &err)) {
    free(err);
    return false;
  }
  approval_review(r, c->prog);
  return true;
}

/* The newest decision about this gate that counts. Those that do not are
 * said once (*said), with why. */
static bool find_decision(RunCtx *c, Scheduler *s, Unit *u, const char *env, const char *version, Decision *out,
                          bool *said) {
  RunState r;
  if (!replay_reviewed(c, &r)) return false;
  bool found = false;
  for (size_t i = r.ndecisions; i-- > 0 && !found;) {
    Decision *d = &r.decisions[i];
    /* a decision is about one version: one taken without a version
     * (a gate that deploys none) counts only at a gate without one */
    if (strcmp(d->env, env) || (version || d->version ? !version || !d->version || strcmp(d->version, version) : false))
      continue;
    if (d->ignored) {
      char *who = approval_shown_name(d->by);
      if (s && !*said) say(s, u, "rp: ignored %s by %s: %s", d->approved ? "an approval" : "a rejection", who,
                           d->ignored);
      free(who);
      continue;
    }
    *out = *d;
    out->env = xstrdup(d->env);
    out->by = xstrdup(d->by);
    out->version = d->version ? xstrdup(d->version) : NULL;
    out->comment = d->comment ? xstrdup(d->comment) : NULL;
    out->signature = out->ignored = NULL;
    found = true;
  }
  if (s) *said = true;
  run_state_free(&r);
  return found;
}

static void decision_free(Decision *d) {
  free(d->env), free(d->by), free(d->version), free(d->comment);
}

/* On a terminal: ask who approves. Returns true when approved here. */
static bool ask_on_terminal(RunCtx *c, Reporter *rep, const Environment *env, const char *version) {
  report_hide_status(rep); /* the prompt takes the terminal's last row */
  for (;;) {
    fprintf(stderr, "\nrp: deploying %s to %s needs an approval. Approve as (reviewer name; empty to leave it waiting): ",
            version ? version : "(no version)", env->name);
    fflush(stderr);
    char line[256];
    if (!fgets(line, sizeof line, stdin)) return false;
    line[strcspn(line, "\r\n")] = 0;
    if (!*line) return false;
    char *why = NULL;
    if (!gate_may_approve(env, c->actor, line, &why)) {
      fprintf(stderr, "rp: %s\n", why);
      free(why);
      continue;
    }
    /* under the decisions lock: an `rp reject` taken meanwhile stands, and
     * the gate acts on it instead */
    FileLock lock;
    Decision d;
    char *err = NULL;
    bool ok = journal_lock_decisions(&lock, c->store, c->journal->run_id, &err);
    bool said = true;
    if (ok && find_decision(c, NULL, NULL, env->name, version, &d, &said)) decision_free(&d);
    else ok = ok && journal_decision(c->journal, true, env->name, version, line, "approved on the terminal", &err);
    store_unlock(c->store, &lock);
    if (!ok) {
      fprintf(stderr, "rp: %s\n", err);
      free(err);
    }
    return ok;
  }
}

/* An approval's wait timer, waited out here (on a terminal, or rp resume
 * --wait) with its countdown on the status line. GO_WAIT when the run is
 * cancelled meanwhile: it waits still, for a resume. */
static GoDecision run_wait_timer(Scheduler *s, const char *env, int64_t ready_ms) {
  int64_t left = ready_ms - state_now_ms();
  report_wait_timer(s->rep, env, monotonic_seconds() + (double)left / 1000);
  int tick = report_tick_ms(s->rep);
  while ((left = ready_ms - state_now_ms()) > 0 && !sched_cancel_requested()) {
    int64_t ms = tick > 0 && tick < left ? tick : left;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    if (s->rep) report_flush(s->rep);
  }
  report_wait_timer(s->rep, NULL, 0);
  return left > 0 ? GO_WAIT : GO_RUN;
}

/* The approval gate: GO_RUN when approved (and its wait timer is over). */
static GoDecision pass_gate(RunCtx *c, Scheduler *s, Unit *u, const Environment *env, const char *version,
                            char **reason) {
  Value wait = setting(c->I, &env->approval->as.settings, "wait");
  int64_t wait_ms = wait.kind == V_DURATION ? wait.as.i : 0;
  value_release(wait);
  bool announced = false, said = false;
  /* a decision typed on the terminal could not be signed: signed gates
   * take rp approve --key only */
  bool signed_gate = approval_is_signed(env), ask = c->interactive && !signed_gate;
  for (;;) {
    Decision d;
    if (find_decision(c, s, u, env->name, version, &d, &said)) {
      record_decision(s, u, &d);
      bool approved = d.approved;
      if (!approved) {
        *reason = xasprintf("deploying %s to %s was rejected by %s%s%s", version ? version : "", env->name, d.by,
                            d.comment ? ": " : "", d.comment ? d.comment : "");
        c->rejected = true;
        decision_free(&d);
        return GO_FAIL;
      }
      int64_t ready = d.at_ms + wait_ms, now = state_now_ms();
      decision_free(&d);
      if (c->stop_at_gates) { /* a re-run approval job must not deploy inside itself */
        say(s, u, "rp: the deploy of %s to %s is approved; --to-gate stops here", version ? version : "", env->name);
        c->open_gates++;
        return GO_WAIT;
      }
      if (now >= ready) return GO_RUN;
      if (!c->wait_for_gates && !ask) {
        char *at = state_format_time(ready);
        say(s, u, "rp: approved; the wait timer of %s ends at %s: then run  rp resume %s", env->name, at,
            c->journal->run_id);
        free(at);
        return GO_WAIT;
      }
      say(s, u, "rp: approved; waiting %llds for the wait timer of %s", (long long)((ready - now + 999) / 1000),
          env->name);
      return run_wait_timer(s, env->name, ready);
    }
    if (!announced) {
      Value reviewers = gate_reviewers(env);
      char *err = NULL;
      if (!kept(c, s, journal_gate_waiting(c->journal, u->name, env->name, version, reviewers, &err), &err)) {
        *reason = xstrdup(c->write_error);
        value_release(reviewers);
        return GO_FAIL;
      }
      Value f = v_map();
      map_set(f, "env", v_cstr(env->name));
      map_set(f, "version", version ? v_cstr(version) : V_NULL_VALUE);
      map_set(f, "reviewers", value_retain(reviewers));
      record(s, u, "gate_waiting", f);
      char *who = value_to_cstr(reviewers);
      say(s, u, "rp: waiting for approval to deploy %s to %s (reviewers: %s)", version ? version : "", env->name,
          who);
      say(s, u, "rp: approve with:  rp approve %s %s --as NAME%s", c->journal->run_id, env->name,
          signed_gate ? " --key KEY" : "");
      if (s->rep) report_gate(s->rep, u->name, env->name, version);
      free(who);
      value_release(reviewers);
      announced = true;
    }
    if (c->stop_at_gates) return GO_WAIT;
    if (ask && ask_on_terminal(c, s->rep, env, version)) continue;
    if (!c->wait_for_gates) return GO_WAIT;
    if (sched_cancel_requested()) return GO_WAIT; /* still waiting: resume later */
    sleep(1);
    if (s->rep) report_flush(s->rep); /* the status line's clocks */
  }
}

/* A dry run at a gate: it says what a real run would wait for, and goes on
 * without waiting or journaling a gate, so no approval is asked or used. */
static GoDecision pass_gate_dry(Scheduler *s, Unit *u, const Environment *env, const char *version) {
  Value reviewers = gate_reviewers(env);
  char *who = value_to_cstr(reviewers);
  say(s, u, "rp: dry run: would wait for approval to deploy %s to %s (reviewers: %s); going on without it",
      version ? version : "", env->name, who);
  free(who);
  value_release(reviewers);
  return GO_RUN;
}

/* What a dry run deployed (to no history): `after` later in the run goes by it. */
static void remember_dry_deploy(RunCtx *c, const char *env, const char *version) {
  if (map_get(c->dry_deploys, env).kind != V_LIST) map_set(c->dry_deploys, env, v_list());
  list_push(map_get(c->dry_deploys, env), v_cstr(version));
}

typedef struct LockWaiter {
  const char *stage;
  Reporter *rep;
} LockWaiter;

static void on_lock_wait(const LockHolder *h, void *ctx) {
  const LockWaiter *w = ctx;
  char *who = lock_holder_describe(h);
  report_hide_status(w->rep); /* the message gets a line of its own */
  fprintf(stderr, "rp: %s: waiting for the environment's lock, held by %s\n", w->stage, who);
  free(who);
}

/* A rollback runs its stage alone: the outputs it reads come from the
 * deploy it goes back to, and are checked before its gate asks anyone. */
static bool rollback_ready(RunCtx *c, Unit *u, const char *env, char **reason) {
  if (!c->rollback_env || strcmp(c->rollback_env, env)) return true;
  Value deploy;
  char *err = NULL;
  if (!history_deploy_of(c->store, env, c->rollback_version, &deploy, &err)) {
    *reason = err;
    return false;
  }
  bool ok = rollback_restore(c->I, c->prog, u->stage, deploy, &err);
  if (!ok) *reason = xasprintf("cannot roll back %s to %s: %s", env, c->rollback_version, err);
  free(err);
  value_release(deploy);
  return ok;
}

/* The instance an ephemeral environment's deploy makes: its namespace
 * setting ("preview-42"), else the environment's name. */
static char *ephemeral_instance(RunCtx *c, const Environment *env) {
  Value ns = setting(c->I, &env->items, "namespace");
  char *name = ns.kind == V_STRING ? xstrdup(str_chars(ns)) : xstrdup(env->name);
  value_release(ns);
  return name;
}

static bool is_ephemeral(RunCtx *c, const Environment *env) {
  Value flag = setting(c->I, &env->items, "ephemeral");
  bool yes = value_truthy(flag);
  value_release(flag);
  return yes;
}

/* What a deploy locks and records its history under: the environment, or
 * for an ephemeral one its instance, "preview.preview-42", so that pull
 * requests 42 and 43 neither wait for each other nor share a history.
 * NULL with *reason when the instance cannot name a state file. */
static char *deploy_target(RunCtx *c, const Environment *env, char **reason) {
  if (!is_ephemeral(c, env)) return xstrdup(env->name);
  char *instance = ephemeral_instance(c, env);
  char *target = strcmp(instance, env->name) ? xasprintf("%s.%s", env->name, instance) : xstrdup(env->name);
  if (!state_name_ok(target)) {
    *reason = xasprintf("instance '%s' of ephemeral environment '%s' cannot name its lock and history (letters, "
                        "digits, '.', '_' and '-' only)",
                        instance, env->name);
    free(target);
    target = NULL;
  }
  free(instance);
  return target;
}

/* A dry run resumed: what its earlier attempt deployed still counts for
 * `after` in it (the version is evaluated again: the history has none). */
static void remember_done_dry_deploy(RunCtx *c, Unit *u) {
  const char *env = stage_environment(u->stage, u->vars);
  char *err = NULL, *version = unit_version(c, u, env, &err);
  if (version) remember_dry_deploy(c, env, version);
  free(version);
  free(err);
}

/* `cache KEY`: the key evaluated now (its needs are done); an earlier
 * successful run with that key stands for this one. A deploy always runs. */
static GoDecision look_up_cache(RunCtx *c, Scheduler *s, Unit *u, int i, char **reason) {
  char *why = NULL, *err = NULL;
  if (!cache_key(c->I, c->prog->src, u, &c->cache_keys[i], &why)) {
    *reason = xasprintf("cache key: %s", interp_last_error(c->I)->msg);
    interp_clear_error(c->I);
    return GO_FAIL;
  }
  if (why) say(s, u, "rp: not cached: %s", why);
  free(why);
  Value hit = V_NULL_VALUE;
  if (!c->cache_keys[i] || c->no_cache) return GO_RUN;
  if (!cache_find(c->store, u->stage->name, u->name, c->cache_keys[i], &hit, &err)) {
    *reason = err;
    return GO_FAIL;
  }
  if (hit.kind == V_NULL) return GO_RUN;
  /* its artifact comes from the run it was cached from, when that kept one */
  bool adopted = true;
  if (u->stage->artifact && !artifact_adopt(c->store, c->journal, u->name, str_chars(map_get(hit, "run")), &adopted, &err)) {
    value_release(hit);
    *reason = err;
    return GO_FAIL;
  }
  if (!adopted) {
    say(s, u, "rp: not cached: run %s kept no artifact of it", str_chars(map_get(hit, "run")));
    value_release(hit);
    return GO_RUN;
  }
  value_release(u->outputs);
  u->outputs = value_retain(map_get(hit, "outputs"));
  char *text = cache_hit_text(hit);
  *reason = xasprintf("rp: %s", text);
  free(text);
  value_release(hit);
  return GO_CACHED;
}

/* ---- concurrency groups (run/group.h) ---- */

static void note_cancelled(RunCtx *c, const char *why) {
  if (!c->cancelled) c->cancelled = xstrdup(why);
}

typedef struct UnitSay {
  Scheduler *s;
  Unit *u;
} UnitSay;

static void say_unit(void *ctx, const char *text) {
  UnitSay *us = ctx;
  say(us->s, us->u, "%s", text);
  if (us->s->rep) report_flush(us->s->rep);
}

static void say_run(void *ctx, const char *text) {
  (void)ctx;
  fprintf(stderr, "%s\n", text); /* never among --json's events */
}

/* A stage's group is entered before its deploy lock is taken, so that a
 * newer run can cancel it while it waits. GO_RUN once its turn came. */
static GoDecision enter_stage_group(RunCtx *c, Scheduler *s, int i, char **reason) {
  Unit *u = &s->units[i];
  if (!u->stage->concurrency || c->dry_run) return GO_RUN;
  char *member = xasprintf("%s/%s", c->journal->run_id, u->name), *who = NULL;
  bool ok = group_from_node(&c->groups[i], c->I, u->vars, u->stage->concurrency->as.attr.value, c->store,
                            c->journal->run_id, member, reason);
  free(member);
  if (!ok) return GO_FAIL;
  UnitSay us = {s, u};
  GroupTurn t = group_enter(&c->groups[i], say_unit, &us, &who, reason);
  if (t == GROUP_CANCELLED) {
    *reason = group_cancel_reason(&c->groups[i], who);
    note_cancelled(c, *reason);
  }
  free(who);
  return t == GROUP_GO ? GO_RUN : t == GROUP_CANCELLED ? GO_CANCEL : GO_FAIL;
}

GroupTurn deploy_enter_group(RunCtx *c, Group *g) {
  const Node *n = c->prog->concurrency;
  if (!n || c->dry_run) return GROUP_GO;
  char *err = NULL, *who = NULL;
  const char *run = c->journal->run_id;
  if (!group_from_node(g, c->I, V_NULL_VALUE, n, c->store, run, run, &err)) {
    fprintf(stderr, "rp: %s\n", err);
    free(err);
    return GROUP_ERROR;
  }
  c->group = g;
  GroupTurn t = group_enter(g, say_run, NULL, &who, &err);
  if (t == GROUP_CANCELLED) {
    char *why = group_cancel_reason(g, who);
    note_cancelled(c, why);
    free(why);
  } else if (t == GROUP_ERROR) {
    fprintf(stderr, "rp: %s\n", err);
  }
  free(who);
  free(err);
  return t;
}

/* Whether a newer arrival in g cancelled its member: *why then. */
static bool group_cancelled(Group *g, char **why) {
  char *who = NULL, *err = NULL;
  bool yes = g->arrived && group_turn(g, &who, &err) == GROUP_CANCELLED; /* unreadable: asked again soon */
  if (yes) *why = group_cancel_reason(g, who);
  free(who);
  free(err);
  return yes;
}

/* Polled while stages run: a cancelled run stops all of them, a
 * cancelled stage itself. */
static void watch(void *ctx, Scheduler *s) {
  RunCtx *c = ctx;
  char *why = NULL;
  if (c->group && !s->stopped && group_cancelled(c->group, &why)) {
    note_cancelled(c, why);
    sched_stop(s, why);
  }
  free(why);
  for (int i = 0; i < c->nunits && i < s->n; i++) {
    why = NULL;
    if (s->units[i].status == STAGE_RUNNING && !s->units[i].stopped && group_cancelled(&c->groups[i], &why)) {
      note_cancelled(c, why);
      sched_stop_unit(s, i, why);
    }
    free(why);
  }
}

static GoDecision decide(void *ctx, Scheduler *s, int i, char **reason) {
  RunCtx *c = ctx;
  ensure_units(c, s->n);
  Unit *u = &s->units[i];
  const StageState *ss = c->resumed ? run_state_stage(c->resumed, u->name) : NULL;
  /* one stage of a run (--only, --run-id): what it reads comes from the run's journal */
  if (c->joined && s->only && !rollback_restore_from_run(c->I, c->prog, u->stage, c->resumed, reason)) return GO_FAIL;
  if (ss && ss->status && !strcmp(ss->status, "ok")) {
    /* outputs that held a secret were journaled masked: the stage runs
     * again to have them, rather than hand *** to the stages after it */
    if (ss->secret_outputs.kind != V_LIST || !list_len(ss->secret_outputs)) {
      value_release(u->outputs);
      u->outputs = value_retain(ss->outputs);
      if (c->dry_run && stage_environment(u->stage, u->vars)) remember_done_dry_deploy(c, u);
      return GO_DONE;
    }
    say(s, u, "rp: running again: its outputs held a secret, which the journal does not keep");
  }
  if (!u->stage->environment) {
    GoDecision d = u->stage->cache ? look_up_cache(c, s, u, i, reason) : GO_RUN;
    return d == GO_RUN ? enter_stage_group(c, s, i, reason) : d;
  }
  const char *name = stage_environment(u->stage, u->vars);
  const Environment *env = name ? program_environment(c->prog, name) : NULL;
  if (!env && stage_matrix_axis(u->stage, u->stage->environment->as.attr.ref.name)) { /* bound by the matrix */
    Value v = map_get(u->vars, u->stage->environment->as.attr.ref.name);
    char *text = value_to_cstr(v);
    *reason = xasprintf("no environment named '%s' (the matrix value of its environment)", text);
    free(text);
    return GO_FAIL;
  }
  if (!env) return GO_RUN;
  char *err = NULL;
  c->versions[i] = unit_version(c, u, name, &err);
  if (err) {
    *reason = xasprintf("cannot tell the version to deploy: %s", err);
    free(err);
    return GO_FAIL;
  }
  c->targets[i] = deploy_target(c, env, reason);
  if (!c->targets[i] || !ref_allowed(c, env, reason) ||
      !promotion_allowed(c, s, u, env, c->versions[i], reason) || !rollback_ready(c, u, name, reason))
    return GO_FAIL;
  if (env->approval) {
    GoDecision g = c->dry_run ? pass_gate_dry(s, u, env, c->versions[i])
                              : pass_gate(c, s, u, env, c->versions[i], reason);
    if (g != GO_RUN) return g;
  }
  GoDecision g = enter_stage_group(c, s, i, reason);
  if (g != GO_RUN) return g;
  Value lock = setting(c->I, &env->items, "lock");
  bool locking = !c->dry_run && !(lock.kind == V_BOOL && !lock.as.b);
  value_release(lock);
  if (locking) {
    LockWaiter w = {u->name, s->rep};
    LockResult r = store_lock_env(c->store, &c->locks[i], c->targets[i], c->journal->run_id, c->lock_wait_ms,
                                  on_lock_wait, &w, &err);
    if (r != LOCK_ACQUIRED) {
      *reason = err;
      return GO_FAIL;
    }
  }
  return GO_RUN;
}

/* ---- artifacts ---- */

typedef struct RunAndScheduler {
  RunCtx *c;
  Scheduler *s;
} RunAndScheduler;

static bool ran_here(void *ctx, const char *unit) {
  RunCtx *c = ((RunAndScheduler *)ctx)->c;
  Scheduler *s = ((RunAndScheduler *)ctx)->s;
  for (int k = 0; k < s->n && k < c->nunits; k++)
    if (c->started[k] && !strcmp(s->units[k].name, unit)) return true;
  return false;
}

static bool needs_artifacts(const RunCtx *c, const Stage *st) {
  for (int k = 0; st->needs && k < st->needs->as.attr.nnames; k++) {
    int at = program_stage_index(c->prog, st->needs->as.attr.names[k].name);
    if (at >= 0 && c->prog->stages[at]->as.stage->artifact) return true;
  }
  return false;
}

/* A stage about to run receives the artifacts of its needs. */
static GoDecision before(void *ctx, Scheduler *s, int i, char **reason) {
  RunCtx *c = ctx;
  GoDecision go = decide(ctx, s, i, reason);
  Unit *u = &s->units[i];
  if (go != GO_RUN || !needs_artifacts(c, u->stage)) return go;
  if (c->dry_run) {
    say(s, u, "rp: dry run: would unpack the artifacts of the stages it needs");
    return go;
  }
  char *dir = interp_pipeline_dir(c->I), *note = NULL;
  RunAndScheduler both = {c, s};
  bool ok = artifact_receive(c->store, c->journal, c->prog, u->stage, dir, ran_here, &both, &note, reason);
  if (note) say(s, u, "%s", note);
  free(note);
  free(dir);
  return ok ? GO_RUN : GO_FAIL;
}

/* A stage that succeeded keeps its artifact; a dry run's made no files. */
static bool succeeded(void *ctx, Scheduler *s, int i, char **reason) {
  RunCtx *c = ctx;
  Unit *u = &s->units[i];
  if (!u->stage->artifact) return true;
  if (c->dry_run) {
    say(s, u, "rp: dry run: would keep its artifact");
    return true;
  }
  char *dir = interp_pipeline_dir(c->I), *note = NULL;
  bool ok = artifact_keep(c->store, artifact_registry(c->prog), c->journal, u, dir, &note, reason);
  if (note) say(s, u, "%s", note);
  free(note);
  free(dir);
  return ok;
}

static bool started(void *ctx, Scheduler *s, int i) {
  RunCtx *c = ctx;
  ensure_units(c, s->n);
  c->started[i] = monotonic_seconds();
  char *err = NULL;
  return kept(c, s, journal_stage_started(c->journal, s->units[i].name, s->units[i].attempts, &err), &err);
}

static void forked(void *ctx) { journal_forget(((RunCtx *)ctx)->journal); }

/* Who approved deploys to `env` in this run, for the history. */
static Value approvers(RunCtx *c, const char *env) {
  Value out = v_list();
  RunState r;
  if (!replay_reviewed(c, &r)) return out;
  for (size_t i = 0; i < r.ndecisions; i++)
    if (r.decisions[i].approved && !r.decisions[i].ignored && !strcmp(r.decisions[i].env, env))
      list_push(out, v_cstr(r.decisions[i].by));
  run_state_free(&r);
  return out;
}

static char *url_text(Interp *I, Value v) {
  if (v.kind != V_STRING || value_is_secret(v) || secrets_held_by(interp_secrets(I), v)) return NULL;
  return xstrdup(str_chars(v));
}

char *deploy_url(Interp *I, const Program *p, const char *env_name, Value outputs) {
  Value own = outputs.kind == V_MAP ? map_get(outputs, "url") : V_NULL_VALUE;
  if (own.kind != V_NULL) return url_text(I, own);
  const Environment *env = env_name ? program_environment(p, env_name) : NULL;
  const Node *setting = env ? settings_get(&env->items, "url") : NULL;
  Value v;
  if (!setting) return NULL;
  if (!interp_eval(I, NULL, setting, &v)) { /* the stage ran: its URL is only shown */
    interp_clear_error(I);
    return NULL;
  }
  char *url = url_text(I, v);
  value_release(v);
  return url;
}

/* The history entry of the deploy unit i ran (a new map). */
static Value deploy_entry(RunCtx *c, Unit *u, int i, bool ok) {
  const char *env = stage_environment(u->stage, u->vars);
  Value who = approvers(c, env);
  const char **names = xcalloc(list_len(who) + 1, sizeof *names);
  for (size_t k = 0; k < list_len(who); k++) names[k] = str_chars(list_get(who, k));
  Value sha = map_get(c->event, "sha");
  Value outputs = rollback_outputs_to_record(c->I, c->prog, u->stage);
  char *url = deploy_url(c->I, c->prog, stage_environment(u->stage, u->vars), u->outputs);
  Deploy d = {c->targets[i], c->versions[i], c->journal->run_id, sha.kind == V_STRING ? str_chars(sha) : NULL, c->actor,
              names, list_len(who), 0, ok, c->rollback_env && !strcmp(c->rollback_env, env), c->force_promotion,
              outputs, url};
  Value entry = history_entry(&d);
  free(url);
  free(names);
  value_release(who);
  value_release(outputs);
  return entry;
}

static bool record_ephemeral(RunCtx *c, const Environment *env, const char *version, char **err) {
  if (!is_ephemeral(c, env)) return true;
  Value pr = map_get(c->event, "pr");
  Value action = pr.kind == V_MAP ? map_get(pr, "action") : V_NULL_VALUE;
  bool closing = action.kind == V_STRING && !strcmp(str_chars(action), "closed");
  char *instance = ephemeral_instance(c, env);
  Value rec = v_map();
  map_set(rec, "instance", v_cstr(instance));
  map_set(rec, "state", v_cstr(closing ? "removed" : "active"));
  map_set(rec, "version", version ? v_cstr(version) : V_NULL_VALUE);
  map_set(rec, "run", v_cstr(c->journal->run_id));
  map_set(rec, "at", v_str_take(state_format_time(state_now_ms())));
  bool ok = store_append(c->store, SPACE_EPHEMERAL, env->name, rec, STORE_SYNCED, err);
  value_release(rec);
  free(instance);
  return ok;
}

bool ephemeral_active(Store *store, const char *env, Value *out, char **err) {
  StateRead rd;
  if (!store_read(store, SPACE_EPHEMERAL, env, &rd, err)) return false;
  /* the last record of each instance decides */
  Value last = v_map();
  for (size_t i = 0; i < list_len(rd.records); i++) {
    Value rec = list_get(rd.records, i), inst = map_get(rec, "instance");
    if (inst.kind == V_STRING) {
      map_delete(last, str_chars(inst)); /* re-inserted last: newest order */
      map_set(last, str_chars(inst), value_retain(rec));
    }
  }
  *out = v_list();
  Map *m = as_map(last);
  for (size_t i = m->n; i-- > 0;) {
    Value st = map_get(m->vals[i], "state");
    if (st.kind == V_STRING && !strcmp(str_chars(st), "active")) list_push(*out, value_retain(m->vals[i]));
  }
  value_release(last);
  value_release(rd.records);
  return true;
}

/* A `cache` stage that ran and succeeded: its key, run and outputs, for
 * the runs after it (a dry run's stages did not really run). */
static void record_cache(RunCtx *c, Scheduler *s, Unit *u, int i) {
  if (!c->cache_keys[i] || !c->started[i] || u->status != STAGE_OK || c->dry_run) return;
  const char *refused = cache_refusal(u);
  char *err = NULL;
  if (refused) say(s, u, "rp: not cached: %s", refused);
  else kept(c, s, cache_record(c->store, u, c->cache_keys[i], c->journal->run_id, u->outputs, &err), &err);
}

static void finished(void *ctx, Scheduler *s, int i, const char *reason) {
  RunCtx *c = ctx;
  ensure_units(c, s->n);
  Unit *u = &s->units[i];
  const char *status = stage_status_name(u->status);
  int64_t ms = c->started[i] ? (int64_t)((monotonic_seconds() - c->started[i]) * 1000) : 0;
  char *err = NULL;
  /* the journal outlives the run and `rp status` shows it: what the stage
   * produced is kept masked, and a resumed run runs a stage again when
   * some of its outputs held a secret */
  Value outputs = secrets_mask_value(interp_secrets(c->I), u->outputs);
  Value secret = sched_secret_outputs(u->outputs);
  char *error = secrets_mask(interp_secrets(c->I), reason);
  /* a deploy that ran (not one refused at its gate) goes into the history,
   * and into the journal first: a resume writes the history if rp died
   * in between (deploy_recover_history); a dry run's only into this run's
   * memory, for `after` later in the run */
  bool ran = u->stage->environment && c->started[i];
  Value deploy = ran && !c->dry_run && c->versions[i] ? deploy_entry(c, u, i, u->status == STAGE_OK) : V_NULL_VALUE;
  /* a deploy's record must survive a power cut: the history depends on it */
  bool ok = journal_stage_finished(c->journal, u->name, status, outputs, secret, error, ms, deploy, &err) &&
            (!u->stage->environment || journal_sync(c->journal, &err));
  ok = kept(c, s, ok, &err);
  value_release(outputs);
  value_release(secret);
  free(error);
  if (ok && deploy.kind == V_MAP) ok = kept(c, s, history_append(c->store, deploy, &err), &err);
  if (ok && deploy.kind == V_MAP) record_deploy(s, u, deploy);
  if (ok) record_cache(c, s, u, i);
  Value url = deploy.kind == V_MAP ? map_get(deploy, "url") : V_NULL_VALUE;
  const char *bound = stage_environment(u->stage, u->vars);
  const Environment *env = bound ? program_environment(c->prog, bound) : NULL;
  if (ok && env && ran && u->status == STAGE_OK) {
    if (!c->dry_run && s->rep)
      report_deploy(s->rep, u->name, c->targets[i], c->versions[i], is_str(url) ? str_chars(url) : NULL);
    if (!c->dry_run && is_str(url)) kept(c, s, ci_write_environment_url(str_chars(url), &err), &err);
    if (!c->dry_run) kept(c, s, record_ephemeral(c, env, c->versions[i], &err), &err);
    else if (c->versions[i]) remember_dry_deploy(c, env->name, c->versions[i]);
  }
  value_release(deploy);
  store_unlock(c->store, &c->locks[i]);
  group_leave(&c->groups[i]);
  group_free(&c->groups[i]);
}

bool deploy_recover_history(Store *store, const RunState *r, char **err) {
  for (size_t i = 0; i < r->nstages; i++) {
    Value d = r->stages[i].deploy;
    if (d.kind != V_MAP) continue;
    Value env = map_get(d, "env"), version = map_get(d, "version");
    if (!is_str(env)) continue;
    bool there = false;
    if (!history_has_run(store, str_chars(env), r->id, is_str(version) ? str_chars(version) : NULL, &there, err))
      return false;
    if (there) continue;
    if (!history_append(store, d, err)) return false;
    fprintf(stderr, "rp: wrote the deploy of %s to %s into the history: the run had stopped before it could\n",
           is_str(version) ? str_chars(version) : "(no version)", str_chars(env));
  }
  return true;
}

void deploy_attach(RunCtx *c, Scheduler *s) {
  c->dry_deploys = v_map();
  s->hooks = (SchedHooks){c, before, started, forked, finished, watch, succeeded};
}

void deploy_release(RunCtx *c) {
  for (int i = 0; i < c->nunits; i++) {
    store_unlock(c->store, &c->locks[i]);
    free(c->versions[i]);
    free(c->targets[i]);
    free(c->cache_keys[i]);
    group_leave(&c->groups[i]);
    group_free(&c->groups[i]);
  }
  if (c->group) group_leave(c->group);
  free(c->groups);
  free(c->cancelled);
  free(c->locks);
  free(c->versions);
  free(c->targets);
  free(c->cache_keys);
  free(c->started);
  value_release(c->dry_deploys);
  free(c->write_error);
}
