/* test_plan_checklist.c -- the rules of the plan's checklist
 * (geo/plan_checklist.c): one test per rule, and the order of the list. */
#include "geo/plan_checklist.h"
#include "tests/unit/unit.h"

#define MAXL 32

/* The checklist of a child with these care words, devices and decision. */
static int list_of(const char *const *care, int ncare, const struct geo_check_device *dev, int ndev,
                   const char *decision, struct geo_check_line *out)
{
    struct geo_check_child k = { care, ncare, dev, ndev, decision };

    return geo_checklist(&k, out, MAXL);
}

static int count(const struct geo_check_line *l, int n, enum geo_check_item item)
{
    int c = 0;

    for (int i = 0; i < n; i++)
        c += l[i].item == item;
    return c;
}

static void checklist_should_always_hold_the_cord_the_medicine_and_the_light(void)
{
    struct geo_check_line l[MAXL];
    int n = list_of(NULL, 0, NULL, 0, NULL, l);

    CHECK(n == 3);
    CHECK(l[0].item == GEO_CHECK_EXTENSION_CORD && l[0].device == -1);
    CHECK(l[1].item == GEO_CHECK_MEDICINE);
    CHECK(l[2].item == GEO_CHECK_LIGHT_AND_PHONE);
}

static void checklist_should_take_a_spare_battery_per_device_with_a_known_battery(void)
{
    const struct geo_check_device d[] = {
        { "pulse_oximeter", 4 }, { "feeding_pump", 0 }, { NULL, 6 }, { "ventilator", NAN },
        { "suction_machine", -1 }, { "oxygen_concentrator", 0.5 },
    };
    struct geo_check_line l[MAXL];
    int n = list_of(NULL, 0, d, 6, NULL, l);

    CHECK(count(l, n, GEO_CHECK_BATTERY) == 2);
    CHECK(l[0].item == GEO_CHECK_BATTERY && l[0].device == 0);
    CHECK(l[1].item == GEO_CHECK_BATTERY && l[1].device == 5);
}

/* Each item that a care word or a device type calls for. */
static void checklist_should_follow_care_and_device_types(void)
{
    static const struct {
        const char *care, *device;
        enum geo_check_item first, second;  /* second GEO_CHECK_NITEMS: none */
    } t[] = {
        { "ventilator", "ventilator_home", GEO_CHECK_MANUAL_VENTILATOR, GEO_CHECK_VENTILATOR_CIRCUIT },
        { "suction", "suction_machine", GEO_CHECK_MANUAL_SUCTION, GEO_CHECK_SUCTION_SUPPLIES },
        { "oxygen", "oxygen_concentrator", GEO_CHECK_OXYGEN_CYLINDER, GEO_CHECK_OXYGEN_CANNULA },
        { "tube_feeding", "feeding_pump", GEO_CHECK_FEEDING, GEO_CHECK_NITEMS },
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const struct geo_check_device d = { t[i].device, NAN };
        struct geo_check_line by_care[MAXL], by_device[MAXL];
        int nc = list_of(&t[i].care, 1, NULL, 0, NULL, by_care);
        int nd = list_of(NULL, 0, &d, 1, NULL, by_device);
        int extra = t[i].second == GEO_CHECK_NITEMS ? 1 : 2;

        CHECK(nc == 3 + extra && nd == 3 + extra);
        CHECK(by_care[0].item == t[i].first && by_device[0].item == t[i].first);
        if (extra == 2)
            CHECK(by_care[1].item == t[i].second && by_device[1].item == t[i].second);
    }
}

static void checklist_should_take_care_alone_for_tracheostomy_iv_and_dialysis(void)
{
    static const char *const care[] = { "tracheostomy", "iv", "dialysis" };
    const struct geo_check_device d[] = { { "tracheostomy", NAN }, { "iv_pump", NAN },
                                          { "dialysis", NAN } };
    struct geo_check_line l[MAXL];
    int n = list_of(care, 3, NULL, 0, NULL, l);

    CHECK(n == 6);
    CHECK(l[0].item == GEO_CHECK_TRACHEOSTOMY_TUBE);
    CHECK(l[1].item == GEO_CHECK_IV);
    CHECK(l[2].item == GEO_CHECK_DIALYSIS);
    CHECK(list_of(NULL, 0, d, 3, NULL, l) == 3);     /* device types do not */
}

static void checklist_should_take_the_car_inverter_only_when_charging_or_staying_home(void)
{
    static const char *const decisions[] = { "charge", "stay_home", "go", "evacuate", "" };
    struct geo_check_line l[MAXL];

    for (int i = 0; i < 5; i++) {
        int n = list_of(NULL, 0, NULL, 0, decisions[i], l);

        CHECK(count(l, n, GEO_CHECK_CAR_INVERTER) == (i < 2));
    }
    CHECK(count(l, list_of(NULL, 0, NULL, 0, NULL, l), GEO_CHECK_CAR_INVERTER) == 0);
}

static void checklist_should_ignore_unknown_care_words_and_list_each_item_once(void)
{
    static const char *const care[] = { "ventilator", "walking", NULL, "ventilator", "suction" };
    const struct geo_check_device d[] = { { "ventilator", NAN }, { "suction_unit", NAN } };
    struct geo_check_line l[MAXL];
    int n = list_of(care, 5, d, 2, NULL, l);

    CHECK(n == 7);
    CHECK(count(l, n, GEO_CHECK_MANUAL_VENTILATOR) == 1);
    CHECK(count(l, n, GEO_CHECK_MANUAL_SUCTION) == 1);
}

static void checklist_should_keep_the_order_of_the_items(void)
{
    static const char *const care[] = { "dialysis", "oxygen", "tube_feeding", "iv", "suction",
                                        "tracheostomy", "ventilator" };
    const struct geo_check_device d[] = { { "ventilator", 8 } };
    struct geo_check_line l[MAXL];
    int n = list_of(care, 7, d, 1, "charge", l);

    CHECK(n == GEO_CHECK_NITEMS);
    for (int i = 0; i < n; i++)
        CHECK(l[i].item == (enum geo_check_item)i);
}

static void checklist_should_stop_at_the_room_it_is_given(void)
{
    static const char *const care[] = { "ventilator", "oxygen" };
    struct geo_check_child k = { care, 2, NULL, 0, "charge" };
    struct geo_check_line l[3];

    CHECK(geo_checklist(&k, l, 3) == 3);
    CHECK(l[2].item == GEO_CHECK_OXYGEN_CYLINDER);
    CHECK(geo_checklist(&k, l, 0) == 0);
}

UNIT_MAIN(UNIT_TEST(checklist_should_always_hold_the_cord_the_medicine_and_the_light),
          UNIT_TEST(checklist_should_take_a_spare_battery_per_device_with_a_known_battery),
          UNIT_TEST(checklist_should_follow_care_and_device_types),
          UNIT_TEST(checklist_should_take_care_alone_for_tracheostomy_iv_and_dialysis),
          UNIT_TEST(checklist_should_take_the_car_inverter_only_when_charging_or_staying_home),
          UNIT_TEST(checklist_should_ignore_unknown_care_words_and_list_each_item_once),
          UNIT_TEST(checklist_should_keep_the_order_of_the_items),
          UNIT_TEST(checklist_should_stop_at_the_room_it_is_given))
