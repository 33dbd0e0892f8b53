/* value.h — runtime values of rp.
 *
 * A Value is a small tagged struct passed by value. Scalars live inside it;
 * strings, lists, maps, regexes and objects are heap objects with a
 * reference count. Ownership rule (as in CPython's C API, spelled out):
 *   - a function returning Value returns a NEW reference (caller releases);
 *   - functions taking Value to store it (list_push, map_set) TAKE the
 *     reference; pass value_retain(v) to keep your own;
 *   - accessors (list_get, map_get) return BORROWED values.
 * Strings carry a `secret` taint: anything derived from a secret stays
 * secret, and the output layer masks tainted text. */
#ifndef RP_VALUE_H
#define RP_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

typedef enum ValueKind {
  V_NULL,
  V_BOOL,
  V_INT,
  V_FLOAT,
  V_DURATION, /* milliseconds in .i */
  V_STRING,
  V_LIST,
  V_MAP,
  V_REGEX,
  V_OBJECT, /* interpreter-defined: closures, modules, environments */
} ValueKind;

typedef struct Obj {
  uint32_t refs;
  ValueKind kind;
} Obj;

typedef struct Value {
  ValueKind kind;
  union {
    bool b;
    int64_t i;
    double f;
    Obj *obj;
  } as;
} Value;

typedef struct Str {
  Obj hdr;
  bool secret;
  size_t len;
  char data[]; /* NUL-terminated */
} Str;

typedef struct List {
  Obj hdr;
  Value *items;
  size_t n, cap;
} List;

/* Insertion-ordered map with string keys (what users see: YAML and JSON
 * objects keep their order). */
typedef struct Map {
  Obj hdr;
  Str **keys;
  Value *vals;
  size_t n, cap;
  uint32_t *index; /* open addressing over entry positions + 1; 0 = empty */
  size_t index_cap; /* a power of two; 0 while the map is small (linear scan) */
  uint32_t *hashes; /* hashes[i] = str_hash of keys[i], so growth never rehashes text */
} Map;

typedef struct Regex {
  Obj hdr;
  char *pattern;
  void *code;       /* pcre2_code_8 * */
  void *match_data; /* pcre2_match_data_8 *, reused */
} Regex;

/* Objects defined by the interpreter: a vtable gives their behaviour. */
typedef struct ObjectType {
  const char *name;                 /* shown by type_name: "function", ... */
  void (*free)(Obj *self);          /* release what it holds; not the Obj itself */
  void (*show)(Obj *self, Buf *out);
} ObjectType;

typedef struct Object {
  Obj hdr;
  const ObjectType *type;
} Object;

/* constructors (new references) */
#define V_NULL_VALUE ((Value){.kind = V_NULL})
Value v_null(void);
Value v_bool(bool b);
Value v_int(int64_t i);
Value v_float(double f);
Value v_duration(int64_t ms);
Value v_str(const char *s, size_t len);
Value v_cstr(const char *s);
Value v_str_take(char *s); /* takes a malloc'd NUL-terminated string */
Value v_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
Value v_list(void);
Value v_map(void);
/* Compiles `pattern` with PCRE2 (JIT where available). On failure returns
 * null and sets *err (malloc'd) and *err_off (offset in the pattern). */
Value v_regex(const char *pattern, size_t len, char **err, size_t *err_off);
/* Every regex of rp (literals, =~, re.*, triggers, rp check) compiles with
 * these options, so all agree: UTF-8, Unicode \w \d, invalid UTF-8 tolerated.
 * (Expands to PCRE2 constants: use where <pcre2.h> is included.) */
#define RP_PCRE2_OPTIONS (PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF)
Value v_object(Object *o); /* o allocated with xcalloc, refs set to 1 here */

/* reference counting */
Value value_retain(Value v);
void value_release(Value v);

/* accessors; the caller checks the kind first */
static inline Str *as_str(Value v) { return (Str *)v.as.obj; }
static inline List *as_list(Value v) { return (List *)v.as.obj; }
static inline Map *as_map(Value v) { return (Map *)v.as.obj; }
static inline Regex *as_regex(Value v) { return (Regex *)v.as.obj; }
static inline Object *as_object(Value v) { return (Object *)v.as.obj; }
static inline const char *str_chars(Value v) { return as_str(v)->data; }
static inline bool is_str(Value v) { return v.kind == V_STRING; }

void list_push(Value list, Value item);          /* takes item */
Value list_get(Value list, size_t i);            /* borrowed; null when i is out of range */
void list_set(Value list, size_t i, Value item); /* takes item; i < list_len (else aborts) */
size_t list_len(Value list);
Value list_copy(Value list);                     /* shallow: items retained */

void map_set(Value map, const char *key, Value val); /* takes val */
void map_set_str(Value map, Str *key, Value val);    /* retains key, takes val */
Value map_get(Value map, const char *key);           /* borrowed; kind V_NULL when absent */
bool map_has(Value map, const char *key);
bool map_delete(Value map, const char *key);         /* keeps the order of the rest; O(n) */
size_t map_len(Value map);
/* Keys may hold NUL bytes (JSON "\u0000"); these take an explicit length. */
Value map_get_n(Value map, const char *key, size_t len); /* borrowed */
bool map_has_n(Value map, const char *key, size_t len);
bool map_delete_n(Value map, const char *key, size_t len);
Value map_copy(Value map);                           /* shallow: keys and values retained */
uint32_t str_hash(const char *s, size_t len);        /* the hash the map index uses */
/* Lenient reads of data whose shape is not known (JSON answers, the
 * event): borrowed; null / NULL when `v` is not a map, has no `key`, or
 * (for value_get_str) holds no string there. */
Value value_get(Value v, const char *key);
const char *value_get_str(Value v, const char *key);

/* Whether `re` matches somewhere in s[0..len) (the `=~` operator). A
 * matching error (e.g. the backtracking limit) is false with *err set. */
bool regex_search(Value re, const char *s, size_t len, char **err);

/* semantics */
const char *value_type_name(Value v);
bool value_truthy(Value v);                 /* false, null, 0, 0.0, 0s, "", [] and {} are false */
bool value_equal(Value a, Value b);         /* deep */
/* Orders numbers (int and float together), strings (bytewise), durations,
 * and lists of those (lexicographically). *ok is false for other pairs and
 * for NaN; the result is then 0. */
int value_compare(Value a, Value b, bool *ok);
bool value_is_secret(Value v);              /* a secret string, or a container holding one */
/* Taints a string, or every string in a list or map (in a copy; map keys
 * as they were); takes and returns; other kinds unchanged. */
Value value_mark_secret(Value v);

/* text */
void value_show(Value v, Buf *out);   /* as the REPL prints it: strings quoted */
void value_to_text(Value v, Buf *out); /* as interpolation uses it: strings bare */
char *value_to_cstr(Value v);          /* malloc'd value_to_text */
void format_duration(int64_t ms, Buf *out); /* 1h30m, 250ms */
void format_float(double f, Buf *out);      /* shortest text that reads back as f: 0.1, 1.0, 1.0e+300 */

/* JSON (json.parse / json.encode, --json output, the journal) */
void json_encode(Value v, Buf *out, bool pretty);
/* Parses JSON text; on error returns false and sets *err (malloc'd, with
 * line:col inside the text). */
bool json_parse(const char *text, size_t len, Value *out, char **err);

#endif
