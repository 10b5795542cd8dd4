/* http_params.c -- the request's parameters: the one query-parameter
 * validator (http_only_params), integers and paging, and the one parser of
 * record ids in the path. */
#include <stdio.h>
#include <string.h>

#include "server/http_internal.h"

const char *http_query(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct only_params {
    const char *const *allowed;
    const char *bad;
};

static enum MHD_Result check_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct only_params *o = cls;

    (void)kind;
    (void)value;
    for (const char *const *a = o->allowed; *a; a++)
        if (strcmp(*a, key) == 0)
            return MHD_YES;
    o->bad = key;
    return MHD_NO;
}

enum pm_err http_only_params(struct http_req *r, const char *const *allowed)
{
    struct only_params o = { allowed, NULL };

    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_param, &o);
    if (o.bad)
        return http_fail(r, PM_ERR_BAD_REQUEST, "%.64s: unknown query parameter", o.bad);
    return PM_OK;
}

enum pm_err http_page(struct http_req *r, const char *const *allowed, long def,
                      char lim[24], char off[24])
{
    long limit, offset;

    if (http_only_params(r, allowed) != PM_OK ||
        http_query_long(r, "limit", def, 0, 10000, &limit) != PM_OK ||
        http_query_long(r, "offset", 0, 0, 1000000000L, &offset) != PM_OK)
        return r->err;
    snprintf(lim, 24, "%ld", limit);
    snprintf(off, 24, "%ld", offset);
    return PM_OK;
}

enum pm_err http_query_long(struct http_req *r, const char *name, long def, long min,
                            long max, long *out)
{
    const char *v = http_query(r, name);

    if (!v) {
        *out = def;
        return PM_OK;
    }
    if (pm_parse_long(v, min, max, out) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "%s: must be an integer from %ld to %ld",
                         name, min, max);
    return PM_OK;
}

enum pm_err http_path_id(struct http_req *r, int i, char out[24])
{
    long id;

    if (i < 0 || i >= r->nparams || pm_parse_long(r->params[i], 1, 9007199254740991L, &id) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "id: must be a positive integer");
    snprintf(out, 24, "%ld", id);
    return PM_OK;
}
