/* test_secrets.c — the run's secrets: masking (longest first, line by line,
 * short texts left alone, encoded forms), registering once, what is derived
 * from a secret, the secrets file in both forms, lookup before the
 * environment, refusing what cannot be masked, and masking a value. */
#include <unistd.h>

#include "check_values.h"
#include "core/secrets.h"

#define CHECK_MASK(s, text, want)                                                                  \
  do {                                                                                             \
    char *got_ = secrets_mask((s), (text));                                                        \
    check_str_at(got_, (want), "secrets_mask(" #text ")", __FILE__, __LINE__);                     \
    free(got_);                                                                                    \
  } while (0)

static void test_mask(void) {
  Secrets *s = secrets_new();
  CHECK_MASK(s, "nothing to hide", "nothing to hide");
  CHECK(secrets_mask(s, NULL) == NULL);
  secrets_add(s, "tok");
  secrets_add(s, "token-123");
  secrets_add(s, "ab"); /* too short to mask */
  CHECK_MASK(s, "token-123 tok ab", "*** *** ab");
  CHECK_MASK(s, "tokentok", "***en***");
  CHECK_MASK(s, "", "");
  /* line by line, as output arrives */
  secrets_add(s, "first-line\nsecond-line\nxy");
  CHECK_MASK(s, "a first-line b", "a *** b");
  CHECK_MASK(s, "second-line", "***");
  /* registered once; the count is what a stage sends back */
  CHECK_INT(secrets_count(s), 4);
  secrets_add(s, "tok");
  CHECK_INT(secrets_count(s), 4);
  CHECK_STR(secrets_text(s, 1), "token-123");
  CHECK(secrets_text(s, 4) == NULL);
  secrets_free(s);
}

/* Each encoded form of a secret that output may hold is masked. */
static void test_forms(void) {
  Secrets *s = secrets_new();
  secrets_add(s, "pa\"ss\\wd");
  CHECK_MASK(s, "{\"t\":\"pa\\\"ss\\\\wd\"}", "{\"t\":\"***\"}"); /* JSON-escaped */
  secrets_add(s, "line-one\nsay \"two\"");
  CHECK_MASK(s, "[\"line-one\\nsay \\\"two\\\"\"]", "[\"***\"]"); /* the whole, escaped */
  CHECK_MASK(s, "\"say \\\"two\\\"\"", "\"***\"");                /* one line, escaped */
  secrets_add(s, "p@ss w/rd!");
  CHECK_MASK(s, "?a=p%40ss%20w%2Frd!&b", "?a=***&b");   /* encodeURIComponent */
  CHECK_MASK(s, "?a=p%40ss%20w%2Frd%21&b", "?a=***&b"); /* curl_easy_escape */
  CHECK_MASK(s, "cEBzcyB3L3JkIQ== cEBzcyB3L3JkIQ", "*** ***");
  secrets_add(s, "ab>?c~d");
  CHECK_MASK(s, "YWI+P2N+ZA== YWI-P2N-ZA== YWI+P2N+ZA YWI-P2N-ZA", "*** *** *** ***");
  CHECK_MASK(s, "ab%3E%3Fc~d", "***");
  secrets_free(s);
}

/* Text derived from a secret is registered unless it holds one already. */
static void test_derived(void) {
  Secrets *s = secrets_new();
  secrets_add(s, "user:hunter22");
  Value list = v_list();
  list_push(list, value_mark_secret(v_cstr("user")));
  list_push(list, value_mark_secret(v_cstr("hunter22")));
  list_push(list, value_mark_secret(v_cstr("pw")));             /* too short: never masked */
  list_push(list, value_mark_secret(v_cstr("is user:hunter22"))); /* holds the secret already */
  Value m = v_map();
  map_set(m, "HUNTER22", list);
  Value empty = value_mark_secret(v_map()); /* nothing to mark */
  CHECK(empty.kind == V_MAP && !value_is_secret(empty));
  value_release(empty);
  Value marked = value_mark_secret(m); /* the values; a key stays as it was */
  CHECK(value_is_secret(marked) && !as_map(marked)->keys[0]->secret);
  map_set(marked, "plain", v_cstr("plain-text")); /* not secret */
  secrets_add_derived(s, marked);
  CHECK_INT(secrets_count(s), 3);
  CHECK_MASK(s, "user hunter22 pw HUNTER22 plain-text", "*** *** pw HUNTER22 plain-text");
  value_release(marked);
  secrets_free(s);
}

static void test_read(void) {
  Secrets *s = secrets_new();
  const char *v = NULL;
  char *err = NULL;
  setenv("RP_TEST_SHORT", "ab", 1);
  setenv("RP_TEST_LONG", "abc", 1);
  CHECK(!secrets_read(s, "RP_TEST_SHORT", &v, &err));
  CHECK(err && strstr(err, "secret 'RP_TEST_SHORT' is too short to be masked (2 characters; at least 3)") &&
        !strstr(err, "ab)"));
  free(err);
  err = NULL;
  CHECK(!secrets_read(s, "RP_TEST_UNSET_NAME", &v, &err));
  CHECK(err && strstr(err, "secret 'RP_TEST_UNSET_NAME' is not set"));
  free(err);
  err = NULL;
  CHECK(secrets_read(s, "RP_TEST_LONG", &v, &err) && !strcmp(v, "abc"));
  CHECK_MASK(s, "abc", "***");
  secrets_free(s);
}

static void test_mask_value(void) {
  Secrets *s = secrets_new();
  Value v = v_map();
  map_set(v, "plain", v_cstr("ok"));
  Value list = v_list();
  list_push(list, v_cstr("key=hunter22"));
  list_push(list, v_int(7));
  map_set(v, "items", list);
  map_set(v, "hunter22", v_bool(true));
  Value same = secrets_mask_value(s, v); /* nothing registered: unchanged */
  CHECK(same.as.obj == v.as.obj);
  value_release(same);
  secrets_add(s, "hunter22");
  Value m = secrets_mask_value(s, v);
  CHECK_SHOW(m, "{plain: \"ok\", items: [\"key=***\", 7], \"***\": true}");
  CHECK_SHOW(v, "{plain: \"ok\", items: [\"key=hunter22\", 7], hunter22: true}"); /* the original stays */
  value_release(m);
  value_release(v);
  secrets_free(s);
}

static char *write_temp(const char *text) {
  char *path = xstrdup("/tmp/rp-test-secrets-XXXXXX");
  int fd = mkstemp(path);
  CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
  return path;
}

static void test_load(void) {
  char *env = write_temp("# a comment\n\nexport FROM_ENV_FILE=value-one\r\nOTHER=value=two\n");
  char *json = write_temp("  {\"JSON_ONE\": \"json-value\", \"N\": 3}");
  char *bad = write_temp("NAME=ok\nno equals sign here\n");
  char *broken = write_temp("{\"A\": \"not-closed\"");
  char *shorter = write_temp("LONG=long-enough\nSHORT=xy\n");
  Secrets *s = secrets_new();
  char *err = NULL;
  CHECK(secrets_load(s, env, &err));
  CHECK_STR(secrets_lookup(s, "FROM_ENV_FILE"), "value-one");
  CHECK_STR(secrets_lookup(s, "OTHER"), "value=two");
  /* every value is masked as soon as the file is read */
  CHECK_MASK(s, "value-one value=two", "*** ***");
  CHECK(secrets_load(s, json, &err));
  CHECK_STR(secrets_lookup(s, "JSON_ONE"), "json-value");
  CHECK(secrets_lookup(s, "FROM_ENV_FILE") == NULL); /* the last file read is the one consulted */
  CHECK_MASK(s, "json-value", "***");
  /* not in the file: the environment */
  setenv("RP_TEST_SECRET_ENV", "from-environment", 1);
  CHECK_STR(secrets_lookup(s, "RP_TEST_SECRET_ENV"), "from-environment");
  unsetenv("N");
  CHECK(secrets_lookup(s, "N") == NULL); /* only strings are secrets */
  CHECK(!secrets_load(s, bad, &err));
  CHECK(err && strstr(err, ":2: expected NAME=value") && !strstr(err, "no equals"));
  free(err);
  err = NULL;
  CHECK(!secrets_load(s, broken, &err));
  CHECK(err && !strstr(err, "not-closed")); /* the parser quotes no values */
  free(err);
  err = NULL;
  CHECK(!secrets_load(s, "/nonexistent/secrets", &err));
  CHECK(err && strstr(err, "cannot read secrets file /nonexistent/secrets"));
  free(err);
  err = NULL;
  /* a value too short to mask is refused, the file with it */
  CHECK(!secrets_load(s, shorter, &err));
  CHECK(err && strstr(err, ": the value of SHORT is too short to be masked (at least 3 characters)"));
  free(err);
  CHECK_MASK(s, "long-enough", "long-enough");
  secrets_free(s);
  char *paths[] = {env, json, bad, broken, shorter};
  for (int i = 0; i < 5; i++) {
    unlink(paths[i]);
    free(paths[i]);
  }
}

/* What masking must do, one position at a time: the leftmost secret, the
 * longest there. Only the texts themselves: over the alphabet "abcd" their
 * encoded forms (base64...) cannot occur. */
static char *mask_naive(const char **texts, int n, const char *text) {
  Buf b = {0};
  for (size_t i = 0, len = strlen(text); i < len;) {
    size_t best = 0;
    for (int k = 0; k < n; k++)
      if (strlen(texts[k]) > best && !strncmp(text + i, texts[k], strlen(texts[k]))) best = strlen(texts[k]);
    if (best) buf_puts(&b, "***"), i += best;
    else buf_putc(&b, text[i++]);
  }
  return buf_take(&b);
}

/* One scan of the automaton gives what the naive search gives, on random
 * text full of overlapping secrets, whole or cut in random pieces (a piece
 * not final keeps back what a secret may go on from). */
static void test_mask_block(void) {
  const char *texts[] = {"abc", "abcd", "bca", "cabab", "dddd", "bab"};
  Secrets *s = secrets_new();
  for (int k = 0; k < 6; k++) secrets_add(s, texts[k]);
  srand(7);
  for (int round = 0; round < 2000; round++) {
    char text[200];
    size_t len = (size_t)(rand() % 199);
    for (size_t i = 0; i < len; i++) text[i] = "abcd"[rand() % 4];
    text[len] = 0;
    char *want = mask_naive(texts, 6, text);
    char *got = secrets_mask(s, text);
    CHECK_STR(got, want);
    CHECK(secrets_found(s, text, len) == (strcmp(want, text) != 0));
    Buf b = {0}, rest = {0};
    for (size_t at = 0; at < len;) {
      size_t n = 1 + (size_t)(rand() % 12);
      if (n > len - at) n = len - at;
      buf_putn(&rest, text + at, n);
      at += n;
      size_t took = secrets_mask_block(s, rest.data, rest.len, at == len, &b);
      memmove(rest.data, rest.data + took, rest.len - took);
      rest.len -= took;
    }
    CHECK_INT(rest.len, 0);
    CHECK_STR(b.data ? b.data : "", want);
    buf_free(&b), buf_free(&rest);
    free(got), free(want);
  }
  secrets_free(s);
}

/* A secret cut in two by the read that brought it is masked. */
static void test_mask_split(void) {
  Secrets *s = secrets_new();
  secrets_add(s, "s3cr3t-t0k3n");
  Buf b = {0};
  const char *first = "log: s3cr3", *second = "t-t0k3n done\n";
  size_t took = secrets_mask_block(s, first, strlen(first), false, &b);
  CHECK_INT(took, 5); /* "s3cr3" waits for what follows */
  char *joined = xasprintf("%s%s", first + took, second);
  secrets_mask_block(s, joined, strlen(joined), true, &b);
  CHECK_STR(b.data, "log: *** done\n");
  free(joined);
  buf_free(&b);
  secrets_free(s);
}

int main(void) {
  test_mask();
  test_mask_block();
  test_mask_split();
  test_forms();
  test_derived();
  test_read();
  test_mask_value();
  test_load();
  return check_done();
}
