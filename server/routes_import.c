/* routes_import.c -- POST /v1/import/{kind}: the body is the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/import.h"
#include "server/routes.h"

enum pm_err route_import(struct http_req *r)
{
    struct import_opts io = { 0, NULL, -1, 0, NULL };
    struct import_report rep;
    const char *partial = http_query(r, "partial");
    char actor[128];
    char *json;
    enum pm_err e;

    static const char *const allowed[] = { "partial", NULL };

    if (http_only_params(r, allowed) != PM_OK)
        return r->err;
    if (partial && strcmp(partial, "true") != 0 && strcmp(partial, "false") != 0 &&
        strcmp(partial, "1") != 0 && strcmp(partial, "0") != 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "partial: must be true or false");
    io.partial = partial && (strcmp(partial, "true") == 0 || strcmp(partial, "1") == 0);
    if (!r->body || !r->body_len)
        return http_fail(r, PM_ERR_BAD_REQUEST, "the body must be the file to import");
    if (!http_db(r))
        return r->err;
    http_actor(r, actor, sizeof actor);
    io.actor = actor;
    io.geocoder = r->srv->geocoder;
    e = import_run(r->db, r->params[0], r->body, r->body_len, &io, &rep);
    if (e != PM_OK && e != PM_ERR_UNPROCESSABLE) {
        e = http_fail(r, e, "%s", rep.error);
        import_report_release(&rep);
        return e;
    }
    json = import_report_json(&rep);
    if (!json) {
        e = http_fail(r, PM_ERR_NOMEM, "out of memory");
    } else if (e == PM_ERR_UNPROCESSABLE) {
        /* Nothing was written: the report goes in the error, rows and reasons. */
        e = http_fail(r, e, "%zu of %zu rows rejected; nothing was imported", rep.nrejects,
                      rep.rows);
        http_fail_detail(r, "report", json);
        free(json);
    } else {
        e = http_reply(r, 200, "application/json", json, strlen(json));
    }
    import_report_release(&rep);
    return e;
}
