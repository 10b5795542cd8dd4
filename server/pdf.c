/* pdf.c -- plans as one PDF, drawn with cairo and laid out with pango in the
 * IPA Gothic font: the blocks of plan_doc (plan_render.h) page after page,
 * each plan starting on a new page, the maps drawn from their geometries.
 * No database or HTTP. */
#include "server/pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/util.h"

#define PAGE_W 595.28               /* A4 in points */
#define PAGE_H 841.89
#define MARGIN 36.0
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define BOTTOM (PAGE_H - MARGIN - 14)   /* room for the footer */
#define LABEL_W 128.0
#define PAD 3.0
#define FONT "IPAGothic"

struct pdf_doc {
    cairo_surface_t *surface;
    cairo_t *cr;
    struct pm_buf out;
    double y;                       /* where the next block goes */
    int page;                       /* pages of the current plan */
    int started;                    /* a page is open */
    char footer[256];
};

static cairo_status_t write_out(void *cls, const unsigned char *data, unsigned int len)
{
    struct pdf_doc *p = cls;

    pm_buf_append(&p->out, data, len);
    return p->out.oom ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

struct pdf_doc *pdf_new(void)
{
    struct pdf_doc *p = calloc(1, sizeof *p);

    if (!p)
        return NULL;
    pm_buf_init(&p->out);
    p->surface = cairo_pdf_surface_create_for_stream(write_out, p, PAGE_W, PAGE_H);
    p->cr = cairo_create(p->surface);
    if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
        pdf_free(p);
        return NULL;
    }
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, "個別避難計画");
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "powermap");
    return p;
}

void pdf_free(struct pdf_doc *p)
{
    if (!p)
        return;
    if (p->cr)
        cairo_destroy(p->cr);
    if (p->surface)
        cairo_surface_destroy(p->surface);
    pm_buf_release(&p->out);
    free(p);
}

/* ------------------------------------------------------------------------- */

static void rgb(cairo_t *cr, unsigned hex)
{
    cairo_set_source_rgb(cr, ((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0, (hex & 255) / 255.0);
}

/* A layout of text at size points, wrapped at width (<= 0: no wrapping). */
static PangoLayout *layout(cairo_t *cr, const char *text, double size, int bold, double width)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *f = pango_font_description_from_string(FONT);

    pango_font_description_set_absolute_size(f, size * PANGO_SCALE);
    if (bold)
        pango_font_description_set_weight(f, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(l, f);
    pango_font_description_free(f);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_text(l, text ? text : "", -1);
    return l;
}

static double layout_h(PangoLayout *l)
{
    int w, h;

    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static void show(cairo_t *cr, PangoLayout *l, double x, double y)
{
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
}

static void footer(struct pdf_doc *p)
{
    char text[320];
    PangoLayout *l;

    snprintf(text, sizeof text, "%s　%dページ", p->footer, p->page);
    l = layout(p->cr, text, 7.5, 0, CONTENT_W);
    pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
    rgb(p->cr, 0x555555);
    show(p->cr, l, MARGIN, PAGE_H - MARGIN);
    g_object_unref(l);
}

static void new_page(struct pdf_doc *p)
{
    if (p->started) {
        footer(p);
        cairo_show_page(p->cr);
    }
    p->started = 1;
    p->page++;
    p->y = MARGIN;
}

/* Makes room for h points: a new page when the block would not fit. */
static void room(struct pdf_doc *p, double h)
{
    if (p->y + h > BOTTOM && p->y > MARGIN + 1)
        new_page(p);
}

/* ------------------------------------------------------------------------- */

static void text_block(struct pdf_doc *p, const char *text, double size, int bold, unsigned colour,
                       double indent, double before)
{
    PangoLayout *l = layout(p->cr, text, size, bold, CONTENT_W - indent);
    double h = layout_h(l);

    room(p, h + before);
    p->y += before;
    rgb(p->cr, colour);
    show(p->cr, l, MARGIN + indent, p->y);
    p->y += h + 2;
    g_object_unref(l);
}

static void heading(struct pdf_doc *p, const char *text, int level)
{
    PangoLayout *l = layout(p->cr, text, level == 1 ? 12 : 10.5, 1, CONTENT_W - 12);
    double h = layout_h(l) + 4;

    room(p, h + 40);                /* keep a heading with what follows */
    p->y += level == 1 ? 8 : 5;
    if (level == 1) {
        rgb(p->cr, 0xe8eef8);
        cairo_rectangle(p->cr, MARGIN, p->y, CONTENT_W, h);
        cairo_fill(p->cr);
    } else {
        rgb(p->cr, 0x1a5fb4);
        cairo_rectangle(p->cr, MARGIN, p->y + 1, 3.5, h - 2);
        cairo_fill(p->cr);
    }
    rgb(p->cr, 0x111111);
    show(p->cr, l, MARGIN + 8, p->y + 2);
    p->y += h + 3;
    g_object_unref(l);
}

static void title(struct pdf_doc *p, const struct doc_block *b)
{
    if (p->y > MARGIN + 1)
        new_page(p);
    text_block(p, b->a, 16, 1, 0x111111, 0, 0);
    rgb(p->cr, 0x1a5fb4);
    cairo_rectangle(p->cr, MARGIN, p->y, CONTENT_W, 2.2);
    cairo_fill(p->cr);
    p->y += 4;
    text_block(p, b->b, 10, 0, 0x111111, 0, 0);
}

/* One table row of cells (widths w[], n of them); head rows are shaded. */
static void cells(struct pdf_doc *p, const char *const *text, const double *w, int n, int head,
                  double size)
{
    PangoLayout *l[8];
    double h = 0, x = MARGIN;

    for (int i = 0; i < n; i++) {
        l[i] = layout(p->cr, text[i], size, 0, w[i] - 2 * PAD);
        if (layout_h(l[i]) > h)
            h = layout_h(l[i]);
    }
    h += 2 * PAD;
    room(p, h);
    for (int i = 0; i < n; i++) {
        if (head || (n == 2 && i == 0)) {
            rgb(p->cr, 0xf1f1f1);
            cairo_rectangle(p->cr, x, p->y, w[i], h);
            cairo_fill(p->cr);
        }
        rgb(p->cr, 0x999999);
        cairo_set_line_width(p->cr, 0.6);
        cairo_rectangle(p->cr, x, p->y, w[i], h);
        cairo_stroke(p->cr);
        rgb(p->cr, 0x111111);
        show(p->cr, l[i], x + PAD, p->y + PAD);
        x += w[i];
        g_object_unref(l[i]);
    }
    p->y += h;
}

static void row(struct pdf_doc *p, const struct doc_block *b)
{
    const char *t[2] = { b->a, b->b };
    const double w[2] = { LABEL_W, CONTENT_W - LABEL_W };

    cells(p, t, w, 2, 0, 9);
}

/* Splits a '\t'-separated line in place into at most 8 cells. */
static int split_cells(char *s, char **t)
{
    int n = 0;

    while (n < 8) {
        t[n++] = s;
        s = strchr(s, '\t');
        if (!s)
            break;
        *s++ = 0;
    }
    return n;
}

/* Column widths of the grid whose heading is blocks[at]: each column as
 * wide as its widest cell would like (capped at 40%), scaled to the page. */
static int grid_widths(struct pdf_doc *p, const struct plan_doc *d, size_t at, double *w)
{
    double sum = 0;
    int n = 0;

    for (size_t i = at; i < d->n && (i == at || d->blocks[i].kind == DOC_GRID_ROW); i++) {
        char *copy = strdup(d->blocks[i].a ? d->blocks[i].a : ""), *t[8];
        int k;

        if (!copy)
            return 0;
        k = split_cells(copy, t);
        for (int c = 0; c < k; c++) {
            PangoLayout *l = layout(p->cr, t[c], 8, 0, 0);
            int lw, lh;

            pango_layout_get_size(l, &lw, &lh);
            if (i == at || c >= n)
                w[c] = 0;
            w[c] = fmax(w[c], fmin((double)lw / PANGO_SCALE + 2 * PAD + 2, CONTENT_W * 0.4));
            g_object_unref(l);
        }
        n = k > n ? k : n;
        free(copy);
    }
    for (int c = 0; c < n; c++)
        sum += w[c];
    for (int c = 0; c < n; c++)
        w[c] = sum > 0 ? w[c] * CONTENT_W / sum : CONTENT_W / n;
    return n;
}

/* A grid row: the cells of a '\t'-separated line, in the widths w. */
static void grid(struct pdf_doc *p, const char *line, int head, const double *w)
{
    char *copy = strdup(line ? line : ""), *t[8];
    int n;

    if (!copy)
        return;
    n = split_cells(copy, t);
    cells(p, (const char *const *)t, w, n, head, 8);
    free(copy);
}

static void banner(struct pdf_doc *p, const char *text)
{
    PangoLayout *l = layout(p->cr, text, 9.5, 1, CONTENT_W - 12);
    double h = layout_h(l) + 8;

    room(p, h + 4);
    p->y += 3;
    rgb(p->cr, 0xa51d2d);
    cairo_set_line_width(p->cr, 1.5);
    cairo_rectangle(p->cr, MARGIN, p->y, CONTENT_W, h);
    cairo_stroke(p->cr);
    show(p->cr, l, MARGIN + 6, p->y + 4);
    p->y += h + 4;
    g_object_unref(l);
}

/* ------------------------------------------------------------------------- */

static void area_rgba(cairo_t *cr, const char *hazard, double alpha)
{
    unsigned hex = (unsigned)strtoul(plan_area_colour(hazard) + 1, NULL, 16);

    cairo_set_source_rgba(cr, ((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0,
                          (hex & 255) / 255.0, alpha);
}

static void map_label(cairo_t *cr, const struct map_item *it, double s)
{
    PangoLayout *l = layout(cr, it->label, (it->style == MAP_ALT ? 8 : 9.5) / s, it->style != MAP_ALT, 0);

    rgb(cr, 0x111111);
    show(cr, l, it->xy[0] + 8, it->xy[1] - 16);
    g_object_unref(l);
}

static void map_items(cairo_t *cr, const struct doc_map *m, double s)
{
    for (int i = 0; i < m->nitems; i++) {
        const struct map_item *it = &m->items[i];

        if (it->style == MAP_AREA) {
            cairo_move_to(cr, it->xy[0], it->xy[1]);
            for (int k = 1; k < it->n; k++)
                cairo_line_to(cr, it->xy[2 * k], it->xy[2 * k + 1]);
            cairo_close_path(cr);
            area_rgba(cr, m->hazard, 0.35);
            cairo_fill_preserve(cr);
            area_rgba(cr, m->hazard, 0.9);
            cairo_set_line_width(cr, 0.8 / s);
            cairo_stroke(cr);
        } else if (it->style == MAP_TRIP || it->style == MAP_ALT_TRIP) {
            double dash[2] = { 5, 4 };

            cairo_set_dash(cr, dash, it->style == MAP_TRIP ? 0 : 2, 0);
            rgb(cr, it->style == MAP_TRIP ? 0xc01c28 : 0x777777);
            cairo_set_line_width(cr, it->style == MAP_TRIP ? 3 : 1.2);
            cairo_move_to(cr, it->xy[0], it->xy[1]);
            cairo_line_to(cr, it->xy[2], it->xy[3]);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
        }
    }
    for (int i = 0; i < m->nitems; i++) {
        const struct map_item *it = &m->items[i];

        if (it->style < MAP_HOME)
            continue;
        cairo_new_path(cr);
        if (it->style == MAP_HOME)
            cairo_rectangle(cr, it->xy[0] - 6, it->xy[1] - 6, 12, 12);
        else
            cairo_arc(cr, it->xy[0], it->xy[1], it->style == MAP_DEST ? 7 : 5, 0, 2 * G_PI);
        rgb(cr, it->style == MAP_HOME ? 0x1a5fb4 : it->style == MAP_DEST ? 0xc01c28 : 0xffffff);
        cairo_fill_preserve(cr);
        rgb(cr, it->style == MAP_ALT ? 0x555555 : 0xffffff);
        cairo_set_line_width(cr, 1.5);
        cairo_stroke(cr);
        map_label(cr, it, 1);
    }
}

static void map(struct pdf_doc *p, const struct doc_map *m)
{
    double s = CONTENT_W * 0.85 / m->width, h = m->height * s;
    PangoLayout *l;

    room(p, h + 20);
    cairo_save(p->cr);
    cairo_translate(p->cr, MARGIN, p->y);
    cairo_scale(p->cr, s, s);
    cairo_rectangle(p->cr, 0, 0, m->width, m->height);
    rgb(p->cr, 0xf7f5ef);
    cairo_fill_preserve(p->cr);
    rgb(p->cr, 0x999999);
    cairo_set_line_width(p->cr, 0.8);
    cairo_stroke(p->cr);
    cairo_rectangle(p->cr, 0, 0, m->width, m->height);
    cairo_clip(p->cr);
    map_items(p->cr, m, s);
    rgb(p->cr, 0x000000);
    cairo_set_line_width(p->cr, 2);
    cairo_move_to(p->cr, 12, m->height - 12);
    cairo_line_to(p->cr, 12 + m->bar_len, m->height - 12);
    cairo_stroke(p->cr);
    l = layout(p->cr, m->bar_label, 9, 0, 0);
    show(p->cr, l, 12, m->height - 27);
    g_object_unref(l);
    l = layout(p->cr, "↑北", 10, 1, 0);
    show(p->cr, l, m->width - 34, 8);
    g_object_unref(l);
    cairo_restore(p->cr);
    p->y += h + 3;
    text_block(p, strcmp(m->hazard, "none") == 0
                      ? "■ 自宅　● 避難先（赤線）　○ ほかの候補（点線）"
                      : "■ 自宅　● 避難先（赤線）　○ ほかの候補（点線）　色の面：危険区域",
               8, 0, 0x333333, 0, 0);
}

/* ------------------------------------------------------------------------- */

static void block(struct pdf_doc *p, const struct plan_doc *d, size_t i, double *w)
{
    const struct doc_block *b = &d->blocks[i];

    switch (b->kind) {
    case DOC_TITLE: title(p, b); break;
    case DOC_SECTION: heading(p, b->a, 1); break;
    case DOC_SUB: heading(p, b->a, 2); break;
    case DOC_ROW: row(p, b); break;
    case DOC_GRID_HEAD:
        if (grid_widths(p, d, i, w) > 0)
            grid(p, b->a, 1, w);
        break;
    case DOC_GRID_ROW: grid(p, b->a, 0, w); break;
    case DOC_TEXT: text_block(p, b->a, 9.5, 0, 0x111111, 0, 2); break;
    case DOC_STRONG: text_block(p, b->a, 13, 1, 0xa51d2d, 0, 2); break;
    case DOC_ITEM: {
        char t[2200];

        snprintf(t, sizeof t, "・%s", b->a ? b->a : "");
        text_block(p, t, 9.5, 0, 0x111111, 8, 0);
        break;
    }
    case DOC_CHECK: {
        char t[2200];

        snprintf(t, sizeof t, "□ %s", b->a ? b->a : "");
        text_block(p, t, 9.5, 0, 0x111111, 4, 0);
        break;
    }
    case DOC_MAP: map(p, &d->maps[b->map]); break;
    case DOC_NOTE: text_block(p, b->a, 7.5, 0, 0x444444, 0, 4); break;
    case DOC_BANNER: banner(p, b->a); break;
    case DOC_PAGE: new_page(p); break;
    }
}

int pdf_add(struct pdf_doc *p, const struct plan_doc *d, const char *footer_text)
{
    if (p->started) {
        footer(p);
        cairo_show_page(p->cr);
        p->started = 0;
    }
    p->page = 0;
    snprintf(p->footer, sizeof p->footer, "%s", footer_text ? footer_text : "");
    new_page(p);
    double w[8];

    for (int c = 0; c < 8; c++)
        w[c] = CONTENT_W / 8;
    for (size_t i = 0; i < d->n; i++)
        block(p, d, i, w);
    return cairo_status(p->cr) == CAIRO_STATUS_SUCCESS && !p->out.oom ? 0 : -1;
}

char *pdf_finish(struct pdf_doc *p, size_t *len)
{
    char *out = NULL;

    if (p->started)
        footer(p);
    cairo_destroy(p->cr);
    p->cr = NULL;
    cairo_surface_finish(p->surface);
    if (cairo_surface_status(p->surface) == CAIRO_STATUS_SUCCESS && !p->out.oom)
        out = pm_buf_steal(&p->out, len);
    pdf_free(p);
    return out;
}
