/* http_internal.h -- what the http*.c files share and handlers never see:
 * the route, the per-request context and the steps of a request. */
#ifndef HTTP_INTERNAL_H
#define HTTP_INTERNAL_H

#include <microhttpd.h>
#include <time.h>

#include "server/http.h"

struct http_route {
    const char *method;
    const char *path;           /* segments; "{x}" matches one segment */
    enum pm_role role;          /* the least role that may call it */
    int large_body;             /* 1: body capped at import_body_max */
    http_handler fn;
};

/* One request's state, from its first callback to its completion. */
struct conn_ctx {
    struct http_req req;
    const struct http_route *route;
    int path_known;
    char pathbuf[1024];
    struct timespec t0;
    int holds_slot;             /* took a public query slot (http_auth_slot_take) */
};

/* http_reply.c: the status of an error. */
unsigned http_err_status(enum pm_err e);

/* http_reply.c: builds the response of r (the error object when r->err is
 * set), takes a streamed body off the database first, gives r's database
 * connections back and queues it.  Returns libmicrohttpd's verdict. */
enum MHD_Result http_queue_reply(struct http_req *r);

/* http_reply.c: frees what the reply of r still holds (a stream, buffers,
 * headers) and gives its database connections back. */
void http_reply_release(struct http_req *r);

/* http_auth.c: sets r->remote from the peer and, when the peer is a trusted
 * proxy, X-Forwarded-For. */
void http_auth_client(struct http_req *r);

/* What a credential resolver found (http_auth.c's resolvers[]). */
enum http_auth_result {
    HTTP_AUTH_ABSENT = 0,       /* nothing of its kind presented: the next resolver looks */
    HTTP_AUTH_OK,               /* valid: r->key_id, key_name and role are set */
    HTTP_AUTH_BAD,              /* presented but not valid (counts as a failed attempt) */
    HTTP_AUTH_ERROR             /* could not tell (database down): an error is recorded */
};

/* Looks for one kind of credential in r.  Writes what was presented (the
 * token, the cookie value) to presented (cap bytes) so that failures can be
 * counted per credential; it is never logged or shown. */
typedef enum http_auth_result (*http_auth_resolver)(struct http_req *r, char *presented,
                                                    size_t cap);

/* http_auth.c: finds and checks the credential the request presents
 * (Bearer, Basic, ...) and sets r->key_id, key_name and role.  PM_OK also
 * when none is presented; otherwise an error already recorded (401, 429, 503). */
enum pm_err http_auth_resolve(struct http_req *r);

/* http_auth.c: takes one of the public query slots of the client address
 * addr.  Returns 0, or -1 when it already runs its share; give it back with
 * http_auth_slot_give once the answer is off the database. */
int http_auth_slot_take(const char *addr);
void http_auth_slot_give(const char *addr);

/* http_watch.c: the connection watcher (request deadlines, hang-ups). */
void http_watch_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe);
int http_watch_start(void);
void http_watch_stop(void);
/* The request's headers are in; its body of declared (or so far received)
 * bytes must arrive in time. */
void http_watch_body(struct http_req *r, size_t declared, size_t received);
/* The request is whole and its handler runs: no deadline, but a hang-up
 * cancels the query of the connection given to http_watch_query. */
void http_watch_handling(struct http_req *r);
void http_watch_query(struct http_req *r, PGconn *db);
/* The request is answered (replied) or dropped: the next one's clock starts. */
void http_watch_done(struct http_req *r, int replied);

#endif
