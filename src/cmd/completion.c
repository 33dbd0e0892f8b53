/* completion.c — rp completion SHELL: a completion script for bash, zsh
 * or fish, written from the command table (src/main.c) and the option
 * table (cmd/options.c), so that it never lists a flag rp does not take.
 * The scripts complete stage and environment names by calling
 * `rp completion stages|environments [-f FILE]`, which print them. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/load.h"
#include "cmd/options.h"

/* ---- what an argument or an option's value is ------------------------- */

/* "[STAGE...]" → "stages"; what the scripts offer for a command's
 * arguments: names rp prints, files, the shells, or nothing. */
static const char *arg_kind(const char *spec) {
  if (strstr(spec, "STAGE")) return "stages";
  if (strstr(spec, "ENV")) return "environments";
  if (strstr(spec, "FILE")) return "files";
  if (strstr(spec, "SHELL")) return "shells";
  return "";
}

static const char *const shells = "bash zsh fish stages environments";

/* ---- bash (and zsh through bashcompinit) ------------------------------- */

static void bash_flag_word(const char *name, char letter, const char *arg, const char *help, void *ctx) {
  (void)arg, (void)help;
  if (letter) fprintf(ctx, " -%c", letter);
  fprintf(ctx, " --%s", name);
}

static const char *bash_complete_value(const char *kind) {
  if (!strcmp(kind, "files")) return "_rp_files";
  if (!strcmp(kind, "stages")) return "_rp_words \"$(_rp_names stages)\"";
  if (!strcmp(kind, "environments")) return "_rp_words \"$(_rp_names environments)\"";
  return "COMPREPLY=()";
}

/* `case $prev in` rows: what follows an option that takes a value. */
static void bash_value_case(const char *name, char letter, const char *arg, const char *help, void *ctx) {
  (void)help;
  if (!arg) return;
  FILE *out = ctx;
  fprintf(out, "      --%s", name);
  if (letter) fprintf(out, "|-%c", letter);
  if (strchr(arg, '|')) {
    fputs(") _rp_words \"", out);
    for (const char *p = arg; *p; p++) fputc(*p == '|' ? ' ' : *p, out);
    fputs("\"; return ;;\n", out);
  } else {
    fprintf(out, ") %s; return ;;\n", bash_complete_value(arg_kind(arg)));
  }
}

static void print_bash(FILE *out) {
  fputs("# rp completion for bash, written by `rp completion bash` from rp's tables.\n"
        "# Load it with:  source <(rp completion bash)\n"
        "_rp_words() { COMPREPLY=($(compgen -W \"$1\" -- \"$cur\")); }\n"
        "_rp_files() { COMPREPLY=($(compgen -f -- \"$cur\")); }\n"
        "# the stages or environments of the pipeline -f names, else the one rp finds\n"
        "_rp_names() {\n"
        "  local i f=()\n"
        "  for ((i = 2; i < COMP_CWORD; i++)); do\n"
        "    case ${COMP_WORDS[i]} in -f | --file) f=(-f \"${COMP_WORDS[i + 1]}\") ;; esac\n"
        "  done\n"
        "  rp completion \"$1\" \"${f[@]}\" 2>/dev/null\n"
        "}\n"
        "_rp() {\n"
        "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} flags= args=\n"
        "  if ((COMP_CWORD == 1)); then\n"
        "    _rp_words \"help",
        out);
  for (int i = 0; i < ncommands; i++) fprintf(out, " %s", commands[i].name);
  fputs("\"\n    return\n  fi\n  case ${COMP_WORDS[1]} in\n", out);
  for (int i = 0; i < ncommands; i++) {
    fprintf(out, "    %s)\n      case $prev in\n", commands[i].name);
    options_each_flag(&commands[i], bash_value_case, out);
    fprintf(out, "      esac\n      flags=\"");
    options_each_flag(&commands[i], bash_flag_word, out);
    fprintf(out, "\" args=%s ;;\n", arg_kind(commands[i].args));
  }
  fprintf(out, "    help) args=commands ;;\n"
               "  esac\n"
               "  case $cur,$args in\n"
               "    -*) _rp_words \"$flags\" ;;\n"
               "    *,stages | *,environments) _rp_words \"$(_rp_names $args)\" ;;\n"
               "    *,files) _rp_files ;;\n"
               "    *,shells) _rp_words \"%s\" ;;\n"
               "    *,commands) _rp_words \"",
          shells);
  for (int i = 0; i < ncommands; i++) fprintf(out, "%s%s", i ? " " : "", commands[i].name);
  fputs("\" ;;\n  esac\n}\ncomplete -F _rp rp\n", out);
}

static void print_zsh(FILE *out) {
  fputs("# rp completion for zsh, written by `rp completion zsh`: the bash\n"
        "# completion through zsh's bashcompinit.  source <(rp completion zsh)\n"
        "(( $+functions[compdef] )) || { autoload -U +X compinit && compinit; }\n"
        "autoload -U +X bashcompinit && bashcompinit\n",
        out);
  print_bash(out);
}

/* ---- fish -------------------------------------------------------------- */

/* A fish single-quoted string: only ' and \ are special. */
static void fish_quoted(FILE *out, const char *s) {
  fputc('\'', out);
  for (; *s; s++) {
    if (*s == '\'' || *s == '\\') fputc('\\', out);
    fputc(*s, out);
  }
  fputc('\'', out);
}

static void fish_flag(const char *name, char letter, const char *arg, const char *help, void *ctx) {
  const char *const *c = ctx;
  FILE *out = (FILE *)c[1];
  fprintf(out, "complete -c rp -n '__fish_seen_subcommand_from %s' -l %s", c[0], name);
  if (letter) fprintf(out, " -s %c", letter);
  if (arg) {
    const char *kind = arg_kind(arg);
    if (strchr(arg, '|')) {
      fputs(" -x -a ", out);
      char words[64];
      snprintf(words, sizeof words, "%s", arg);
      for (char *p = words; *p; p++)
        if (*p == '|') *p = ' ';
      fish_quoted(out, words);
    } else if (!strcmp(kind, "files")) {
      fputs(" -r -F", out);
    } else if (!strcmp(kind, "stages") || !strcmp(kind, "environments")) {
      fprintf(out, " -x -a '(__rp_names %s)'", kind);
    } else {
      fputs(" -x", out);
    }
  }
  fputs(" -d ", out);
  fish_quoted(out, help);
  fputc('\n', out);
}

static void print_fish(FILE *out) {
  fputs("# rp completion for fish, written by `rp completion fish` from rp's tables.\n"
        "# Load it with:  rp completion fish | source\n"
        "function __rp_names\n"
        "    set -l words (commandline -opc)\n"
        "    set -l f\n"
        "    if set -l i (contains -i -- -f $words; or contains -i -- --file $words)\n"
        "        set f -f $words[(math $i + 1)]\n"
        "    end\n"
        "    rp completion $argv[1] $f 2>/dev/null\n"
        "end\n"
        "complete -c rp -f\n",
        out);
  for (int i = 0; i < ncommands; i++) {
    fprintf(out, "complete -c rp -n __fish_use_subcommand -a %s -d ", commands[i].name);
    fish_quoted(out, commands[i].summary);
    fputc('\n', out);
  }
  for (int i = 0; i < ncommands; i++) {
    const char *name = commands[i].name, *kind = arg_kind(commands[i].args);
    const void *ctx[2] = {name, out};
    options_each_flag(&commands[i], fish_flag, (void *)ctx);
    if (!strcmp(kind, "stages") || !strcmp(kind, "environments"))
      fprintf(out, "complete -c rp -n '__fish_seen_subcommand_from %s' -a '(__rp_names %s)'\n", name, kind);
    else if (!strcmp(kind, "files"))
      fprintf(out, "complete -c rp -n '__fish_seen_subcommand_from %s' -F\n", name);
    else if (!strcmp(kind, "shells"))
      fprintf(out, "complete -c rp -n '__fish_seen_subcommand_from %s' -a '%s'\n", name, shells);
  }
}

/* ---- the names of the pipeline ---------------------------------------- */

static int print_names(const Options *o, bool stages) {
  Imports *im;
  Program *p = pipeline_load(pipeline_path(o->file), &im);
  if (!p) return EXIT_USAGE;
  if (stages)
    for (int i = 0; i < p->nstages; i++) puts(p->stages[i]->as.stage->name);
  else
    for (int i = 0; i < p->nenvs; i++) puts(p->envs[i]->as.env->name);
  checked_free(p, im);
  return EXIT_OK;
}

int cmd_completion(const Options *o) {
  const char *shell = o->args.v[0];
  if (!strcmp(shell, "bash")) print_bash(stdout);
  else if (!strcmp(shell, "zsh")) print_zsh(stdout);
  else if (!strcmp(shell, "fish")) print_fish(stdout);
  else if (!strcmp(shell, "stages") || !strcmp(shell, "environments")) return print_names(o, !strcmp(shell, "stages"));
  else {
    fprintf(stderr, "rp completion: no completion for '%s' (%s)\n", shell, shells);
    return EXIT_USAGE;
  }
  return EXIT_OK;
}
