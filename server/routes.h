/* routes.h -- every request handler, one group per routes_<resource>.c file.
 * The route table that maps paths to them is in http.c. */
#ifndef ROUTES_H
#define ROUTES_H

#include "server/http.h"
#include "server/plan.h"

/* routes_health.c */
enum pm_err route_health(struct http_req *r);
enum pm_err route_ready(struct http_req *r);

/* routes_roster.c: GET /v1/children with its filters, sort, paging and
 * export (f=csv|xlsx); routes_registry.c hands the children's list to it. */
enum pm_err roster_list(struct http_req *r);

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
/* routes_calls.c: the 安否確認 log of a child */
enum pm_err route_child_calls_list(struct http_req *r);
enum pm_err route_child_calls_create(struct http_req *r);
enum pm_err route_facilities_list(struct http_req *r);
enum pm_err route_facilities_create(struct http_req *r);
enum pm_err route_facility_get(struct http_req *r);
enum pm_err route_facility_put(struct http_req *r);
enum pm_err route_facility_delete(struct http_req *r);

/* routes_plans.c; the first two are shared with routes_outages.c */
/* Reads the scenario of DESIGN 6 from the query string (hazard,
 * outage_hours, speed_kmh, detour, margin_h, start_at).  PM_OK or a 400. */
enum pm_err plans_scenario_from_query(struct http_req *r, struct plan_scenario *s);
/* Runs the city-wide plan of s on the primary (also when the request reads a
 * replica).  PM_OK and *run_id, or a recorded error. */
enum pm_err plans_run(struct http_req *r, const struct plan_scenario *s, long *run_id);
/* For a read that found no run of s: planners run it (plans_run), others
 * get a recorded 409 saying a planner must (viewers never start runs). */
enum pm_err plans_run_for_read(struct http_req *r, const struct plan_scenario *s, long *run_id);
/* Marks run_id as read, so that retention keeps it (best effort). */
void plans_mark_read(struct http_req *r, long run_id);
enum pm_err route_plans_run(struct http_req *r);
enum pm_err route_plans_list(struct http_req *r);
enum pm_err route_child_plan(struct http_req *r);

/* routes_plan_doc.c: the plan as a document (status, agreed destination, review) */
enum pm_err route_child_plan_put(struct http_req *r);
enum pm_err route_plans_print(struct http_req *r);
/* Replies 200 with the plan's printable HTML (plan_render.h), the serve
 * option's base map under its maps when --tiles is set, and its headers
 * (a CSP that lets in nothing else). */
enum pm_err plan_doc_reply_html(struct http_req *r, const struct cJSON *plan,
                                const struct cJSON *check);
enum pm_err route_plan_docs_list(struct http_req *r);
enum pm_err route_plan_settings_get(struct http_req *r);
enum pm_err route_plan_settings_put(struct http_req *r);
/* Adds "document" (sql/queries_plan_doc.sql plan_doc_get: status, agreed
 * destination, review due, history) to a plan JSON that has child_id, read
 * on c.  Returns 0, or -1 when it could not (the plan is left as it was). */
int plan_doc_attach(PGconn *c, struct cJSON *plan);

/* routes_outages.c */
enum pm_err route_outages_list(struct http_req *r);
enum pm_err route_outages_create(struct http_req *r);
enum pm_err route_outage_get(struct http_req *r);
enum pm_err route_outage_put(struct http_req *r);
enum pm_err route_outage_delete(struct http_req *r);
enum pm_err route_outage_affected(struct http_req *r);
enum pm_err route_webhook_deliveries(struct http_req *r);

/* routes_admin.c */
enum pm_err route_keys_list(struct http_req *r);
enum pm_err route_key_revoke(struct http_req *r);
enum pm_err route_audit_list(struct http_req *r);
enum pm_err route_child_purge(struct http_req *r);

/* routes_import.c */
enum pm_err route_import(struct http_req *r);

/* routes_session.c: logging in and out, the password, staff users */
enum pm_err route_session_create(struct http_req *r);
enum pm_err route_session_get(struct http_req *r);
enum pm_err route_session_delete(struct http_req *r);
enum pm_err route_session_password(struct http_req *r);
enum pm_err route_users_list(struct http_req *r);
enum pm_err route_users_create(struct http_req *r);
enum pm_err route_user_put(struct http_req *r);
enum pm_err route_user_delete(struct http_req *r);

/* routes_app.c: the staff web application and the reads it needs */
enum pm_err route_app_index(struct http_req *r);
enum pm_err route_app_plan_children(struct http_req *r);
enum pm_err route_app_child_history(struct http_req *r);
enum pm_err route_app_geocode(struct http_req *r);
/* routes_static.c: GET /static/app/{file} from web/app */
enum pm_err route_static_app(struct http_req *r);

/* routes_embed.c: GET /embed, the map page for an <iframe> */
enum pm_err route_embed(struct http_req *r);
/* Checks a base-map tile URL template (http(s) with {z}, {x}, {y}; or a path
 * on this server).  Returns 0 and writes its CSP img-src source to csp_source,
 * or -1 when it is not acceptable. */
int route_embed_tiles_ok(const char *t, char *csp_source, size_t cap);
/* Checks a CSP frame-ancestors source list.  Returns 0 or -1. */
int route_embed_frame_ancestors_ok(const char *s);

/* routes_static.c: GET /static/{file}, /static/leaflet/... */
enum pm_err route_static(struct http_req *r);
enum pm_err route_static_leaflet(struct http_req *r);
enum pm_err route_static_leaflet_images(struct http_req *r);
/* Sets a 200 reply of data (ownership passes, as with http_reply) with a
 * strong ETag (a digest of data) and Cache-Control cache_control, gzipped
 * when compress and the client accepts it; a 304 without the body when the
 * request's If-None-Match names the ETag. */
enum pm_err route_static_reply(struct http_req *r, const char *content_type,
                               const char *cache_control, int compress, char *data, size_t len);
/* Finds the folders the web map is served from.  web_root is --web-root, or
 * NULL for the default: web/ of the project the binary was built in
 * (/proc/self/exe is PROJECT/build/powermapd), else ./web.  Leaflet is
 * WEB/leaflet, else WEB/../node_modules/leaflet/dist.  Sets *web and *leaflet
 * to malloc'd absolute paths (the caller frees them), NULL where not found,
 * and returns 0; -1 with a message in err when web_root is not a folder. */
int route_static_find_roots(const char *web_root, char **web, char **leaflet,
                            char *err, size_t errcap);

/* routes_maps.c: the power map and the children map */
enum pm_err route_maps_power(struct http_req *r);
enum pm_err route_maps_children(struct http_req *r);

/* routes_ogc.c: OGC API - Features under /ogc */
enum pm_err route_ogc_landing(struct http_req *r);
enum pm_err route_ogc_conformance(struct http_req *r);
enum pm_err route_ogc_api(struct http_req *r);
enum pm_err route_ogc_collections(struct http_req *r);
enum pm_err route_ogc_collection(struct http_req *r);
enum pm_err route_ogc_items(struct http_req *r);
enum pm_err route_ogc_item(struct http_req *r);
enum pm_err route_ogc_queryables(struct http_req *r);
enum pm_err route_ogc_schema(struct http_req *r);

/* routes_reports.c: the council's questions (DESIGN 9) */
enum pm_err route_reports_council(struct http_req *r);
enum pm_err route_reports_transitions(struct http_req *r);
enum pm_err route_definition_get(struct http_req *r);
enum pm_err route_definition_put(struct http_req *r);
enum pm_err route_analysis_coverage(struct http_req *r);

/* routes_duplicates.c: reports that may be a child already registered (名寄せ) */
enum pm_err route_duplicates_list(struct http_req *r);
enum pm_err route_duplicate_decide(struct http_req *r);

/* routes_tiles.c: vector tiles */
enum pm_err route_tile(struct http_req *r);
/* GET /tiles/{collection}.json: the layer's TileJSON. */
enum pm_err route_tilejson(struct http_req *r);

#endif
