/* plan.h -- city-wide plan runs (DESIGN.md section 6) over the database. */
#ifndef PLAN_H
#define PLAN_H

#include <libpq-fe.h>
#include <stddef.h>

#include "server/util.h"

struct cJSON;

/* A planning scenario; plan_scenario_init gives DESIGN's defaults. */
struct plan_scenario {
    char hazard[16];            /* "none" or one of the eight hazards */
    double outage_hours;        /* 72 */
    double speed_kmh;           /* 20 */
    double detour;              /* 1.4 x straight-line distance */
    double margin_h;            /* 1 */
    char start_at[40];          /* ISO 8601, or "" when not given */
    long outage_id;             /* rule 8: plan against this outage; 0 none */
};

void plan_scenario_init(struct plan_scenario *s);

/* Sets field name (hazard, outage_hours, speed_kmh, detour, margin_h,
 * start_at, outage_id) from its text value.  Returns 0, or -1 with a message naming the
 * field in err. */
int plan_scenario_set(struct plan_scenario *s, const char *name, const char *value,
                      char *err, size_t errlen);

/* Reads a scenario from a JSON object (unknown members are errors).
 * Returns 0, or -1 with a message in err. */
int plan_scenario_from_json(struct plan_scenario *s, const struct cJSON *obj,
                            char *err, size_t errlen);

/* The canonical text of a scenario: equal scenarios, equal keys. */
void plan_scenario_key(const struct plan_scenario *s, char *out, size_t outlen);

/* The id of the latest finished run of scenario s, or 0 when there is none
 * (or the database did not answer). */
long plan_latest_run(PGconn *c, const struct plan_scenario *s);

/* The id of the latest finished run against outage_id (rule 8), or 0. */
long plan_outage_run(PGconn *c, long outage_id);

/* What a run did, for its caller.  On failure, message says why in one line
 * (no personal data) and field names the scenario field at fault, if any. */
struct plan_report {
    long run_id;
    int children, stay_home, charge, evacuate, unassigned;
    int proven_optimal;
    int unlocated;              /* children with no home point */
    char field[16];
    char message[512];
};

/* Runs the city-wide assignment for s over connection c in one transaction
 * (serialised with any other run through an advisory lock) and stores it.
 * actor names who asked ("key:NAME", "cli:USER").  Returns PM_OK with the
 * run in *rep, or PM_ERR_BAD_REQUEST (a scenario value the database refuses:
 * rep->field names it), PM_ERR_UNAVAILABLE (the database failed),
 * PM_ERR_NOMEM or PM_ERR_INTERNAL, with rep->message. */
enum pm_err plan_run(PGconn *c, const struct plan_scenario *s, const char *actor,
                     struct plan_report *rep);

/* Rule 8: re-plans, one run after another, every active outage created or
 * changed since its latest run (only outage_id when it is not 0), each with
 * the default scenario against it.  An outage another daemon re-planned
 * while this one waited for the lock is skipped; one that fails does not
 * stop the others.  Returns PM_OK with how many runs were stored in
 * *runs, or the first failure with rep->message. */
enum pm_err plan_replan_outages(PGconn *c, const char *actor, long outage_id, int *runs,
                                struct plan_report *rep);

#endif
