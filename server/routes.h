/* routes.h -- every request handler, one group per routes_<resource>.c file.
 * The route table that maps paths to them is in http.c. */
#ifndef ROUTES_H
#define ROUTES_H

#include "server/http.h"

/* routes_health.c */
enum pm_err route_health(struct http_req *r);
enum pm_err route_ready(struct http_req *r);

/* routes_registry.c: children, shelters, power points */
enum pm_err route_children_list(struct http_req *r);
enum pm_err route_children_create(struct http_req *r);
enum pm_err route_child_get(struct http_req *r);
enum pm_err route_child_put(struct http_req *r);
enum pm_err route_child_delete(struct http_req *r);
enum pm_err route_shelters_list(struct http_req *r);
enum pm_err route_shelters_create(struct http_req *r);
enum pm_err route_shelter_get(struct http_req *r);
enum pm_err route_shelter_put(struct http_req *r);
enum pm_err route_shelter_delete(struct http_req *r);
enum pm_err route_power_points_list(struct http_req *r);
enum pm_err route_power_points_create(struct http_req *r);
enum pm_err route_power_point_get(struct http_req *r);
enum pm_err route_power_point_put(struct http_req *r);
enum pm_err route_power_point_delete(struct http_req *r);

/* routes_plans.c */
enum pm_err route_plans_run(struct http_req *r);
enum pm_err route_plans_list(struct http_req *r);
enum pm_err route_child_plan(struct http_req *r);

/* routes_import.c */
enum pm_err route_import(struct http_req *r);

#endif
