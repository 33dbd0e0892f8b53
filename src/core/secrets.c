/* secrets.c — the run's secrets and the masking of them. */
#include "core/secrets.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"

/* Up to this many different first two bytes of the masks (a few secrets'
 * worth), output is searched for them 16 bytes at a time. */
enum { PAIRS_MAX = 8 };

/* One text replaced by "***" wherever it shows up. */
typedef struct Mask {
  char *text;
  size_t len;
} Mask;

struct Secrets {
  Value file;   /* --secrets FILE: name -> value, or null */
  Value envs;   /* --secrets ENV=FILE: env -> {name -> value}, or null */
  char **texts; /* every secret registered, as given */
  size_t ntexts, texts_cap;
  Mask *masks;  /* every form of them that output may hold */
  size_t nmasks, masks_cap;
  size_t maxlen;    /* of the longest mask */
  bool starts[256]; /* whether some mask starts with this byte */
  unsigned char pairs[65536 / 8]; /* bit (a << 8 | b): some mask starts with the bytes a b */
  unsigned char first[PAIRS_MAX][2]; /* those pairs, while there are few */
  int npairs;       /* how many; PAIRS_MAX + 1: too many to list */
  /* The masks as one automaton (Aho-Corasick, as a full transition table
   * over classes of bytes: those no mask holds are one class), rebuilt
   * when secrets are added: output is scanned once, whatever the number of
   * masks. State 0 is the root. */
  unsigned char cls[256]; /* a byte's class */
  size_t ncls;
  uint32_t *next;  /* next[state * ncls + class] */
  uint32_t *depth; /* bytes of text the state stands for */
  bool *ends;      /* some mask ends at this state */
  size_t nstates;
};

Secrets *secrets_new(void) { return xcalloc(1, sizeof(Secrets)); }

void secrets_free(Secrets *s) {
  if (!s) return;
  value_release(s->file);
  value_release(s->envs);
  for (size_t i = 0; i < s->ntexts; i++) free(s->texts[i]);
  free(s->texts);
  for (size_t i = 0; i < s->nmasks; i++) free(s->masks[i].text);
  free(s->masks);
  free(s->next);
  free(s->depth);
  free(s->ends);
  free(s);
}

/* ---- registering ---- */

static void add_mask(Secrets *s, const char *text, size_t len) {
  if (len < SECRET_MIN_LEN) return;
  for (size_t i = 0; i < s->nmasks; i++)
    if (s->masks[i].len == len && !memcmp(s->masks[i].text, text, len)) return;
  Mask m = {xstrndup(text, len), len};
  VEC_PUSH(s->masks, s->nmasks, s->masks_cap, m);
  unsigned a = (unsigned char)text[0], b = (unsigned char)text[1], pair = a << 8 | b;
  if (!(s->pairs[pair / 8] & 1 << pair % 8) && s->npairs <= PAIRS_MAX) {
    if (s->npairs < PAIRS_MAX) s->first[s->npairs][0] = (unsigned char)a, s->first[s->npairs][1] = (unsigned char)b;
    s->npairs++;
  }
  s->pairs[pair / 8] |= (unsigned char)(1 << pair % 8);
  s->starts[a] = true;
  if (len > s->maxlen) s->maxlen = len;
}

/* The trie of the masks, then each state's transitions completed through
 * its failure state, breadth first (a state's failure state is shallower). */
static void build_automaton(Secrets *s) {
  size_t cap = 1;
  memset(s->cls, 0, sizeof s->cls);
  s->ncls = 1;
  for (size_t i = 0; i < s->nmasks; i++) {
    cap += s->masks[i].len;
    for (size_t k = 0; k < s->masks[i].len; k++) {
      unsigned char c = (unsigned char)s->masks[i].text[k];
      if (!s->cls[c]) s->cls[c] = (unsigned char)s->ncls++;
    }
  }
  size_t nc = s->ncls;
  free(s->next), free(s->depth), free(s->ends);
  s->next = xcalloc(cap * nc, sizeof *s->next);
  s->depth = xcalloc(cap, sizeof *s->depth);
  s->ends = xcalloc(cap, sizeof *s->ends);
  s->nstates = 1;
  for (size_t i = 0; i < s->nmasks; i++) {
    uint32_t st = 0;
    for (size_t k = 0; k < s->masks[i].len; k++) {
      uint32_t *to = &s->next[st * nc + s->cls[(unsigned char)s->masks[i].text[k]]];
      if (!*to) {
        *to = (uint32_t)s->nstates++;
        s->depth[*to] = s->depth[st] + 1;
      }
      st = *to;
    }
    s->ends[st] = true;
  }
  uint32_t *fail = xcalloc(s->nstates, sizeof *fail), *queue = xcalloc(s->nstates, sizeof *queue);
  size_t head = 0, tail = 0;
  for (size_t c = 1; c < nc; c++)
    if (s->next[c]) queue[tail++] = s->next[c];
  while (head < tail) {
    uint32_t st = queue[head++];
    s->ends[st] = s->ends[st] || s->ends[fail[st]];
    for (size_t c = 0; c < nc; c++) {
      uint32_t *to = &s->next[st * nc + c];
      if (*to) { /* an edge of the trie: the completed ones are written below */
        fail[*to] = s->next[fail[st] * nc + c];
        queue[tail++] = *to;
      } else {
        *to = s->next[fail[st] * nc + c];
      }
    }
  }
  free(fail);
  free(queue);
}

static void add_mask_taken(Secrets *s, char *text) {
  add_mask(s, text, strlen(text));
  free(text);
}

/* As a JSON string holds it, without the quotes (rp's --json, the journal,
 * json.encode, and the other writers that escape only what JSON requires). */
static char *json_escaped(const char *text, size_t len) {
  Value v = v_str(text, len);
  Buf b = {0};
  json_encode(v, &b, false);
  value_release(v);
  char *inner = xstrndup(b.data + 1, b.len - 2);
  buf_free(&b);
  return inner;
}

/* Percent-encoded, every byte but `keep` and alphanumerics as %XX. */
static char *percent_encoded(const char *text, const char *keep) {
  Buf b = {0};
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(keep, *p))
      buf_putc(&b, (char)*p);
    else
      buf_printf(&b, "%%%02X", *p);
  }
  return buf_take(&b);
}

/* Base64 in both alphabets (RFC 4648 §4 and §5), with and without padding. */
static void add_base64_forms(Secrets *s, const char *text) {
  char *std = base64_encode(text, strlen(text));
  char *url = xstrdup(std);
  for (char *p = url; *p; p++) *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
  add_mask(s, std, strlen(std));
  add_mask(s, std, strcspn(std, "="));
  add_mask(s, url, strlen(url));
  add_mask(s, url, strcspn(url, "="));
  free(std);
  free(url);
}

/* The forms in which a secret can show up in output, each masked: output
 * arrives in lines, so a multi-line secret is masked line by line, each
 * line also JSON-escaped; and the whole secret JSON-escaped, URL-encoded
 * (as encodeURIComponent and as curl_easy_escape do it) and in base64.
 * doc/values.md lists them; a form not here is not masked. */
static void add_forms(Secrets *s, const char *text) {
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    add_mask(s, p, n);
    add_mask_taken(s, json_escaped(p, n));
    p += n + (nl ? 1 : 0);
  }
  add_mask_taken(s, json_escaped(text, strlen(text)));
  add_mask_taken(s, percent_encoded(text, "-_.!~*'()"));
  add_mask_taken(s, percent_encoded(text, "-_.~"));
  add_base64_forms(s, text);
}

static bool add_text(Secrets *s, const char *text) {
  for (size_t i = 0; i < s->ntexts; i++)
    if (!strcmp(s->texts[i], text)) return false;
  VEC_PUSH(s->texts, s->ntexts, s->texts_cap, xstrdup(text));
  add_forms(s, text);
  return true;
}

void secrets_add(Secrets *s, const char *text) {
  if (add_text(s, text)) build_automaton(s);
}

size_t secrets_count(const Secrets *s) { return s->ntexts; }

size_t secrets_forms(const Secrets *s) { return s->nmasks; }

const char *secrets_form(const Secrets *s, size_t i) { return i < s->nmasks ? s->masks[i].text : NULL; }

const char *secrets_text(const Secrets *s, size_t i) { return i < s->ntexts ? s->texts[i] : NULL; }

/* ---- the secrets file ---- */

static bool parse_lines(char *text, const char *path, Value *out, char **err) {
  *out = v_map();
  int lineno = 0;
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    lineno++;
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r') line[--n] = 0;
    while (*line == ' ' || *line == '\t') line++;
    if (!*line || *line == '#') continue;
    if (!strncmp(line, "export ", 7)) line += 7;
    char *eq = strchr(line, '=');
    if (!eq || eq == line) {
      *err = xasprintf("secrets file %s:%d: expected NAME=value", path, lineno);
      value_release(*out);
      return false;
    }
    *eq = 0;
    map_set(*out, line, v_cstr(eq + 1));
  }
  return true;
}

static bool parse_json(const char *text, size_t len, const char *path, Value *out, char **err) {
  char *jerr = NULL;
  if (!json_parse(text, len, out, &jerr)) {
    *err = xasprintf("secrets file %s: %s", path, jerr); /* the parser quotes no values */
    free(jerr);
    return false;
  }
  if (out->kind != V_MAP) {
    value_release(*out);
    *err = xasprintf("secrets file %s: expected an object of strings", path);
    return false;
  }
  return true;
}

/* Reads a secrets file into a map of names to strings; every value is
 * registered (masked from the start of the run, whether a stage asks for
 * it or not). */
static bool load_file(Secrets *s, const char *path, Value *out, char **err) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text) {
    *err = xasprintf("cannot read secrets file %s: %s", path, strerror(errno));
    return false;
  }
  const char *p = text + strspn(text, " \t\r\n");
  Value file;
  bool ok = *p == '{' ? parse_json(text, len, path, &file, err) : parse_lines(text, path, &file, err);
  free(text);
  if (!ok) return false;
  Map *m = as_map(file);
  for (size_t i = 0; i < m->n; i++) {
    size_t n = m->vals[i].kind == V_STRING ? as_str(m->vals[i])->len : 0;
    if (n && n < SECRET_MIN_LEN) {
      *err = xasprintf("secrets file %s: the value of %s is too short to be masked (at least %d characters)", path,
                       m->keys[i]->data, SECRET_MIN_LEN);
      value_release(file);
      return false;
    }
  }
  for (size_t i = 0; i < m->n; i++)
    if (m->vals[i].kind == V_STRING) add_text(s, str_chars(m->vals[i]));
  build_automaton(s);
  *out = file;
  return true;
}

bool secrets_load(Secrets *s, const char *path, char **err) {
  Value file;
  if (!load_file(s, path, &file, err)) return false;
  value_release(s->file);
  s->file = file;
  return true;
}

bool secrets_load_env(Secrets *s, const char *env, const char *path, char **err) {
  Value file;
  if (!load_file(s, path, &file, err)) return false;
  if (s->envs.kind != V_MAP) s->envs = v_map();
  map_set(s->envs, env, file);
  return true;
}

const char *secrets_lookup_in(const Secrets *s, const char *name, const char *env, bool env_only) {
  Value scope = env && s->envs.kind == V_MAP ? map_get(s->envs, env) : V_NULL_VALUE;
  Value own = scope.kind == V_MAP ? map_get(scope, name) : V_NULL_VALUE;
  if (own.kind == V_STRING || env_only) return own.kind == V_STRING ? str_chars(own) : NULL;
  Value v = s->file.kind == V_MAP ? map_get(s->file, name) : V_NULL_VALUE;
  return v.kind == V_STRING ? str_chars(v) : getenv(name);
}

const char *secrets_lookup(const Secrets *s, const char *name) { return secrets_lookup_in(s, name, NULL, false); }

bool secrets_read_in(Secrets *s, const char *name, const char *env, bool env_only, const char **value, char **err) {
  const char *v = secrets_lookup_in(s, name, env, env_only);
  size_t n = v ? strlen(v) : 0;
  if (!v && env_only)
    *err = xasprintf("secret '%s' is not set for environment '%s' (pass --secrets %s=FILE)", name, env, env);
  else if (!v)
    *err = xasprintf("secret '%s' is not set (export it, or pass --secrets FILE)", name);
  else if (n && n < SECRET_MIN_LEN)
    *err = xasprintf("secret '%s' is too short to be masked (%zu character%s; at least %d): it would show in "
                     "every log", name, n, n == 1 ? "" : "s", SECRET_MIN_LEN);
  if (!v || (n && n < SECRET_MIN_LEN)) return false;
  secrets_add(s, v);
  *value = v;
  return true;
}

bool secrets_read(Secrets *s, const char *name, const char **value, char **err) {
  return secrets_read_in(s, name, NULL, false, value, err);
}

/* ---- masking ---- */

/* The length of the longest secret at the start of text[0..len), or 0. */
static size_t match_at(const Secrets *s, const char *text, size_t len) {
  if (!s->starts[(unsigned char)text[0]]) return 0;
  size_t best = 0;
  for (size_t k = 0; k < s->nmasks; k++) {
    const Mask *m = &s->masks[k];
    if (m->len > best && m->len <= len && m->text[0] == text[0] && !memcmp(text, m->text, m->len)) best = m->len;
  }
  return best;
}

/* The first index from k on where a mask may start: its two bytes start
 * one (or the last byte of the text starts one); else len. */
static size_t skip_plain(const Secrets *s, const unsigned char *t, size_t k, size_t len) {
#if defined(__GNUC__) || defined(__clang__)
  typedef unsigned char V16 __attribute__((vector_size(16), aligned(1)));
  typedef uint64_t V2 __attribute__((vector_size(16), aligned(1)));
  if (s->npairs <= PAIRS_MAX)
    for (; k + 17 <= len; k += 16) {
      V16 v0, v1, hit = {0};
      memcpy(&v0, t + k, 16);
      memcpy(&v1, t + k + 1, 16);
      for (int f = 0; f < s->npairs; f++)
        hit |= (V16)(v0 == (V16){0} + s->first[f][0]) & (V16)(v1 == (V16){0} + s->first[f][1]);
      V2 h = (V2)hit;
      if (h[0] | h[1]) break;
    }
#endif
  for (; k + 1 < len; k++) {
    unsigned pair = (unsigned)t[k] << 8 | t[k + 1];
    if (s->pairs[pair / 8] & 1 << pair % 8) return k;
  }
  return k + 1 == len && !s->starts[t[k]] ? len : k;
}

/* Scans text[0..len) from *i in automaton state *st up to the end of the
 * next secret: true with *at, *n its leftmost start and longest length
 * (what the scan one position at a time found); false at the end of the
 * text, *st then standing for its last depth[*st] bytes. */
static bool next_secret(const Secrets *s, const char *text, size_t len, size_t *i, uint32_t *st, size_t *at,
                        size_t *n) {
  const unsigned char *t = (const unsigned char *)text;
  size_t k = *i;
  uint32_t q = *st;
  while (k < len) {
    if (q == 0) k = skip_plain(s, t, k, len); /* most bytes start no secret: skip them without the table */
    if (k == len) break;
    q = s->next[q * s->ncls + s->cls[t[k++]]];
    if (!s->ends[q]) continue;
    /* a secret ends here; none starts before what q stands for */
    for (*at = k - s->depth[q]; !(*n = match_at(s, text + *at, len - *at)); (*at)++) {}
    *i = k, *st = 0;
    return true;
  }
  *i = k, *st = q;
  return false;
}

bool secrets_found(const Secrets *s, const char *text, size_t len) {
  size_t i = 0, at, n;
  uint32_t st = 0;
  return s->nmasks && next_secret(s, text, len, &i, &st, &at, &n);
}

size_t secrets_mask_block(const Secrets *s, const char *text, size_t len, bool final, Buf *b) {
  size_t i = 0, plain = 0, at, n; /* text[plain..) is not copied yet */
  uint32_t st = 0;
  while (s->nmasks && next_secret(s, text, len, &i, &st, &at, &n)) {
    if (!final && at + s->maxlen > len) { /* a longer one may go on in what follows */
      buf_putn(b, text + plain, at - plain);
      return at;
    }
    buf_putn(b, text + plain, at - plain);
    buf_puts(b, "***");
    plain = i = at + n;
  }
  size_t upto = final || !s->nmasks ? len : len - s->depth[st];
  buf_putn(b, text + plain, upto - plain);
  return upto;
}

/* Appends text[0..len) to b with every secret in it replaced. */
static void mask_into(const Secrets *s, const char *text, size_t len, Buf *b) {
  secrets_mask_block(s, text, len, true, b);
}

char *secrets_mask(const Secrets *s, const char *text) {
  if (!text) return NULL;
  Buf b = {0};
  mask_into(s, text, strlen(text), &b);
  return buf_take(&b);
}

/* A string marked secret that holds no registered text (a character of a
 * secret, too short to register) is hidden whole. */
static Value mask_str(const Secrets *s, const Str *str) {
  if (str->secret && str->len && !secrets_found(s, str->data, str->len)) return v_cstr("***");
  Buf b = {0};
  mask_into(s, str->data, str->len, &b);
  Value v = v_str(b.data ? b.data : "", b.len);
  buf_free(&b);
  return v;
}

Value secrets_mask_value(const Secrets *s, Value v) {
  if (!s->nmasks && !value_is_secret(v)) return value_retain(v);
  switch (v.kind) {
  case V_STRING: return mask_str(s, as_str(v));
  case V_LIST: {
    Value out = v_list();
    for (size_t i = 0; i < list_len(v); i++) list_push(out, secrets_mask_value(s, list_get(v, i)));
    return out;
  }
  case V_MAP: {
    Value out = v_map();
    Map *m = as_map(v);
    for (size_t i = 0; i < m->n; i++) {
      Value key = mask_str(s, m->keys[i]);
      map_set_str(out, as_str(key), secrets_mask_value(s, m->vals[i]));
      value_release(key);
    }
    return out;
  }
  default: return value_retain(v);
  }
}

bool secrets_held_by(const Secrets *s, Value v) {
  switch (v.kind) {
  case V_STRING: return secrets_found(s, str_chars(v), as_str(v)->len);
  case V_LIST:
    for (size_t i = 0; i < list_len(v); i++)
      if (secrets_held_by(s, list_get(v, i))) return true;
    return false;
  case V_MAP:
    for (size_t i = 0; i < as_map(v)->n; i++) {
      const Str *key = as_map(v)->keys[i];
      if (secrets_found(s, key->data, key->len) || secrets_held_by(s, as_map(v)->vals[i])) return true;
    }
    return false;
  default: return false;
  }
}

/* ---- what is derived from a secret ---- */

void secrets_add_derived(Secrets *s, Value v) {
  switch (v.kind) {
  case V_STRING: {
    const Str *str = as_str(v);
    if (str->secret && str->len >= SECRET_MIN_LEN && strlen(str->data) == str->len &&
        !secrets_found(s, str->data, str->len))
      secrets_add(s, str->data);
    return;
  }
  case V_LIST:
    for (size_t i = 0; i < list_len(v); i++) secrets_add_derived(s, list_get(v, i));
    return;
  case V_MAP: /* not the keys: a key made of a secret holds it already */
    for (size_t i = 0; i < as_map(v)->n; i++) secrets_add_derived(s, as_map(v)->vals[i]);
    return;
  default: return;
  }
}
