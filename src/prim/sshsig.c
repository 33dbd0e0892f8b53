/* sshsig.c — ssh-keygen -Y sign / verify (sshsig.h). */
#include "prim/sshsig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "prim/exec.h"

enum { SSHSIG_TIMEOUT_MS = 60000, SSHSIG_CAPTURE = 64 * 1024 };

/* The first line of what ssh-keygen printed on stderr, for an error. */
static char *first_line(const char *s, const char *fallback) {
  while (s && (*s == '\n' || *s == '\r')) s++;
  if (!s || !*s) return xstrdup(fallback);
  return xstrndup(s, strcspn(s, "\r\n"));
}

/* Runs ssh-keygen with `argv` and `data` on its standard input. */
static bool keygen(char *const *argv, const char *data, size_t len, int64_t timeout_ms, ExecResult *res,
                   char **err) {
  ExecOptions opt = {.argv = argv, .input = data, .input_len = len, .timeout_ms = timeout_ms,
                     .capture_limit = SSHSIG_CAPTURE};
  memset(res, 0, sizeof *res);
  char *why = NULL;
  if (exec_run(&opt, res, &why)) return true;
  *err = res->not_found ? xstrdup("ssh-keygen is not installed (not found on PATH): signatures cannot be made "
                                  "or checked")
                        : xasprintf("ssh-keygen: %s", why);
  free(why);
  exec_result_free(res);
  return false;
}

bool sshsig_sign(const char *key, const char *ns, const char *data, size_t len, char **sig, char **err) {
  char *argv[] = {"ssh-keygen", "-q", "-Y", "sign", "-n", (char *)ns, "-f", (char *)key, NULL};
  ExecResult res;
  /* no timeout: one would put it in a process group of its own, away from
   * the terminal it asks a passphrase on */
  if (!keygen(argv, data, len, 0, &res, err)) return false;
  bool ok = res.code == 0 && strstr(res.out, "-----BEGIN SSH SIGNATURE-----");
  if (ok) *sig = xstrdup(res.out);
  else *err = first_line(res.err, "ssh-keygen -Y sign failed");
  exec_result_free(&res);
  return ok;
}

/* A private directory (0700) holding the signature as a file, since
 * ssh-keygen -Y verify reads it from a path; *dir is removed by the caller. */
static char *signature_file(const char *sig, char **dir, char **err) {
  const char *base = getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  *dir = xasprintf("%s/rp-sig-XXXXXX", base);
  if (!mkdtemp(*dir)) {
    *err = xasprintf("cannot make a directory in %s: %s", base, strerror(errno));
    free(*dir), *dir = NULL;
    return NULL;
  }
  char *path = xasprintf("%s/sig", *dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  size_t n = strlen(sig);
  bool ok = fd >= 0 && write(fd, sig, n) == (ssize_t)n;
  if (fd >= 0 && close(fd) != 0) ok = false;
  if (ok) return path;
  *err = xasprintf("%s: %s", path, strerror(errno));
  free(path);
  return NULL;
}

SshsigVerdict sshsig_verify(const char *signers, const char *principal, const char *ns, const char *data,
                            size_t len, const char *sig, char **why) {
  char *dir = NULL, *path = signature_file(sig, &dir, why);
  SshsigVerdict v = SSHSIG_UNCHECKED;
  if (path) {
    char *argv[] = {"ssh-keygen", "-Y", "verify", "-f", (char *)signers, "-I", (char *)principal,
                    "-n", (char *)ns, "-s", path, NULL};
    ExecResult res;
    if (keygen(argv, data, len, SSHSIG_TIMEOUT_MS, &res, why)) {
      v = res.code == 0 ? SSHSIG_GOOD : SSHSIG_BAD;
      if (v == SSHSIG_BAD) *why = first_line(res.err, "ssh-keygen -Y verify refused it");
      exec_result_free(&res);
    }
  }
  free(path);
  if (dir) remove_tree(dir);
  free(dir);
  return v;
}
