/* test_cron.c — cron expressions: what parses (and where an error is),
 * when they fire, and the shortest gap. Sources: [GH] GitHub's "Events
 * that trigger workflows", schedule (five fields, 0-6/SUN-SAT, the
 * operators * , - /, the 5-minute minimum); [GL] GitLab's "Pipeline
 * schedules" (cron syntax); [POSIX] crontab(5), the
 * day-of-month/day-of-week OR rule; [rp] rp's choices (doc/events.md). */
#include "check.h"
#include "core/cron.h"

typedef struct Good {
  const char *text;
  const char *source;
} Good;

static const Good good[] = {
    {"30 5,17 * * *", "GH: 5:30 and 17:30 UTC every day"},
    {"15 * * * *", "GH"},
    {"0 12 * * 1-5", "GH"},
    {"0 12 * * MON-FRI", "GH"},
    {"0 12 * * mon-fri", "rp: names in any case"},
    {"*/15 * * * *", "GH"},
    {"0 0 1 JAN,JUL *", "GH"},
    {"0 */2 * * *", "GL"},
    {"0 1-23/4 * * SUN", "POSIX"},
    {"  0  3 * *   *  ", "rp: blanks around and between fields"},
    {"5-5/2 * * * *", "POSIX: a one-value range takes a step"},
};

typedef struct Bad {
  const char *text;
  int field;
  size_t off, len;
  const char *source;
} Bad;

static const Bad bad[] = {
    {"61 3 * * *", 0, 0, 2, "GH: minute 0-59"},
    {"0 24 * * *", 1, 2, 2, "GH: hour 0-23"},
    {"0 0 0 * *", 2, 4, 1, "GH: day of month 1-31"},
    {"0 0 * 13 *", 3, 6, 2, "GH: month 1-12"},
    {"0 0 * * 7", 4, 8, 1, "GH: day of week 0-6"},
    {"0 0 * FOO *", 3, 6, 3, "GH: month names JAN-DEC"},
    {"0 0 * * FRI-MON", 4, 8, 7, "POSIX: ranges go up"},
    {"*/0 * * * *", 0, 0, 3, "POSIX: a step is positive"},
    {"5/15 * * * *", 0, 0, 4, "rp: a step after a single value"},
    {"1,,2 * * * *", 0, 0, 4, "POSIX"},
    {"0 3 * *", -1, 0, 7, "GH: five fields"},
    {"0 3 * * * *", -1, 10, 1, "GH: five fields (no seconds)"},
    {"@daily", -1, 0, 6, "GH: no nicknames (GitLab accepts them)"},
    {"0 3x * * *", 1, 2, 2, "POSIX"},
};

typedef struct Next {
  const char *text;
  time_t after, want[3];
  const char *source;
} Next;

/* 2026-01-01 00:00:00 UTC, a Thursday */
#define T0 1767225600
#define MIN 60
#define HOUR 3600
#define DAY 86400

static const Next nexts[] = {
    {"0 3 * * *", T0, {T0 + 3 * HOUR, T0 + DAY + 3 * HOUR, T0 + 2 * DAY + 3 * HOUR}, "GH"},
    {"*/15 * * * *", T0, {T0 + 15 * MIN, T0 + 30 * MIN, T0 + 45 * MIN}, "GH: strictly after"},
    {"0 12 * * MON-FRI", T0, {T0 + 12 * HOUR, T0 + DAY + 12 * HOUR, T0 + 4 * DAY + 12 * HOUR}, "GH: Thu, Fri, Mon"},
    {"0 0 1 * *", T0, {T0 + 31 * DAY, T0 + 59 * DAY, T0 + 90 * DAY}, "POSIX: months"},
    {"0 0 13 * FRI", T0, {T0 + DAY, T0 + 8 * DAY, T0 + 12 * DAY}, "POSIX: day fields OR: Fri 2, Fri 9, the 13th"},
    {"0 0 29 2 *", T0, {T0 + 789 * DAY, T0 + 2250 * DAY, T0 + 3711 * DAY}, "POSIX: Feb 29 2028, 2032, 2036"},
    {"0 0 30 2 *", T0, {-1, -1, -1}, "rp: never"},
};

typedef struct Gap {
  const char *text;
  int want;
} Gap;

static const Gap gaps[] = {
    {"* * * * *", 1}, {"*/5 * * * *", 5}, {"*/2 3 * * *", 2}, {"58,1 * * * *", 3}, {"58,1 3 * * *", 57}, {"0 3 * * *", 1440},
};

int main(void) {
  Cron c;
  CronError e;
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    if (!CHECK(cron_parse(good[i].text, &c, &e))) fprintf(stderr, "    %s: %s (%s)\n", good[i].text, e.msg, good[i].source);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const Bad *b = &bad[i];
    bool ok = cron_parse(b->text, &c, &e);
    if (!CHECK(!ok && e.field == b->field && e.off == b->off && e.len == b->len))
      fprintf(stderr, "    %s: got %s field %d at %zu+%zu, want field %d at %zu+%zu (%s)\n", b->text,
              ok ? "no error" : e.msg, e.field, e.off, e.len, b->field, b->off, b->len, b->source);
  }
  for (size_t i = 0; i < sizeof nexts / sizeof *nexts; i++) {
    const Next *n = &nexts[i];
    CHECK(cron_parse(n->text, &c, &e));
    time_t at = n->after;
    for (int k = 0; k < 3; k++) {
      at = at < 0 ? -1 : cron_next(&c, at);
      if (!CHECK(at == n->want[k]))
        fprintf(stderr, "    %s firing %d: got %lld, want %lld (%s)\n", n->text, k, (long long)at, (long long)n->want[k],
                n->source);
    }
  }
  for (size_t i = 0; i < sizeof gaps / sizeof *gaps; i++) {
    CHECK(cron_parse(gaps[i].text, &c, &e));
    CHECK_INT(cron_min_gap(&c), gaps[i].want);
  }
  return check_done();
}
