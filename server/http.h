/* http.h -- the HTTP side as handlers see it: the request, replies
 * (http_reply.c), parameters (http_params.c), who is asking and the audit
 * log (http_auth.c).  The libmicrohttpd glue and the route table are in
 * http.c; ARCHITECTURE.md says which file holds what. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <libpq-fe.h>

#include "server/config.h"
#include "server/util.h"

struct db_pool;
struct MHD_Connection;

enum pm_role { ROLE_NONE = 0, ROLE_VIEWER, ROLE_PLANNER, ROLE_ADMIN };

/* The role named s ("viewer", ...), or ROLE_NONE. */
enum pm_role pm_role_from_name(const char *s);
const char *pm_role_name(enum pm_role r);

#define HTTP_MAX_PARAMS 4

/* statement_timeout of every query made for a request without credentials
 * (milliseconds): one anonymous client cannot hold a pooled connection long. */
#define HTTP_PUBLIC_STATEMENT_MS 5000
#define HTTP_MAX_HEADERS 8

/* Fills buf with up to max bytes of a streamed body.  Returns the number of
 * bytes written (> 0), 0 at the end of the body, or -1 on an error (the
 * connection is then closed: the client sees a truncated body).  Blocks until
 * it has something; never returns 0 before the end. */
typedef long (*http_reader)(void *cls, char *buf, size_t max);

struct http_gzip_state;

/* One request, from its first byte to its reply. */
struct http_req {
    struct pm_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;                     /* without the query string */
    const char *params[HTTP_MAX_PARAMS];  /* the {x} segments of the route, in order */
    int nparams;
    char *body;                           /* NUL-terminated; NULL when none */
    size_t body_len;
    int body_too_large;
    size_t body_max;
    char remote[64];                      /* the client's address (through trusted
                                             proxies), for the audit log and brakes */
    char peer[64];                        /* the socket's peer address */

    /* Who is asking.  key_id 0 and ROLE_NONE without a token. */
    long key_id;
    char key_name[96];
    enum pm_role role;
    /* A staff session (session.c): 0 and "" when the request has none. */
    long user_id;
    long session_id;
    char user_login[72];

    PGconn *db;                           /* borrowed on first http_db() */
    struct db_pool *db_pool;              /* the pool db came from (a replica's for reads) */
    PGconn *db_write;                     /* the primary, when db is a replica's */

    /* The reply. */
    unsigned status;
    char *out;
    size_t out_len;
    const char *content_type;
    const char *hdr_name[HTTP_MAX_HEADERS];
    char *hdr_value[HTTP_MAX_HEADERS];
    int nhdr;
    enum pm_err err;
    char errmsg[512];
    const char *errdetail_name;           /* an extra member of the error object */
    char *errdetail;                      /* its JSON text */

    /* Map layers (http_public, http_gzip, http_etag, http_reply_stream). */
    int public_max_age;                   /* > 0: a public layer, cacheable that long */
    int gzip_offered;                     /* http_gzip was called: Vary: Accept-Encoding */
    int gzip;                             /* 1: the body is sent gzip-compressed */
    char etag[96];                        /* the reply's ETag, quoted; "" when none */
    http_reader stream_read;              /* a streamed body, or NULL */
    void *stream_cls;
    void (*stream_release)(void *cls);
    struct http_gzip_state *z;            /* deflate state of a streamed gzip body */
    char *cache_key;                      /* cache.c: a miss to fill; freed with the reply */
    int cached;                           /* the reply comes from cache.c (gzip done) */
};

/* A handler returns PM_OK after setting a reply, or an error after http_fail(). */
typedef enum pm_err (*http_handler)(struct http_req *r);

/* Records an error for the reply and returns e.  The message is shown to the
 * client: never put personal data in it. */
enum pm_err http_fail(struct http_req *r, enum pm_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds a member name (static string) with the JSON text json (copied) to the
 * error object of a failed request, e.g. the rejected rows of an import. */
void http_fail_detail(struct http_req *r, const char *name, const char *json);

/* Sets the reply.  Takes ownership of data (malloc'd; freed by the server). */
enum pm_err http_reply(struct http_req *r, unsigned status, const char *content_type,
                       char *data, size_t len);
/* Sets a JSON reply from a copy of text. */
enum pm_err http_reply_json(struct http_req *r, unsigned status, const char *text);
/* Adds a reply header; name must be a static string, value is copied. */
void http_header(struct http_req *r, const char *name, const char *value);

/* The query-string value of name, or NULL. */
const char *http_query(struct http_req *r, const char *name);
/* Refuses query parameters not in allowed (NULL-terminated): a recorded 400
 * naming the first unknown one, or PM_OK. */
enum pm_err http_only_params(struct http_req *r, const char *const *allowed);

/* The paging of a list (DESIGN 7): checks that only the allowed parameters
 * are given, reads limit (def, at most 10000) and offset into lim and off as
 * text for a query.  PM_OK or a recorded 400. */
enum pm_err http_page(struct http_req *r, const char *const *allowed, long def,
                      char lim[24], char off[24]);

/* Replies 200 with the JSON text in the first cell of the named query run
 * on c, or a recorded 503 when the query fails. */
enum pm_err http_reply_query(struct http_req *r, PGconn *c, const char *name, int nparams,
                             const char *const *params);

/* Parses the path segment params[i] as a record id (a positive integer up to
 * 2^53-1) into out as decimal text.  PM_OK or a recorded 400 "id: ...". */
enum pm_err http_path_id(struct http_req *r, int i, char out[24]);

/* Reads an integer query parameter: def when absent.  On a bad value records a
 * 400 naming the parameter and returns it; PM_OK otherwise. */
enum pm_err http_query_long(struct http_req *r, const char *name, long def, long min,
                            long max, long *out);

/* The request's database connection, borrowed from the pool on first use and
 * given back after the reply: for GET and HEAD a replica's (--db-read) when
 * one answers, else the primary's.  NULL (and a 503 recorded) when neither
 * is available. */
PGconn *http_db(struct http_req *r);

/* A connection to the primary, for a write made while answering a GET (the
 * audit row, a plan run).  r->db itself when that is the primary's.  NULL
 * (and a 503 recorded) when the primary is unavailable. */
PGconn *http_db_write(struct http_req *r);

/* Writes an audit row: action ("child.read", ...) about the given children.
 * Returns PM_OK or an error already recorded with http_fail. */
enum pm_err http_audit(struct http_req *r, const char *action, const char *child_ids_array);

/* Writes who is asking, as history rows name them, to out: "user:LOGIN" for
 * a staff session, "key:NAME" for an API key. */
void http_actor(struct http_req *r, char *out, size_t cap);

/* Sets powermap.actor for the current transaction (history rows name the key). */
enum pm_err http_set_actor(struct http_req *r);

/* ------------------------------------------------------------------------- */
/* Map layers: public caching, validators, compression, streaming              */
/* ------------------------------------------------------------------------- */

/* Marks the reply as a public layer.  Without an Authorization header the
 * reply then carries "Cache-Control: public, max-age=max_age" (2xx and 304)
 * and "Access-Control-Allow-Origin: *" (any status); with one it stays
 * "private, no-store" and gets no CORS header. */
void http_public(struct http_req *r, int max_age);

/* Offers compression: when the request's Accept-Encoding allows gzip, the
 * reply body (buffered or streamed) is sent with Content-Encoding: gzip.
 * Either way the reply says "Vary: Accept-Encoding".  Returns 1 when the body
 * will be compressed.  Call it before http_etag: the ETag names the encoding. */
int http_gzip(struct http_req *r);

/* Sets the reply's strong ETag to "tag" ("tag-gz" when compressed).  tag is
 * made of [A-Za-z0-9._:,-]: a data version and a digest of whatever else the
 * body depends on.  Returns 1 when the request's If-None-Match names it (or
 * is "*"): the caller then answers http_reply_not_modified. */
int http_etag(struct http_req *r, const char *tag);

/* A 304 Not Modified reply without a body (headers as for the 200). */
enum pm_err http_reply_not_modified(struct http_req *r);

/* Sets a streamed reply: the body is pulled from read(cls, ...) while it is
 * sent (chunked), so it need not fit in memory.  release(cls), when not NULL,
 * is called once when the request ends, however it ends, before the
 * request's database connection goes back to the pool: read may use r->db. */
enum pm_err http_reply_stream(struct http_req *r, unsigned status, const char *content_type,
                              http_reader read, void *cls, void (*release)(void *cls));

/* The public base URL for links in replies ("https://example.jp/powermap",
 * no trailing '/'): --public-url when given, else the listen address.  Never
 * taken from the request's Host or X-Forwarded-* headers, so a cached answer
 * cannot be poisoned.  Static for the life of the daemon. */
const char *http_public_base(const struct http_req *r);

struct http_daemon;

/* Starts serving on host:port (TLS when cert and key are given).  Returns the
 * daemon, or NULL with a message on stderr when the socket cannot be opened. */
struct http_daemon *http_start(struct pm_server *srv, const char *host, int port,
                               const char *tls_cert, const char *tls_key);

/* Stops accepting, lets the requests in flight finish (at most grace_s
 * seconds), closes every connection and frees d.  NULL is a no-op. */
void http_stop(struct http_daemon *d, int grace_s);

#endif
