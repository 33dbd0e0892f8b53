/* prim_time.c — time.*: the clock, and formatting a time. */
#include <time.h>

#include "eval/prim.h"

static bool n_now(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  (void)I, (void)cs, (void)args, (void)nargs;
  *out = v_int((int64_t)time(NULL));
  return true;
}

static bool n_format(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value t, fmt;
  ARG(0, V_INT, true, &t);
  ARG(1, V_STRING, true, &fmt);
  time_t secs = (time_t)t.as.i;
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[256];
  size_t n = strftime(buf, sizeof buf, str_chars(fmt), &tm);
  *out = v_str(buf, n);
  return true;
}

static const Primitive prims[] = {
    {"now", "", n_now, "seconds since the epoch"},
    {"format", "t format", n_format, "`t` formatted in UTC by strftime: `time.format(t, \"%Y%m%d-%H%M%S\")`"},
};

const PrimFamily prim_family_time = PRIM_FAMILY("time", "Times are seconds since the epoch.", NULL, prims);
