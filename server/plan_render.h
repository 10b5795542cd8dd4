/* plan_render.h -- a child's plan for people: the checklist of what to bring,
 * the Japanese words (令和 dates in JST, hours, hazards, reasons), the
 * 個別避難計画 as a list of blocks with its maps, and the ways out: HTML
 * (here), PDF (pdf.c) and GeoJSON.  Pure: no database or HTTP; input is the
 * plan JSON of plan_get with what plan_doc_attach adds (document, child,
 * hazard_sections, municipality). */
#ifndef PLAN_RENDER_H
#define PLAN_RENDER_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* What to bring, in Japanese, from the plan's devices, care and decision.
 * Returns a new JSON array of strings (the caller deletes it), or NULL. */
cJSON *plan_checklist(const cJSON *plan);

/* Adds "reasons_ja" to plan: one {code, text} per entry of "reasons" (a
 * stable English code and the Japanese sentence), in the same order. */
void plan_reasons_ja(cJSON *plan);
/* The stable code of one of the planner's English reasons (the codes of
 * reasons_ja: "capacity_taken", "not_reachable_in_time", ...), "other" when
 * it is not one it knows. */
const char *plan_reason_code(const char *en);

/* The box [min lon, min lat, max lon, max lat] a section's map shows: the
 * home, the destination and the alternatives of section_plan, padded.
 * Returns 0, or -1 when the home has no location. */
int plan_map_bbox(const cJSON *home, const cJSON *section_plan, double bb[4]);

/* 令和 (or 平成, 昭和) date in JST from ISO 8601 text: "令和8年11月30日", and
 * with with_time "令和8年11月30日 12時40分" when the text has a time.  Writes
 * "" for NULL or unreadable text. */
void plan_ja_date(const char *iso, int with_time, char *out, size_t cap);

/* Hours as people say them: "約5.5時間", "約40分", "約3日（72時間）". */
void plan_ja_hours(double h, char *out, size_t cap);

/* ------------------------------------------------------------------------- */
/* The document as blocks, shared by the HTML and the PDF                      */
/* ------------------------------------------------------------------------- */

enum doc_kind {
    DOC_TITLE,      /* a: title, b: subtitle line */
    DOC_SECTION,    /* a: heading */
    DOC_SUB,        /* a: sub-heading */
    DOC_ROW,        /* a: label, b: value; consecutive rows make one table */
    DOC_GRID_HEAD,  /* a: column headings separated by '\t' */
    DOC_GRID_ROW,   /* a: cells separated by '\t' (after a DOC_GRID_HEAD) */
    DOC_TEXT,       /* a: a paragraph */
    DOC_STRONG,     /* a: the decision, when to leave: large and red */
    DOC_ITEM,       /* a: a bullet */
    DOC_CHECK,      /* a: a box to tick */
    DOC_MAP,        /* map: index into plan_doc.maps */
    DOC_NOTE,       /* a: small print */
    DOC_BANNER,     /* a: a framed warning (copy for supporters, disaster override) */
    DOC_PAGE        /* a new page */
};

struct doc_block {
    enum doc_kind kind;
    char *a, *b;
    int map;
};

enum map_style { MAP_AREA, MAP_TRIP, MAP_ALT_TRIP, MAP_HOME, MAP_DEST, MAP_ALT };

/* One thing drawn on a map, in map units (0..width, 0..height, y down). */
struct map_item {
    enum map_style style;
    int n;                      /* points in xy (1 for a marker) */
    double *xy;                 /* x0, y0, x1, y1 ... */
    char label[32];
};

struct doc_map {
    double width, height;       /* map units: points in the PDF, px in the SVG */
    char hazard[16];            /* the areas' hazard, "none" without */
    struct map_item *items;
    int nitems;
    size_t cap;
    double proj[6];             /* lon0, lat0, map units per degree of lon and of lat,
                                 * x and y offset: x = ox + (lon - lon0) * kx,
                                 * y = height - (oy + (lat - lat0) * ky) */
    double bar_len;             /* scale bar: map units ... */
    char bar_label[16];         /* ... and what it stands for ("500 m") */
};

struct plan_doc {
    struct doc_block *blocks;
    size_t n, cap;
    struct doc_map *maps;
    size_t nmaps;
    int oom;
};

/* The colour ("#rrggbb") of a hazard's areas on the maps, HTML and PDF. */
const char *plan_area_colour(const char *hazard);

/* Who the copy is for, printed on it. */
struct plan_doc_opts {
    const char *audience;       /* "family" (default) or "supporter" */
    const char *override_note;  /* non-NULL: shared without consent under this note */
};

/* Builds the whole document of plan (with checklist) into d: the family
 * page, then the plan itself (名簿 items, 避難支援等実施者, the medical sheet,
 * one section per hazard with its map, the power picture, consent, author,
 * status and review).  o may be NULL.  Returns 0, or -1 out of memory (d is
 * then released). */
int plan_doc_build(struct plan_doc *d, const cJSON *plan, const cJSON *checklist,
                   const struct plan_doc_opts *o);
void plan_doc_release(struct plan_doc *d);

/* The document as one printable HTML page set (Japanese, no external
 * assets, maps as inline SVG).  Every value is HTML-escaped.  Returns
 * malloc'd text and its length, or NULL. */
char *plan_html(const cJSON *plan, const cJSON *checklist, size_t *len);

/* A base map under the HTML maps: an XYZ tile URL template ({z}, {x}, {y};
 * {s} and {r} are filled as "a" and ""), already checked by
 * route_embed_tiles_ok, and the attribution printed under each map. */
struct plan_base_map {
    const char *tiles;
    const char *attribution;
};

/* plan_html with the tiles of base (NULL: none) drawn under each map. */
char *plan_html_with(const cJSON *plan, const cJSON *checklist, const struct plan_base_map *base,
                     size_t *len);

/* The home, destination and alternatives as points and the trips as lines:
 * a GeoJSON FeatureCollection (malloc'd text), or NULL. */
char *plan_geojson(const cJSON *plan);

#endif
