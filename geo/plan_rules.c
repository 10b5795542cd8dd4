/* plan_rules.c -- the planning rules of DESIGN §6 for one child (see
 * plan_rules.h).  Pure: no I/O, no allocation. */
#include "geo/plan_rules.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------- */
/* Power (rules 6, 7)                                                          */
/* ------------------------------------------------------------------------- */

static int duty_applies(const struct geo_device *d)
{
    return d->intermittent && d->minutes_per_hour > 0 && d->minutes_per_hour < 60;
}

double geo_device_hours(const struct geo_device *d)
{
    double h = isnan(d->battery_h) || d->battery_h < 0 ? 0 : d->battery_h;

    if (duty_applies(d))
        h = h * 60.0 / d->minutes_per_hour;
    if (d->backup_h > 0)
        h += d->backup_h;
    return h;
}

static double avg_draw(const struct geo_device *d)
{
    return duty_applies(d) ? d->power_w * d->minutes_per_hour / 60.0 : d->power_w;
}

void geo_plan_power(const struct geo_device *d, int n, const struct geo_home_power *home,
                    struct geo_power *out)
{
    double least_life = INFINITY, least = INFINITY;
    int limiting_removable = 1, life_removable = 1;

    memset(out, 0, sizeof *out);
    out->charge_h = NAN;
    out->ndevices = n;
    for (int i = 0; i < n; i++) {
        double h = geo_device_hours(&d[i]);

        out->need_w += d[i].power_w;
        out->avg_w += avg_draw(&d[i]);
        out->no_battery_data += isnan(d[i].battery_h);
        if (!isnan(d[i].charge_h) && (isnan(out->charge_h) || d[i].charge_h > out->charge_h))
            out->charge_h = d[i].charge_h;
        if (d[i].life) {
            out->life = 1;
            life_removable &= d[i].removable != 0;
            if (h < least_life)
                least_life = h;
        }
        limiting_removable &= d[i].removable != 0;
        if (h < least)
            least = h;
    }
    out->device_h = out->life ? least_life : least;
    out->batteries_travel = n > 0 && (out->life ? life_removable : limiting_removable);
    out->runtime_h = out->device_h;
    if (!home || n == 0 || !(out->avg_w > 0) || isinf(out->device_h))
        return;
    {
        double wh = home->battery_wh > 0 ? home->battery_wh : 0, gen = 0;

        if (home->generator_w > 0 && home->generator_h > 0 && home->generator_w >= out->avg_w)
            gen = home->generator_w * home->generator_h;
        out->home_battery_h = wh / out->avg_w;
        out->home_generator_h = gen / out->avg_w;
        /* Energy over draw in one division, as powermap_runtime_h in SQL. */
        out->runtime_h += (wh + gen) / out->avg_w;
    }
}

/* ------------------------------------------------------------------------- */
/* Time and reach                                                              */
/* ------------------------------------------------------------------------- */

double geo_plan_travel_h(const struct geo_plan_scenario *s, double dist_m)
{
    return dist_m / 1000.0 * s->detour / s->speed_kmh;
}

double geo_plan_time_left_h(const struct geo_plan_scenario *s, double runtime_h)
{
    return isinf(runtime_h) ? runtime_h : runtime_h - (s->elapsed_h > 0 ? s->elapsed_h : 0);
}

int geo_plan_reachable(const struct geo_plan_scenario *s, double runtime_h, double travel_h)
{
    return travel_h + s->margin_h <= geo_plan_time_left_h(s, runtime_h);
}

double geo_plan_reach_m(const struct geo_plan_scenario *s, double runtime_h)
{
    double left = geo_plan_time_left_h(s, runtime_h), r;

    if (isinf(left))
        return 1e7;
    r = (left - s->margin_h) * s->speed_kmh / s->detour * 1000.0;
    if (!(r > 0))
        return 0;
    /* A hair more than exact, so that the database keeps a point on the
     * boundary; geo_plan_reachable decides it. */
    r = r * (1 + 1e-12) + 1e-6;
    return r > 1e7 ? 1e7 : r;
}

int geo_plan_needs_destination(const struct geo_plan_scenario *s, int in_hazard,
                               double runtime_h)
{
    return in_hazard || runtime_h < s->outage_hours;
}

/* ------------------------------------------------------------------------- */
/* Opening hours                                                               */
/* ------------------------------------------------------------------------- */

int geo_hours_parse(const char *hours, int *open_min, int *close_min)
{
    int h1, m1, h2, m2, used = 0;

    if (!hours)
        return -1;
    if (strcmp(hours, "24h") == 0) {
        *open_min = 0;
        *close_min = 1440;
        return 1;
    }
    if (sscanf(hours, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &used) != 4 ||
        hours[used] != '\0' || h1 < 0 || h1 > 23 || m1 < 0 || m1 > 59 || h2 < 0 || h2 > 24 ||
        m2 < 0 || m2 > 59 || (h2 == 24 && m2 != 0))
        return -1;
    *open_min = h1 * 60 + m1;
    *close_min = h2 * 60 + m2;
    return 0;
}

int geo_hours_open_at(const char *hours, double second_of_day)
{
    int a, b, kind = geo_hours_parse(hours, &a, &b);
    double t, open_s, close_s;

    if (kind != 0)
        return kind == 1;
    if (!isfinite(second_of_day))
        return 0;
    t = fmod(second_of_day, 86400.0);
    if (t < 0)
        t += 86400.0;
    open_s = a * 60.0;
    close_s = b * 60.0;
    if (open_s == close_s)
        return 0;                              /* an empty window */
    if (open_s < close_s)
        return t >= open_s && t < close_s;
    return t >= open_s || t < close_s;         /* past midnight */
}

int geo_plan_open_on_arrival(const struct geo_plan_scenario *s, const char *hours,
                             double travel_h)
{
    if (hours && strcmp(hours, "24h") == 0)
        return 1;
    if (s->start_s < 0)
        return 0;
    return geo_hours_open_at(hours, s->start_s + ((s->elapsed_h > 0 ? s->elapsed_h : 0) +
                                                  travel_h) * 3600.0);
}

/* ------------------------------------------------------------------------- */
/* Places in an outage (rule 8)                                                */
/* ------------------------------------------------------------------------- */

double geo_plan_place_power_h(int in_outage, int has_backup, double backup_h)
{
    if (!in_outage)
        return INFINITY;
    if (!has_backup || isnan(backup_h) || backup_h < 0)
        return 0;
    return backup_h;
}

int geo_plan_place_lasts(const struct geo_plan_scenario *s, double power_h, double runtime_h)
{
    double needed = s->outage_hours - runtime_h;

    if (isinf(power_h))
        return 1;
    if (needed < 0)
        needed = 0;
    /* It must also have power now, when the child leaves home. */
    return power_h >= needed && power_h > (s->elapsed_h > 0 ? s->elapsed_h : 0);
}

/* ------------------------------------------------------------------------- */
/* The decision and its reasons                                                */
/* ------------------------------------------------------------------------- */

const char *geo_plan_decision_name(enum geo_plan_decision d)
{
    static const char *const names[] = { "stay_home", "charge", "evacuate", "unassigned" };

    return (unsigned)d < 4 ? names[d] : "unassigned";
}

#define reason geo_plan_add_reason

void geo_plan_add_reason(struct geo_plan_outcome *o, const char *fmt, ...)
{
    va_list ap;

    if (o->nreasons >= GEO_PLAN_MAX_REASONS)
        return;
    va_start(ap, fmt);
    vsnprintf(o->reasons[o->nreasons++], GEO_PLAN_REASON_LEN, fmt, ap);
    va_end(ap);
}

/* Why a child who needed a destination got none, truthfully. */
static void unassigned_reason(const struct geo_plan_scenario *s, const struct geo_plan_child *k,
                              const struct geo_plan_cand *c, int nc, struct geo_plan_outcome *o)
{
    int usable = 0, reachable = 0, closed = 0;

    for (int j = 0; j < nc; j++) {
        usable += c[j].usable;
        reachable += c[j].reachable;
        closed += c[j].reachable && !c[j].open;
    }
    if (usable)
        reason(o, "every reachable destination with power is taken by children whose batteries "
                  "run out sooner%s%s",
               k->list_cut ? " (the nearest ones were compared; farther ones were not)" : "",
               k->unproven ? " (where watts are short the sharing is the best found, not proven "
                             "best)" : "");
    else if (reachable && closed == reachable)
        reason(o, "no destination with power can be reached %.1f h before the batteries run out "
                  "while it is open (the reachable power points are closed on arrival)",
               s->margin_h);
    else if (reachable)
        reason(o, "no destination with power can be reached %.1f h before the batteries run out "
                  "that keeps its power until the outage ends", s->margin_h);
    else if (nc)
        reason(o, "no destination with power can be reached %.1f h before the batteries run out",
               s->margin_h);
    else
        reason(o, "no eligible destination with power within reach");
}

/* Up to three other candidates, nearest first, each place once. */
static void alternatives(const struct geo_plan_cand *c, int nc, int assigned,
                         struct geo_plan_outcome *o)
{
    o->nalt = 0;
    for (int j = 0; j < nc && o->nalt < 3; j++) {
        int dup = j == assigned || c[j].type == 'v';

        for (int i = 0; i < j && !dup; i++)
            dup = c[i].type == c[j].type && c[i].id == c[j].id;
        if (assigned >= 0)
            dup |= c[assigned].type == c[j].type && c[assigned].id == c[j].id;
        if (!dup)
            o->alt[o->nalt++] = j;
    }
}

void geo_plan_decide(const struct geo_plan_scenario *s, const char *hazard,
                     const struct geo_plan_child *k, const struct geo_plan_cand *c, int nc,
                     int assigned, struct geo_plan_outcome *o)
{
    const struct geo_plan_cand *dest = assigned >= 0 && assigned < nc ? &c[assigned] : NULL;

    memset(o, 0, sizeof *o);
    o->leave_by_h = NAN;
    if (!k->has_home) {
        o->decision = GEO_PLAN_UNASSIGNED;
        reason(o, "no home location: the address could not be placed on the map");
    } else if (!k->needs_dest) {
        o->decision = GEO_PLAN_STAY_HOME;
        if (isinf(k->runtime_h))
            reason(o, "no battery-powered device: runtime is unlimited");
        else
            reason(o, "batteries last %.1f h, at least the %.0f h outage", k->runtime_h,
                   s->outage_hours);
    } else {
        if (k->in_hazard)
            reason(o, "home is inside a %s hazard area: must evacuate", hazard);
        else if (s->elapsed_h > 0)
            reason(o, "batteries last %.1f h, %.1f h of them left now, less than the %.0f h outage",
                   k->runtime_h, k->runtime_h - s->elapsed_h, s->outage_hours);
        else
            reason(o, "batteries last %.1f h, less than the %.0f h outage", k->runtime_h,
                   s->outage_hours);
        if (dest && dest->type == 'v') {
            o->decision = GEO_PLAN_STAY_HOME;
            reason(o, "a power source is brought home from %.1f km away (within its range): "
                      "stay home with it", dest->dist_m / 1000.0);
        } else if (dest) {
            o->decision = dest->type == 's' ? GEO_PLAN_EVACUATE : GEO_PLAN_CHARGE;
            if (isfinite(k->runtime_h))
                o->leave_by_h = k->runtime_h - s->margin_h - dest->travel_h;
            reason(o, "%s %.1f km away, %.0f min by road, has power and a free outlet",
                   dest->type == 's' ? "shelter" : "power point", dest->dist_m / 1000.0,
                   dest->travel_h * 60);
        } else {
            o->decision = GEO_PLAN_UNASSIGNED;
            unassigned_reason(s, k, c, nc, o);
        }
    }
    alternatives(c, nc, dest ? assigned : -1, o);
}

/* ------------------------------------------------------------------------- */
/* When to leave (rule 11), long outages (rule 12)                             */
/* ------------------------------------------------------------------------- */

enum geo_leave_when geo_plan_leave_when(const char *hazard)
{
    static const char *const level3[] = { "flood", "landslide", "storm_surge", "inland_flood" };

    if (!hazard)
        return GEO_LEAVE_BY_DEADLINE;
    for (size_t i = 0; i < sizeof level3 / sizeof level3[0]; i++)
        if (strcmp(hazard, level3[i]) == 0)
            return GEO_LEAVE_ALERT_LEVEL_3;
    if (strcmp(hazard, "tsunami") == 0)
        return GEO_LEAVE_AT_ONCE;
    return GEO_LEAVE_BY_DEADLINE;
}

const char *geo_plan_leave_when_code(enum geo_leave_when w)
{
    switch (w) {
    case GEO_LEAVE_ALERT_LEVEL_3:
        return "alert_level_3";
    case GEO_LEAVE_AT_ONCE:
        return "at_once";
    case GEO_LEAVE_BY_DEADLINE:
        break;
    }
    return "leave_by";
}

int geo_plan_charge_trips(const struct geo_plan_scenario *s, double runtime_h)
{
    double n;

    if (isinf(runtime_h) || runtime_h >= s->outage_hours)
        return 0;
    if (!(runtime_h > 0))
        return -1;
    n = ceil(s->outage_hours / runtime_h - 1e-9) - 1;
    return n < 1 ? 1 : n > 1e6 ? 1000000 : (int)n;
}
