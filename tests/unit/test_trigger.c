/* test_trigger.c — trigger filters against events, manual inputs, and
 * `paths` against changes in real git repositories. */
#include "check_events.h"
#include "lang/parser.h"
#include "run/event.h"
#include "run/trigger.h"

/* A parsed pipeline; the first trigger is the one under test. */
typedef struct Parsed {
  Source *src;
  Program *p;
} Parsed;

static Parsed parse(const char *text) {
  Parsed r;
  Diags d = {0};
  r.src = source_from_string("pipeline.rp", text);
  r.p = parse_program(r.src, &d);
  if (d.nerrors) {
    diags_print(&d, stderr, false);
    fprintf(stderr, "test pipeline does not parse:\n%s\n", text);
    exit(99);
  }
  diags_free(&d);
  return r;
}

static void parsed_free(Parsed r) {
  program_free(r.p);
  source_free(r.src);
}

static const Trigger *first_trigger(Parsed r) { return r.p->triggers[0]->as.trigger; }

/* An event as the flags would make it (no CI, no repository). */
static Value make_event(EventFlags f) {
  Value ev = event_new("local");
  char *err = NULL;
  if (!event_apply_flags(ev, &f, &err)) {
    fprintf(stderr, "bad test event: %s\n", err);
    exit(99);
  }
  return ev;
}

typedef struct Row {
  const char *trigger; /* the `on ...` line, without "-> stage" */
  EventFlags event;
  const char *schedule; /* event.schedule, for schedule rows */
  bool want;
} Row;

#define LABELS(...) .labels = (const char *[]){__VA_ARGS__}, .nlabels = sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)

static const Row rows[] = {
    /* push: branch globs */
    {"on push \"main\"", {.kind = "push", .branch = "main"}, NULL, true},
    {"on push \"main\"", {.kind = "push", .branch = "maint"}, NULL, false},
    {"on push \"main\"", {.kind = "pull_request", .base = "main", .branch = "main"}, NULL, false},
    {"on push \"main\"", {.kind = "push"}, NULL, false}, /* no branch (detached) */
    {"on push", {.kind = "push", .branch = "anything/at/all"}, NULL, true},
    {"on push [\"main\", \"release/*\"]", {.kind = "push", .branch = "release/1.0"}, NULL, true},
    {"on push [\"main\", \"release/*\"]", {.kind = "push", .branch = "release/1.0/hotfix"}, NULL, false},
    {"on push \"release/**\"", {.kind = "push", .branch = "release/1.0/hotfix"}, NULL, true},
    {"on push \"release/**\"", {.kind = "push", .branch = "main"}, NULL, false},
    /* GitHub's `?`: zero or one of the character before it (issue #16) */
    {"on push \"feat-?\"", {.kind = "push", .branch = "feat"}, NULL, true},
    {"on push \"feat-?\"", {.kind = "push", .branch = "feat-a"}, NULL, false},
    /* GitHub's `!`: the last pattern that matches decides */
    {"on push [\"releases/**\", \"!releases/**-alpha\"]", {.kind = "push", .branch = "releases/10-alpha"}, NULL, false},
    {"on push [\"releases/**\", \"!releases/**-alpha\"]", {.kind = "push", .branch = "releases/10"}, NULL, true},
    {"on tag [\"v*\", \"!v*-rc*\", \"v2*\"]", {.kind = "tag", .tag = "v2.0-rc1"}, NULL, true},
    {"on tag [\"v*\", \"!v*-rc*\", \"v2*\"]", {.kind = "tag", .tag = "v1.0-rc1"}, NULL, false},
    {"on push [re\"^rel\", \"!rel-old\"]", {.kind = "push", .branch = "rel-old"}, NULL, false},
    {"on push re\"^(main|dev)$\"", {.kind = "push", .branch = "dev"}, NULL, true},
    {"on push re\"^(main|dev)$\"", {.kind = "push", .branch = "develop"}, NULL, false},
    /* pull_request: the target branch, types, labels */
    {"on pull_request \"main\"", {.kind = "pull_request", .base = "main", .branch = "feature/x", .pr_action = "opened"}, NULL, true},
    {"on pull_request \"main\"", {.kind = "pull_request", .base = "feature/x", .branch = "main", .pr_action = "opened"}, NULL, false},
    {"on pull_request \"main\"", {.kind = "pull_request", .base = "main", .pr_action = "synchronize"}, NULL, true},
    {"on pull_request \"main\"", {.kind = "pull_request", .base = "main", .pr_action = "reopened"}, NULL, true},
    {"on pull_request \"main\"", {.kind = "pull_request", .base = "main", .pr_action = "closed"}, NULL, false},
    {"on pull_request \"main\"", {.kind = "pull_request", .base = "main", .pr_action = "labeled"}, NULL, false},
    {"on pull_request \"main\"", {.kind = "pull_request", .base = "main"}, NULL, true}, /* action unknown */
    {"on pull_request \"main\"", {.kind = "pull_request"}, NULL, false},                /* base unknown */
    {"on pull_request", {.kind = "pull_request", .pr_action = "opened"}, NULL, true},
    {"on pull_request \"release/**\"", {.kind = "pull_request", .base = "release/1.x/next", .pr_action = "opened"}, NULL, true},
    {"on pull_request { types = [\"closed\"] }", {.kind = "pull_request", .base = "main", .pr_action = "closed"}, NULL, true},
    {"on pull_request { types = [\"closed\"] }", {.kind = "pull_request", .base = "main", .pr_action = "opened"}, NULL, false},
    {"on pull_request { types = [\"closed\"] }", {.kind = "pull_request", .base = "main"}, NULL, false},
    {"on pull_request { types = \"closed\" }", {.kind = "pull_request", .pr_action = "closed"}, NULL, true},
    {"on pull_request \"main\" { types = [\"labeled\"]  labels = [\"preview\"] }",
     {.kind = "pull_request", .base = "main", .pr_action = "labeled", LABELS("chore", "preview")}, NULL, true},
    {"on pull_request \"main\" { types = [\"labeled\"]  labels = [\"preview\"] }",
     {.kind = "pull_request", .base = "main", .pr_action = "labeled", LABELS("chore")}, NULL, false},
    {"on pull_request \"main\" { types = [\"labeled\"]  labels = [\"preview\"] }",
     {.kind = "pull_request", .base = "main", .pr_action = "opened", LABELS("preview")}, NULL, false},
    {"on pull_request { labels = [\"a\", \"b\"] }", {.kind = "pull_request", .pr_action = "opened", LABELS("a")}, NULL, false},
    {"on pull_request { labels = [\"a\", \"b\"] }", {.kind = "pull_request", .pr_action = "opened", LABELS("b", "x", "a")}, NULL, true},
    /* tag: glob or regex */
    {"on tag \"v*-rc.*\"", {.kind = "tag", .tag = "v1.4.0-rc.2"}, NULL, true},
    {"on tag \"v*-rc.*\"", {.kind = "tag", .tag = "v1.4.0"}, NULL, false},
    {"on tag \"v*-rc.*\"", {.kind = "push", .branch = "v1-rc.1"}, NULL, false},
    {"on tag re\"^v\\d+\\.\\d+\\.\\d+$\"", {.kind = "tag", .tag = "v1.2.3"}, NULL, true},
    {"on tag re\"^v\\d+\\.\\d+\\.\\d+$\"", {.kind = "tag", .tag = "v1.2.3-rc.1"}, NULL, false},
    {"on tag re\"^v\\d+\\.\\d+\\.\\d+$\"", {.kind = "tag", .tag = "release-v1.2.3"}, NULL, false},
    {"on tag re\"rc\"", {.kind = "tag", .tag = "v2-rc3"}, NULL, true}, /* searched, like =~ */
    {"on tag", {.kind = "tag", .tag = "anything"}, NULL, true},
    /* manual */
    {"on manual", {.kind = "manual", .branch = "main"}, NULL, true},
    {"on manual", {.kind = "push", .branch = "main"}, NULL, false},
    {"on manual \"main\"", {.kind = "manual", .branch = "dev"}, NULL, false},
    /* schedule: the cron text */
    {"on schedule \"0 3 * * *\"", {.kind = "schedule"}, "0 3 * * *", true},
    {"on schedule \"0 3 * * *\"", {.kind = "schedule"}, "0  3 *  * *", true},
    {"on schedule \"0 3 * * *\"", {.kind = "schedule"}, "0 4 * * *", false},
    {"on schedule \"0 3 * * *\"", {.kind = "schedule"}, "0 3 * * * *", false},
    {"on schedule \"0 3 * * *\"", {.kind = "schedule"}, NULL, true}, /* the runner did not say */
    {"on schedule", {.kind = "schedule"}, "*/5 * * * *", true},
    {"on schedule", {.kind = "push", .branch = "main"}, NULL, false},
    /* local */
    {"on local", {.kind = "local", .branch = "main"}, NULL, true},
    {"on local", {.kind = "local"}, NULL, true},
    {"on local", {.kind = "push", .branch = "main"}, NULL, false},
    {"on local \"feature/*\"", {.kind = "local", .branch = "feature/a"}, NULL, true},
    {"on local \"feature/*\"", {.kind = "local", .branch = "main"}, NULL, false},
};

static void test_table(void) {
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    const Row *r = &rows[i];
    char *text = xasprintf("%s -> s\nstage s { }\n", r->trigger);
    Parsed p = parse(text);
    Value ev = make_event(r->event);
    if (r->schedule) map_set(ev, "schedule", v_cstr(r->schedule));
    char *why = NULL;
    bool got = trigger_matches(first_trigger(p), ev, NULL, &why);
    if (!check_at(got == r->want, "table row", __FILE__, __LINE__)) {
      char *evs = member_text(ev, "kind");
      fprintf(stderr, "    row %zu: %s vs event %s: got %s, want %s (%s)\n", i, r->trigger, evs,
              got ? "match" : "no match", r->want ? "match" : "no match", why);
      free(evs);
    }
    check_at(why && !strncmp(why, "on ", 3), "why starts with the trigger", __FILE__, __LINE__);
    free(why);
    value_release(ev);
    parsed_free(p);
    free(text);
  }
}

static void check_why(const char *trigger, EventFlags f, const char *want_why) {
  char *text = xasprintf("%s -> s\nstage s { }\n", trigger);
  Parsed p = parse(text);
  Value ev = make_event(f);
  char *why = NULL;
  trigger_matches(first_trigger(p), ev, NULL, &why);
  CHECK_STR(why, want_why);
  free(why);
  value_release(ev);
  parsed_free(p);
  free(text);
}

static void test_reasons(void) {
  check_why("on push \"main\"", (EventFlags){.kind = "push", .branch = "main"},
            "on push \"main\" matched branch main");
  check_why("on push [\"main\", \"release/*\"]", (EventFlags){.kind = "push", .branch = "dev"},
            "on push [\"main\", \"release/*\"] did not match branch dev");
  check_why("on push \"main\"", (EventFlags){.kind = "tag", .tag = "v1"},
            "on push \"main\" did not match: the event is tag");
  check_why("on pull_request \"main\"", (EventFlags){.kind = "pull_request", .base = "main", .pr_action = "closed"},
            "on pull_request \"main\" matched target branch main; action closed is not in types "
            "[\"opened\", \"synchronize\", \"reopened\"]");
  check_why("on pull_request { labels = [\"preview\"] }",
            (EventFlags){.kind = "pull_request", .base = "main", .pr_action = "opened"},
            "on pull_request matched target branch main; label preview is missing");
  check_why("on tag re\"^v\\d+$\"", (EventFlags){.kind = "tag", .tag = "v12"},
            "on tag re\"^v\\d+$\" matched tag v12");
}

/* ---- manual inputs ---- */

static const char *manual_src =
    "on manual(release_tag: string, dry: bool = false, replicas: int = 2, ratio: number = 0.5) -> promote\n"
    "stage promote { }\n";

/* Converts `given` (NAME=value strings) for the manual trigger; returns
 * the REPL form of the result, or "error: ..." */
static char *inputs_of(Parsed p, const char *const *given, int n) {
  Value in = v_map();
  for (int i = 0; i < n; i++) {
    const char *eq = strchr(given[i], '=');
    char *k = xstrndup(given[i], (size_t)(eq - given[i]));
    map_set(in, k, v_cstr(eq + 1));
    free(k);
  }
  Value out;
  char *err = NULL;
  char *res;
  if (trigger_inputs(first_trigger(p), p.p, in, &out, &err)) {
    Buf b = {0};
    value_show(out, &b);
    res = buf_take(&b);
    value_release(out);
  } else {
    res = xasprintf("error: %s", err);
    free(err);
  }
  value_release(in);
  return res;
}

#define CHECK_INPUTS(p, want, ...)                                                                  \
  do {                                                                                              \
    const char *g_[] = {__VA_ARGS__};                                                               \
    char *got_ = inputs_of((p), g_ + 1, (int)(sizeof g_ / sizeof *g_) - 1);                         \
    CHECK_STR(got_, want);                                                                          \
    free(got_);                                                                                     \
  } while (0)

static void test_manual_inputs(void) {
  Parsed p = parse(manual_src);
  CHECK_INPUTS(p, "{release_tag: \"v1.4.0\", dry: false, replicas: 2, ratio: 0.5}", "", "release_tag=v1.4.0");
  CHECK_INPUTS(p, "{release_tag: \"v1\", dry: true, replicas: -3, ratio: 2.5}", "", "release_tag=v1",
               "dry=true", "replicas=-3", "ratio=25e-1");
  CHECK_INPUTS(p, "{release_tag: \"\", dry: false, replicas: 2, ratio: 2.0}", "", "release_tag=", "ratio=2");
  CHECK_INPUTS(p, "error: missing required input 'release_tag' (string): pass --input release_tag=VALUE", "");
  CHECK_INPUTS(p, "error: input 'dry' wants a bool (true or false), not 'yes'", "", "release_tag=v1", "dry=yes");
  CHECK_INPUTS(p, "error: input 'replicas' wants an int, not '3x'", "", "release_tag=v1", "replicas=3x");
  CHECK_INPUTS(p, "error: input 'replicas' wants an int, not '2.5'", "", "release_tag=v1", "replicas=2.5");
  CHECK_INPUTS(p, "error: input 'ratio' wants a number, not 'half'", "", "release_tag=v1", "ratio=half");
  CHECK_INPUTS(p, "error: input 'ratio' wants a number, not '0x10'", "", "release_tag=v1", "ratio=0x10");
  CHECK_INPUTS(p, "error: input 'ratio' wants a number, not 'nan'", "", "release_tag=v1", "ratio=nan");
  CHECK_INPUTS(p, "error: input 'replicas' wants an int, not ' 3'", "", "release_tag=v1", "replicas= 3");
  CHECK_INPUTS(p, "error: input 'replicas' wants an int, not '99999999999999999999'", "", "release_tag=v1",
               "replicas=99999999999999999999");
  CHECK_INPUTS(p, "error: input 'dry' wants a bool (true or false), not 'True'", "", "release_tag=v1", "dry=True");
  CHECK_INPUTS(p,
               "error: unknown input 'relase_tag' (inputs: release_tag: string, dry: bool, replicas: int, "
               "ratio: number)",
               "", "relase_tag=v1");
  parsed_free(p);

  Parsed none = parse("on manual -> s\nstage s { }\n");
  CHECK_INPUTS(none, "{}", "");
  CHECK_INPUTS(none, "error: unknown input 'x': the manual trigger declares no inputs", "", "x=1");
  parsed_free(none);

  Parsed badtype = parse("on manual(when: date) -> s\nstage s { }\n");
  CHECK_INPUTS(badtype, "error: input 'when' has type 'date': inputs are string, bool, int, number, choice or environment", "",
               "when=today");
  parsed_free(badtype);

  Parsed baddef = parse("on manual(n: int = \"many\") -> s\nstage s { }\n");
  CHECK_INPUTS(baddef, "error: the default of input 'n' is not an int", "");
  parsed_free(baddef);

  /* typed values (a JSON payload) are accepted as they are */
  Parsed typed = parse("on manual(dry: bool, n: number) -> s\nstage s { }\n");
  Value in = v_map(), out;
  map_set(in, "dry", v_bool(true));
  map_set(in, "n", v_int(4));
  char *err = NULL;
  CHECK(trigger_inputs(first_trigger(typed), typed.p, in, &out, &err));
  char *shown_ = member_text(out, "dry");
  CHECK_STR(shown_, "true");
  free(shown_);
  value_release(out);
  map_set(in, "dry", v_int(1));
  CHECK(!trigger_inputs(first_trigger(typed), typed.p, in, &out, &err));
  CHECK_STR(err, "input 'dry' wants a bool (true or false), not '1'");
  free(err);
  value_release(in);
  parsed_free(typed);
}

/* ---- trigger_plan: goals, reasons, inputs ---- */

static const char *release_src =
    "on pull_request \"main\" -> preview\n"
    "on pull_request { types = [\"closed\"] } -> preview_cleanup\n"
    "on push \"main\" -> promote_staging, build\n"
    "on push [\"main\", \"release/*\"] -> build, test\n"
    "on tag \"v*-rc.*\" -> promote_uat\n"
    "on manual(release_tag: string, dry: bool = false) -> promote_prod\n"
    "on local -> deploy_dev\n"
    "stage preview { }\nstage preview_cleanup { }\nstage promote_staging { }\nstage build { }\n"
    "stage test { }\nstage promote_uat { }\nstage promote_prod { }\nstage deploy_dev { }\n";

static char *goal_names(const TriggerPlan *tp) {
  Buf b = {0};
  for (int i = 0; i < tp->ngoals; i++) buf_printf(&b, "%s%s", i ? " " : "", tp->goals[i].stage);
  return b.data ? buf_take(&b) : xstrdup("");
}

static void test_plan(void) {
  Parsed p = parse(release_src);
  TriggerPlan tp;
  char *err = NULL;

  Value ev = make_event((EventFlags){.kind = "push", .branch = "main"});
  CHECK(trigger_plan(p.p, ev, "/nonexistent", &tp, &err));
  char *names = goal_names(&tp);
  CHECK_STR(names, "promote_staging build test");
  free(names);
  CHECK_STR(tp.goals[0].why, "on push \"main\" matched branch main");
  CHECK_STR(tp.goals[2].why, "on push [\"main\", \"release/*\"] matched branch main");
  CHECK(tp.nverdicts == 7 && !tp.verdicts[0].matched && tp.verdicts[2].matched);
  CHECK(!tp.changed_computed); /* no trigger has paths: no diff */
  trigger_plan_free(&tp);
  value_release(ev);

  ev = make_event((EventFlags){.kind = "pull_request", .base = "main", .pr_action = "closed"});
  CHECK(trigger_plan(p.p, ev, "/nonexistent", &tp, &err));
  names = goal_names(&tp);
  CHECK_STR(names, "preview_cleanup");
  free(names);
  trigger_plan_free(&tp);
  value_release(ev);

  ev = make_event((EventFlags){.kind = "tag", .tag = "v2.0.0"});
  CHECK(trigger_plan(p.p, ev, "/nonexistent", &tp, &err));
  CHECK(tp.ngoals == 0);
  trigger_plan_free(&tp);
  value_release(ev);

  /* manual: event.inputs converted in place */
  ev = make_event((EventFlags){.kind = "manual", .inputs = (const char *[]){"release_tag=v1.4.0"}, .ninputs = 1});
  CHECK(trigger_plan(p.p, ev, "/nonexistent", &tp, &err));
  names = goal_names(&tp);
  CHECK_STR(names, "promote_prod");
  free(names);
  CHECK_MEMBER(ev, "inputs", "{release_tag: \"v1.4.0\", dry: false}");
  trigger_plan_free(&tp);
  value_release(ev);

  ev = make_event((EventFlags){.kind = "manual"});
  CHECK(!trigger_plan(p.p, ev, "/nonexistent", &tp, &err));
  CHECK_STR(err, "missing required input 'release_tag' (string): pass --input release_tag=VALUE");
  CHECK(tp.ngoals == 0 && tp.goals == NULL);
  free(err), err = NULL;
  value_release(ev);

  /* a recorded workflow_dispatch, end to end: strings from the payload */
  char **env = env_load("github-workflow-dispatch.env", NULL);
  CHECK(event_from_github(env, &ev, &err));
  CHECK(!trigger_plan(p.p, ev, "/nonexistent", &tp, &err)); /* payload has 'replicas' */
  CHECK_STR(err, "unknown input 'replicas' (inputs: release_tag: string, dry: bool)");
  free(err), err = NULL;
  map_delete(map_get(ev, "inputs"), "replicas");
  CHECK(trigger_plan(p.p, ev, "/nonexistent", &tp, &err));
  CHECK_MEMBER(ev, "inputs", "{release_tag: \"v1.4.0\", dry: true}");
  trigger_plan_free(&tp);
  value_release(ev);
  env_free(env);
  parsed_free(p);
}

/* ---- paths, against a real repository ---- */

static bool fires(const char *trigger, Value ev, const char *dir, char **why) {
  char *text = xasprintf("%s -> s\nstage s { }\n", trigger);
  Parsed p = parse(text);
  TriggerPlan tp;
  char *err = NULL;
  bool ok = trigger_plan(p.p, ev, dir, &tp, &err) && tp.ngoals == 1;
  if (why) *why = tp.nverdicts ? xstrdup(tp.verdicts[0].why) : NULL;
  trigger_plan_free(&tp);
  free(err);
  parsed_free(p);
  free(text);
  return ok;
}

static char *changed_list(Value ev, const char *dir) {
  GitChanges cf;
  changed_files_compute(dir, ev, &cf);
  Buf b = {0};
  if (!cf.known) buf_printf(&b, "unknown: %s", cf.why);
  for (size_t i = 0; i < cf.paths.n; i++) buf_printf(&b, "%s%s", i ? " " : "", cf.paths.items[i]);
  gitp_changes_free(&cf);
  return b.data ? buf_take(&b) : xstrdup("");
}

#define CHECK_CHANGED(ev, dir, want)                                                                \
  do {                                                                                              \
    char *c_ = changed_list((ev), (dir));                                                           \
    CHECK_STR(c_, want);                                                                            \
    free(c_);                                                                                       \
  } while (0)

static void test_paths(void) {
  char *dir = temp_dir();
  git_repository *repo = repo_create(dir);
  put_file(dir, "README.md", "hello\n");
  put_file(dir, "src/a.c", "int a;\n");
  put_file(dir, "docs/guide.md", "guide\n");
  char *c1 = repo_commit(repo, "first");
  put_file(dir, "docs/guide.md", "guide, longer\n");
  char *c2 = repo_commit(repo, "docs");
  put_file(dir, "src/deep/b.c", "int b;\n");
  put_file(dir, "README.md", NULL);
  char *c3 = repo_commit(repo, "deep source, no readme");

  /* push with before: the whole range */
  Value ev = make_event((EventFlags){.kind = "push", .branch = "main", .sha = c3});
  map_set(ev, "before", v_cstr(c1));
  CHECK_CHANGED(ev, dir, "README.md docs/guide.md src/deep/b.c");
  char *why = NULL;
  CHECK(fires("on push \"main\" { paths = [\"src/**\"] }", ev, dir, &why));
  CHECK_STR(why, "on push \"main\" matched branch main, and src/deep/b.c matches paths \"src/**\"");
  free(why);
  CHECK(!fires("on push \"main\" { paths = [\"src/*\"] }", ev, dir, &why)); /* * stops at / */
  CHECK(why && strstr(why, "no file changed in") && strstr(why, "(3 files changed)"));
  free(why);
  CHECK(fires("on push \"main\" { paths = [\"README.md\"] }", ev, dir, NULL)); /* deletions count */
  CHECK(!fires("on push \"dev\" { paths = [\"src/**\"] }", ev, dir, NULL));
  /* GitHub's order-sensitive negation: README.md alone is excluded, docs/guide.md still fires */
  CHECK(fires("on push { paths = [\"**.md\", \"!README.md\"] }", ev, dir, NULL));
  CHECK(!fires("on push { paths = [\"*.md\", \"!README.md\"] }", ev, dir, NULL));
  CHECK(fires("on push { paths = [\"*.md\", \"!README.md\", \"README*\"] }", ev, dir, NULL));
  CHECK(!fires("on push { paths = [\"**\", \"!src/**\", \"!docs/**\", \"!*.md\"] }", ev, dir, NULL));

  /* push without before: sha^..sha */
  map_set(ev, "before", v_null());
  map_set(ev, "sha", v_cstr(c2));
  CHECK_CHANGED(ev, dir, "docs/guide.md");
  CHECK(!fires("on push { paths = \"src/**\" }", ev, dir, NULL));
  CHECK(fires("on push { paths = [\"src/**\", \"docs/*.md\"] }", ev, dir, NULL));
  /* a root commit: all its files */
  map_set(ev, "sha", v_cstr(c1));
  CHECK_CHANGED(ev, dir, "README.md docs/guide.md src/a.c");
  /* no sha: HEAD */
  map_set(ev, "sha", v_null());
  CHECK_CHANGED(ev, dir, "README.md src/deep/b.c");
  value_release(ev);

  /* pull request: merge-base(main, HEAD)..HEAD, so main's later commits do not count */
  repo_switch(repo, "feature/x", true);
  put_file(dir, "src/feature.c", "int f;\n");
  char *f1 = repo_commit(repo, "feature");
  repo_switch(repo, "main", false);
  put_file(dir, "docs/other.md", "main moved on\n");
  char *m4 = repo_commit(repo, "main moves");
  repo_switch(repo, "feature/x", false);
  ev = make_event((EventFlags){.kind = "pull_request", .base = "main", .branch = "feature/x", .pr_action = "opened"});
  CHECK_CHANGED(ev, dir, "src/feature.c");
  CHECK(fires("on pull_request \"main\" { paths = [\"src/**\"] }", ev, dir, NULL));
  CHECK(!fires("on pull_request \"main\" { paths = [\"docs/**\"] }", ev, dir, NULL));
  /* the target branch is unknown to the repository: cannot tell, the trigger fires */
  map_set(ev, "base", v_cstr("release/9"));
  CHECK_CHANGED(ev, dir, "unknown: the target branch release/9 is not in the repository (fetch it: git fetch origin release/9)");
  CHECK(fires("on pull_request { paths = [\"docs/**\"] }", ev, dir, &why));
  CHECK(why && strstr(why, "changed files unknown") && strstr(why, "paths not applied"));
  free(why);

  /* GitHub's checkout of refs/pull/N/merge: a merge commit at HEAD */
  git_object *main_c, *feat_c;
  git_revparse_single(&main_c, repo, m4);
  git_revparse_single(&feat_c, repo, f1);
  git_index *merged;
  git_oid tree_oid, merge_oid;
  git_tree *tree;
  git_signature *sig;
  git_signature_new(&sig, "Test", "test@example.com", 1700000000, 0);
  if (git_merge_commits(&merged, repo, (git_commit *)main_c, (git_commit *)feat_c, NULL) ||
      git_index_write_tree_to(&tree_oid, merged, repo) || git_tree_lookup(&tree, repo, &tree_oid))
    die_git("merge");
  const git_commit *parents[] = {(git_commit *)main_c, (git_commit *)feat_c};
  git_commit_create(&merge_oid, repo, NULL, sig, sig, NULL, "Merge", tree, 2, parents);
  git_repository_set_head_detached(repo, &merge_oid);
  CHECK_CHANGED(ev, dir, "src/feature.c"); /* base release/9 still unknown */
  git_tree_free(tree);
  git_index_free(merged);
  git_signature_free(sig);
  git_object_free(main_c);
  git_object_free(feat_c);
  value_release(ev);
  repo_switch(repo, "feature/x", false);

  /* local: HEAD^..HEAD plus staged, modified and untracked files */
  ev = make_event((EventFlags){.kind = "local"});
  CHECK_CHANGED(ev, dir, "src/feature.c");
  put_file(dir, "web/new/app.js", "new\n");   /* untracked, in a new directory */
  put_file(dir, "docs/guide.md", "edited\n"); /* modified, not staged */
  CHECK_CHANGED(ev, dir, "docs/guide.md src/feature.c web/new/app.js");
  CHECK(fires("on local { paths = [\"web/**\"] }", ev, dir, NULL));
  CHECK(!fires("on local { paths = [\"chart/**\"] }", ev, dir, NULL));
  put_file(dir, ".gitignore", "*.log\n");
  put_file(dir, "build.log", "ignored\n");
  CHECK_CHANGED(ev, dir, ".gitignore docs/guide.md src/feature.c web/new/app.js");
  value_release(ev);

  /* not a repository: unknown, and the trigger fires saying so */
  char *plain = temp_dir();
  ev = make_event((EventFlags){.kind = "push", .branch = "main"});
  char *want = xasprintf("unknown: %s is not in a git repository", plain);
  CHECK_CHANGED(ev, plain, want);
  CHECK(fires("on push { paths = [\"src/**\"] }", ev, plain, NULL));
  value_release(ev);
  free(want);
  remove_tree(plain);
  free(plain);

  git_repository_free(repo);
  free(c1), free(c2), free(c3), free(f1), free(m4);
  remove_tree(dir);
  free(dir);
}

int main(void) {
  git_libgit2_init();
  char *home = temp_dir();
  git_isolate(home);
  test_table();
  test_reasons();
  test_manual_inputs();
  test_plan();
  test_paths();
  remove_tree(home);
  free(home);
  git_libgit2_shutdown();
  return check_done();
}
