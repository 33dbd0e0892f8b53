/* cron.h — the five-field cron expressions of `on schedule "..."`.
 *
 * What GitHub Actions and GitLab CI both accept: minute (0-59), hour
 * (0-23), day of month (1-31), month (1-12 or JAN-DEC), day of week (0-6
 * or SUN-SAT, 0 is Sunday); each field `*`, a value, a range `a-b`, a step
 * `*`/`a-b` + `/n`, or a comma list of those; names in any case. As in
 * POSIX cron, when both day fields are restricted a day matching either
 * one fires. Times are UTC. */
#ifndef RP_CRON_H
#define RP_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct Cron {
  uint64_t minute; /* bit n: minute n */
  uint32_t hour, mday, month; /* mday bit 1-31, month bit 1-12 */
  uint8_t wday;
  bool mday_star, wday_star; /* the field starts with '*' */
} Cron;

typedef struct CronError {
  const char *msg; /* static text */
  int field;       /* 0-4, or -1 for the whole text */
  size_t off, len; /* the bytes of the field (or the text) at fault */
} CronError;

bool cron_parse(const char *text, Cron *c, CronError *err);
/* "hour (0-23)": a field, by number, for messages. */
const char *cron_field_desc(int field);
/* The first firing strictly after `t`, or -1 when none comes in the next
 * eight years (`0 0 30 2 *`). */
time_t cron_next(const Cron *c, time_t t);
/* The shortest time between two firings, in minutes (1440 or more when it
 * fires at most once a day). */
int cron_min_gap(const Cron *c);

#endif
