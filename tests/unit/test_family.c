/* test_family.c — adding a family of primitives, as doc/hacking.md says:
 * a table of rows with their C functions, put in the list of families the
 * checker and the interpreter are given. Here the toy family `toy.echo`
 * is added to rp's own; the checker then validates calls to it and the
 * interpreter runs them, and without it neither knows the name. */
#include "check.h"
#include "eval/families.h"
#include "eval/prim.h"
#include "lang/check.h"
#include "lang/parser.h"

/* ---- the family: what eval/prim_toy.c would hold ---- */

static bool n_echo(Interp *I, const CallSite *cs, Value *args, int nargs, Value *out) {
  Value text, times;
  ARG(0, V_STRING, true, &text);
  ARG(1, V_INT, true, &times); /* never null: it has a default */
  if (times.as.i < 0) return FAIL("%s: 'times' must not be negative", cs->name);
  Buf b = {0};
  for (int64_t i = 0; i < times.as.i; i++) buf_puts(&b, str_chars(text));
  *out = v_str(b.data ? b.data : "", b.len);
  buf_free(&b);
  return true;
}

static const Primitive toy_prims[] = {
    {"echo", "text times=1", n_echo, "`text`, `times` times over"},
};

static const PrimFamily prim_family_toy = PRIM_FAMILY("toy", "A family of one primitive, for tests.", NULL, toy_prims);

/* ---- its registration: rp's list and one more line ---- */

static const PrimFamily **with_toy(void) {
  int n = 0;
  while (rp_families[n]) n++;
  const PrimFamily **fams = xcalloc((size_t)n + 2, sizeof *fams);
  memcpy(fams, rp_families, (size_t)n * sizeof *fams);
  fams[n] = &prim_family_toy;
  return fams;
}

/* A snippet parsed and checked against some families: the messages of
 * its errors, one a line. */
typedef struct Checked {
  Program *p;
  Imports *im;
  char *errors;
} Checked;

static Checked check_text(const char *text, const PrimFamily *const *fams) {
  Checked c = {0};
  Diags d = {0};
  c.p = parse_program(source_from_string("toy.rp", text), &d);
  CHECK_INT(d.nerrors, 0); /* the snippets parse */
  c.im = imports_new(fams);
  check_program(c.p, c.im, &d);
  Buf b = {0};
  for (int i = 0; i < d.n; i++)
    if (d.items[i].level == DIAG_ERROR) buf_printf(&b, "%s\n", d.items[i].msg);
  c.errors = buf_take(&b);
  diags_free(&d);
  return c;
}

/* Runs its first stage; the interpreter holds the outputs or the error. */
static Interp *run_stage(const Checked *c, bool *ok) {
  Interp *I = interp_new(c->p, c->im);
  *ok = interp_run_stage(I, c->p->stages[0]->as.stage, V_NULL_VALUE);
  return I;
}

static void checked_done(Checked *c) {
  free(c->errors);
  checked_free(c->p, c->im);
}

static void test_checked_and_run(const PrimFamily *const *fams) {
  Checked c = check_text("stage s {\n"
                         "  let a = toy.echo(\"hi\")\n"
                         "  let b = toy.echo(times: 2, text: \"ho\")\n"
                         "  output r = \"${a} ${b}\"\n"
                         "}\n",
                         fams);
  CHECK_STR(c.errors, "");
  bool ok;
  Interp *I = run_stage(&c, &ok);
  CHECK(ok);
  Value r = map_get(interp_outputs(I, "s"), "r");
  CHECK_STR(r.kind == V_STRING ? str_chars(r) : NULL, "hi hoho");
  interp_free(I);
  checked_done(&c);
}

static void test_rejected(const PrimFamily *const *fams) {
  Checked c = check_text("stage s {\n"
                         "  toy.echo()\n"
                         "  toy.echo(\"a\", 1, 2)\n"
                         "  toy.echo(txt: \"a\")\n"
                         "  toy.ecko(\"a\")\n"
                         "  let toy = 1\n"
                         "}\n",
                         fams);
  CHECK_STR(c.errors, "missing argument 'text' to toy.echo\n"
                      "too many arguments to toy.echo (it takes at most 2)\n"
                      "unknown argument 'txt' to toy.echo (did you mean 'text'?)\n"
                      "missing argument 'text' to toy.echo\n"
                      "unknown function 'toy.ecko' (did you mean 'toy.echo'?)\n"
                      "cannot name a variable 'toy': it is a module of primitives\n");
  checked_done(&c);
}

/* The run-time checks of the bindings: an argument of the wrong kind. */
static void test_runtime_error(const PrimFamily *const *fams) {
  Checked c = check_text("stage s { toy.echo(\"a\", times: \"2\") }\n", fams);
  CHECK_STR(c.errors, "");
  bool ok;
  Interp *I = run_stage(&c, &ok);
  CHECK(!ok);
  CHECK_STR(interp_last_error(I) ? interp_last_error(I)->msg : NULL, "toy.echo: 'times' must be a int, not string");
  interp_free(I);
  checked_done(&c);
}

/* Only the families given exist: rp's own list knows no toy. */
static void test_not_given(void) {
  Checked c = check_text("stage s { toy.echo(\"hi\") }\n", rp_families);
  CHECK(!strncmp(c.errors, "undefined variable 'toy'", 24));
  checked_done(&c);
}

int main(void) {
  const PrimFamily **fams = with_toy();
  test_checked_and_run(fams);
  test_rejected(fams);
  test_runtime_error(fams);
  test_not_given();
  free(fams);
  return check_done();
}
