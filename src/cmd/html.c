/* html.c — text for HTML pages. */
#include "cmd/html.h"

void html_text(Buf *b, const char *s) {
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
    case '&': buf_puts(b, "&amp;"); break;
    case '<': buf_puts(b, "&lt;"); break;
    case '>': buf_puts(b, "&gt;"); break;
    case '"': buf_puts(b, "&quot;"); break;
    case '\'': buf_puts(b, "&#39;"); break;
    default: buf_putc(b, (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f ? ' ' : (char)c);
    }
  }
}
