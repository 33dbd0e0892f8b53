/* options.c — the option table, its parser and the help made from it. */
#include "cmd/options.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/load.h"
#include "core/util.h"

typedef struct Option {
  const char *name;   /* --name */
  char letter;        /* -x, or 0 */
  const char *arg;    /* the value, as usage shows it; NULL: a switch */
  size_t at;          /* where it lands in Options */
  bool many;          /* repeatable: each value is appended to the Args at `at` */
  const char *help;
} Option;

#define AT(field) offsetof(Options, field)
static const Option options[] = {
    {"file", 'f', "FILE", AT(file), false, "the pipeline file (default: pipeline.rp here or in a parent directory)"},
    {"only", 0, "STAGE", AT(only), true, "run STAGE alone, assuming its needs are done; STAGE[VALUE]: one matrix instance (repeatable)"},
    {"jobs", 'j', "N", AT(jobs), false, "run at most N stages at once (default: the number of processors)"},
    {"json", 0, NULL, AT(json), false, "print JSON instead of text, one document a line (doc/json.md)"},
    {"dry-run", 0, NULL, AT(dry_run), false, "run no commands and write no files: print what they would do"},
    {"no-cache", 0, NULL, AT(no_cache), false, "run `cache` stages even when an earlier run has their key"},
    {"wait", 0, NULL, AT(wait), false, "block until the approval gate opens (or the run is rejected)"},
    {"to-gate", 0, NULL, AT(to_gate), false,
     "stop at approval gates: exit 3 when one waits for a decision, 0 when all are open (a CI approval job's first step)"},
    {"junit", 0, "FILE", AT(junit), false, "also write the results as a JUnit XML report to FILE"},
    {"secrets", 0, "[ENV=]FILE", AT(secrets), true,
     "where secret() looks first: a JSON object or NAME=value lines; ENV=FILE: environment ENV's own (repeatable)"},
    {"force-promotion", 0, "REASON", AT(force_promotion), false,
     "deploy where `after` does not allow it yet; REASON goes in the history"},
    {"break-on-failure", 0, NULL, AT(break_on_failure), false,
     "open a session at a failing statement (stages then run one at a time)"},
    {"state", 0, "SPEC", AT(state), false,
     "where the state lives: a directory or git:REMOTE (default: $RP_STATE, the pipeline's `state`, .rp/)"},
    {"run-id", 0, "ID", AT(run_id), false, "join run ID, or start it under that id (with --only: one stage of it)"},
    {"to", 0, "VERSION", AT(to), false, "the version to go back to (default: the previous successful one)"},
    {"as", 0, "NAME", AT(as), false, "who decides (default: $RP_ACTOR, the CI's user, git's user.name, $USER)"},
    {"key", 0, "KEY", AT(key), false,
     "sign the decision with this SSH key (default: $RP_SIGNING_KEY, git's user.signingkey)"},
    {"comment", 0, "TEXT", AT(comment), false, "recorded with the decision"},
    {"format", 0, "dot|mermaid", AT(format), false, "the graph's language (default dot)"},
    {"run", 0, "ID", AT(run), false, "colour the stages by the results of run ID (rp runs lists them)"},
    {"write", 'w', NULL, AT(write), false, "rewrite the files in place (only those that change)"},
    {"check", 0, NULL, AT(check), false,
     "exit 1 if the files would change: fmt prints their names, export a diff of FILE"},
    {"diff", 0, NULL, AT(diff), false, "print what would change as a unified diff; exit 1 if anything would"},
    {"output", 'o', "FILE", AT(output), false, "write to FILE instead of standard output"},
    {"help", 'h', NULL, AT(help), false, "print this help"},
};
#undef AT
enum { NOPTIONS = sizeof options / sizeof options[0] };
static const Option *const help_option = &options[NOPTIONS - 1];

enum { HELP_COLUMN = 28, WRAP_COLUMN = 96 };

/* ---- what a command takes ------------------------------------------------
 * A command names its options in a string ("-f --json EVENT"), the way its
 * usage shows them; `each` is called on every option it names, in order,
 * with NULL for EVENT (the event flags). */

static const Option *option_named(const char *word, size_t len) {
  for (int i = 0; i < NOPTIONS; i++) {
    const Option *o = &options[i];
    if ((len == 2 && word[0] == '-' && word[1] == o->letter) ||
        (len == strlen(o->name) + 2 && !strncmp(word, "--", 2) && !strncmp(word + 2, o->name, len - 2)))
      return o;
  }
  fprintf(stderr, "rp: the command table names no option '%.*s'\n", (int)len, word);
  abort(); /* a mistake in src/main.c, caught by any rp CMD --help */
}

typedef void (*EachOption)(const Option *opt, void *ctx);

static void each_option(const Command *c, EachOption each, void *ctx) {
  for (const char *p = c->options; *p;) {
    size_t len = strcspn(p, " ");
    if (len == 5 && !strncmp(p, "EVENT", 5)) each(NULL, ctx);
    else if (len) each(option_named(p, len), ctx);
    p += len + (p[len] == ' ');
  }
}

/* ---- parsing ---------------------------------------------------------- */

static void args_push(Args *a, const char *s) { VEC_PUSH(a->v, a->n, a->cap, s); }

/* Looking an option up among a command's: by long name or by letter. */
typedef struct Lookup {
  const char *name; /* without dashes */
  size_t len;
  char letter;      /* a short option's, else 0 */
  char wrong[64];   /* a long name as given, for did-you-mean */
  const Option *found;
  const EventFlag *event;
  Suggest sg;       /* the closest long name */
} Lookup;

static void lookup_try_name(Lookup *l, const char *cand) {
  if (!l->letter) suggest_try(&l->sg, cand);
}

static bool name_is(const Lookup *l, const char *name) {
  return !l->letter && strlen(name) == l->len && !strncmp(l->name, name, l->len);
}

static void lookup_one(const Option *opt, void *ctx) {
  Lookup *l = ctx;
  if (!opt) {
    for (const EventFlag *e = event_flags; e->name; e++) {
      if (name_is(l, e->name)) l->event = e;
      lookup_try_name(l, e->name);
    }
    return;
  }
  if (name_is(l, opt->name) || (l->letter && l->letter == opt->letter)) l->found = opt;
  lookup_try_name(l, opt->name);
}

static void store(Options *o, const Option *opt, const char *value) {
  char *field = (char *)o + opt->at;
  if (!opt->arg) *(bool *)field = true;
  else if (opt->many) args_push((Args *)field, value);
  else *(const char **)field = value;
}

/* How many arguments `spec` ("RUN ENV", "[ENV]", "[STAGE...]") allows;
 * *missing gets the name of the first required one beyond `given`. */
static void arity(const char *spec, int given, int *min, int *max, char *missing, size_t size) {
  *min = *max = 0;
  char *words = xstrdup(spec);
  for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
    if (*w != '[' && (*min)++ == given) snprintf(missing, size, "%s", w);
    *max = strstr(w, "...") ? INT_MAX : *max + 1;
  }
  free(words);
}

static bool check_arity(const Command *c, Options *o, char **err) {
  char name[32];
  int min, max;
  arity(c->args, o->args.n, &min, &max, name, sizeof name);
  if (o->args.n < min) {
    *err = xasprintf("missing %s", name);
    return false;
  }
  if (o->args.n > max) {
    *err = xasprintf("unexpected argument '%s'", o->args.v[max]);
    return false;
  }
  /* a command reading one pipeline takes it as FILE or -f FILE */
  if (!strcmp(c->args, "[FILE]") && o->args.n) {
    if (o->file) {
      *err = xasprintf("two pipeline files: -f %s and %s", o->file, o->args.v[0]);
      return false;
    }
    o->file = o->args.v[--o->args.n];
  }
  return true;
}

/* One option at argv[*i]; false with *err. */
static bool parse_option(const Command *c, Options *o, int argc, char **argv, int *i, char **err) {
  const char *a = argv[*i], *value = NULL;
  Lookup l = {.sg = {.dist = (size_t)-1}};
  if (a[1] == '-') {
    l.name = a + 2;
    l.len = strcspn(l.name, "=");
    if (l.name[l.len] == '=') value = l.name + l.len + 1;
    snprintf(l.wrong, sizeof l.wrong, "%.*s", (int)l.len, l.name);
    l.sg.wrong = l.wrong;
  } else {
    l.letter = a[1];
    if (a[2]) value = a + 2;
  }
  lookup_one(help_option, &l);
  each_option(c, lookup_one, &l);
  const char *arg = l.found ? l.found->arg : l.event ? l.event->arg : NULL;
  if ((!l.found && !l.event) || (l.letter && value && !arg)) {
    *err = l.sg.best ? xasprintf("unknown option '%s' (did you mean '--%s'?)", a, l.sg.best)
                  : xasprintf("unknown option '%s'", a);
    return false;
  }
  /* name the option as it was written, without its value */
  int shown = l.letter ? 2 : (int)(l.len + 2);
  if (!arg && value) {
    *err = xasprintf("option '%.*s' takes no value", shown, a);
    return false;
  }
  if (arg && !value) {
    if (*i + 1 == argc) {
      *err = xasprintf("option '%.*s' needs a value", shown, a);
      return false;
    }
    value = argv[++*i];
  }
  if (l.event) event_flag_set(&o->event, l.event->name, value);
  else store(o, l.found, value);
  return true;
}

static bool is_file_name(const char *arg) {
  size_t n = strlen(arg);
  return n > 3 && !strcmp(arg + n - 3, ".rp");
}

static void note_file_option(const Option *opt, void *ctx) {
  if (opt && opt->letter == 'f') *(bool *)ctx = true;
}

static bool files_named(const Options *o) {
  if (o->file || (strstr(o->cmd->args, "FILE") && o->args.n)) return true;
  for (int i = 0; i < o->args.n; i++)
    if (is_file_name(o->args.v[i])) return true;
  return false;
}

/* A FILE option's relative path, made relative to the directory `sub`
 * below the one rp moved to. */
static void rebase_file_option(Options *o, const Option *opt, const char *sub) {
  const char **field = (const char **)((char *)o + opt->at);
  if (!*field || **field == '/') return;
  char *moved = xasprintf("%s/%s", sub, *field);
  VEC_PUSH(o->owned, o->nowned, o->owned_cap, moved);
  *field = moved;
}

/* Without a FILE, the pipeline is found upward (cmd/load.h); found in
 * a parent, rp works from there, as `just` does with its justfile: the
 * stages' commands run where the pipeline is, and the FILE options the
 * user typed keep meaning what they meant where they typed them. */
static bool find_pipeline(Options *o, char **err) {
  bool reads_pipeline = false;
  each_option(o->cmd, note_file_option, &reads_pipeline);
  if (!reads_pipeline || files_named(o)) return true;
  char *dir = pipeline_find_dir(), *here = getcwd(NULL, 0);
  bool ok = true;
  if (dir && here && strcmp(dir, here)) {
    if (chdir(dir) != 0) {
      *err = xasprintf("cannot enter %s: %s", dir, strerror(errno));
      ok = false;
    }
    for (int i = 0; ok && i < NOPTIONS; i++)
      if (options[i].arg && !strcmp(options[i].arg, "FILE") && options[i].letter != 'f')
        rebase_file_option(o, &options[i], here + strlen(dir) + (strcmp(dir, "/") != 0));
  }
  free(dir);
  free(here);
  return ok;
}

bool options_parse(const Command *c, int argc, char **argv, Options *o, char **err) {
  memset(o, 0, sizeof *o);
  o->cmd = c;
  bool options_end = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (options_end || a[0] != '-' || !a[1]) {
      args_push(&o->args, a);
    } else if (!strcmp(a, "--")) {
      options_end = true;
    } else if (!parse_option(c, o, argc, argv, &i, err)) {
      return false;
    } else if (o->help) {
      return true; /* the rest is not read: rp CMD ... --help helps */
    }
  }
  return check_arity(c, o, err) && find_pipeline(o, err);
}

void options_free(Options *o) {
  free(o->args.v);
  free(o->only.v);
  free(o->secrets.v);
  for (int i = 0; i < o->nowned; i++) free(o->owned[i]);
  free(o->owned);
  event_flags_free(&o->event);
}

bool options_selection(const Options *o, ArgsAre args, Selection *sel, char **err) {
  memset(sel, 0, sizeof *sel);
  sel->file = o->file;
  sel->flags = &o->event;
  sel->only = o->only.n > 0;
  for (int i = 0; args != ARGS_OTHER && i < o->args.n; i++) {
    const char *a = o->args.v[i];
    if (!is_file_name(a)) {
      VEC_PUSH(sel->stages, sel->nstages, sel->stages_cap, a);
    } else if (args == ARGS_STAGES_OR_FILE && !sel->file) {
      sel->file = a;
    } else {
      *err = args == ARGS_STAGES_OR_FILE ? xasprintf("two pipeline files: %s and %s", sel->file, a)
                                         : xasprintf("'%s' is not a stage name: name the pipeline file with -f %s", a, a);
      selection_free(sel);
      return false;
    }
  }
  for (int i = 0; i < o->only.n; i++) VEC_PUSH(sel->stages, sel->nstages, sel->stages_cap, o->only.v[i]);
  sel->file = pipeline_path(sel->file);
  return true;
}

/* ---- usage and help --------------------------------------------------- */

typedef struct Synopsis {
  FILE *out;
  int col, indent;
} Synopsis;

/* Appends "[-f FILE]" and the like, wrapping long lines. */
static void synopsis_word(Synopsis *s, const char *word) {
  int len = (int)strlen(word);
  if (s->col + 1 + len > WRAP_COLUMN) s->col = fprintf(s->out, "\n%*s", s->indent, "") - 1;
  else s->col += fprintf(s->out, " ");
  s->col += fprintf(s->out, "%s", word);
}

static void synopsis_option(const Option *opt, void *ctx) {
  char word[80];
  if (!opt) snprintf(word, sizeof word, "[EVENT FLAGS]");
  else if (opt->letter) snprintf(word, sizeof word, "[-%c%s%s]", opt->letter, opt->arg ? " " : "", opt->arg ? opt->arg : "");
  else snprintf(word, sizeof word, "[--%s%s%s]", opt->name, opt->arg ? " " : "", opt->arg ? opt->arg : "");
  synopsis_word(ctx, word);
}

void options_synopsis(const Command *c, const char *indent, FILE *out) {
  Synopsis s = {out, 0, 0};
  s.col = fprintf(out, "%srp %s", indent, c->name);
  s.indent = s.col + 1;
  char *args = xstrdup(c->args);
  for (char *save = NULL, *w = strtok_r(args, " ", &save); w; w = strtok_r(NULL, " ", &save)) synopsis_word(&s, w);
  free(args);
  each_option(c, synopsis_option, &s);
  fputc('\n', out);
}

/* "  -f, --file FILE          the pipeline file" */
static void help_line(FILE *out, char letter, const char *name, const char *arg, const char *help) {
  Buf left = {0};
  if (letter) buf_printf(&left, "  -%c, --%s", letter, name);
  else buf_printf(&left, "  --%s", name);
  if (arg) buf_printf(&left, " %s", arg);
  if ((int)left.len >= HELP_COLUMN - 1) fprintf(out, "%s\n%*s%s\n", left.data, HELP_COLUMN, "", help);
  else fprintf(out, "%-*s%s\n", HELP_COLUMN, left.data, help);
  buf_free(&left);
}

static void help_option_line(const Option *opt, void *ctx) {
  if (opt) help_line(ctx, opt->letter, opt->name, opt->arg, opt->help); /* the event flags come after */
}

static void note_event(const Option *opt, void *ctx) {
  if (!opt) *(bool *)ctx = true;
}

static void print_event_flags(FILE *out) {
  for (const EventFlag *e = event_flags; e->name; e++) help_line(out, 0, e->name, e->arg, e->help);
}

void options_help(const Command *c, FILE *out) {
  options_synopsis(c, "usage: ", out);
  fprintf(out, "\n%c%s.\n", toupper((unsigned char)c->summary[0]), c->summary + 1);
  if (c->more) fprintf(out, "%s\n", c->more);
  fputs("\nOptions:\n", out);
  each_option(c, help_option_line, out);
  help_option_line(help_option, out);
  bool events = false;
  each_option(c, note_event, &events);
  if (events) {
    fputs("\nEvent flags (without them the event comes from GitHub Actions or GitLab CI,\n"
          "else a local event from git's HEAD):\n",
          out);
    print_event_flags(out);
  }
}

void options_event_flags(FILE *out) {
  int col = fprintf(out, "EVENT FLAGS:");
  for (const EventFlag *e = event_flags; e->name; e++) {
    int len = (int)(strlen(e->name) + strlen(e->arg) + 3);
    if (col + 1 + len > 80) col = fprintf(out, "\n ");
    col += fprintf(out, " --%s %s", e->name, e->arg);
  }
  fputs(".\n", out);
}

typedef struct FlagWalk {
  EachFlag each;
  void *ctx;
} FlagWalk;

static void walk_flag(const Option *opt, void *ctx) {
  FlagWalk *w = ctx;
  if (opt) {
    w->each(opt->name, opt->letter, opt->arg, opt->help, w->ctx);
    return;
  }
  for (const EventFlag *e = event_flags; e->name; e++) w->each(e->name, 0, e->arg, e->help, w->ctx);
}

void options_each_flag(const Command *c, EachFlag each, void *ctx) {
  FlagWalk w = {each, ctx};
  each_option(c, walk_flag, &w);
  walk_flag(help_option, &w);
}
