/* test_shtemplate.c — the form of each value's reference, context by
 * context, what is shown for it, and what is refused. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "prim/shtemplate.h"

typedef struct Compiled {
  char *code, *shown, *env1; /* NULL when refused */
  char *err;                 /* "" when not */
} Compiled;

/* `code` with each @ a hole for the next of `values` (a value that starts
 * with '*' is secret). */
static Compiled compile(const char *code, const char *const *values) {
  ShTemplate t = {0};
  int k = 0;
  for (const char *p = code; *p; p++) {
    if (*p != '@') {
      buf_putc(&t.code, *p);
      continue;
    }
    const char *v = values[k++];
    buf_puts(sh_template_hole(&t, *v == '*', v), v);
  }
  Compiled r = {0};
  const void *tag;
  ShCommand *c = sh_template_compile(&t, &r.err, &tag);
  if (!c) return r;
  r.code = xstrdup(c->code);
  r.shown = xstrdup(c->shown);
  r.env1 = c->env[0] ? xstrdup(c->env[0]) : NULL;
  r.err = xstrdup("");
  sh_command_free(c);
  return r;
}

static void compiled_free(Compiled *r) {
  free(r->code), free(r->shown), free(r->env1), free(r->err);
}

static void form(const char *code, const char *want, const char *want_shown) {
  Compiled r = compile(code, (const char *const[]){"it's", "$x", "a\"b", "1"});
  CHECK_STR(r.code, want);
  if (want_shown) CHECK_STR(r.shown, want_shown);
  compiled_free(&r);
}

static void test_forms(void) {
  form("echo @", "echo \"${RP_1}\"", "echo 'it'\\''s'");
  form("echo '@' \"@\"", "echo ''\"${RP_1}\"'' \"${RP_2}\"", "echo 'it'\\''s' \"\\$x\"");
  form("echo \"$(echo @)\"", "echo \"$(echo \"${RP_1}\")\"", NULL);
  form("echo \"`echo @`\" `echo @`", "echo \"`echo \"${RP_1}\"`\" `echo \"${RP_2}\"`", NULL);
  form("x=$(case a in a) echo;; esac) \"@\"", "x=$(case a in a) echo;; esac) \"${RP_1}\"", NULL);
  form("echo ${A:-@} \"${A:-@}\"", "echo ${A:-\"${RP_1}\"} \"${A:-${RP_2}}\"", NULL);
  form("cat <<EOF\n'@' \"$(echo @)\"\nEOF\necho @",
       "cat <<EOF\n'${RP_1}' \"$(echo \"${RP_2}\")\"\nEOF\necho \"${RP_3}\"",
       "cat <<EOF\n'it's' \"$(echo '$x')\"\nEOF\necho 'a\"b'");
  form("cat <<-EOF; echo @\n\t@\n\tEOF\n", "cat <<-EOF; echo \"${RP_1}\"\n\t${RP_2}\n\tEOF\n", NULL);
  form("cat <<A <<'B'\n@\nA\nB\necho '@'", "cat <<A <<'B'\n${RP_1}\nA\nB\necho ''\"${RP_2}\"''", NULL);
  form("echo a#b @ # @ \"\n@", "echo a#b \"${RP_1}\" # \"${RP_2}\" \"\n\"${RP_3}\"", NULL);
  form("echo \\\" @", "echo \\\" \"${RP_1}\"", NULL);
  form("echo $(( 2 * @ ))", NULL, NULL); /* refused: not an integer */

  Compiled r = compile("echo $((@ + 1)) @", (const char *const[]){"-12", "*hidden"});
  CHECK_STR(r.code, "echo $((${RP_1} + 1)) \"${RP_2}\"");
  CHECK_STR(r.shown, "echo $((-12 + 1)) ***");
  CHECK_STR(r.env1, "RP_1=-12");
  compiled_free(&r);
}

static void refused(const char *code, const char *value, const char *why) {
  Compiled r = compile(code, (const char *const[]){value});
  CHECK(!r.code);
  CHECK(r.err && strstr(r.err, why));
  if (r.err && !strstr(r.err, why)) fprintf(stderr, "    error: %s\n", r.err);
  compiled_free(&r);
}

static void test_refused(void) {
  refused("cat <<'EOF'\n@\nEOF", "v", "quoted here-document (<<'EOF')");
  refused("cat <<\"E\"\n@\nE", "v", "quoted here-document (<<'E')");
  refused("cat <<\\E\n@\nE", "v", "quoted here-document");
  refused("cat <<@\nx\n", "EOF", "delimiter");
  refused("echo $((@))", "a[$(touch x)]", "must be an integer");
  refused("echo \"$((1 + @))\"", "", "must be an integer");
  refused("echo \\@", "v", "backslash");
  refused("echo \"$@\"", "v", "a $ right before");
  ShTemplate t = {0};
  buf_putn(sh_template_hole(&t, false, NULL), "a\0b", 3);
  char *err;
  const void *tag;
  CHECK(!sh_template_compile(&t, &err, &tag));
  CHECK(strstr(err, "NUL"));
  free(err);
}

int main(void) {
  test_forms();
  test_refused();
  return check_done();
}
