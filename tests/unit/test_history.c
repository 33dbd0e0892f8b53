/* test_history.c — per-environment deploy history and its queries. */
#include <unistd.h>

#include "check_state.h"
#include "run/history.h"
#include "run/state.h"

static const char *str_at(Value m, const char *key) {
  Value v = map_get(m, key);
  return is_str(v) ? str_chars(v) : NULL;
}

static void deploy(const char *dir, const char *env, const char *version, bool ok, bool rollback,
                   int64_t at) {
  const char *approvers[] = {"bob", "carol"};
  Deploy d = {.env = env,
              .version = version,
              .run = "20261122-230103-0001",
              .commit = "1a2b3c4",
              .actor = "alice",
              .approvers = approvers,
              .napprovers = ok ? 2 : 0,
              .at_ms = at,
              .succeeded = ok,
              .rollback = rollback,
              .forced_reason = rollback ? "hotfix" : NULL};
  char *err = NULL;
  if (!CHECK(history_record(dir_store(dir), &d, &err))) fprintf(stderr, "    %s\n", err);
  free(err);
}

static void test_queries(void) {
  char *dir = scratch_dir(), *err = NULL;
  int64_t t = 1795388463000;
  Value v;
  bool yes = true;

  /* no history yet: empty answers, not errors */
  CHECK(history_list(dir_store(dir), "prod", &v, &err) && list_len(v) == 0);
  value_release(v);
  CHECK(history_last_success(dir_store(dir), "prod", &v, &err) && v.kind == V_NULL);
  CHECK(history_was_deployed(dir_store(dir), "prod", "1.0.0", &yes, &err) && !yes);
  CHECK(history_envs(dir_store(dir), &v, &err) && list_len(v) == 0);
  value_release(v);

  deploy(dir, "uat", "1.0.0", true, false, t);
  deploy(dir, "prod", "1.0.0", true, false, t + 1000);
  deploy(dir, "uat", "1.1.0", false, false, t + 2000);
  deploy(dir, "uat", "1.1.1", true, false, t + 3000);
  deploy(dir, "prod", "1.1.1", true, false, t + 4000);
  deploy(dir, "prod", "1.2.0", false, false, t + 5000);

  CHECK(history_list(dir_store(dir), "prod", &v, &err));
  CHECK_INT(list_len(v), 3);
  CHECK_STR(str_at(list_get(v, 0), "version"), "1.2.0"); /* newest first */
  CHECK_STR(str_at(list_get(v, 0), "result"), "failed");
  CHECK_STR(str_at(list_get(v, 2), "version"), "1.0.0");
  Value first = list_get(v, 2);
  CHECK_STR(str_at(first, "env"), "prod");
  CHECK_STR(str_at(first, "run"), "20261122-230103-0001");
  CHECK_STR(str_at(first, "commit"), "1a2b3c4");
  CHECK_STR(str_at(first, "actor"), "alice");
  CHECK_STR(str_at(first, "at"), "2026-11-22T23:01:04.000Z");
  CHECK(list_len(map_get(first, "approvers")) == 2);
  CHECK(map_get(first, "rollback").kind == V_BOOL && !map_get(first, "rollback").as.b);
  CHECK(!map_has(first, "forced_reason"));
  value_release(v);

  /* the last successful version skips the failed 1.2.0 */
  CHECK(history_last_success(dir_store(dir), "prod", &v, &err));
  CHECK_STR(str_at(v, "version"), "1.1.1");
  value_release(v);

  /* promotion order: `after uat` */
  CHECK(history_was_deployed(dir_store(dir), "uat", "1.1.1", &yes, &err) && yes);
  CHECK(history_was_deployed(dir_store(dir), "uat", "1.1.0", &yes, &err) && !yes); /* it failed there */
  CHECK(history_was_deployed(dir_store(dir), "uat", "1.2.0", &yes, &err) && !yes); /* never there */

  /* rollback target: the successful version before the current one */
  CHECK(history_rollback_target(dir_store(dir), "prod", &v, &err));
  CHECK_STR(str_at(v, "version"), "1.0.0");
  value_release(v);

  /* after rolling back to 1.0.0 there is nothing older: a rollback
   * walks back, it does not alternate with 1.1.1 */
  deploy(dir, "prod", "1.0.0", true, true, t + 6000);
  CHECK(history_rollback_target(dir_store(dir), "prod", &v, &err) && v.kind == V_NULL);
  CHECK(history_list(dir_store(dir), "prod", &v, &err));
  Value rb = list_get(v, 0);
  CHECK(map_get(rb, "rollback").as.b);
  CHECK_STR(str_at(rb, "forced_reason"), "hotfix");
  value_release(v);

  /* only one version ever deployed: nothing to roll back to */
  deploy(dir, "dev", "0.1.0", true, false, t);
  deploy(dir, "dev", "0.1.0", true, false, t + 10);
  CHECK(history_rollback_target(dir_store(dir), "dev", &v, &err) && v.kind == V_NULL);

  /* 1 -> 2 -> 3, then rollbacks walk back 3 -> 2 -> 1; a new deploy on
   * top of a rollback goes back to what it replaced */
  const char *walk[] = {"1", "2", "3"};
  for (int i = 0; i < 3; i++) deploy(dir, "stage", walk[i], true, false, t + i);
  deploy(dir, "stage", "3", false, false, t + 3); /* a failure changes nothing */
  CHECK(history_rollback_target(dir_store(dir), "stage", &v, &err));
  CHECK_STR(str_at(v, "version"), "2");
  value_release(v);
  deploy(dir, "stage", "2", true, true, t + 4);
  CHECK(history_rollback_target(dir_store(dir), "stage", &v, &err));
  CHECK_STR(str_at(v, "version"), "1");
  value_release(v);
  deploy(dir, "stage", "1", true, true, t + 5);
  CHECK(history_rollback_target(dir_store(dir), "stage", &v, &err) && v.kind == V_NULL);
  deploy(dir, "stage", "4", true, false, t + 6);
  CHECK(history_rollback_target(dir_store(dir), "stage", &v, &err));
  CHECK_STR(str_at(v, "version"), "1");
  value_release(v);

  CHECK(history_envs(dir_store(dir), &v, &err));
  char *json = json_of(v);
  CHECK_STR(json, "[\"dev\",\"prod\",\"stage\",\"uat\"]");
  free(json);
  value_release(v);

  /* names that would escape the state directory are refused */
  CHECK(!history_list(dir_store(dir), "../x", &v, &err));
  CHECK(err && strstr(err, "../x"));
  free(err), err = NULL;

  /* a torn last line (a crash mid-append) is skipped; the next append is whole */
  char *path = xasprintf("%s/history/uat.ndjson", dir);
  FILE *f = fopen(path, "ab");
  fputs("{\"env\":\"uat\",\"version\":\"9.9", f);
  fclose(f);
  CHECK(history_list(dir_store(dir), "uat", &v, &err) && list_len(v) == 3);
  value_release(v);
  deploy(dir, "uat", "2.0.0", true, false, t + 7000);
  CHECK(history_list(dir_store(dir), "uat", &v, &err) && list_len(v) == 4);
  CHECK_STR(str_at(list_get(v, 0), "version"), "2.0.0");
  value_release(v);
  size_t len;
  char *text = read_file(path, &len);
  CHECK(text && !strstr(text, "9.9"));
  free(text);
  free(path);

  free(err);
  rm_rf(dir);
}

int main(void) {
  test_queries();
  return check_done();
}
