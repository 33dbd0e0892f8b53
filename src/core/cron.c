/* cron.c — parsing five-field cron expressions and finding when they fire. */
#include "core/cron.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct Field {
  const char *desc;
  int lo, hi;
  const char *const *names; /* names[i] is value lo + i, or NULL */
} Field;

static const char *const months[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const days[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

static const Field fields[5] = {
    {"minute (0-59)", 0, 59, NULL},
    {"hour (0-23)", 0, 23, NULL},
    {"day of month (1-31)", 1, 31, NULL},
    {"month (1-12 or JAN-DEC)", 1, 12, months},
    {"day of week (0-6 or SUN-SAT)", 0, 6, days},
};

const char *cron_field_desc(int i) { return i >= 0 && i < 5 ? fields[i].desc : "schedule"; }

/* A number or (for month and weekday) a three-letter name at *p. */
static bool value(const Field *f, const char **p, const char *end, int *out) {
  const char *s = *p;
  if (s < end && isdigit((unsigned char)*s)) {
    long v = 0;
    while (s < end && isdigit((unsigned char)*s) && v < 1000) v = v * 10 + (*s++ - '0');
    *out = (int)v, *p = s;
    return true;
  }
  for (int i = 0; f->names && i <= f->hi - f->lo; i++)
    if (end - s >= 3 && !strncasecmp(s, f->names[i], 3) && (end - s == 3 || !isalpha((unsigned char)s[3]))) {
      *out = f->lo + i, *p = s + 3;
      return true;
    }
  return false;
}

/* One comma-separated item: `*`, `a`, `a-b`, each with an optional `/n`. */
static const char *item(const Field *f, const char *s, const char *end, uint64_t *bits) {
  int lo = f->lo, hi = f->hi, step = 1;
  const char *p = s;
  if (p < end && *p == '*') {
    p++;
  } else {
    if (!value(f, &p, end, &lo)) return f->names ? "expected a number, a name or '*'" : "expected a number or '*'";
    hi = lo;
    bool range = p < end && *p == '-';
    if (range) {
      p++;
      if (!value(f, &p, end, &hi)) return "expected a number after '-'";
    }
    if (p < end && *p == '/' && !range)
      return "a step needs a range or '*' before it: write 'a-b/n' or '*/n'";
  }
  if (p < end && *p == '/') {
    p++;
    const char *q = p;
    long n = 0;
    while (p < end && isdigit((unsigned char)*p) && n < 1000) n = n * 10 + (*p++ - '0');
    if (p == q || n < 1) return "a step is a positive number";
    step = (int)n;
  }
  if (p != end) return "unexpected character (a field is *, a value, a range a-b, a step /n or a list a,b)";
  if (lo < f->lo || hi > f->hi || lo > hi) {
    if (f->names == days && (lo == 7 || hi == 7)) return "day of week is 0-6: write 0 for Sunday";
    if (lo > hi && lo <= f->hi) return "a range goes from low to high";
    return "value out of range";
  }
  for (int v = lo; v <= hi; v += step) *bits |= (uint64_t)1 << v;
  return NULL;
}

static const char *field(const Field *f, const char *s, const char *end, uint64_t *bits) {
  *bits = 0;
  while (s <= end) {
    const char *comma = memchr(s, ',', (size_t)(end - s));
    const char *stop = comma ? comma : end;
    if (stop == s) return "empty list item";
    const char *err = item(f, s, stop, bits);
    if (err) return err;
    s = stop + 1;
    if (!comma) break;
  }
  return NULL;
}

static bool fail(CronError *e, const char *msg, size_t off, size_t len) {
  e->msg = msg, e->off = off, e->len = len ? len : 1;
  return false;
}

bool cron_parse(const char *text, Cron *c, CronError *err) {
  memset(c, 0, sizeof *c);
  err->field = -1;
  const char *p = text;
  while (*p == ' ' || *p == '\t') p++;
  if (*p == '@')
    return fail(err, "'@' nicknames are not part of GitHub's schedule syntax; write the five fields (@daily is \"0 0 * * *\")",
                (size_t)(p - text), strcspn(p, " \t"));
  uint64_t bits[5];
  int n = 0;
  while (*p) {
    const char *start = p;
    while (*p && *p != ' ' && *p != '\t') p++;
    if (n == 5)
      return fail(err, "a schedule has 5 fields (minute hour day-of-month month day-of-week); this one has more",
                  (size_t)(start - text), (size_t)(p - start));
    const char *e = field(&fields[n], start, p, &bits[n]);
    if (e) {
      err->field = n;
      return fail(err, e, (size_t)(start - text), (size_t)(p - start));
    }
    if (n == 2) c->mday_star = *start == '*';
    if (n == 4) c->wday_star = *start == '*';
    n++;
    while (*p == ' ' || *p == '\t') p++;
  }
  if (n < 5)
    return fail(err, "a schedule has 5 fields (minute hour day-of-month month day-of-week); this one has fewer", 0,
                strlen(text));
  c->minute = bits[0];
  c->hour = (uint32_t)bits[1], c->mday = (uint32_t)bits[2], c->month = (uint32_t)bits[3];
  c->wday = (uint8_t)bits[4];
  return true;
}

static bool day_fires(const Cron *c, const struct tm *tm) {
  if (!(c->month >> (tm->tm_mon + 1) & 1)) return false;
  bool md = c->mday >> tm->tm_mday & 1, wd = c->wday >> tm->tm_wday & 1;
  if (c->mday_star || c->wday_star) return md && wd;
  return md || wd;
}

time_t cron_next(const Cron *c, time_t t) {
  t = t - t % 60 + 60; /* the next whole minute */
  struct tm tm;
  gmtime_r(&t, &tm);
  for (int d = 0; d < 366 * 8; d++) {
    if (day_fires(c, &tm))
      for (int h = tm.tm_hour; h < 24; h++) {
        if (!(c->hour >> h & 1)) continue;
        for (int m = h == tm.tm_hour ? tm.tm_min : 0; m < 60; m++)
          if (c->minute >> m & 1) {
            tm.tm_hour = h, tm.tm_min = m, tm.tm_sec = 0;
            return timegm(&tm);
          }
      }
    tm.tm_mday++, tm.tm_hour = 0, tm.tm_min = 0, tm.tm_sec = 0;
    time_t next = timegm(&tm); /* normalises the month and year */
    gmtime_r(&next, &tm);
  }
  return -1;
}

int cron_min_gap(const Cron *c) {
  int first = -1, prev = -1, gap = 1440;
  for (int h = 0; h < 24; h++)
    for (int m = 0; m < 60; m++) {
      if (!(c->hour >> h & 1) || !(c->minute >> m & 1)) continue;
      int at = h * 60 + m;
      if (prev >= 0 && at - prev < gap) gap = at - prev;
      if (first < 0) first = at;
      prev = at;
    }
  if (first >= 0 && first + 1440 - prev < gap) gap = first + 1440 - prev;
  return gap;
}
