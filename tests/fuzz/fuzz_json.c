/* fuzz_json.c -- what the daemon does with a JSON request body before the
 * database: the body parsed as routes_registry.c parses it, checked as one
 * row of a child, shelter, power point or facility (and a child's devices) by
 * the row-level validator, the planning scenario of POST /v1/plans, and the
 * geometry of an outage.
 *
 * Beyond not crashing: a body must become one checked UTF-8 row or a 400,
 * never something the daemon answers with a 500. */
#include "tests/fuzz/fuzz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/formats.h"
#include "server/geojson.h"
#include "server/http.h"
#include "server/plan.h"

/* A refused record's error.reason, when given, is a JSON object with a code,
 * a column and the Japanese text (valid UTF-8); frees it, as the server's
 * reply release does.  1 when it is not so. */
static int reason_ok(struct http_req *r)
{
    cJSON *o = r->errdetail ? cJSON_Parse(r->errdetail) : NULL;
    const cJSON *ja = cJSON_GetObjectItemCaseSensitive(o, "ja");
    int bad = 0;

    if (r->errdetail)
        FUZZ_CHECK(bad, cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "code"))
                   && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "column"))
                   && cJSON_IsString(ja)
                   && fuzz_utf8_valid(ja->valuestring, strlen(ja->valuestring)));
    cJSON_Delete(o);
    free(r->errdetail);
    r->errdetail = NULL;
    return bad;
}

/* As create() in routes_registry.c, up to the database: the body is one
 * checked row (every value valid UTF-8) or a 400 with a message; a child's
 * devices are a JSON array with one object per device, or a 400. */
static int check_record(const cJSON *obj, enum fmt_kind kind)
{
    static const char *const skip_devices[] = { "devices", NULL };
    const cJSON *ext = cJSON_GetObjectItemCaseSensitive(obj, "external_id");
    const cJSON *devices = cJSON_GetObjectItemCaseSensitive(obj, "devices");
    struct http_req r;
    struct fmt_result fr;
    char *djson = NULL;
    int bad = 0;

    if (!cJSON_IsString(ext) || fuzz_blank(ext->valuestring) || (devices && kind != FMT_CHILDREN))
        return 0;
    memset(&r, 0, sizeof r);
    if (fuzz_check_object(&r, kind, obj, skip_devices, &fr) != PM_OK) {
        FUZZ_CHECK(bad, (r.err == PM_ERR_BAD_REQUEST || r.err == PM_ERR_NOMEM) && r.errmsg[0]);
        bad |= reason_ok(&r);
        fmt_result_release(&fr);
        return bad;
    }
    FUZZ_CHECK(bad, fr.nrows == 1 && fr.rows[0].fields[0] != NULL);
    for (size_t k = 0; k < fr.ncols; k++) {
        const char *v = fr.rows[0].fields[k];

        FUZZ_CHECK(bad, !v || fuzz_utf8_valid(v, strlen(v)));
    }
    if (devices) {
        djson = fuzz_devices_json(&r, devices, fr.rows[0].fields[0]);
        if (djson) {
            cJSON *a = cJSON_Parse(djson);

            FUZZ_CHECK(bad, cJSON_IsArray(a) &&
                       cJSON_GetArraySize(a) == cJSON_GetArraySize(devices));
            cJSON_Delete(a);
        } else {
            FUZZ_CHECK(bad, r.err == PM_ERR_BAD_REQUEST && r.errmsg[0]);
            bad |= reason_ok(&r);
        }
    }
    fmt_result_release(&fr);
    free(djson);
    return bad;
}

/* As route_plans_run: a scenario from the body, in DESIGN's ranges. */
static int check_scenario(const cJSON *obj)
{
    static const char *const hazards[] = { "none", "flood", "landslide", "storm_surge",
                                           "earthquake", "tsunami", "fire", "inland_flood",
                                           "volcano", NULL };
    struct plan_scenario s;
    char err[256] = "", key[512];
    int bad = 0, known = 0;

    plan_scenario_init(&s);
    if (plan_scenario_from_json(&s, obj, err, sizeof err) < 0) {
        FUZZ_CHECK(bad, err[0] != '\0');
        return bad;
    }
    for (int i = 0; hazards[i]; i++)
        known |= strcmp(s.hazard, hazards[i]) == 0;
    FUZZ_CHECK(bad, known);
    FUZZ_CHECK(bad, s.outage_hours >= 0 && s.outage_hours <= 8760);
    FUZZ_CHECK(bad, s.speed_kmh >= 0.1 && s.speed_kmh <= 300);
    FUZZ_CHECK(bad, s.detour >= 1 && s.detour <= 10);
    FUZZ_CHECK(bad, s.margin_h >= 0 && s.margin_h <= 48);
    FUZZ_CHECK(bad, strlen(s.start_at) < sizeof s.start_at);
    plan_scenario_key(&s, key, sizeof key);
    FUZZ_CHECK(bad, strlen(key) < sizeof key - 1);
    return bad;
}

/* As the outage routes: the geometry member checked before PostGIS. */
static int check_geometry(const cJSON *obj)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(obj, "geometry");
    const char *why;
    int bad = 0;

    if (!g || cJSON_IsNull(g))
        return 0;
    why = geojson_check_polygon(g);
    FUZZ_CHECK(bad, (why == NULL) == (fuzz_polygon_ok(g) != 0));
    if (!why) {
        char *text = cJSON_PrintUnformatted(g);

        FUZZ_CHECK(bad, text != NULL);
        free(text);
    }
    return bad;
}

int fuzz_json(const uint8_t *data, size_t size)
{
    struct http_req r;
    cJSON *obj;
    int bad = 0;

    /* The body as http.c hands it over: NUL-terminated, with its length. */
    memset(&r, 0, sizeof r);
    r.body = malloc(size + 1);
    if (!r.body)
        return 0;
    memcpy(r.body, data, size);
    r.body[size] = '\0';
    r.body_len = size;
    obj = fuzz_body_object(&r);
    if (!obj) {
        FUZZ_CHECK(bad, r.err == PM_ERR_BAD_REQUEST && r.errmsg[0]);
    } else {
        bad += check_record(obj, FMT_CHILDREN);
        bad += check_record(obj, FMT_SHELTERS);
        bad += check_record(obj, FMT_POWER_POINTS);
        bad += check_record(obj, FMT_FACILITIES);
        bad += check_scenario(obj);
        bad += check_geometry(obj);
    }
    cJSON_Delete(obj);
    free(r.body);
    return bad;
}

FUZZ_TARGET(fuzz_json)
