/* event_fields.h — the fields of the `event` object, declared once.
 *
 * rp check accepts exactly these names (lang/check.c), event detection
 * creates exactly these keys (run/event.c), and tests/unit/test_event.c
 * fails when doc/events.md's table misses one. Every field is always
 * present: a STRING, INT, BOOL or PR field is null until a source sets it, a
 * LIST starts as [] and a MAP as {}.
 *
 *   X(ID, "name", TYPE, what it holds) */
#ifndef RP_EVENT_FIELDS_H
#define RP_EVENT_FIELDS_H

#define EVENT_FIELDS(X)                                                                            \
  X(KIND, "kind", STRING, "push | pull_request | tag | manual | schedule | local")                 \
  X(BRANCH, "branch", STRING, "the branch built (for a pull request: its head branch)")           \
  X(BASE, "base", STRING, "a pull request's target branch")                                       \
  X(TAG, "tag", STRING, "the tag name of a tag event")                                            \
  X(SHA, "sha", STRING, "the commit (hex)")                                                       \
  X(BEFORE, "before", STRING, "push: the previous tip of the branch, when known")                 \
  X(ACTOR, "actor", STRING, "who started the run")                                                \
  X(PR, "pr", PR, "the pull request (EVENT_PR_FIELDS), null unless a pull request")               \
  X(INPUTS, "inputs", MAP, "manual inputs: strings until the triggers convert them")              \
  X(SCHEDULE, "schedule", STRING, "the cron text of a schedule event, when the runner tells it")

#define EVENT_PR_FIELDS(X)                                                                         \
  X(NUMBER, "number", INT, "the pull request's number")                                           \
  X(ACTION, "action", STRING, "opened, synchronize, closed, labeled, ...; null when unknown")      \
  X(LABELS, "labels", LIST, "the names of its labels")                                            \
  X(TITLE, "title", STRING, "its title")                                                          \
  X(FORK, "fork", BOOL, "whether its head branch is in another repository (a fork); null when unknown")

typedef enum EventType { EVENT_STRING, EVENT_INT, EVENT_BOOL, EVENT_LIST, EVENT_MAP, EVENT_PR } EventType;

#define EVENT_FIELD_ID(id, name, type, what) EF_##id,
#define EVENT_PR_FIELD_ID(id, name, type, what) PRF_##id,
#define EVENT_FIELD_NAME(id, name, type, what) name,
#define EVENT_FIELD_TYPE(id, name, type, what) EVENT_##type,

typedef enum EventField { EVENT_FIELDS(EVENT_FIELD_ID) EF_COUNT } EventField;
typedef enum PrField { EVENT_PR_FIELDS(EVENT_PR_FIELD_ID) PRF_COUNT } PrField;

#endif
