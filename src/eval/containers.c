/* containers.c — a stage's container and services (containers.h). */
#include "eval/containers.h"

#include <stdlib.h>
#include <string.h>

enum { SERVICE_WAIT_MS = 60 * 1000 };

static void say(void *ctx, const char *line) { interp_emit(ctx, "stdout", line); }

/* A service name is how the stage reaches it: a hostname. */
static bool hostname_ok(const char *s) {
  if (!*s || strlen(s) > 63 || *s == '-') return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) return false;
  return true;
}

/* The strings of a list value (borrowed), NULL-terminated; NULL for null. */
static char **strings_of(Value v, bool *ok) {
  if (v.kind == V_NULL) return NULL;
  *ok = v.kind == V_LIST;
  char **out = xcalloc((*ok ? list_len(v) : 0) + 1, sizeof *out);
  for (size_t i = 0; *ok && i < list_len(v); i++) {
    *ok = list_get(v, i).kind == V_STRING;
    if (*ok) out[i] = (char *)str_chars(list_get(v, i));
  }
  return out;
}

/* "NAME=value" for each entry of an env map (malloc'd, NULL-terminated);
 * secret values are registered (they reach the container through the
 * CLI's environment or the shell's script, never an argv). */
static char **env_of(Interp *I, Value m, bool *ok) {
  if (m.kind == V_NULL) return NULL;
  *ok = m.kind == V_MAP;
  size_t n = *ok ? map_len(m) : 0;
  char **out = xcalloc(n + 1, sizeof *out);
  for (size_t i = 0; i < n; i++) {
    char *text = value_to_cstr(as_map(m)->vals[i]);
    if (value_is_secret(as_map(m)->vals[i])) interp_add_secret(I, text);
    out[i] = xasprintf("%s=%s", as_map(m)->keys[i]->data, text);
    free(text);
  }
  return out;
}

static void free_strs(char **v, bool owned) {
  for (char **p = v; owned && p && *p; p++) free(*p);
  free(v);
}

/* services {db: "postgres:16", web: {image: "...", port: 8080, env: {...}, command: [...]}} */
static bool service_spec(Interp *I, const Node *at, const char *name, Value v, ServiceSpec *sp) {
  *sp = (ServiceSpec){.name = name, .wait_ms = SERVICE_WAIT_MS};
  if (!hostname_ok(name))
    return interp_error(I, NULL, at->pos, "service name '%s': use lower-case letters, digits and '-' (a hostname)",
                        name);
  if (v.kind == V_STRING) {
    sp->image = str_chars(v);
    return true;
  }
  Value image = v.kind == V_MAP ? map_get(v, "image") : V_NULL_VALUE;
  Value port = v.kind == V_MAP ? map_get(v, "port") : V_NULL_VALUE;
  Value wait = v.kind == V_MAP ? map_get(v, "wait") : V_NULL_VALUE;
  if (image.kind != V_STRING || (port.kind != V_NULL && port.kind != V_INT) ||
      (wait.kind != V_NULL && wait.kind != V_DURATION))
    return interp_error(I, NULL, at->pos,
                        "service '%s': an image, or {image: \"...\", port: N, env: {...}, command: [...], wait: 1m}",
                        name);
  if (wait.kind == V_DURATION) sp->wait_ms = wait.as.i;
  bool ok = true;
  sp->image = str_chars(image);
  sp->port = port.kind == V_INT ? (long)port.as.i : 0;
  sp->env = env_of(I, map_get(v, "env"), &ok);
  if (ok) sp->command = strings_of(map_get(v, "command"), &ok);
  return ok || interp_error(I, NULL, at->pos, "service '%s': env is a map and command a list of strings", name);
}

static bool open_services(Interp *I, Scope *scope, const Stage *st, Box *box) {
  Value m;
  if (!interp_eval(I, scope, st->services->as.attr.value, &m)) return false;
  bool ok = m.kind == V_MAP || interp_error(I, NULL, st->services->pos, "services is a map, not %s",
                                            value_type_name(m));
  size_t n = ok ? map_len(m) : 0;
  ServiceSpec *specs = xcalloc(n + 1, sizeof *specs);
  for (size_t i = 0; ok && i < n; i++)
    ok = service_spec(I, st->services, as_map(m)->keys[i]->data, as_map(m)->vals[i], &specs[i]);
  if (ok && interp_dry_run(I)) {
    for (size_t i = 0; i < n; i++) {
      char *line = xasprintf("[dry-run] service %s: %s", specs[i].name, specs[i].image);
      say(I, line);
      free(line);
    }
  } else if (ok) {
    char *err = NULL;
    ok = box_start_services(box, specs, n, &err) ||
         interp_error(I, NULL, st->services->pos, "%s", err);
    free(err);
  }
  for (size_t i = 0; i < n; i++) free_strs((char **)specs[i].env, true), free_strs((char **)specs[i].command, false);
  free(specs);
  value_release(m);
  return ok;
}

bool containers_open(Interp *I, Scope *scope, const Stage *st, Box *box, bool *opened) {
  *opened = false;
  if (!st->container && !st->services) return true;
  char *err = NULL;
  const char *dir = interp_dry_run(I) ? "." : interp_tempdir(I, &err);
  if (!dir) {
    bool r = interp_error(I, NULL, st->name_pos, "%s", err);
    free(err);
    return r;
  }
  char *rel = interp_pipeline_dir(I), *ws = realpath(rel, NULL); /* a mount needs an absolute path */
  box_init(box, st->name, ws ? ws : rel, dir, say, I);
  free(ws);
  free(rel);
  *opened = true;
  if (st->services && !open_services(I, scope, st, box)) return false;
  if (!st->container) return true;
  Value image;
  if (!interp_eval(I, scope, st->container->as.attr.value, &image)) return false;
  bool ok = image.kind == V_STRING ||
            interp_error(I, NULL, st->container->pos, "container is an image name, not %s", value_type_name(image));
  if (ok && interp_dry_run(I)) {
    char *line = xasprintf("[dry-run] container %s", str_chars(image));
    say(I, line);
    free(line);
  } else if (ok) {
    ok = box_start(box, str_chars(image), &err) || interp_error(I, NULL, st->container->pos, "%s", err);
    free(err);
    if (ok) interp_set_shell(I, box_shell(box));
  }
  value_release(image);
  return ok;
}

void containers_close(Interp *I, Box *box, bool ok) {
  interp_set_shell(I, NULL);
  if (!ok && !interp_dry_run(I)) box_service_logs(box);
  box_stop(box);
}
