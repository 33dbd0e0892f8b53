/* prim_global.c — the global family: sh, assert, secret, raw, print, try,
 * glob, base64, unbase64, sha256, and the values env and event. */
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "eval/prim.h"
#include "prim/sh.h"
#include "prim/shtemplate.h"

/* ---- sh ---- */

enum { SH_KEPT = 1 << 20 }; /* bytes of each stream kept in the result; the rest only streams */

static Value sh_result(int code, const char *out, const char *err, bool truncated) {
  Value r = v_map();
  map_set(r, "code", v_int(code));
  map_set(r, "stdout", v_cstr(out));
  map_set(r, "stderr", v_cstr(err));
  map_set(r, "truncated", v_bool(truncated));
  return r;
}

/* sh(cmd): cmd is a compiled sh template (prim/shtemplate.h), whose values
 * go into the command's environment, or plain text run as it is. */
static bool n_sh(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value cmd, envm, dir, timeout, allow;
  const ShCommand *tpl = sh_command_of(args[0]);
  if (!tpl) ARG(0, V_STRING, true, &cmd);
  ARG(1, V_MAP, false, &envm);
  ARG(2, V_STRING, false, &dir);
  ARG(3, V_DURATION, false, &timeout);
  ARG(4, V_BOOL, false, &allow);
  const char *code = tpl ? tpl->code : str_chars(cmd), *shown = tpl ? tpl->shown : code;
  if (prim_dry_run(I, out, sh_result(0, "", "", false), "sh: %s%s%s", shown, dir.kind == V_STRING ? "  (in " : "",
                   dir.kind == V_STRING ? str_chars(dir) : ""))
    return true;
  /* the template's values first: they win over env: entries of the same name */
  size_t nenv = 0, ntpl = 0;
  while (tpl && tpl->env[ntpl]) ntpl++;
  char **env = xcalloc(ntpl + (envm.kind == V_MAP ? as_map(envm)->n : 0) + 1, sizeof *env);
  for (size_t k = 0; k < ntpl; k++) env[nenv++] = xstrdup(tpl->env[k]);
  if (envm.kind == V_MAP) {
    Map *m = as_map(envm);
    for (size_t k = 0; k < m->n; k++) {
      char *v = value_to_cstr(m->vals[k]);
      if (value_is_secret(m->vals[k])) interp_add_secret(I, v);
      env[nenv++] = xasprintf("%s=%s", m->keys[k]->data, v);
      free(v);
    }
  }
  ShOptions opt = {.cmd = code,
                   .dir = prim_opt_str(dir),
                   .env_add = env,
                   .shell = interp_shell(I),
                   .timeout_ms = timeout.kind == V_DURATION ? timeout.as.i : 0,
                   .capture_limit = SH_KEPT,
                   .on_lines = interp_emit_lines,
                   .ctx = I};
  ShResult res;
  char *err = NULL;
  bool started = sh_run(&opt, &res, &err);
  for (size_t k = 0; k < nenv; k++) free(env[k]);
  free(env);
  if (!started) return prim_fail(I, cs, err);
  bool ok = true;
  if (res.timed_out) {
    ok = FAIL("sh: command timed out after %lldms", (long long)opt.timeout_ms);
  } else if (!(allow.kind == V_BOOL && allow.as.b)) {
    ok = interp_sh_exited(I, cs->src, cs->node->pos, res.code, shown);
  }
  if (ok) *out = sh_result(res.code, res.out, res.err, res.truncated);
  sh_result_free(&res);
  return ok;
}

/* ---- assert, secret, raw, print, try ---- */

static bool n_assert(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value cond, msg;
  ARG(0, V_NULL, false, &cond);
  ARG(1, V_NULL, false, &msg);
  if (value_truthy(cond)) {
    *out = V_NULL_VALUE;
    return true;
  }
  char *text = msg.kind == V_NULL ? xstrdup("assertion failed") : value_to_cstr(msg);
  FAIL("%s", text);
  free(text);
  return false;
}

/* A stage bound to an environment reads that environment's secret first
 * (as GitHub's environment secrets); `env:` asks for that environment's
 * own, which only its stages may. */
static bool n_secret(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value name, env;
  ARG(0, V_STRING, true, &name);
  ARG(1, V_STRING, false, &env);
  const Stage *st = interp_stage(I);
  const char *bound = interp_stage_environment(I);
  if (env.kind == V_STRING && (!bound || strcmp(bound, str_chars(env)))) {
    if (!st) return FAIL("secret(\"%s\", env: \"%s\") outside a stage: only a stage bound to '%s' reads its secrets",
                         str_chars(name), str_chars(env), str_chars(env));
    return FAIL("stage '%s' is not bound to environment '%s': it cannot read that environment's secrets",
                st->name, str_chars(env));
  }
  const char *v;
  char *err = NULL;
  if (!secrets_read_in(interp_secrets(I), str_chars(name), bound, env.kind == V_STRING, &v, &err)) {
    FAIL("%s", err);
    free(err);
    return false;
  }
  interp_note_secret_read(I);
  *out = value_mark_secret(v_cstr(v));
  return true;
}

static bool n_raw(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, V_NULL, true, &text);
  *out = make_raw(value_retain(text));
  return true;
}

static bool n_print(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value v;
  ARG(0, V_NULL, false, &v);
  char *text = value_to_cstr(v);
  interp_emit(I, "stdout", text);
  free(text);
  *out = V_NULL_VALUE;
  return true;
}

/* try(fn): fn's failure as a value, {ok, value, error}, instead of the
 * stage's failure: how a pipeline or module recovers (Lua's pcall). */
static bool n_try(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value fn, v = V_NULL_VALUE;
  ARG(0, V_NULL, true, &fn);
  if (strcmp(value_type_name(fn), "function"))
    return FAIL("try: expected a function such as fn() => ..., got %s", value_type_name(fn));
  bool caught;
  bool ok = interp_try(I, fn, &v, &caught);
  if (!ok && !caught) return false;
  *out = v_map();
  map_set(*out, "ok", v_bool(ok));
  map_set(*out, "value", v);
  map_set(*out, "error", ok ? V_NULL_VALUE : v_cstr(interp_last_error(I)->msg));
  if (!ok) interp_clear_error(I);
  return true;
}

/* ---- glob ---- */

static bool n_glob(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value pat;
  ARG(0, V_STRING, true, &pat);
  glob_t g;
  int rc = glob(str_chars(pat), 0, NULL, &g);
  *out = v_list();
  if (rc == 0)
    for (size_t i = 0; i < g.gl_pathc; i++) list_push(*out, v_cstr(g.gl_pathv[i]));
  if (rc != GLOB_NOMATCH) globfree(&g);
  return true;
}

/* ---- base64, sha256 ---- */

static bool n_base64(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, V_STRING, true, &text);
  *out = v_str_take(base64_encode(str_chars(text), as_str(text)->len));
  if (value_is_secret(text)) *out = value_mark_secret(*out);
  return true;
}

static bool n_unbase64(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, V_STRING, true, &text);
  Buf b = {0};
  char bad;
  if (!base64_decode(str_chars(text), &b, &bad)) {
    buf_free(&b);
    return prim_fail(I, cs, xasprintf("not base64: unexpected '%c'", bad));
  }
  *out = v_str(b.data ? b.data : "", b.len);
  buf_free(&b);
  if (value_is_secret(text)) *out = value_mark_secret(*out);
  return true;
}

static bool n_sha256(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, V_STRING, true, &text);
  char *digest = sha256_digest(str_chars(text), as_str(text)->len); /* "sha256:HEX" */
  const char *hex = strchr(digest, ':');
  *out = v_cstr(hex ? hex + 1 : digest);
  free(digest);
  return true;
}

static const Primitive prims[] = {
    {"sh", "cmd env? dir? timeout? allow_failure?", n_sh,
     "`{code, stdout, stderr, truncated}`: the first MiB of each stream (all of it streams to the log; `truncated` "
     "when more was cut); a non-zero exit raises unless `allow_failure: true`. `sh \"...\"` (or a string "
     "literal as `cmd`) is a command template: each `${}` value reaches the shell as a variable, never parsed "
     "(language reference §9)"},
    {"secret", "name env?", n_secret,
     "the secret from `--secrets` (a stage's environment's own first), else the process environment; masked "
     "everywhere"},
    {"raw", "text", n_raw, "text spliced into a `sh` template as shell code, unquoted: the shell parses it"},
    {"assert", "cond message?", n_assert, "raises `message` when `cond` is false"},
    {"try", "fn", n_try,
     "`{ok, value, error}`: calls `fn()`; a failure inside it becomes `ok: false` and its message instead of "
     "failing the stage (language reference §7)"},
    {"print", "value", n_print, "prints to the stage's log"},
    {"glob", "pattern", n_glob, "matching paths, sorted"},
    {"base64", "text", n_base64, "the text in base64"},
    {"unbase64", "text", n_unbase64, "the text base64 decodes to"},
    {"sha256", "text", n_sha256, "the text's SHA-256, lower-case hex"},
    {"env", NULL, NULL, "the environment variables: `env.HOME`"},
    {"event", NULL, NULL, "the event the run answers: [events.md](events.md)"},
};

const PrimFamily prim_family_global =
    PRIM_FAMILY("", "Called without a namespace, as `sh(...)`; `env` and `event` are values.", NULL, prims);
