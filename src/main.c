/* main.c — rp's entry point: the subcommand table. Each command's usage
 * and help are made from its row and the option table (cmd/options.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/options.h"
#include "config.h"
#include "core/util.h"

#define RUNNING "-j --json --dry-run --junit --secrets --force-promotion --break-on-failure --state"

const Command commands[] = {
    {"run", cmd_run, "[STAGE...]", "-f --only --run-id --no-cache --to-gate EVENT " RUNNING,
     "run the stages the event triggers (or those named) and everything they need", NULL},
    {"resume", cmd_resume, "RUN", "--wait --no-cache -f " RUNNING,
     "continue a run that waits at an approval gate or crashed; --wait blocks until the gate opens", NULL},
    {"rollback", cmd_rollback, "ENV", "--to -f EVENT " RUNNING,
     "re-run ENV's deploy stage with the previous successful version (or VERSION)", NULL},
    {"runs", cmd_runs, "", "--json -f --state", "list the runs, newest last", NULL},
    {"status", cmd_status, "RUN", "--json -f --state", "show a run stage by stage, the gate it waits at and the decisions taken",
     NULL},
    {"history", cmd_history, "[ENV]", "--json -f --state", "show what was deployed to ENV (or everywhere), newest first", NULL},
    {"approve", cmd_approve, "RUN ENV", "--as --key --comment -f --state",
     "approve the deploy to ENV that run RUN waits for (ENV's reviewers only)", NULL},
    {"reject", cmd_reject, "RUN ENV", "--as --key --comment -f --state",
     "reject the deploy to ENV that run RUN waits for (ENV's reviewers only)", NULL},
    {"report", cmd_report, "", "-o -f --state",
     "write one static HTML page: the stage graph by the last run's results, versions, approvals, gates", NULL},
    {"environments", cmd_environments, "[FILE]", "--json -f --state",
     "each environment: promotion order, gate, current version, lock holder, live ephemeral instances", NULL},
    {"state", cmd_state, "migrate FROM TO", "-f",
     "copy the state (runs, history) from FROM to TO: directories or git:REMOTE",
     "Records TO already has are not copied again; locks are not copied."},
    {"plan", cmd_plan, "[STAGE...]", "-f --only --json --state EVENT", "show what would run for the event, in order, and why; runs nothing",
     "An argument ending in .rp is the pipeline file, as with -f (stage names have no dots)."},
    {"repl", cmd_repl, "[FILE]", "-f EVENT",
     "an interactive session: evaluate expressions, run stages, break and step inside them", NULL},
    {"check", cmd_check, "[FILE]", "-f --json", "report static errors and warnings",
     "--json prints them as one JSON array on stdout, for editors: file, line, col, end,\n"
     "severity, message, suggestion (doc/json.md)."},
    {"fmt", cmd_fmt, "[FILE...]", "-w --check --diff -f", "print FILE in canonical layout, comments kept",
     "A file that does not parse is left alone: its errors are printed, exit 2.\n"
     "FILE - reads standard input and prints to standard output.\n"
     "-w, --check and --diff exclude each other. The layout rules: doc/fmt.md."},
    {"graph", cmd_graph, "[FILE]", "--format --run -f --state", "print the stage graph",
     "Nodes are shaped and coloured by kind (trigger, stage, environment, gate);\n"
     "with --run ID the stages are coloured by that run's results. doc/graph.md."},
    {"export", cmd_export, "github|gitlab", "-o --check --state -f",
     "write the pipeline as a GitHub Actions workflow or a .gitlab-ci.yml whose jobs run rp",
     "Every job runs `rp run --only STAGE --run-id ID --state SPEC`: the state must be shared\n"
     "(--state git:REMOTE, or RP_STATE). --check compares FILE (default .github/workflows/rp.yml,\n"
     ".gitlab-ci.yml) with what would be written. The mapping and what is lost: doc/ci.md."},
    {"parse", cmd_parse, "[FILE]", "-f", "print the syntax tree (for debugging)", NULL},
    {"init", cmd_init, "", "", "write a commented starter pipeline.rp and .rp/.gitignore", NULL},
    {"completion", cmd_completion, "SHELL", "-f",
     "print the completion script for SHELL (bash, zsh or fish)",
     "Load it with  source <(rp completion bash)  (zsh likewise), or  rp completion fish | source.\n"
     "The scripts complete commands, options, and stage and environment names\n"
     "from the pipeline, which they get from  rp completion stages|environments [-f FILE]."},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };
const int ncommands = NCOMMANDS;

static void usage(FILE *out) {
  fputs("usage: rp COMMAND [ARGS]\n\n"
        "rp runs declarative release pipelines written in pipeline.rp.\n\n"
        "Commands:\n",
        out);
  for (int i = 0; i < NCOMMANDS; i++) {
    options_synopsis(&commands[i], "  ", out);
    fprintf(out, "      %s\n", commands[i].summary);
  }
  fputc('\n', out);
  options_event_flags(out);
  fputs("  Without them the event comes from GitHub Actions or GitLab CI, else a local\n"
        "  event from git's HEAD.\n"
        "\nFILE defaults to pipeline.rp in this directory or the nearest parent up to the\n"
        "repository's root; rp then works from there.\n"
        "Exit codes: 0 success; 1 a stage failed (fmt --check: files would change);\n"
        "2 usage, parse or check error; 3 paused at an approval gate.\n"
        "Runs are journaled under .rp/ beside FILE (RP_STATE_DIR moves it).\n"
        "Colour is used on a terminal or with FORCE_COLOR or CLICOLOR_FORCE set, never with NO_COLOR.\n"
        "rp help COMMAND (or rp COMMAND --help) describes a command's options.\n"
        "See rp(1) and doc/language.md.\n",
        out);
}

static const Command *command_named(const char *name) {
  Suggest sg = {name, NULL, (size_t)-1};
  for (int i = 0; i < NCOMMANDS; i++) {
    if (!strcmp(name, commands[i].name)) return &commands[i];
    suggest_try(&sg, commands[i].name);
  }
  if (sg.best) fprintf(stderr, "rp: unknown command '%s' (did you mean '%s'?)\n", name, sg.best);
  else fprintf(stderr, "rp: unknown command '%s' (see rp --help)\n", name);
  return NULL;
}

static int run_command(const Command *c, int argc, char **argv) {
  Options o;
  char *err = NULL;
  int rc;
  if (!options_parse(c, argc, argv, &o, &err)) {
    fprintf(stderr, "rp %s: %s\n", c->name, err);
    options_synopsis(c, "usage: ", stderr);
    free(err);
    rc = EXIT_USAGE;
  } else if (o.help) {
    options_help(c, stdout);
    rc = EXIT_OK;
  } else {
    rc = c->run(&o);
  }
  options_free(&o);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  const char *name = argv[1];
  if (!strcmp(name, "--help") || !strcmp(name, "-h") || (!strcmp(name, "help") && argc == 2)) {
    usage(stdout);
    return EXIT_OK;
  }
  if (!strcmp(name, "--version") || !strcmp(name, "version")) {
    printf("rp %s\n", PACKAGE_VERSION);
    return EXIT_OK;
  }
  if (!strcmp(name, "help")) { /* rp help COMMAND */
    const Command *c = command_named(argv[2]);
    if (c) options_help(c, stdout);
    return c ? EXIT_OK : EXIT_USAGE;
  }
  const Command *c = command_named(name);
  return c ? run_command(c, argc - 1, argv + 1) : EXIT_USAGE;
}
