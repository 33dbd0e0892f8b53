/* cmd.h — the subcommands of rp, one file each (src/cmd_*.c).
 * Each takes argv with argv[0] the subcommand name and returns the exit
 * code: 0 success, 1 a stage failed (or fmt --check found changes),
 * 2 usage, parse or check error, 3 paused at an approval gate. */
#ifndef RP_CMD_H
#define RP_CMD_H

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_PAUSED = 3 };

/* The process environment: commands hand it to the layers below. */
extern char **environ;

int cmd_check(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_environments(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_approve(int argc, char **argv);
int cmd_reject(int argc, char **argv);
int cmd_repl(int argc, char **argv);

/* The pipeline file a command works on: FILE if given, else ./pipeline.rp. */
const char *pipeline_path(const char *given);

#endif
