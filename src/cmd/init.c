/* init.c — rp init: a commented starter pipeline.rp that passes rp check
 * and rp fmt --check, and the state directory with its .gitignore. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/options.h"
#include "run/state.h"

/* %s: the pipeline's name. tests/cli.sh checks and formats the result. */
static const char starter[] =
    "# pipeline.rp: which stages exist, what starts them and where they deploy.\n"
    "# rp check checks it, rp plan shows what an event would run, rp run runs it.\n"
    "# The language: doc/language.md; the commands: rp --help.\n"
    "pipeline \"%s\"\n"
    "\n"
    "# Environments a version is promoted through: prod takes only a version\n"
    "# that reached staging, and waits for one of its reviewers.\n"
    "environment staging {}\n"
    "environment prod {\n"
    "  after staging\n"
    "  approval { reviewers = [\"alice\"] }\n"
    "}\n"
    "\n"
    "# What starts which stage: a push to main, or a manual dispatch\n"
    "# (rp run --event manual --input version=1.0.0).\n"
    "on push \"main\" -> deploy_staging\n"
    "on manual(version: string) -> deploy_prod\n"
    "\n"
    "# A stage runs its commands in order; `needs` runs another stage first.\n"
    "stage test { sh \"echo replace this with your tests\" }\n"
    "\n"
    "stage build {\n"
    "  needs test\n"
    "  output tag = \"sha-${git.short_sha()}\"\n"
    "}\n"
    "\n"
    "stage deploy_staging {\n"
    "  needs build\n"
    "  environment staging\n"
    "  version build.tag\n"
    "  sh \"echo deploying ${version} to staging\"\n"
    "}\n"
    "\n"
    "stage deploy_prod {\n"
    "  environment prod\n"
    "  version event.inputs.version\n"
    "  sh \"echo deploying ${version} to prod\"\n"
    "}\n";

/* The directory's name when it is a plain name, else "pipeline". */
static char *pipeline_name(void) {
  char *cwd = getcwd(NULL, 0);
  char *name = xstrdup(cwd && state_name_ok(basename(cwd)) ? basename(cwd) : "pipeline");
  free(cwd);
  return name;
}

int cmd_init(const Options *o) {
  (void)o;
  const char *path = "pipeline.rp";
  if (access(path, F_OK) == 0) {
    fprintf(stderr, "rp init: %s exists already\n", path);
    return EXIT_USAGE;
  }
  char *name = pipeline_name(), *text = xasprintf(starter, name);
  char *dir = state_dir_for(path), *err = NULL;
  int rc = EXIT_OK;
  if (!write_file_atomic(path, text, strlen(text))) {
    fprintf(stderr, "rp init: cannot write %s: %s\n", path, strerror(errno));
    rc = EXIT_USAGE;
  } else if (!state_dir_create(dir, &err)) {
    fprintf(stderr, "rp init: %s\n", err);
    rc = EXIT_USAGE;
  } else {
    printf("wrote %s and %s/.gitignore; next: rp check, rp plan --event push --branch main\n", path, dir);
  }
  free(err);
  free(dir);
  free(text);
  free(name);
  return rc;
}
