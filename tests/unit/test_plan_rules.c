/* test_plan_rules.c -- the rules of DESIGN §6 for one child (geo/plan_rules.c):
 * one group of tests per rule, with the boundary cases each one has. */
#include "geo/plan_rules.h"
#include "tests/unit/unit.h"

static struct geo_plan_scenario scen(void)
{
    struct geo_plan_scenario s = { 72, 20, 1.4, 1, -1, 0 };

    return s;
}

static struct geo_device dev(double w, double bat, int life)
{
    struct geo_device d = { w, bat, life, 0, 0, 0, NAN, 0 };

    return d;
}

/* ---- Rule 6 ---------------------------------------------------------------- */

static void power_should_take_the_least_battery_of_life_sustaining_devices(void)
{
    struct geo_device d[3] = { dev(100, 2, 1), dev(50, 10, 1), dev(30, 0.5, 0) };
    struct geo_power p;

    geo_plan_power(d, 3, NULL, &p);
    CHECK_NEAR(p.need_w, 180, 1e-9);
    CHECK_NEAR(p.runtime_h, 2, 1e-12);
    CHECK(p.life == 1);
    geo_plan_power(d + 2, 1, NULL, &p);     /* none life-sustaining: among all */
    CHECK_NEAR(p.runtime_h, 0.5, 1e-12);
    CHECK(p.life == 0);
}

static void power_should_be_unlimited_without_devices_and_say_so(void)
{
    struct geo_power p;

    geo_plan_power(NULL, 0, NULL, &p);
    CHECK(isinf(p.runtime_h));
    CHECK(p.ndevices == 0);
}

static void power_should_flag_a_device_with_no_battery_data(void)
{
    struct geo_device d[1] = { dev(40, NAN, 1) };
    struct geo_power p;

    geo_plan_power(d, 1, NULL, &p);
    CHECK(p.no_battery_data == 1);
    CHECK_NEAR(p.runtime_h, 0, 0);          /* never assumed unlimited */
}

static void device_hours_should_stretch_an_intermittent_device_by_its_duty(void)
{
    struct geo_device d = dev(60, 1, 1);

    d.intermittent = 1;
    d.minutes_per_hour = 10;                /* suction used 10 minutes an hour */
    CHECK_NEAR(geo_device_hours(&d), 6, 1e-12);
    d.minutes_per_hour = 60;                /* always on: as continuous */
    CHECK_NEAR(geo_device_hours(&d), 1, 1e-12);
    d.minutes_per_hour = 0;                 /* not given: continuous, never infinite */
    CHECK_NEAR(geo_device_hours(&d), 1, 1e-12);
}

static void device_hours_should_add_a_non_electric_backup(void)
{
    struct geo_device d = dev(300, 2, 1);

    d.backup_h = 8;                         /* oxygen cylinders for a concentrator */
    CHECK_NEAR(geo_device_hours(&d), 10, 1e-12);
}

/* ---- Rule 7 ---------------------------------------------------------------- */

static void home_power_should_extend_runtime_by_average_draw(void)
{
    struct geo_device d[2] = { dev(100, 4, 1), dev(60, 30, 0) };
    struct geo_home_power h = { 1000, 0, 0, 0 };
    struct geo_power p;

    d[1].intermittent = 1;
    d[1].minutes_per_hour = 10;             /* average 100 + 10 = 110 W */
    geo_plan_power(d, 2, &h, &p);
    CHECK_NEAR(p.avg_w, 110, 1e-9);
    CHECK_NEAR(p.home_battery_h, 1000.0 / 110, 1e-9);
    CHECK_NEAR(p.runtime_h, 4 + 1000.0 / 110, 1e-9);
}

static void home_generator_should_count_only_when_it_covers_the_draw(void)
{
    struct geo_device d[1] = { dev(200, 8, 1) };
    struct geo_home_power big = { 0, 500, 10, 0 }, small = { 0, 150, 10, 0 };
    struct geo_power p;

    geo_plan_power(d, 1, &big, &p);
    CHECK_NEAR(p.home_generator_h, 25, 1e-9);      /* 500 W x 10 h / 200 W */
    CHECK_NEAR(p.runtime_h, 33, 1e-9);
    geo_plan_power(d, 1, &small, &p);
    CHECK_NEAR(p.home_generator_h, 0, 0);
    CHECK_NEAR(p.runtime_h, 8, 1e-12);
}

static void home_generator_covering_40_of_72_hours_should_not_mean_stay_home(void)
{
    struct geo_device d[1] = { dev(100, 10, 1) };
    struct geo_home_power h = { 0, 100, 30, 0 };   /* 30 h at 100 W: 30 h */
    struct geo_plan_scenario s = scen();
    struct geo_power p;

    geo_plan_power(d, 1, &h, &p);
    CHECK_NEAR(p.runtime_h, 40, 1e-9);
    CHECK(geo_plan_needs_destination(&s, 0, p.runtime_h));
    s.outage_hours = 40;
    CHECK(!geo_plan_needs_destination(&s, 0, p.runtime_h));
}

/* ---- Rules 1-3: needs, travel, reach ------------------------------------ */

static void needs_destination_should_follow_rules_one_and_two(void)
{
    struct geo_plan_scenario s = scen();

    CHECK(geo_plan_needs_destination(&s, 1, INFINITY));      /* hazard: always */
    CHECK(!geo_plan_needs_destination(&s, 0, 72));           /* exactly the outage */
    CHECK(geo_plan_needs_destination(&s, 0, 71.999999));
    CHECK(!geo_plan_needs_destination(&s, 0, INFINITY));
}

static void reach_should_be_exact_at_its_boundary(void)
{
    struct geo_plan_scenario s = scen();
    double runtime = 3.0, r = geo_plan_reach_m(&s, runtime);
    double exact = (runtime - 1) * 20 / 1.4 * 1000;          /* 28571.428... m */

    CHECK(r >= exact && r - exact < 1e-3);                   /* never rounded to 0.1 m */
    CHECK(geo_plan_reachable(&s, runtime, geo_plan_travel_h(&s, exact * (1 - 1e-12))));
    CHECK(!geo_plan_reachable(&s, runtime, geo_plan_travel_h(&s, exact + 0.01)));
    CHECK_NEAR(geo_plan_reach_m(&s, 0.5), 0, 0);             /* under the margin */
    CHECK(geo_plan_reach_m(&s, INFINITY) >= 1e7);
}

/* ---- Opening hours ------------------------------------------------------- */

static void hours_should_parse_and_refuse_malformed_text(void)
{
    int a, b;

    CHECK(geo_hours_parse("24h", &a, &b) == 1);
    CHECK(geo_hours_parse("09:30-17:00", &a, &b) == 0 && a == 570 && b == 1020);
    CHECK(geo_hours_parse("22:00-24:00", &a, &b) == 0 && b == 1440);
    CHECK(geo_hours_parse("9-17", &a, &b) == -1);
    CHECK(geo_hours_parse("09:00-17:00x", &a, &b) == -1);
    CHECK(geo_hours_parse("25:00-26:00", &a, &b) == -1);
    CHECK(!geo_hours_open_at("bogus", 36000));
}

static void hours_should_compare_arrival_to_the_second(void)
{
    /* Opens at 09:00: 18 s before is closed (it was rounded to open). */
    CHECK(!geo_hours_open_at("09:00-17:00", 9 * 3600 - 18));
    CHECK(!geo_hours_open_at("09:00-17:00", 9 * 3600 - 0.001));
    CHECK(geo_hours_open_at("09:00-17:00", 9 * 3600));
    CHECK(geo_hours_open_at("09:00-17:00", 17 * 3600 - 0.001));
    CHECK(!geo_hours_open_at("09:00-17:00", 17 * 3600));
}

static void hours_should_wrap_past_midnight_and_days(void)
{
    CHECK(geo_hours_open_at("22:00-06:00", 23 * 3600));
    CHECK(geo_hours_open_at("22:00-06:00", 5 * 3600));
    CHECK(!geo_hours_open_at("22:00-06:00", 12 * 3600));
    CHECK(geo_hours_open_at("09:00-17:00", 86400 + 10 * 3600));  /* next day */
    CHECK(geo_hours_open_at("09:00-17:00", -86400 + 10 * 3600));
}

static void open_on_arrival_should_need_a_start_time_unless_24h(void)
{
    struct geo_plan_scenario s = scen();

    CHECK(geo_plan_open_on_arrival(&s, "24h", 5));
    CHECK(!geo_plan_open_on_arrival(&s, "09:00-17:00", 0.5));
    s.start_s = 8.5 * 3600;                                /* 08:30 + 30 min = 09:00 */
    CHECK(geo_plan_open_on_arrival(&s, "09:00-17:00", 0.5));
    CHECK(!geo_plan_open_on_arrival(&s, "09:00-17:00", 0.5 - 18.0 / 3600));
    s.elapsed_h = 1;                                       /* rule 8: leaving now */
    CHECK(geo_plan_open_on_arrival(&s, "09:00-17:00", 0));
}

/* ---- Rule 8 ---------------------------------------------------------------- */

static void time_left_should_count_from_the_outage_start(void)
{
    struct geo_plan_scenario s = scen();

    s.elapsed_h = 5;
    CHECK_NEAR(geo_plan_time_left_h(&s, 8), 3, 1e-12);
    CHECK(isinf(geo_plan_time_left_h(&s, INFINITY)));
    CHECK(geo_plan_reachable(&s, 8, 2));
    CHECK(!geo_plan_reachable(&s, 8, 2.0001));
}

static void places_in_the_outage_should_count_only_on_backup_power(void)
{
    CHECK(isinf(geo_plan_place_power_h(0, 0, 0)));         /* outside: unaffected */
    CHECK_NEAR(geo_plan_place_power_h(1, 0, 24), 0, 0);    /* dark */
    CHECK_NEAR(geo_plan_place_power_h(1, 1, 24), 24, 0);
}

static void a_24h_generator_should_carry_a_20h_need_but_not_a_30h_one(void)
{
    struct geo_plan_scenario s = scen();

    s.outage_hours = 40;
    CHECK(geo_plan_place_lasts(&s, 24, 20));                /* needs 40 - 20 = 20 h */
    CHECK(!geo_plan_place_lasts(&s, 24, 10));               /* needs 30 h */
    CHECK(!geo_plan_place_lasts(&s, 0, 39));                /* dark place */
    CHECK(geo_plan_place_lasts(&s, INFINITY, 0));
    s.elapsed_h = 25;                                      /* its fuel is gone by now */
    CHECK(!geo_plan_place_lasts(&s, 24, 39));
}

/* ---- The decision and its reasons ------------------------------------------- */

static struct geo_plan_cand cand(char type, long id, double dist_m, int usable)
{
    struct geo_plan_cand c;

    memset(&c, 0, sizeof c);
    c.type = type;
    c.id = id;
    c.dist_m = dist_m;
    c.travel_h = dist_m / 1000 * 1.4 / 20;
    c.outlets = 1;
    c.watts = 1000;
    snprintf(c.hours, sizeof c.hours, "24h");
    c.usable = c.reachable = c.open = usable;
    return c;
}

static void decide_should_evacuate_to_a_shelter_with_leave_by(void)
{
    struct geo_plan_scenario s = scen();
    struct geo_plan_child k = { 100, 5, 1, 0, 1, 0, 1, 0, 0 };
    struct geo_plan_cand c[2] = { cand('s', 7, 1000, 1), cand('p', 8, 2000, 1) };
    struct geo_plan_outcome o;

    geo_plan_decide(&s, "none", &k, c, 2, 0, &o);
    CHECK(o.decision == GEO_PLAN_EVACUATE);
    CHECK_NEAR(o.leave_by_h, 5 - 1 - 0.07, 1e-9);
    CHECK(o.nalt == 1 && o.alt[0] == 1);
    geo_plan_decide(&s, "none", &k, c, 2, 1, &o);
    CHECK(o.decision == GEO_PLAN_CHARGE);
    CHECK_STR(geo_plan_decision_name(o.decision), "charge");
}

static void decide_should_say_why_a_child_is_unassigned(void)
{
    struct geo_plan_scenario s = scen();
    struct geo_plan_child k = { 100, 5, 1, 0, 1, 0, 1, 0, 0 };
    struct geo_plan_cand c[1] = { cand('p', 8, 2000, 1) };
    struct geo_plan_outcome o;

    geo_plan_decide(&s, "none", &k, c, 1, -1, &o);
    CHECK(o.decision == GEO_PLAN_UNASSIGNED);
    CHECK(strstr(o.reasons[o.nreasons - 1], "taken by children") != NULL);
    c[0].usable = c[0].open = 0;                           /* reachable but closed */
    geo_plan_decide(&s, "none", &k, c, 1, -1, &o);
    CHECK(strstr(o.reasons[o.nreasons - 1], "closed on arrival") != NULL);
    geo_plan_decide(&s, "none", &k, NULL, 0, -1, &o);
    CHECK(strstr(o.reasons[o.nreasons - 1], "no eligible destination") != NULL);
    k.has_home = 0;
    geo_plan_decide(&s, "none", &k, NULL, 0, -1, &o);
    CHECK(strstr(o.reasons[0], "no home location") != NULL);
}

static void decide_should_list_each_other_place_once(void)
{
    struct geo_plan_scenario s = scen();
    struct geo_plan_child k = { 100, 80, 1, 1, 1, 0, 0, 0, 0 };
    struct geo_plan_cand c[5] = { cand('p', 1, 100, 0), cand('p', 1, 100, 0), cand('p', 2, 300, 0),
                                  cand('s', 1, 400, 0), cand('p', 3, 500, 0) };
    struct geo_plan_outcome o;

    geo_plan_decide(&s, "none", &k, c, 5, -1, &o);
    CHECK(o.decision == GEO_PLAN_STAY_HOME);
    CHECK(o.nalt == 3 && o.alt[0] == 0 && o.alt[1] == 2 && o.alt[2] == 3);
}

/* ---- Rules 11, 12 ---------------------------------------------------------- */

static void leave_when_should_follow_the_hazard(void)
{
    CHECK(geo_plan_leave_when("flood") == GEO_LEAVE_ALERT_LEVEL_3);
    CHECK(geo_plan_leave_when("landslide") == GEO_LEAVE_ALERT_LEVEL_3);
    CHECK(geo_plan_leave_when("storm_surge") == GEO_LEAVE_ALERT_LEVEL_3);
    CHECK(geo_plan_leave_when("inland_flood") == GEO_LEAVE_ALERT_LEVEL_3);
    CHECK(geo_plan_leave_when("tsunami") == GEO_LEAVE_AT_ONCE);
    CHECK(geo_plan_leave_when("earthquake") == GEO_LEAVE_BY_DEADLINE);
    CHECK(geo_plan_leave_when("none") == GEO_LEAVE_BY_DEADLINE);
    CHECK_STR(geo_plan_leave_when_code(GEO_LEAVE_ALERT_LEVEL_3), "alert_level_3");
}

static void charge_trips_should_count_each_time_batteries_run_out(void)
{
    struct geo_plan_scenario s = scen();

    s.outage_hours = 14 * 24;                              /* Chiba 2019: two weeks */
    CHECK(geo_plan_charge_trips(&s, 8) == 41);             /* 336 / 8 = 42 charges */
    CHECK(geo_plan_charge_trips(&s, 10) == 33);            /* 33.6: 34 charges */
    CHECK(geo_plan_charge_trips(&s, 400) == 0);
    CHECK(geo_plan_charge_trips(&s, 0) == -1);
    s.outage_hours = 72;
    CHECK(geo_plan_charge_trips(&s, 24) == 2);             /* exactly three charges */
}

UNIT_MAIN(UNIT_TEST(power_should_take_the_least_battery_of_life_sustaining_devices),
          UNIT_TEST(power_should_be_unlimited_without_devices_and_say_so),
          UNIT_TEST(power_should_flag_a_device_with_no_battery_data),
          UNIT_TEST(device_hours_should_stretch_an_intermittent_device_by_its_duty),
          UNIT_TEST(device_hours_should_add_a_non_electric_backup),
          UNIT_TEST(home_power_should_extend_runtime_by_average_draw),
          UNIT_TEST(home_generator_should_count_only_when_it_covers_the_draw),
          UNIT_TEST(home_generator_covering_40_of_72_hours_should_not_mean_stay_home),
          UNIT_TEST(needs_destination_should_follow_rules_one_and_two),
          UNIT_TEST(reach_should_be_exact_at_its_boundary),
          UNIT_TEST(hours_should_parse_and_refuse_malformed_text),
          UNIT_TEST(hours_should_compare_arrival_to_the_second),
          UNIT_TEST(hours_should_wrap_past_midnight_and_days),
          UNIT_TEST(open_on_arrival_should_need_a_start_time_unless_24h),
          UNIT_TEST(time_left_should_count_from_the_outage_start),
          UNIT_TEST(places_in_the_outage_should_count_only_on_backup_power),
          UNIT_TEST(a_24h_generator_should_carry_a_20h_need_but_not_a_30h_one),
          UNIT_TEST(decide_should_evacuate_to_a_shelter_with_leave_by),
          UNIT_TEST(decide_should_say_why_a_child_is_unassigned),
          UNIT_TEST(decide_should_list_each_other_place_once),
          UNIT_TEST(leave_when_should_follow_the_hazard),
          UNIT_TEST(charge_trips_should_count_each_time_batteries_run_out))
