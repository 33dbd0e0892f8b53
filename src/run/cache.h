/* cache.h — `cache KEY` (doc/language.md, "Incremental runs"): a stage
 * whose key is that of a successful earlier run of it is not run again;
 * its outputs come from that run. Each successful run of a cached stage
 * appends {unit, key, run, outputs, at} to the state's log cache/<STAGE>
 * (run/store.h), so on a shared backend every machine sees it. */
#ifndef RP_CACHE_H
#define RP_CACHE_H

#include "run/sched.h"
#include "run/store.h"

/* The key of unit u, evaluated now (its needs are done): a string
 * (malloc'd), or NULL with *why (malloc'd) when the unit is not cached:
 * the key is null, holds a secret or fails to evaluate. False when it is
 * not a string (the interpreter's error). */
bool cache_key(Interp *I, const Source *src, const Unit *u, char **key, char **why);
/* Whether u's key can be evaluated before anything runs (rp plan): it is
 * made of literals, `event`, `env`, the matrix variable, operators and
 * git.tree_sha only, so evaluating it runs nothing and reads no outputs. */
bool cache_key_is_static(const Unit *u);
/* The newest record of unit `unit` with `key` in the cache of `stage`:
 * a map, or null when there is none. */
bool cache_find(Store *s, const char *stage, const char *unit, const char *key, Value *hit, char **err);
/* "cached (key KEY, run ID)" for a record cache_find found (malloc'd). */
char *cache_hit_text(Value hit);
/* After a successful run of u with `key`: its record. The caller checks
 * that it may be cached (cache_refusal). */
bool cache_record(Store *s, const Unit *u, const char *key, const char *run, Value outputs, char **err);
/* Why u, which succeeded with a key, is not recorded (a static string),
 * or NULL: it read a secret, or its outputs held one, and a restored
 * output would be the journal's *** (or the secret kept in the state). */
const char *cache_refusal(const Unit *u);

#endif
