/* approval.c — signed decisions at approval gates (approval.h). */
#include "run/approval.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prim/git.h"
#include "prim/sshsig.h"
#include "run/deploy.h"
#include "run/event.h"
#include "run/state.h"

static void text_field(Buf *b, const char *name, const char *value) {
  buf_printf(b, "%s ", name);
  Value v = value ? v_cstr(value) : v_null();
  json_encode(v, b, false);
  value_release(v);
  buf_putc(b, '\n');
}

char *approval_text(const char *run_id, const Decision *d) {
  Buf b = {0};
  buf_puts(&b, "rp-approval 1\n");
  char *at = state_format_time(d->at_ms);
  text_field(&b, "run", run_id);
  text_field(&b, "environment", d->env);
  text_field(&b, "version", d->version);
  text_field(&b, "decision", d->approved ? "approved" : "rejected");
  text_field(&b, "reviewer", d->by);
  text_field(&b, "time", at);
  text_field(&b, "comment", d->comment);
  free(at);
  return buf_take(&b);
}

/* A string literal setting of env's approval, or NULL. */
static bool approval_string(const Environment *env, const char *key, const char **text, uint32_t *len) {
  Node *n = env->approval ? settings_get(&env->approval->as.settings, key) : NULL;
  return n && string_is_plain(n, text, len);
}

bool approval_is_signed(const Environment *env) {
  return env->approval && settings_get(&env->approval->as.settings, "signers");
}

char *approval_signers(const Environment *env, const char *pipeline_file) {
  const char *text;
  uint32_t len;
  if (!approval_string(env, "signers", &text, &len)) return NULL;
  const char *slash = strrchr(pipeline_file, '/');
  if (text[0] == '/' || !slash) return xstrndup(text, len);
  return xasprintf("%.*s/%.*s", (int)(slash - pipeline_file), pipeline_file, (int)len, text);
}

char *approval_reviewer(const Environment *env, const char *name) {
  Value reviewers = gate_reviewers(env);
  char *found = NULL;
  for (size_t i = 0; name && i < list_len(reviewers) && !found; i++)
    if (!strcasecmp(str_chars(list_get(reviewers, i)), name)) found = xstrdup(str_chars(list_get(reviewers, i)));
  value_release(reviewers);
  return found;
}

/* Why d's signature does not prove that `reviewer` took it; NULL if it does. */
static char *signature_problem(const char *signers, const char *reviewer, const RunState *r, const Decision *d) {
  if (!d->signature)
    return xasprintf("unsigned: the gate of '%s' counts only decisions signed with a key its signers file lists "
                     "(rp approve --key)", d->env);
  char *text = approval_text(r->id, d), *why = NULL, *msg = NULL;
  SshsigVerdict v = sshsig_verify(signers, reviewer, APPROVAL_NAMESPACE, text, strlen(text), d->signature, &why);
  if (v == SSHSIG_BAD) msg = xasprintf("not signed by %s for this decision (%s): %s", reviewer, signers, why);
  else if (v == SSHSIG_UNCHECKED) msg = xasprintf("its signature cannot be checked: %s", why);
  free(why);
  free(text);
  return msg;
}

char *approval_shown_name(const char *by) {
  if (!by) return xstrdup("?");
  for (const unsigned char *c = (const unsigned char *)by; *c; c++)
    if (*c < 0x20 || *c == 0x7f) {
      Buf b = {0};
      Value v = v_cstr(by);
      json_encode(v, &b, false);
      value_release(v);
      return buf_take(&b);
    }
  return xstrdup(by);
}

char *approval_check(const Program *p, const RunState *r, const Decision *d) {
  const Environment *env = program_environment(p, d->env);
  if (!env) return xasprintf("the pipeline has no environment '%s' now", d->env);
  if (!d->by) return xstrdup("it names no reviewer");
  char *why = approval_shown_name(d->by);
  if (strcmp(why, d->by)) {
    char *msg = xasprintf("its reviewer's name %s has control characters", why);
    free(why);
    return msg;
  }
  free(why), why = NULL;
  const char *actor = r->actor ? r->actor : event_actor(r->event);
  if (!gate_may_approve(env, actor, d->by, &why)) return why;
  char *signers = approval_signers(env, p->src->path);
  if (signers) {
    char *reviewer = approval_reviewer(env, d->by);
    why = signature_problem(signers, reviewer, r, d);
    free(reviewer);
    free(signers);
  }
  return why;
}

void approval_review(RunState *r, const Program *p) {
  for (size_t i = 0; i < r->ndecisions; i++) {
    free(r->decisions[i].ignored);
    r->decisions[i].ignored = approval_check(p, r, &r->decisions[i]);
  }
  /* a rejection that does not count does not end the run */
  const Decision *g = run_state_gate_decision(r);
  if (r->status == RUN_REJECTED && !r->finished_ms && (!g || g->approved)) r->status = RUN_WAITING;
}

char *approval_signing_key(const char *given, const char *dir) {
  char *key = NULL;
  if (given && *given) key = xstrdup(given);
  else if (getenv("RP_SIGNING_KEY") && *getenv("RP_SIGNING_KEY")) key = xstrdup(getenv("RP_SIGNING_KEY"));
  else {
    GitCtx *git = gitp_new();
    key = gitp_config_string(git, dir, "user.signingkey");
    gitp_free(git);
  }
  const char *home = getenv("HOME");
  if (key && !strncmp(key, "~/", 2) && home) {
    char *full = xasprintf("%s/%s", home, key + 2);
    free(key);
    key = full;
  }
  return key;
}

bool approval_sign(const char *key, const char *run_id, Decision *d, char **err) {
  if (!strncmp(key, "key::", 5)) {
    *err = xstrdup("git's user.signingkey holds a literal key (key::...): pass the key file with --key");
    return false;
  }
  char *text = approval_text(run_id, d), *why = NULL;
  bool ok = sshsig_sign(key, APPROVAL_NAMESPACE, text, strlen(text), &d->signature, &why);
  if (!ok) {
    *err = xasprintf("cannot sign with %s: %s", key, why);
    free(why);
  }
  free(text);
  return ok;
}
