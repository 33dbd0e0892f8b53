/* ci.h — speaking a CI runner's language (doc/ci.md, "Inside a runner"):
 * GitHub Actions workflow commands (groups, ::add-mask::, ::error
 * annotations, the step summary, $GITHUB_OUTPUT) and GitLab CI's
 * collapsible sections. The Reporter (run/output.c) decides when; this
 * module knows how each runner spells it. */
#ifndef RP_CI_H
#define RP_CI_H

#include <stdbool.h>

#include "core/secrets.h"
#include "lang/diag.h"

typedef enum { CI_NONE, CI_GITHUB, CI_GITLAB } CiRunner;

/* In GitLab CI the run's Markdown summary goes to this file, in the
 * directory rp runs in (for the job's `artifacts:`). */
#define CI_SUMMARY_FILE "rp-summary.md"

/* GITHUB_ACTIONS=true, else GITLAB_CI=true, else none. */
CiRunner ci_runner(void);

/* A workflow command's value: %, CR and LF escaped (and , : in a
 * property), so that text from anywhere cannot end the command early. */
void ci_escape(Buf *b, const char *s, bool property);
/* ::error file=F,line=L,col=C,title=T::MESSAGE (file NULL: no position);
 * `level` is "error" or "warning". */
void ci_annotation(Buf *b, const char *level, const char *file, unsigned line, unsigned col, const char *title,
                   const char *msg);
/* A GitHub annotation for each error and warning of `d` on `out` (only
 * inside GitHub Actions): `rp check` errors show on the pull request. */
void ci_annotate_diags(const Diags *d, FILE *out);
/* ::add-mask:: for the secrets' forms from *told on (secrets_form). */
void ci_add_masks(Buf *b, const Secrets *s, size_t *told);

/* A stage's log group: `::group::NAME` on GitHub; on GitLab a collapsed
 * section named rp_INDEX_NAME (NAME cut to what GitLab accepts). */
void ci_group_open(Buf *b, CiRunner ci, int index, const char *stage);
void ci_group_close(Buf *b, CiRunner ci, int index, const char *stage);

/* Markdown: a table cell's text with what Markdown or HTML would read
 * escaped, on one line, control characters as blanks. */
void ci_markdown_text(Buf *b, const char *s);
/* Whether `url` is an http(s) URL with no control character or blank:
 * only such a URL is made a link or handed to the CI engine. */
bool ci_url_linkable(const char *url);
/* A deploy's URL in a Markdown cell: a link when linkable (its target
 * percent-encoded where Markdown would end or change it), else text. */
void ci_markdown_url(Buf *b, const char *url);

/* In GitLab CI a deploy's https URL goes to this dotenv file, without its
 * scheme, as RP_ENVIRONMENT_ADDRESS=HOST/PATH, which the exported job's
 * `environment: url: https://$RP_ENVIRONMENT_ADDRESS` reads (artifacts:
 * reports: dotenv; GitLab's schema wants the url to look like a URI). */
#define CI_ENVIRONMENT_FILE "rp-environment.env"
/* Writes it there inside GitLab CI for a linkable https URL; elsewhere,
 * or for another URL, does nothing. */
bool ci_write_environment_url(const char *url, char **err);

/* Appends the outputs of a stage (a map) to the $GITHUB_OUTPUT file, each
 * as NAME<<DELIMITER lines: a string as it is, any other value as JSON. A
 * secret one, or one whose name GitHub would not read back, is left out
 * and named in *skipped (a malloc'd, comma-separated list; NULL: none). */
bool ci_write_outputs(const char *path, Value outputs, const Secrets *secrets, char **skipped, char **err);

#endif
