/* group.h — concurrency groups: at most one run (or stage) of a group
 * runs, at most one waits, across machines (doc/state.md, "Concurrency
 * groups"; doc/language.md).
 *
 * A group is a log in the state (SPACE_GROUPS), so it works on every
 * backend: members append `arrived` and `left` records, and everyone
 * replays the same log in the same order, so everyone agrees on who runs,
 * who waits and who was cancelled without any lock:
 *   - an arrival with cancel_in_progress cancels every earlier member;
 *   - one without cancels the earlier waiting members (the newest waits);
 *   - a member runs once every member that arrived before it has left.
 * A member is a run ("RUN") or a stage of one ("RUN/STAGE"); it belongs
 * to its run's owner, so a member whose run nobody owns any more (its
 * driver was killed) is written off by the next one that waits for it. */
#ifndef RP_GROUP_H
#define RP_GROUP_H

#include <stdbool.h>

#include "eval/interp.h"
#include "run/store.h"

typedef struct Group {
  Store *store;
  char *name;   /* the group, as the pipeline named it */
  char *log;    /* its log's name in the store */
  char *member; /* "RUN" or "RUN/STAGE" */
  char *run;
  bool cancel_in_progress;
  bool arrived; /* this process appended an arrival not yet matched by a departure */
} Group;

typedef enum GroupTurn {
  GROUP_GO,        /* every member before it has left */
  GROUP_WAIT,      /* one before it is still there: *ahead names its run */
  GROUP_CANCELLED, /* a later arrival cancelled it: *by names that run */
  GROUP_ERROR,
} GroupTurn;

/* A group for `member` of run `run`; nothing is written yet. */
void group_init(Group *g, Store *store, const char *name, const char *run, const char *member, bool cancel_in_progress);
/* Enters the group (a member that is in it already, another job of the
 * same run, enters again without cancelling anyone). */
bool group_arrive(Group *g, char **err);
/* Where the member stands now (*who malloc'd: the run ahead, or the
 * run that cancelled it). */
GroupTurn group_turn(Group *g, char **who, char **err);
/* Leaves the group, if this process entered it. */
void group_leave(Group *g);
void group_free(Group *g);
/* Names the group `n` (an N_CONCURRENCY node) says, evaluated with
 * `vars` (a stage's matrix value, or null), and initialises g with it.
 * False with *err (the interpreter's error is cleared). */
bool group_from_node(Group *g, Interp *I, Value vars, const Node *n, Store *store, const char *run, const char *member,
                     char **err);
/* Arrives and waits for its turn, polling the state; `say` is told
 * whom it waits for (each time that changes). Gives up, as
 * GROUP_ERROR, when SIGINT or SIGTERM stops the run. */
typedef void (*GroupSay)(void *ctx, const char *text);
GroupTurn group_enter(Group *g, GroupSay say, void *ctx, char **who, char **err);
/* "cancelled by run R (concurrency group G)", malloc'd. */
char *group_cancel_reason(const Group *g, const char *by);

#endif
