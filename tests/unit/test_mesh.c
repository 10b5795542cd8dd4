/* test_mesh.c -- JIS X 0410 地域メッシュ codes: known places, cell edges,
 * round trips and rejected codes. */
#include "geo/mesh.h"
#include "tests/unit/unit.h"

#include <stdint.h>

static const char *code_of(double lat, double lon, int level)
{
    static char buf[GEO_MESH_CODE_SIZE];
    if (geo_mesh_code(lat, lon, level, buf) != 0)
        return "-"; /* rejected */
    return buf;
}

/* -------------------------------------------------------- known places */

static void tokyo_station_should_be_in_5339_533946_53394611(void)
{
    CHECK_STR(code_of(35.681236, 139.767125, 1), "5339");
    CHECK_STR(code_of(35.681236, 139.767125, 2), "533946");
    CHECK_STR(code_of(35.681236, 139.767125, 3), "53394611");
}

static void nanao_city_hall_should_match_the_jis_definition(void)
{
    /* Worked by hand from JIS X 0410 for (37.0431, 136.9676):
     *   1次: floor(37.0431 * 1.5) = floor(55.56465) = 55; floor(136.9676) - 100 = 36
     *   2次: minutes of lat left in the 1次 cell = 37.0431*60 - 55*40 = 22.586;
     *        floor(22.586 / 5) = 4.  lon minutes = 0.9676*60 = 58.056;
     *        floor(58.056 / 7.5) = 7
     *   3次: (22.586 - 4*5) * 60 = 155.16 s, floor(155.16 / 30) = 5;
     *        (58.056 - 7*7.5) * 60 = 333.36 s, floor(333.36 / 45) = 7
     * so 5536 / 553647 / 55364757. */
    CHECK_STR(code_of(37.0431, 136.9676, 1), "5536");
    CHECK_STR(code_of(37.0431, 136.9676, 2), "553647");
    CHECK_STR(code_of(37.0431, 136.9676, 3), "55364757");
}

static void bounds_of_tokyo_station_cell_should_be_30_by_45_seconds(void)
{
    struct geo_mesh_cell c;
    CHECK(geo_mesh_bounds("53394611", &c) == 0);
    CHECK(c.level == 3);
    /* 53*2400 + 4*300 + 1*30 = 128430 s; (139*3600 + 6*450 + 1*45) = 503145 s */
    CHECK_NEAR(c.south, 128430 / 3600.0, 1e-12);
    CHECK_NEAR(c.north, 128460 / 3600.0, 1e-12);
    CHECK_NEAR(c.west, 503145 / 3600.0, 1e-12);
    CHECK_NEAR(c.east, 503190 / 3600.0, 1e-12);
    CHECK(c.south <= 35.681236 && 35.681236 < c.north);
    CHECK(c.west <= 139.767125 && 139.767125 < c.east);
}

static void bounds_of_first_and_second_level_cells_should_have_their_sizes(void)
{
    struct geo_mesh_cell c;
    CHECK(geo_mesh_bounds("5339", &c) == 0);
    CHECK(c.level == 1);
    CHECK_NEAR(c.south, 53 / 1.5, 1e-12);
    CHECK_NEAR(c.north - c.south, 40.0 / 60.0, 1e-12);
    CHECK_NEAR(c.west, 139.0, 1e-12);
    CHECK_NEAR(c.east, 140.0, 1e-12);

    CHECK(geo_mesh_bounds("533977", &c) == 0);
    CHECK(c.level == 2);
    CHECK_NEAR(c.north, 54 / 1.5, 1e-12); /* last row reaches the 1次 edge */
    CHECK_NEAR(c.east, 140.0, 1e-12);
    CHECK_NEAR(c.north - c.south, 5.0 / 60.0, 1e-12);
    CHECK_NEAR(c.east - c.west, 7.5 / 60.0, 1e-12);
}

/* ---------------------------------------------------------------- edges */

static void point_on_south_west_corner_should_belong_to_that_cell(void)
{
    /* 36°N is a 1次 edge (54 * 40'), 140°E a 1次 edge. */
    CHECK_STR(code_of(36.0, 140.0, 3), "54400000");
    /* Just south and west of it: the last row / column of the neighbours. */
    CHECK_STR(code_of(36.0 - 1e-9, 140.0, 3), "53407090");
    CHECK_STR(code_of(36.0, 140.0 - 1e-9, 3), "54390709");
    CHECK_STR(code_of(36.0 - 1e-9, 140.0 - 1e-9, 3), "53397799");
}

static void decimal_edges_that_round_down_should_still_count_as_edges(void)
{
    /* 35°40' cannot be held exactly in binary; it is the south edge of row 4. */
    CHECK_STR(code_of(35.0 + 40.0 / 60.0, 139.5, 2), "533944");
    /* 30" and 45" steps. */
    CHECK_STR(code_of(35.0 + 40.0 / 60.0 + 30.0 / 3600.0, 139.0, 3), "53394010");
    CHECK_STR(code_of(35.0 + 40.0 / 60.0 + 30.0 / 3600.0, 139.0 + 45.0 / 3600.0, 3),
              "53394011");
    CHECK_STR(code_of(35.0 + 40.0 / 60.0 + 270.0 / 3600.0, 139.0 + 360.0 / 3600.0, 3),
              "53394098");
    /* 7'30" steps in longitude: 139.125 = 139°7'30". */
    CHECK_STR(code_of(35.7, 139.125, 2), "533941");
    /* 1次 rows every 2/3 degree: 34 + 2/3 = 52 / 1.5. */
    CHECK_STR(code_of(52 / 1.5, 135.5, 1), "5235");
    CHECK_STR(code_of(34.0 + 2.0 / 3.0, 135.5, 1), "5235");
}

static void every_cell_edge_in_a_1st_level_cell_should_belong_to_the_cell_north_east(void)
{
    /* Walk every 3次 south-west corner of 5339 as a decimal degree value. */
    int bad = 0;
    for (int i = 0; i < 80; i++) {
        for (int j = 0; j < 80; j++) {
            double lat = (53 * 2400 + i * 30) / 3600.0;
            double lon = 139.0 + j * 45 / 3600.0;
            char want[9], got[9];
            snprintf(want, sizeof want, "5339%d%d%d%d", i / 10, j / 10, i % 10, j % 10);
            if (geo_mesh_code(lat, lon, 3, got) != 0 || strcmp(got, want) != 0)
                bad++;
        }
    }
    CHECK(bad == 0);
}

/* ----------------------------------------------------------- round trips */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static double uniform(double lo, double hi)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return lo + (hi - lo) * (double)(rng_state >> 11) / 9007199254740992.0;
}

static void code_to_bounds_to_centre_should_give_the_same_code(void)
{
    int bad = 0;
    for (int n = 0; n < 20000; n++) {
        double lat = uniform(20.0, 46.0), lon = uniform(122.0, 154.0);
        for (int level = 1; level <= 3; level++) {
            char code[9], again[9];
            struct geo_mesh_cell c;
            if (geo_mesh_code(lat, lon, level, code) != 0 ||
                geo_mesh_level(code) != level ||
                geo_mesh_bounds(code, &c) != 0 || c.level != level) {
                bad++;
                continue;
            }
            /* The point lies in its cell ... */
            if (!(c.south <= lat && lat < c.north && c.west <= lon && lon < c.east))
                bad++;
            /* ... the centre and the south-west corner map back to it ... */
            if (geo_mesh_code((c.south + c.north) / 2, (c.west + c.east) / 2, level, again) != 0 ||
                strcmp(code, again) != 0)
                bad++;
            if (geo_mesh_code(c.south, c.west, level, again) != 0 || strcmp(code, again) != 0)
                bad++;
            /* ... and a finer code starts with the coarser one. */
            if (level > 1) {
                char coarse[9];
                geo_mesh_code(lat, lon, level - 1, coarse);
                if (strncmp(code, coarse, strlen(coarse)) != 0)
                    bad++;
            }
        }
    }
    CHECK(bad == 0);
}

static void north_east_corner_should_belong_to_the_next_cell(void)
{
    struct geo_mesh_cell c;
    char got[9];
    CHECK(geo_mesh_bounds("53394611", &c) == 0);
    CHECK(geo_mesh_code(c.north, c.east, 3, got) == 0);
    CHECK_STR(got, "53394622");
    CHECK(geo_mesh_bounds("53394699", &c) == 0);
    CHECK(geo_mesh_code(c.north, c.west, 3, got) == 0);
    CHECK_STR(got, "53395609"); /* next 2次 row, first 3次 row, same column */
    CHECK(geo_mesh_code(c.south, c.east, 3, got) == 0);
    CHECK_STR(got, "53394790");
}

/* ------------------------------------------------------------- rejects */

static void invalid_codes_should_be_rejected(void)
{
    struct geo_mesh_cell c = { 0, 0, 0, 0, 0 };
    static const char *bad[] = {
        "", "5", "53", "533", "53394", "5339461", "533946111", "5339461100",
        "53a9", "5339 6", "533980", "533908", "53399911", "-339", "5339461x",
        "５３３９",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (geo_mesh_level(bad[i]) != 0 || geo_mesh_bounds(bad[i], &c) == 0) {
            fprintf(stderr, "  accepted invalid code \"%s\"\n", bad[i]);
            CHECK(0);
        }
    }
    CHECK(geo_mesh_level(NULL) == 0);
    CHECK(geo_mesh_bounds(NULL, &c) == -1);
    CHECK(c.level == 0); /* untouched */
    CHECK(geo_mesh_level("0000") == 1);
    CHECK(geo_mesh_level("999977") == 2);
    CHECK(geo_mesh_level("99997799") == 3);
}

static void points_outside_the_grid_or_bad_levels_should_be_rejected(void)
{
    char out[9] = "keep";
    CHECK(geo_mesh_code(35.0, 139.0, 0, out) == -1);
    CHECK(geo_mesh_code(35.0, 139.0, 4, out) == -1);
    CHECK(geo_mesh_code(-0.5, 139.0, 1, out) == -1);
    CHECK(geo_mesh_code(70.0, 139.0, 1, out) == -1);
    CHECK(geo_mesh_code(35.0, 99.5, 1, out) == -1);
    CHECK(geo_mesh_code(35.0, -139.0, 1, out) == -1);
    CHECK(geo_mesh_code(35.0, 200.0, 1, out) == -1);
    CHECK(geo_mesh_code(NAN, 139.0, 1, out) == -1);
    CHECK(geo_mesh_code(35.0, INFINITY, 1, out) == -1);
    CHECK(geo_mesh_code(1e300, 1e300, 1, out) == -1);
    CHECK_STR(out, "keep");
    /* The grid's own corners. */
    CHECK_STR(code_of(0.0, 100.0, 3), "00000000");
    CHECK_STR(code_of(200.0 / 3.0 - 1e-6, 199.999999, 3), "99997799");
    CHECK(geo_mesh_code(200.0 / 3.0, 150.0, 1, out) == -1);
}

UNIT_MAIN(
    UNIT_TEST(tokyo_station_should_be_in_5339_533946_53394611),
    UNIT_TEST(nanao_city_hall_should_match_the_jis_definition),
    UNIT_TEST(bounds_of_tokyo_station_cell_should_be_30_by_45_seconds),
    UNIT_TEST(bounds_of_first_and_second_level_cells_should_have_their_sizes),
    UNIT_TEST(point_on_south_west_corner_should_belong_to_that_cell),
    UNIT_TEST(decimal_edges_that_round_down_should_still_count_as_edges),
    UNIT_TEST(every_cell_edge_in_a_1st_level_cell_should_belong_to_the_cell_north_east),
    UNIT_TEST(code_to_bounds_to_centre_should_give_the_same_code),
    UNIT_TEST(north_east_corner_should_belong_to_the_next_cell),
    UNIT_TEST(invalid_codes_should_be_rejected),
    UNIT_TEST(points_outside_the_grid_or_bad_levels_should_be_rejected)
)
