/* util.h — memory, arenas, growable buffers and small string helpers.
 *
 * Allocation failure is not recoverable in a CLI: the x* functions abort
 * with a message rather than making every caller check for NULL. */
#ifndef RP_UTIL_H
#define RP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow a dynamic array `p` holding `n` items to fit one more. */
#define VEC_PUSH(p, n, cap, item)                                              \
  do {                                                                         \
    if ((n) == (cap)) {                                                        \
      (cap) = (cap) ? (cap) * 2 : 8;                                           \
      (p) = xrealloc((p), (size_t)(cap) * sizeof *(p));                        \
    }                                                                          \
    (p)[(n)++] = (item);                                                       \
  } while (0)

/* Arena: many small allocations freed at once (the AST lives in one). */
typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
  ArenaBlock *head;
} Arena;

void *arena_alloc(Arena *a, size_t n);          /* zeroed, 16-byte aligned */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
void arena_free(Arena *a);

/* Buf: a growable, always NUL-terminated byte string. */
typedef struct Buf {
  char *data;
  size_t len, cap;
} Buf;

void buf_putn(Buf *b, const char *s, size_t n);
/* Room for n more bytes at b->data + b->len (to read into; add to len). */
char *buf_room(Buf *b, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_putc(Buf *b, char c);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
char *buf_take(Buf *b);                 /* hands the string over; b is reset */
void buf_free(Buf *b);

/* Files */
char *read_file(const char *path, size_t *len);  /* NULL and errno on failure */
bool write_file_atomic(const char *path, const char *data, size_t len);
void remove_tree(const char *path); /* rm -rf, best effort; symlinks not followed */

/* Strings */
/* A copy of `text` with the user:password@ of every URL in it removed:
 * what rp prints of a URL, in dry runs and messages (malloc'd). */
char *strip_userinfo(const char *text);
size_t edit_distance(const char *a, const char *b);
/* Edit distance for did-you-mean: an adjacent swap counts as one edit. */
size_t name_distance(const char *a, const char *b);
/* Suggestion threshold shared by every did-you-mean: a name at most this
 * far away (and not more than a third of its length) is worth suggesting. */
bool suggest_close_enough(const char *wrong, const char *candidate, size_t dist);
/* The closest candidate so far to a name that was not found; start with
 * {wrong, NULL, (size_t)-1} and offer each candidate to suggest_try. */
typedef struct Suggest {
  const char *wrong;
  const char *best; /* NULL: none close enough */
  size_t dist;
} Suggest;
void suggest_try(Suggest *s, const char *candidate);

#endif
