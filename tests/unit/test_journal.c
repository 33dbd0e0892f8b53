/* test_journal.c — run journals: round trip, statuses, torn lines, kill -9.
 *
 * Also a helper for tests/journal-crash.sh:
 *   test_journal --writer STATE RUN   start the run, then append {seq} records
 *                                     forever, printing each seq once its
 *                                     append returned
 *   test_journal --check STATE RUN N  exit 0 when the journal is exactly a
 *                                     prefix 0..k-1 with k >= N, printing k */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_state.h"
#include "run/journal.h"
#include "run/state.h"

static Value event_of(const char *kind) {
  Value e = v_map();
  map_set(e, "kind", v_cstr(kind));
  map_set(e, "branch", v_cstr("main"));
  return e;
}

static RunState replay(const char *dir, const char *id) {
  RunState r;
  char *err = NULL;
  if (!CHECK(journal_replay(dir_store(dir), id, &r, &err))) fprintf(stderr, "    %s\n", err);
  free(err);
  return r;
}

static void test_round_trip(void) {
  char *dir = scratch_dir(), *err = NULL;
  Journal j;
  CHECK(journal_create(&j, dir_store(dir), NULL, &err));
  char *id = xstrdup(j.run_id);
  CHECK(state_name_ok(id));
  Value ev = event_of("push");
  CHECK(journal_run_started(&j, "shop", "pipeline.rp", ev, "alice", &err));
  CHECK(journal_stage_started(&j, "build", 1, &err));
  CHECK(journal_stage_finished(&j, "build", "failed", V_NULL_VALUE, V_NULL_VALUE, "exit 2", 10, V_NULL_VALUE, &err));
  CHECK(journal_stage_started(&j, "build", 2, &err));
  Value outs = v_map();
  map_set(outs, "version", v_cstr("1.2.3"));
  map_set(outs, "n", v_int(7));
  CHECK(journal_stage_finished(&j, "build", "succeeded", outs, V_NULL_VALUE, NULL, 1234, V_NULL_VALUE, &err));
  /* which outputs held a secret (kept masked): recorded beside them */
  Value masked = v_map(), secret_names = v_list();
  map_set(masked, "token", v_cstr("***"));
  list_push(secret_names, v_cstr("token"));
  CHECK(journal_stage_started(&j, "sign", 1, &err));
  CHECK(journal_stage_finished(&j, "sign", "ok", masked, secret_names, NULL, 5, V_NULL_VALUE, &err));
  Value reviewers = v_list();
  list_push(reviewers, v_cstr("bob"));
  CHECK(journal_gate_waiting(&j, "deploy", "prod", "1.2.3", reviewers, &err));

  /* the owner is alive, but the run waits at the gate */
  RunState r = replay(dir, id);
  CHECK_STR(run_status_name(r.status), "waiting");
  CHECK(r.gate && strcmp(r.gate->env, "prod") == 0 && strcmp(r.gate->version, "1.2.3") == 0);
  run_state_free(&r);
  journal_close(&j);

  /* rp approve appends without owning */
  Journal a;
  CHECK(journal_open(&a, dir_store(dir), id, false, &err));
  CHECK(journal_decision(&a, true, "prod", "1.2.3", "bob", "lgtm", &err));
  journal_close(&a);

  r = replay(dir, id);
  CHECK_STR(run_status_name(r.status), "waiting");
  CHECK_STR(r.pipeline, "shop");
  CHECK_STR(r.file, "pipeline.rp");
  CHECK_STR(r.actor, "alice");
  CHECK_INT(r.pid, getpid());
  CHECK(value_equal(r.event, ev));
  CHECK(r.started_ms > 0 && r.finished_ms == 0);
  CHECK_INT(r.nstages, 2);
  const StageState *b = run_state_stage(&r, "build");
  CHECK(b && strcmp(b->status, "succeeded") == 0 && b->attempts == 2 && !b->error);
  CHECK(b && value_equal(b->outputs, outs));
  CHECK(b && b->secret_outputs.kind == V_NULL);
  const StageState *sign = run_state_stage(&r, "sign");
  CHECK(sign && value_equal(sign->secret_outputs, secret_names) && value_equal(sign->outputs, masked));
  CHECK_INT(b ? b->duration_ms : 0, 1234);
  CHECK_INT(r.ndecisions, 1);
  CHECK(r.ndecisions == 1 && r.decisions[0].approved && strcmp(r.decisions[0].by, "bob") == 0 &&
        strcmp(r.decisions[0].comment, "lgtm") == 0);
  CHECK(!r.torn && r.invalid == 0);
  CHECK_INT(r.nrecords, 9);
  run_state_free(&r);

  /* rp resume: owns it again, the gated stage runs, the run finishes */
  CHECK(journal_open(&j, dir_store(dir), id, true, &err));
  CHECK(journal_stage_started(&j, "deploy", 1, &err));
  r = replay(dir, id);
  CHECK_STR(run_status_name(r.status), "running");
  CHECK(r.gate == NULL);
  CHECK_STR(run_state_stage(&r, "deploy")->status, "running");
  run_state_free(&r);
  CHECK(journal_stage_finished(&j, "deploy", "succeeded", V_NULL_VALUE, V_NULL_VALUE, NULL, 5, V_NULL_VALUE, &err));
  CHECK(journal_run_finished(&j, "succeeded", &err));
  journal_close(&j);
  r = replay(dir, id);
  CHECK_STR(run_status_name(r.status), "succeeded");
  CHECK(r.finished_ms >= r.started_ms);
  CHECK_INT(r.nstages, 3);
  CHECK_STR(r.stages[2].name, "deploy");

  Value v = run_state_to_value(&r);
  char *json = json_of(v);
  CHECK(strstr(json, "\"status\":\"succeeded\"") != NULL);
  CHECK(strstr(json, "\"version\":\"1.2.3\"") != NULL);
  free(json);
  value_release(v);
  run_state_free(&r);

  value_release(ev);
  value_release(outs);
  value_release(masked), value_release(secret_names);
  value_release(reviewers);
  free(id);
  free(err);
  rm_rf(dir);
}

static void test_statuses(void) {
  char *dir = scratch_dir(), *err = NULL;
  Value ev = event_of("tag");

  /* unfinished and still owned: running; once the owner is gone: crashed */
  Journal j;
  CHECK(journal_create(&j, dir_store(dir), "run-crash", &err));
  CHECK(journal_run_started(&j, "p", "p.rp", ev, "al", &err));
  CHECK(journal_stage_started(&j, "build", 1, &err));
  RunState r = replay(dir, "run-crash");
  CHECK_STR(run_status_name(r.status), "running");
  run_state_free(&r);

  /* a second owner is refused and told who drives the run */
  Journal k;
  free(err), err = NULL;
  CHECK(!journal_open(&k, dir_store(dir), "run-crash", true, &err));
  CHECK(err && strstr(err, "run run-crash is in progress in another process (pid "));
  free(err), err = NULL;
  journal_close(&j);
  r = replay(dir, "run-crash");
  CHECK_STR(run_status_name(r.status), "crashed");
  CHECK_STR(run_state_stage(&r, "build")->status, "running");
  run_state_free(&r);

  /* the same id cannot start twice */
  CHECK(!journal_create(&j, dir_store(dir), "run-crash", &err));
  CHECK(err && strstr(err, "exists already"));
  free(err), err = NULL;
  CHECK(!journal_create(&j, dir_store(dir), "../evil", &err));
  free(err), err = NULL;
  CHECK(!journal_replay(dir_store(dir), "nope", &r, &err));
  CHECK(err && strstr(err, "no run nope"));
  free(err), err = NULL;

  /* a rejection of the gate it waits at */
  CHECK(journal_create(&j, dir_store(dir), "run-reject", &err));
  CHECK(journal_run_started(&j, "p", "p.rp", ev, "al", &err));
  CHECK(journal_gate_waiting(&j, "deploy", "prod", "2.0.0", V_NULL_VALUE, &err));
  journal_close(&j);
  CHECK(journal_open(&j, dir_store(dir), "run-reject", false, &err));
  CHECK(journal_decision(&j, true, "uat", NULL, "carol", NULL, &err)); /* another env */
  r = replay(dir, "run-reject");
  CHECK_STR(run_status_name(r.status), "waiting");
  run_state_free(&r);
  CHECK(journal_decision(&j, false, "prod", "2.0.0", "carol", "not today", &err));
  journal_close(&j);
  r = replay(dir, "run-reject");
  CHECK_STR(run_status_name(r.status), "rejected");
  CHECK_INT(r.ndecisions, 2);
  run_state_free(&r);

  /* a failed run */
  CHECK(journal_create(&j, dir_store(dir), "run-fail", &err));
  CHECK(journal_run_started(&j, "p", "p.rp", ev, "al", &err));
  CHECK(journal_run_finished(&j, "failed", &err));
  journal_close(&j);
  r = replay(dir, "run-fail");
  CHECK_STR(run_status_name(r.status), "failed");
  run_state_free(&r);

  /* rp runs: oldest first, with event kind, status and duration */
  RunSummary *runs;
  size_t n;
  CHECK(journal_list(dir_store(dir), &runs, &n, &err));
  CHECK_INT(n, 3);
  if (n == 3) {
    CHECK_STR(runs[0].id, "run-crash");
    CHECK_STR(runs[1].id, "run-reject");
    CHECK_STR(runs[2].id, "run-fail");
    CHECK_STR(runs[0].event, "tag");
    CHECK(runs[0].status == RUN_CRASHED && runs[1].status == RUN_REJECTED &&
          runs[2].status == RUN_FAILED);
    CHECK(runs[0].duration_ms == -1 && runs[2].duration_ms >= 0);
    CHECK(runs[0].started_ms <= runs[1].started_ms && runs[1].started_ms <= runs[2].started_ms);
  }
  run_summaries_free(runs, n);
  char *none = xasprintf("%s/absent", dir);
  CHECK(journal_list(dir_store(none), &runs, &n, &err) && n == 0);
  free(none);
  value_release(ev);
  free(err);
  rm_rf(dir);
}

static bool write_whole(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  bool ok = f && fwrite(data, 1, len, f) == len;
  if (f && fclose(f) != 0) ok = false;
  return ok;
}

/* Cut the journal at every byte of its last record: replay never fails,
 * never loses an earlier record, and says the last line was torn. */
static void test_torn_tail(void) {
  char *dir = scratch_dir(), *err = NULL;
  Journal j;
  CHECK(journal_create(&j, dir_store(dir), "torn", &err));
  Value ev = event_of("push");
  CHECK(journal_run_started(&j, "p", "p.rp", ev, "al", &err));
  CHECK(journal_stage_started(&j, "build", 1, &err));
  Value outs = v_map();
  map_set(outs, "text", v_cstr("quote \" backslash \\ unicode \xc3\xa9 newline \n end"));
  CHECK(journal_stage_finished(&j, "build", "succeeded", outs, V_NULL_VALUE, NULL, 3, V_NULL_VALUE, &err));
  CHECK(journal_run_finished(&j, "succeeded", &err));
  journal_close(&j);

  char *path = xasprintf("%s/runs/torn/journal.ndjson", dir);
  size_t len;
  char *full = read_file(path, &len);
  CHECK(full && len > 0 && full[len - 1] == '\n');
  size_t last = len - 1;
  while (last > 0 && full[last - 1] != '\n') last--;
  int bad = 0, repaired = 0;
  for (size_t cut = last; cut < len; cut++) {
    write_whole(path, full, cut);
    RunState r;
    if (!journal_replay(dir_store(dir), "torn", &r, &err)) {
      bad++;
      free(err), err = NULL;
      continue;
    }
    bool torn_expected = cut > last;
    if (r.nrecords != 3 || r.torn != torn_expected || r.invalid != 0 ||
        r.status != RUN_CRASHED || !value_equal(run_state_stage(&r, "build")->outputs, outs))
      bad++;
    run_state_free(&r);
    /* the next writer cuts the torn line off and its record is whole */
    if (cut % 5 == 0 || cut == len - 1) {
      Journal w;
      CHECK(journal_open(&w, dir_store(dir), "torn", false, &err));
      CHECK(journal_run_finished(&w, "failed", &err));
      journal_close(&w);
      if (journal_replay(dir_store(dir), "torn", &r, &err)) {
        if (r.nrecords == 4 && !r.torn && r.status == RUN_FAILED) repaired++;
        else bad++;
        run_state_free(&r);
      }
    }
  }
  CHECK_INT(bad, 0);
  CHECK(repaired > 2);

  /* an invalid complete line in the middle is skipped, not fatal */
  Buf b = {0};
  buf_putn(&b, full, last);
  buf_puts(&b, "{\"kind\": oops}\n");
  buf_putn(&b, full + last, len - last);
  write_whole(path, b.data, b.len);
  RunState r = replay(dir, "torn");
  CHECK_INT(r.invalid, 1);
  CHECK_INT(r.nrecords, 4);
  CHECK_STR(run_status_name(r.status), "succeeded");
  run_state_free(&r);
  buf_free(&b);

  free(full);
  free(path);
  value_release(ev);
  value_release(outs);
  free(err);
  rm_rf(dir);
}

/* Appends {kind: "tick", seq} records until killed; reports each seq on
 * `out` once journal_append returned. */
static void writer_loop(const char *dir, const char *id, int out) {
  Journal j;
  char *err = NULL;
  if (!journal_open(&j, dir_store(dir), id, true, &err)) {
    fprintf(stderr, "writer: %s\n", err);
    _exit(2);
  }
  Value pad = v_str_take(xasprintf("%0400d", 0)); /* long lines: more chances to tear */
  for (long seq = 0;; seq++) {
    Value r = v_map();
    map_set(r, "kind", v_cstr("tick"));
    map_set(r, "seq", v_int(seq));
    map_set(r, "pad", value_retain(pad));
    if (!journal_append(&j, r, &err)) _exit(3);
    value_release(r);
    char line[32];
    int n = snprintf(line, sizeof line, "%ld\n", seq);
    if (write(out, line, (size_t)n) != n) _exit(4);
  }
}

/* How many records form the prefix 0..k-1 after the run_started line;
 * -1 when the journal is not such a prefix. */
static long prefix_length(const char *dir, const char *id, bool *torn) {
  char *path = xasprintf("%s/runs/%s/journal.ndjson", dir, id), *err = NULL;
  StateRead rd;
  long k = -1;
  if (state_read(path, &rd, &err)) {
    k = 0;
    for (size_t i = 1; i < list_len(rd.records); i++) {
      Value seq = map_get(list_get(rd.records, i), "seq");
      if (seq.kind != V_INT || seq.as.i != k) {
        k = -1;
        break;
      }
      k++;
    }
    if (rd.invalid) k = -1;
    *torn = rd.torn;
    value_release(rd.records);
  }
  free(err);
  free(path);
  return k;
}

static long last_acked(const char *text) {
  long last = -1;
  for (const char *p = text; p && *p;) {
    const char *nl = strchr(p, '\n');
    if (!nl) break; /* a number cut by the kill was not fully reported */
    last = strtol(p, NULL, 10);
    p = nl + 1;
  }
  return last;
}

static void test_kill_writer(void) {
  char *dir = scratch_dir(), *err = NULL;
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  int torn_seen = 0;
  for (int round = 0; round < 6; round++) {
    char id[32];
    snprintf(id, sizeof id, "kill-%d", round);
    Journal j;
    CHECK(journal_create(&j, dir_store(dir), id, &err));
    Value ev = event_of("push");
    CHECK(journal_run_started(&j, "p", "p.rp", ev, "al", &err));
    value_release(ev);
    journal_close(&j);

    int fds[2];
    if (pipe(fds) != 0) abort();
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      writer_loop(dir, id, fds[1]);
    }
    close(fds[1]);
    /* wait for the first acknowledgement, so every round kills a writer
     * that has written (however loaded the machine), then at random */
    Buf acks = {0};
    char buf[4096];
    ssize_t n;
    while (!memchr(acks.data ? acks.data : "", '\n', acks.len) && (n = read(fds[0], buf, sizeof buf)) > 0)
      buf_putn(&acks, buf, (size_t)n);
    struct timespec ts = {0, (long)(rand() % 40) * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    while ((n = read(fds[0], buf, sizeof buf)) > 0) buf_putn(&acks, buf, (size_t)n);
    close(fds[0]);
    long acked = last_acked(acks.data);
    buf_free(&acks);
    bool torn = false;
    long k = prefix_length(dir, id, &torn);
    torn_seen += torn;
    /* a prefix of what it wrote, holding at least everything acknowledged */
    if (!CHECK(k >= 0 && k >= acked + 1))
      fprintf(stderr, "    round %d: prefix %ld, acknowledged %ld\n", round, k, acked + 1);
    CHECK(acked >= 0); /* it did get to write: we waited for it */
    RunState r = replay(dir, id);
    CHECK_STR(run_status_name(r.status), "crashed"); /* the kernel dropped its owner lock */
    run_state_free(&r);
  }
  printf("kill -9 rounds: 6, torn tails seen: %d\n", torn_seen);
  free(err);
  rm_rf(dir);
}

/* The owner and `rp approve` append at the same time: no line is lost or
 * cut, and each writer's records keep their order. */
static void test_concurrent_appenders(void) {
  char *dir = scratch_dir(), *err = NULL;
  Journal j;
  CHECK(journal_create(&j, dir_store(dir), "both", &err));
  pid_t pid = fork();
  if (pid == 0) {
    Journal a;
    if (!journal_open(&a, dir_store(dir), "both", false, &err)) _exit(2);
    for (int i = 0; i < 150; i++)
      if (!journal_decision(&a, true, "prod", NULL, "bob", "x", &err)) _exit(3);
    journal_close(&a);
    journal_close(&j); /* the child's copy: the parent keeps owning the run */
    free(dir);
    _exit(0);
  }
  for (int i = 1; i <= 150; i++) CHECK(journal_stage_started(&j, "build", i, &err));
  int status;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  RunState r = replay(dir, "both");
  CHECK_STR(run_status_name(r.status), "running");
  run_state_free(&r);
  journal_close(&j);
  r = replay(dir, "both");
  CHECK_INT(r.nrecords, 300);
  CHECK_INT(r.ndecisions, 150);
  CHECK(!r.torn && r.invalid == 0);
  CHECK(r.nstages == 1 && r.stages[0].attempts == 150);
  run_state_free(&r);
  free(err);
  rm_rf(dir);
}

static void test_state_helpers(void) {
  char *id = journal_new_id();
  CHECK(strlen(id) == 20 && id[8] == '-' && id[15] == '-' && state_name_ok(id));
  free(id);
  CHECK(!state_name_ok("") && !state_name_ok(".rp") && !state_name_ok("a/b") && state_name_ok("prod-eu_1.x"));
  char *t = state_format_time(1795388463123);
  CHECK_STR(t, "2026-11-22T23:01:03.123Z");
  int64_t ms = 0;
  CHECK(state_parse_time(t, &ms) && ms == 1795388463123);
  CHECK(state_parse_time("2026-11-22T23:01:03Z", &ms) && ms == 1795388463000);
  CHECK(!state_parse_time("yesterday", &ms));
  free(t);
  unsetenv("RP_STATE_DIR");
  char *d = state_dir_for("ci/pipeline.rp");
  CHECK_STR(d, "ci/.rp");
  free(d);
  d = state_dir_for("pipeline.rp");
  CHECK_STR(d, ".rp");
  free(d);
  setenv("RP_STATE_DIR", "/var/lib/rp", 1);
  d = state_dir_for("ci/pipeline.rp");
  CHECK_STR(d, "/var/lib/rp");
  free(d);
  unsetenv("RP_STATE_DIR");
}

static int helper(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--writer") == 0) {
    Journal j;
    char *err = NULL;
    if (!journal_create(&j, dir_store(argv[2]), argv[3], &err)) {
      fprintf(stderr, "%s\n", err);
      return 2;
    }
    Value ev = event_of("push");
    bool ok = journal_run_started(&j, "p", "p.rp", ev, "al", &err);
    value_release(ev);
    journal_close(&j);
    if (!ok) return 2;
    writer_loop(argv[2], argv[3], 1);
  }
  if (argc == 5 && strcmp(argv[1], "--check") == 0) {
    bool torn = false;
    long k = prefix_length(argv[2], argv[3], &torn);
    printf("%ld%s\n", k, torn ? " torn" : "");
    return k >= 0 && k >= atol(argv[4]) ? 0 : 1;
  }
  fprintf(stderr, "usage: test_journal [--writer STATE RUN | --check STATE RUN N]\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc > 1) return helper(argc, argv);
  test_state_helpers();
  test_round_trip();
  test_statuses();
  test_torn_tail();
  test_concurrent_appenders();
  test_kill_writer();
  return check_done();
}
