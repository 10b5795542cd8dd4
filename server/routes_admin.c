/* routes_admin.c -- administration: API keys (list, revoke) and the audit
 * log.  Admin role only (the route table says so). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/routes.h"

static enum pm_err page(struct http_req *r, const char *const *allowed, char lim[24],
                        char off[24])
{
    long limit, offset;

    if (http_only_params(r, allowed) != PM_OK ||
        http_query_long(r, "limit", 100, 0, 10000, &limit) != PM_OK ||
        http_query_long(r, "offset", 0, 0, 1000000000L, &offset) != PM_OK)
        return r->err;
    snprintf(lim, 24, "%ld", limit);
    snprintf(off, 24, "%ld", offset);
    return PM_OK;
}

static enum pm_err reply_query(struct http_req *r, const char *name, int n, const char *const *p)
{
    PGresult *q = db_exec(r->db, name, n, p);
    enum pm_err e = db_ok(q) ? http_reply_json(r, 200, PQgetvalue(q, 0, 0))
                             : http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");

    PQclear(q);
    return e;
}

enum pm_err route_keys_list(struct http_req *r)
{
    static const char *const allowed[] = { "limit", "offset", NULL };
    char lim[24], off[24];
    const char *p[2] = { lim, off };

    if (page(r, allowed, lim, off) != PM_OK || !http_db(r))
        return r->err;
    return reply_query(r, "keys_list", 2, p);
}

enum pm_err route_key_revoke(struct http_req *r)
{
    static const char *const allowed[] = { NULL };
    char id[24];
    const char *p[1] = { id };
    PGresult *q;
    enum pm_err e;
    long n;

    if (http_only_params(r, allowed) != PM_OK)
        return r->err;
    if (pm_parse_long(r->params[0], 1, 9007199254740991L, &n) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "id: must be a positive integer");
    snprintf(id, sizeof id, "%ld", n);
    if (!http_db(r))
        return r->err;
    q = db_exec(r->db, "key_revoke", 1, p);
    if (!db_ok(q))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(q) != 1)
        e = http_fail(r, PM_ERR_NOT_FOUND, "no key with id %s", id);
    else {
        char body[256];

        snprintf(body, sizeof body, "{\"id\":%s,\"revoked\":true}", id);
        e = http_reply_json(r, 200, body);
    }
    PQclear(q);
    return e;
}

enum pm_err route_audit_list(struct http_req *r)
{
    static const char *const allowed[] = { "since", "key", "limit", "offset", NULL };
    const char *since = http_query(r, "since"), *key = http_query(r, "key");
    char lim[24], off[24];
    const char *p[4] = { since, key, lim, off };

    if (page(r, allowed, lim, off) != PM_OK || !http_db(r))
        return r->err;
    if (since) {
        /* ISO 8601 only: PostgreSQL would also take words like "yesterday". */
        int ok = pm_is_iso8601(since);
        PGresult *q = ok ? db_exec(r->db, "timestamp_check", 1, p) : NULL;

        ok = ok && db_ok(q);

        PQclear(q);
        if (!ok)
            return http_fail(r, PM_ERR_BAD_REQUEST, "since: must be an ISO 8601 time");
    }
    return reply_query(r, "audit_list", 4, p);
}
