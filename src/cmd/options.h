/* options.h — the command line's options: one table declares each flag
 * (its long and short name, its value and its help), each command names
 * the ones it takes (src/main.c), and one parser and one help printer
 * serve every command. The event flags are rows of run/event.h, which the
 * REPL's :event reads too. */
#ifndef RP_OPTIONS_H
#define RP_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "run/plan.h"

/* Strings borrowed from argv, in the order given. */
typedef struct Args {
  const char **v;
  int n, cap;
} Args;

/* What the parser found. Every string is borrowed from argv; an option
 * not given is NULL or false. */
typedef struct Options {
  const Command *cmd;
  Args args;               /* the positional arguments */
  const char *file;        /* -f FILE; a command's [FILE] argument lands here too */
  Args only;               /* --only STAGE */
  EventFlags event;        /* the event flags */
  const char *jobs;        /* -j N */
  Args secrets;            /* --secrets [ENV=]FILE */
  const char *junit, *force_promotion;
  const char *to;          /* rollback --to VERSION */
  const char *output;      /* -o FILE: rp report, rp export */
  const char *state;       /* --state SPEC: where the state lives */
  const char *run_id;      /* run --run-id ID: join or start run ID */
  const char *as, *comment;
  const char *key; /* --key: the SSH key a decision is signed with */
  const char *format;      /* graph --format */
  const char *run;         /* graph --run ID */
  bool json, dry_run, wait, break_on_failure;
  bool no_cache;           /* run, resume --no-cache */
  bool to_gate;            /* run --to-gate: never pass a gate */
  bool write, check, diff; /* fmt -w, --check, --diff; export --check */
  bool help;               /* -h, --help: the rest was not read */
  char **owned;            /* strings made by the parser, not argv's */
  int nowned, owned_cap;
} Options;

/* Parses argv (argv[0] the command's name) for command `c`: options
 * before, after or between the arguments, `--flag=value` or `--flag
 * value` (`-fvalue` or `-f value`), `--` ends the options. False with
 * *err (malloc'd) on a usage error. */
bool options_parse(const Command *c, int argc, char **argv, Options *o, char **err);
void options_free(Options *o);

/* What a command's arguments are, to options_selection. */
typedef enum ArgsAre {
  ARGS_OTHER,         /* not stages: rp resume RUN, rp rollback ENV */
  ARGS_STAGES,        /* goal stages: rp run */
  ARGS_STAGES_OR_FILE /* rp plan: a FILE.rp among the stages is the pipeline */
} ArgsAre;

/* The pipeline, goal stages and event of the commands that plan a run:
 * --only STAGE, and the arguments when they are stages. An argument
 * ending in ".rp" cannot be a stage (stage names are identifiers): with
 * ARGS_STAGES_OR_FILE and no -f it is the pipeline file, else an error.
 * The selection borrows from o; false with *err (malloc'd). */
bool options_selection(const Options *o, ArgsAre args, Selection *sel, char **err);

/* "rp run [STAGE...] [-f FILE] ...", wrapped; for usage errors and rp --help. */
void options_synopsis(const Command *c, const char *indent, FILE *out);
/* rp CMD --help: the synopsis, the summary, then each option with its help. */
void options_help(const Command *c, FILE *out);
/* The event flags in one paragraph, for rp --help. */
void options_event_flags(FILE *out);

/* Each flag `c` takes, --help and the event flags included, in usage
 * order: for the shell completions (cmd/completion.c). `arg` is NULL for
 * a switch, `letter` 0 when it has none. */
typedef void (*EachFlag)(const char *name, char letter, const char *arg, const char *help, void *ctx);
void options_each_flag(const Command *c, EachFlag each, void *ctx);

#endif
