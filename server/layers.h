/* layers.h -- the catalogue of map layers: the one table that says which
 * layers exist, read by OGC API - Features (routes_ogc.c), the vector tiles
 * (routes_tiles.c), the embeddable map (routes_embed.c) and the data
 * versions (map_versions, see sql/0030_layers.sql).
 *
 * Adding a layer is one row in layers.c plus its "-- layer:" line in
 * sql/queries_maps.sql, from which scripts/embed-sql writes its item queries. */
#ifndef LAYERS_H
#define LAYERS_H

#include <stddef.h>

enum layer_flag {
    LAYER_TOKEN = 1,            /* token holders only: never named without one, reads audited */
    LAYER_EMBED = 2,            /* may be drawn on /embed */
    LAYER_EMBED_DEFAULT = 4,    /* drawn on /embed when layers= is absent */
};

/* One property of a layer's features, as JSON Schema says it. */
struct layer_field {
    const char *name;
    const char *type;           /* "string", "integer", "number", "boolean", "array" */
    const char *format;         /* "date-time", "date" or NULL */
    const char *title;          /* what it holds, for people */
};

struct layer {
    const char *id;             /* the collection id, also in URLs */
    const char *title;
    const char *description;
    const char *geometry;       /* GeoJSON type of every feature */
    unsigned flags;             /* enum layer_flag */
    int mesh_level;             /* feature ids are mesh codes of this level; 0: integer ids */
    const char *version;        /* its row in map_versions */
    const struct layer_field *fields;
    /* Named queries (sql/queries_maps.sql); NULL when the layer has none. */
    const char *q_bbox, *q_all; /* items, with and without bbox */
    const char *q_item;         /* one feature */
    const char *q_extent;       /* its extent */
    const char *q_tile;         /* its vector tile (a LAYER_TOKEN layer's takes the
                                 * audited ids as $4, see routes_tiles.c) */
};

/* Every layer, in the order collections are listed; ends with an all-NULL
 * sentinel. */
extern const struct layer layers[];

/* The layer with this id, or NULL. */
const struct layer *layer_find(const char *id);

/* The number of layers (without the sentinel). */
size_t layer_count(void);

/* The public layers' map_versions rows as a text[] literal, e.g.
 * "{power_points,shelters}" (static storage).  For ETags that depend on every
 * public layer. */
const char *layer_public_versions(void);

#endif
