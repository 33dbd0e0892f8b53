/* html.h — text for HTML pages (rp report): every string that comes from
 * a pipeline, an event or the state goes through html_text. */
#ifndef RP_HTML_H
#define RP_HTML_H

#include "core/util.h"

/* `s` as the content of an element or of a quoted attribute: & < > " '
 * as entities; control characters other than tab and newline as spaces.
 * NULL writes nothing. */
void html_text(Buf *b, const char *s);

#endif
