/* test_plan_words.c -- the words of the printed plan (issue 15): 令和 dates in
 * JST, hours as people say them, reasons with codes, when to leave by hazard
 * (DESIGN 6 rule 11), and the document's blocks. */
#include "server/plan_render.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

static const char *date_of(const char *iso, int with_time)
{
    static char buf[96];

    plan_ja_date(iso, with_time, buf, sizeof buf);
    return buf;
}

static const char *hours_of(double h)
{
    static char buf[64];

    plan_ja_hours(h, buf, sizeof buf);
    return buf;
}

static void utc_times_should_print_in_jst_and_reiwa(void)
{
    CHECK_STR(date_of("2026-11-30T03:40:15+00:00", 1), "令和8年11月30日 12時40分");
    CHECK_STR(date_of("2026-11-30T03:40:15.123456+00:00", 0), "令和8年11月30日");
    /* After 15:00 UTC it is already the next day in Japan. */
    CHECK_STR(date_of("2026-12-31T15:30:00Z", 1), "令和9年1月1日 0時30分");
    CHECK_STR(date_of("2026-05-01T09:00:00+09:00", 1), "令和8年5月1日 9時00分");
}

static void plain_dates_should_keep_their_day_and_era(void)
{
    CHECK_STR(date_of("2019-05-01", 0), "令和元年5月1日");
    CHECK_STR(date_of("2019-04-30", 0), "平成31年4月30日");
    CHECK_STR(date_of("1989-01-08", 0), "平成元年1月8日");
    CHECK_STR(date_of("1989-01-07", 0), "昭和64年1月7日");
    CHECK_STR(date_of(NULL, 0), "");
    CHECK_STR(date_of("tomorrow", 0), "");
}

static void hours_should_read_as_people_say_them(void)
{
    CHECK_STR(hours_of(5.5), "約5.5時間");
    CHECK_STR(hours_of(5.0), "約5時間");
    CHECK_STR(hours_of(0.7), "約42分");
    CHECK_STR(hours_of(0.0), "0分");          /* never "約0.0時間" */
    CHECK_STR(hours_of(72), "約72時間（約3日）");
    CHECK_STR(hours_of(NAN), "—");
    CHECK_STR(hours_of(-1), "—");
}

static const char *code_of_reason(const char *reason, const char *hazard, const char **text)
{
    static char code[64], txt[512];
    cJSON *plan = cJSON_CreateObject(), *rs = cJSON_AddArrayToObject(plan, "reasons");
    const cJSON *r;

    cJSON_AddStringToObject(cJSON_AddObjectToObject(plan, "scenario"), "hazard", hazard);
    cJSON_AddItemToArray(rs, cJSON_CreateString(reason));
    plan_reasons_ja(plan);
    r = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(plan, "reasons_ja"), 0);
    snprintf(code, sizeof code, "%s", cJSON_GetObjectItemCaseSensitive(r, "code")->valuestring);
    snprintf(txt, sizeof txt, "%s", cJSON_GetObjectItemCaseSensitive(r, "text")->valuestring);
    cJSON_Delete(plan);
    *text = txt;
    return code;
}

static void reasons_should_get_a_code_and_japanese_text(void)
{
    const char *t;

    CHECK_STR(code_of_reason("home is inside a flood hazard area: must evacuate", "flood", &t),
              "home_in_hazard_area");
    CHECK(strstr(t, "洪水") != NULL);
    CHECK_STR(code_of_reason("batteries last 5.5 h, less than the 72 h outage", "none", &t),
              "battery_shorter_than_outage");
    CHECK(strstr(t, "約5.5時間") && strstr(t, "約72時間"));
    CHECK_STR(code_of_reason("shelter 1.5 km away, 6 min by road, has power and a free outlet",
                             "none", &t), "destination_has_power");
    CHECK(strstr(t, "約1.5キロ") && strstr(t, "約6分"));
    CHECK_STR(code_of_reason("the agreed destination is not used in this scenario: it is inside "
                             "the hazard area; the planner chose instead", "flood", &t),
              "agreed_not_used");
    CHECK(strstr(t, "危険区域の中") != NULL);
    CHECK_STR(code_of_reason("something new", "none", &t), "other");
    CHECK_STR(t, "something new");
}

/* The text of the block right after the block whose text is heading. */
static const char *after(const struct plan_doc *d, const char *heading)
{
    for (size_t i = 0; i + 1 < d->n; i++)
        if (d->blocks[i].a && strcmp(d->blocks[i].a, heading) == 0)
            return d->blocks[i + 1].a;
    return NULL;
}

static const char *leave_for(const char *hazard, const char *decision, double leave_by_h)
{
    static char out[512];
    cJSON *plan = cJSON_CreateObject(), *dst;
    struct plan_doc d;

    cJSON_AddStringToObject(cJSON_AddObjectToObject(plan, "scenario"), "hazard", hazard);
    cJSON_AddStringToObject(plan, "decision", decision);
    cJSON_AddNumberToObject(plan, "leave_by_h", leave_by_h);
    dst = cJSON_AddObjectToObject(plan, "destination");
    cJSON_AddStringToObject(dst, "name", "X");
    out[0] = 0;
    if (plan_doc_build(&d, plan, NULL, NULL) == 0) {
        snprintf(out, sizeof out, "%s", after(&d, "出発の目安（いつ出発するか）") ? after(&d, "出発の目安（いつ出発するか）") : "");
        plan_doc_release(&d);
    }
    cJSON_Delete(plan);
    return out;
}

static void when_to_leave_should_follow_the_hazard(void)
{
    CHECK(strstr(leave_for("flood", "evacuate", 3.2), "警戒レベル3") != NULL);
    CHECK(strstr(leave_for("landslide", "evacuate", 3.2), "警戒レベル3") != NULL);
    CHECK(strstr(leave_for("storm_surge", "evacuate", 3.2), "警戒レベル3") != NULL);
    CHECK(strstr(leave_for("inland_flood", "evacuate", 3.2), "警戒レベル3") != NULL);
    CHECK(strstr(leave_for("tsunami", "evacuate", 3.2), "ただちに") != NULL);
    CHECK(strstr(leave_for("earthquake", "charge", 3.25), "約3.2時間以内") != NULL);
    CHECK(strstr(leave_for("none", "charge", 0.0), "ただちに出発") != NULL);
    CHECK(strstr(leave_for("none", "charge", 0.5), "約30分以内") != NULL);
}

static void a_plan_without_a_record_still_builds_and_says_what_is_missing(void)
{
    cJSON *plan = cJSON_Parse("{\"name\":\"A\",\"decision\":\"stay_home\",\"scenario\":{\"hazard\":\"none\"}}");
    struct plan_doc d;
    int blank = 0;

    CHECK(plan_doc_build(&d, plan, NULL, NULL) == 0);
    for (size_t i = 0; i < d.n; i++)
        blank += d.blocks[i].b && strcmp(d.blocks[i].b, "（未記入）") == 0;
    CHECK(blank >= 5);
    CHECK(d.nmaps == 0);        /* no home, no map */
    plan_doc_release(&d);
    cJSON_Delete(plan);
}

UNIT_MAIN(
    UNIT_TEST(utc_times_should_print_in_jst_and_reiwa),
    UNIT_TEST(plain_dates_should_keep_their_day_and_era),
    UNIT_TEST(hours_should_read_as_people_say_them),
    UNIT_TEST(reasons_should_get_a_code_and_japanese_text),
    UNIT_TEST(when_to_leave_should_follow_the_hazard),
    UNIT_TEST(a_plan_without_a_record_still_builds_and_says_what_is_missing)
)
