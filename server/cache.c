/* cache.c -- the in-process cache of public answers (see cache.h).
 *
 * Correctness rests on two things.  (1) Only replies that carry an ETag are
 * kept: a route sets one only when its body is fixed by the request and the
 * data versions of map_versions.  The key is the method, path, query
 * arguments, the Accept header, whether gzip is sent, and the versions of
 * every layer.  (2) The versions are read for each request by a query that
 * started after the request arrived.  Requests that arrive while a version
 * query runs wait for the next one, which one of them sends for all: under
 * load one small query serves many requests, and a change committed before a
 * request arrived is always seen by it.  A reply made by the handler can only
 * be newer than the versions read before it, never older, so it is never
 * kept under versions it does not reflect (with --db-read the handler may
 * read an older replica: the cache is then off).
 *
 * Only the map layers' paths (/ogc, /tiles, /v1/maps) look in it.
 * Requests with an Authorization or Cookie header never read or fill it.
 * When the versions change, every kept answer goes at once.  Memory is
 * bounded (least recently used answers go first); one answer is at most
 * CACHE_MAX_ENTRY bytes. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <microhttpd.h>

#include "server/cache.h"
#include "server/config.h"
#include "server/db.h"
#include "server/http_headers.h"

#define CACHE_MAX_ENTRY (1024 * 1024)
#define CACHE_BUCKETS 4096
#define CACHE_TYPES 16
#define VERSIONS_MAX 1024

struct entry {
    struct entry *hnext;                /* hash chain */
    struct entry *prev, *next;          /* recency list, most recent first */
    uint64_t hash;
    char *key;
    unsigned status;
    const char *content_type;           /* interned: lives as long as the process */
    char etag[96];
    int gzip, gzip_offered, max_age;
    int nhdr;
    const char *hdr_name[HTTP_MAX_HEADERS];
    char *hdr_value[HTTP_MAX_HEADERS];
    char *body;
    size_t len, cost;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t fetched;
    size_t max_bytes, used;
    struct entry *buckets[CACHE_BUCKETS];
    struct entry head;                  /* recency list sentinel */
    char kept_versions[VERSIONS_MAX];   /* the versions of every kept entry */
    const char *types[CACHE_TYPES];
    /* The version query: one at a time, on its own connection. */
    PGconn *db;
    time_t db_down_until;
    unsigned long started, done;        /* version queries begun, finished */
    int fetching;
    int fetch_ok;
    char versions[VERSIONS_MAX];        /* the last query's answer */
} C = { .lock = PTHREAD_MUTEX_INITIALIZER, .fetched = PTHREAD_COND_INITIALIZER };

void cache_configure(size_t max_bytes)
{
    pthread_mutex_lock(&C.lock);
    C.max_bytes = max_bytes;
    C.head.prev = C.head.next = &C.head;
    pthread_mutex_unlock(&C.lock);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* ------------------------------------------------------------------------- */
/* The data versions                                                           */
/* ------------------------------------------------------------------------- */

/* Runs the version query (lock not held).  Returns 0 with out filled. */
static int versions_query(const char *conninfo, char out[VERSIONS_MAX])
{
    PGresult *res;
    int ok;

    if (!C.db || PQstatus(C.db) != CONNECTION_OK) {
        char err[256];

        if (time(NULL) < C.db_down_until)
            return -1;
        PQfinish(C.db);
        C.db = db_connect(conninfo, 0, err, sizeof err);
        /* Every map request waits for this query: it may not hang. */
        if (C.db && db_command(C.db, "SET statement_timeout = 2000", NULL, 0) < 0) {
            PQfinish(C.db);
            C.db = NULL;
        }
        if (!C.db) {
            C.db_down_until = time(NULL) + 1;
            return -1;
        }
    }
    res = PQexec(C.db, "SELECT coalesce(string_agg(layer || '.' || version, ',' ORDER BY layer), '') "
                       "FROM map_versions");
    ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
         (size_t)PQgetlength(res, 0, 0) < VERSIONS_MAX;
    if (ok)
        snprintf(out, VERSIONS_MAX, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return ok ? 0 : -1;
}

/* Copies into out the versions read by a query that began after this call.
 * Returns 0, or -1 when the database did not answer. */
static int current_versions(const char *conninfo, char out[VERSIONS_MAX])
{
    unsigned long want;
    int ok;

    pthread_mutex_lock(&C.lock);
    want = C.started + 1;
    while (C.done < want) {
        if (C.fetching) {
            pthread_cond_wait(&C.fetched, &C.lock);
            continue;
        }
        C.fetching = 1;
        C.started++;
        pthread_mutex_unlock(&C.lock);
        ok = versions_query(conninfo, out) == 0;
        pthread_mutex_lock(&C.lock);
        C.fetch_ok = ok;
        if (ok)
            memcpy(C.versions, out, VERSIONS_MAX);
        C.done = C.started;
        C.fetching = 0;
        pthread_cond_broadcast(&C.fetched);
    }
    ok = C.fetch_ok;
    if (ok)
        memcpy(out, C.versions, VERSIONS_MAX);
    pthread_mutex_unlock(&C.lock);
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------------------- */
/* Entries                                                                     */
/* ------------------------------------------------------------------------- */

static void entry_free(struct entry *e)
{
    for (int i = 0; i < e->nhdr; i++)
        free(e->hdr_value[i]);
    free(e->body);
    free(e->key);
    free(e);
}

/* Unlinks e from its chain and the recency list and frees it (lock held). */
static void entry_drop(struct entry *e)
{
    struct entry **p = &C.buckets[e->hash % CACHE_BUCKETS];

    while (*p != e)
        p = &(*p)->hnext;
    *p = e->hnext;
    e->prev->next = e->next;
    e->next->prev = e->prev;
    C.used -= e->cost;
    entry_free(e);
}

/* Forgets everything kept when the versions moved on (lock held). */
static void versions_seen(const char *versions)
{
    if (strcmp(versions, C.kept_versions) == 0)
        return;
    while (C.head.next != &C.head)
        entry_drop(C.head.next);
    snprintf(C.kept_versions, sizeof C.kept_versions, "%s", versions);
}

static struct entry *find(const char *key, uint64_t hash)
{
    for (struct entry *e = C.buckets[hash % CACHE_BUCKETS]; e; e = e->hnext)
        if (e->hash == hash && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

/* A copy of the content type that lives as long as the process (lock held). */
static const char *intern(const char *t)
{
    int i;

    if (!t)
        return NULL;
    for (i = 0; i < CACHE_TYPES && C.types[i]; i++)
        if (strcmp(C.types[i], t) == 0)
            return C.types[i];
    if (i == CACHE_TYPES || !(C.types[i] = strdup(t)))
        return (const char *)-1;
    return C.types[i];
}

/* ------------------------------------------------------------------------- */
/* Requests                                                                    */
/* ------------------------------------------------------------------------- */

static enum MHD_Result key_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    struct pm_buf *b = cls;

    pm_buf_printf(b, "\x1f%s\x1e%s", k, v ? v : "\x1d");
    return MHD_YES;
}

static const char *header(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* 1 when r asks for a public map layer (the only answers kept): /health and
 * the like never wait for the version query. */
static int map_path(const char *p)
{
    static const char *const prefixes[] = { "/ogc", "/tiles/", "/v1/maps/", NULL };

    for (const char *const *q = prefixes; *q; q++)
        if (strncmp(p, *q, strlen(*q)) == 0)
            return 1;
    return 0;
}

/* 1 when r may use the cache at all. */
static int cacheable_request(struct http_req *r)
{
    return C.max_bytes > 0 && r->srv->nread == 0 && r->srv->conninfo && map_path(r->path) &&
           strcmp(r->method, "GET") == 0 && r->role == ROLE_NONE && !r->key_id &&
           !header(r, MHD_HTTP_HEADER_AUTHORIZATION) && !header(r, MHD_HTTP_HEADER_COOKIE) &&
           !header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
}

/* Fills r's reply from e (lock held).  Returns PM_OK, or PM_ERR_NOMEM. */
static int reply_from(struct http_req *r, const struct entry *e)
{
    char *body = malloc(e->len ? e->len : 1);

    if (!body)
        return -1;
    memcpy(body, e->body, e->len);
    http_reply(r, e->status, e->content_type, body, e->len);
    for (int i = 0; i < e->nhdr; i++)
        http_header(r, e->hdr_name[i], e->hdr_value[i]);
    http_header(r, "X-Cache", "hit");
    snprintf(r->etag, sizeof r->etag, "%s", e->etag);
    r->gzip = e->gzip;
    r->gzip_offered = e->gzip_offered;
    r->public_max_age = e->max_age;
    r->cached = 1;
    return 0;
}

int cache_serve(struct http_req *r)
{
    char versions[VERSIONS_MAX];
    const char *accept;
    struct entry *e;
    struct pm_buf b;
    uint64_t hash;
    int hit = 0;

    if (!cacheable_request(r) || current_versions(r->srv->conninfo, versions) < 0)
        return 0;
    accept = header(r, MHD_HTTP_HEADER_ACCEPT);
    pm_buf_init(&b);
    pm_buf_printf(&b, "%s\n%s\n%s\n%d\n%s", versions, r->method, r->path,
                  http_accepts_gzip(header(r, MHD_HTTP_HEADER_ACCEPT_ENCODING)),
                  accept ? accept : "");
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, key_arg, &b);
    if (!b.data || b.oom) {
        pm_buf_release(&b);
        return 0;
    }
    hash = fnv1a(b.data);
    pthread_mutex_lock(&C.lock);
    versions_seen(versions);
    e = find(b.data, hash);
    if (e) {
        /* Most recently used first. */
        e->prev->next = e->next;
        e->next->prev = e->prev;
        e->next = C.head.next;
        e->prev = &C.head;
        C.head.next->prev = e;
        C.head.next = e;
        hit = reply_from(r, e) == 0;
    }
    pthread_mutex_unlock(&C.lock);
    if (hit) {
        pm_buf_release(&b);
        return 1;
    }
    r->cache_key = pm_buf_steal(&b, NULL);
    return 0;
}

/* A new entry holding a copy of r's reply (no lock needed), or NULL. */
static struct entry *entry_of(struct http_req *r)
{
    struct entry *e = calloc(1, sizeof *e);

    if (!e)
        return NULL;
    e->key = r->cache_key;
    r->cache_key = NULL;
    e->hash = fnv1a(e->key);
    e->status = r->status;
    snprintf(e->etag, sizeof e->etag, "%s", r->etag);
    e->gzip = r->gzip;
    e->gzip_offered = r->gzip_offered;
    e->max_age = r->public_max_age;
    e->body = malloc(r->out_len ? r->out_len : 1);
    e->len = r->out_len;
    e->cost = sizeof *e + strlen(e->key) + r->out_len;
    if (!e->body)
        goto fail;
    memcpy(e->body, r->out ? r->out : "", r->out_len);
    for (int i = 0; i < r->nhdr; i++) {
        e->hdr_name[i] = r->hdr_name[i];
        e->hdr_value[i] = strdup(r->hdr_value[i]);
        if (!e->hdr_value[e->nhdr++])
            goto fail;
        e->cost += strlen(r->hdr_value[i]);
    }
    return e;
fail:
    entry_free(e);
    return NULL;
}

void cache_store(struct http_req *r)
{
    struct entry *e;
    size_t vlen;

    if (!r->cache_key || r->err != PM_OK || r->stream_read || !r->public_max_age ||
        !r->etag[0] || (r->status != MHD_HTTP_OK && r->status != MHD_HTTP_NO_CONTENT) ||
        r->out_len > CACHE_MAX_ENTRY || r->out_len > C.max_bytes / 8)
        return;
    e = entry_of(r);
    if (!e)
        return;
    pthread_mutex_lock(&C.lock);
    e->content_type = intern(r->content_type);
    vlen = strcspn(e->key, "\n");
    /* Versions moved on while the handler ran, the answer is kept already,
     * or there are too many content types: keep nothing. */
    if (strlen(C.kept_versions) != vlen || strncmp(e->key, C.kept_versions, vlen) != 0 ||
        e->content_type == (const char *)-1 || find(e->key, e->hash)) {
        pthread_mutex_unlock(&C.lock);
        entry_free(e);
        return;
    }
    while (C.used + e->cost > C.max_bytes && C.head.prev != &C.head)
        entry_drop(C.head.prev);
    e->hnext = C.buckets[e->hash % CACHE_BUCKETS];
    C.buckets[e->hash % CACHE_BUCKETS] = e;
    e->next = C.head.next;
    e->prev = &C.head;
    C.head.next->prev = e;
    C.head.next = e;
    C.used += e->cost;
    pthread_mutex_unlock(&C.lock);
}
