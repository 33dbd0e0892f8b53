/* ci.c — CI runners' log syntax, annotations, masks and outputs. */
#include "run/ci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static bool env_is(const char *name, const char *value) {
  const char *v = getenv(name);
  return v && !strcmp(v, value);
}

CiRunner ci_runner(void) {
  if (env_is("GITHUB_ACTIONS", "true")) return CI_GITHUB;
  if (env_is("GITLAB_CI", "true")) return CI_GITLAB;
  return CI_NONE;
}

void ci_escape(Buf *b, const char *s, bool property) {
  for (; *s; s++) {
    if (*s == '%') buf_puts(b, "%25");
    else if (*s == '\r') buf_puts(b, "%0D");
    else if (*s == '\n') buf_puts(b, "%0A");
    else if (property && *s == ':') buf_puts(b, "%3A");
    else if (property && *s == ',') buf_puts(b, "%2C");
    else buf_putc(b, *s);
  }
}

void ci_annotation(Buf *b, const char *level, const char *file, unsigned line, unsigned col, const char *title,
                   const char *msg) {
  buf_printf(b, "::%s ", level);
  if (file) {
    buf_puts(b, "file=");
    ci_escape(b, file, true);
    buf_printf(b, ",line=%u,col=%u,", line, col);
  }
  buf_puts(b, "title=");
  ci_escape(b, title, true);
  buf_puts(b, "::");
  ci_escape(b, msg, false);
  buf_putc(b, '\n');
}

void ci_annotate_diags(const Diags *d, FILE *out) {
  if (ci_runner() != CI_GITHUB) return;
  Buf b = {0};
  for (int i = 0; i < d->n; i++) {
    const Diag *g = &d->items[i];
    if (g->level == DIAG_NOTE) continue;
    const char *level = g->level == DIAG_ERROR ? "error" : "warning";
    ci_annotation(&b, level, g->src ? g->src->path : NULL, g->pos.line, g->pos.col, "rp check", g->msg);
  }
  if (b.len) fwrite(b.data, 1, b.len, out);
  fflush(out);
  buf_free(&b);
}

/* The runner hides each from then on; the command line itself is not
 * shown in the log. */
void ci_add_masks(Buf *b, const Secrets *s, size_t *told) {
  for (; *told < secrets_forms(s); ++*told) {
    buf_puts(b, "::add-mask::");
    ci_escape(b, secrets_form(s, *told), false);
    buf_putc(b, '\n');
  }
}

/* What GitLab accepts in a section's name: letters, digits, _ . - */
static void section_name(Buf *b, int index, const char *stage) {
  buf_printf(b, "rp_%d_", index);
  for (const char *p = stage; *p; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-';
    buf_putc(b, ok ? c : '_');
  }
}

/* A title on one line, without what a terminal would act on. */
static void plain_title(Buf *b, const char *s) {
  for (; *s; s++) buf_putc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

void ci_group_open(Buf *b, CiRunner ci, int index, const char *stage) {
  if (ci == CI_GITHUB) {
    buf_puts(b, "::group::");
    ci_escape(b, stage, false);
    buf_putc(b, '\n');
  } else if (ci == CI_GITLAB) {
    buf_printf(b, "\033[0Ksection_start:%lld:", (long long)time(NULL));
    section_name(b, index, stage);
    buf_puts(b, "[collapsed=true]\r\033[0K");
    plain_title(b, stage);
    buf_putc(b, '\n');
  }
}

void ci_group_close(Buf *b, CiRunner ci, int index, const char *stage) {
  if (ci == CI_GITHUB) {
    buf_puts(b, "::endgroup::\n");
  } else if (ci == CI_GITLAB) {
    buf_printf(b, "\033[0Ksection_end:%lld:", (long long)time(NULL));
    section_name(b, index, stage);
    buf_puts(b, "\r\033[0K\n");
  }
}

void ci_markdown_text(Buf *b, const char *s) {
  for (; *s; s++) {
    if (*s == '<') buf_puts(b, "&lt;");
    else if (*s == '>') buf_puts(b, "&gt;");
    else if (*s == '&') buf_puts(b, "&amp;");
    else if ((unsigned char)*s < 0x20 || *s == 0x7f) buf_putc(b, ' '); /* a line break, or a terminal escape in GitLab's log */
    else if (strchr("\\`*_[]|#!~", *s)) buf_putc(b, '\\'), buf_putc(b, *s);
    else buf_putc(b, *s);
  }
}

bool ci_url_linkable(const char *url) {
  size_t scheme = !strncasecmp(url, "https://", 8) ? 8 : !strncasecmp(url, "http://", 7) ? 7 : 0;
  if (!scheme || !url[scheme]) return false;
  for (const unsigned char *p = (const unsigned char *)url; *p; p++)
    if (*p <= 0x20 || *p == 0x7f) return false;
  return true;
}

void ci_markdown_url(Buf *b, const char *url) {
  if (!ci_url_linkable(url)) {
    ci_markdown_text(b, url);
    return;
  }
  buf_putc(b, '[');
  ci_markdown_text(b, url);
  buf_puts(b, "](");
  for (const unsigned char *p = (const unsigned char *)url; *p; p++)
    if (*p >= 0x80 || strchr("()<>[]\\`\"'|*_", *p)) buf_printf(b, "%%%02X", *p);
    else buf_putc(b, (char)*p);
  buf_putc(b, ')');
}

bool ci_write_environment_url(const char *url, char **err) {
  if (ci_runner() != CI_GITLAB || !ci_url_linkable(url) || strncasecmp(url, "https://", 8)) return true;
  FILE *f = fopen(CI_ENVIRONMENT_FILE, "w");
  bool ok = f && fprintf(f, "RP_ENVIRONMENT_ADDRESS=%s\n", url + 8) > 0;
  if (f && fclose(f) != 0) ok = false;
  if (!ok) *err = xasprintf("cannot write %s: %s", CI_ENVIRONMENT_FILE, strerror(errno));
  return ok;
}

/* ---- $GITHUB_OUTPUT ---- */

/* What GitHub reads back as an output's name. */
static bool output_name_ok(const char *name) {
  if (!*name) return false;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
          *p == '-'))
      return false;
  return true;
}

/* A delimiter the value does not hold, random so that no value can be
 * written to hold it ahead of time. */
static char *delimiter_for(const char *value) {
  for (;;) {
    unsigned char r[12];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, r, sizeof r) : -1;
    if (fd >= 0) close(fd);
    if (n != (ssize_t)sizeof r)
      for (size_t i = 0; i < sizeof r; i++) r[i] = (unsigned char)(rand() ^ (int)time(NULL) ^ (int)getpid());
    Buf d = {0};
    buf_puts(&d, "rp_EOF_");
    for (size_t i = 0; i < sizeof r; i++) buf_printf(&d, "%02x", r[i]);
    if (!strstr(value, d.data)) return buf_take(&d);
    buf_free(&d);
  }
}

static void skip(Buf *skipped, const char *name) {
  if (skipped->len) buf_puts(skipped, ", ");
  buf_puts(skipped, name);
}

bool ci_write_outputs(const char *path, Value outputs, const Secrets *secrets, char **skipped, char **err) {
  *skipped = NULL;
  if (outputs.kind != V_MAP) return true;
  Buf b = {0}, left = {0};
  Map *m = as_map(outputs);
  for (size_t i = 0; i < m->n; i++) {
    const char *name = m->keys[i]->data;
    Value v = m->vals[i];
    if (value_is_secret(v) || secrets_held_by(secrets, v) || !output_name_ok(name)) {
      skip(&left, name);
      continue;
    }
    char *text = NULL;
    if (v.kind == V_STRING) {
      text = xstrdup(str_chars(v));
    } else {
      Buf j = {0};
      json_encode(v, &j, false);
      text = buf_take(&j);
    }
    char *delim = delimiter_for(text);
    buf_printf(&b, "%s<<%s\n%s\n%s\n", name, delim, text, delim);
    free(delim);
    free(text);
  }
  bool ok = true;
  if (b.len) {
    FILE *f = fopen(path, "a");
    ok = f && fwrite(b.data, 1, b.len, f) == b.len;
    if (f && fclose(f) != 0) ok = false;
    if (!ok) *err = xasprintf("cannot write %s: %s", path, strerror(errno));
  }
  buf_free(&b);
  *skipped = left.len ? buf_take(&left) : NULL;
  buf_free(&left);
  return ok;
}
