/* plan_checklist.h -- the checklist of a child's plan: what the family takes
 * when it leaves home in a blackout, from the child's care, devices and the
 * plan's decision.  Pure rules: the items come out as codes (and, for a
 * spare battery, which device); server/plan_render.c words them in Japanese
 * for the plan, the A4 page and the API. */
#ifndef GEO_PLAN_CHECKLIST_H
#define GEO_PLAN_CHECKLIST_H

/* The items, in the order the list shows them. */
enum geo_check_item {
    GEO_CHECK_BATTERY,              /* a spare battery of one device */
    GEO_CHECK_MANUAL_VENTILATOR,    /* ventilator: a resuscitation bag */
    GEO_CHECK_VENTILATOR_CIRCUIT,   /* ventilator: spare circuit, HME, filters */
    GEO_CHECK_TRACHEOSTOMY_TUBE,    /* tracheostomy: spare cannulas */
    GEO_CHECK_MANUAL_SUCTION,       /* suction: a hand or foot pump */
    GEO_CHECK_SUCTION_SUPPLIES,     /* suction: catheters, swabs, water */
    GEO_CHECK_OXYGEN_CYLINDER,      /* oxygen: a portable cylinder */
    GEO_CHECK_OXYGEN_CANNULA,       /* oxygen: spare cannulas and masks */
    GEO_CHECK_FEEDING,              /* tube feeding: formula and syringes */
    GEO_CHECK_IV,                   /* iv: spare fluids and lines */
    GEO_CHECK_DIALYSIS,             /* dialysis: records and the unit's contact */
    GEO_CHECK_CAR_INVERTER,         /* charging from a car */
    GEO_CHECK_EXTENSION_CORD,       /* always */
    GEO_CHECK_MEDICINE,             /* always */
    GEO_CHECK_LIGHT_AND_PHONE,      /* always */
    GEO_CHECK_NITEMS
};

/* One medical device as the checklist sees it: type is the registry's device
 * type ("ventilator", "suction_machine", ...; NULL: not known), battery_h its
 * hours on battery (not > 0, NAN included: not known). */
struct geo_check_device {
    const char *type;
    double battery_h;
};

/* What the checklist reads of a child and the plan.  care[] holds the
 * registry's care words ("ventilator", "tracheostomy", "suction", "oxygen",
 * "tube_feeding", "iv", "dialysis"; others are ignored); decision is the
 * plan's decision ("charge", "stay_home", ...; may be NULL). */
struct geo_check_child {
    const char *const *care;
    int ncare;
    const struct geo_check_device *devices;
    int ndevices;
    const char *decision;
};

/* One line of the list: device is the index in devices[] for
 * GEO_CHECK_BATTERY, -1 otherwise. */
struct geo_check_line {
    enum geo_check_item item;
    int device;
};

/* The lines most a child's list can have: out[] of this size never fills. */
#define GEO_CHECK_MAX_LINES(ndevices) ((ndevices) + GEO_CHECK_NITEMS)

/* Writes the checklist of k into out[] (at most cap lines, in the order of
 * enum geo_check_item, batteries in device order) and returns the number of
 * lines written.  The rules: a spare battery for every device whose type and
 * battery time are known; the ventilator, suction, oxygen and feeding items
 * when the care names them or a device's type starts with "ventilator",
 * "suction", "oxygen" or "feeding"; tracheostomy, iv and dialysis items from
 * the care alone; the car inverter when the decision is "charge" or
 * "stay_home"; the extension cord, the medicine and the light and phone
 * always. */
int geo_checklist(const struct geo_check_child *k, struct geo_check_line *out, int cap);

#endif
