/* check_yaml.h — a few assertion macros for the yaml unit tests: each
 * failure prints where and what, and main() returns the failure count. */
#ifndef RP_CHECK_YAML_H
#define RP_CHECK_YAML_H

#include <stdio.h>
#include <string.h>

static int checks_run, checks_failed;

#define CHECK(cond)                                                            \
  do {                                                                         \
    checks_run++;                                                              \
    if (!(cond)) {                                                             \
      checks_failed++;                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define CHECK_STR(got, want)                                                   \
  do {                                                                         \
    const char *g_ = (got), *w_ = (want);                                      \
    checks_run++;                                                              \
    if (!g_ || strcmp(g_, w_) != 0) {                                          \
      checks_failed++;                                                         \
      fprintf(stderr, "%s:%d: got  [%s]\n%*swant [%s]\n", __FILE__, __LINE__,  \
              g_ ? g_ : "(null)", (int)strlen(__FILE__) + 6, "", w_);          \
    }                                                                          \
  } while (0)

static int check_summary(const char *name) {
  printf("%s: %d checks, %d failed\n", name, checks_run, checks_failed);
  return checks_failed ? 1 : 0;
}

#endif
