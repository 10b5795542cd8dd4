/* routes_health.c -- /health (the process answers) and /ready (the database does). */
#include "server/db.h"
#include "server/routes.h"

static const char *const no_params[] = { NULL };

enum pm_err route_health(struct http_req *r)
{
    if (http_only_params(r, no_params) != PM_OK)
        return r->err;
    return http_reply_json(r, 200, "{\"status\":\"ok\"}");
}

enum pm_err route_ready(struct http_req *r)
{
    PGresult *res;
    int ok;

    if (http_only_params(r, no_params) != PM_OK || !http_db(r))
        return r->err;
    res = db_exec(r->db, "ready", 0, NULL);
    ok = db_ok(res);
    PQclear(res);
    if (!ok)
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database does not answer");
    return http_reply_json(r, 200, "{\"status\":\"ready\"}");
}
