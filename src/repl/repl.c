/* repl.c — rp repl: evaluate what is typed, run stages in-process and stop
 * inside them.
 *
 * Stopping works through the interpreter's statement hook: before each
 * statement the hook decides (breakpoint, :step, :next, Ctrl-C) whether to
 * stop, and if so runs a nested command loop in the stage's scope until a
 * command resumes (:step, :next, :continue) or abandons (:retry, :skip,
 * :quit) the stage. */
#include "repl/repl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "eval/interp.h"
#include "lang/parser.h"
#include "run/sched.h"

#ifdef HAVE_LIBEDIT
#include <editline/readline.h>
#endif

typedef enum { GO_ON, STEP, NEXT } Mode;
/* How a stopped stage is left, besides resuming it. */
typedef enum { LEAVE_NONE, LEAVE_RETRY, LEAVE_SKIP, LEAVE_QUIT } Leave;
typedef enum { ST_PENDING, ST_DONE, ST_FAILED, ST_SKIPPED } Status;

typedef struct Break {
  char *stage;
  unsigned line; /* 0: the stage's first statement */
} Break;

typedef struct Repl {
  const Selection *sel;
  char **envp;
  Loaded l;
  Interp *I;
  Scope *top;   /* the REPL's own scope over the globals */
  Value status; /* stage name -> Status as a number */
  Source **lines; /* typed lines: nodes and errors point into them */
  int nlines, lines_cap;
  Break *breaks;
  int nbreaks, breaks_cap;
  Mode mode;
  int next_depth;
  bool entered; /* the current stage reached its first statement */
  Leave leave;
  bool dry;
  /* where the session is stopped (stage NULL: not stopped) */
  const Stage *stage;
  Scope *scope;
  unsigned line;
  bool tty;
  bool quit;
  Value kept_event; /* the session's event while the file does not load */
  char *history;
} Repl;

/* Ctrl-C while a stage runs: stop at its next statement. A signal handler
 * can only set a flag, hence this one file-level variable. */
static volatile sig_atomic_t interrupted;
static void on_sigint(int sig) {
  (void)sig;
  interrupted = 1;
}

static bool command_loop(Repl *R);
static bool stmt_hook(void *ctx, Interp *I, Scope *scope, const Node *stmt);

/* ---- reading lines ---- */

static char *read_line(Repl *R, const char *prompt) {
#ifdef HAVE_LIBEDIT
  if (R->tty) {
    char *s = readline(prompt);
    if (s && *s) add_history(s);
    return s;
  }
#endif
  (void)prompt;
  if (R->tty) {
    fputs(prompt, stdout);
    fflush(stdout);
  }
  Buf b = {0};
  int c;
  while ((c = getchar()) != EOF && c != '\n') buf_putc(&b, (char)c);
  if (c == EOF && !b.len) {
    buf_free(&b);
    return NULL;
  }
  return b.data ? b.data : xstrdup("");
}

/* ---- state ---- */

static Status status_of(Repl *R, const char *name) {
  Value v = map_get(R->status, name);
  return v.kind == V_INT ? (Status)v.as.i : ST_PENDING;
}
static void set_status(Repl *R, const char *name, Status s) { map_set(R->status, name, v_int(s)); }

static bool load(Repl *R) {
  bool ok = plan_load(R->sel, R->envp, &R->l);
  plan_print_problems(&R->l, stderr);
  if (!ok) {
    plan_loaded_free(&R->l);
    return false;
  }
  R->I = interp_new(R->l.prog, R->l.im);
  interp_set_event(R->I, value_retain(R->l.event));
  interp_set_dry_run(R->I, R->dry);
  interp_set_stmt_hook(R->I, stmt_hook, R);
  R->top = scope_new(NULL);
  return true;
}

static void unload(Repl *R) {
  if (R->top) scope_release(R->top);
  R->top = NULL;
  if (R->I) interp_free(R->I);
  R->I = NULL;
  plan_loaded_free(&R->l);
  for (int i = 0; i < R->nlines; i++) source_free(R->lines[i]);
  R->nlines = 0;
}

static const Stage *find_stage(Repl *R, const char *name) {
  int i = program_stage_index(R->l.prog, name);
  return i < 0 ? NULL : R->l.prog->stages[i]->as.stage;
}

/* Errors in typed lines have no useful position: their message alone. */
static void print_error_at(Repl *R, bool typed) {
  const RtError *e = interp_last_error(R->I);
  if (e) {
    char *msg = interp_mask(R->I, e->msg);
    if (!typed && e->src && e->src->path)
      fprintf(stdout, "%s:%u:%u: error: %s\n", e->src->path, e->pos.line, e->pos.col, msg);
    else fprintf(stdout, "error: %s\n", msg);
    free(msg);
  }
  interp_clear_error(R->I);
}
static void print_error(Repl *R) { print_error_at(R, false); }

/* ---- the statement hook ---- */

static bool breakpoint_at(Repl *R, const Stage *st, unsigned line) {
  for (int i = 0; i < R->nbreaks; i++)
    if (!strcmp(R->breaks[i].stage, st->name) &&
        (R->breaks[i].line ? R->breaks[i].line == line : !R->entered))
      return true;
  return false;
}

static bool stmt_hook(void *ctx, Interp *I, Scope *scope, const Node *stmt) {
  Repl *R = ctx;
  const Stage *st = interp_stage(I);
  if (!st || R->stage) return true; /* a typed line, not the stage */
  bool stop = interrupted || R->mode == STEP ||
              (R->mode == NEXT && interp_call_depth(I) <= R->next_depth) ||
              breakpoint_at(R, st, stmt->pos.line);
  R->entered = true;
  if (!stop) return true;
  if (interrupted) puts("interrupted");
  interrupted = 0;
  R->stage = st;
  R->scope = scope;
  R->line = stmt->pos.line;
  R->mode = GO_ON;
  bool resume = command_loop(R);
  R->stage = NULL;
  R->scope = NULL;
  if (R->mode == NEXT) R->next_depth = interp_call_depth(I);
  if (resume) return true;
  return interp_error(I, NULL, stmt->pos, "stage %s stopped from the REPL", st->name);
}

/* ---- running stages ---- */

static bool when_allows(Repl *R, const Unit *u) {
  if (!u->stage->when) return true;
  Value v;
  bool ok = true;
  if (interp_eval_with(R->I, u->vars, u->stage->when->as.attr.value, &v)) {
    ok = value_truthy(v);
    value_release(v);
  } else {
    print_error(R);
  }
  return ok;
}

/* Run one unit until it finishes or is abandoned; false stops :run. */
static bool run_unit(Repl *R, const Unit *u) {
  for (;;) {
    printf("== %s\n", u->name);
    fflush(stdout);
    R->entered = false;
    R->leave = LEAVE_NONE;
    bool ok = interp_run_stage(R->I, u->stage, u->vars);
    Leave leave = R->leave;
    R->leave = LEAVE_NONE;
    if (leave == LEAVE_RETRY) {
      interp_clear_error(R->I);
      continue;
    }
    if (leave == LEAVE_QUIT || R->quit) {
      interp_clear_error(R->I);
      return false;
    }
    if (leave == LEAVE_SKIP) {
      interp_clear_error(R->I);
      printf("-- %s skipped (marked done)\n", u->name);
      set_status(R, u->name, ST_DONE);
      return true;
    }
    if (ok) {
      printf("ok %s\n", u->name);
      set_status(R, u->name, ST_DONE);
      return true;
    }
    print_error(R);
    printf("FAILED %s\n", u->name);
    set_status(R, u->name, ST_FAILED);
    return false;
  }
}

static void cmd_run_stage(Repl *R, const char *name) {
  int idx = program_stage_index(R->l.prog, name);
  if (idx < 0) {
    printf("error: no stage named '%s'\n", name);
    return;
  }
  interrupted = 0; /* a Ctrl-C typed at the prompt is not for this run */
  Scheduler s = {.I = R->I, .prog = R->l.prog, .jobs = 1};
  if (sched_plan(&s, &idx, 1)) {
    for (int u = 0; u < s.n; u++) {
      const Unit *unit = &s.units[u];
      bool is_goal = unit->stage == R->l.prog->stages[idx]->as.stage;
      if (!is_goal && status_of(R, unit->name) == ST_DONE) continue; /* kept from before */
      if (!when_allows(R, unit)) {
        printf("-- %s skipped: when is false\n", unit->name);
        set_status(R, unit->name, ST_SKIPPED);
        continue;
      }
      if (!run_unit(R, unit) || R->quit) break;
    }
  }
  sched_free(&s);
}

/* ---- evaluating typed code ---- */

static void eval_line(Repl *R, const char *text) {
  char name[32];
  snprintf(name, sizeof name, "<repl:%d>", R->nlines + 1);
  Source *src = source_from_string(name, text);
  VEC_PUSH(R->lines, R->nlines, R->lines_cap, src);
  Diags d = {0};
  Node *n = parse_repl_line(R->l.prog, src, &d);
  if (!n || d.nerrors) {
    diags_print(&d, stdout, false);
    diags_free(&d);
    return;
  }
  diags_free(&d);
  Scope *sc = R->scope ? R->scope : R->top;
  if (n->kind == N_EXPR_STMT) {
    Value v;
    if (!interp_eval(R->I, sc, n->as.stmt.value, &v)) {
      print_error_at(R, true);
      return;
    }
    interp_print_value(R->I, stdout, v);
    value_release(v);
  } else if (n->kind == N_LET || n->kind == N_ASSIGN || n->kind == N_IF || n->kind == N_FOR ||
             n->kind == N_OUTPUT || n->kind == N_FAIL) {
    if (!interp_exec(R->I, sc, n)) print_error_at(R, true);
  } else {
    puts("error: declarations are not evaluated here: edit the file and :reload");
  }
}

/* ---- commands ---- */

static void cmd_help(void) {
  puts("Type an expression or statement to evaluate it in the current scope. Commands:\n"
       "  :stages               each stage: status and needs\n"
       "  :plan                 the stages the event runs, in order\n"
       "  :run STAGE            run STAGE after what it needs, stopping at breakpoints\n"
       "  :break STAGE[:LINE]   stop before the stage (or its line) runs; :break alone lists\n"
       "  :delete [N]           delete breakpoint N (all without N)\n"
       "  :step  :next          one statement, into / over function calls\n"
       "  :continue             run on to the next breakpoint\n"
       "  :list  :vars          the code around the stop; its variables\n"
       "  :outputs STAGE        a stage's outputs\n"
       "  :retry  :skip         re-run the stopped stage; mark it done and go on\n"
       "  :event KIND [k=v...]  a new event (keys as rp run's flags: branch=main tag=v1)\n"
       "  :dry on|off           dry-run: print commands instead of changing the world\n"
       "  :reload               re-read the file, keeping finished stages' outputs\n"
       "  :quit                 leave");
}

static void print_needs(const Stage *st) {
  if (!st->needs) return;
  fputs(" needs ", stdout);
  for (int k = 0; k < st->needs->as.attr.nnames; k++)
    printf("%s%s%s", k ? ", " : "", st->needs->as.attr.names[k].name,
           st->needs->as.attr.names[k].optional ? "?" : ""); /* `needs? lint` shows as lint? */
}

static void cmd_stages(Repl *R) {
  static const char *names[] = {"pending", "done", "FAILED", "skipped"};
  for (int i = 0; i < R->l.prog->nstages; i++) {
    const Stage *st = R->l.prog->stages[i]->as.stage;
    const char *s = R->stage == st ? "stopped" : names[status_of(R, st->name)];
    if (st->needs) printf("%-20s %-8s", st->name, s);
    else printf("%-20s %s", st->name, s);
    print_needs(st);
    putchar('\n');
    /* a matrix stage's instances, "build[linux]", once they ran */
    size_t len = strlen(st->name);
    Map *m = as_map(R->status);
    for (size_t k = 0; k < m->n; k++)
      if (!strncmp(m->keys[k]->data, st->name, len) && m->keys[k]->data[len] == '[')
        printf("  %-18s %s\n", m->keys[k]->data, names[status_of(R, m->keys[k]->data)]);
  }
}

static void cmd_plan_(Repl *R) {
  Buf b = {0};
  event_describe(R->l.event, &b);
  printf("event: %s\n", b.data ? b.data : "");
  buf_free(&b);
  Scheduler s = {.I = R->I, .prog = R->l.prog, .jobs = 1, .instances = R->l.instances};
  if (!R->l.ngoals) puts("nothing runs for this event");
  else if (sched_plan(&s, R->l.goals, R->l.ngoals))
    for (int u = 0; u < s.n; u++) printf("  %2d. %s\n", u + 1, s.units[u].name);
  sched_free(&s);
}

static void cmd_break(Repl *R, char *arg) {
  if (!*arg) {
    for (int i = 0; i < R->nbreaks; i++)
      if (R->breaks[i].line) printf("%d: %s:%u\n", i + 1, R->breaks[i].stage, R->breaks[i].line);
      else printf("%d: %s\n", i + 1, R->breaks[i].stage);
    return;
  }
  unsigned line = 0;
  char *colon = strchr(arg, ':');
  if (colon) {
    *colon = 0;
    char *end;
    long n = strtol(colon + 1, &end, 10);
    if (*end || n <= 0) {
      printf("error: '%s' is not a line number\n", colon + 1);
      return;
    }
    line = (unsigned)n;
  }
  const Stage *st = find_stage(R, arg);
  if (!st) {
    printf("error: no stage named '%s'\n", arg);
    return;
  }
  VEC_PUSH(R->breaks, R->nbreaks, R->breaks_cap, ((Break){xstrdup(arg), line}));
  printf("breakpoint %d at %s", R->nbreaks, arg);
  if (line) printf(":%u", line);
  putchar('\n');
}

static void cmd_delete(Repl *R, const char *arg) {
  if (!*arg) {
    for (int i = 0; i < R->nbreaks; i++) free(R->breaks[i].stage);
    R->nbreaks = 0;
    return;
  }
  int n = atoi(arg);
  if (n < 1 || n > R->nbreaks) {
    printf("error: no breakpoint %s\n", arg);
    return;
  }
  free(R->breaks[n - 1].stage);
  memmove(&R->breaks[n - 1], &R->breaks[n], (size_t)(R->nbreaks - n) * sizeof *R->breaks);
  R->nbreaks--;
}

static void cmd_list(Repl *R) {
  if (!R->stage) {
    puts("error: not stopped in a stage");
    return;
  }
  const Source *src = R->l.prog->src;
  unsigned line = 1;
  const char *p = src->text, *end = src->text + src->len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (line + 3 >= R->line && line <= R->line + 3)
      printf("%s%4u  %.*s\n", line == R->line ? "->" : "  ", line, (int)len, p);
    p += len + 1;
    line++;
  }
}

static void cmd_vars(Repl *R) {
  Value vars = interp_scope_vars(R->I, R->scope ? R->scope : R->top);
  Map *m = as_map(vars);
  for (size_t i = 0; i < m->n; i++) {
    printf("%s = ", m->keys[i]->data);
    interp_print_value(R->I, stdout, m->vals[i]);
  }
  value_release(vars);
}

static void cmd_outputs(Repl *R, const char *name) {
  if (!find_stage(R, name)) {
    printf("error: no stage named '%s'\n", name);
    return;
  }
  Value v = interp_outputs(R->I, name);
  if (v.kind == V_NULL) printf("%s has not run\n", name);
  else interp_print_value(R->I, stdout, v);
}

/* :event KIND k=v...: the keys are rp run's event flags without "--". */
static void cmd_event(Repl *R, char *arg) {
  char *save = NULL, *kind = strtok_r(arg, " \t", &save);
  if (!kind) {
    Buf b = {0};
    event_describe(R->l.event, &b);
    printf("event: %s\n", b.data ? b.data : "");
    buf_free(&b);
    return;
  }
  EventFlags f = {.kind = kind};
  bool ok = true;
  for (char *kv; ok && (kv = strtok_r(NULL, " \t", &save));) {
    char *eq = strchr(kv, '=');
    if (eq) *eq = '\0';
    for (char *c = kv; *c; c++)
      if (*c == '_') *c = '-';
    ok = eq && event_flag_set(&f, kv, eq + 1);
    if (!ok) printf("error: %s\n", eq ? "unknown event key (see :help)" : "an event key wants a value: KEY=VALUE");
  }
  Value ev = event_new(kind);
  char *err = NULL;
  if (ok && !event_apply_flags(ev, &f, &err)) {
    printf("error: %s\n", err);
    free(err);
    ok = false;
  }
  if (ok) {
    value_release(R->l.event);
    R->l.event = value_retain(ev);
    interp_set_event(R->I, value_retain(ev));
    Selection triggered = {0}; /* the goals follow the event */
    if (!plan_choose_goals(&triggered, &R->l)) printf("error: %s\n", R->l.error);
    Buf b = {0};
    event_describe(ev, &b);
    printf("event: %s\n", b.data ? b.data : "");
    buf_free(&b);
  }
  value_release(ev);
  event_flags_free(&f);
}

/* Keep what finished: their status and outputs carry over to the new
 * program, stage by stage name. */
static void cmd_reload(Repl *R) {
  if (R->stage) {
    puts("error: finish or :skip the stopped stage first");
    return;
  }
  Value kept = v_map();
  Map *st = as_map(R->status);
  for (size_t i = 0; i < st->n; i++)
    if (st->vals[i].kind == V_INT && st->vals[i].as.i == ST_DONE) {
      Value o = interp_outputs(R->I, st->keys[i]->data);
      map_set(kept, st->keys[i]->data, o.kind == V_NULL ? v_map() : value_retain(o));
    }
  Value ev = R->I ? value_retain(R->l.event) : value_retain(R->kept_event);
  unload(R);
  value_release(R->status);
  R->status = v_map();
  if (!load(R)) {
    puts("error: the file does not load; fix it and :reload again");
    value_release(R->kept_event);
    R->kept_event = value_retain(ev);
  } else {
    value_release(R->l.event);
    R->l.event = value_retain(ev);
    interp_set_event(R->I, value_retain(ev));
    Map *k = as_map(kept);
    for (size_t i = 0; i < k->n; i++) {
      /* a matrix instance "build[x]" keeps its status when build still exists */
      char *base = xstrdup(k->keys[i]->data);
      char *br = strchr(base, '[');
      if (br) *br = 0;
      if (find_stage(R, base)) {
        set_status(R, k->keys[i]->data, ST_DONE);
        interp_set_outputs(R->I, k->keys[i]->data, value_retain(k->vals[i]));
      }
      free(base);
    }
    printf("reloaded %s (%d stages)\n", R->l.prog->src->path, R->l.prog->nstages);
  }
  value_release(ev);
  value_release(kept);
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  char *e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) *--e = 0;
  return s;
}

/* Runs one command; returns true when it resumes a stopped stage. */
static bool do_command(Repl *R, char *line, bool *resume_result) {
  char *arg = line + 1;
  while (*arg && *arg != ' ' && *arg != '\t') arg++;
  if (*arg) *arg++ = 0;
  arg = trim(arg);
  const char *c = line + 1;
  bool stopped = R->stage != NULL;
  *resume_result = true;
#define IS(a, b) (!strcmp(c, a) || !strcmp(c, b))
  if (IS("help", "h")) cmd_help();
  else if (IS("stages", "stages")) cmd_stages(R);
  else if (IS("plan", "plan")) cmd_plan_(R);
  else if (IS("break", "b")) cmd_break(R, arg);
  else if (IS("delete", "d")) cmd_delete(R, arg);
  else if (IS("list", "l")) cmd_list(R);
  else if (IS("vars", "v")) cmd_vars(R);
  else if (IS("outputs", "o")) cmd_outputs(R, arg);
  else if (IS("event", "e")) cmd_event(R, arg);
  else if (IS("reload", "reload")) cmd_reload(R);
  else if (IS("dry", "dry")) {
    if (!strcmp(arg, "on") || !strcmp(arg, "off")) {
      R->dry = !strcmp(arg, "on");
      interp_set_dry_run(R->I, R->dry);
    }
    printf("dry-run %s\n", R->dry ? "on" : "off");
  } else if (IS("run", "r")) {
    if (stopped) puts("error: a stage is stopped: :continue, :skip or :retry it first");
    else if (!*arg) puts("error: :run needs a stage name");
    else cmd_run_stage(R, arg);
  } else if (IS("step", "s") || IS("next", "n") || IS("continue", "c") || IS("retry", "retry") ||
             IS("skip", "skip")) {
    if (!stopped) {
      puts("error: not stopped in a stage (use :run STAGE)");
      return false;
    }
    if (IS("step", "s")) R->mode = STEP;
    else if (IS("next", "n")) R->mode = NEXT;
    else if (IS("continue", "c")) R->mode = GO_ON;
    else {
      R->leave = IS("retry", "retry") ? LEAVE_RETRY : LEAVE_SKIP;
      *resume_result = false;
    }
    return true;
  } else if (IS("quit", "q")) {
    R->leave = LEAVE_QUIT;
    R->quit = true;
    *resume_result = false;
    return true;
  } else printf("error: unknown command ':%s' (:help lists them)\n", c);
#undef IS
  return false;
}

/* Read and run lines until one resumes the stopped stage (true) or
 * abandons it / ends the session (false). */
static bool command_loop(Repl *R) {
  for (;;) {
    char prompt[128];
    if (R->stage) snprintf(prompt, sizeof prompt, "rp[%s:%u]> ", R->stage->name, R->line);
    else snprintf(prompt, sizeof prompt, "rp> ");
    if (!R->tty) {
      /* scripted sessions show the prompt too, so a transcript reads as one */
      fputs(prompt, stdout);
    }
    fflush(stdout);
    char *raw = read_line(R, prompt);
    if (!raw) {
      if (!R->tty) putchar('\n');
      R->leave = LEAVE_QUIT;
      R->quit = true;
      return false;
    }
    char *line = trim(raw);
    if (!R->tty && *line) printf("%s\n", line);
    bool result = true, leaves = false;
    bool loaded_only = *line && strncmp(line, ":reload", 7) && strncmp(line, ":q", 2) &&
                       strncmp(line, ":h", 2) && *line != '#';
    if (!R->I && loaded_only) puts("error: no pipeline loaded: fix the file and :reload");
    else if (*line == ':') leaves = do_command(R, line, &result);
    else if (*line && *line != '#') eval_line(R, line);
    free(raw);
    fflush(stdout);
    if (leaves || R->quit) return leaves ? result : false;
  }
}

#ifdef HAVE_LIBEDIT
/* Tab completion: commands after ':', else stage names, variables, the
 * families' namespaces and the global primitives and values. libedit's
 * callbacks carry no context, hence this pointer, set only while the
 * session runs. */
static Repl *completing;

static char *complete_word(const char *text, int state) {
  static const char *cmds[] = {":help", ":stages", ":plan", ":run", ":break", ":delete", ":step",
                               ":next", ":continue", ":list", ":vars", ":outputs", ":retry",
                               ":skip", ":event", ":dry", ":reload", ":quit"};
  static int i;
  static Value words;
  if (!state) {
    i = 0;
    value_release(words);
    words = v_list();
    if (*text == ':') {
      for (size_t k = 0; k < sizeof cmds / sizeof *cmds; k++) list_push(words, v_cstr(cmds[k]));
    } else if (completing && completing->l.prog) {
      Repl *R = completing;
      for (int k = 0; k < R->l.prog->nstages; k++) list_push(words, v_cstr(R->l.prog->stages[k]->as.stage->name));
      const PrimFamily *const *fams = imports_families(R->l.im);
      for (int f = 0; fams && fams[f]; f++) {
        if (*fams[f]->ns) list_push(words, v_cstr(fams[f]->ns));
        else
          for (int k = 0; k < fams[f]->n; k++) list_push(words, v_cstr(fams[f]->prims[k].name));
      }
      Value vars = interp_scope_vars(R->I, R->scope ? R->scope : R->top);
      for (size_t k = 0; k < as_map(vars)->n; k++) list_push(words, v_cstr(as_map(vars)->keys[k]->data));
      value_release(vars);
    }
  }
  size_t len = strlen(text);
  while ((size_t)i < list_len(words)) {
    Value w = list_get(words, (size_t)i++);
    if (!strncmp(as_str(w)->data, text, len)) return strdup(as_str(w)->data);
  }
  value_release(words);
  words = V_NULL_VALUE;
  return NULL;
}
#endif

bool repl_main(const Selection *sel, char **envp) {
  Repl R = {.sel = sel, .envp = envp, .status = v_map(), .tty = isatty(0) && isatty(1)};
  if (!load(&R)) {
    value_release(R.status);
    return false;
  }
  struct sigaction sa = {0}, old;
  sa.sa_handler = on_sigint;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &old);
#ifdef HAVE_LIBEDIT
  if (R.tty) {
    completing = &R;
    rl_completion_entry_function = complete_word;
    rl_basic_word_break_characters = " \t\n\"'(),[]{}.";
    const char *home = getenv("HOME");
    if (home) {
      R.history = xmalloc(strlen(home) + 16);
      sprintf(R.history, "%s/.rp_history", home);
      read_history(R.history);
    }
  }
#endif
  Buf b = {0};
  event_describe(R.l.event, &b);
  printf("rp repl: %s, %d stages; event: %s (from %s). :help lists the commands.\n",
         R.l.prog->src->path, R.l.prog->nstages, b.data ? b.data : "", R.l.event_source);
  buf_free(&b);
  while (!R.quit) command_loop(&R);
#ifdef HAVE_LIBEDIT
  if (R.history) write_history(R.history);
  completing = NULL;
#endif
  free(R.history);
  sigaction(SIGINT, &old, NULL);
  unload(&R);
  value_release(R.status);
  value_release(R.kept_event);
  for (int i = 0; i < R.nbreaks; i++) free(R.breaks[i].stage);
  free(R.breaks);
  free(R.lines);
  return true;
}
