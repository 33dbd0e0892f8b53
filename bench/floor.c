/* floor.c — the least a program can do in the place of `rp plan` and of
 * `rp run` on this machine, to tell rp's own cost from the platform's.
 * Linked with exactly the libraries rp links (make bench/floor).
 *
 *   floor start          what any rp command pays before its own work:
 *                        loading the libraries, then (as rp plan does for a
 *                        local event) git_libgit2_init and opening the
 *                        repository of the current directory
 *   floor stages N       N stages the cheapest way a runner with a process
 *                        per stage can: fork, and the child execs `true`
 */
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int start(void) {
  git_libgit2_init();
  git_repository *repo = NULL;
  git_repository_open_ext(&repo, ".", 0, NULL);
  git_repository_free(repo);
  git_libgit2_shutdown();
  return 0;
}

static int stages(int n) {
  char *argv[] = {"true", NULL};
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) return perror("fork"), 1;
    if (pid == 0) {
      execvp(argv[0], argv);
      _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "start")) return start();
  if (argc == 3 && !strcmp(argv[1], "stages")) return stages(atoi(argv[2]));
  fprintf(stderr, "usage: floor start | floor stages N\n");
  return 2;
}
