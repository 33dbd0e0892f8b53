/* container.h — the container CLI, and the containers a stage runs in.
 *
 * The CLI is $RP_CONTAINER_CLI, else docker when installed, else podman,
 * with $RP_CONTAINER_ARGS after it and $RP_CONTAINER_<SUB>_ARGS after
 * each subcommand (docker.* builds its argvs so too). Two kinds of CLI
 * are driven: docker-like ones (docker, podman, nerdctl), which run
 * containers as daemons on a network of their own, and buildah, which
 * runs commands in a working container (`--isolation chroot` where no
 * other isolation works) on the host's network.
 *
 * A Box is one stage's containers: its `services` (started first, waited
 * for until their port answers, reachable by name from the stage's
 * container and on 127.0.0.1 from the machine) and its `container`, in
 * which each `sh` command runs as a shell reading its script from
 * standard input — so neither a command nor a value it is given is ever
 * on an argv, whichever CLI runs it. box_stop removes everything, always. */
#ifndef RP_CONTAINER_H
#define RP_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "prim/sh.h"

/* The CLI's argv up to and including `sub` and $RP_CONTAINER_<SUB>_ARGS:
 * `sub_var` names that variable. NULL-terminated, malloc'd (argv_free). */
char **container_argv(const char *sub, const char *sub_var);
void argv_free(char **argv);
/* Whether the CLI is buildah (which has no daemons, networks or exec). */
bool container_is_buildah(void);

typedef struct ServiceSpec {
  const char *name;        /* how the stage reaches it: a hostname */
  const char *image;
  long port;               /* the port it listens on, 0: none to wait for */
  char *const *env;        /* "NAME=value" (values never on an argv) */
  char *const *command;    /* NULL: the image's own */
  int64_t wait_ms;         /* how long its port may take to answer */
} ServiceSpec;

typedef struct BoxService {
  char *name, *id;         /* id: the container's */
  pid_t pid;               /* buildah: the process serving it, else 0 */
  char *log;               /* buildah: where its output goes */
  long port, host_port;    /* in the container; on 127.0.0.1 */
} BoxService;

/* Where a Box reports what it does ("service db: ready on 127.0.0.1:5432"). */
typedef void (*BoxSayFn)(void *ctx, const char *line);

typedef struct Box {
  char *prefix;            /* names of its containers and network: rp-<pid>-<n>-<stage> */
  char *dir;               /* a private directory for logs and scripts */
  char *workspace;         /* mounted at /workspace */
  char *network;           /* docker-like with services, else NULL */
  char *id;                /* the stage's container, or NULL */
  ShShell shell;           /* box_shell's (its argv and files malloc'd) */
  BoxService *services;
  size_t nservices;
  BoxSayFn say;
  void *ctx;
} Box;

/* A box for stage `stage`, mounting `workspace` (dir: a private directory
 * of the caller's, for the box's files). Starts nothing. */
void box_init(Box *b, const char *stage, const char *workspace, const char *dir, BoxSayFn say, void *ctx);
/* Starts the services, then waits for each (a TCP connect to its port)
 * for at most its wait_ms. False with *err (malloc'd) naming the service. */
bool box_start_services(Box *b, const ServiceSpec *s, size_t n, char **err);
/* Starts the stage's container from `image`; services are reachable in
 * it by name. */
bool box_start(Box *b, const char *image, char **err);
/* The shell that runs a command in the stage's container, in /workspace
 * (prim/sh.h). Borrowed from b. */
const ShShell *box_shell(const Box *b);
/* The service's address on this machine: "127.0.0.1:PORT", malloc'd. */
char *box_service_address(const BoxService *s);
/* Reports each service's log through `say` (after a failure). */
void box_service_logs(Box *b);
/* Stops and removes every container and the network; b is reset. */
void box_stop(Box *b);

#endif
