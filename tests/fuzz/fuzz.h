/* fuzz.h -- the fuzz harnesses' entry points and what they share.
 *
 * Each tests/fuzz/fuzz_<name>.c defines fuzz_<name>(): one input through the
 * daemon's code and a check of what must hold afterwards.  Built with clang
 * and -DFUZZ_LIBFUZZER it is a libFuzzer harness (make fuzz); built plainly
 * it is what tests/unit/test_fuzz_regressions.c replays the kept crashes and
 * the seed corpus through (make unit). */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "server/formats.h"

struct http_req;

/* Run one input; return the number of broken invariants, each reported on
 * stderr.  Memory errors are the sanitizers' to find. */
int fuzz_csv(const uint8_t *data, size_t size);
int fuzz_json(const uint8_t *data, size_t size);
int fuzz_geojson(const uint8_t *data, size_t size);
int fuzz_query(const uint8_t *data, size_t size);
int fuzz_mesh(const uint8_t *data, size_t size);
int fuzz_layouts(const uint8_t *data, size_t size);

/* Reports a broken invariant (file, line, the condition) on stderr. */
void fuzz_report(const char *file, int line, const char *what);

/* Counts into `bad` and reports when cond is false. */
#define FUZZ_CHECK(bad, cond)                                              \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fuzz_report(__FILE__, __LINE__, #cond);                        \
            (bad)++;                                                       \
        }                                                                  \
    } while (0)

/* 1 when the n bytes at s are valid UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF), else 0. */
int fuzz_utf8_valid(const char *s, size_t n);

/* 1 when g is a GeoJSON Polygon or MultiPolygon as geojson.h describes it:
 * rings of at least four positions whose first two members are numbers,
 * lon within -180..180 and lat within -90..90, the last equal to the first.
 * Written apart from server/geojson.c, to hold it to its contract. */
int fuzz_polygon_ok(const cJSON *g);

/* The registry's JSON-to-row checks and body parsing (static in
 * server/routes_registry.c, reached by tests/fuzz/registry_csv.c).  Same
 * contracts as there: PM_OK and a checked row, or an error recorded in r. */
enum pm_err fuzz_check_object(struct http_req *r, enum fmt_kind kind, const cJSON *obj,
                              const char *const *skip, struct fmt_result *fr);
char *fuzz_devices_json(struct http_req *r, const cJSON *devices, const char *external_id);
cJSON *fuzz_body_object(struct http_req *r);
/* create()'s test of external_id: 1 when it is blank. */
int fuzz_blank(const char *s);

/* libFuzzer's entry point: any broken invariant is a crash, so that the
 * input is kept as an artifact. */
#ifdef FUZZ_LIBFUZZER
#define FUZZ_TARGET(fn)                                                    \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);         \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)          \
    {                                                                      \
        if (fn(data, size) != 0)                                           \
            abort();                                                       \
        return 0;                                                          \
    }
#else
#define FUZZ_TARGET(fn)
#endif

#endif
