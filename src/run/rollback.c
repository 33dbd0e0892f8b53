/* rollback.c — the outputs a deploy stage reads, recorded and restored. */
#include "run/rollback.h"

#include <stdlib.h>
#include <string.h>

#include "run/matrix.h"
#include "run/sched.h"

typedef struct Reads {
  const Program *p;
  const char *self;
  Value names; /* list of stage names, each once */
} Reads;

static void note_read(void *ctx, const Node *n) {
  Reads *r = ctx;
  if (n->kind != N_IDENT) return;
  const char *name = n->as.ident.name;
  /* a stage that shares its name with an environment reads as the
   * environment without outputs: nothing is missing then */
  if (!strcmp(name, r->self) || program_stage_index(r->p, name) < 0 || program_environment(r->p, name)) return;
  for (size_t i = 0; i < list_len(r->names); i++)
    if (!strcmp(str_chars(list_get(r->names, i)), name)) return;
  list_push(r->names, v_cstr(name));
}

/* The stages whose outputs `st` reads (its needs, or further up), by name. */
static Value stages_read(const Program *p, const Stage *st) {
  Reads r = {p, st->name, v_list()};
  int i = program_stage_index(p, st->name);
  if (i >= 0) ast_walk(p->stages[i], note_read, &r);
  return r.names;
}

Value rollback_outputs_to_record(Interp *I, const Program *p, const Stage *st) {
  Value names = stages_read(p, st), out = V_NULL_VALUE;
  for (size_t i = 0; i < list_len(names); i++) {
    const char *name = str_chars(list_get(names, i));
    Value outs = interp_outputs(I, name), secret = sched_secret_outputs(outs);
    if (outs.kind == V_MAP && !list_len(secret)) {
      if (out.kind == V_NULL) out = v_map();
      map_set(out, name, secrets_mask_value(interp_secrets(I), outs)); /* a secret's text held in a string */
    }
    value_release(secret);
  }
  value_release(names);
  return out;
}

/* The outputs the run's journal holds for unit `name` (a stage, or an
 * instance of one), borrowed; false after saying why there are none. */
static bool journaled(const Stage *st, const RunState *r, const char *name, Value *out, char **why) {
  const StageState *ss = run_state_stage(r, name);
  if (!ss || !ss->status || strcmp(ss->status, "ok") || ss->outputs.kind != V_MAP) {
    *why = xasprintf("stage '%s' reads the outputs of '%s', which run %s has not run successfully", st->name, name,
                     r->id);
    return false;
  }
  if (ss->secret_outputs.kind == V_LIST && list_len(ss->secret_outputs)) {
    *why = xasprintf("stage '%s' reads the outputs of '%s', which held a secret the journal does not keep: "
                     "run them together", st->name, name);
    return false;
  }
  *out = ss->outputs;
  return true;
}

/* A matrix stage's outputs, from the journal of each of its instances. */
static bool journaled_matrix(Interp *I, const Program *p, const Stage *st, const Stage *read, const RunState *r,
                             Value *out, char **why) {
  Matrix m;
  if (!matrix_expand(I, p->src, read, &m)) {
    *why = xasprintf("the matrix of stage '%s': %s", read->name, interp_last_error(I)->msg);
    interp_clear_error(I);
    return false;
  }
  Value outputs = v_list();
  bool ok = true;
  for (size_t k = 0; k < list_len(m.names) && ok; k++) {
    char *unit = xasprintf("%s[%s]", read->name, str_chars(list_get(m.names, k)));
    Value outs = V_NULL_VALUE;
    ok = journaled(st, r, unit, &outs, why);
    list_push(outputs, value_retain(outs));
    free(unit);
  }
  if (ok) *out = matrix_outputs(m.names, outputs);
  value_release(outputs);
  matrix_free(&m);
  return ok;
}

bool rollback_restore_from_run(Interp *I, const Program *p, const Stage *st, const RunState *r, char **why) {
  Value names = stages_read(p, st);
  bool ok = true;
  for (size_t i = 0; i < list_len(names) && ok; i++) {
    const char *name = str_chars(list_get(names, i));
    const Stage *read = p->stages[program_stage_index(p, name)]->as.stage;
    Value outs = V_NULL_VALUE;
    if (read->matrix) ok = journaled_matrix(I, p, st, read, r, &outs, why);
    else if ((ok = journaled(st, r, name, &outs, why))) outs = value_retain(outs);
    if (ok) interp_set_outputs(I, name, outs);
  }
  value_release(names);
  return ok;
}

bool rollback_restore(Interp *I, const Program *p, const Stage *st, Value deploy, char **why) {
  Value names = stages_read(p, st), recorded = map_get(deploy, "outputs");
  bool ok = true;
  for (size_t i = 0; i < list_len(names) && ok; i++) {
    const char *name = str_chars(list_get(names, i));
    Value outs = recorded.kind == V_MAP ? map_get(recorded, name) : V_NULL_VALUE;
    if (outs.kind == V_MAP) {
      interp_set_outputs(I, name, value_retain(outs));
    } else {
      *why = xasprintf("stage '%s' reads the outputs of '%s', which the deploy being restored did not record "
                       "(they held a secret, or that deploy predates their recording)",
                       st->name, name);
      ok = false;
    }
  }
  value_release(names);
  return ok;
}
