/* events.c -- blackout events for the outside (see events.h).
 *
 * Events are written to an outbox (webhook_events, one webhook_deliveries row
 * per receiver) in the same transaction as the change they report, so an
 * event exists exactly when its change committed.  A delivery worker takes due
 * rows with FOR UPDATE SKIP LOCKED and a one-minute lease, so any number of
 * daemons on one database deliver each event once; failures are retried with
 * exponential backoff.  An alert worker records battery deadlines crossing
 * 6, 3 and 1 hours (once each, in outage_alerts) and a feed worker keeps the
 * outages in step with a published GeoJSON feed.  A re-plan worker re-plans
 * the outages created or changed (rule 8), one run at a time, and only then
 * turns their waiting events (outage_events_pending, written with the
 * change) into webhook events, so that each carries the counts of its
 * outage's own re-plan. */
#include "server/events.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/db.h"
#include "server/geojson.h"
#include "server/http.h"
#include "server/plan.h"
#include "server/crypto.h"
#include "server/upstream.h"

#define DELIVERY_TIMEOUT_MS 5000       /* one attempt; a dead receiver costs this */
#define BREAKER_FAILURES 5              /* failures in a row that open the breaker */
#define BREAKER_OPEN_S 30               /* then no attempt to that receiver for this long */
#define DELIVERY_MAX_ATTEMPTS 8
#define DELIVERY_MAX_BACKOFF_S 300.0

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int stopping;
static unsigned wake_gen;               /* bumped by events_wake: every worker sees it */
static pthread_t threads[3 + PM_MAX_WEBHOOKS];
static int nthreads;

/* ------------------------------------------------------------------------- */
/* Emitting                                                                    */
/* ------------------------------------------------------------------------- */

static int emit_to(PGconn *c, const char *urls, const char *type, long outage_id,
                   const char *extra_json, char *err, size_t errlen);

static void now_iso(char *out, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The receivers of srv as a PostgreSQL text array. */
static void urls_array(const struct pm_server *srv, struct pm_buf *urls)
{
    pm_buf_puts(urls, "{");
    for (int i = 0; i < srv->nwebhooks; i++) {
        pm_buf_puts(urls, i ? ",\"" : "\"");
        for (const char *u = srv->webhooks[i]; *u; u++) {
            if (*u == '"' || *u == '\\')
                pm_buf_puts(urls, "\\");
            pm_buf_append(urls, u, 1);
        }
        pm_buf_puts(urls, "\"");
    }
    pm_buf_puts(urls, "}");
}

int events_emit(PGconn *c, const struct pm_server *srv, const char *type, long outage_id,
                const char *extra_json, char *err, size_t errlen)
{
    struct pm_buf urls;
    int rc;

    if (!srv || srv->nwebhooks == 0)
        return 0;
    pm_buf_init(&urls);
    urls_array(srv, &urls);
    if (urls.oom) {
        snprintf(err, errlen, "event: out of memory");
        rc = -1;
    } else {
        rc = emit_to(c, urls.data, type, outage_id, extra_json, err, errlen);
    }
    pm_buf_release(&urls);
    return rc;
}

/* events_emit to the receivers in urls (a text array). */
static int emit_to(PGconn *c, const char *urls, const char *type, long outage_id,
                   const char *extra_json, char *err, size_t errlen)
{
    char id[24], run[24], at[32];
    struct plan_scenario def;
    const char *p[4];
    cJSON *payload = NULL, *counts = NULL, *times;
    PGresult *res = NULL;
    char *text = NULL;
    long run_id;
    int rc = -1;

    snprintf(id, sizeof id, "%ld", outage_id);
    /* Decisions are counted from the outage's own re-plan (rule 8), else
     * from the latest run of the default scenario. */
    plan_scenario_init(&def);
    run_id = plan_outage_run(c, outage_id);
    if (!run_id)
        run_id = plan_latest_run(c, &def);
    snprintf(run, sizeof run, "%ld", run_id);

    payload = cJSON_CreateObject();
    if (!payload)
        goto nomem;
    cJSON_AddStringToObject(payload, "type", type);
    cJSON_AddNumberToObject(payload, "outage_id", (double)outage_id);
    now_iso(at, sizeof at);
    cJSON_AddStringToObject(payload, "at", at);
    p[0] = id;
    res = db_exec(c, "outage_times", 1, p);
    if (!db_ok(res) || PQntuples(res) != 1) {
        snprintf(err, errlen, "event: no outage %s", id);
        goto out;
    }
    times = cJSON_AddObjectToObject(payload, "outage");
    for (int i = 0; i < 3; i++) {
        static const char *const names[] = { "started_at", "expected_restore_at", "ended_at" };

        if (PQgetisnull(res, 0, i))
            cJSON_AddNullToObject(times, names[i]);
        else
            cJSON_AddStringToObject(times, names[i], PQgetvalue(res, 0, i));
    }
    PQclear(res);
    p[1] = run_id ? run : NULL;
    res = db_exec(c, "outage_counts", 2, p);
    if (!db_ok(res)) {
        snprintf(err, errlen, "event: %s", PQresultErrorMessage(res));
        goto out;
    }
    counts = cJSON_Parse(PQgetvalue(res, 0, 0));
    if (!counts)
        goto nomem;
    cJSON_AddItemToObject(payload, "counts", counts);
    if (run_id)
        cJSON_AddNumberToObject(payload, "plan_run_id", (double)run_id);
    else
        cJSON_AddNullToObject(payload, "plan_run_id");
    if (extra_json) {
        cJSON *extra = cJSON_Parse(extra_json), *f;

        cJSON_ArrayForEach(f, extra)
            cJSON_AddItemToObject(payload, f->string, cJSON_Duplicate(f, 1));
        cJSON_Delete(extra);
    }
    text = cJSON_PrintUnformatted(payload);
    if (!text)
        goto nomem;
    PQclear(res);
    p[0] = type;
    p[1] = id;
    p[2] = text;
    p[3] = urls;
    res = db_exec(c, "event_insert", 4, p);
    if (!db_ok(res)) {
        snprintf(err, errlen, "event: %s", PQresultErrorMessage(res));
        goto out;
    }
    rc = 0;
    goto out;
nomem:
    snprintf(err, errlen, "event: out of memory");
out:
    PQclear(res);
    cJSON_Delete(payload);
    free(text);
    return rc;
}

void events_wake(void)
{
    pthread_mutex_lock(&lock);
    wake_gen++;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
}

/* Sleeps up to seconds, or until stopping, or (seen not NULL) until woken
 * since the generation *seen.  Returns 1 to stop. */
static int nap(double seconds, unsigned *seen)
{
    struct timespec until;
    int stop;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)seconds;
    until.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lock);
    while (!stopping && !(seen && *seen != wake_gen))
        if (pthread_cond_timedwait(&wake, &lock, &until) == ETIMEDOUT)
            break;
    if (seen)
        *seen = wake_gen;
    stop = stopping;
    pthread_mutex_unlock(&lock);
    return stop;
}

/* A worker's own connection, reopened when it breaks. */
static PGconn *worker_conn(PGconn *c, const char *conninfo)
{
    char err[256];

    if (c && PQstatus(c) == CONNECTION_OK)
        return c;
    if (c)
        PQfinish(c);
    c = db_connect(conninfo, 1, err, sizeof err);
    if (!c)
        fprintf(stderr, "powermapd: events: %s\n", err);
    return c;
}

/* ------------------------------------------------------------------------- */
/* Delivery worker                                                             */
/* ------------------------------------------------------------------------- */

/* Sends one delivery and records its outcome.  Returns 1 when delivered. */
static int deliver_one(PGconn *c, const struct pm_server *srv, const char *id, const char *url,
                       int attempts, const char *body)
{
    char hex[PM_SHA256_HEX], header[128], status_text[16], backoff[32], err[256] = "";
    const char *p[4];
    long status = 0;
    PGresult *res;
    int ok;

    pm_hmac_sha256_hex(srv->webhook_secret, srv->webhook_secret ? strlen(srv->webhook_secret) : 0,
                       body, strlen(body), hex);
    snprintf(header, sizeof header, "X-Powermap-Signature: sha256=%s", hex);
    ok = upstream_post_json(url, body, strlen(body), header, DELIVERY_TIMEOUT_MS, &status, err,
                            sizeof err) == 0 &&
         status >= 200 && status < 300;
    p[0] = id;
    if (ok) {
        snprintf(status_text, sizeof status_text, "%ld", status);
        p[1] = status_text;
        res = db_exec(c, "delivery_done", 2, p);
    } else {
        double wait = 1.0;

        for (int i = 1; i < attempts && wait < DELIVERY_MAX_BACKOFF_S; i++)
            wait *= 2;
        snprintf(status_text, sizeof status_text, "%ld", status);
        snprintf(backoff, sizeof backoff, "%.0f", wait);
        if (!*err)
            snprintf(err, sizeof err, "HTTP %ld", status);
        p[1] = status ? status_text : NULL;
        p[2] = err;
        p[3] = attempts >= DELIVERY_MAX_ATTEMPTS ? NULL : backoff;
        res = db_exec(c, "delivery_retry", 4, p);
    }
    PQclear(res);
    /* Receivers and outcomes only; the payload holds counts, but stays out. */
    fprintf(stderr, "powermapd: webhook delivery %s to %s: %s (attempt %d)\n", id, url,
            ok ? "delivered" : err, attempts);
    return ok;
}

/* One receiver's worker: receivers are served in parallel, so a dead one
 * delays only its own deliveries.  After BREAKER_FAILURES failures in a row
 * its breaker opens: no attempt for BREAKER_OPEN_S (the deliveries wait,
 * pending), then one attempt decides. */
struct receiver {
    const struct pm_server *srv;
    const char *url;
};

static struct receiver receivers[PM_MAX_WEBHOOKS];

/* Gives back the leases of the rows of res from index from on. */
static void release_leases(PGconn *c, PGresult *res, int from)
{
    struct pm_buf ids;
    const char *p[1];

    if (from >= PQntuples(res))
        return;
    pm_buf_init(&ids);
    pm_buf_puts(&ids, "{");
    for (int i = from; i < PQntuples(res); i++)
        pm_buf_printf(&ids, "%s%s", i > from ? "," : "", PQgetvalue(res, i, 0));
    pm_buf_puts(&ids, "}");
    p[0] = ids.data;
    if (!ids.oom)
        PQclear(db_exec(c, "delivery_release", 1, p));
    pm_buf_release(&ids);
}

static void *delivery_main(void *arg)
{
    const struct receiver *rx = arg;
    const char *p[1] = { rx->url };
    unsigned seen = 0;
    int failures = 0, taken;
    PGconn *c = NULL;

    while (!nap(0, NULL)) {
        PGresult *res;
        int n;

        c = worker_conn(c, rx->srv->conninfo);
        if (!c) {
            if (nap(2, NULL))
                break;
            continue;
        }
        res = db_exec(c, "delivery_take", 1, p);
        n = db_ok(res) ? PQntuples(res) : 0;
        for (taken = 0; taken < n; taken++) {
            int i = taken;

            failures = deliver_one(c, rx->srv, PQgetvalue(res, i, 0), rx->url,
                                   atoi(PQgetvalue(res, i, 2)), PQgetvalue(res, i, 3))
                           ? 0 : failures + 1;
            if (failures >= BREAKER_FAILURES) {
                taken++;
                break;
            }
        }
        if (failures >= BREAKER_FAILURES) {
            fprintf(stderr, "powermapd: webhook receiver %s failed %d times in a row: "
                            "no attempt for %d s\n", rx->url, failures, BREAKER_OPEN_S);
            release_leases(c, res, taken);
            PQclear(res);
            failures = BREAKER_FAILURES - 1;    /* half open: one more failure re-opens */
            if (nap(BREAKER_OPEN_S, NULL))
                break;
            continue;
        }
        PQclear(res);
        if (n == 0 && nap(1, &seen))
            break;
    }
    if (c)
        PQfinish(c);
    return NULL;
}

/* ------------------------------------------------------------------------- */
/* Deadline alerts                                                             */
/* ------------------------------------------------------------------------- */

static void check_alerts(PGconn *c, const struct pm_server *srv)
{
    char err[256];
    PGresult *res;
    int queued = 0;

    if (db_command(c, "BEGIN", NULL, 0) < 0)
        return;
    res = db_exec(c, "alerts_try_lock", 0, NULL);
    if (!db_ok(res) || PQgetvalue(res, 0, 0)[0] != 't') {
        PQclear(res);
        db_command(c, "ROLLBACK", NULL, 0);         /* another daemon is at it */
        return;
    }
    PQclear(res);
    res = db_exec(c, "alerts_due", 0, NULL);
    if (!db_ok(res)) {
        fprintf(stderr, "powermapd: alerts: %s", PQresultErrorMessage(res));
        PQclear(res);
        db_command(c, "ROLLBACK", NULL, 0);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        char extra[96];

        snprintf(extra, sizeof extra, "{\"threshold_h\": %s, \"children_crossed\": %s}",
                 PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
        if (events_emit(c, srv, "outage.threshold", strtol(PQgetvalue(res, i, 0), NULL, 10),
                        extra, err, sizeof err) < 0) {
            fprintf(stderr, "powermapd: alerts: %s\n", err);
            PQclear(res);
            db_command(c, "ROLLBACK", NULL, 0);
            return;
        }
        queued++;
    }
    PQclear(res);
    if (db_command(c, "COMMIT", err, sizeof err) == 0 && queued)
        events_wake();
}

static void *alerts_main(void *arg)
{
    struct pm_server *srv = arg;
    PGconn *c = NULL;

    do {
        c = worker_conn(c, srv->conninfo);
        if (c)
            check_alerts(c, srv);
    } while (!nap(srv->alert_interval > 0 ? srv->alert_interval : 30, NULL));
    if (c)
        PQfinish(c);
    return NULL;
}

/* ------------------------------------------------------------------------- */
/* Outage feed                                                                 */
/* ------------------------------------------------------------------------- */

static const char *prop_string(const cJSON *f, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(f, "properties"), name);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The feed's identifier of a feature: its id, or properties.id / external_id. */
static int feature_id(const cJSON *f, char *out, size_t len)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "id");
    const char *s;

    if (cJSON_IsString(id) && *id->valuestring) {
        snprintf(out, len, "%s", id->valuestring);
        return 0;
    }
    if (cJSON_IsNumber(id)) {
        snprintf(out, len, "%.0f", id->valuedouble);
        return 0;
    }
    s = prop_string(f, "external_id");
    if (!s)
        s = prop_string(f, "id");
    if (s && *s) {
        snprintf(out, len, "%s", s);
        return 0;
    }
    return -1;
}

/* Applies one feed document in a transaction.  Returns the number of events
 * queued, or -1. */
/* Stores one feature of the feed (insert, or update when it changed) and
 * emits its event; adds its id to seen.  Returns 1 when an event was emitted,
 * 0 when none (unchanged or skipped), -1 on a database failure. */
static int feed_feature(PGconn *c, const struct pm_server *srv, const cJSON *f, int n,
                        struct pm_buf *seen)
{
    const cJSON *geom = cJSON_GetObjectItemCaseSensitive(f, "geometry");
    const char *started = prop_string(f, "started_at");
    const char *restore = prop_string(f, "expected_restore_at");
    const char *type = NULL;
    char ext[128], err[256], idtext[24], *gtext;
    const char *p[4];
    PGresult *res, *chg;
    long id = 0;
    int rc = -1;

    if (feature_id(f, ext, sizeof ext) < 0 || geojson_check_polygon(geom) || !started) {
        fprintf(stderr, "powermapd: outage feed: feature %d skipped (needs an id, a polygon "
                        "and started_at)\n", n);
        return 0;
    }
    pm_buf_printf(seen, "%s\"", seen->len > 1 ? "," : "");
    for (const char *q = ext; *q; q++) {
        if (*q == '"' || *q == '\\')
            pm_buf_puts(seen, "\\");
        pm_buf_append(seen, q, 1);
    }
    pm_buf_puts(seen, "\"");
    gtext = cJSON_PrintUnformatted(geom);
    if (!gtext)
        return -1;
    p[0] = ext;
    res = db_exec(c, "feed_outage_find", 1, p);
    if (!db_ok(res))
        goto out;
    p[0] = gtext;
    p[1] = started;
    p[2] = restore;
    if (PQntuples(res) == 0) {
        PQclear(res);
        p[3] = ext;
        res = db_exec(c, "outage_insert", 4, p);
        if (!db_ok(res)) {
            fprintf(stderr, "powermapd: outage feed: %s not stored: %s\n", ext,
                    PQresultErrorMessage(res));
            goto out;
        }
        if (!PQgetisnull(res, 0, 0)) {
            id = strtol(PQgetvalue(res, 0, 0), NULL, 10);
            type = "outage.created";
        } else {
            fprintf(stderr, "powermapd: outage feed: %s not stored: %s\n", ext,
                    PQgetvalue(res, 0, 2));
        }
    } else {
        id = strtol(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        res = NULL;
        snprintf(idtext, sizeof idtext, "%ld", id);
        p[0] = idtext;
        p[1] = gtext;
        p[2] = started;
        p[3] = restore;
        chg = db_exec(c, "feed_outage_changed", 4, p);
        if (!db_ok(chg)) {
            PQclear(chg);
            goto out;
        }
        if (PQgetvalue(chg, 0, 0)[0] == 't') {
            PQclear(db_exec(c, "feed_outage_reopen", 1, p));
            res = db_exec(c, "outage_update", 4, p);
            type = "outage.updated";
        }
        PQclear(chg);
    }
    rc = 0;
    if (type) {
        /* The event waits for the outage's re-plan (the re-plan worker). */
        rc = events_queue(c, srv, id, type, "{\"source\": \"feed\"}", err, sizeof err) < 0
                 ? -1 : 1;
        if (rc < 0)
            fprintf(stderr, "powermapd: outage feed: %s\n", err);
    }
out:
    PQclear(res);
    free(gtext);
    return rc;
}

/* Emits outage.ended for the feed's outages not in seen (a JSON text array).
 * Returns the events emitted, or -1 on a database failure. */
static int feed_gone(PGconn *c, const struct pm_server *srv, const char *seen)
{
    const char *p[1] = { seen };
    PGresult *res = db_exec(c, "feed_outages_gone", 1, p);
    char err[256];
    int events = 0;

    if (!db_ok(res)) {
        PQclear(res);
        return -1;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        if (events_emit(c, srv, "outage.ended", strtol(PQgetvalue(res, i, 0), NULL, 10),
                        "{\"source\": \"feed\"}", err, sizeof err) < 0) {
            PQclear(res);
            return -1;
        }
        events++;
    }
    PQclear(res);
    return events;
}

static int feed_apply(PGconn *c, const struct pm_server *srv, const char *doc, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(doc, len);
    const cJSON *feats, *f;
    struct pm_buf seen;
    int events = 0, n = 0, got, k;
    PGresult *l;

    pm_buf_init(&seen);
    feats = cJSON_GetObjectItemCaseSensitive(root, "features");
    if (!cJSON_IsArray(feats)) {
        fprintf(stderr, "powermapd: outage feed: not a GeoJSON FeatureCollection\n");
        cJSON_Delete(root);
        return -1;
    }
    if (db_command(c, "BEGIN", NULL, 0) < 0)
        goto fail;
    l = db_exec(c, "feed_try_lock", 0, NULL);
    got = db_ok(l) && PQgetvalue(l, 0, 0)[0] == 't';
    PQclear(l);
    if (!got) {                         /* another daemon is applying it */
        db_command(c, "ROLLBACK", NULL, 0);
        cJSON_Delete(root);
        pm_buf_release(&seen);
        return 0;
    }
    pm_buf_puts(&seen, "{");
    cJSON_ArrayForEach(f, feats) {
        k = feed_feature(c, srv, f, n++, &seen);
        if (k < 0)
            goto fail;
        events += k;
    }
    pm_buf_puts(&seen, "}");
    k = seen.oom ? -1 : feed_gone(c, srv, seen.data);
    if (k < 0 || db_command(c, "COMMIT", NULL, 0) < 0)
        goto fail;
    events += k;
    cJSON_Delete(root);
    pm_buf_release(&seen);
    return events;
fail:
    db_command(c, "ROLLBACK", NULL, 0);
    cJSON_Delete(root);
    pm_buf_release(&seen);
    return -1;
}

static void *feed_main(void *arg)
{
    struct pm_server *srv = arg;
    char etag[256] = "", last_modified[128] = "";
    PGconn *c = NULL;

    do {
        struct pm_buf body;
        char err[256];
        long status = 0;

        c = worker_conn(c, srv->conninfo);
        if (!c)
            continue;
        pm_buf_init(&body);
        if (upstream_get(srv->outage_feed, etag, sizeof etag, last_modified,
                         sizeof last_modified, 15000, &body, &status, err, sizeof err) < 0) {
            fprintf(stderr, "powermapd: outage feed: %s\n", err);
        } else if (status == 200) {
            int n = feed_apply(c, srv, body.data ? body.data : "", body.len);

            if (n > 0)
                events_wake();
            if (n < 0) {
                etag[0] = '\0';          /* not applied: fetch it whole next time */
                last_modified[0] = '\0';
            }
        } else if (status != 304) {
            fprintf(stderr, "powermapd: outage feed: HTTP %ld\n", status);
        }
        pm_buf_release(&body);
    } while (!nap(srv->outage_feed_interval > 0 ? srv->outage_feed_interval : 60, NULL));
    if (c)
        PQfinish(c);
    return NULL;
}

/* ------------------------------------------------------------------------- */
/* Re-plan worker (rule 8)                                                     */
/* ------------------------------------------------------------------------- */

int events_queue(PGconn *c, const struct pm_server *srv, long outage_id, const char *type,
                 const char *extra_json, char *err, size_t errlen)
{
    char id[24];
    const char *p[4] = { id, type, extra_json, NULL };
    struct pm_buf urls;
    PGresult *res;
    int rc = 0;

    if (!srv || srv->nwebhooks == 0)
        return 0;
    /* The receivers go with the event: whichever daemon's worker emits it,
     * the receivers of the daemon that took the change get it. */
    pm_buf_init(&urls);
    urls_array(srv, &urls);
    snprintf(id, sizeof id, "%ld", outage_id);
    p[3] = urls.data;
    res = urls.oom ? NULL : db_exec(c, "outage_event_queue", 4, p);
    if (!db_ok(res)) {
        snprintf(err, errlen, "event: %s", res ? PQresultErrorMessage(res) : "out of memory");
        rc = -1;
    }
    PQclear(res);
    pm_buf_release(&urls);
    return rc;
}

/* Turns the waiting events whose outage has its re-plan stored into webhook
 * events, in one transaction.  Returns how many, or -1. */
static int flush_waiting(PGconn *c)
{
    PGresult *res;
    char err[256];
    int n = 0;

    if (db_command(c, "BEGIN", NULL, 0) < 0)
        return -1;
    res = db_exec(c, "outage_events_due", 0, NULL);
    if (!db_ok(res))
        goto fail;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *p[1] = { PQgetvalue(res, i, 0) };
        PGresult *d;

        if (emit_to(c, PQgetvalue(res, i, 4), PQgetvalue(res, i, 2),
                    strtol(PQgetvalue(res, i, 1), NULL, 10),
                    PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3), err, sizeof err) < 0) {
            fprintf(stderr, "powermapd: re-plan worker: %s\n", err);
            goto fail;
        }
        d = db_exec(c, "outage_event_done", 1, p);
        if (!db_ok(d)) {
            PQclear(d);
            goto fail;
        }
        PQclear(d);
        n++;
    }
    PQclear(res);
    return db_command(c, "COMMIT", NULL, 0) < 0 ? -1 : n;
fail:
    PQclear(res);
    db_command(c, "ROLLBACK", NULL, 0);
    return -1;
}

static void *replan_main(void *arg)
{
    struct pm_server *srv = arg;
    PGconn *c = NULL;
    unsigned seen;

    pthread_mutex_lock(&lock);
    seen = wake_gen;
    pthread_mutex_unlock(&lock);
    do {
        struct plan_report rep;
        int runs;

        c = worker_conn(c, srv->conninfo);
        if (!c)
            continue;
        /* Every outage changed since its latest run, one run after another:
         * changes made while a run goes are taken by the next pass. */
        if (plan_replan_outages(c, "outages:replan", 0, &runs, &rep) != PM_OK)
            fprintf(stderr, "powermapd: re-plan of an outage failed: %s\n", rep.message);
        if (flush_waiting(c) > 0)
            events_wake();
    } while (!nap(30, &seen));
    if (c)
        PQfinish(c);
    return NULL;
}

void events_replan(void)
{
    events_wake();
}

/* ------------------------------------------------------------------------- */

int events_start(struct pm_server *srv)
{
    stopping = 0;
    /* Every serving daemon re-plans outages (rule 8), with or without
     * receivers: the plans are what the affected list shows. */
    if (pthread_create(&threads[nthreads], NULL, replan_main, srv) != 0)
        return -1;
    nthreads++;
    if (srv->nwebhooks > 0) {
        for (int i = 0; i < srv->nwebhooks && i < PM_MAX_WEBHOOKS; i++) {
            receivers[i] = (struct receiver){ srv, srv->webhooks[i] };
            if (pthread_create(&threads[nthreads], NULL, delivery_main, &receivers[i]) != 0)
                return -1;
            nthreads++;
        }
        if (pthread_create(&threads[nthreads], NULL, alerts_main, srv) != 0)
            return -1;
        nthreads++;
    }
    if (srv->outage_feed) {
        if (pthread_create(&threads[nthreads], NULL, feed_main, srv) != 0)
            return -1;
        nthreads++;
    }
    return 0;
}

void events_stop(void)
{
    pthread_mutex_lock(&lock);
    stopping = 1;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    nthreads = 0;
}
