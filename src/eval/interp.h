/* interp.h — the tree-walking evaluator of rp.
 *
 * All run-time state lives in one Interp: globals, stage outputs, the event,
 * the error being raised. Evaluation functions return false when an error
 * was raised (see Interp.error) or control left the block (`return`). */
#ifndef RP_INTERP_H
#define RP_INTERP_H

#include <signal.h>

#include "core/secrets.h"
#include "core/value.h"
#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/primitive.h"

typedef struct Interp Interp;
typedef struct Scope Scope;

/* A run-time error: where it happened and why. */
typedef struct RtError {
  const Source *src;
  Pos pos;
  char *msg;
  char *stage; /* the stage being run, if any */
  /* for an error inside an imported module: the call in the pipeline
   * file that entered the module (call_src NULL otherwise) */
  const Source *call_src;
  Pos call_pos;
} RtError;

/* Where a primitive is called from (lang/primitive.h: PrimFn), for its
 * error messages. */
typedef struct CallSite {
  const Source *src;
  const Node *node;      /* the call expression, for error positions */
  const char *name;      /* "registry.tags", for messages */
  const Primitive *prim; /* its row: parameter names for messages */
} CallSite;

/* Where output goes: blocks of whole lines, masked, data[0..len) one or
 * more lines each ending with '\n' (a stage's log travels in large blocks,
 * not a call per line). */
typedef struct OutputSink {
  void *ctx;
  void (*lines)(void *ctx, const char *stage, const char *stream, const char *data, size_t len);
} OutputSink;

struct Imports; /* lang/check.h: the modules the program imports */

/* `im` (may be NULL) resolves `import` declarations, and its families are
 * the primitives the program calls: those it was checked against. It must
 * outlive I. */
Interp *interp_new(Program *main, struct Imports *im);
void interp_free(Interp *I);

/* Configuration before running. */
void interp_set_event(Interp *I, Value event); /* takes */
void interp_set_output(Interp *I, OutputSink sink);
/* --dry-run: primitives that would change the world print the exact
 * command or request instead (through interp_emit) and return a stand-in. */
void interp_set_dry_run(Interp *I, bool on);
bool interp_dry_run(const Interp *I);

/* Evaluate an expression / run statements in a scope (NULL: globals). */
bool interp_eval(Interp *I, Scope *scope, const Node *expr, Value *out);
bool interp_exec(Interp *I, Scope *scope, const Node *stmt);
/* Evaluate a stage attribute's expression (`when`, `version`...) with the
 * matrix variables of one instance, `vars` (a map; null: none), bound. */
bool interp_eval_with(Interp *I, Value vars, const Node *expr, Value *out);

/* Run one stage's body, then its post blocks, with `vars` bound (e.g. the
 * matrix variable); its outputs are recorded under its name. The body's
 * statements share one scope with the post blocks, which so read its
 * top-level lets (null for those it never reached). */
bool interp_run_stage(Interp *I, const Stage *stage, Value vars);
/* For a stage run in a process of its own (run/sched.c). `stop` is a
 * signal handler's flag (NULL: none): once it is nonzero the body stops
 * before its next statement, with an error try() does not catch, and the
 * post blocks run as after any failure. `hook` is called between the body
 * and the post blocks with how the body went; when it returns false the
 * post blocks do not run (an attempt that will be retried). */
typedef bool (*PostHook)(void *ctx, bool ok);
void interp_set_stop(Interp *I, const volatile sig_atomic_t *stop);
void interp_set_post_hook(Interp *I, PostHook hook, void *ctx);
Value interp_outputs(Interp *I, const char *stage); /* borrowed map or null */
/* A stage whose run is one command (run/sched.c starts it without a
 * process of its own for the stage): its body is one `sh "..."` whose
 * values need nothing computed (literal text, its matrix variable), and it
 * has no post blocks, container, services or version. Its N_SH node, or
 * NULL. Decided from the tree alone. */
const Node *interp_one_sh(const Stage *stage);
/* Whether this interpreter runs such stages as any other: not in a dry
 * run, a debugger, after --break-on-failure or in a container. */
bool interp_runs_plainly(const Interp *I);
/* The command of that `sh` with `vars` bound, as the stage's process
 * would compute it: a compiled template (prim/shtemplate.h: sh_command_of). */
bool interp_sh_command(Interp *I, Value vars, const Node *sh, Value *out);
/* How `sh` takes a command's exit status: true for 0, else it raises
 * "command failed with exit code N: COMMAND" (shown: for people) at pos. */
bool interp_sh_exited(Interp *I, const Source *src, Pos pos, int code, const char *shown);
/* Deploy `version` in `stage` instead of its `version` expression (rollback). */
void interp_set_version(Interp *I, const char *stage, Value version); /* takes */
void interp_set_outputs(Interp *I, const char *stage, Value outputs); /* takes */

/* A debugger's hook, called before each statement (not blocks) runs in
 * `scope`. Returning false stops the code being run (the hook raises the
 * error that says why). NULL removes it; unset, it costs one test. */
typedef bool (*StmtHook)(void *ctx, Interp *I, Scope *scope, const Node *stmt);
void interp_set_stmt_hook(Interp *I, StmtHook hook, void *ctx);
/* rp run --break-on-failure: called when a statement of a block fails,
 * with the error still raised; it says whether to run the statement again,
 * skip it (the error is dropped) or let the failure stand. */
typedef enum { FAILED_STOP, FAILED_RETRY, FAILED_SKIP } FailedAction;
typedef FailedAction (*FailHook)(void *ctx, Interp *I, Scope *scope, const Node *stmt);
void interp_set_fail_hook(Interp *I, FailHook hook, void *ctx);
Program *interp_program(const Interp *I); /* the pipeline being run */
/* The source named `path`: the pipeline's or an imported module's (error
 * positions that crossed a process boundary by name). NULL if unknown. */
const Source *interp_source(const Interp *I, const char *path);
const Stage *interp_stage(const Interp *I); /* the stage being run, or NULL */
/* The environment stage `st` deploys to: `environment NAME`, or, when NAME
 * is one of its matrix axes, that variable's value in `vars` (an
 * instance's; NULL when not a string). NULL without `environment`. */
const char *stage_environment(const Stage *st, Value vars);
const char *interp_stage_environment(const Interp *I); /* of the stage instance being run */
/* The shell `sh` runs its commands in while the stage has a container
 * (prim/sh.h: ShOptions.shell; borrowed); NULL: /bin/sh here. */
const struct ShShell *interp_shell(const Interp *I);
void interp_set_shell(Interp *I, const struct ShShell *shell);
int interp_call_depth(const Interp *I);     /* function calls in progress */
/* The variables visible in `scope` below the globals, innermost first
 * winning: a new map (the REPL's :vars). */
Value interp_scope_vars(const Interp *I, const Scope *scope);

/* try(fn): calls the function fn (check that it is one first). When it
 * fails, *caught says whether the failure is the program's own, which
 * try() turns into a value (read it with interp_last_error, then clear
 * it), rather than a debugger stopping the run, which is never caught. */
bool interp_try(Interp *I, Value fn, Value *out, bool *caught);

/* Errors */
bool interp_error(Interp *I, const Source *src, Pos pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const RtError *interp_last_error(const Interp *I);
void interp_clear_error(Interp *I);
void interp_print_error(const Interp *I, FILE *out, bool color);

/* Secrets: the run's (core/secrets.h), made with the interpreter. Every
 * secret("NAME") the program or its modules write is registered at once
 * when it is set; what a stage registers later reaches the parent through
 * run/sched.c. Output through interp_emit is masked. */
Secrets *interp_secrets(const Interp *I);
void interp_add_secret(Interp *I, const char *text);
/* Whether secret() was called in this process (a stage's inherits what its
 * parent had read): such a stage is never cached (run/cache.h). */
void interp_note_secret_read(Interp *I);
bool interp_read_secret(const Interp *I);
/* What rp shows of its own (a message, a dry run's command): the run's
 * secrets masked, and every URL without its user:password@. Malloc'd. */
char *interp_mask(const Interp *I, const char *text);
void interp_emit(Interp *I, const char *stream, const char *text);
/* A command's output, masked, to the sink: an ExecLinesFn (prim/exec.h)
 * with the interpreter as its context. A piece of an over-long line is
 * shown as a line of its own. */
size_t interp_emit_lines(void *I, const char *stream, const char *data, size_t len, bool whole);
/* What interp_emit_lines hands the sink: data itself when it holds no
 * secret, else a masked copy (valid until the next call); *out_len 0:
 * nothing yet. *took as interp_emit_lines returns. */
const char *interp_mask_lines(Interp *I, const char *data, size_t len, bool whole, size_t *took, size_t *out_len);
/* Prints `v` as the REPL shows it (value_show), its secrets masked, and a
 * newline. */
void interp_print_value(const Interp *I, FILE *out, Value v);

/* Per-run state of a primitive family (a curl handle, a libgit2 context, a
 * regex cache): made on first use by `make`, freed with `release` when the
 * interpreter is freed. Keeps such state out of globals. */
void *interp_slot(Interp *I, const char *key, void *(*make)(void), void (*release)(void *));

/* fs.tempdir(): a new directory, removed with all it holds when the
 * running stage ends (or the interpreter is freed). Borrowed path; NULL
 * and a malloc'd *err naming the parent directory when it cannot be made. */
const char *interp_tempdir(Interp *I, char **err);

/* The directory of the pipeline file: where git.* looks for the repository
 * (malloc'd). */
char *interp_pipeline_dir(const Interp *I);

/* raw(text): spliced into a sh template without quoting (takes text) */
Value make_raw(Value text);

/* Scopes */
Scope *scope_new(Scope *parent);
void scope_release(Scope *s);
void scope_define(Scope *s, const char *name, Value v); /* takes v */

#endif
