/* routes_import.c -- POST /v1/import/{kind}: the body is the file.
 *
 * Query: partial, dry_run (everything but the commit: the upload screen's
 * preview), municipality, hazard, level, sheet (DESIGN.md 3 and 7, v2).
 * The report's messages are Japanese when Accept-Language prefers ja. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ingest.h"
#include "server/routes.h"

/* A true/false query parameter: 0 or 1, or -1 when it is neither. */
static int flag(struct http_req *r, const char *name)
{
    const char *v = http_query(r, name);

    if (!v || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        return 0;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        return 1;
    return -1;
}

enum pm_err route_import(struct http_req *r)
{
    static const char *const allowed[] = {
        "partial", "dry_run", "municipality", "hazard", "level", "sheet", NULL
    };
    struct ingest_opts io;
    struct ingest_report rep;
    struct ingest_msg err;
    const char *lang;
    char actor[128];
    char *json;
    enum pm_err e;
    int rc, ja;

    if (http_only_params(r, allowed) != PM_OK)
        return r->err;
    memset(&io, 0, sizeof io);
    io.partial = flag(r, "partial");
    io.dry_run = flag(r, "dry_run");
    if (io.partial < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "partial: must be true or false");
    if (io.dry_run < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "dry_run: must be true or false");
    if (!r->body || !r->body_len)
        return http_fail(r, PM_ERR_BAD_REQUEST, "the body must be the file to import");
    if (!http_db(r))
        return r->err;
    lang = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Language");
    ja = ingest_wants_ja(lang);
    http_actor(r, actor, sizeof actor);
    io.actor = actor;
    io.progress_fd = -1;
    io.geocoder = r->srv->geocoder;
    io.municipality = http_query(r, "municipality");
    io.hazard = http_query(r, "hazard");
    io.level = http_query(r, "level");
    io.sheet = http_query(r, "sheet");
    rc = ingest_run(r->db, r->params[0], r->body, r->body_len, &io, &rep, &err);
    if (rc < 0) {
        const char *msg = ja ? err.ja : err.en;

        e = strcmp(err.code, "unknown_kind") == 0
            ? http_fail(r, PM_ERR_NOT_FOUND, "%s", msg)
            : strcmp(err.code, "database") == 0 || strcmp(err.code, "nomem") == 0
            ? http_fail(r, PM_ERR_INTERNAL, "import failed: %s", msg)
            : http_fail(r, PM_ERR_BAD_REQUEST, "%s", msg);
        {
            char detail[96];

            /* the stable code of what was wrong with the file */
            snprintf(detail, sizeof detail, "\"%s\"", err.code);
            http_fail_detail(r, "reason", detail);
        }
        ingest_report_release(&rep);
        ingest_msg_release(&err);
        return e;
    }
    json = ingest_report_json(&rep, ja);
    if (rc == 1 && !io.dry_run) {
        /* Nothing was written: the report goes in the error, rows and reasons. */
        e = http_fail(r, PM_ERR_UNPROCESSABLE,
                      ja ? "%zu 行中 %zu 行に問題があり、何も取り込んでいません"
                         : "%zu of %zu rows rejected; nothing was imported",
                      ja ? rep.rows : rep.nrejects, ja ? rep.nrejects : rep.rows);
        http_fail_detail(r, "report", json);
        free(json);
    } else {
        /* http_reply owns json from here */
        e = json ? http_reply(r, 200, "application/json", json, strlen(json))
                 : http_fail(r, PM_ERR_NOMEM, "out of memory");
    }
    ingest_report_release(&rep);
    ingest_msg_release(&err);
    return e;
}
