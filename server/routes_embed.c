/* routes_embed.c -- GET /embed: the public power map as a page for an <iframe>.
 *
 *   /embed?layers=power_points,shelters[,outages][,facilities]&center=LAT,LON&zoom=Z
 *         [&tiles=URL-TEMPLATE|none][&attribution=TEXT]
 *
 * The page is static HTML: Leaflet and web/embed.js (both served by this
 * daemon under /static, never from a CDN) read the parameters from data-
 * attributes and fetch the layers from /v1/maps/power.geojson and
 * /ogc/collections/outages/items.  Nothing in it is inline script, so the
 * Content-Security-Policy allows scripts from this origin only.  Everything
 * echoed into the page is HTML-escaped, and only parameters checked here
 * reach it.  Only public data is ever drawn: the page's requests carry no
 * token. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/layers.h"
#include "server/routes.h"

#define EMBED_ZOOM_MAX 19
#define EMBED_TEXT_MAX 300

static const char *const embed_params[] = {
    "layers", "center", "zoom", "tiles", "attribution", NULL
};

/* ------------------------------------------------------------------------- */
/* Checks shared with the serve options                                        */
/* ------------------------------------------------------------------------- */

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* 1 when the {...} placeholders of t are all ones Leaflet fills in for a
 * plain tile layer and {z}, {x} and {y} are there. */
static int placeholders_ok(const char *t)
{
    static const char *const known[] = { "{s}", "{z}", "{x}", "{y}", "{r}", NULL };
    int seen = 0;

    for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{')) {
        int i;

        for (i = 0; known[i]; i++)
            if (strncmp(p, known[i], 3) == 0)
                break;
        if (!known[i])
            return 0;
        if (i >= 1 && i <= 3)
            seen |= 1 << i;
    }
    for (const char *p = t; *p; p++)
        if (*p == '}' && (p - t < 2 || p[-2] != '{'))
            return 0;
    return seen == (1 << 1 | 1 << 2 | 1 << 3);
}

int route_embed_tiles_ok(const char *t, char *csp_source, size_t cap)
{
    const char *host, *end;
    size_t n = strlen(t);

    if (n == 0 || n > 512 || !placeholders_ok(t))
        return -1;
    /* Nothing that could end a quoted attribute, a CSP directive or a URL. */
    for (const char *p = t; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("\"'<>\\`;,", *p))
            return -1;
    if (t[0] == '/' && t[1] != '/') {
        snprintf(csp_source, cap, "'self'");
        return 0;
    }
    if (strncmp(t, "https://", 8) == 0)
        host = t + 8;
    else if (strncmp(t, "http://", 7) == 0)
        host = t + 7;
    else
        return -1;
    end = strchr(host, '/');
    if (!end || end == host)
        return -1;
    /* host: [{s}.]labels[:port], which is also a CSP host-source once {s}
     * becomes the wildcard *. */
    {
        const char *p = host;
        int colon = 0;

        if (strncmp(p, "{s}.", 4) == 0)
            p += 4;
        if (p == end || !is_alnum(*p))
            return -1;
        for (; p < end; p++) {
            if (*p == ':' && !colon) {
                colon = 1;
                if (p + 1 == end)
                    return -1;
            } else if (colon ? !(*p >= '0' && *p <= '9')
                             : !(is_alnum(*p) || *p == '.' || *p == '-')) {
                return -1;
            }
        }
    }
    if (strncmp(host, "{s}.", 4) == 0)
        snprintf(csp_source, cap, "%.*s*.%.*s", (int)(host - t), t,
                 (int)(end - host - 4), host + 4);
    else
        snprintf(csp_source, cap, "%.*s", (int)(end - t), t);
    return 0;
}

int route_embed_frame_ancestors_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 1024)
        return -1;
    /* Space-separated CSP sources: *, 'self', 'none', scheme: and hosts. */
    for (const char *p = s; *p; p++)
        if (!(is_alnum(*p) || strchr(" .:/*-_'", *p)))
            return -1;
    for (const char *q = strchr(s, '\''); q; q = strchr(q + 1, '\'')) {
        if (strncmp(q, "'self'", 6) == 0 || strncmp(q, "'none'", 6) == 0)
            q += 5;
        else
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Parameters                                                                  */
/* ------------------------------------------------------------------------- */

struct embed_args {
    int layer[32];              /* by index of layers[] (the catalogue, LAYER_EMBED) */
    int has_center, has_zoom;
    double lat, lon;
    long zoom;
    const char *tiles;          /* NULL: no base map */
    char tiles_csp[600];
    const char *attribution;
    const char *unknown;        /* the first parameter not in embed_params */
};

static enum MHD_Result note_unknown(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    struct embed_args *a = cls;

    (void)kind;
    (void)value;
    for (int i = 0; embed_params[i]; i++)
        if (strcmp(key, embed_params[i]) == 0)
            return MHD_YES;
    a->unknown = key;
    return MHD_NO;
}

static enum pm_err parse_layers(struct http_req *r, const char *v, struct embed_args *a)
{
    const char *p = v;
    int any = 0;

    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        int i;

        for (i = 0; layers[i].id && i < 32; i++)
            if ((layers[i].flags & LAYER_EMBED) && strlen(layers[i].id) == n &&
                strncmp(p, layers[i].id, n) == 0)
                break;
        if (!layers[i].id || i == 32)
            return http_fail(r, PM_ERR_BAD_REQUEST,
                             "layers: a comma-separated list of power_points, shelters, "
                             "outages and facilities");
        a->layer[i] = 1;
        any = 1;
        if (!end)
            break;
        p = end + 1;
    }
    return any ? PM_OK : http_fail(r, PM_ERR_BAD_REQUEST, "layers: empty");
}

static enum pm_err parse_center(struct http_req *r, const char *v, struct embed_args *a)
{
    char lat[64];
    const char *comma = strchr(v, ',');

    if (!comma || (size_t)(comma - v) >= sizeof lat || strchr(comma + 1, ','))
        goto bad;
    snprintf(lat, sizeof lat, "%.*s", (int)(comma - v), v);
    if (pm_parse_double(lat, &a->lat) < 0 || pm_parse_double(comma + 1, &a->lon) < 0 ||
        a->lat < -85.06 || a->lat > 85.06 || a->lon < -180 || a->lon > 180)
        goto bad;
    a->has_center = 1;
    return PM_OK;
bad:
    return http_fail(r, PM_ERR_BAD_REQUEST,
                     "center: LAT,LON in decimal degrees (latitude -85 to 85, "
                     "longitude -180 to 180)");
}

/* 1 when s has no control characters (the text is escaped anyway; this keeps
 * line breaks and the like out of a one-line credit). */
static int text_ok(const char *s)
{
    if (strlen(s) > EMBED_TEXT_MAX)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static enum pm_err parse_args(struct http_req *r, struct embed_args *a)
{
    const char *v;

    memset(a, 0, sizeof *a);
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, note_unknown, a);
    if (a->unknown)
        return http_fail(r, PM_ERR_BAD_REQUEST,
                         "unknown parameter; /embed takes layers, center, zoom, tiles "
                         "and attribution");
    v = http_query(r, "layers");
    if (v) {
        if (parse_layers(r, v, a) != PM_OK)
            return r->err;
    } else {
        for (int i = 0; layers[i].id && i < 32; i++)
            a->layer[i] = (layers[i].flags & LAYER_EMBED_DEFAULT) != 0;
    }
    v = http_query(r, "center");
    if (v && parse_center(r, v, a) != PM_OK)
        return r->err;
    if (http_query_long(r, "zoom", 13, 0, EMBED_ZOOM_MAX, &a->zoom) != PM_OK)
        return r->err;
    a->has_zoom = http_query(r, "zoom") != NULL;

    v = http_query(r, "tiles");
    if (!v) {
        a->tiles = r->srv->tiles;
        a->attribution = r->srv->tiles_attribution;
    } else if (strcmp(v, "none") != 0) {
        a->tiles = v;
    }
    if (a->tiles && route_embed_tiles_ok(a->tiles, a->tiles_csp, sizeof a->tiles_csp) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST,
                         "tiles: an http(s) URL template with {z}, {x} and {y} "
                         "(and optionally {s}, {r}), or none");
    v = http_query(r, "attribution");
    if (v) {
        if (!text_ok(v))
            return http_fail(r, PM_ERR_BAD_REQUEST,
                             "attribution: one line of text, at most %d bytes", EMBED_TEXT_MAX);
        a->attribution = v;
    }
    return PM_OK;
}

/* ------------------------------------------------------------------------- */
/* The page                                                                    */
/* ------------------------------------------------------------------------- */

static void attr(struct pm_buf *b, const char *name, const char *value)
{
    pm_buf_printf(b, " %s=\"", name);
    pm_buf_html_escape(b, value);
    pm_buf_puts(b, "\"");
}

/* The page's HTML, malloc'd (NULL when out of memory). */
static char *embed_html(const struct embed_args *a, size_t *len)
{
    struct pm_buf b;
    char num[96];

    pm_buf_init(&b);
    pm_buf_puts(&b,
        "<!DOCTYPE html>\n"
        "<html lang=\"ja\">\n"
        "<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>電源マップ</title>\n"
        "<link rel=\"icon\" href=\"static/favicon.svg\" type=\"image/svg+xml\">\n"
        "<link rel=\"stylesheet\" href=\"static/leaflet/leaflet.css\">\n"
        "<link rel=\"stylesheet\" href=\"static/embed.css\">\n"
        "</head>\n"
        "<body>\n"
        "<div id=\"map\" class=\"pm-map\" role=\"region\" aria-label=\"電源マップ\"");
    {
        struct pm_buf names;
        int first = 1;

        pm_buf_init(&names);
        for (int i = 0; layers[i].id && i < 32; i++) {
            if (!a->layer[i])
                continue;
            pm_buf_printf(&names, "%s%s", first ? "" : ",", layers[i].id);
            first = 0;
        }
        attr(&b, "data-layers", names.data ? names.data : "");
        if (names.oom)
            b.oom = 1;
        pm_buf_release(&names);
    }
    /* Without a center the page fits the map to the layers' extent. */
    if (a->has_center) {
        snprintf(num, sizeof num, "%.6f,%.6f", a->lat, a->lon);
        attr(&b, "data-center", num);
    }
    if (a->has_center || a->has_zoom) {
        snprintf(num, sizeof num, "%ld", a->zoom);
        attr(&b, "data-zoom", num);
    }
    if (a->tiles)
        attr(&b, "data-tiles", a->tiles);
    if (a->attribution)
        attr(&b, "data-attribution", a->attribution);
    pm_buf_printf(&b, " data-max-zoom=\"%d\"></div>\n", EMBED_ZOOM_MAX);
    pm_buf_puts(&b,
        "<noscript><p class=\"pm-noscript\">この地図の表示には JavaScript が必要です。"
        "</p></noscript>\n"
        "<script src=\"static/leaflet/leaflet.js\"></script>\n"
        "<script src=\"static/embed.js\"></script>\n"
        "</body>\n"
        "</html>\n");
    if (b.oom) {
        pm_buf_release(&b);
        return NULL;
    }
    return pm_buf_steal(&b, len);
}

enum pm_err route_embed(struct http_req *r)
{
    struct embed_args a;
    struct pm_buf csp;
    size_t len = 0;
    char *html;
    enum pm_err e;

    if (parse_args(r, &a) != PM_OK)
        return r->err;
    if (!r->srv->web_root || !r->srv->leaflet_root)
        return http_fail(r, PM_ERR_UNAVAILABLE,
                         "the web map is not installed on this server (run scripts/setup)");
    html = embed_html(&a, &len);
    if (!html)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    e = route_static_reply(r, "text/html; charset=utf-8", "public, max-age=300", 1, html, len);

    pm_buf_init(&csp);
    pm_buf_printf(&csp,
                  "default-src 'none'; script-src 'self'; style-src 'self'; "
                  "img-src 'self' data:%s%s; connect-src 'self'; base-uri 'none'; "
                  "form-action 'none'; frame-ancestors %s",
                  a.tiles ? " " : "", a.tiles ? a.tiles_csp : "",
                  r->srv->frame_ancestors ? r->srv->frame_ancestors : "*");
    if (csp.oom) {
        pm_buf_release(&csp);
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    }
    http_header(r, "Content-Security-Policy", csp.data);
    pm_buf_release(&csp);
    /* The tile server may ask who shows its tiles; the page URL holds no more
     * than a place on the map. */
    http_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
    return e;
}
