/* registry_csv.c -- reaches the registry's JSON-to-CSV conversion, static in
 * server/routes_registry.c, by compiling that file here.  The fuzz harnesses
 * and the regression replay link this object in place of routes_registry.o,
 * so the code fuzzed is the code served, unchanged. */
#include "server/routes_registry.c"

#include "tests/fuzz/fuzz.h"

char *fuzz_object_to_csv(struct http_req *r, const cJSON *obj, enum fmt_kind kind,
                         const char *const *skip)
{
    return object_to_csv(r, obj, kind, skip);
}

char *fuzz_devices_to_csv(struct http_req *r, const cJSON *devices, const char *external_id)
{
    return devices_to_csv(r, devices, external_id);
}

cJSON *fuzz_body_object(struct http_req *r)
{
    return body_object(r);
}

int fuzz_blank(const char *s)
{
    return blank(s);
}
