/* plan_render.h -- a child's plan as a checklist, a printable page and GeoJSON.
 * Pure: no database or HTTP; input is the plan JSON of sql/queries.sql plan_get. */
#ifndef PLAN_RENDER_H
#define PLAN_RENDER_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* What to bring, in Japanese, from the plan's devices, care and decision.
 * Returns a new JSON array of strings (the caller deletes it), or NULL. */
cJSON *plan_checklist(const cJSON *plan);

/* The printable A4 page (Japanese, no external assets) for the family and
 * supporters: 名前, 判断, 避難先, 出発の目安, 持ち物, 連絡先.  Every value is
 * HTML-escaped.  Returns malloc'd text and its length, or NULL. */
char *plan_html(const cJSON *plan, const cJSON *checklist, size_t *len);

/* The home, destination and alternatives as points and the trips as lines:
 * a GeoJSON FeatureCollection (malloc'd text), or NULL. */
char *plan_geojson(const cJSON *plan);

#endif
