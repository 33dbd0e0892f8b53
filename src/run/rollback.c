/* rollback.c — the outputs a deploy stage reads, recorded and restored. */
#include "run/rollback.h"

#include <stdlib.h>
#include <string.h>

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

bool rollback_restore_from_run(Interp *I, const Program *p, const Stage *st, const RunState *r, char **why) {
  Value names = stages_read(p, st);
  bool ok = true;
  for (size_t i = 0; i < list_len(names) && ok; i++) {
    const char *name = str_chars(list_get(names, i));
    const StageState *ss = run_state_stage(r, name);
    if (!ss || !ss->status || strcmp(ss->status, "ok") || ss->outputs.kind != V_MAP) {
      *why = xasprintf("stage '%s' reads the outputs of '%s', which run %s has not run successfully", st->name, name,
                       r->id);
      ok = false;
    } else if (ss->secret_outputs.kind == V_LIST && list_len(ss->secret_outputs)) {
      *why = xasprintf("stage '%s' reads the outputs of '%s', which held a secret the journal does not keep: "
                       "run them together", st->name, name);
      ok = false;
    } else {
      interp_set_outputs(I, name, value_retain(ss->outputs));
    }
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
