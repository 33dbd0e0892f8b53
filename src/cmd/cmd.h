/* cmd.h — the subcommands of rp, one file each (src/cmd/NAME.c), listed
 * in src/main.c's table. A command gets its options parsed (cmd/options.h)
 * and returns the exit code: 0 success, 1 a stage failed (or fmt --check
 * found changes), 2 usage, parse or check error, 3 paused at an approval
 * gate. The layers below return values; only commands choose exit codes. */
#ifndef RP_CMD_H
#define RP_CMD_H

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_PAUSED = 3 };

/* The process environment: commands hand it to the layers below. */
extern char **environ;

typedef struct Options Options;

typedef struct Command {
  const char *name;
  int (*run)(const Options *o);
  const char *args;    /* its arguments as usage shows them: "RUN ENV", "[STAGE...]" */
  const char *options; /* the options it takes, by name: "-f --json"; EVENT: the event flags */
  const char *summary; /* one line, for rp --help */
  const char *more;    /* what rp CMD --help adds, or NULL */
} Command;

/* The command table, in src/main.c. */
extern const Command commands[];
extern const int ncommands;

int cmd_check(const Options *o);
int cmd_fmt(const Options *o);
int cmd_graph(const Options *o);
int cmd_parse(const Options *o);
int cmd_run(const Options *o);
int cmd_plan(const Options *o);
int cmd_resume(const Options *o);
int cmd_rollback(const Options *o);
int cmd_environments(const Options *o);
int cmd_report(const Options *o);
int cmd_state(const Options *o);
int cmd_runs(const Options *o);
int cmd_status(const Options *o);
int cmd_history(const Options *o);
int cmd_approve(const Options *o);
int cmd_reject(const Options *o);
int cmd_repl(const Options *o);
int cmd_init(const Options *o);
int cmd_completion(const Options *o);
int cmd_export(const Options *o);

#endif
