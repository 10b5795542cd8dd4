/* plan_words.c -- the Japanese words of a plan: 令和 dates in JST, hours as
 * people say them, names of hazards, devices, care, roles, and the reasons
 * of a decision with their stable codes.  Pure. */
#include "server/plan_words.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *lookup(const char *const (*t)[2], size_t n, const char *k, const char *def)
{
    for (size_t i = 0; k && i < n; i++)
        if (strcmp(k, t[i][0]) == 0)
            return t[i][1];
    return def;
}

#define LOOKUP(t, k, def) lookup(t, sizeof t / sizeof t[0], k, def)

const char *pw_hazard(const char *h)
{
    static const char *const t[][2] = {
        { "flood", "洪水" }, { "landslide", "土砂災害" }, { "storm_surge", "高潮" },
        { "earthquake", "地震" }, { "tsunami", "津波" }, { "fire", "大規模な火事" },
        { "inland_flood", "内水氾濫" }, { "volcano", "火山" }, { "none", "停電" },
    };

    return LOOKUP(t, h, h ? h : "");
}

const char *pw_device(const char *type)
{
    static const char *const t[][2] = {
        { "ventilator", "人工呼吸器" }, { "oxygen_concentrator", "酸素濃縮装置" },
        { "suction", "吸引器" }, { "feeding_pump", "経管栄養ポンプ" },
        { "pulse_oximeter", "パルスオキシメーター" }, { "humidifier", "加温加湿器" },
        { "infusion_pump", "輸液ポンプ" }, { "oxygen", "酸素" }, { "nebulizer", "ネブライザー" },
        { "cough_assist", "排痰補助装置" }, { "monitor", "モニター" }, { "bed", "電動ベッド" },
    };

    return LOOKUP(t, type, type ? type : "");
}

const char *pw_care(const char *c)
{
    static const char *const t[][2] = {
        { "ventilator", "人工呼吸器" }, { "tracheostomy", "気管切開" }, { "suction", "たんの吸引" },
        { "oxygen", "在宅酸素" }, { "tube_feeding", "経管栄養" }, { "iv", "中心静脈栄養（点滴）" },
        { "dialysis", "透析" }, { "other", "その他の医療的ケア" },
    };

    return LOOKUP(t, c, c ? c : "");
}

const char *pw_role(const char *r)
{
    static const char *const t[][2] = {
        { "doctor", "主治医" }, { "visiting_nurse", "訪問看護" }, { "consultant", "相談支援専門員" },
        { "device_dealer", "医療機器の業者" }, { "utility", "電力会社" }, { "other", "その他" },
    };

    return LOOKUP(t, r, "その他");
}

const char *pw_sex(const char *s)
{
    static const char *const t[][2] = { { "male", "男" }, { "female", "女" }, { "other", "その他" } };

    return LOOKUP(t, s, "");
}

const char *pw_affiliation(const char *a)
{
    static const char *const t[][2] = {
        { "home", "在宅（通園・通学なし）" }, { "nursery", "保育所" }, { "kindergarten", "幼稚園" },
        { "school", "学校" }, { "special_school", "特別支援学校" },
        { "day_service", "児童発達支援・放課後等デイサービス" }, { "other", "その他" },
    };

    return LOOKUP(t, a, "");
}

const char *pw_mobility(const char *m)
{
    static const char *const t[][2] = {
        { "walk", "歩いて移動できます。" },
        { "wheelchair", "車いすで移動します。車への乗せ降ろしや段差には人手が要ります。" },
        { "stretcher", "寝たまま移動します（ストレッチャー）。運ぶのに数人の人手が要ります。" },
    };

    return LOOKUP(t, m, "");
}

const char *pw_decision(const char *d)
{
    static const char *const t[][2] = {
        { "stay_home", "在宅避難（自宅にとどまる）" },
        { "charge", "充電に行く（電源供給ポイント）" },
        { "evacuate", "避難する（電源のある避難所）" },
        { "unassigned", "行き先未定（市の担当者が個別に調整します）" },
    };

    return LOOKUP(t, d, "");
}

const char *pw_status(const char *s)
{
    static const char *const t[][2] = {
        { "draft", "作成中（下書き）" }, { "agreed", "本人・家族と合意済み" },
        { "shared", "避難支援等実施者と共有済み" },
    };

    return LOOKUP(t, s, "作成中（下書き）");
}

const char *pw_review_reason(const char *r)
{
    static const char *const t[][2] = {
        { "device", "医療機器が変わりました" }, { "address", "住所が変わりました" },
        { "affiliation", "所属（園・学校など）が変わりました" },
        { "supporters", "避難支援等実施者が変わりました" },
        { "consent", "情報提供への同意が取り消されました" },
        { "overdue", "見直しの日を過ぎました" },
    };

    return LOOKUP(t, r, r ? r : "");
}

/* ------------------------------------------------------------------------- */

/* The era of a date: 令和 from 2019-05-01, 平成 from 1989-01-08, else 昭和. */
static void era(int y, int m, int d, char *out, size_t cap)
{
    const char *name;
    int n;

    if (y > 2019 || (y == 2019 && m >= 5)) {
        name = "令和";
        n = y - 2018;
    } else if (y > 1989 || (y == 1989 && (m > 1 || d >= 8))) {
        name = "平成";
        n = y - 1988;
    } else {
        name = "昭和";
        n = y - 1925;
    }
    if (n == 1)
        snprintf(out, cap, "%s元年%d月%d日", name, m, d);
    else
        snprintf(out, cap, "%s%d年%d月%d日", name, n, m, d);
}

/* Reads the zone of an ISO time ("Z", "+09:00", "+0900", "-05"); seconds. */
static long zone_seconds(const char *z)
{
    int hh = 0, mm = 0, sign;

    if (!z || !*z || *z == 'Z')
        return 0;
    if (*z != '+' && *z != '-')
        return 0;
    sign = *z == '-' ? -1 : 1;
    if (sscanf(z + 1, "%2d:%2d", &hh, &mm) < 1 && sscanf(z + 1, "%2d%2d", &hh, &mm) < 1)
        return 0;
    return sign * (hh * 3600L + mm * 60L);
}

void plan_ja_date(const char *iso, int with_time, char *out, size_t cap)
{
    int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
    char date[48];
    struct tm tm = { 0 };
    time_t t;
    const char *z;

    if (cap)
        out[0] = 0;
    if (!iso || sscanf(iso, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return;
    if (iso[n] != 'T' && iso[n] != ' ') {
        era(y, mo, d, out, cap);
        return;
    }
    if (sscanf(iso + n + 1, "%2d:%2d:%2d", &h, &mi, &s) < 2)
        return;
    z = iso + n + 1 + strspn(iso + n + 1, "0123456789:.");
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    t = timegm(&tm) - zone_seconds(z) + 9 * 3600;   /* JST, no daylight time */
    gmtime_r(&t, &tm);
    era(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, date, sizeof date);
    if (with_time)
        snprintf(out, cap, "%s %d時%02d分", date, tm.tm_hour, tm.tm_min);
    else
        snprintf(out, cap, "%s", date);
}

void plan_ja_hours(double h, char *out, size_t cap)
{
    if (!isfinite(h) || h < 0)
        snprintf(out, cap, "—");
    else if (h < 1.0 / 60)
        snprintf(out, cap, "0分");
    else if (h < 1)
        snprintf(out, cap, "約%.0f分", floor(h * 60));
    else if (h >= 48)
        snprintf(out, cap, "約%.0f時間（約%.0f日）", floor(h), floor(h / 24));
    else if (fabs(h - floor(h + 0.05)) < 0.05)
        snprintf(out, cap, "約%.0f時間", floor(h + 0.05));
    else
        snprintf(out, cap, "約%.1f時間", floor(h * 10) / 10);
}

/* ------------------------------------------------------------------------- */

/* Why an agreed destination was not used, in Japanese (plan.c's words). */
static const char *agreed_why_ja(const char *r)
{
    static const char *const t[][2] = {
        { "it is closed on arrival", "到着したときに閉まっています" }, { "it is closed", "閉鎖されています" },
        { "it has no power long enough", "電源が足りる時間だけもちません" },
        { "it has no power", "電源がありません" },
        { "it is not designated for this hazard", "この災害の避難先に指定されていません" },
        { "it is inside the hazard area", "危険区域の中にあります" },
        { "it is dark in the outage", "停電で使えません" },
        { "it is full with children agreed there first", "先に合意した人で満員です" },
        { "it cannot be reached in time", "バッテリーが切れる前に着けません" },
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strstr(r, t[i][0]))
            return t[i][1];
    return "使えない理由があります";
}

/* The code and Japanese text of one English reason of the planner, or
 * "other" and the English text when it is not one it knows. */
static void reason_ja(const char *r, const cJSON *plan, const char **code, char *text, size_t cap)
{
    const cJSON *scen = cJSON_GetObjectItemCaseSensitive(plan, "scenario");
    const cJSON *hz = cJSON_GetObjectItemCaseSensitive(scen, "hazard");
    double a = 0, b = 0, c = 0;
    char ha[48], hb[48], hc[48];

    if (strncmp(r, "no home location", 16) == 0) {
        *code = "no_home_location";
        snprintf(text, cap, "自宅の位置が地図上で確認できていません（住所を確認してください）。");
    } else if (strncmp(r, "no battery-powered device", 25) == 0) {
        *code = "no_battery_device";
        snprintf(text, cap, "バッテリーで動かす医療機器はありません。");
    } else if (strncmp(r, "no device is registered", 23) == 0) {
        *code = "no_devices_registered";
        snprintf(text, cap, "医療機器が登録されていません（記録を確認してください）。");
    } else if (strncmp(r, "a device has no battery time", 28) == 0) {
        *code = "no_battery_data";
        snprintf(text, cap, "バッテリー時間が登録されていない機器があり、0時間として計算しています（記録を確認してください）。");
    } else if (strncmp(r, "home is outside the outage", 26) == 0) {
        *code = "outside_outage";
        snprintf(text, cap, "自宅は停電している区域の外で、電気は来ています。");
    } else if (strncmp(r, "the agreed destination is kept", 30) == 0) {
        *code = "agreed_kept";
        snprintf(text, cap, "施設と合意した避難先へ行きます（場所を先に確保しています）。");
    } else if (strncmp(r, "the agreed destination is not used", 34) == 0) {
        *code = "agreed_not_used";
        snprintf(text, cap, "施設と合意した避難先は、この想定では使えません（%s）。代わりの行き先を選びました。",
                 agreed_why_ja(r));
    } else if (sscanf(r, "batteries last %lf h, at least the %lf h outage", &a, &b) == 2) {
        *code = "battery_outlasts_outage";
        plan_ja_hours(a, ha, sizeof ha);
        plan_ja_hours(b, hb, sizeof hb);
        snprintf(text, cap, "電源は%sもち、想定する停電（%s）より長くもちます。", ha, hb);
    } else if (sscanf(r, "batteries last %lf h, %lf h of them left now, less than the %lf h outage",
                      &a, &c, &b) == 3) {
        *code = "battery_shorter_than_outage";
        plan_ja_hours(a, ha, sizeof ha);
        plan_ja_hours(b, hb, sizeof hb);
        plan_ja_hours(c, hc, sizeof hc);
        snprintf(text, cap, "電源は%s（今は残り%s）しかもたず、想定する停電（%s）より短いため、電源のある場所へ移ります。",
                 ha, hc, hb);
    } else if (sscanf(r, "batteries last %lf h, less than the %lf h outage", &a, &b) == 2) {
        *code = "battery_shorter_than_outage";
        plan_ja_hours(a, ha, sizeof ha);
        plan_ja_hours(b, hb, sizeof hb);
        snprintf(text, cap, "電源は%sしかもたず、想定する停電（%s）より短いため、電源のある場所へ移ります。",
                 ha, hb);
    } else if (strncmp(r, "home is inside", 14) == 0) {
        *code = "home_in_hazard_area";
        snprintf(text, cap, "自宅が%sの危険区域にあるため、避難が必要です。",
                 pw_hazard(cJSON_IsString(hz) ? hz->valuestring : NULL));
    } else if (sscanf(r, "a power source is brought home from %lf km", &a) == 1) {
        *code = "power_brought_home";
        snprintf(text, cap, "電源車や貸し出し用のバッテリーを自宅に届けます（約%.1fキロ先から）。", a);
    } else if (strstr(r, "has power and a free outlet")) {
        *code = "destination_has_power";
        if (sscanf(r, "%*[^0-9]%lf km away, %lf min", &a, &b) != 2)
            a = b = 0;
        snprintf(text, cap, "行き先は約%.1fキロ、車で約%.0f分で、電源と空いているコンセントがあります。", a, b);
    } else if (strncmp(r, "every reachable destination", 27) == 0) {
        *code = "capacity_taken";
        snprintf(text, cap, "行ける範囲の電源は、よりバッテリーが早く切れる人に割り当てられています。");
    } else if (strncmp(r, "no destination with power can be reached", 40) == 0) {
        *code = "not_reachable_in_time";
        snprintf(text, cap, "バッテリーが切れる前に着ける、電源のある行き先がありません（到着時に開いていない場合も含みます）。");
    } else if (strncmp(r, "no eligible destination", 23) == 0) {
        *code = "no_destination";
        snprintf(text, cap, "行ける範囲に、条件に合う電源のある行き先がありません。");
    } else {
        *code = "other";
        snprintf(text, cap, "%s", r);
    }
}

const char *plan_reason_code(const char *en)
{
    const char *code = "other";
    char text[400];

    reason_ja(en ? en : "", NULL, &code, text, sizeof text);
    return code;
}

void plan_reasons_ja(cJSON *plan)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *it, *reasons = cJSON_GetObjectItemCaseSensitive(plan, "reasons");

    if (!out)
        return;
    for (it = reasons ? reasons->child : NULL; it; it = it->next) {
        const cJSON *rc = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, "code") : NULL;
        const char *en = cJSON_IsString(it) ? it->valuestring : NULL, *code = "other";
        char text[400];
        cJSON *o = cJSON_CreateObject();

        if (!o)
            break;
        if (!en && cJSON_IsObject(it)) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "text");

            en = cJSON_IsString(t) ? t->valuestring : "";
        }
        reason_ja(en ? en : "", plan, &code, text, sizeof text);
        cJSON_AddStringToObject(o, "code", cJSON_IsString(rc) ? rc->valuestring : code);
        cJSON_AddStringToObject(o, "text", text);
        cJSON_AddItemToArray(out, o);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(plan, "reasons_ja");
    if (!cJSON_AddItemToObject(plan, "reasons_ja", out))
        cJSON_Delete(out);
}
