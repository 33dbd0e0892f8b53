/* secrets.h — the secrets of one run, and masking them.
 *
 * A run has one Secrets: the --secrets FILE it was given and every secret
 * text registered since (secret(), a token handed to a primitive...). Each,
 * in every form output may hold it (JSON-escaped, URL-encoded, base64: see
 * add_forms), is replaced by "***" in whatever the run prints or records.
 * A stage's process inherits the run's Secrets when it is forked and sends
 * back what it registers (run/sched.c), so the parent masks those too. */
#ifndef RP_SECRETS_H
#define RP_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/value.h"

typedef struct Secrets Secrets;

/* A text shorter than this cannot be masked without making output
 * unreadable ("a" everywhere): secret() and --secrets FILE refuse such
 * values rather than leave them showing. */
enum { SECRET_MIN_LEN = 3 };

Secrets *secrets_new(void);
void secrets_free(Secrets *s);

/* --secrets FILE: a JSON object of strings, or NAME=value lines (# comments,
 * blank lines, an optional `export `). Every value is masked from then on.
 * False with a malloc'd *err that quotes no value. */
bool secrets_load(Secrets *s, const char *path, char **err);
/* --secrets ENV=FILE: the secrets of deployment environment ENV, in the
 * same format. Only stages bound to ENV read them (as GitHub's environment
 * secrets), but the whole run masks them from the start. */
bool secrets_load_env(Secrets *s, const char *env, const char *path, char **err);
/* The secret NAME for a stage bound to environment `env` (NULL: none):
 * ENV's own when it has one, else the run's file, else the process
 * environment; with `env_only`, ENV's own or nothing. NULL when not
 * found. Borrowed. */
const char *secrets_lookup_in(const Secrets *s, const char *name, const char *env, bool env_only);
const char *secrets_lookup(const Secrets *s, const char *name); /* env NULL */
/* secret("NAME"): looks NAME up and registers its value. False with a
 * malloc'd *err (quoting no value) when it is not set or too short. */
bool secrets_read_in(Secrets *s, const char *name, const char *env, bool env_only, const char **value, char **err);
bool secrets_read(Secrets *s, const char *name, const char **value, char **err); /* env NULL */

/* Registers a secret text (nothing happens when it is known already). */
void secrets_add(Secrets *s, const char *text);
/* Registers every string marked secret in `v` (or in a list's items, a
 * map's values) that holds no registered text already, so that what a
 * method or primitive derived from a secret (upper(), a piece of split(),
 * base64 of "user:" + a token) is masked wherever it shows up, as the
 * secret is. Shorter than SECRET_MIN_LEN, it is left out. */
void secrets_add_derived(Secrets *s, Value v);
/* The texts registered so far, oldest first: a stage's process sends the
 * parent those after the ones it inherited. */
size_t secrets_count(const Secrets *s);
const char *secrets_text(const Secrets *s, size_t i);

/* Every form masked so far (each text in each encoding above), oldest
 * first: what a CI runner is asked to hide as well. */
size_t secrets_forms(const Secrets *s);
const char *secrets_form(const Secrets *s, size_t i);

/* A copy of `text` with every secret in it replaced by "***" (malloc'd;
 * NULL for NULL). */
char *secrets_mask(const Secrets *s, const char *text);
/* Appends text[0..len) to b with every secret in it replaced by "***" and
 * returns how much of it was consumed: all of it when `final`; otherwise it
 * stops where a secret may begin that the text that follows would complete
 * (the rest is passed again, ahead of what follows). Output masked this
 * way in blocks of whole lines costs one scan, whatever the secrets. */
size_t secrets_mask_block(const Secrets *s, const char *text, size_t len, bool final, Buf *b);
/* Whether text[0..len) holds a secret (one scan, as above). */
bool secrets_found(const Secrets *s, const char *text, size_t len);
/* Whether some string in `v` (map keys included) holds a registered secret. */
bool secrets_held_by(const Secrets *s, Value v);
/* A copy of `v` with every string in it, map keys included, masked; a
 * string marked secret in which no registered text shows is "***" whole. */
Value secrets_mask_value(const Secrets *s, Value v);

#endif
