/* check_exec.h — minimal TAP-style assertions for the exec tests. */
#ifndef CHECK_EXEC_H
#define CHECK_EXEC_H
#include <stdio.h>
#include <string.h>

static int check_failures, check_count;
#define CHECK(cond)                                                                  \
  do {                                                                               \
    check_count++;                                                                   \
    if (!(cond)) check_failures++, printf("not ok %d - %s:%d: %s\n", check_count, __FILE__, __LINE__, #cond); \
  } while (0)
#define CHECK_STR(a, b)                                                              \
  do {                                                                               \
    const char *a_ = (a), *b_ = (b);                                                 \
    check_count++;                                                                   \
    if (!a_ || strcmp(a_, b_))                                                       \
      check_failures++, printf("not ok %d - %s:%d: '%s' != '%s'\n", check_count, __FILE__, __LINE__, a_ ? a_ : "(null)", b_); \
  } while (0)
#define CHECK_DONE()                                                                 \
  (printf("%d checks, %d failed\n", check_count, check_failures), check_failures ? 1 : 0)
#endif
