/* event.c — building the `event` map from flags, CI runners and git. */
#include "run/event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lang/ast.h"
#include "prim/git.h"

/* ---- small helpers ---- */

const char *env_lookup(char **envp, const char *name) {
  if (!envp) return NULL;
  size_t n = strlen(name);
  for (char **e = envp; *e; e++)
    if (!strncmp(*e, name, n) && (*e)[n] == '=') return *e + n + 1;
  return NULL;
}

/* An empty CI variable means "not set" (GitLab defines many as ""). */
static const char *env_nonempty(char **envp, const char *name) {
  const char *v = env_lookup(envp, name);
  return v && *v ? v : NULL;
}

/* A git sha of only zeros means "no commit" (a new branch, a deleted one). */
static bool is_null_sha(const char *s) {
  if (!s || !*s) return true;
  for (; *s; s++)
    if (*s != '0') return false;
  return true;
}

static bool parse_positive(const char *s, int64_t *out) {
  if (!s || !*s) return false;
  char *end;
  errno = 0;
  long long n = strtoll(s, &end, 10);
  if (*end || errno || n <= 0) return false;
  *out = n;
  return true;
}

/* ---- the fields (lang/event_fields.h) ---- */

static const char *const FIELD[] = {EVENT_FIELDS(EVENT_FIELD_NAME)};
static const EventType FIELD_TYPE[] = {EVENT_FIELDS(EVENT_FIELD_TYPE)};
static const char *const PR_FIELD[] = {EVENT_PR_FIELDS(EVENT_FIELD_NAME)};
static const EventType PR_FIELD_TYPE[] = {EVENT_PR_FIELDS(EVENT_FIELD_TYPE)};

/* What a field holds until a source sets it. */
static Value unset(EventType t) { return t == EVENT_LIST ? v_list() : t == EVENT_MAP ? v_map() : v_null(); }

Value event_get(Value ev, EventField f) { return value_get(ev, FIELD[f]); }
const char *event_str(Value ev, EventField f) { return value_get_str(ev, FIELD[f]); }
void event_set(Value ev, EventField f, Value v) { map_set(ev, FIELD[f], v); }
Value event_pr_get(Value pr, PrField f) { return value_get(pr, PR_FIELD[f]); }
const char *event_pr_str(Value pr, PrField f) { return value_get_str(pr, PR_FIELD[f]); }

static void pr_set(Value pr, PrField f, Value v) { map_set(pr, PR_FIELD[f], v); }

/* Sets a string field when the source knows it; NULL leaves it. */
static void set_str(Value ev, EventField f, const char *s) {
  if (s) event_set(ev, f, v_cstr(s));
}

static void pr_set_str(Value pr, PrField f, const char *s) {
  if (s) pr_set(pr, f, v_cstr(s));
}

Value event_new(const char *kind) {
  Value ev = v_map();
  for (int f = 0; f < EF_COUNT; f++) event_set(ev, f, unset(FIELD_TYPE[f]));
  set_str(ev, EF_KIND, kind);
  return ev;
}

static Value pr_new(void) {
  Value pr = v_map();
  for (int f = 0; f < PRF_COUNT; f++) pr_set(pr, f, unset(PR_FIELD_TYPE[f]));
  return pr;
}

/* ---- flags ---- */

#define AT(field) offsetof(EventFlags, field)
const EventFlag event_flags[] = {
    {"event", "KIND", "the event: push, pull_request, tag, manual, schedule or local", AT(kind)},
    {"branch", "B", "the branch built (a pull request's head branch)", AT(branch)},
    {"base", "B", "a pull request's target branch", AT(base)},
    {"tag", "T", "the tag of a tag event", AT(tag)},
    {"pr", "N", "a pull request's number", AT(pr)},
    {"pr-action", "A", "what happened to the pull request: opened, synchronize...", AT(pr_action)},
    {"pr-fork", "BOOL", "whether the pull request comes from a fork: true or false", AT(pr_fork)},
    {"label", "L", "a pull request label (repeatable)", 0},
    {"input", "k=v", "a manual input (repeatable)", 0},
    {"sha", "S", "the commit", AT(sha)},
    {"actor", "A", "who started it", AT(actor)},
    {"schedule", "CRON", "the cron text of a schedule event", AT(schedule)},
    {NULL, NULL, NULL, 0},
};
#undef AT

bool event_flag_set(EventFlags *f, const char *name, const char *value) {
  for (const EventFlag *e = event_flags; e->name; e++) {
    if (strcmp(e->name, name)) continue;
    if (!strcmp(name, "label")) VEC_PUSH(f->labels, f->nlabels, f->labels_cap, value);
    else if (!strcmp(name, "input")) VEC_PUSH(f->inputs, f->ninputs, f->inputs_cap, value);
    else *(const char **)((char *)f + e->at) = value;
    return true;
  }
  return false;
}

void event_flags_free(EventFlags *f) {
  free(f->labels);
  free(f->inputs);
  f->labels = f->inputs = NULL;
  f->nlabels = f->ninputs = f->labels_cap = f->inputs_cap = 0;
}

/* The pr map of a pull request event, created on first need. */
static Value ensure_pr(Value ev) {
  Value pr = event_get(ev, EF_PR);
  if (pr.kind != V_MAP) {
    event_set(ev, EF_PR, pr_new());
    pr = event_get(ev, EF_PR);
  }
  return pr;
}

bool event_apply_flags(Value ev, const EventFlags *f, char **err) {
  if (f->kind) {
    if (event_kind_lookup(f->kind) < 0) {
      *err = xasprintf("unknown event '%s' (events: push, pull_request, tag, manual, schedule, local)",
                       f->kind);
      return false;
    }
    event_set(ev, EF_KIND, v_cstr(f->kind));
  } else if (f->pr || f->pr_action || f->pr_fork || f->nlabels) {
    event_set(ev, EF_KIND, v_cstr("pull_request")); /* --pr alone says what the event is */
  } else if (f->tag) {
    event_set(ev, EF_KIND, v_cstr("tag"));
  } else if (f->schedule) {
    event_set(ev, EF_KIND, v_cstr("schedule"));
  }
  set_str(ev, EF_BRANCH, f->branch);
  set_str(ev, EF_BASE, f->base);
  set_str(ev, EF_TAG, f->tag);
  set_str(ev, EF_SHA, f->sha);
  set_str(ev, EF_ACTOR, f->actor);
  set_str(ev, EF_SCHEDULE, f->schedule);

  bool is_pr = !strcmp(str_chars(event_get(ev, EF_KIND)), "pull_request");
  if (!is_pr) {
    event_set(ev, EF_PR, v_null());
  } else {
    Value pr = ensure_pr(ev);
    if (f->pr) {
      int64_t n;
      if (!parse_positive(f->pr, &n)) {
        *err = xasprintf("--pr wants a pull request number, not '%s'", f->pr);
        return false;
      }
      pr_set(pr, PRF_NUMBER, v_int(n));
    }
    pr_set_str(pr, PRF_ACTION, f->pr_action);
    if (f->pr_fork) {
      if (strcmp(f->pr_fork, "true") && strcmp(f->pr_fork, "false")) {
        *err = xasprintf("--pr-fork wants true or false, not '%s'", f->pr_fork);
        return false;
      }
      pr_set(pr, PRF_FORK, v_bool(!strcmp(f->pr_fork, "true")));
    }
    if (f->nlabels) {
      Value labels = event_pr_get(pr, PRF_LABELS);
      for (int i = 0; i < f->nlabels; i++) {
        bool have = false;
        for (size_t j = 0; j < list_len(labels); j++)
          if (is_str(list_get(labels, j)) && !strcmp(str_chars(list_get(labels, j)), f->labels[i]))
            have = true;
        if (!have) list_push(labels, v_cstr(f->labels[i]));
      }
    }
  }

  Value inputs = event_get(ev, EF_INPUTS);
  for (int i = 0; i < f->ninputs; i++) {
    const char *eq = strchr(f->inputs[i], '=');
    if (!eq || eq == f->inputs[i]) {
      *err = xasprintf("--input wants NAME=VALUE, not '%s'", f->inputs[i]);
      return false;
    }
    char *name = xstrndup(f->inputs[i], (size_t)(eq - f->inputs[i]));
    map_set(inputs, name, v_cstr(eq + 1));
    free(name);
  }
  return true;
}

/* ---- GitHub Actions ---- */

static const char *strip_prefix(const char *s, const char *prefix) {
  size_t n = strlen(prefix);
  return s && !strncmp(s, prefix, n) ? s + n : NULL;
}

/* GitHub's event names, as rp's kinds. */
static const char *github_kind(const char *name) {
  static const char *const map[][2] = {
      {"push", "push"},
      {"pull_request", "pull_request"},
      {"pull_request_target", "pull_request"},
      {"workflow_dispatch", "manual"},
      {"schedule", "schedule"},
  };
  for (size_t i = 0; i < sizeof map / sizeof *map; i++)
    if (!strcmp(name, map[i][0])) return map[i][1];
  return NULL;
}

static bool load_json_file(const char *path, Value *out, char **err) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text) {
    *err = xasprintf("cannot read the GitHub event payload %s: %s", path, strerror(errno));
    return false;
  }
  char *jerr = NULL;
  bool ok = json_parse(text, len, out, &jerr);
  free(text);
  if (!ok) {
    *err = xasprintf("%s: %s", path, jerr);
    free(jerr);
  }
  return ok;
}

static void github_pull_request(Value ev, Value payload) {
  Value p = value_get(payload, "pull_request");
  Value pr = ensure_pr(ev);
  Value num = value_get(p, "number");
  if (num.kind != V_INT) num = value_get(payload, "number");
  if (num.kind == V_INT) pr_set(pr, PRF_NUMBER, num);
  pr_set_str(pr, PRF_ACTION, value_get_str(payload, "action"));
  pr_set_str(pr, PRF_TITLE, value_get_str(p, "title"));
  Value labels = value_get(p, "labels");
  if (labels.kind == V_LIST) {
    Value names = event_pr_get(pr, PRF_LABELS);
    for (size_t i = 0; i < list_len(labels); i++) {
      const char *name = value_get_str(list_get(labels, i), "name");
      if (name) list_push(names, v_cstr(name));
    }
  }
  /* a fork: the head is in another repository; a deleted fork leaves
   * head.repo null */
  Value head_repo = value_get(value_get(p, "head"), "repo");
  const char *head = value_get_str(head_repo, "full_name"), *base = value_get_str(value_get(value_get(p, "base"), "repo"), "full_name");
  if (head && base) pr_set(pr, PRF_FORK, v_bool(strcmp(head, base) != 0));
  else if (head_repo.kind == V_NULL && value_get(p, "head").kind == V_MAP && base) pr_set(pr, PRF_FORK, v_bool(true));
  /* the payload names the branches even where the variables do not */
  set_str(ev, EF_BRANCH, value_get_str(value_get(p, "head"), "ref"));
  set_str(ev, EF_BASE, value_get_str(value_get(p, "base"), "ref"));
  set_str(ev, EF_SHA, value_get_str(value_get(p, "head"), "sha"));
}

bool event_from_github(char **envp, Value *out, char **err) {
  const char *name = env_nonempty(envp, "GITHUB_EVENT_NAME");
  const char *kind = name ? github_kind(name) : NULL;
  if (!kind) {
    *err = xasprintf("GitHub event '%s' has no rp equivalent: pass --event KIND",
                     name ? name : "(GITHUB_EVENT_NAME unset)");
    return false;
  }
  Value payload = v_null();
  const char *path = env_nonempty(envp, "GITHUB_EVENT_PATH");
  if (path && !load_json_file(path, &payload, err)) return false;

  const char *ref = env_nonempty(envp, "GITHUB_REF");
  const char *tag = strip_prefix(ref, "refs/tags/");
  if (!strcmp(kind, "push") && tag) kind = "tag";
  Value ev = event_new(kind);
  set_str(ev, EF_BRANCH, strip_prefix(ref, "refs/heads/"));
  set_str(ev, EF_TAG, tag);
  set_str(ev, EF_SHA, env_nonempty(envp, "GITHUB_SHA"));
  set_str(ev, EF_ACTOR, env_nonempty(envp, "GITHUB_ACTOR"));

  if (!strcmp(kind, "pull_request")) {
    set_str(ev, EF_BRANCH, env_nonempty(envp, "GITHUB_HEAD_REF"));
    set_str(ev, EF_BASE, env_nonempty(envp, "GITHUB_BASE_REF"));
    github_pull_request(ev, payload);
  } else if (!strcmp(kind, "push") || !strcmp(kind, "tag")) {
    const char *before = value_get_str(payload, "before");
    if (!is_null_sha(before)) set_str(ev, EF_BEFORE, before);
    const char *after = value_get_str(payload, "after");
    if (!is_null_sha(after)) set_str(ev, EF_SHA, after);
  } else if (!strcmp(kind, "manual")) {
    Value inputs = value_get(payload, "inputs");
    if (inputs.kind == V_MAP) event_set(ev, EF_INPUTS, map_copy(inputs));
  } else if (!strcmp(kind, "schedule")) {
    set_str(ev, EF_SCHEDULE, value_get_str(payload, "schedule"));
  }
  value_release(payload);
  *out = ev;
  return true;
}

/* ---- GitLab CI ---- */

static const char *gitlab_kind(const char *source, bool tagged) {
  if (!strcmp(source, "push")) return tagged ? "tag" : "push";
  if (!strcmp(source, "merge_request_event")) return "pull_request";
  if (!strcmp(source, "web") || !strcmp(source, "api") || !strcmp(source, "trigger"))
    return "manual";
  if (!strcmp(source, "schedule")) return "schedule";
  return NULL;
}

static void split_labels(Value list, const char *csv) {
  while (csv && *csv) {
    const char *comma = strchr(csv, ',');
    size_t n = comma ? (size_t)(comma - csv) : strlen(csv);
    if (n) list_push(list, v_str(csv, n));
    csv = comma ? comma + 1 : NULL;
  }
}

bool event_from_gitlab(char **envp, Value *out, char **err) {
  const char *source = env_nonempty(envp, "CI_PIPELINE_SOURCE");
  const char *tag = env_nonempty(envp, "CI_COMMIT_TAG");
  const char *kind = source ? gitlab_kind(source, tag != NULL) : NULL;
  if (!kind) {
    *err = xasprintf("GitLab pipeline source '%s' has no rp equivalent: pass --event KIND",
                     source ? source : "(CI_PIPELINE_SOURCE unset)");
    return false;
  }
  Value ev = event_new(kind);
  set_str(ev, EF_BRANCH, env_nonempty(envp, "CI_COMMIT_BRANCH"));
  set_str(ev, EF_TAG, tag);
  set_str(ev, EF_SHA, env_nonempty(envp, "CI_COMMIT_SHA"));
  set_str(ev, EF_ACTOR, env_nonempty(envp, "GITLAB_USER_LOGIN"));
  const char *before = env_nonempty(envp, "CI_COMMIT_BEFORE_SHA");
  if (!strcmp(kind, "push") && !is_null_sha(before)) set_str(ev, EF_BEFORE, before);
  if (!strcmp(kind, "pull_request")) {
    set_str(ev, EF_BRANCH, env_nonempty(envp, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"));
    set_str(ev, EF_BASE, env_nonempty(envp, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"));
    Value pr = ensure_pr(ev);
    int64_t iid;
    if (parse_positive(env_nonempty(envp, "CI_MERGE_REQUEST_IID"), &iid))
      pr_set(pr, PRF_NUMBER, v_int(iid));
    pr_set_str(pr, PRF_TITLE, env_nonempty(envp, "CI_MERGE_REQUEST_TITLE"));
    split_labels(event_pr_get(pr, PRF_LABELS), env_nonempty(envp, "CI_MERGE_REQUEST_LABELS"));
    const char *src = env_nonempty(envp, "CI_MERGE_REQUEST_SOURCE_PROJECT_ID"),
               *dst = env_nonempty(envp, "CI_MERGE_REQUEST_PROJECT_ID");
    if (src && dst) pr_set(pr, PRF_FORK, v_bool(strcmp(src, dst) != 0));
  }
  *out = ev;
  return true;
}

/* ---- a developer's machine: the repository's HEAD ---- */

/* Who acts: $RP_ACTOR, the CI's actor, git's user.name for the repository
 * holding `dir` (else the user's), $USER. */
char *actor_detect(char **envp, const char *dir) {
  const char *vars[] = {"RP_ACTOR", "GITHUB_ACTOR", "GITLAB_USER_LOGIN"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    if (env_nonempty(envp, vars[i])) return xstrdup(env_nonempty(envp, vars[i]));
  GitCtx *git = gitp_new();
  char *name = gitp_user_name(git, dir ? dir : ".");
  gitp_free(git);
  if (name) return name;
  return env_nonempty(envp, "USER") ? xstrdup(env_nonempty(envp, "USER")) : NULL;
}

const char *event_actor(Value event) { return event_str(event, EF_ACTOR); }

Value event_from_local(const char *dir, char **envp) {
  Value ev = event_new("local");
  GitCtx *git = gitp_new();
  GitErr err = {0};
  char *branch = NULL, *sha = NULL;
  /* outside a repository: no branch or sha (not an error) */
  if (gitp_branch(git, dir, &branch, &err)) sha = gitp_sha(git, dir, NULL, &err); /* NULL before the first commit */
  gitp_err_free(&err);
  gitp_free(git);
  if (branch) event_set(ev, EF_BRANCH, v_str_take(branch));
  if (sha) event_set(ev, EF_SHA, v_str_take(sha));
  char *actor = actor_detect(envp, dir);
  if (actor) event_set(ev, EF_ACTOR, v_str_take(actor));
  return ev;
}

/* ---- one line for people ---- */

void event_describe(Value ev, Buf *out) {
  const char *kind = event_str(ev, EF_KIND), *branch = event_str(ev, EF_BRANCH), *tag = event_str(ev, EF_TAG);
  const char *sha = event_str(ev, EF_SHA), *actor = event_str(ev, EF_ACTOR);
  Value pr = event_get(ev, EF_PR);
  buf_puts(out, kind ? kind : "(no event)");
  if (kind && !strcmp(kind, "pull_request")) {
    Value num = event_pr_get(pr, PRF_NUMBER);
    if (num.kind == V_INT) buf_printf(out, " #%lld", (long long)num.as.i);
    const char *base = event_str(ev, EF_BASE), *action = event_pr_str(pr, PRF_ACTION);
    buf_printf(out, " %s -> %s", branch ? branch : "?", base ? base : "?");
    if (action) buf_printf(out, " (%s)", action);
  } else if (kind && !strcmp(kind, "tag")) {
    buf_printf(out, " %s", tag ? tag : "?");
  } else if (kind && !strcmp(kind, "schedule") && event_str(ev, EF_SCHEDULE)) {
    buf_printf(out, " \"%s\"", event_str(ev, EF_SCHEDULE));
  } else if (branch) {
    buf_printf(out, kind && !strcmp(kind, "push") ? " to %s" : " on %s", branch);
  }
  if (sha) buf_printf(out, " at %.7s", sha);
  if (actor) buf_printf(out, " by %s", actor);
}

/* ---- all together ---- */

bool event_detect(const EventFlags *flags, char **envp, const char *dir, Value *out,
                  const char **source, char **err) {
  Value ev;
  const char *from;
  bool flagged_kind = flags && flags->kind;
  char *ci_err = NULL;
  bool ok = true;
  const char *gh = env_lookup(envp, "GITHUB_ACTIONS");
  const char *gl = env_lookup(envp, "GITLAB_CI");
  if (gh && !strcmp(gh, "true")) {
    from = "github";
    ok = event_from_github(envp, &ev, &ci_err);
  } else if (gl && !strcmp(gl, "true")) {
    from = "gitlab";
    ok = event_from_gitlab(envp, &ev, &ci_err);
  } else {
    from = "local";
    ev = event_from_local(dir, envp);
  }
  if (!ok) {
    /* an event rp cannot map is fine when the flags say what it is */
    if (!flagged_kind) {
      *err = ci_err;
      return false;
    }
    free(ci_err);
    ev = event_from_local(dir, envp);
  }
  if (flags && !event_apply_flags(ev, flags, err)) {
    value_release(ev);
    return false;
  }
  if (flagged_kind) from = "flags";
  if (source) *source = from;
  *out = ev;
  return true;
}
