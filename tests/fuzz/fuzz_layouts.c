/* fuzz_layouts.c -- published layouts (server/layouts.c): recognition and
 * the rewrite into canonical CSV, for every kind.
 *
 * The first byte chooses the kind (children, devices, shelters, power
 * points, facilities) and whether a municipality code is given; the rest
 * is the file.  Whatever the file, the rewrite must be valid UTF-8 CSV that
 * csv.c reads back, with its header on line 1 and no record on a line
 * before the one it came from; a devices text must have one input line per
 * device row; and formats.c must take the text without error or crash. */
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/csv.h"
#include "server/layouts.h"

static const char *const kinds[] = { "children", "devices", "shelters", "power-points",
                                     "facilities" };

/* Checks one canonical text (the main one, or the devices). */
static int check_text(const char *text, size_t len, long first_line, size_t want_rows)
{
    struct csv_table t;
    char err[256];
    int bad = 0;

    FUZZ_CHECK(bad, fuzz_utf8_valid(text, len));
    if (csv_parse(&t, text, len, err, sizeof err) != 0) {
        FUZZ_CHECK(bad, !"the canonical text reads back as CSV");
        return bad;
    }
    FUZZ_CHECK(bad, t.nrecords >= 1 && t.records[0].line == 1);
    for (size_t i = 1; i < t.nrecords; i++)
        FUZZ_CHECK(bad, t.records[i].line >= first_line);
    if (want_rows != (size_t)-1)
        FUZZ_CHECK(bad, t.nrecords - 1 == want_rows);
    csv_release(&t);
    return bad;
}

int fuzz_layouts(const uint8_t *data, size_t size)
{
    struct csv_table t;
    struct layout_result r;
    struct layout_msg err;
    struct layout_opts o = { NULL };
    char e[256];
    int bad = 0;

    if (size < 1)
        return 0;
    o.municipality = data[0] & 8 ? "17202" : NULL;
    if (csv_parse(&t, (const char *)data + 1, size - 1, e, sizeof e) != 0)
        return 0;
    if (layout_translate(kinds[data[0] % 5], &t, &o, &r, &err) == 0) {
        FUZZ_CHECK(bad, r.passthrough || r.canonical != NULL);
        if (r.canonical)
            bad += check_text(r.canonical, r.canonical_len, r.header_line + 1, (size_t)-1);
        if (r.devices)
            bad += check_text(r.devices, r.devices_len, 2, r.ndevice_lines);
        for (size_t i = 0; i < r.nrejects; i++)
            FUZZ_CHECK(bad, r.rejects[i].ja && r.rejects[i].en && r.rejects[i].code);
    } else {
        FUZZ_CHECK(bad, err.code != NULL);
        FUZZ_CHECK(bad, strcmp(err.code, "nomem") == 0 || (err.en && err.ja));
    }
    layout_result_release(&r);
    layout_msg_release(&err);
    csv_release(&t);
    return bad;
}

FUZZ_TARGET(fuzz_layouts)
