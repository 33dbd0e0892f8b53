/* container.c — the container CLI and a stage's containers (container.h). */
#include "prim/container.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "core/value.h"
#include "prim/exec.h"
#include "prim/sh.h"

/* ---- the CLI ---- */

typedef struct Words {
  char **v; /* NULL-terminated */
  size_t n, cap;
} Words;

static void add(Words *w, const char *word) {
  if (w->n + 2 > w->cap) {
    w->cap = w->cap ? w->cap * 2 : 16;
    w->v = xrealloc(w->v, w->cap * sizeof *w->v);
  }
  w->v[w->n++] = xstrdup(word);
  w->v[w->n] = NULL;
}

static void add_env_words(Words *w, const char *var) {
  const char *s = getenv(var);
  for (const char *p = s; p && *p;) {
    while (*p == ' ') p++;
    size_t n = strcspn(p, " ");
    if (n) {
      char *word = xstrndup(p, n);
      add(w, word);
      free(word);
    }
    p += n;
  }
}

static const char *cli_name(void) {
  const char *cli = getenv("RP_CONTAINER_CLI");
  if (!cli || !*cli) cli = exec_on_path("docker") ? "docker" : "podman";
  return cli;
}

char **container_argv(const char *sub, const char *sub_var) {
  Words w = {0};
  add(&w, cli_name());
  add_env_words(&w, "RP_CONTAINER_ARGS");
  add(&w, sub);
  if (sub_var) add_env_words(&w, sub_var);
  return w.v;
}

void argv_free(char **argv) {
  for (char **a = argv; a && *a; a++) free(*a);
  free(argv);
}

bool container_is_buildah(void) {
  const char *cli = cli_name(), *slash = strrchr(cli, '/');
  return !strcmp(slash ? slash + 1 : cli, "buildah");
}

/* The CLI with `sub`, its variable's words, then the given words. */
static Words cmd(const char *sub, const char *const *words) {
  char var[64];
  snprintf(var, sizeof var, "RP_CONTAINER_%s_ARGS", sub);
  for (char *p = var + 13; *p && *p != '_'; p++)
    if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
  Words w = {0};
  w.v = container_argv(sub, var);
  while (w.v[w.n]) w.n++;
  w.cap = w.n + 1;
  for (; words && *words; words++) add(&w, *words);
  return w;
}

/* Runs the CLI; its standard output (trimmed) in *out when wanted. The
 * error names the command (no value is ever on its argv) and what it
 * said last. */
static bool run(Words *w, char *const *env, const char *input, char **out, char **err) {
  ExecOptions o = {.argv = w->v, .env_add = env, .input = input, .input_len = input ? strlen(input) : 0,
                   .capture_limit = 1 << 20};
  ExecResult r;
  bool ok = exec_run(&o, &r, err);
  if (ok && r.code != 0) {
    char *shown = exec_argv_display(w->v);
    size_t len = strlen(r.err);
    while (len && (r.err[len - 1] == '\n' || r.err[len - 1] == ' ')) r.err[--len] = 0;
    const char *tail = len > 400 ? r.err + len - 400 : r.err;
    *err = xasprintf("`%s` failed with exit code %d%s%s", shown, r.code, *tail ? ": " : "", tail);
    free(shown);
    ok = false;
  }
  if (ok && out) {
    size_t len = strlen(r.out);
    while (len && (r.out[len - 1] == '\n' || r.out[len - 1] == '\r' || r.out[len - 1] == ' ')) r.out[--len] = 0;
    *out = r.out, r.out = NULL;
  }
  exec_result_free(&r);
  argv_free(w->v);
  *w = (Words){0};
  return ok;
}

/* ---- a stage's containers ---- */

void box_init(Box *b, const char *stage, const char *workspace, const char *dir, BoxSayFn say, void *ctx) {
  *b = (Box){0};
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t); /* with the pid: a name no other box has */
  b->prefix = xasprintf("rp-%ld-%ld-%s", (long)getpid(), (long)(t.tv_nsec / 1000), stage);
  for (char *p = b->prefix; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : '-';
  b->workspace = xstrdup(workspace);
  b->dir = xstrdup(dir);
  b->say = say;
  b->ctx = ctx;
}

static void say(Box *b, const char *fmt, const char *a, const char *c) {
  char *line = xasprintf(fmt, a, c);
  if (b->say) b->say(b->ctx, line);
  free(line);
}

static bool port_answers(long port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Until the service's host port accepts a connection, or the deadline. */
static bool wait_ready(BoxService *s, int64_t deadline, char **err) {
  while (!port_answers(s->host_port)) {
    bool alive = !s->pid || kill(s->pid, 0) == 0;
    if (!alive || now_ms() > deadline) {
      *err = xasprintf("service '%s' %s port %ld", s->name, alive ? "did not answer in time on" : "stopped before opening",
                       s->host_port);
      return false;
    }
    usleep(50 * 1000);
  }
  return true;
}

/* docker-like: a daemon container on the box's network, its port
 * published on 127.0.0.1; the env values reach the CLI's environment and
 * `-e NAME` takes them from there. */
static bool start_daemon(Box *b, const ServiceSpec *sp, BoxService *s, char **err) {
  if (!b->network) {
    b->network = xasprintf("%s-net", b->prefix);
    Words w = cmd("network", (const char *[]){"create", b->network, NULL});
    if (!run(&w, NULL, NULL, NULL, err)) {
      free(b->network), b->network = NULL;
      return false;
    }
  }
  char *name = xasprintf("%s-%s", b->prefix, sp->name), *publish = xasprintf("127.0.0.1::%ld", sp->port);
  Words w = cmd("run", (const char *[]){"--detach", "--name", name, "--network", b->network, "--network-alias",
                                        sp->name, NULL});
  if (sp->port) add(&w, "--publish"), add(&w, publish);
  for (char *const *e = sp->env; e && *e; e++) {
    char *n = xstrndup(*e, strcspn(*e, "="));
    add(&w, "--env"), add(&w, n);
    free(n);
  }
  add(&w, "--");
  add(&w, sp->image);
  for (char *const *c = sp->command; c && *c; c++) add(&w, *c);
  bool ok = run(&w, sp->env, NULL, &s->id, err);
  free(publish);
  free(name);
  if (ok && sp->port) { /* "127.0.0.1:49153" */
    char *port = xasprintf("%ld/tcp", sp->port), *addr = NULL;
    Words q = cmd("port", (const char *[]){s->id, port, NULL});
    ok = run(&q, NULL, NULL, &addr, err);
    const char *colon = ok ? strrchr(addr, ':') : NULL;
    s->host_port = colon ? strtol(colon + 1, NULL, 10) : 0;
    if (ok && !s->host_port) *err = xasprintf("service '%s': no published port in '%s'", sp->name, addr), ok = false;
    free(addr);
    free(port);
  }
  return ok;
}

/* The image's own command of a buildah working container, as a shell
 * words line ("exec 'postgres'"). */
static char *image_command(const char *id, char **err) {
  Words w = cmd("inspect", (const char *[]){"--type", "container", id, NULL});
  char *out = NULL;
  if (!run(&w, NULL, NULL, &out, err)) return NULL;
  Value v;
  char *jerr = NULL;
  Words words = {0};
  if (json_parse(out, strlen(out), &v, &jerr)) {
    Value oci = v.kind == V_MAP ? map_get(v, "OCIv1") : V_NULL_VALUE;
    Value config = oci.kind == V_MAP ? map_get(oci, "config") : V_NULL_VALUE;
    const char *keys[] = {"Entrypoint", "Cmd"};
    for (int k = 0; k < 2; k++) {
      Value l = config.kind == V_MAP ? map_get(config, keys[k]) : V_NULL_VALUE;
      for (size_t i = 0; l.kind == V_LIST && i < list_len(l); i++)
        if (list_get(l, i).kind == V_STRING) add(&words, str_chars(list_get(l, i)));
    }
    value_release(v);
  }
  free(jerr);
  free(out);
  char *line = words.n ? exec_argv_display(words.v) : NULL;
  if (!line) *err = xstrdup("the image has no command: give the service one (command:)");
  argv_free(words.v);
  return line;
}

/* buildah: a working container whose command runs in the background on
 * the host's network, fed its environment and command as a script. */
static bool start_process(Box *b, const ServiceSpec *sp, BoxService *s, char **err) {
  char *name = xasprintf("%s-%s", b->prefix, sp->name);
  Words w = cmd("from", (const char *[]){"--quiet", "--name", name, "--", sp->image, NULL});
  free(name);
  if (!run(&w, NULL, NULL, &s->id, err)) return false;
  char *line = sp->command ? exec_argv_display(sp->command) : image_command(s->id, err);
  if (!line) return false;
  char *tail = xasprintf("exec %s </dev/null\n", line);
  char *text = sh_stdin_script(sp->env, tail);
  Words r = cmd("run", (const char *[]){"--no-hosts", "--", s->id, "/bin/sh", "-s", NULL});
  ExecOptions o = {.argv = r.v, .input = text, .input_len = strlen(text)};
  s->log = xasprintf("%s/%s.log", b->dir, sp->name);
  s->pid = exec_start(&o, s->log, err);
  s->host_port = sp->port;
  argv_free(r.v);
  free(text);
  free(tail);
  free(line);
  return s->pid > 0;
}

bool box_start_services(Box *b, const ServiceSpec *specs, size_t n, char **err) {
  b->services = xcalloc(n ? n : 1, sizeof *b->services);
  bool ok = true;
  for (size_t i = 0; ok && i < n; i++) {
    BoxService *s = &b->services[b->nservices++];
    s->name = xstrdup(specs[i].name);
    s->port = specs[i].port;
    ok = container_is_buildah() ? start_process(b, &specs[i], s, err) : start_daemon(b, &specs[i], s, err);
    if (!ok) {
      char *why = *err;
      *err = xasprintf("service '%s' (%s): %s", specs[i].name, specs[i].image, why);
      free(why);
    }
  }
  int64_t started = now_ms();
  for (size_t i = 0; ok && i < n; i++) {
    BoxService *s = &b->services[i];
    if (!s->host_port) {
      say(b, "service %s: started%s", s->name, "");
      continue;
    }
    ok = wait_ready(s, started + specs[i].wait_ms, err);
    char *addr = box_service_address(s);
    if (ok) say(b, "service %s: ready on %s", s->name, addr);
    free(addr);
  }
  return ok;
}

char *box_service_address(const BoxService *s) { return xasprintf("127.0.0.1:%ld", s->host_port); }

/* buildah runs commands with the host's network: each service is on
 * 127.0.0.1, so its name goes in the container's own /etc/hosts (which
 * --no-hosts keeps). */
static bool add_hosts(Box *b, char **err) {
  Buf text = {0};
  buf_puts(&text, "cat >> /etc/hosts <<'RP_HOSTS'\n");
  for (size_t i = 0; i < b->nservices; i++) buf_printf(&text, "127.0.0.1 %s\n", b->services[i].name);
  buf_puts(&text, "RP_HOSTS\n");
  Words w = cmd("run", (const char *[]){"--no-hosts", "--", b->id, "/bin/sh", "-s", NULL});
  bool ok = run(&w, NULL, text.data, NULL, err);
  buf_free(&text);
  return ok;
}

bool box_start(Box *b, const char *image, char **err) {
  char *volume = xasprintf("%s:/workspace", b->workspace);
  bool ok;
  if (container_is_buildah()) {
    Words w = cmd("from", (const char *[]){"--quiet", "--name", b->prefix, "--", image, NULL});
    ok = run(&w, NULL, NULL, &b->id, err) && (!b->nservices || add_hosts(b, err));
    /* its output through files in the box's directory (mounted at
     * /run/rp): buildah's chroot isolation now and then drops a command's
     * whole output on the way through its own stdout */
    char *files = xasprintf("%s:/run/rp", b->dir);
    Words sh = cmd("run", (const char *[]){"--no-hosts", "--volume", volume, "--volume", files, "--workingdir",
                                           "/workspace", "--", b->id ? b->id : "", "/bin/sh", "-s", NULL});
    free(files);
    b->shell = (ShShell){sh.v, "exec >/run/rp/out 2>/run/rp/err\n", xasprintf("%s/out", b->dir),
                         xasprintf("%s/err", b->dir)};
  } else {
    /* kept alive by a command every image has, as GitHub's job containers are */
    Words w = cmd("run", (const char *[]){"--detach", "--name", b->prefix, "--volume", volume, "--workdir", "/workspace",
                                          "--entrypoint", "tail", NULL});
    if (b->network) add(&w, "--network"), add(&w, b->network);
    add(&w, "--"), add(&w, image), add(&w, "-f"), add(&w, "/dev/null");
    ok = run(&w, NULL, NULL, &b->id, err);
    Words sh = cmd("exec", (const char *[]){"--interactive", "--workdir", "/workspace", b->id ? b->id : "", "/bin/sh",
                                            "-s", NULL});
    b->shell = (ShShell){sh.v, NULL, NULL, NULL};
  }
  if (!ok) {
    char *why = *err;
    *err = xasprintf("container %s: %s", image, why);
    free(why);
  }
  free(volume);
  return ok;
}

const ShShell *box_shell(const Box *b) { return &b->shell; }

void box_service_logs(Box *b) {
  for (size_t i = 0; i < b->nservices; i++) {
    BoxService *s = &b->services[i];
    char *text = NULL, *err = NULL;
    if (s->log || container_is_buildah()) {
      text = s->log ? read_file(s->log, NULL) : NULL;
    } else if (s->id) {
      Words w = cmd("logs", (const char *[]){s->id, NULL});
      if (!run(&w, NULL, NULL, &text, &err)) text = err, err = NULL;
    }
    say(b, "service %s: its log%s", s->name, text && *text ? ":" : " is empty");
    for (char *line = text, *next; line && *line; line = next) {
      next = strchr(line, '\n');
      if (next) *next++ = 0;
      say(b, "  %s%s", line, "");
    }
    free(text);
    free(err);
  }
}

void box_stop(Box *b) {
  char *err = NULL;
  Words w = cmd("rm", NULL);
  if (!container_is_buildah()) add(&w, "--force");
  size_t before = w.n;
  for (size_t i = 0; i < b->nservices; i++) {
    exec_stop(b->services[i].pid, 2000);
    if (b->services[i].id) add(&w, b->services[i].id);
  }
  if (b->id) add(&w, b->id);
  if (w.n > before) run(&w, NULL, NULL, NULL, &err);
  else argv_free(w.v);
  free(err), err = NULL;
  if (b->network) {
    Words n = cmd("network", (const char *[]){"rm", b->network, NULL});
    run(&n, NULL, NULL, NULL, &err);
    free(err);
  }
  for (size_t i = 0; i < b->nservices; i++) {
    free(b->services[i].name);
    free(b->services[i].id);
    free(b->services[i].log);
  }
  free(b->services);
  argv_free((char **)b->shell.argv);
  free((char *)b->shell.out);
  free((char *)b->shell.err);
  free(b->id);
  free(b->network);
  free(b->prefix);
  free(b->workspace);
  free(b->dir);
  *b = (Box){0};
}
