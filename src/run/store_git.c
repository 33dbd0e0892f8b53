/* store_git.c — the git backend: rp's state under refs/rp/ of a repository.
 *
 * Each log is one ref holding one file, `log.ndjson`, the same lines the
 * directory backend writes; each lock is a lease, one ref holding
 * `lease.json`. Refs (doc/state.md, "The git backend"):
 *   refs/rp/runs/<RUN_ID>      a run's journal
 *   refs/rp/history/<ENV>      deploys to ENV
 *   refs/rp/ephemeral/<ENV>    ENV's instances
 *   refs/rp/groups/<GROUP>     a concurrency group's arrivals and departures
 *   refs/rp/locks/<ENV>        ENV's deploy lease
 *   refs/rp/owners/<RUN_ID>    the lease of the process driving a run
 *   refs/rp/decisions/<RUN_ID> held while one decision is taken at its gate
 *   refs/rp/artifacts/<RUN_ID>/<NAME>  an artifact's archive (artifact.tar)
 * Every change is a commit on the ref's tip pushed without force; when
 * someone moved the ref first, the push is refused, the ref fetched again
 * and the change re-applied on the new tip. Lazy records wait in memory
 * for the next append to the same log; written ones (a stage's end) go to
 * a pusher process that pushes them while the run goes on, several in one
 * commit when they come faster than pushes; a synced append, a read, a
 * lease's release and the end of the process first wait for it. */
#include "run/store.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/codec.h"
#include "prim/git.h"

/* A waiter's place in line lasts a lease and PLACE_SLACK_MS more: a busy
 * machine renewing it late keeps it; a dead waiter holds the line no longer. */
enum { WRITE_TRIES = 50, FRESH_MS = 500, PLACE_SLACK_MS = 10000 };

typedef struct GitStore {
  GitCtx *ctx;
  GitRefStore *rs;
  char *url, *cache; /* to open the cache again in a keeper */
  char *user;       /* with the token, from git's credential helper, or NULL */
  char *token;      /* RP_STATE_TOKEN, or the helper's password; never shown */
  Value pending;    /* ref -> list of records not pushed yet */
  Value fetched;    /* ref or "prefix*" -> when it was last fetched (ms) */
  int64_t lease_ms; /* a lease's length; renewed every third of it */
  int pusher;       /* a socket to the pusher process, or -1 before it is needed */
  pid_t pusher_pid;
  size_t in_flight; /* batches handed to it and not answered yet */
  char *push_err;   /* why one failed: every later append fails with it */
} GitStore;

/* What a FileLock holds on this backend. */
typedef struct Lease {
  char *ref;
  char *run;     /* the run it is held for */
  char *holder;  /* this holder's random id, in the lease */
  pid_t keeper;  /* the process renewing it, or 0 */
} Lease;

static GitStore *G(Store *s) { return s->impl; }

static const char *const space_refs[] = {"refs/rp/runs/", "refs/rp/history/", "refs/rp/ephemeral/", "refs/rp/cache/",
                                         "refs/rp/groups/"};
static const char *const lock_refs[] = {"refs/rp/owners/", "refs/rp/decisions/", "refs/rp/locks/"};

static char *log_ref(StoreSpace sp, const char *name) { return xasprintf("%s%s", space_refs[sp], name); }

/* A GitErr as *err (taken). */
static bool failed(GitErr *ge, char **err) {
  *err = ge->msg ? ge->msg : xstrdup("git error");
  ge->msg = NULL;
  gitp_err_free(ge);
  return false;
}

/* ---- fetching ---- */

/* Whether `ref` was fetched a moment ago, alone or by a glob covering it
 * (all of refs/rp/, or all runs): reads within one command need not
 * fetch it again. Writes never go by it (they are compare-and-swap). */
static bool fresh(GitStore *g, const char *ref) {
  int64_t now = state_now_ms();
  Map *m = (Map *)g->fetched.as.obj;
  for (size_t i = 0; i < m->n; i++) {
    const char *key = m->keys[i]->data;
    size_t n = strlen(key);
    bool covers = !strcmp(key, ref) || (n && key[n - 1] == '*' && !strncmp(key, ref, n - 1));
    if (covers && now - m->vals[i].as.i < FRESH_MS) return true;
  }
  return false;
}

static bool fetch(GitStore *g, const char *ref, char **err) {
  GitErr ge = {0};
  if (!gitp_refstore_fetch(g->rs, ref, &ge)) return failed(&ge, err);
  map_set(g->fetched, ref, v_int(state_now_ms()));
  return true;
}

/* Every log and lease, at once: artifacts (refs/rp/artifacts/) are
 * fetched one at a time, by the stages that need them. */
static bool fetch_all(GitStore *g, GitErr *ge) {
  enum { NS = sizeof space_refs / sizeof *space_refs, NL = sizeof lock_refs / sizeof *lock_refs };
  char *globs[NS + NL];
  for (size_t i = 0; i < NS + NL; i++) globs[i] = xasprintf("%s*", i < NS ? space_refs[i] : lock_refs[i - NS]);
  bool ok = gitp_refstore_fetch_all(g->rs, (const char *const *)globs, NS + NL, ge);
  for (size_t i = 0; i < NS + NL; i++) free(globs[i]);
  return ok;
}

/* Reads file `path` at `ref` as this cache has it. */
static bool read_local(GitStore *g, const char *ref, const char *path, char **data, size_t *len, char **tip,
                       char **err) {
  GitErr ge = {0};
  return gitp_refstore_read(g->rs, ref, path, data, len, tip, &ge) || failed(&ge, err);
}

/* ---- writing: compare and swap, re-applied until it lands ---- */

/* Makes the new content of a file from its current one (NULL: none). */
typedef bool (*Change)(const char *old, size_t len, Buf *out, void *ctx, char **err);

/* Applies `change` to `path` at `ref` and pushes; when the remote moved,
 * fetches and applies it again to what it has now. */
static bool update(GitStore *g, const char *ref, const char *path, const char *message, Change change, void *ctx,
                   char **err) {
  for (int tries = 0;; tries++) {
    char *old = NULL, *tip = NULL;
    size_t len = 0;
    Buf out = {0};
    GitErr ge = {0};
    bool ok = read_local(g, ref, path, &old, &len, &tip, err) && change(old, len, &out, ctx, err);
    bool same = ok && (old ? out.len == len && !memcmp(out.data, old, len) : !out.len);
    bool pushed = ok && (same || gitp_refstore_write(g->rs, ref, tip, path, out.data ? out.data : "", out.len, message, &ge));
    free(old);
    free(tip);
    buf_free(&out);
    if (pushed) return true;
    if (!ok) return false;
    if (ge.kind != GIT_ERR_REMOTE_MOVED || tries == WRITE_TRIES) return failed(&ge, err);
    gitp_err_free(&ge);
    if (!fetch(g, ref, err)) return false;
    if (tries > 2) state_sleep_ms(5 + rand() % (10 * tries)); /* many writers at once: spread them */
  }
}

/* The log so far, then `lines` (a Buf of records, one a line). */
static bool add_lines(const char *old, size_t len, Buf *out, void *ctx, char **err) {
  (void)err;
  const Buf *lines = ctx;
  while (old && len && old[len - 1] != '\n') len--; /* an incomplete last line goes, as in files */
  if (old) buf_putn(out, old, len);
  buf_putn(out, lines->data ? lines->data : "", lines->len);
  return true;
}

static void encode_lines(Value records, Buf *out) {
  for (size_t i = 0; i < list_len(records); i++) {
    json_encode(list_get(records, i), out, false);
    buf_putc(out, '\n');
  }
}

static bool push_lines(GitStore *g, const char *ref, const Buf *lines, char **err) {
  size_t n = 0;
  for (size_t i = 0; i < lines->len; i++) n += lines->data[i] == '\n';
  char *msg = xasprintf("rp: %zu record%s", n, n == 1 ? "" : "s");
  bool ok = update(g, ref, "log.ndjson", msg, add_lines, (void *)lines, err);
  free(msg);
  return ok;
}

static bool push_records(GitStore *g, const char *ref, Value records, char **err) {
  Buf lines = {0};
  encode_lines(records, &lines);
  bool ok = push_lines(g, ref, &lines, err);
  buf_free(&lines);
  return ok;
}

/* ---- the pusher: written records pushed while the run goes on ----
 * A process of its own (a thread would share libgit2's locks with the
 * stages forked beside it), in a process group of its own and not killed
 * with rp: what it was handed is pushed even when rp is killed, so a
 * written record survives kill -9 as in a file. It reads batches
 * ("REFLEN DATALEN\nREF" then the lines), pushes what has come for each
 * ref in one commit, and answers "COUNT ok" or "COUNT <why>" per round. */

static bool send_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w, n -= (size_t)w;
  }
  return true;
}

/* Reads what the socket has into `in`; false at its end or on an error. */
static bool read_more(int fd, Buf *in) {
  char chunk[65536];
  ssize_t r;
  while ((r = read(fd, chunk, sizeof chunk)) < 0 && errno == EINTR) {
  }
  if (r <= 0) return false;
  buf_putn(in, chunk, (size_t)r);
  return true;
}

static bool readable(int fd, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, timeout_ms) > 0;
}

/* The batch at `at` of `in`: its ref and lines, and where the next starts;
 * false while it has not all come. */
static bool next_batch(const Buf *in, size_t at, char **ref, Buf *lines, size_t *next) {
  const char *p = in->data + at, *nl = memchr(p, '\n', in->len - at);
  size_t reflen = 0, len = 0;
  if (!nl || sscanf(p, "%zu %zu", &reflen, &len) != 2) return false;
  size_t head = (size_t)(nl + 1 - p);
  if (in->len - at < head + reflen + len) return false;
  *ref = xstrndup(nl + 1, reflen);
  buf_putn(lines, nl + 1 + reflen, len);
  *next = at + head + reflen + len;
  return true;
}

typedef struct Batches {
  char **refs;
  Buf *lines;
  size_t n, cap, count;
} Batches;

/* Takes every complete batch of `in` into `b`, the lines of one ref together. */
static void take_batches(Buf *in, Batches *b) {
  size_t at = 0, next = 0;
  char *ref = NULL;
  Buf lines = {0};
  while (at < in->len && next_batch(in, at, &ref, &lines, &next)) {
    size_t i = 0;
    while (i < b->n && strcmp(b->refs[i], ref)) i++;
    if (i == b->n) {
      VEC_PUSH(b->refs, b->n, b->cap, ref);
      b->lines = xrealloc(b->lines, b->cap * sizeof *b->lines);
      b->lines[i] = (Buf){0};
    } else {
      free(ref);
    }
    buf_putn(&b->lines[i], lines.data, lines.len);
    lines.len = 0;
    b->count++;
    at = next;
  }
  buf_free(&lines);
  memmove(in->data, in->data + at, in->len - at);
  in->len -= at;
}

static void pusher_main(GitStore *g, int fd) {
  Buf in = {0};
  char *failed = NULL; /* after a failure nothing more is pushed: no record lands after a lost one */
  for (;;) {
    Batches b = {0};
    bool more = true;
    while (more && !b.count) {
      more = read_more(fd, &in);
      while (more && readable(fd, 0)) more = read_more(fd, &in); /* all that came meanwhile */
      take_batches(&in, &b);
    }
    if (!b.count) _exit(0);
    for (size_t i = 0; i < b.n; i++) {
      char *err = NULL;
      if (!failed && !push_lines(g, b.refs[i], &b.lines[i], &err)) failed = err;
      free(b.refs[i]);
      buf_free(&b.lines[i]);
    }
    char *answer = xasprintf("%zu %s\n", b.count, failed ? failed : "ok");
    for (char *p = answer; p[1]; p++)
      if (*p == '\n' || *p == '\r') *p = ' ';
    send_all(fd, answer, strlen(answer));
    free(answer);
    free(b.refs);
    free(b.lines);
  }
}

static bool start_pusher(GitStore *g) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return false;
  pid_t pid = fork();
  if (pid < 0) {
    close(sv[0]), close(sv[1]);
    return false;
  }
  if (pid == 0) {
    setpgid(0, 0); /* not killed with rp's process group: it finishes what it was handed */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    close(sv[0]);
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3 && null >= 0; fd++) dup2(null, fd); /* holds no caller's pipe open */
    GitErr ge = {0};
    if (!(g->rs = gitp_refstore_open(g->ctx, g->cache, g->url, g->user, g->token, &ge))) _exit(1);
    pusher_main(g, sv[1]);
  }
  close(sv[1]);
  g->pusher = sv[0];
  g->pusher_pid = pid;
  return true;
}

/* One answer of the pusher: how many batches it took, and "ok" or why
 * they failed; false when it has gone. */
static bool read_answer(int fd, size_t *n, Buf *why) {
  char c = 0;
  ssize_t r = 0;
  while ((r = read(fd, &c, 1)) == 1 || (r < 0 && errno == EINTR))
    if (r == 1 && c == '\n') break;
    else if (r == 1) buf_putc(why, c);
  buf_putc(why, '\0');
  int used = 0;
  if (r != 1 || sscanf(why->data, "%zu %n", n, &used) != 1) return false;
  memmove(why->data, why->data + used, why->len - (size_t)used);
  return true;
}

/* Reads the pusher's answers: those there are, or (`wait`) until every
 * batch is answered. False with *err once one failed. */
static bool pusher_answers(GitStore *g, bool wait, char **err) {
  while (g->in_flight && !g->push_err && (wait || readable(g->pusher, 0))) {
    Buf why = {0};
    size_t n = 0;
    if (!read_answer(g->pusher, &n, &why) || n > g->in_flight) {
      char *shown = strip_userinfo(g->url);
      g->push_err = xasprintf("git:%s: the process pushing the state's records ended", shown);
      free(shown);
    } else {
      g->in_flight -= n;
      if (strcmp(why.data, "ok")) g->push_err = xstrdup(why.data);
    }
    buf_free(&why);
  }
  if (g->push_err) *err = xstrdup(g->push_err);
  return !g->push_err;
}

/* Hands `lines` for `ref` to the pusher, started on first use. *sent
 * false when there is none (then they are pushed here). */
static bool pusher_send(GitStore *g, const char *ref, const Buf *lines, bool *sent, char **err) {
  *sent = false;
  if (!pusher_answers(g, false, err)) return false;
  if (g->pusher < 0 && !start_pusher(g)) return true;
  char *head = xasprintf("%zu %zu\n%s", strlen(ref), lines->len, ref);
  bool ok = send_all(g->pusher, head, strlen(head)) && send_all(g->pusher, lines->data, lines->len);
  free(head);
  if (!ok) {
    char *shown = strip_userinfo(g->url);
    g->push_err = xasprintf("git:%s: the process pushing the state's records ended", shown);
    free(shown);
    *err = xstrdup(g->push_err);
    return false;
  }
  g->in_flight++;
  *sent = true;
  return true;
}

/* Waits until the pusher pushed all it was handed. */
static bool pusher_drain(GitStore *g, char **err) { return g->pusher < 0 || pusher_answers(g, true, err); }

static void pusher_stop(GitStore *g) {
  if (g->pusher < 0) return;
  shutdown(g->pusher, SHUT_WR); /* its end of input, though forked children hold the socket too */
  close(g->pusher);
  while (waitpid(g->pusher_pid, NULL, 0) < 0 && errno == EINTR) {
  }
  g->pusher = -1;
}

/* ---- logs ---- */

static bool git_exists(Store *s, StoreSpace sp, const char *name, bool *yes, char **err) {
  GitStore *g = G(s);
  char *ref = log_ref(sp, name), *data = NULL, *tip = NULL;
  size_t len;
  bool ok = pusher_drain(g, err) && (fresh(g, ref) || fetch(g, ref, err)) &&
            read_local(g, ref, "log.ndjson", &data, &len, &tip, err);
  *yes = ok && (tip || map_get(g->pending, ref).kind == V_LIST);
  free(data);
  free(tip);
  free(ref);
  return ok;
}

static bool git_create_run(Store *s, const char *id, bool *exists, char **err) {
  if (!git_exists(s, SPACE_RUNS, id, exists, err)) return false;
  if (*exists) {
    *err = xasprintf("%s: run %s exists already", s->spec, id);
    return false;
  }
  /* the first commit, on no parent: refused if another machine made it first */
  GitStore *g = G(s);
  char *ref = log_ref(SPACE_RUNS, id);
  GitErr ge = {0};
  /* a message no other creator writes: two identical root commits made in
   * the same second would both "land", and both processes start the run */
  char *host = state_hostname(), *at = state_format_time(state_now_ms());
  char *msg = xasprintf("rp: run created by pid %ld on %s at %s", (long)getpid(), host, at);
  bool ok = gitp_refstore_write(g->rs, ref, NULL, "log.ndjson", "", 0, msg, &ge);
  free(msg);
  free(at);
  free(host);
  if (!ok) {
    *exists = ge.kind == GIT_ERR_REMOTE_MOVED;
    if (*exists) {
      gitp_err_free(&ge);
      char *ferr = NULL;
      if (!fetch(g, ref, &ferr)) free(ferr); /* so that this cache sees it too */
      *err = xasprintf("%s: run %s exists already", s->spec, id);
    } else {
      failed(&ge, err);
    }
  }
  free(ref);
  return ok;
}

/* Written and synced are the same here: a pushed record is on another machine. */
static bool git_append(Store *s, StoreSpace sp, const char *name, Value records, Durability d, char **err) {
  GitStore *g = G(s);
  char *ref = log_ref(sp, name);
  Value waiting = map_get(g->pending, ref);
  if (waiting.kind != V_LIST) {
    waiting = v_list();
    map_set(g->pending, ref, waiting);
  }
  for (size_t i = 0; i < list_len(records); i++) list_push(waiting, value_retain(list_get(records, i)));
  bool ok = true, sent = false;
  if (d == STORE_WRITTEN) { /* pushed while the run goes on */
    Buf lines = {0};
    encode_lines(waiting, &lines);
    ok = pusher_send(g, ref, &lines, &sent, err);
    buf_free(&lines);
    if (sent) map_delete(g->pending, ref);
  }
  if (ok && !sent && d != STORE_LAZY) { /* what waited goes first, in one commit */
    ok = pusher_drain(g, err) && push_records(g, ref, waiting, err);
    if (ok) map_delete(g->pending, ref);
  }
  free(ref);
  return ok;
}

static bool git_flush(Store *s, StoreSpace sp, const char *name, char **err) {
  Value none = v_list();
  bool ok = git_append(s, sp, name, none, STORE_SYNCED, err);
  value_release(none);
  return ok;
}

static bool git_read(Store *s, StoreSpace sp, const char *name, StateRead *out, char **err) {
  GitStore *g = G(s);
  char *ref = log_ref(sp, name), *data = NULL;
  size_t len = 0;
  bool ok = pusher_drain(g, err) && (fresh(g, ref) || fetch(g, ref, err)) &&
            read_local(g, ref, "log.ndjson", &data, &len, NULL, err);
  if (ok) {
    state_read_init(out);
    if (data) state_parse(data, len, out);
    Value waiting = map_get(g->pending, ref); /* this process's own, not pushed yet */
    for (size_t i = 0; waiting.kind == V_LIST && i < list_len(waiting); i++)
      list_push(out->records, value_retain(list_get(waiting, i)));
  }
  free(data);
  free(ref);
  return ok;
}

static bool git_list(Store *s, StoreSpace sp, Value *out, char **err) {
  GitStore *g = G(s);
  char *glob = xasprintf("%s*", space_refs[sp]);
  bool ok = pusher_drain(g, err) && (fresh(g, glob) || fetch(g, glob, err));
  free(glob);
  GitStrs names = {0};
  GitErr ge = {0};
  if (ok && !gitp_refstore_list(g->rs, space_refs[sp], &names, &ge)) ok = failed(&ge, err);
  if (ok) {
    *out = v_list();
    for (size_t i = 0; i < names.n; i++)
      if (state_name_ok(names.items[i])) list_push(*out, v_cstr(names.items[i]));
  }
  gitp_strs_free(&names);
  return ok;
}

static char *git_where(Store *s, StoreSpace sp, const char *name) {
  char *ref = log_ref(sp, name), *w = xasprintf("%s %s", s->spec, ref);
  free(ref);
  return w;
}

/* ---- artifacts ---- */

/* libgit2 makes a blob from bytes in memory and hands one back whole:
 * an archive is held in memory while it is stored or fetched. */
static bool git_put_blob(Store *s, const char *run, const char *name, int fd, char **err) {
  GitStore *g = G(s);
  char *ref = xasprintf("refs/rp/artifacts/%s/%s", run, name);
  Buf data = {0};
  char chunk[1 << 16];
  ssize_t k = lseek(fd, 0, SEEK_SET) == 0 ? 1 : -1;
  while (k > 0 || (k < 0 && errno == EINTR))
    if ((k = read(fd, chunk, sizeof chunk)) > 0) buf_putn(&data, chunk, (size_t)k);
  GitErr ge = {0};
  bool ok = k == 0 || (*err = xasprintf("%s %s: %s", s->spec, ref, strerror(errno)), false);
  /* a first commit; a job run again replaces the archive it kept before */
  char *tip = NULL, *old = NULL;
  size_t len = 0;
  for (int tries = 0; ok; tries++) {
    if (gitp_refstore_write(g->rs, ref, tip, "artifact.tar", data.data ? data.data : "", data.len, "rp: artifact", &ge))
      break;
    if (ge.kind != GIT_ERR_REMOTE_MOVED || tries == WRITE_TRIES) ok = failed(&ge, err);
    else gitp_err_free(&ge);
    free(old), free(tip), old = tip = NULL;
    ok = ok && fetch(g, ref, err) && read_local(g, ref, "artifact.tar", &old, &len, &tip, err);
  }
  free(old);
  free(tip);
  buf_free(&data);
  free(ref);
  return ok;
}

static int git_get_blob(Store *s, const char *run, const char *name, char **err) {
  GitStore *g = G(s);
  char *ref = xasprintf("refs/rp/artifacts/%s/%s", run, name), *data = NULL;
  size_t len = 0;
  int fd = -1;
  if (fetch(g, ref, err) && read_local(g, ref, "artifact.tar", &data, &len, NULL, err)) { /* the start fetched none */
    if (!data) *err = xasprintf("%s %s: no such artifact", s->spec, ref);
    else if ((fd = store_tmpfile(err)) >= 0) {
      for (size_t off = 0; fd >= 0 && off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
          *err = xasprintf("a temporary file: %s", strerror(w < 0 ? errno : EIO));
          close(fd);
          fd = -1;
        } else off += (size_t)w;
      }
    }
  }
  free(data);
  free(ref);
  return fd;
}

/* ---- leases ---- */

typedef enum LeaseResult { LEASE_NONE, LEASE_BUSY, LEASE_TAKEN, LEASE_RENEWED, LEASE_RELEASED } LeaseResult;

typedef struct LeaseNote {
  GitStore *g;
  const char *run_id, *holder;
  bool take;          /* take it when free or expired (else wait in line), or only renew; */
  bool release;       /* or let it go; */
  bool leave;         /* or stop waiting for it */
  LeaseResult result; /* set: what was done */
  LockHolder was;     /* set: the live lease found, when another's */
  int64_t ticket;     /* this waiter's number in line, once it has one */
  int64_t placed;     /* set: its number in the line written, or 0 */
  int64_t next;       /* set: the number the next newcomer gets */
} LeaseNote;

static bool lease_live(Value l) { return l.kind == V_MAP && !value_truthy(map_get(l, "released")); }

static Value lease_parse(const char *text, size_t len) {
  Value v = V_NULL_VALUE;
  char *perr = NULL;
  if (text && !json_parse(text, len, &v, &perr)) v = V_NULL_VALUE;
  free(perr);
  return v;
}

static int64_t time_of(Value rec, const char *key) {
  int64_t ms = 0;
  const char *s = value_get_str(rec, key);
  if (s) state_parse_time(s, &ms);
  return ms;
}

static Value waiter(LeaseNote *n, int64_t ticket, int64_t now) {
  Value w = v_map();
  map_set(w, "holder", v_cstr(n->holder));
  map_set(w, "run", v_cstr(n->run_id ? n->run_id : ""));
  map_set(w, "ticket", v_int(ticket));
  map_set(w, "until", v_str_take(state_format_time(now + n->g->lease_ms + PLACE_SLACK_MS)));
  return w;
}

static int64_t ticket_of(Value w) {
  Value t = value_get(w, "ticket");
  return t.kind == V_INT ? t.as.i : 0;
}

/* The line of waiters in the order of their tickets, as this holder
 * leaves it: waiters that stopped renewing their place are dropped; this
 * one is dropped (`drop`), else added or its place renewed (`stay`). A
 * waiter keeps its ticket: one dropped while alive (a machine too busy to
 * renew in time) comes back to its place, not to the end of the line.
 * Sets n->placed (its ticket in the line, or 0) and n->next. */
static Value lease_line(LeaseNote *n, Value cur, bool drop, bool stay, bool *first, bool *changed) {
  int64_t now = state_now_ms(), mine = 0;
  bool in_line = false;
  Value line = v_list(), q = value_get(cur, "queue"), next = value_get(cur, "next");
  n->next = next.kind == V_INT && next.as.i > 0 ? next.as.i : 1;
  for (size_t i = 0; q.kind == V_LIST && i < list_len(q); i++) {
    Value w = list_get(q, i);
    const char *h = value_get_str(w, "holder");
    bool me = h && !strcmp(h, n->holder);
    if (ticket_of(w) >= n->next) n->next = ticket_of(w) + 1;
    if (me) mine = ticket_of(w), in_line = true;
    if (me && drop) *changed = true;
    else if (me && stay && time_of(w, "until") - now < n->g->lease_ms / 2 + PLACE_SLACK_MS)
      list_push(line, waiter(n, mine, now)), *changed = true;
    else if (!me && time_of(w, "until") <= now) *changed = true; /* it died waiting */
    else list_push(line, value_retain(w));
  }
  if (!in_line && stay) {
    in_line = true;
    mine = n->ticket ? n->ticket : n->next++;
    size_t at = 0;
    while (at < list_len(line) && ticket_of(list_get(line, at)) <= mine) at++;
    list_push(line, V_NULL_VALUE); /* shifted into place */
    for (size_t i = list_len(line) - 1; i > at; i--) list_set(line, i, value_retain(list_get(line, i - 1)));
    list_set(line, at, waiter(n, mine, now));
    *changed = true;
  }
  n->placed = drop ? 0 : mine;
  const char *head = list_len(line) ? value_get_str(list_get(line, 0), "holder") : NULL;
  *first = in_line && !drop && head && !strcmp(head, n->holder);
  return line;
}

static Value lease_note(LeaseNote *n, Value cur, bool released) {
  int64_t now = state_now_ms();
  Value note = v_map();
  map_set(note, "run", v_cstr(n->run_id ? n->run_id : ""));
  if (released) {
    map_set(note, "released", v_bool(true));
    map_set(note, "at", v_str_take(state_format_time(now)));
    return note;
  }
  map_set(note, "pid", v_int(getpid()));
  map_set(note, "host", v_str_take(state_hostname()));
  Value since = value_get(cur, "since");
  map_set(note, "since", n->result == LEASE_RENEWED && is_str(since) ? value_retain(since)
                                                                      : v_str_take(state_format_time(now)));
  map_set(note, "expires", v_str_take(state_format_time(now + n->g->lease_ms)));
  map_set(note, "holder", v_cstr(n->holder));
  return note;
}

/* The lease after this holder's turn, from the one there: taken, renewed,
 * released, or left to its holder (LEASE_NONE; LEASE_BUSY: this one
 * waits in its line). */
static bool lease_change(const char *old, size_t len, Buf *out, void *ctx, char **err) {
  (void)err;
  LeaseNote *n = ctx;
  Value cur = lease_parse(old, len);
  bool live = lease_live(cur);
  const char *holder = live ? value_get_str(cur, "holder") : NULL;
  bool ours = holder && !strcmp(holder, n->holder), first = false, changed = false;
  lock_holder_free(&n->was);
  if (live && !ours) lock_holder_from_note(cur, &n->was);
  bool free_now = !live || (!ours && n->was.expires_ms <= state_now_ms());
  bool waits = n->take && !ours && !n->release;
  Value line = lease_line(n, cur, n->leave, waits && !n->leave, &first, &changed);
  if (n->release) n->result = ours ? LEASE_RELEASED : LEASE_NONE;
  else if (ours) n->result = LEASE_RENEWED;
  else if (!n->take || n->leave) n->result = LEASE_NONE;
  else n->result = free_now && first ? LEASE_TAKEN : LEASE_BUSY;
  Value note;
  if (n->result == LEASE_TAKEN) { /* out of the line */
    value_release(line);
    line = lease_line(n, cur, true, false, &first, &changed);
  }
  if (n->result == LEASE_NONE || n->result == LEASE_BUSY) {
    note = changed ? (cur.kind == V_MAP ? map_copy(cur) : v_map()) : V_NULL_VALUE;
  } else {
    note = lease_note(n, cur, n->result == LEASE_RELEASED);
    changed = true;
  }
  if (changed) {
    if (list_len(line)) map_set(note, "queue", value_retain(line));
    else map_delete(note, "queue");
    map_set(note, "next", v_int(n->next));
    json_encode(note, out, false);
    buf_putc(out, '\n');
  } else if (old) {
    buf_putn(out, old, len);
  }
  value_release(note);
  value_release(line);
  value_release(cur);
  return true;
}

/* Takes, renews or releases the lease at `ref` (fetched first), or waits
 * in its line, re-applied on races; n->result says which happened. */
static bool lease_update(GitStore *g, const char *ref, LeaseNote *n, char **err) {
  const char *msg = n->release ? "rp: lease released" : n->take ? "rp: lease taken or waited for" : "rp: lease renewed";
  return fetch(g, ref, err) && update(g, ref, "lease.json", msg, lease_change, n, err);
}

static char *new_holder_id(void) {
  unsigned char b[12];
  FILE *f = fopen("/dev/urandom", "rb");
  size_t got = f ? fread(b, 1, sizeof b, f) : 0;
  if (f) fclose(f);
  for (size_t i = got; i < sizeof b; i++) b[i] = (unsigned char)(rand() ^ getpid());
  return base64_encode(b, sizeof b);
}

/* A process that renews the lease every third of its length until it is
 * killed (on release) or its parent dies (then the lease runs out). */
static pid_t start_keeper(GitStore *g, const char *ref, LeaseNote n) {
  pid_t parent = getpid(), pid = fork();
  if (pid != 0) return pid < 0 ? 0 : pid;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);
  /* a connection of its own: the parent's may be open, and two processes
   * talking on one socket garble both (the parent's objects are left alone) */
  GitErr ge = {0};
  if (!(g->rs = gitp_refstore_open(g->ctx, g->cache, g->url, g->user, g->token, &ge))) _exit(1);
  /* SIGTERM (a release) ends it between two renewals, never in the middle
   * of one: a ref update cut short leaves a lock file in the cache */
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, NULL);
  for (;;) {
    struct timespec nap = {(time_t)(g->lease_ms / 3000), (long)(g->lease_ms / 3 % 1000) * 1000000L};
    if (sigtimedwait(&term, NULL, &nap) == SIGTERM) _exit(0);
    char *err = NULL;
    n.take = false;
    if (!lease_update(g, ref, &n, &err)) { /* tried again at the next turn */
      fprintf(stderr, "rp: renewing the lease %s: %s\n", ref, err);
      free(err);
    } else if (n.result != LEASE_RENEWED) {
      _exit(0); /* taken over: nothing to renew */
    }
  }
}

static void took_over(const char *what, const LockHolder *was) {
  char *who = lock_holder_describe(was), *at = state_format_time(was->expires_ms);
  fprintf(stderr, "rp: taking over %s from %s: its lease expired at %s\n", what, who, at);
  free(at);
  free(who);
}

static LockResult git_lock(Store *s, StoreLockKind k, const char *name, const char *what, const char *run_id,
                           int64_t wait_ms, LockWaitFn on_wait, void *ctx, FileLock *l, char **err) {
  GitStore *g = G(s);
  char *ref = xasprintf("%s%s", lock_refs[k], name);
  LeaseNote n = {.g = g, .run_id = run_id, .take = true};
  char *holder = new_holder_id();
  n.holder = holder;
  int64_t deadline = state_now_ms() + wait_ms, pause = 50;
  bool told = false;
  LockResult r = LOCK_ACQUIRED;
  for (;;) {
    if (!lease_update(g, ref, &n, err)) {
      r = LOCK_FAILED;
      break;
    }
    if (n.result == LEASE_TAKEN || n.result == LEASE_RENEWED) break;
    if (n.placed) n.ticket = n.placed; /* pushed: its place from now on */
    int64_t now = state_now_ms();
    if (wait_ms >= 0 && now >= deadline) {
      char *who = lock_holder_describe(&n.was), *lerr = NULL;
      *err = xasprintf("%s is locked by %s; gave up after %lld ms", what, who, (long long)wait_ms);
      free(who);
      n.leave = true; /* else its place would hold up the line until it runs out */
      if (!lease_update(g, ref, &n, &lerr)) free(lerr);
      r = LOCK_TIMED_OUT;
      break;
    }
    if (!told && on_wait) on_wait(&n.was, ctx);
    told = true;
    int64_t nap = pause;
    if (wait_ms >= 0 && deadline - now < nap) nap = deadline - now;
    state_sleep_ms(nap);
    if (pause < 1000 && pause < g->lease_ms / 4) pause *= 2; /* its place in line is renewed in time */
  }
  if (r == LOCK_ACQUIRED && n.was.run) took_over(what, &n.was); /* a live lease, expired */
  lock_holder_free(&n.was);
  if (r != LOCK_ACQUIRED) {
    free(holder);
    free(ref);
    return r;
  }
  /* what was read before holding the lock may have changed while waiting
   * for it (a decision taken by the previous holder): read afresh */
  value_release(g->fetched);
  g->fetched = v_map();
  Lease *ls = xcalloc(1, sizeof *ls);
  ls->ref = ref;
  ls->holder = holder;
  ls->run = xstrdup(run_id ? run_id : "");
  n.take = false;
  if (k != SLOCK_DECISIONS) ls->keeper = start_keeper(g, ref, n); /* held a few seconds at most */
  l->fd = -1;
  l->pid = getpid();
  l->lease = ls;
  return LOCK_ACQUIRED;
}

static void lease_free(FileLock *l) {
  Lease *ls = l->lease;
  if (!ls) return;
  free(ls->ref);
  free(ls->run);
  free(ls->holder);
  free(ls);
  l->lease = NULL;
}

static void git_forget(Store *s, FileLock *l) {
  (void)s;
  lease_free(l); /* the parent holds it and its keeper renews it */
}

static void git_unlock(Store *s, FileLock *l) {
  Lease *ls = l->lease;
  if (!ls) return;
  if (l->pid == getpid()) {
    char *err = NULL;
    if (!pusher_drain(G(s), &err)) { /* said when the records are next appended, or at the end */
      free(err);
    }
    if (ls->keeper > 0) {
      kill(ls->keeper, SIGTERM);
      while (waitpid(ls->keeper, NULL, 0) < 0 && errno == EINTR) {
      }
    }
    LeaseNote n = {.g = G(s), .run_id = ls->run, .holder = ls->holder, .release = true};
    if (!lease_update(G(s), ls->ref, &n, &err)) { /* it runs out by itself */
      fprintf(stderr, "rp: releasing the lease %s: %s\n", ls->ref, err);
      free(err);
    }
    lock_holder_free(&n.was);
  }
  lease_free(l);
}

static bool git_holder(Store *s, StoreLockKind k, const char *name, bool *held, LockHolder *out, char **err) {
  GitStore *g = G(s);
  char *ref = xasprintf("%s%s", lock_refs[k], name), *text = NULL;
  size_t len = 0;
  bool ok = (fresh(g, ref) || fetch(g, ref, err)) && read_local(g, ref, "lease.json", &text, &len, NULL, err);
  Value cur = ok ? lease_parse(text, len) : V_NULL_VALUE;
  if (lease_live(cur)) {
    lock_holder_from_note(cur, out);
    *held = out->expires_ms > state_now_ms();
    if (!*held) lock_holder_free(out);
  }
  value_release(cur);
  free(text);
  free(ref);
  return ok;
}

/* ---- opening ---- */

static void git_close(Store *s) {
  GitStore *g = G(s);
  /* records still waiting go out now: a clean exit loses nothing */
  char *perr = NULL;
  bool lost = !pusher_drain(g, &perr); /* then nothing may land after what it lost */
  if (lost) fprintf(stderr, "rp: %s\n", perr);
  free(perr);
  pusher_stop(g);
  free(g->push_err);
  Map *m = (Map *)g->pending.as.obj;
  for (size_t i = 0; i < m->n && !lost; i++) {
    char *err = NULL;
    if (!push_records(g, m->keys[i]->data, m->vals[i], &err)) {
      fprintf(stderr, "rp: %s\n", err);
      free(err);
    }
  }
  value_release(g->pending);
  value_release(g->fetched);
  gitp_refstore_close(g->rs);
  gitp_free(g->ctx);
  free(g->url);
  free(g->cache);
  free(g->user);
  if (g->token) memset(g->token, 0, strlen(g->token));
  free(g->token);
  free(g);
}

static const StoreOps git_ops = {
    .name = "git",        .create_run = git_create_run, .exists = git_exists, .append = git_append,
    .flush = git_flush,   .read = git_read,             .list = git_list,     .lock = git_lock,
    .holder = git_holder, .unlock = git_unlock,         .forget = git_forget, .where = git_where,
    .put_blob = git_put_blob, .get_blob = git_get_blob, .close = git_close,
};

/* $XDG_CACHE_HOME/rp/state/<digest of the URL>, else under ~/.cache. */
static char *cache_dir(const char *url, char **err) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  char *base = xdg && *xdg ? xasprintf("%s/rp/state", xdg)
               : home && *home ? xasprintf("%s/.cache/rp/state", home) : NULL;
  if (!base) {
    *err = xstrdup("no cache directory for the state: set XDG_CACHE_HOME or HOME");
    return NULL;
  }
  char *shown = strip_userinfo(url), *digest = sha256_digest(shown, strlen(shown));
  char *dir = xasprintf("%s/%.16s", base, digest + 7); /* after "sha256:" */
  bool ok = state_mkdirs(base, err);
  free(digest);
  free(shown);
  free(base);
  if (!ok) {
    free(dir);
    return NULL;
  }
  return dir;
}

/* A remote's URL: a URL, a path, or a remote of the pipeline's repository. */
static char *resolve_remote(GitCtx *ctx, const char *remote, const char *pipeline_file, char **err) {
  const char *colon = strchr(remote, ':'), *slash = strchr(remote, '/');
  if (strstr(remote, "://") || (colon && (!slash || colon < slash))) return xstrdup(remote);
  if (slash || remote[0] == '.') {
    char *abs = realpath(remote, NULL);
    if (!abs) *err = xasprintf("git:%s: no such repository", remote);
    return abs;
  }
  const char *end = pipeline_file ? strrchr(pipeline_file, '/') : NULL;
  char *dir = end ? xstrndup(pipeline_file, (size_t)(end - pipeline_file)) : xstrdup(".");
  GitErr ge = {0};
  char *url = gitp_remote_url(ctx, *dir ? dir : "/", remote, &ge);
  free(dir);
  if (!url) failed(&ge, err);
  return url;
}

Store *store_open_git(const char *remote, const char *pipeline_file, char **err) {
  GitStore *g = xcalloc(1, sizeof *g);
  g->ctx = gitp_new();
  g->pending = v_map();
  g->fetched = v_map();
  g->pusher = -1;
  const char *lease = getenv("RP_STATE_LEASE");
  g->lease_ms = (lease && atoll(lease) > 0 ? atoll(lease) : 60) * 1000;
  const char *token = getenv("RP_STATE_TOKEN");
  g->token = token && *token ? xstrdup(token) : NULL;
  Store *s = xcalloc(1, sizeof *s);
  s->ops = &git_ops;
  s->impl = g;
  char *url = resolve_remote(g->ctx, remote, pipeline_file, err), *cache = url ? cache_dir(url, err) : NULL;
  if (url) {
    char *shown = strip_userinfo(url);
    s->spec = xasprintf("git:%s", shown);
    free(shown);
  } else {
    s->spec = xasprintf("git:%s", remote);
  }
  /* without a token, git's credential helper is asked, as git would */
  bool helper = url && !g->token && gitp_credential("fill", url, &g->user, &g->token);
  GitErr ge = {0};
  if (cache && !(g->rs = gitp_refstore_open(g->ctx, cache, url, g->user, g->token, &ge))) failed(&ge, err);
  g->url = url;
  g->cache = cache;
  /* reach the remote now: an unreachable state stops a command before it starts anything */
  if (g->rs && !fetch_all(g, &ge)) {
    if (helper && ge.kind == GIT_ERR_AUTH) gitp_credential("reject", url, &g->user, &g->token);
    *err = xasprintf("cannot reach the state at %s: %s", s->spec, ge.msg ? ge.msg : "git error");
    gitp_err_free(&ge);
  } else if (g->rs) {
    map_set(g->fetched, "refs/rp/*", v_int(state_now_ms()));
    if (helper) gitp_credential("approve", url, &g->user, &g->token);
  }
  if (*err) {
    store_close(s);
    return NULL;
  }
  return s;
}
