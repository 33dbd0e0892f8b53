/* group.c — concurrency groups as a log in the state (run/group.h). */
#include "run/group.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/codec.h"
#include "run/journal.h"
#include "run/sched.h"

/* A group's name is the pipeline's (its branch part attacker-chosen); its
 * log's name must be a safe file and ref name, and two groups must never
 * share one: every byte other than [A-Za-z0-9.-] becomes _XX (so does a
 * leading '.'), and a name too long for a file becomes its digest. */
static char *log_name(const char *group) {
  Buf b = {0};
  for (const unsigned char *p = (const unsigned char *)group; *p; p++) {
    bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
                 (*p == '.' && p != (const unsigned char *)group);
    if (plain) buf_putc(&b, (char)*p);
    else buf_printf(&b, "_%02x", *p);
  }
  if (b.len && b.len <= 128) return b.data;
  buf_free(&b);
  char *d = sha256_digest(group, strlen(group)), *name = xasprintf("_%s", d + strlen("sha256:"));
  free(d);
  return name;
}

void group_init(Group *g, Store *store, const char *name, const char *run, const char *member, bool cancel_in_progress) {
  memset(g, 0, sizeof *g);
  g->store = store;
  g->name = xstrdup(name);
  g->log = log_name(name);
  g->run = xstrdup(run);
  g->member = xstrdup(member);
  g->cancel_in_progress = cancel_in_progress;
}

void group_free(Group *g) {
  free(g->name);
  free(g->log);
  free(g->run);
  free(g->member);
  memset(g, 0, sizeof *g);
}

static Value record(const Group *g, const char *kind, const char *member, const char *run) {
  Value r = v_map();
  map_set(r, "kind", v_cstr(kind));
  map_set(r, "group", v_cstr(g->name));
  map_set(r, "member", v_cstr(member));
  map_set(r, "run", v_cstr(run));
  map_set(r, "at", v_str_take(state_format_time(state_now_ms())));
  return r;
}

static bool append(Group *g, Value r, char **err) {
  bool ok = store_append(g->store, SPACE_GROUPS, g->log, r, STORE_SYNCED, err);
  value_release(r);
  return ok;
}

bool group_arrive(Group *g, char **err) {
  Value r = record(g, "arrived", g->member, g->run);
  map_set(r, "cancel_in_progress", v_bool(g->cancel_in_progress));
  char *host = state_hostname();
  map_set(r, "host", v_str_take(host));
  map_set(r, "pid", v_int(getpid()));
  g->arrived = append(g, r, err);
  return g->arrived;
}

void group_leave(Group *g) {
  if (!g->arrived) return;
  char *err = NULL;
  if (!append(g, record(g, "left", g->member, g->run), &err)) free(err); /* its run's end writes it off anyway */
  g->arrived = false;
}

/* ---- replaying the log ---- */

typedef struct Member {
  const char *id, *run; /* borrowed from the records */
  int inside;           /* arrivals not yet matched by a departure */
  const char *cancelled_by;
} Member;

static const char *field(Value rec, const char *key) {
  Value v = map_get(rec, key);
  return v.kind == V_STRING ? str_chars(v) : NULL;
}

static Member *find(Member *ms, size_t n, const char *id) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(ms[i].id, id)) return &ms[i];
  return NULL;
}

/* A new arrival from `run`: with cancel_in_progress every member still
 * there is cancelled; without, every one but the first (the one running,
 * or next to run), so that at most one waits. */
static void arrive(Member *ms, size_t n, const char *run, bool cancel_in_progress) {
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    if (!ms[i].inside || ms[i].cancelled_by) continue;
    if (cancel_in_progress || !first) ms[i].cancelled_by = run;
    first = false;
  }
}

/* The members in order of first arrival (*n of them; free the array). */
static Member *replay(Value records, size_t *n) {
  Member *ms = NULL;
  size_t cap = 0;
  *n = 0;
  for (size_t i = 0; i < list_len(records); i++) {
    Value rec = list_get(records, i);
    const char *kind = field(rec, "kind"), *id = field(rec, "member"), *run = field(rec, "run");
    if (!kind || !id || !run) continue;
    Member *m = find(ms, *n, id);
    if (!strcmp(kind, "arrived")) {
      if (m && !m->inside) { /* back (rp resume, a later job of the run): last in line, cancelling no one */
        Member back = *m;
        memmove(m, m + 1, sizeof *m * (size_t)(ms + *n - (m + 1)));
        ms[*n - 1] = back;
        m = &ms[*n - 1];
      }
      if (m) { /* another job of the same run is no newer arrival */
        m->inside++;
        continue;
      }
      arrive(ms, *n, run, value_truthy(map_get(rec, "cancel_in_progress")));
      Member nm = {id, run, 1, NULL};
      VEC_PUSH(ms, *n, cap, nm);
    } else if (!strcmp(kind, "left") && m) {
      m->inside = value_truthy(map_get(rec, "all")) || m->inside <= 1 ? 0 : m->inside - 1;
    }
  }
  return ms;
}

/* A member whose run nobody drives any more left without saying so. */
static bool write_off(Group *g, const Member *m, char **err) {
  Value r = record(g, "left", m->id, m->run);
  map_set(r, "all", v_bool(true));
  map_set(r, "reason", v_cstr("its run's driver is gone"));
  return append(g, r, err);
}

GroupTurn group_turn(Group *g, char **who, char **err) {
  *who = NULL;
  StateRead rd;
  if (!store_read(g->store, SPACE_GROUPS, g->log, &rd, err)) return GROUP_ERROR;
  size_t n;
  Member *ms = replay(rd.records, &n);
  Member *me = find(ms, n, g->member);
  GroupTurn t = GROUP_GO;
  if (me && me->cancelled_by) {
    *who = xstrdup(me->cancelled_by);
    t = GROUP_CANCELLED;
  }
  for (Member *m = ms; t == GROUP_GO && me && m < me; m++) {
    if (!m->inside) continue;
    /* a state that cannot tell: wait rather than run beside it */
    if (strcmp(m->run, g->run) && !journal_owner_alive(g->store, m->run, true)) {
      if (!write_off(g, m, err)) t = GROUP_ERROR;
      continue;
    }
    *who = xstrdup(m->run);
    t = GROUP_WAIT;
  }
  free(ms);
  value_release(rd.records);
  return t;
}

char *group_cancel_reason(const Group *g, const char *by) {
  return xasprintf("cancelled by run %s (concurrency group %s)", by, g->name);
}

bool group_from_node(Group *g, Interp *I, Value vars, const Node *n, Store *store, const char *run, const char *member,
                     char **err) {
  Value v;
  if (!interp_eval_with(I, vars, n->as.conc.group, &v)) {
    *err = xasprintf("concurrency group: %s", interp_last_error(I)->msg);
    interp_clear_error(I);
    return false;
  }
  bool ok = v.kind == V_STRING && *str_chars(v);
  if (!ok) *err = xasprintf("a concurrency group is a string that is not empty, not %s", value_type_name(v));
  const Node *cancel = settings_get(&n->as.conc.settings, "cancel_in_progress");
  if (ok) group_init(g, store, str_chars(v), run, member, cancel && cancel->kind == N_BOOL && cancel->as.b);
  value_release(v);
  return ok;
}

GroupTurn group_enter(Group *g, GroupSay say, void *ctx, char **who, char **err) {
  *who = NULL;
  if (!group_arrive(g, err)) return GROUP_ERROR;
  char *told = NULL;
  for (;;) {
    GroupTurn t = group_turn(g, who, err);
    if (t != GROUP_WAIT) {
      free(told);
      return t;
    }
    if (!told || strcmp(told, *who)) {
      char *text = xasprintf("rp: waiting in concurrency group %s for run %s", g->name, *who);
      say(ctx, text);
      free(text);
      free(told);
      told = *who;
    } else {
      free(*who);
    }
    *who = NULL;
    if (sched_cancel_requested()) {
      free(told);
      *err = xasprintf("cancelled while waiting in concurrency group %s", g->name);
      return GROUP_ERROR;
    }
    state_sleep_ms(SCHED_WATCH_MS);
  }
}
