/* registry_csv.c -- reaches the registry's JSON-to-row checks, static in
 * server/routes_registry.c, by compiling that file here.  The fuzz harnesses
 * and the regression replay link this object in place of routes_registry.o,
 * so the code fuzzed is the code served, unchanged. */
#include "server/routes_registry.c"

#include "tests/fuzz/fuzz.h"

enum pm_err fuzz_check_object(struct http_req *r, enum fmt_kind kind, const cJSON *obj,
                              const char *const *skip, struct fmt_result *fr)
{
    return check_object(r, kind, obj, skip, "", NULL, fr);
}

char *fuzz_devices_json(struct http_req *r, const cJSON *devices, const char *external_id)
{
    return devices_json(r, devices, external_id);
}

cJSON *fuzz_body_object(struct http_req *r)
{
    return body_object(r);
}

int fuzz_blank(const char *s)
{
    return blank(s);
}
