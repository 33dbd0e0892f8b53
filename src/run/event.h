/* event.h — where a run's `event` comes from.
 *
 * The event is a map Value holding every field of lang/event_fields.h,
 * always all present (null when unknown), so `event.base` never fails on
 * a push. Sources, strongest first: command-line flags, the CI runner's
 * environment (GitHub Actions, GitLab CI), the git repository holding the
 * pipeline. doc/events.md is the user-facing description of every rule
 * here. */
#ifndef RP_EVENT_H
#define RP_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/value.h"
#include "lang/event_fields.h"

/* The event flags of `rp run`, `rp plan` and `rp repl`. Strings are
 * borrowed (argv); NULL when the flag was not given. */
typedef struct EventFlags {
  const char *kind;      /* --event KIND */
  const char *branch;    /* --branch B */
  const char *base;      /* --base B */
  const char *tag;       /* --tag T */
  const char *pr;        /* --pr N */
  const char *pr_action; /* --pr-action A */
  const char *pr_fork;   /* --pr-fork true|false */
  const char *sha;       /* --sha S */
  const char *actor;     /* --actor A */
  const char *schedule;  /* --schedule CRON */
  const char **labels;   /* --label L, repeatable (array owned here) */
  int nlabels, labels_cap;
  const char **inputs;   /* --input k=v, repeatable (array owned here) */
  int ninputs, inputs_cap;
} EventFlags;

/* The event flags, one row each: the command line's `--NAME VALUE` (the
 * option table of src/cmd/ reads them from here) and the REPL's
 * `:event KIND NAME=VALUE`. The last row's name is NULL. */
typedef struct EventFlag {
  const char *name; /* without the leading "--" */
  const char *arg;  /* the value, as usage shows it */
  const char *help;
  size_t at;        /* the field of EventFlags it sets (--label, --input append) */
} EventFlag;
extern const EventFlag event_flags[];

/* Sets the flag called `name` to `value` (borrowed); false when there is
 * no such flag. */
bool event_flag_set(EventFlags *f, const char *name, const char *value);
void event_flags_free(EventFlags *f); /* the arrays only */

/* The whole detection: the CI environment in `envp` (NULL-terminated
 * "NAME=value" strings, like environ), else the repository found from
 * `dir` upwards (the pipeline file's directory), then the flags on top.
 * On error (an unknown --event, --pr not a number, --input without '=',
 * an unreadable GitHub payload, a CI event rp cannot map) returns false
 * and sets *err (malloc'd). *source, when not NULL, gets a static name of
 * what the event came from: "flags", "github", "gitlab" or "local". */
bool event_detect(const EventFlags *flags, char **envp, const char *dir, Value *out,
                  const char **source, char **err);

/* One line for `rp plan` and the REPL: `pull_request #42 feature/x -> main
 * (opened) by carol`, `push to main at 1a2b3c4 by alice`. */
void event_describe(Value event, Buf *out);

/* Fields by their id: lenient reads (null / NULL when unset, or when not
 * a string for the _str forms) and a write (takes v). */
Value event_get(Value ev, EventField f);
const char *event_str(Value ev, EventField f);
void event_set(Value ev, EventField f, Value v);
Value event_pr_get(Value pr, PrField f); /* pr: event_get(ev, EF_PR) */
const char *event_pr_str(Value pr, PrField f);

/* The pieces, for tests and for the REPL's `:event`. */
Value event_new(const char *kind); /* every field present, unset */
bool event_from_github(char **envp, Value *out, char **err);
bool event_from_gitlab(char **envp, Value *out, char **err);
/* Never fails: outside a repository, branch and sha stay null. */
Value event_from_local(const char *dir, char **envp);
bool event_apply_flags(Value event, const EventFlags *flags, char **err);

/* Who acts, when nobody says: $RP_ACTOR, the CI's user ($GITHUB_ACTOR,
 * $GITLAB_USER_LOGIN), git's user.name (the repository holding `dir`, else
 * the user's), $USER. Malloc'd; NULL when none is set. */
char *actor_detect(char **envp, const char *dir);
/* The event's actor, or NULL (borrowed). */
const char *event_actor(Value event);

/* The value of NAME in envp, or NULL. */
const char *env_lookup(char **envp, const char *name);

#endif
