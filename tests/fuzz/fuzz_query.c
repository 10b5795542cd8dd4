/* fuzz_query.c -- query-string values: pm_parse_bbox, pm_parse_long,
 * pm_parse_double (server/util.h) and plan_scenario_set (server/plan.h).
 *
 * The first byte chooses the parser (and for pm_parse_long its range, for
 * plan_scenario_set the field); the rest, up to a NUL as libmicrohttpd would
 * hand it over, is the value.  What a parser accepts must be what its
 * contract says: plain decimal text, finite, in range. */
#include "tests/fuzz/fuzz.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/plan.h"
#include "server/util.h"

/* s is [-]digits, nothing else. */
static int plain_integer(const char *s)
{
    if (*s == '-')
        s++;
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* s is a plain decimal number: [+-]digits[.digits][e[+-]digits] with at
 * least one digit before the exponent. */
static int plain_decimal(const char *s)
{
    size_t i = 0, digits = 0;

    if (s[i] == '+' || s[i] == '-')
        i++;
    for (; s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (s[i] == '.')
        for (i++; s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (!digits)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (s[i] == '+' || s[i] == '-')
            i++;
        if (!(s[i] >= '0' && s[i] <= '9'))
            return 0;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return s[i] == '\0';
}

static int check_bbox(const char *s)
{
    double b[4], v;
    const char *why = NULL, *p = s;
    int bad = 0;

    if (pm_parse_bbox(s, b, &why) < 0) {
        FUZZ_CHECK(bad, why && *why);
        return bad;
    }
    FUZZ_CHECK(bad, isfinite(b[0]) && isfinite(b[1]) && isfinite(b[2]) && isfinite(b[3]));
    FUZZ_CHECK(bad, b[0] >= -180 && b[2] <= 180 && b[1] >= -90 && b[3] <= 90);
    FUZZ_CHECK(bad, b[0] <= b[2] && b[1] <= b[3]);
    /* four comma-separated plain numbers, read as strtod reads them */
    for (int i = 0; i < 4; i++) {
        char part[64];
        size_t n = strcspn(p, ",");

        FUZZ_CHECK(bad, n > 0 && n < sizeof part);
        if (n == 0 || n >= sizeof part)
            return bad;
        memcpy(part, p, n);
        part[n] = '\0';
        FUZZ_CHECK(bad, plain_decimal(part));
        v = strtod(part, NULL);
        FUZZ_CHECK(bad, v == b[i]);
        FUZZ_CHECK(bad, (i < 3) == (p[n] == ','));
        p += n + (p[n] == ',');
    }
    FUZZ_CHECK(bad, *p == '\0');
    return bad;
}

static int check_long(const char *s, int which)
{
    static const long ranges[][2] = {
        { 0, 10000 }, { 0, 1000000000L }, { 1, 9007199254740991L }, { LONG_MIN, LONG_MAX },
    };
    long min = ranges[which & 3][0], max = ranges[which & 3][1], v = 0;
    int bad = 0;

    if (pm_parse_long(s, min, max, &v) < 0)
        return 0;
    FUZZ_CHECK(bad, v >= min && v <= max);
    FUZZ_CHECK(bad, plain_integer(s));
    FUZZ_CHECK(bad, strtol(s, NULL, 10) == v);
    return bad;
}

static int check_double(const char *s)
{
    double v;
    int bad = 0;

    if (pm_parse_double(s, &v) < 0)
        return 0;
    FUZZ_CHECK(bad, isfinite(v));
    FUZZ_CHECK(bad, plain_decimal(s));
    FUZZ_CHECK(bad, strtod(s, NULL) == v);
    return bad;
}

static int check_scenario(const char *value, int which)
{
    static const char *const names[] = { "hazard", "outage_hours", "speed_kmh", "detour",
                                         "margin_h", "start_at", "bogus", "" };
    struct plan_scenario s, before;
    const char *name = names[which & 7];
    char err[256] = "";
    int bad = 0;

    plan_scenario_init(&s);
    before = s;
    if (plan_scenario_set(&s, name, value, err, sizeof err) < 0) {
        FUZZ_CHECK(bad, err[0] != '\0');
        FUZZ_CHECK(bad, memcmp(&s, &before, sizeof s) == 0);
        return bad;
    }
    FUZZ_CHECK(bad, (which & 7) < 6);
    FUZZ_CHECK(bad, s.outage_hours >= 0 && s.outage_hours <= 8760);
    FUZZ_CHECK(bad, s.speed_kmh >= 0.1 && s.speed_kmh <= 300);
    FUZZ_CHECK(bad, s.detour >= 1 && s.detour <= 10);
    FUZZ_CHECK(bad, s.margin_h >= 0 && s.margin_h <= 48);
    FUZZ_CHECK(bad, memchr(s.hazard, '\0', sizeof s.hazard) != NULL);
    FUZZ_CHECK(bad, memchr(s.start_at, '\0', sizeof s.start_at) != NULL);
    if (strcmp(name, "start_at") == 0)
        FUZZ_CHECK(bad, strcmp(s.start_at, value) == 0);
    return bad;
}

int fuzz_query(const uint8_t *data, size_t size)
{
    char *s;
    int which, bad = 0;

    if (size < 1)
        return 0;
    which = data[0];
    s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    switch (which % 4) {
    case 0: bad = check_bbox(s); break;
    case 1: bad = check_long(s, which >> 2); break;
    case 2: bad = check_double(s); break;
    default: bad = check_scenario(s, which >> 2); break;
    }
    free(s);
    return bad;
}

FUZZ_TARGET(fuzz_query)
