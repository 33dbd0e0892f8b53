/* prim_tools.c — docker.*, helm.* and kubectl.*: each call builds an
 * argv and execs the CLI (never a shell), streaming its output live.
 *
 * Secrets never go into an argv (any process on the machine can read
 * argvs): docker.login sends its password on standard input, and a secret
 * anywhere else in a command line is refused.
 *
 * Nor may a value become an option: an operand starting with '-' would be
 * read as one (`helm upgrade --install --post-renderer=./evil chart`). When
 * the operands end the argv they follow "--" (docker, podman and helm read
 * all after it as operands); operands that options follow are refused, since
 * "--" there would make those options operands too (and `kubectl create`
 * reads what follows "--" as a command). A value after its flag
 * (`--namespace`, value) is safe: these CLIs parse with Go's pflag, which
 * takes the next word as the flag's argument whatever it starts with. */
#include <stdlib.h>
#include <string.h>

#include "eval/prim.h"
#include "prim/container.h"
#include "prim/exec.h"

enum { CAPTURE_LIMIT = 16 << 20, STDERR_TAIL = 600 };

/* ---- building an argv ---- */

typedef struct Argv {
  char **v; /* NULL-terminated */
  int n, cap;
  bool secret; /* a secret was put into it: refused before running */
} Argv;

static void av_add(Argv *a, const char *word) {
  if (a->n + 2 > a->cap) {
    a->cap = a->cap ? a->cap * 2 : 16;
    a->v = xrealloc(a->v, (size_t)a->cap * sizeof *a->v);
  }
  a->v[a->n++] = xstrdup(word);
  a->v[a->n] = NULL;
}

static void av_add2(Argv *a, const char *flag, const char *word) {
  av_add(a, flag);
  av_add(a, word);
}

/* A value as one word after `flag` (if any): its text, tainting the argv
 * when secret. Nothing for null: an optional argument not given. */
static void av_value(Argv *a, const char *flag, Value v) {
  if (v.kind == V_NULL) return;
  char *text = value_to_cstr(v);
  a->secret |= value_is_secret(v);
  if (flag) av_add(a, flag);
  av_add(a, text);
  free(text);
}

/* `flag` when the argument v is true. */
static void av_flag(Argv *a, const char *flag, Value v) {
  if (v.kind == V_BOOL && v.as.b) av_add(a, flag);
}

static void av_free(Argv *a) {
  for (int i = 0; i < a->n; i++) free(a->v[i]);
  free(a->v);
  *a = (Argv){0};
}

/* Argument i, a string or a list of strings: each after `flag`. */
static bool av_strings(Interp *I, const CallSite *cs, Value *args, int nargs, int i, Argv *a, const char *flag) {
  const char **words;
  size_t n;
  if (!prim_strings(I, cs, args, nargs, i, &words, &n)) return false;
  a->secret |= i < nargs && value_is_secret(args[i]);
  for (size_t k = 0; k < n; k++) av_add2(a, flag, words[k]);
  free(words);
  return true;
}

/* `text`, with helm's separators backslash-escaped when `escape`. */
static void put_escaped(Buf *b, const char *text, const char *specials, bool escape) {
  for (const char *c = text; *c; c++) {
    if (escape && strchr(specials, *c)) buf_putc(b, '\\');
    buf_putc(b, *c);
  }
}

/* Each entry of a map as `flag KEY=VALUE` (for --set, --build-arg, --label);
 * `escape` backslash-escapes helm's separators (its strvals parser reads a
 * backslash as "the next character is literal" in keys and values alike),
 * so that neither a key nor a value can add a pair: `{"a=b,c": "x"}` sets
 * the key `a=b,c`, not `a` and `c`. */
static void av_pairs(Argv *a, const char *flag, Value m, bool escape) {
  if (m.kind != V_MAP) return;
  Map *map = as_map(m);
  for (size_t k = 0; k < map->n; k++) {
    char *text = value_to_cstr(map->vals[k]);
    Buf b = {0};
    put_escaped(&b, map->keys[k]->data, ",=\\", escape);
    buf_putc(&b, '=');
    put_escaped(&b, text, ",\\", escape);
    a->secret |= value_is_secret(map->vals[k]);
    av_add2(a, flag, b.data);
    buf_free(&b);
    free(text);
  }
}

/* A duration as Go's time.ParseDuration reads it (helm, kubectl). */
static void av_duration(Argv *a, const char *flag, Value d) {
  if (d.kind != V_DURATION) return;
  char *text = d.as.i % 1000 ? xasprintf("%lldms", (long long)d.as.i) : xasprintf("%llds", (long long)(d.as.i / 1000));
  av_add2(a, flag, text);
  free(text);
}

/* The container CLI with `sub` (prim/container.h says which and how). */
static void container_argv_into(Argv *a, const char *sub, const char *sub_var) {
  char **words = container_argv(sub, sub_var);
  for (char **w = words; *w; w++) av_add(a, *w);
  argv_free(words);
}

/* The first n arguments are operands that options follow: none may start
 * with '-'. An int (a revision) is checked as the text it becomes. */
static bool operands(Interp *I, const CallSite *cs, Value *args, int nargs, int n) {
  for (int i = 0; i < n && i < nargs; i++) {
    char *text = value_to_cstr(args[i]);
    bool option = text[0] == '-';
    free(text);
    PrimParam p;
    if (option && prim_param(cs->prim, i, &p))
      return FAIL("%s: '%.*s' must not start with '-'", cs->name, (int)p.len, p.name);
  }
  return true;
}

/* ---- running it ---- */

static char *display(Interp *I, const Argv *a) {
  char *shown = exec_argv_display(a->v);
  char *masked = interp_mask(I, shown);
  free(shown);
  return masked;
}

/* In a dry run, prints the command, sets *out to stand_in and returns
 * true; otherwise releases stand_in (prim_dry_run). */
static bool dry_run(Interp *I, const Argv *a, Value stand_in, Value *out) {
  if (a->secret && interp_dry_run(I)) return false; /* run() refuses it, dry or not */
  char *shown = interp_dry_run(I) ? exec_argv_display(a->v) : NULL;
  bool said = prim_dry_run(I, out, stand_in, "%s", shown ? shown : "");
  free(shown);
  return said;
}

/* the last lines of a command's standard error, for an error message */
static const char *tail(const char *err) {
  size_t len = strlen(err);
  while (len && (err[len - 1] == '\n' || err[len - 1] == ' ')) len--;
  if (len <= STDERR_TAIL) return err;
  const char *t = err + len - STDERR_TAIL;
  const char *nl = strchr(t, '\n');
  return nl && nl < err + len ? nl + 1 : t;
}

typedef struct Run {
  const char *input; /* standard input, or NULL */
  char *const *env;  /* "NAME=value" added to its environment (secrets go here, never on argv) */
  bool quiet;        /* stdout is data (JSON, YAML): capture, do not stream */
} Run;

static size_t emit_lines(void *ctx, const char *stream, const char *data, size_t len, bool whole) {
  Interp *I = ((void **)ctx)[0];
  const Run *r = ((void **)ctx)[1];
  if (r->quiet && !strcmp(stream, "stdout")) return len;
  return interp_emit_lines(I, stream, data, len, whole);
}

/* Runs the command; on success *out holds its standard output (malloc'd).
 * A non-zero exit is an error naming the command and its stderr's tail. */
static bool run(Interp *I, const CallSite *cs, const Argv *a, Run r, char **out) {
  if (a->secret)
    return FAIL("%s: refusing to put a secret on the command line of %s (argv is visible to every process)",
                cs->name, a->v[0]);
  void *ctx[2] = {I, &r};
  ExecOptions opt = {.argv = a->v,
                     .env_add = r.env,
                     .input = r.input,
                     .input_len = r.input ? strlen(r.input) : 0,
                     .capture_limit = CAPTURE_LIMIT,
                     .on_lines = emit_lines,
                     .ctx = ctx};
  ExecResult res;
  char *err = NULL;
  if (!exec_run(&opt, &res, &err)) {
    bool ok = FAIL("%s: %s%s", cs->name, err, res.not_found ? " (is it installed and on PATH?)" : "");
    free(err);
    return ok;
  }
  bool ok = true;
  if (res.code != 0) {
    char *shown = display(I, a);
    char *why = interp_mask(I, tail(res.err));
    ok = FAIL("%s: `%s` failed with exit code %d%s%s", cs->name, shown, res.code, *why ? ": " : "", why);
    free(why);
    free(shown);
  }
  if (ok && out && res.truncated)
    ok = FAIL("%s: %s printed more than %d MiB: too much to use as a value", cs->name, a->v[0], CAPTURE_LIMIT >> 20);
  if (ok && out) *out = res.out, res.out = NULL;
  exec_result_free(&res);
  return ok;
}

/* Runs the command and returns its standard output as a string. */
static bool run_text(Interp *I, const CallSite *cs, const Argv *a, Value *out) {
  char *text = NULL;
  if (!run(I, cs, a, (Run){0}, &text)) return false;
  *out = v_str_take(text);
  return true;
}

/* Runs a command printing JSON and returns it parsed. */
static bool run_json(Interp *I, const CallSite *cs, const Argv *a, Value *out) {
  char *text = NULL;
  if (!run(I, cs, a, (Run){.quiet = true}, &text)) return false;
  char *err = NULL;
  bool ok = json_parse(text, strlen(text), out, &err);
  if (!ok) {
    FAIL("%s: %s printed no JSON: %s", cs->name, a->v[0], err);
    free(err);
  }
  free(text);
  return ok;
}

/* The common ending of a command that changes the world: dry-run or run.
 * Its output, or stand_in in a dry run, goes to *out (out NULL: dropped). */
static bool act(Interp *I, const CallSite *cs, Argv *a, Value stand_in, Value *out) {
  Value dropped = V_NULL_VALUE, *to = out ? out : &dropped;
  bool ok = dry_run(I, a, stand_in, to) || run_text(I, cs, a, to);
  value_release(dropped);
  av_free(a);
  return ok;
}

/* ---- docker ---- */

/* The CLI's own name (docker, podman, buildah, nerdctl): flags differ. */
static const char *cli_name(const Argv *a) {
  const char *slash = strrchr(a->v[0], '/');
  return slash ? slash + 1 : a->v[0];
}

static bool is_podman_like(const Argv *a) { return !strcmp(cli_name(a), "podman") || !strcmp(cli_name(a), "buildah"); }

/* Build secrets reach the build through the CLI's environment, never its
 * argv: `--secret id=ID,env=RP_BUILD_SECRET_N` (docker BuildKit, podman
 * and buildah read it so), mounted at /run/secrets/ID by `RUN --mount=
 * type=secret,id=ID`. IDs are names, so none can add `,src=/etc/shadow`. */
static bool build_secrets(Interp *I, const CallSite *cs, Value m, Argv *a, Argv *env) {
  if (m.kind != V_MAP) return true;
  Map *map = as_map(m);
  for (size_t k = 0; k < map->n; k++) {
    const char *id = map->keys[k]->data;
    bool ok = *id && strlen(id) <= 64;
    for (const char *c = id; *c; c++) ok &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                                            (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.';
    if (!ok) return FAIL("%s: secret id '%s': use letters, digits and _ - . (at most 64)", cs->name, id);
    char *value = value_to_cstr(map->vals[k]);
    interp_add_secret(I, value); /* masked even when not from secret() */
    char *spec = xasprintf("id=%s,env=RP_BUILD_SECRET_%zu", id, k);
    char *var = xasprintf("RP_BUILD_SECRET_%zu=%s", k, value);
    av_add2(a, "--secret", spec);
    av_add(env, var);
    free(spec);
    free(var);
    free(value);
  }
  return true;
}

/* A file's first line, or NULL (the image id --iidfile wrote, a digest). */
static char *first_line(const char *path) {
  char *text = read_file(path, NULL);
  if (text) text[strcspn(text, "\r\n")] = 0;
  if (text && !*text) free(text), text = NULL;
  return text;
}

/* Pushes `ref`; the manifest digest the registry now holds, or NULL when
 * the CLI did not say (podman and buildah write it to --digestfile, docker
 * prints "TAG: digest: sha256:... size: N"). */
static bool push_digest(Interp *I, const CallSite *cs, const char *dir, Value ref, char **digest) {
  Argv a = {0};
  container_argv_into(&a, "push", "RP_CONTAINER_PUSH_ARGS");
  char *file = xasprintf("%s/digest", dir);
  if (is_podman_like(&a)) av_add2(&a, "--digestfile", file);
  av_add(&a, "--");
  av_value(&a, NULL, ref);
  char *out = NULL;
  bool ok = run(I, cs, &a, (Run){0}, &out);
  *digest = ok ? first_line(file) : NULL;
  const char *said = ok && !*digest && out ? strstr(out, "digest: sha256:") : NULL;
  if (said) *digest = xstrndup(said + 8, strspn(said + 8, "sha256:0123456789abcdef"));
  free(out);
  free(file);
  av_free(&a);
  return ok;
}

/* Argument i (a string or a list of strings) as one comma-joined word
 * after `flag`: `--platform linux/amd64,linux/arm64`. */
static bool av_joined(Interp *I, const CallSite *cs, Value *args, int nargs, int i, Argv *a, const char *flag) {
  const char **words;
  size_t n;
  if (!prim_strings(I, cs, args, nargs, i, &words, &n)) return false;
  Buf b = {0};
  for (size_t k = 0; k < n; k++) buf_printf(&b, "%s%s", k ? "," : "", words[k]);
  if (n) av_add2(a, flag, b.data);
  buf_free(&b);
  free(words);
  return true;
}

/* The i-th of `tags` (a string or a list). */
static Value tag_at(Value tags, size_t i) { return tags.kind == V_LIST ? list_get(tags, i) : tags; }
static size_t tag_count(Value tags) {
  return tags.kind == V_LIST ? list_len(tags) : tags.kind == V_STRING ? 1 : 0;
}

/* Pushes every tag; the first one's digest goes to result["digest"]. In
 * a dry run, prints the pushes it would make. */
static bool push_tags(Interp *I, const CallSite *cs, const char *dir, Value tags, Value result) {
  for (size_t i = 0; i < tag_count(tags); i++) {
    if (!dir) { /* dry run */
      Argv p = {0};
      Value dropped;
      container_argv_into(&p, "push", "RP_CONTAINER_PUSH_ARGS");
      av_add(&p, "--");
      av_value(&p, NULL, tag_at(tags, i));
      dry_run(I, &p, V_NULL_VALUE, &dropped);
      av_free(&p);
      continue;
    }
    char *digest = NULL;
    if (!push_digest(I, cs, dir, tag_at(tags, i), &digest)) return false;
    if (i == 0) map_set(result, "digest", digest ? v_str_take(digest) : V_NULL_VALUE);
    else free(digest);
  }
  return true;
}

static bool n_docker_build(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value context, file, tags, build_args, labels, target, secrets, push, load;
  ARG(0, V_STRING, true, &context);
  ARG(1, V_STRING, false, &file);
  ARG(2, V_NULL, false, &tags);
  ARG(3, V_MAP, false, &build_args);
  ARG(4, V_MAP, false, &labels);
  ARG(5, V_STRING, false, &target);
  ARG(9, V_MAP, false, &secrets);
  ARG(10, V_BOOL, true, &push);
  ARG(11, V_BOOL, true, &load);
  char *err = NULL;
  const char *dir = interp_dry_run(I) ? NULL : interp_tempdir(I, &err);
  if (!dir && err) return prim_fail(I, cs, err);
  Argv a = {0}, env = {0};
  container_argv_into(&a, "build", "RP_CONTAINER_BUILD_ARGS");
  av_value(&a, "--file", file);
  bool ok = av_strings(I, cs, args, nargs, 2, &a, "--tag");
  av_pairs(&a, "--build-arg", build_args, false);
  av_pairs(&a, "--label", labels, false);
  av_value(&a, "--target", target);
  ok = ok && av_joined(I, cs, args, nargs, 6, &a, "--platform") &&
       av_strings(I, cs, args, nargs, 7, &a, "--cache-from") && av_strings(I, cs, args, nargs, 8, &a, "--cache-to") &&
       build_secrets(I, cs, secrets, &a, &env);
  if (load.as.b) av_add(&a, "--load");
  char *iid = dir ? xasprintf("%s/iid", dir) : NULL;
  if (iid) av_add2(&a, "--iidfile", iid);
  av_add(&a, "--");
  av_value(&a, NULL, context);
  Value result = v_map();
  map_set(result, "ref", tag_count(tags) ? value_retain(tag_at(tags, 0)) : V_NULL_VALUE);
  Value dropped;
  if (ok && !dry_run(I, &a, V_NULL_VALUE, &dropped)) {
    ok = run(I, cs, &a, (Run){.env = env.v}, NULL);
    char *id = ok ? first_line(iid) : NULL;
    if (ok) map_set(result, "id", id ? v_str_take(id) : V_NULL_VALUE);
  }
  ok = ok && (!push.as.b || push_tags(I, cs, dir, tags, result));
  free(iid);
  av_free(&a);
  av_free(&env);
  if (ok) *out = result;
  else value_release(result);
  return ok;
}

static bool n_docker_push(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value ref;
  ARG(0, V_STRING, true, &ref);
  Argv a = {0};
  container_argv_into(&a, "push", "RP_CONTAINER_PUSH_ARGS");
  av_add(&a, "--");
  av_value(&a, NULL, ref);
  if (!act(I, cs, &a, V_NULL_VALUE, NULL)) return false;
  *out = value_retain(ref);
  return true;
}

static bool n_docker_tag(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value src, dst;
  ARG(0, V_STRING, true, &src);
  ARG(1, V_STRING, true, &dst);
  Argv a = {0};
  container_argv_into(&a, "tag", "RP_CONTAINER_TAG_ARGS");
  av_add(&a, "--");
  av_value(&a, NULL, src);
  av_value(&a, NULL, dst);
  if (!act(I, cs, &a, V_NULL_VALUE, NULL)) return false;
  *out = value_retain(dst);
  return true;
}

static bool n_docker_login(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value registry, user, password;
  ARG(0, V_STRING, true, &registry);
  ARG(1, V_STRING, true, &user);
  ARG(2, V_STRING, true, &password);
  /* masked in all output even when not from secret() */
  interp_add_secret(I, str_chars(password));
  Argv a = {0};
  container_argv_into(&a, "login", "RP_CONTAINER_LOGIN_ARGS");
  av_value(&a, "--username", user);
  av_add(&a, "--password-stdin");
  av_add(&a, "--");
  av_value(&a, NULL, registry);
  bool ok = true;
  if (!dry_run(I, &a, V_NULL_VALUE, out)) {
    char *input = xasprintf("%s\n", str_chars(password));
    ok = run(I, cs, &a, (Run){.input = input}, NULL);
    free(input);
    *out = V_NULL_VALUE;
  }
  av_free(&a);
  return ok;
}

/* ---- helm ---- */

static bool n_helm_lint(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value chart;
  ARG(0, V_STRING, true, &chart);
  if (!operands(I, cs, args, nargs, 1)) return false;
  Argv a = {0};
  av_add2(&a, "helm", "lint");
  av_value(&a, NULL, chart);
  bool ok = av_strings(I, cs, args, nargs, 1, &a, "--values") && run_text(I, cs, &a, out); /* a read */
  av_free(&a);
  return ok;
}

/* `key: value` of a chart's Chart.yaml, for a dry run's stand-in */
static char *chart_field(const char *chart, const char *key) {
  char *path = xasprintf("%s/Chart.yaml", chart);
  char *text = read_file(path, NULL);
  free(path);
  char *found = NULL;
  size_t klen = strlen(key);
  for (char *line = text; line && *line && !found;) {
    size_t n = strcspn(line, "\n");
    if (!strncmp(line, key, klen) && line[klen] == ':') {
      const char *v = line + klen + 1;
      while (*v == ' ' || *v == '"' || *v == '\'') v++;
      size_t vl = (size_t)(line + n - v);
      while (vl && strchr(" \"'\r", v[vl - 1])) vl--;
      found = xstrndup(v, vl);
    }
    line += n + (line[n] == '\n');
  }
  free(text);
  return found;
}

static Value package_stand_in(Value chart, Value version, Value dest) {
  char *name = chart_field(str_chars(chart), "name");
  char *ver = version.kind == V_STRING ? xstrdup(str_chars(version)) : chart_field(str_chars(chart), "version");
  const char *base = strrchr(str_chars(chart), '/') ? strrchr(str_chars(chart), '/') + 1 : str_chars(chart);
  Value v = v_strf("%s/%s-%s.tgz", dest.kind == V_STRING ? str_chars(dest) : ".", name ? name : base,
                   ver ? ver : "0.0.0");
  free(name);
  free(ver);
  return v;
}

static bool n_helm_package(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value chart, version, app_version, dest;
  ARG(0, V_STRING, true, &chart);
  ARG(1, V_STRING, false, &version);
  ARG(2, V_STRING, false, &app_version);
  ARG(3, V_STRING, false, &dest);
  if (!operands(I, cs, args, nargs, 1)) return false;
  Argv a = {0};
  av_add2(&a, "helm", "package");
  av_value(&a, NULL, chart);
  av_value(&a, "--version", version);
  av_value(&a, "--app-version", app_version);
  av_value(&a, "--destination", dest);
  Value text;
  if (!act(I, cs, &a, package_stand_in(chart, version, dest), &text)) return false;
  if (interp_dry_run(I)) {
    *out = text;
    return true;
  }
  static const char marker[] = "Successfully packaged chart and saved it to: ";
  const char *at = strstr(str_chars(text), marker);
  if (!at) {
    value_release(text);
    return FAIL("%s: helm package printed no \"%s\" line", cs->name, marker);
  }
  at += strlen(marker);
  *out = v_str(at, strcspn(at, "\r\n"));
  value_release(text);
  return true;
}

static bool n_helm_push(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value pkg, remote;
  ARG(0, V_STRING, true, &pkg);
  ARG(1, V_STRING, true, &remote);
  Argv a = {0};
  av_add2(&a, "helm", "push");
  av_add(&a, "--");
  av_value(&a, NULL, pkg);
  av_value(&a, NULL, remote);
  return act(I, cs, &a, v_cstr(""), out);
}

static bool n_helm_upgrade(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value release, chart, ns, version, set, create_ns, wait, timeout;
  ARG(0, V_STRING, true, &release);
  ARG(1, V_STRING, true, &chart);
  ARG(2, V_STRING, false, &ns);
  ARG(3, V_STRING, false, &version);
  ARG(5, V_MAP, false, &set);
  ARG(6, V_BOOL, false, &create_ns);
  ARG(7, V_BOOL, false, &wait);
  ARG(8, V_DURATION, false, &timeout);
  if (!operands(I, cs, args, nargs, 2)) return false;
  Argv a = {0};
  av_add2(&a, "helm", "upgrade");
  av_add(&a, "--install");
  av_value(&a, NULL, release);
  av_value(&a, NULL, chart);
  av_value(&a, "--namespace", ns);
  av_flag(&a, "--create-namespace", create_ns);
  av_value(&a, "--version", version);
  if (!av_strings(I, cs, args, nargs, 4, &a, "--values")) {
    av_free(&a);
    return false;
  }
  av_pairs(&a, "--set", set, true);
  av_flag(&a, "--wait", wait);
  av_duration(&a, "--timeout", timeout);
  return act(I, cs, &a, v_cstr(""), out);
}

static bool n_helm_test(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value release, ns, timeout;
  ARG(0, V_STRING, true, &release);
  ARG(1, V_STRING, false, &ns);
  ARG(2, V_DURATION, false, &timeout);
  if (!operands(I, cs, args, nargs, 1)) return false;
  Argv a = {0};
  av_add2(&a, "helm", "test");
  av_value(&a, NULL, release);
  av_value(&a, "--namespace", ns);
  av_duration(&a, "--timeout", timeout);
  return act(I, cs, &a, v_cstr(""), out);
}

static bool n_helm_rollback(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value release, revision, ns, wait;
  ARG(0, V_STRING, true, &release);
  ARG(1, V_INT, false, &revision);
  ARG(2, V_STRING, false, &ns);
  ARG(3, V_BOOL, false, &wait);
  if (!operands(I, cs, args, nargs, 2)) return false;
  Argv a = {0};
  av_add2(&a, "helm", "rollback");
  av_value(&a, NULL, release);
  av_value(&a, NULL, revision);
  av_value(&a, "--namespace", ns);
  av_flag(&a, "--wait", wait);
  return act(I, cs, &a, v_cstr(""), out);
}

static bool n_helm_history(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value release, ns;
  ARG(0, V_STRING, true, &release);
  ARG(1, V_STRING, false, &ns);
  if (!operands(I, cs, args, nargs, 1)) return false;
  Argv a = {0};
  av_add2(&a, "helm", "history");
  av_value(&a, NULL, release);
  av_value(&a, "--namespace", ns);
  av_add2(&a, "--output", "json");
  bool ok = run_json(I, cs, &a, out); /* a read */
  av_free(&a);
  return ok;
}

static bool n_helm_uninstall(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value release, ns;
  ARG(0, V_STRING, true, &release);
  ARG(1, V_STRING, false, &ns);
  if (!operands(I, cs, args, nargs, 1)) return false;
  Argv a = {0};
  av_add2(&a, "helm", "uninstall");
  av_value(&a, NULL, release);
  av_value(&a, "--namespace", ns);
  return act(I, cs, &a, v_cstr(""), out);
}

/* ---- kubectl ---- */

static bool n_kubectl_apply(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value file, ns;
  ARG(0, V_STRING, true, &file);
  ARG(1, V_STRING, false, &ns);
  Argv a = {0};
  av_add2(&a, "kubectl", "apply");
  av_value(&a, "--filename", file);
  av_value(&a, "--namespace", ns);
  return act(I, cs, &a, v_cstr(""), out);
}

static bool n_kubectl_delete(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value kind, name, ns, file;
  ARG(0, V_STRING, true, &kind);
  ARG(1, V_STRING, false, &name);
  ARG(2, V_STRING, false, &ns);
  ARG(3, V_STRING, false, &file);
  if (!operands(I, cs, args, nargs, file.kind == V_STRING ? 0 : 2)) return false; /* kind is not used with file */
  Argv a = {0};
  av_add2(&a, "kubectl", "delete");
  if (file.kind == V_STRING) {
    av_value(&a, "--filename", file);
  } else {
    av_value(&a, NULL, kind);
    av_value(&a, NULL, name);
  }
  av_value(&a, "--namespace", ns);
  /* clean-up stages run again after a partial failure */
  av_add(&a, "--ignore-not-found");
  return act(I, cs, &a, v_cstr(""), out);
}

/* Idempotent: `kubectl create namespace X --dry-run=client -o yaml | kubectl
 * apply -f -`, the pipe being two execs and a string. */
static bool n_kubectl_create_namespace(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value name;
  ARG(0, V_STRING, true, &name);
  if (!operands(I, cs, args, nargs, 1)) return false;
  Argv make = {0}, apply = {0};
  av_add2(&make, "kubectl", "create");
  av_add(&make, "namespace");
  av_value(&make, NULL, name);
  av_add2(&make, "--dry-run=client", "--output=yaml");
  av_add2(&apply, "kubectl", "apply");
  av_add2(&apply, "--filename", "-");
  char *m = exec_argv_display(make.v), *p = exec_argv_display(apply.v);
  bool ok = true;
  if (!prim_dry_run(I, out, v_cstr(""), "%s | %s", m, p)) {
    char *manifest = NULL, *applied = NULL;
    ok = run(I, cs, &make, (Run){.quiet = true}, &manifest) &&
         run(I, cs, &apply, (Run){.input = manifest}, &applied);
    if (ok) *out = v_str_take(applied);
    free(manifest);
  }
  free(m), free(p);
  av_free(&make);
  av_free(&apply);
  return ok;
}

static bool n_kubectl_rollout_status(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value resource, ns, timeout;
  ARG(0, V_STRING, true, &resource);
  ARG(1, V_STRING, false, &ns);
  ARG(2, V_DURATION, false, &timeout);
  if (!operands(I, cs, args, nargs, 1)) return false;
  Argv a = {0};
  av_add2(&a, "kubectl", "rollout");
  av_add(&a, "status");
  av_value(&a, NULL, resource);
  av_value(&a, "--namespace", ns);
  av_duration(&a, "--timeout", timeout);
  bool ok = run_text(I, cs, &a, out); /* a read */
  av_free(&a);
  return ok;
}

static bool n_kubectl_get(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value kind, name, ns;
  ARG(0, V_STRING, true, &kind);
  ARG(1, V_STRING, false, &name);
  ARG(2, V_STRING, false, &ns);
  if (!operands(I, cs, args, nargs, 2)) return false;
  Argv a = {0};
  av_add2(&a, "kubectl", "get");
  av_value(&a, NULL, kind);
  av_value(&a, NULL, name);
  av_value(&a, "--namespace", ns);
  av_add2(&a, "--output", "json");
  bool ok = run_json(I, cs, &a, out); /* a read */
  av_free(&a);
  return ok;
}

static const Primitive docker[] = {
    {"build",
     "context file? tags? build_args? labels? target? platforms? cache_from? cache_to? secrets? push=false "
     "load=false",
     n_docker_build,
     "`{ref, id, digest}`: the first tag, the image id, and with `push: true` the digest the registry holds"},
    {"push", "ref", n_docker_push, "`ref`"},
    {"tag", "src dst", n_docker_tag, "`dst`"},
    {"login", "registry user password", n_docker_login, "null; the password goes on standard input"},
};

static const Primitive helm[] = {
    {"lint", "chart values?", n_helm_lint, "its standard output; `values` is a file or a list of them"},
    {"package", "chart version? app_version? dest?", n_helm_package, "the package's path"},
    {"push", "package remote", n_helm_push, "its standard output"},
    {"upgrade", "release chart namespace? version? values? set? create_namespace? wait? timeout?", n_helm_upgrade,
     "its standard output (`upgrade --install`); each entry of the map `set` is one `--set KEY=VALUE`"},
    {"test", "release namespace? timeout?", n_helm_test, "its standard output"},
    {"rollback", "release revision? namespace? wait?", n_helm_rollback, "its standard output"},
    {"history", "release namespace?", n_helm_history, "the release's revisions, a list of maps as helm prints them"},
    {"uninstall", "release namespace?", n_helm_uninstall, "its standard output"},
};

static const Primitive kubectl[] = {
    {"apply", "file namespace?", n_kubectl_apply, "its standard output"},
    {"delete", "kind name? namespace? file?", n_kubectl_delete,
     "its standard output; what is already gone is no error (`--ignore-not-found`)"},
    {"create_namespace", "name", n_kubectl_create_namespace, "the output of apply; idempotent"},
    {"rollout_status", "resource namespace? timeout?", n_kubectl_rollout_status, "its standard output"},
    {"get", "kind name? namespace?", n_kubectl_get, "the parsed object (a `List` with `items` without a name)"},
};

const PrimFamily prim_family_docker = PRIM_FAMILY(
    "docker", "The container CLI: `$RP_CONTAINER_CLI`, else `docker` when installed, else `podman`.",
    "primitives-tools.md", docker);
const PrimFamily prim_family_helm = PRIM_FAMILY("helm", "The helm CLI.", "primitives-tools.md", helm);
const PrimFamily prim_family_kubectl = PRIM_FAMILY("kubectl", "The kubectl CLI.", "primitives-tools.md", kubectl);
