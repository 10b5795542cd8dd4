/* routes_app.c -- the staff web application (DESIGN 7 v2, GET /): its page,
 * its files under /static/app/, and two reads it needs beside the
 * resources' own routes: every child's latest decision (GET
 * /v1/plans/children, for the roster and the map's colours) and a child's
 * change history (GET /v1/children/{id}/history), and where the geocoder
 * places an address (GET /v1/geocode).  All are public API like any other:
 * whatever the application shows, a program can read too.
 *
 * The page is the same for everyone and holds no data: without a session it
 * shows the login form, and every read after that goes through the API with
 * the session cookie.  Its CSP allows scripts, styles and requests from this
 * server only. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/import.h"
#include "server/routes.h"

#define APP_CSP_MAX 1024

/* Replaces each {{NAME}} of page by the HTML-escaped value.  Returns a
 * malloc'd page or NULL when out of memory. */
static char *fill(const char *page, const char *tiles, const char *attribution)
{
    struct pm_buf b;
    const char *p = page;

    pm_buf_init(&b);
    while (*p) {
        if (strncmp(p, "{{TILES}}", 9) == 0) {
            pm_buf_html_escape(&b, tiles ? tiles : "");
            p += 9;
        } else if (strncmp(p, "{{TILES_ATTRIBUTION}}", 21) == 0) {
            pm_buf_html_escape(&b, attribution ? attribution : "");
            p += 21;
        } else {
            pm_buf_append(&b, p++, 1);
        }
    }
    return pm_buf_finish(&b, NULL);
}

enum pm_err route_app_index(struct http_req *r)
{
    char path[4096], csp[APP_CSP_MAX], tiles_src[600] = "";
    char *page, *out;
    size_t len;
    enum pm_err e;

    if (!r->srv->web_root)
        return http_fail(r, PM_ERR_NOT_FOUND,
                         "the web application is not installed on this server (web/app)");
    snprintf(path, sizeof path, "%s/app/index.html", r->srv->web_root);
    page = pm_read_file(path, &len);
    if (!page)
        return http_fail(r, PM_ERR_NOT_FOUND, "the web application is not installed (web/app)");
    out = fill(page, r->srv->tiles, r->srv->tiles_attribution);
    free(page);
    if (!out)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    if (r->srv->tiles && route_embed_tiles_ok(r->srv->tiles, tiles_src, sizeof tiles_src) < 0)
        tiles_src[0] = '\0';
    snprintf(csp, sizeof csp,
             "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: %s; "
             "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
             "frame-ancestors 'none'", tiles_src);
    e = route_static_reply(r, "text/html; charset=utf-8", "no-cache", 1, out, strlen(out));
    http_header(r, "Content-Security-Policy", csp);
    http_header(r, "Referrer-Policy", "no-referrer");
    return e;
}

enum pm_err route_app_plan_children(struct http_req *r)
{
    static const char *const allowed[] = { "run", NULL };
    const char *run = http_query(r, "run");
    char runbuf[24];
    const char *p[1] = { NULL };
    PGresult *res;
    long id;
    enum pm_err e;

    if (http_only_params(r, allowed) != PM_OK)
        return r->err;
    if (run) {
        if (pm_parse_long(run, 1, 9007199254740991L, &id) < 0)
            return http_fail(r, PM_ERR_BAD_REQUEST, "run: must be a positive integer");
        snprintf(runbuf, sizeof runbuf, "%ld", id);
        p[0] = runbuf;
    }
    if (!http_db(r))
        return r->err;
    res = db_exec(r->db, "app_plan_children", 1, p);
    if (!db_ok(res) || PQntuples(res) != 1) {
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    e = http_audit(r, "plan.list", PQgetvalue(res, 0, 1));
    if (e == PM_OK)
        e = http_reply_json(r, MHD_HTTP_OK, PQgetvalue(res, 0, 0));
    PQclear(res);
    return e;
}

enum pm_err route_app_child_history(struct http_req *r)
{
    char id[24], ids[32];
    const char *p[1] = { id };
    long n;

    if (pm_parse_long(r->params[0], 1, 9007199254740991L, &n) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "id: must be a positive integer");
    snprintf(id, sizeof id, "%ld", n);
    snprintf(ids, sizeof ids, "{%ld}", n);
    if (!http_db(r) || http_audit(r, "child.history", ids) != PM_OK)
        return r->err;
    return http_reply_query(r, r->db, "app_child_history", 1, p);
}

/* GET /v1/geocode?q=ADDRESS: where the configured geocoder (and its cache)
 * places an address, for the child form's 「住所から位置を探す」 (the same
 * lookup a record saved without lat/lon gets).  {lat, lon}, 404 when the
 * geocoder does not know the address, 503 when none is reachable. */
enum pm_err route_app_geocode(struct http_req *r)
{
    static const char *const allowed[] = { "q", NULL };
    const char *q = http_query(r, "q");
    char err[256] = "", body[96];
    double lat = 0, lon = 0;
    int found;

    if (http_only_params(r, allowed) != PM_OK)
        return r->err;
    if (!q || !*q || strlen(q) > 300)
        return http_fail(r, PM_ERR_BAD_REQUEST, "q: 住所を 300 バイトまでで指定してください");
    if (!r->srv->geocoder)
        return http_fail(r, PM_ERR_UNAVAILABLE, "住所から位置を探す仕組み（ジオコーダ）が設定されていません");
    if (!http_db(r))
        return r->err;
    found = import_geocode(r->db, r->srv->geocoder, q, &lat, &lon, err, sizeof err);
    if (found == 0)
        return http_fail(r, PM_ERR_NOT_FOUND, "この住所の位置は見つかりませんでした。地図をクリックして決めてください");
    if (found < 0)
        return http_fail(r, PM_ERR_UNAVAILABLE, "住所から位置を探せませんでした（%s）", err);
    snprintf(body, sizeof body, "{\"lat\":%.9g,\"lon\":%.9g}", lat, lon);
    return http_reply_json(r, MHD_HTTP_OK, body);
}
