/* http_auth.c -- who is asking: the client's address (through trusted
 * proxies), the credential a request presents and the key it names, the
 * brake on failed authentications, and the audit log.
 *
 * Credential resolution is one seam: each resolver in resolvers[] below looks
 * for its kind of credential (the Authorization header's Bearer or Basic
 * token, ...), and the first that finds one decides.  A new kind (a session
 * cookie) is one more row; see ARCHITECTURE.md. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/crypto.h"
#include "server/db.h"
#include "server/http_headers.h"
#include "server/http_internal.h"
#include "server/session.h"

static const char *const role_names[] = { "none", "viewer", "planner", "admin" };

enum pm_role pm_role_from_name(const char *s)
{
    for (int i = ROLE_VIEWER; i <= ROLE_ADMIN; i++)
        if (s && strcmp(s, role_names[i]) == 0)
            return (enum pm_role)i;
    return ROLE_NONE;
}

const char *pm_role_name(enum pm_role r)
{
    return role_names[r];
}

/* ------------------------------------------------------------------------- */
/* Failed authentication.  Failures are counted per client address and per    */
/* (address, presented credential).  A failure from an address over its limit, */
/* or a credential that keeps failing from one address, is answered 429 after  */
/* a delay.  A valid credential is never refused: behind a proxy every user    */
/* shares one address, and one bad client must not lock out the office.       */
/* ------------------------------------------------------------------------- */

#define AUTH_FAIL_SLOTS 512
#define AUTH_FAIL_ADDR_LIMIT 10     /* failures from one address within the window */
#define AUTH_FAIL_PAIR_LIMIT 3      /* failures of one credential from one address */
#define AUTH_FAIL_WINDOW_S 60
#define AUTH_FAIL_DELAY_MS 1000

struct auth_fail {
    char key[96];               /* the address, or "address|digest of the credential" */
    int count;
    time_t first;
};

static struct auth_fail auth_fails[AUTH_FAIL_SLOTS];
static pthread_mutex_t auth_fail_lock = PTHREAD_MUTEX_INITIALIZER;

/* Counts one failure under key; returns the failures within the window. */
static int auth_fail_count(const char *key, time_t now)
{
    unsigned h = 5381;
    struct auth_fail *f;
    int n;

    for (const char *p = key; *p; p++)
        h = h * 33 + (unsigned char)*p;
    pthread_mutex_lock(&auth_fail_lock);
    f = &auth_fails[h % AUTH_FAIL_SLOTS];
    if (strcmp(f->key, key) != 0 || now - f->first > AUTH_FAIL_WINDOW_S) {
        snprintf(f->key, sizeof f->key, "%s", key);
        f->count = 0;
        f->first = now;
    }
    n = ++f->count;
    pthread_mutex_unlock(&auth_fail_lock);
    return n;
}

/* Answers a request whose credential was refused: 401, or 429 after a delay
 * when its address or this credential from it keeps failing. */
static enum pm_err auth_refuse(struct http_req *r, const char *presented)
{
    char pair[96], digest[PM_SHA256_HEX];
    time_t now = time(NULL);
    int by_addr, by_pair;

    pm_sha256_hex(presented, strlen(presented), digest);
    snprintf(pair, sizeof pair, "%.63s|%.24s", r->remote, digest);
    by_addr = auth_fail_count(r->remote, now);
    by_pair = auth_fail_count(pair, now);
    if (by_addr > AUTH_FAIL_ADDR_LIMIT || by_pair > AUTH_FAIL_PAIR_LIMIT) {
        struct timespec delay = { AUTH_FAIL_DELAY_MS / 1000, (AUTH_FAIL_DELAY_MS % 1000) * 1000000L };

        nanosleep(&delay, NULL);
        http_header(r, "Retry-After", "60");
        return http_fail(r, PM_ERR_TOO_MANY, "too many failed authentications; "
                                             "try again in a minute");
    }
    if (r->err != PM_OK)
        return r->err;
    return http_fail(r, PM_ERR_UNAUTHORIZED, "invalid, expired or revoked token");
}

/* ------------------------------------------------------------------------- */
/* Public query slots: how many expensive public queries one client address    */
/* runs at once (issue 11.13), so one caller cannot take the whole pool.       */
/* ------------------------------------------------------------------------- */

#define SLOT_TABLE 1024
#define SLOT_PROBES 8
#define SLOTS_PER_CLIENT 4

struct slot_use {
    char addr[64];
    int used;
};

static struct slot_use slot_uses[SLOT_TABLE];
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;

/* The entry of addr (one of its probes), a free one to claim, or NULL when
 * every probe is taken by another address.  Called with slot_lock held. */
static struct slot_use *slot_find(const char *addr)
{
    unsigned h = 5381;
    struct slot_use *free_one = NULL;

    for (const char *p = addr; *p; p++)
        h = h * 33 + (unsigned char)*p;
    for (int i = 0; i < SLOT_PROBES; i++) {
        struct slot_use *u = &slot_uses[(h + (unsigned)i) % SLOT_TABLE];

        if (u->used && strcmp(u->addr, addr) == 0)
            return u;
        if (!u->used && !free_one)
            free_one = u;
    }
    return free_one;
}

int http_auth_slot_take(const char *addr)
{
    struct slot_use *u;
    int rc = 0;

    pthread_mutex_lock(&slot_lock);
    u = slot_find(addr);
    if (u && u->used >= SLOTS_PER_CLIENT) {
        rc = -1;
    } else if (u) {
        if (!u->used)
            snprintf(u->addr, sizeof u->addr, "%s", addr);
        u->used++;
    }                                   /* a full table: let it through */
    pthread_mutex_unlock(&slot_lock);
    return rc;
}

void http_auth_slot_give(const char *addr)
{
    struct slot_use *u;

    pthread_mutex_lock(&slot_lock);
    u = slot_find(addr);
    if (u && u->used && strcmp(u->addr, addr) == 0)
        u->used--;
    pthread_mutex_unlock(&slot_lock);
}

/* ------------------------------------------------------------------------- */
/* Credentials                                                                 */
/* ------------------------------------------------------------------------- */

/* Looks up the API key whose token is token and sets r's key.  Returns
 * HTTP_AUTH_OK, HTTP_AUTH_BAD (no such live key) or HTTP_AUTH_ERROR. */
static enum http_auth_result key_by_token(struct http_req *r, const char *token)
{
    char hex[PM_SHA256_HEX];
    const char *p[1] = { hex };
    PGresult *res;
    enum http_auth_result a;

    pm_sha256_hex(token, strlen(token), hex);
    if (!http_db(r))
        return HTTP_AUTH_ERROR;
    res = db_exec(r->db, "key_lookup", 1, p);
    if (!db_ok(res)) {
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        a = HTTP_AUTH_ERROR;
    } else if (PQntuples(res) != 1) {
        a = HTTP_AUTH_BAD;
    } else {
        r->key_id = strtol(PQgetvalue(res, 0, 0), NULL, 10);
        snprintf(r->key_name, sizeof r->key_name, "%s", PQgetvalue(res, 0, 1));
        r->role = pm_role_from_name(PQgetvalue(res, 0, 2));
        a = HTTP_AUTH_OK;
    }
    PQclear(res);
    return a;
}

/* The Authorization header: "Bearer TOKEN", or "Basic" with the token as the
 * password and any user name (GIS clients that cannot send a Bearer header). */
static enum http_auth_result authorization_header(struct http_req *r, char *presented, size_t cap)
{
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION);

    switch (http_parse_authorization(h, presented, cap)) {
    case HTTP_CRED_NONE:
        return HTTP_AUTH_ABSENT;
    case HTTP_CRED_MALFORMED:
        snprintf(presented, cap, "%.64s", h);
        http_fail(r, PM_ERR_UNAUTHORIZED,
                  "Authorization must be \"Bearer TOKEN\" or Basic with the token as password");
        return HTTP_AUTH_BAD;
    case HTTP_CRED_BEARER:
    case HTTP_CRED_BASIC:
        break;
    }
    return key_by_token(r, presented);
}

/* In order: the first resolver that finds a credential decides. */
static const http_auth_resolver resolvers[] = {
    authorization_header,
    session_resolve,            /* the staff session cookie (session.c) */
    NULL
};

enum pm_err http_auth_resolve(struct http_req *r)
{
    char presented[512] = "";
    enum http_auth_result a = HTTP_AUTH_ABSENT;

    for (const http_auth_resolver *f = resolvers; *f && a == HTTP_AUTH_ABSENT; f++)
        a = (*f)(r, presented, sizeof presented);
    if (a == HTTP_AUTH_ABSENT || a == HTTP_AUTH_OK)
        return PM_OK;
    if (a == HTTP_AUTH_ERROR)
        return r->err != PM_OK ? r->err : http_fail(r, PM_ERR_INTERNAL, "internal error");
    return auth_refuse(r, presented);
}

void http_auth_client(struct http_req *r)
{
    const char *xff = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For");

    http_client_address(r->srv->trusted_proxies, r->srv->ntrusted_proxies, r->peer, xff,
                        r->remote, sizeof r->remote);
}

/* ------------------------------------------------------------------------- */
/* History and audit                                                           */
/* ------------------------------------------------------------------------- */

void http_actor(struct http_req *r, char *out, size_t cap)
{
    if (r->user_id)
        snprintf(out, cap, "user:%s", r->user_login);
    else
        snprintf(out, cap, "key:%s", r->key_name);
}

enum pm_err http_set_actor(struct http_req *r)
{
    char actor[128];
    const char *p[1] = { actor };
    PGresult *res;
    int ok;

    http_actor(r, actor, sizeof actor);
    res = db_exec(r->db, "set_actor", 1, p);
    ok = db_ok(res);
    PQclear(res);
    return ok ? PM_OK : http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
}

enum pm_err http_audit(struct http_req *r, const char *action, const char *child_ids_array)
{
    char key_id[32];
    const char *p[6];
    PGresult *res;
    int ok;

    PGconn *w = http_db_write(r);

    if (!w)
        return r->err;
    snprintf(key_id, sizeof key_id, "%ld", r->key_id);
    p[0] = r->key_id ? key_id : NULL;
    p[1] = r->key_name;
    p[2] = pm_role_name(r->role);
    p[3] = action;
    p[4] = child_ids_array ? child_ids_array : "{}";
    p[5] = r->remote;
    res = db_exec(w, "audit_insert", 6, p);
    ok = db_ok(res);
    if (!ok)
        fprintf(stderr, "powermapd: audit insert failed: %s", PQresultErrorMessage(res));
    PQclear(res);
    /* No audit row, no data: a read that cannot be logged is refused. */
    return ok ? PM_OK : http_fail(r, PM_ERR_UNAVAILABLE, "the audit log is unavailable");
}

