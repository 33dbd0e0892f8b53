/* check_git.h — a few assertion macros for the git, semver and re unit tests.
 *
 * Each CHECK counts as one test; failures print file:line and what was
 * compared, and the program exits 1 from check_done() if any failed. */
#ifndef RP_CHECK_GIT_H
#define RP_CHECK_GIT_H

#include <stdio.h>
#include <string.h>

static int check_run, check_failed;

#define CHECK(cond)                                                            \
  do {                                                                         \
    check_run++;                                                               \
    if (!(cond)) {                                                             \
      check_failed++;                                                          \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define CHECK_MSG(cond, ...)                                                   \
  do {                                                                         \
    check_run++;                                                               \
    if (!(cond)) {                                                             \
      check_failed++;                                                          \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
    }                                                                          \
  } while (0)

#define CHECK_STR(got, want)                                                   \
  do {                                                                         \
    const char *g_ = (got), *w_ = (want);                                      \
    CHECK_MSG(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_,                       \
              "got \"%s\", want \"%s\"", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
  } while (0)

#define CHECK_INT(got, want)                                                   \
  do {                                                                         \
    long long g_ = (long long)(got), w_ = (long long)(want);                   \
    CHECK_MSG(g_ == w_, "got %lld, want %lld", g_, w_);                        \
  } while (0)

static inline int check_done(const char *name) {
  printf("%s: %d checks, %d failed\n", name, check_run, check_failed);
  return check_failed ? 1 : 0;
}

#endif
