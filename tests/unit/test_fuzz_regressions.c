/* test_fuzz_regressions.c -- every input the fuzzers broke something with,
 * replayed through the harnesses' own code (tests/fuzz/fuzz_*.c, built here
 * without libFuzzer), and the seed corpus with them.
 *
 * tests/fuzz/regressions/<harness>/<what broke> holds the kept inputs; a
 * file's name says what it broke.  Run from the project root.  Built with
 * SANITIZE=address,undefined it also catches the memory errors they found. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "unit.h"

/* Reads path whole; NULL when it cannot. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return buf;
}

/* Runs every file of dir through fn; returns how many files it read, or -1
 * when dir cannot be opened. */
static int replay_dir(const char *dir, int (*fn)(const uint8_t *, size_t))
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        char path[512];
        uint8_t *data;
        size_t len = 0;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        data = slurp(path, &len);
        CHECK(data != NULL);
        if (!data)
            continue;
        if (fn(data, len) != 0) {
            fprintf(stderr, "  %s: broke the invariants above\n", path);
            unit_failed_checks++;
        }
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

/* The kept crashes of harness name (there may be none) and its seeds (there
 * must be some). */
static void replay(const char *name, int (*fn)(const uint8_t *, size_t))
{
    char dir[128];

    snprintf(dir, sizeof dir, "tests/fuzz/regressions/%s", name);
    replay_dir(dir, fn);
    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", name);
    CHECK(replay_dir(dir, fn) > 0);
}

static void csv_inputs_the_fuzzer_kept_should_import_cleanly(void)
{
    replay("csv", fuzz_csv);
}

static void json_bodies_the_fuzzer_kept_should_be_handled_cleanly(void)
{
    replay("json", fuzz_json);
}

static void geojson_the_fuzzer_kept_should_be_checked_as_the_contract_says(void)
{
    replay("geojson", fuzz_geojson);
}

static void query_values_the_fuzzer_kept_should_parse_as_the_contract_says(void)
{
    replay("query", fuzz_query);
}

static void mesh_codes_the_fuzzer_kept_should_round_trip(void)
{
    replay("mesh", fuzz_mesh);
}

static void published_layouts_the_fuzzer_kept_should_rewrite_cleanly(void)
{
    replay("layouts", fuzz_layouts);
}

UNIT_MAIN(UNIT_TEST(csv_inputs_the_fuzzer_kept_should_import_cleanly),
          UNIT_TEST(published_layouts_the_fuzzer_kept_should_rewrite_cleanly),
          UNIT_TEST(json_bodies_the_fuzzer_kept_should_be_handled_cleanly),
          UNIT_TEST(geojson_the_fuzzer_kept_should_be_checked_as_the_contract_says),
          UNIT_TEST(query_values_the_fuzzer_kept_should_parse_as_the_contract_says),
          UNIT_TEST(mesh_codes_the_fuzzer_kept_should_round_trip))
