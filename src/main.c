/* main.c — rp's entry point: the subcommand table. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "config.h"

typedef struct Command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *usage;
  const char *summary;
} Command;

static const Command commands[] = {
    {"run", cmd_run,
     "run [STAGE...] [-f FILE] [EVENT FLAGS] [-j N] [--only STAGE] [--dry-run] [--json] [--junit FILE]\n"
     "         [--secrets FILE] [--force-promotion REASON] [--break-on-failure]",
     "run the stages the event triggers (or those named) and everything they need"},
    {"resume", cmd_resume, "resume RUN [--wait] [-f FILE] [-j N] [--json]",
     "continue a run that waits at an approval gate or crashed; --wait blocks until the gate opens"},
    {"rollback", cmd_rollback, "rollback ENV [--to VERSION] [-f FILE]",
     "re-run ENV's deploy stage with the previous successful version (or VERSION)"},
    {"runs", cmd_runs, "runs [--json] [-f FILE]", "list the runs, newest last"},
    {"status", cmd_status, "status RUN [--json] [-f FILE]",
     "show a run stage by stage, the gate it waits at and the decisions taken"},
    {"history", cmd_history, "history [ENV] [--json] [-f FILE]",
     "show what was deployed to ENV (or everywhere), newest first"},
    {"approve", cmd_approve, "approve RUN ENV [--as NAME] [--comment TEXT] [-f FILE]",
     "approve the deploy to ENV that run RUN waits for (ENV's reviewers only)"},
    {"reject", cmd_reject, "reject RUN ENV [--as NAME] [--comment TEXT] [-f FILE]",
     "reject the deploy to ENV that run RUN waits for (ENV's reviewers only)"},
    {"environments", cmd_environments, "environments [--json] [-f FILE]",
     "each environment: promotion order, gate, current version, lock holder, live ephemeral instances"},
    {"plan", cmd_plan, "plan [STAGE...] [-f FILE] [EVENT FLAGS]",
     "show what would run for the event, in order, and why; runs nothing"},
    {"repl", cmd_repl, "repl [FILE] [-f FILE] [EVENT FLAGS]",
     "an interactive session: evaluate expressions, run stages, break and step inside them"},
    {"check", cmd_check, "check [FILE]", "report static errors and warnings"},
    {"fmt", cmd_fmt, "fmt [-w | --check] [FILE...]", "print FILE in canonical layout, comments kept"},
    {"graph", cmd_graph, "graph [--format dot|mermaid] [FILE]", "print the stage graph"},
    {"parse", cmd_parse, "parse [FILE]", "print the syntax tree (for debugging)"},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *out) {
  fputs("usage: rp COMMAND [ARGS]\n\n"
        "rp runs declarative release pipelines written in pipeline.rp.\n\n"
        "Commands:\n",
        out);
  for (int i = 0; i < NCOMMANDS; i++)
    fprintf(out, "  rp %s\n      %s\n", commands[i].usage, commands[i].summary);
  fputs("\nEVENT FLAGS: --event KIND --branch B --base B --tag T --pr N --pr-action A\n"
        "  --label L --input k=v --sha S --actor A --schedule CRON. Without them the event\n"
        "  comes from GitHub Actions or GitLab CI, else a local event from git's HEAD.\n"
        "\nFILE defaults to ./pipeline.rp. Exit codes: 0 success; 1 a stage failed (fmt --check:\n"
        "files would change); 2 usage, parse or check error; 3 paused at an approval gate.\n"
        "Runs are journaled under .rp/ beside FILE (RP_STATE_DIR moves it).\n"
        "Colour is used only on a terminal, and never when NO_COLOR is set.\n"
        "See rp(1) and doc/language.md.\n",
        out);
}

const char *pipeline_path(const char *given) { return given ? given : "pipeline.rp"; }

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  const char *name = argv[1];
  if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
    usage(stdout);
    return EXIT_OK;
  }
  if (!strcmp(name, "--version") || !strcmp(name, "version")) {
    printf("rp %s\n", PACKAGE_VERSION);
    return EXIT_OK;
  }
  for (int i = 0; i < NCOMMANDS; i++)
    if (!strcmp(name, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "rp: unknown command '%s' (see rp --help)\n", name);
  return EXIT_USAGE;
}
