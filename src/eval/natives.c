/* natives.c — core built-in functions. */
#include "eval/natives.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "prim/sh.h"

bool native_arg(Interp *I, const CallSite *cs, Value *args, int nargs, int i, const char *name, ValueKind kind,
                bool required, Value *out) {
  *out = i < nargs ? args[i] : V_NULL_VALUE;
  if (out->kind == V_NULL) {
    if (!required) return true;
    return interp_error(I, cs->src, cs->node->pos, "%s: missing argument '%s'", cs->name, name);
  }
  if (kind != V_NULL && out->kind != kind && !(kind == V_FLOAT && out->kind == V_INT))
    return interp_error(I, cs->src, cs->node->pos, "%s: '%s' must be a %s, not %s", cs->name, name,
                        value_type_name((Value){.kind = kind}), value_type_name(*out));
  return true;
}

#define ARG(i, name, kind, req, out)                                                    \
  if (!native_arg(I, cs, args, nargs, (i), (name), (kind), (req), (out))) return false

#define FAIL(...) interp_error(I, cs->src, cs->node->pos, __VA_ARGS__)

/* In a dry run, say what would be done and do nothing. */
static bool dry_run_say(Interp *I, const char *what, const char *detail, Value *out) {
  if (!interp_dry_run(I)) return false;
  char *line = xasprintf("[dry-run] %s %s", what, detail);
  interp_emit(I, "stdout", line);
  free(line);
  *out = V_NULL_VALUE;
  return true;
}

/* ---- sh ---- */

static void sh_line(void *ctx, const char *stream, const char *line) { interp_emit(ctx, stream, line); }

static bool n_sh(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value cmd, envm, dir, timeout, allow;
  ARG(0, "cmd", V_STRING, true, &cmd);
  ARG(1, "env", V_MAP, false, &envm);
  ARG(2, "dir", V_STRING, false, &dir);
  ARG(3, "timeout", V_DURATION, false, &timeout);
  ARG(4, "allow_failure", V_BOOL, false, &allow);
  if (interp_dry_run(I)) {
    char *shown = xasprintf("[dry-run] sh: %s%s%s", str_chars(cmd), dir.kind == V_STRING ? "  (in " : "",
                            dir.kind == V_STRING ? str_chars(dir) : "");
    interp_emit(I, "stdout", shown);
    free(shown);
    *out = v_map();
    map_set(*out, "code", v_int(0));
    map_set(*out, "stdout", v_cstr(""));
    map_set(*out, "stderr", v_cstr(""));
    return true;
  }
  char **env = NULL;
  size_t nenv = 0;
  if (envm.kind == V_MAP) {
    Map *m = as_map(envm);
    env = xcalloc(m->n + 1, sizeof *env);
    for (size_t k = 0; k < m->n; k++) {
      char *v = value_to_cstr(m->vals[k]);
      if (value_is_secret(m->vals[k])) interp_add_secret(I, v);
      env[nenv++] = xasprintf("%s=%s", m->keys[k]->data, v);
      free(v);
    }
  }
  ShOptions opt = {str_chars(cmd), dir.kind == V_STRING ? str_chars(dir) : NULL, env,
                   timeout.kind == V_DURATION ? timeout.as.i : 0, 1 << 20, sh_line, I};
  ShResult res;
  char *err = NULL;
  bool started = sh_run(&opt, &res, &err);
  for (size_t k = 0; k < nenv; k++) free(env[k]);
  free(env);
  if (!started) {
    FAIL("sh: %s", err);
    free(err);
    return false;
  }
  bool ok = true;
  if (res.timed_out) {
    ok = FAIL("sh: command timed out after %lldms", (long long)opt.timeout_ms);
  } else if (res.code != 0 && !(allow.kind == V_BOOL && allow.as.b)) {
    char *shown = interp_mask(I, str_chars(cmd));
    ok = FAIL("command failed with exit code %d: %s", res.code, shown);
    free(shown);
  }
  if (ok) {
    *out = v_map();
    map_set(*out, "code", v_int(res.code));
    map_set(*out, "stdout", v_cstr(res.out));
    map_set(*out, "stderr", v_cstr(res.err));
  }
  sh_result_free(&res);
  return ok;
}

/* ---- assert, secret, raw ---- */

static bool n_assert(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value cond, msg;
  ARG(0, "cond", V_NULL, false, &cond);
  ARG(1, "message", V_NULL, false, &msg);
  if (value_truthy(cond)) {
    *out = V_NULL_VALUE;
    return true;
  }
  char *text = msg.kind == V_NULL ? xstrdup("assertion failed") : value_to_cstr(msg);
  FAIL("%s", text);
  free(text);
  return false;
}

static bool n_secret(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value name;
  ARG(0, "name", V_STRING, true, &name);
  const char *v;
  char *err = NULL;
  if (!secrets_read(interp_secrets(I), str_chars(name), &v, &err)) {
    FAIL("%s", err);
    free(err);
    return false;
  }
  *out = value_mark_secret(v_cstr(v));
  return true;
}

static bool n_raw(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, "text", V_NULL, true, &text);
  *out = make_raw(value_retain(text));
  return true;
}

/* ---- glob and fs ---- */

static bool n_glob(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value pat;
  ARG(0, "pattern", V_STRING, true, &pat);
  glob_t g;
  int rc = glob(str_chars(pat), 0, NULL, &g);
  *out = v_list();
  if (rc == 0)
    for (size_t i = 0; i < g.gl_pathc; i++) list_push(*out, v_cstr(g.gl_pathv[i]));
  if (rc != GLOB_NOMATCH) globfree(&g);
  return true;
}

static bool n_fs_read(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value path;
  ARG(0, "path", V_STRING, true, &path);
  size_t len;
  char *text = read_file(str_chars(path), &len);
  if (!text) return FAIL("fs.read: cannot read %s: %s", str_chars(path), strerror(errno));
  *out = v_str(text, len);
  free(text);
  return true;
}

static bool n_fs_write(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value path, text;
  ARG(0, "path", V_STRING, true, &path);
  ARG(1, "text", V_STRING, true, &text);
  if (dry_run_say(I, "fs.write", str_chars(path), out)) return true;
  if (!write_file_atomic(str_chars(path), str_chars(text), as_str(text)->len))
    return FAIL("fs.write: cannot write %s: %s", str_chars(path), strerror(errno));
  *out = V_NULL_VALUE;
  return true;
}

static bool n_fs_exists(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value path;
  ARG(0, "path", V_STRING, true, &path);
  struct stat st;
  *out = v_bool(stat(str_chars(path), &st) == 0);
  return true;
}

static bool n_fs_mkdir(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value path;
  ARG(0, "path", V_STRING, true, &path);
  if (dry_run_say(I, "fs.mkdir", str_chars(path), out)) return true;
  /* like mkdir -p */
  char *p = xstrdup(str_chars(path));
  for (char *s = p + 1;; s++) {
    if (*s == '/' || !*s) {
      char c = *s;
      *s = 0;
      if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        FAIL("fs.mkdir: cannot create %s: %s", p, strerror(errno));
        free(p);
        return false;
      }
      if (!(*s = c)) break;
    }
  }
  free(p);
  *out = V_NULL_VALUE;
  return true;
}

static bool n_fs_remove(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value path;
  ARG(0, "path", V_STRING, true, &path);
  if (dry_run_say(I, "fs.remove", str_chars(path), out)) return true;
  if (remove(str_chars(path)) != 0 && errno != ENOENT)
    return FAIL("fs.remove: cannot remove %s: %s", str_chars(path), strerror(errno));
  *out = V_NULL_VALUE;
  return true;
}

static bool n_fs_tempdir(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  (void)args, (void)nargs;
  char *err = NULL;
  const char *dir = interp_tempdir(I, &err);
  if (!dir) {
    FAIL("fs.tempdir: %s", err);
    free(err);
    return false;
  }
  *out = v_cstr(dir);
  return true;
}

/* ---- time ---- */

static bool n_time_now(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  (void)I, (void)cs, (void)args, (void)nargs;
  *out = v_int((int64_t)time(NULL));
  return true;
}

static bool n_time_format(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value t, fmt;
  ARG(0, "t", V_INT, true, &t);
  ARG(1, "format", V_STRING, true, &fmt);
  time_t secs = (time_t)t.as.i;
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[256];
  size_t n = strftime(buf, sizeof buf, str_chars(fmt), &tm);
  *out = v_str(buf, n);
  return true;
}

/* ---- json ---- */

static bool n_json_parse(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text;
  ARG(0, "text", V_STRING, true, &text);
  char *err = NULL;
  if (!json_parse(str_chars(text), as_str(text)->len, out, &err)) {
    FAIL("json.parse: %s", err);
    free(err);
    return false;
  }
  return true;
}

static bool n_json_encode(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value v, pretty;
  ARG(0, "value", V_NULL, false, &v);
  ARG(1, "pretty", V_BOOL, false, &pretty);
  Buf b = {0};
  json_encode(v, &b, pretty.kind == V_BOOL && pretty.as.b);
  *out = v_str(b.data ? b.data : "", b.len);
  if (value_is_secret(v)) *out = value_mark_secret(*out);
  buf_free(&b);
  return true;
}

static bool n_print(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value v;
  ARG(0, "value", V_NULL, false, &v);
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
  ARG(0, "fn", V_NULL, true, &fn);
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

static const Native core[] = {
    {"", "print", n_print},
    {"", "sh", n_sh},
    {"", "assert", n_assert},
    {"", "secret", n_secret},
    {"", "raw", n_raw},
    {"", "try", n_try},
    {"", "glob", n_glob},
    {"fs", "read", n_fs_read},
    {"fs", "write", n_fs_write},
    {"fs", "exists", n_fs_exists},
    {"fs", "mkdir", n_fs_mkdir},
    {"fs", "remove", n_fs_remove},
    {"fs", "tempdir", n_fs_tempdir},
    {"time", "now", n_time_now},
    {"time", "format", n_time_format},
    {"json", "parse", n_json_parse},
    {"json", "encode", n_json_encode},
};

void natives_register_core(Interp *I) { interp_register(I, core, (int)(sizeof core / sizeof core[0])); }

void natives_register_all(Interp *I) {
  natives_register_core(I);
  natives_register_tools(I);
  natives_register_git(I);
  natives_register_text(I);
  natives_register_net(I);
}
