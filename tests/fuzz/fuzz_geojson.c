/* fuzz_geojson.c -- the GeoJSON polygon check (geojson_check_polygon), on
 * documents read as the hazard import and the outage feed read them: the
 * bytes parsed with their length (not NUL-terminated), then each feature's
 * geometry, or the document itself as a bare geometry.
 *
 * A geometry is accepted exactly when it meets geojson.h's contract, as
 * fuzz_polygon_ok checks it independently; an accepted one prints. */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>

#include "server/geojson.h"

static int check(const cJSON *g)
{
    const char *why = geojson_check_polygon(g);
    int bad = 0;

    FUZZ_CHECK(bad, (why == NULL) == (fuzz_polygon_ok(g) != 0));
    if (!why) {
        char *text = cJSON_PrintUnformatted(g);

        FUZZ_CHECK(bad, text != NULL);
        free(text);
    }
    return bad;
}

int fuzz_geojson(const uint8_t *data, size_t size)
{
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    const cJSON *features = cJSON_GetObjectItemCaseSensitive(root, "features");
    const cJSON *f;
    int bad = 0;

    if (!root)
        return 0;
    bad += check(root);
    cJSON_ArrayForEach(f, features)
        bad += check(cJSON_GetObjectItemCaseSensitive(f, "geometry"));
    cJSON_Delete(root);
    return bad;
}

FUZZ_TARGET(fuzz_geojson)
