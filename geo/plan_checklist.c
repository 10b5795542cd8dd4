/* plan_checklist.c -- the rules of the plan's checklist (see plan_checklist.h):
 * which items a child's care, devices and decision call for. */
#include "geo/plan_checklist.h"

#include <string.h>

static int has_care(const struct geo_check_child *k, const char *what)
{
    for (int i = 0; i < k->ncare; i++)
        if (k->care[i] && strcmp(k->care[i], what) == 0)
            return 1;
    return 0;
}

static int has_device(const struct geo_check_child *k, const char *type_prefix)
{
    for (int i = 0; i < k->ndevices; i++) {
        const char *t = k->devices[i].type;

        if (t && strncmp(t, type_prefix, strlen(type_prefix)) == 0)
            return 1;
    }
    return 0;
}

/* The care word and device type prefix that call for an item; NULL prefix:
 * the care alone. */
struct rule {
    enum geo_check_item item;
    const char *care;
    const char *device_prefix;
};

static const struct rule rules[] = {
    { GEO_CHECK_MANUAL_VENTILATOR, "ventilator", "ventilator" },
    { GEO_CHECK_VENTILATOR_CIRCUIT, "ventilator", "ventilator" },
    { GEO_CHECK_TRACHEOSTOMY_TUBE, "tracheostomy", NULL },
    { GEO_CHECK_MANUAL_SUCTION, "suction", "suction" },
    { GEO_CHECK_SUCTION_SUPPLIES, "suction", "suction" },
    { GEO_CHECK_OXYGEN_CYLINDER, "oxygen", "oxygen" },
    { GEO_CHECK_OXYGEN_CANNULA, "oxygen", "oxygen" },
    { GEO_CHECK_FEEDING, "tube_feeding", "feeding" },
    { GEO_CHECK_IV, "iv", NULL },
    { GEO_CHECK_DIALYSIS, "dialysis", NULL },
};

int geo_checklist(const struct geo_check_child *k, struct geo_check_line *out, int cap)
{
    int n = 0;

#define PUT(it, dev)                                                       \
    do {                                                                   \
        if (n < cap) {                                                     \
            out[n].item = (it);                                            \
            out[n].device = (dev);                                         \
            n++;                                                           \
        }                                                                  \
    } while (0)
    for (int i = 0; i < k->ndevices; i++)
        if (k->devices[i].type && k->devices[i].battery_h > 0)
            PUT(GEO_CHECK_BATTERY, i);
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
        if (has_care(k, rules[r].care) || (rules[r].device_prefix && has_device(k, rules[r].device_prefix)))
            PUT(rules[r].item, -1);
    if (k->decision && (strcmp(k->decision, "charge") == 0 || strcmp(k->decision, "stay_home") == 0))
        PUT(GEO_CHECK_CAR_INVERTER, -1);
    PUT(GEO_CHECK_EXTENSION_CORD, -1);
    PUT(GEO_CHECK_MEDICINE, -1);
    PUT(GEO_CHECK_LIGHT_AND_PHONE, -1);
#undef PUT
    return n;
}
