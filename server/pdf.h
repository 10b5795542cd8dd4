/* pdf.h -- plans as one PDF (cairo + pango, IPA Gothic): each plan's blocks
 * (plan_render.h) from a new page, its maps drawn from the geometries. */
#ifndef PDF_H
#define PDF_H

#include <stddef.h>

#include "server/plan_render.h"

struct pdf_doc;

/* A new, empty PDF in memory (pdf_finish or pdf_free it), or NULL. */
struct pdf_doc *pdf_new(void);

/* Draws one plan document from a new page; footer_text is printed at the
 * foot of each of its pages with the page number.  Returns 0 or -1. */
int pdf_add(struct pdf_doc *p, const struct plan_doc *d, const char *footer_text);

/* Ends the PDF and returns its bytes (free() them) and their number, or NULL
 * on failure.  p is freed either way. */
char *pdf_finish(struct pdf_doc *p, size_t *len);

/* Frees an unfinished PDF; pdf_free(NULL) is a no-op. */
void pdf_free(struct pdf_doc *p);

#endif
