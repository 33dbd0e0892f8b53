/* check_exec.h — minimal assertions for the exec tests. */
#ifndef CHECK_EXEC_H
#define CHECK_EXEC_H
#include <stdio.h>
#include <string.h>

static int check_failures, check_count;
static void check_fail(const char *file, int line, const char *what, const char *got, const char *want) {
  check_failures++;
  printf("not ok %d - %s:%d: %s", check_count, file, line, what);
  if (want) printf(": '%s' != '%s'", got ? got : "(null)", want);
  printf("\n");
}
#define CHECK(cond) \
  (check_count++, (cond) ? (void)0 : check_fail(__FILE__, __LINE__, #cond, NULL, NULL))
#define CHECK_STR(a, b)                                                      \
  do {                                                                       \
    const char *a_ = (a), *b_ = (b);                                         \
    check_count++;                                                           \
    if (!a_ || strcmp(a_, b_)) check_fail(__FILE__, __LINE__, #a, a_, b_);   \
  } while (0)
#define CHECK_DONE() (printf("%d checks, %d failed\n", check_count, check_failures), check_failures ? 1 : 0)
#endif
