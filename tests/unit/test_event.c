/* test_event.c — the event from recorded GitHub Actions and GitLab CI
 * environments, from flags, and from a real git repository; its fields
 * as doc/events.md lists them. */
#include "check_events.h"
#include "run/event.h"

static Value github(const char *name) {
  char **env = env_load(name, NULL);
  Value ev = v_null();
  char *err = NULL;
  if (!CHECK(event_from_github(env, &ev, &err))) fprintf(stderr, "    %s: %s\n", name, err);
  free(err);
  env_free(env);
  return ev;
}

static Value gitlab(const char *name) {
  char **env = env_load(name, NULL);
  Value ev = v_null();
  char *err = NULL;
  if (!CHECK(event_from_gitlab(env, &ev, &err))) fprintf(stderr, "    %s: %s\n", name, err);
  free(err);
  env_free(env);
  return ev;
}

static void test_github_push(void) {
  Value ev = github("github-push.env");
  CHECK_MEMBER(ev, "kind", "\"push\"");
  CHECK_MEMBER(ev, "branch", "\"main\"");
  CHECK_MEMBER(ev, "tag", NULL);
  CHECK_MEMBER(ev, "sha", "\"2222222222222222222222222222222222222222\"");
  CHECK_MEMBER(ev, "before", "\"1111111111111111111111111111111111111111\"");
  CHECK_MEMBER(ev, "actor", "\"alice\"");
  CHECK_MEMBER(ev, "pr", NULL);
  CHECK_MEMBER(ev, "inputs", "{}");
  CHECK(map_has(ev, "base") && map_has(ev, "pr") && map_has(ev, "schedule")); /* always present */
  value_release(ev);

  ev = github("github-push-new-branch.env");
  CHECK_MEMBER(ev, "branch", "\"release/2.0\"");
  CHECK_MEMBER(ev, "before", NULL); /* all zeros: no previous commit */
  CHECK_MEMBER(ev, "actor", "\"bob\"");
  value_release(ev);
}

static void test_github_tag(void) {
  Value ev = github("github-tag.env");
  CHECK_MEMBER(ev, "kind", "\"tag\"");
  CHECK_MEMBER(ev, "tag", "\"v1.4.0-rc.2\"");
  CHECK_MEMBER(ev, "branch", NULL);
  CHECK_MEMBER(ev, "sha", "\"4444444444444444444444444444444444444444\"");
  CHECK_MEMBER(ev, "before", NULL);
  value_release(ev);
}

static void test_github_pull_request(void) {
  Value ev = github("github-pr-opened.env");
  CHECK_MEMBER(ev, "kind", "\"pull_request\"");
  CHECK_MEMBER(ev, "branch", "\"feature/preview\"");
  CHECK_MEMBER(ev, "base", "\"main\"");
  CHECK_MEMBER(ev, "sha", "\"5555555555555555555555555555555555555555\""); /* head, not the merge */
  CHECK_MEMBER(ev, "pr.number", "42");
  CHECK_MEMBER(ev, "pr.action", "\"opened\"");
  CHECK_MEMBER(ev, "pr.labels", "[\"preview\", \"needs review\"]");
  CHECK_MEMBER(ev, "pr.title", "\"Add preview environments; $(rm -rf /)\"");
  CHECK_MEMBER(ev, "actor", "\"carol\"");
  CHECK_MEMBER(ev, "pr.fork", "false"); /* head.repo is base.repo */
  value_release(ev);

  ev = github("github-pr-fork.env");
  CHECK_MEMBER(ev, "pr.fork", "true"); /* head.repo mallory/sample-app, base acme/sample-app */
  CHECK_MEMBER(ev, "branch", "\"main\"");
  value_release(ev);

  ev = github("github-pr-closed.env");
  CHECK_MEMBER(ev, "pr.fork", NULL); /* the payload does not say */
  CHECK_MEMBER(ev, "pr.action", "\"closed\"");
  CHECK_MEMBER(ev, "pr.labels", "[\"preview\"]");
  CHECK_MEMBER(ev, "sha", "\"7777777777777777777777777777777777777777\"");
  value_release(ev);

  ev = github("github-pr-labeled.env");
  CHECK_MEMBER(ev, "pr.action", "\"labeled\"");
  CHECK_MEMBER(ev, "pr.number", "57");
  CHECK_MEMBER(ev, "base", "\"release/1.x\"");
  CHECK_MEMBER(ev, "branch", "\"chore/chart\"");
  CHECK_MEMBER(ev, "pr.labels", "[\"chore\", \"deploy-preview\"]");
  value_release(ev);
}

static void test_github_manual_schedule(void) {
  Value ev = github("github-workflow-dispatch.env");
  CHECK_MEMBER(ev, "kind", "\"manual\"");
  CHECK_MEMBER(ev, "branch", "\"main\"");
  CHECK_MEMBER(ev, "inputs.release_tag", "\"v1.4.0\"");
  CHECK_MEMBER(ev, "inputs.dry", "\"true\""); /* strings until a trigger converts them */
  CHECK_MEMBER(ev, "actor", "\"frank\"");
  value_release(ev);

  ev = github("github-schedule.env");
  CHECK_MEMBER(ev, "kind", "\"schedule\"");
  CHECK_MEMBER(ev, "schedule", "\"0 3 * * *\"");
  value_release(ev);
}

static void test_github_errors(void) {
  char *err = NULL;
  Value ev = v_null();
  char **env = env_load("github-release.env", NULL);
  CHECK(!event_from_github(env, &ev, &err));
  CHECK(err && strstr(err, "'release'") && strstr(err, "--event"));
  free(err), err = NULL;
  /* ... unless the flags say what the event is */
  EventFlags f = {.kind = "tag", .tag = "v1.0.0"};
  const char *source = NULL;
  CHECK(event_detect(&f, env, "/nonexistent-dir", &ev, &source, &err));
  CHECK_MEMBER(ev, "kind", "\"tag\"");
  CHECK_STR(source, "flags");
  value_release(ev);
  env_free(env);

  env = env_load("github-broken.env", NULL);
  CHECK(!event_from_github(env, &ev, &err));
  CHECK(err && strstr(err, "github-broken.json")); /* names the file */
  free(err), err = NULL;
  env_free(env);

  char *missing[] = {"GITHUB_ACTIONS=true", "GITHUB_EVENT_NAME=push",
                     "GITHUB_EVENT_PATH=/nonexistent/event.json", NULL};
  CHECK(!event_detect(NULL, missing, ".", &ev, NULL, &err));
  CHECK(err && strstr(err, "/nonexistent/event.json"));
  free(err);
}

static void test_gitlab(void) {
  Value ev = gitlab("gitlab-push.env");
  CHECK_MEMBER(ev, "kind", "\"push\"");
  CHECK_MEMBER(ev, "branch", "\"main\"");
  CHECK_MEMBER(ev, "sha", "\"e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1\"");
  CHECK_MEMBER(ev, "before", "\"e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0\"");
  CHECK_MEMBER(ev, "actor", "\"alice\"");
  CHECK_MEMBER(ev, "pr", NULL);
  value_release(ev);

  ev = gitlab("gitlab-tag.env");
  CHECK_MEMBER(ev, "kind", "\"tag\"");
  CHECK_MEMBER(ev, "tag", "\"v2.0.0\"");
  CHECK_MEMBER(ev, "branch", NULL);
  CHECK_MEMBER(ev, "before", NULL);
  value_release(ev);

  ev = gitlab("gitlab-mr.env");
  CHECK_MEMBER(ev, "kind", "\"pull_request\"");
  CHECK_MEMBER(ev, "branch", "\"feature/login\"");
  CHECK_MEMBER(ev, "base", "\"develop\"");
  CHECK_MEMBER(ev, "pr.number", "17");
  CHECK_MEMBER(ev, "pr.action", NULL);
  CHECK_MEMBER(ev, "pr.labels", "[\"preview\", \"backend\"]");
  CHECK_MEMBER(ev, "pr.title", "\"Login with SSO\"");
  CHECK_MEMBER(ev, "pr.fork", "true"); /* source project 4187, target 4100 */
  CHECK_MEMBER(ev, "actor", "\"grace\"");
  value_release(ev);

  ev = gitlab("gitlab-web.env");
  CHECK_MEMBER(ev, "kind", "\"manual\"");
  CHECK_MEMBER(ev, "inputs", "{}");
  value_release(ev);

  /* through event_detect: GITLAB_CI=true selects GitLab, flags still win */
  char **env = env_load("gitlab-mr.env", NULL);
  const char *source = NULL;
  char *err = NULL;
  EventFlags f = {.pr_action = "labeled"};
  CHECK(event_detect(&f, env, "/", &ev, &source, &err));
  CHECK_STR(source, "gitlab");
  CHECK_MEMBER(ev, "pr.action", "\"labeled\"");
  CHECK_MEMBER(ev, "pr.number", "17");
  value_release(ev);
  env_free(env);
  char *other[] = {"GITLAB_CI=true", "CI_PIPELINE_SOURCE=parent_pipeline", NULL};
  CHECK(!event_detect(NULL, other, "/", &ev, NULL, &err));
  CHECK_STR(err, "GitLab pipeline source 'parent_pipeline' has no rp equivalent: pass --event KIND");
  free(err);
  /* GITLAB_CI must be exactly "true" */
  char *notci[] = {"GITLAB_CI=1", "CI_PIPELINE_SOURCE=push", "USER=u", NULL};
  CHECK(event_detect(NULL, notci, "/", &ev, &source, &err));
  CHECK_STR(source, "local");
  value_release(ev);
}

/* The argv side (--flag=value, a missing value) is the option parser's:
 * tests/cli.sh. */
static void test_flags_set(void) {
  EventFlags f = {0};
  CHECK(event_flag_set(&f, "event", "pull_request"));
  CHECK(event_flag_set(&f, "base", "main"));
  CHECK(event_flag_set(&f, "label", "a"));
  CHECK(event_flag_set(&f, "label", "b"));
  CHECK(event_flag_set(&f, "input", "x=1"));
  CHECK(event_flag_set(&f, "pr-action", "opened"));
  CHECK_STR(f.kind, "pull_request");
  CHECK_STR(f.base, "main");
  CHECK_STR(f.pr_action, "opened");
  CHECK(f.nlabels == 2 && !strcmp(f.labels[0], "a") && !strcmp(f.labels[1], "b"));
  CHECK(f.ninputs == 1 && !strcmp(f.inputs[0], "x=1"));
  CHECK(!event_flag_set(&f, "prefix", "x"));
  CHECK(!event_flag_set(&f, "pr_action", "x")); /* the REPL turns _ into - first */
  int n = 0;
  for (const EventFlag *e = event_flags; e->name; e++) n++;
  CHECK(n == 12);
  event_flags_free(&f);
}

static void test_flags_override(void) {
  char **env = env_load("github-pr-opened.env", NULL);
  const char *labels[] = {"urgent"};
  const char *inputs[] = {"x=1"};
  EventFlags f = {.base = "release/9", .pr_action = "synchronize", .actor = "zed",
                  .labels = labels, .nlabels = 1, .inputs = inputs, .ninputs = 1};
  Value ev;
  char *err = NULL;
  const char *source;
  CHECK(event_detect(&f, env, ".", &ev, &source, &err));
  CHECK_STR(source, "github");
  CHECK_MEMBER(ev, "kind", "\"pull_request\"");
  CHECK_MEMBER(ev, "base", "\"release/9\"");
  CHECK_MEMBER(ev, "branch", "\"feature/preview\""); /* not overridden */
  CHECK_MEMBER(ev, "pr.action", "\"synchronize\"");
  CHECK_MEMBER(ev, "pr.number", "42");
  CHECK_MEMBER(ev, "pr.labels", "[\"preview\", \"needs review\", \"urgent\"]");
  CHECK_MEMBER(ev, "actor", "\"zed\"");
  CHECK_MEMBER(ev, "inputs.x", "\"1\"");
  value_release(ev);

  /* --event push on a pull request: no pr any more */
  EventFlags p = {.kind = "push", .branch = "hotfix"};
  CHECK(event_detect(&p, env, ".", &ev, &source, &err));
  CHECK_MEMBER(ev, "kind", "\"push\"");
  CHECK_MEMBER(ev, "branch", "\"hotfix\"");
  CHECK_MEMBER(ev, "pr", NULL);
  value_release(ev);
  env_free(env);

  /* --pr alone makes a pull request; --tag alone a tag */
  char *none[] = {"RP_ACTOR=ci", NULL};
  EventFlags q = {.pr = "12", .base = "main"};
  CHECK(event_detect(&q, none, "/", &ev, NULL, &err));
  CHECK_MEMBER(ev, "kind", "\"pull_request\"");
  CHECK_MEMBER(ev, "pr.number", "12");
  CHECK_MEMBER(ev, "pr.labels", "[]");
  CHECK_MEMBER(ev, "pr.fork", NULL); /* unknown */
  value_release(ev);
  EventFlags fk = {.pr_fork = "true"}; /* --pr-fork alone makes a pull request too */
  CHECK(event_detect(&fk, none, "/", &ev, NULL, &err));
  CHECK_MEMBER(ev, "kind", "\"pull_request\"");
  CHECK_MEMBER(ev, "pr.fork", "true");
  value_release(ev);
  EventFlags fk2 = {.pr_fork = "yes"};
  CHECK(!event_detect(&fk2, none, "/", &ev, NULL, &err));
  CHECK(err && strstr(err, "--pr-fork wants true or false, not 'yes'"));
  free(err), err = NULL;
  EventFlags t = {.tag = "v3.0.0"};
  CHECK(event_detect(&t, none, "/", &ev, NULL, &err));
  CHECK_MEMBER(ev, "kind", "\"tag\"");
  CHECK_MEMBER(ev, "tag", "\"v3.0.0\"");
  value_release(ev);

  /* bad flags are errors that say what is wrong */
  EventFlags bad1 = {.kind = "pushh"};
  CHECK(!event_detect(&bad1, none, "/", &ev, NULL, &err));
  CHECK(err && strstr(err, "pushh"));
  free(err), err = NULL;
  EventFlags bad2 = {.pr = "12a"};
  CHECK(!event_detect(&bad2, none, "/", &ev, NULL, &err));
  CHECK(err && strstr(err, "12a"));
  free(err), err = NULL;
  const char *noeq[] = {"release_tag"};
  EventFlags bad3 = {.kind = "manual", .inputs = noeq, .ninputs = 1};
  CHECK(!event_detect(&bad3, none, "/", &ev, NULL, &err));
  CHECK(err && strstr(err, "release_tag") && strstr(err, "NAME=VALUE"));
  free(err);
}

static void test_local(void) {
  char *dir = temp_dir();
  char **noactor = (char *[]){"USER=fallback-user", NULL};

  /* not a repository yet: still an event, no branch or sha */
  Value ev = event_from_local(dir, noactor);
  CHECK_MEMBER(ev, "kind", "\"local\"");
  CHECK_MEMBER(ev, "branch", NULL);
  CHECK_MEMBER(ev, "sha", NULL);
  CHECK_MEMBER(ev, "actor", "\"fallback-user\"");
  value_release(ev);

  git_repository *repo = repo_create(dir);
  ev = event_from_local(dir, noactor); /* unborn main */
  CHECK_MEMBER(ev, "branch", "\"main\"");
  CHECK_MEMBER(ev, "sha", NULL);
  value_release(ev);

  put_file(dir, "pipeline.rp", "stage a { }\n");
  put_file(dir, "sub/dir/x.txt", "x\n");
  char *sha = repo_commit(repo, "first");
  char *sub = xasprintf("%s/sub/dir", dir);
  ev = event_from_local(sub, noactor); /* found from a subdirectory */
  CHECK_MEMBER(ev, "branch", "\"main\"");
  char *want = xasprintf("\"%s\"", sha);
  CHECK_MEMBER(ev, "sha", want);
  CHECK_MEMBER(ev, "actor", "\"fallback-user\"");
  value_release(ev);

  git_config *cfg;
  git_repository_config(&cfg, repo);
  git_config_set_string(cfg, "user.name", "Repo Person");
  git_config_free(cfg);
  ev = event_from_local(dir, noactor);
  CHECK_MEMBER(ev, "actor", "\"Repo Person\"");
  value_release(ev);
  char **actor = (char *[]){"USER=fallback-user", "RP_ACTOR=explicit", NULL};
  ev = event_from_local(dir, actor);
  CHECK_MEMBER(ev, "actor", "\"explicit\"");
  value_release(ev);

  repo_switch(repo, "feature/x", true);
  const char *source;
  char *err = NULL;
  CHECK(event_detect(NULL, noactor, dir, &ev, &source, &err));
  CHECK_STR(source, "local");
  CHECK_MEMBER(ev, "branch", "\"feature/x\"");
  value_release(ev);

  /* detached HEAD: a sha, no branch */
  git_oid oid;
  git_oid_fromstr(&oid, sha);
  git_repository_set_head_detached(repo, &oid);
  ev = event_from_local(dir, noactor);
  CHECK_MEMBER(ev, "branch", NULL);
  CHECK_MEMBER(ev, "sha", want);
  value_release(ev);

  /* flags on a local event: --event push keeps the repository's sha */
  EventFlags f = {.kind = "push", .branch = "main"};
  CHECK(event_detect(&f, noactor, dir, &ev, &source, &err));
  CHECK_MEMBER(ev, "kind", "\"push\"");
  CHECK_MEMBER(ev, "branch", "\"main\"");
  CHECK_MEMBER(ev, "sha", want);
  value_release(ev);

  git_repository_free(repo);
  free(want);
  free(sub);
  free(sha);
  remove_tree(dir);
  free(dir);
}

static void check_described(const char *fixture, const char *want) {
  Value ev = github(fixture);
  Buf b = {0};
  event_describe(ev, &b);
  CHECK_STR(b.data, want);
  buf_free(&b);
  value_release(ev);
}

static void test_describe(void) {
  check_described("github-push.env", "push to main at 2222222 by alice");
  check_described("github-pr-labeled.env", "pull_request #57 chore/chart -> release/1.x (labeled) at 8888888 by erin");
  check_described("github-tag.env", "tag v1.4.0-rc.2 at 4444444 by release-bot");
  check_described("github-schedule.env", "schedule \"0 3 * * *\" at ccccccc by alice");
  check_described("github-workflow-dispatch.env", "manual on main at bbbbbbb by frank");
}

/* The field table of doc/events.md has a row `event.NAME` for each field
 * of lang/event_fields.h and no other, and its pr row names each pr field. */
static void test_doc_table(void) {
  static const char *const fields[] = {EVENT_FIELDS(EVENT_FIELD_NAME)};
  static const char *const pr_fields[] = {EVENT_PR_FIELDS(EVENT_FIELD_NAME)};
  const char *top = getenv("top_srcdir");
  char *path = xasprintf("%s/doc/events.md", top && *top ? top : ".");
  size_t len;
  char *doc = read_file(path, &len);
  if (!check_at(doc != NULL, path, __FILE__, __LINE__)) {
    free(path);
    return;
  }
  for (int i = 0; i < EF_COUNT; i++) {
    char *row = xasprintf("\n| `event.%s` |", fields[i]);
    char *what = xasprintf("doc/events.md has a row for event.%s", fields[i]);
    check_at(strstr(doc, row) != NULL, what, __FILE__, __LINE__);
    free(what);
    free(row);
  }
  const char *pr = strstr(doc, "\n| `event.pr` |");
  char *pr_row = pr ? xstrndup(pr + 1, strcspn(pr + 1, "\n")) : xstrdup("");
  for (int i = 0; i < PRF_COUNT; i++) {
    char *what = xasprintf("doc/events.md's event.pr row names %s", pr_fields[i]);
    check_at(strstr(pr_row, pr_fields[i]) != NULL, what, __FILE__, __LINE__);
    free(what);
  }
  for (const char *p = doc; (p = strstr(p, "\n| `event.")) != NULL; p++) {
    const char *name = p + strlen("\n| `event.");
    size_t n = strcspn(name, "`");
    bool known = false;
    for (int i = 0; i < EF_COUNT; i++) known = known || (strlen(fields[i]) == n && !strncmp(fields[i], name, n));
    char *what = xasprintf("doc/events.md's row event.%.*s is a field", (int)n, name);
    check_at(known, what, __FILE__, __LINE__);
    free(what);
  }
  free(pr_row);
  free(doc);
  free(path);
}

int main(void) {
  test_doc_table();
  git_libgit2_init();
  char *home = temp_dir();
  git_isolate(home);
  test_github_push();
  test_github_tag();
  test_github_pull_request();
  test_github_manual_schedule();
  test_github_errors();
  test_gitlab();
  test_flags_set();
  test_flags_override();
  test_describe();
  test_local();
  remove_tree(home);
  free(home);
  git_libgit2_shutdown();
  return check_done();
}
