/* plan_rules.h -- the planning rules of DESIGN §6 for one child, as pure
 * functions: a device's battery time and the home's power (rules 6, 7), the
 * time left and the reach in a real outage (rule 8), travel time, opening
 * hours on arrival, whether a place still has power when it is needed, the
 * decision with its reasons, the alternatives, when to leave by hazard (rule
 * 11) and the trips of a long outage (rule 12).
 *
 * No I/O: server/plan.c reads the database and calls these; the city-wide
 * sharing of capacity (rules 4, 5) is geo/assign.c.  Every comparison is made
 * on exact values (seconds and metres as doubles, never rounded). */
#ifndef GEO_PLAN_RULES_H
#define GEO_PLAN_RULES_H

#include <stddef.h>

/* ---- Power of a child (rules 6, 7) ------------------------------------- */

/* One medical device.  battery_h NAN: not known (counted as 0 h and
 * flagged).  minutes_per_hour is used when intermittent (0 < m <= 60; other
 * values mean continuous).  backup_h: hours a non-electric backup replaces
 * the device (0: none).  charge_h NAN: not known. */
struct geo_device {
    double power_w;
    double battery_h;
    int life;
    int intermittent;
    double minutes_per_hour;
    double backup_h;
    double charge_h;
    int removable;              /* its batteries can be charged away from it */
};

/* Power at home (rule 7); zeros when none. */
struct geo_home_power {
    double battery_wh;
    double generator_w, generator_h;
    double car_inverter_w;
};

/* What a child's devices and home give. */
struct geo_power {
    double need_w;              /* sum of power_w (what a place must supply) */
    double avg_w;               /* average draw: intermittent devices by duty */
    double device_h;            /* rule 6: least time of the life-sustaining
                                 * devices (none: of all); INFINITY without devices */
    double home_battery_h;      /* rule 7: hours the home's battery adds */
    double home_generator_h;    /* hours the generator adds (0 when too small) */
    double runtime_h;           /* device_h + home_battery_h + home_generator_h */
    double charge_h;            /* longest charge_h of the devices; NAN unknown */
    int life;                   /* a life-sustaining device */
    int ndevices;
    int no_battery_data;        /* devices whose battery_h is unknown */
    int batteries_travel;       /* every device that limits runtime has removable
                                 * batteries: the family may charge them alone */
};

/* Hours one device runs on its own: battery_h, or battery_h x 60 /
 * minutes_per_hour when intermittent, plus backup_h (rule 6). */
double geo_device_hours(const struct geo_device *d);

/* Fills *out from the n devices d[] (n may be 0, d then NULL) and the home
 * power (may be NULL). */
void geo_plan_power(const struct geo_device *d, int n, const struct geo_home_power *home,
                    struct geo_power *out);

/* ---- Scenario, time and reach (rules 3, 8) ----------------------------- */

struct geo_plan_scenario {
    double outage_hours;        /* from the outage start */
    double speed_kmh, detour, margin_h;
    double start_s;             /* seconds since midnight, Japan time, when the
                                 * outage starts; < 0 when not given */
    double elapsed_h;           /* rule 8: hours since the outage started
                                 * (0 when planning ahead) */
};

/* Travel time in hours for a straight-line distance in metres. */
double geo_plan_travel_h(const struct geo_plan_scenario *s, double dist_m);

/* Hours a child with runtime_h has left now (rule 8: batteries full at the
 * outage start); INFINITY stays INFINITY. */
double geo_plan_time_left_h(const struct geo_plan_scenario *s, double runtime_h);

/* Rule 3: reachable when travel_h + margin_h <= time left. */
int geo_plan_reachable(const struct geo_plan_scenario *s, double runtime_h, double travel_h);

/* The straight-line distance in metres within which a place can be
 * reachable: the exact inverse of the two functions above (>= 0; a large
 * finite number for INFINITY).  A database search may use it as its radius
 * and must then apply geo_plan_reachable to each row. */
double geo_plan_reach_m(const struct geo_plan_scenario *s, double runtime_h);

/* Rules 1, 2: does a child with a home point need a destination? */
int geo_plan_needs_destination(const struct geo_plan_scenario *s, int in_hazard,
                               double runtime_h);

/* ---- Opening hours ----------------------------------------------------- */

/* Parses "24h" or "HH:MM-HH:MM" into minutes of the day (a close of 24:00
 * is 1440).  Returns 1 for 24h, 0 for a window, -1 when malformed. */
int geo_hours_parse(const char *hours, int *open_min, int *close_min);

/* Is a place with these hours open at second_of_day (any real number; taken
 * modulo one day)?  Exact to the second and below; a window past midnight
 * (22:00-06:00) wraps.  The window includes its opening and excludes its
 * closing instant.  Malformed hours: never open. */
int geo_hours_open_at(const char *hours, double second_of_day);

/* Is the place open when a child leaving now arrives after travel_h?  24h
 * places always; others only when the scenario gives start_s. */
int geo_plan_open_on_arrival(const struct geo_plan_scenario *s, const char *hours,
                             double travel_h);

/* ---- Places in an outage (rule 8) -------------------------------------- */

/* Hours from the outage start for which a place has power: INFINITY when it
 * is outside the outage; inside, backup_h when it has backup power, else 0. */
double geo_plan_place_power_h(int in_outage, int has_backup, double backup_h);

/* Does a place with power for power_h hours carry a child with runtime_h
 * until the outage ends?  Its batteries, full when they leave the place,
 * carry the last runtime_h hours, so the place must last outage_hours -
 * runtime_h from the outage start. */
int geo_plan_place_lasts(const struct geo_plan_scenario *s, double power_h, double runtime_h);

/* ---- The decision (DESIGN §6 "A plan gives") --------------------------- */

enum geo_plan_decision {
    GEO_PLAN_STAY_HOME,
    GEO_PLAN_CHARGE,
    GEO_PLAN_EVACUATE,
    GEO_PLAN_UNASSIGNED
};

/* The stable English name of a decision ("stay_home", ...). */
const char *geo_plan_decision_name(enum geo_plan_decision d);

/* A child as the rules see it. */
struct geo_plan_child {
    double need_w, runtime_h;   /* runtime_h INFINITY: unlimited */
    int life, walks, has_home, in_hazard;
    int needs_dest;             /* from geo_plan_needs_destination */
    int list_cut;               /* its candidate list was cut (more places exist) */
    int unproven;               /* the run could not prove its cover optimal */
};

/* A destination a child was offered.  usable: eligible, reachable, open on
 * arrival and powered for long enough, so it may be assigned. */
struct geo_plan_cand {
    char type;                  /* 's' shelter, 'p' power point, 'v' a power
                                 * source brought home (rule 9) */
    long id;
    double dist_m, travel_h;
    int outlets;
    double watts;
    char hours[12];
    int usable;
    int reachable;              /* travel and margin fit in the time left */
    int open;                   /* open on arrival */
    int full;                   /* after the run: no room left for this child */
};

#define GEO_PLAN_MAX_REASONS 6
#define GEO_PLAN_REASON_LEN 200

struct geo_plan_outcome {
    enum geo_plan_decision decision;
    char reasons[GEO_PLAN_MAX_REASONS][GEO_PLAN_REASON_LEN];
    int nreasons;
    double leave_by_h;          /* NAN when none */
    int alt[3];                 /* indexes into the candidates */
    int nalt;
};

/* Decides a child's plan from its candidates c[0..nc) (sorted nearest first)
 * and the one assigned (an index into c, or -1).  hazard: the scenario's
 * hazard name, for the reasons. */
void geo_plan_decide(const struct geo_plan_scenario *s, const char *hazard,
                     const struct geo_plan_child *k, const struct geo_plan_cand *c, int nc,
                     int assigned, struct geo_plan_outcome *o);

/* Appends a reason to o (dropped past GEO_PLAN_MAX_REASONS). */
void geo_plan_add_reason(struct geo_plan_outcome *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- When to leave (rule 11) and long outages (rule 12) ---------------- */

enum geo_leave_when {
    GEO_LEAVE_ALERT_LEVEL_3,    /* flood, landslide, storm_surge, inland_flood */
    GEO_LEAVE_AT_ONCE,          /* tsunami */
    GEO_LEAVE_BY_DEADLINE       /* earthquake, fire, volcano, none: leave_by_h */
};

enum geo_leave_when geo_plan_leave_when(const char *hazard);

/* The stable English code of a rule 11 answer ("alert_level_3", ...). */
const char *geo_plan_leave_when_code(enum geo_leave_when w);

/* Rule 12: charging trips needed during the outage by a child whose
 * batteries last runtime_h: one for each time they run out before the
 * outage ends (0 when they outlast it; -1 when runtime_h <= 0). */
int geo_plan_charge_trips(const struct geo_plan_scenario *s, double runtime_h);

#endif
