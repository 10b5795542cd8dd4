/* http_watch.c -- every open connection, watched from one thread:
 *
 * - a request must arrive whole in time: its headers within
 *   WATCH_HEADERS_S of the connection (or of the previous reply), its body
 *   within WATCH_BODY_S more plus a second per WATCH_MIN_RATE bytes.  Each
 *   byte resets libmicrohttpd's idle timeout, so without this a client that
 *   trickles a byte a second would hold its connection (and thread) forever
 *   (slowloris).  A late request's socket is shut down.
 * - a client that hangs up while its request runs has the request's database
 *   query cancelled (an import would otherwise run on for a minute).
 *
 * libmicrohttpd calls connection_notify in the connection's own thread when
 * it opens and before it closes the socket; the watcher touches a socket only
 * under the lock and only while the connection is registered, so it never
 * shuts down a descriptor that has been reused. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "server/http_internal.h"

#define WATCH_HEADERS_S 30
#define WATCH_BODY_S 30
#define WATCH_MIN_RATE (64 * 1024)      /* bytes a second a body must keep up */
#define WATCH_TICK_MS 250

enum watch_phase { WATCH_RECEIVING, WATCH_HANDLING, WATCH_SENDING };

struct http_watch {
    struct http_watch *prev, *next;
    int fd;
    enum watch_phase phase;
    time_t deadline;                    /* while receiving */
    time_t body_start;
    size_t bytes;                       /* the body's declared or received length */
    int late;                           /* the deadline passed: shut down */
    PGcancel *cancel;                   /* while handling, once it has a query */
};

static struct http_watch *watched;
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t watcher;
static volatile int watcher_stop;
static int watcher_started;
static long late_total;

static time_t now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec;
}

void http_watch_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe)
{
    struct http_watch *w = *socket_context;
    const union MHD_ConnectionInfo *ci;

    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        w = calloc(1, sizeof *w);
        ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!w || !ci) {
            free(w);
            return;                     /* unwatched: the idle timeout still applies */
        }
        w->fd = ci->connect_fd;
        w->deadline = now_s() + WATCH_HEADERS_S;
        pthread_mutex_lock(&watch_lock);
        w->next = watched;
        if (watched)
            watched->prev = w;
        watched = w;
        pthread_mutex_unlock(&watch_lock);
        *socket_context = w;
        return;
    }
    if (!w)
        return;
    pthread_mutex_lock(&watch_lock);
    if (w->prev)
        w->prev->next = w->next;
    else
        watched = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&watch_lock);
    if (w->cancel)
        PQfreeCancel(w->cancel);
    free(w);
    *socket_context = NULL;
}

/* The watch of the request's connection, or NULL. */
static struct http_watch *watch_of(struct http_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

void http_watch_body(struct http_req *r, size_t declared, size_t received)
{
    struct http_watch *w = watch_of(r);

    if (!w)
        return;
    pthread_mutex_lock(&watch_lock);
    if (!w->body_start)
        w->body_start = now_s();
    if (declared > w->bytes)
        w->bytes = declared;
    if (received > w->bytes)
        w->bytes = received;
    w->phase = WATCH_RECEIVING;
    w->deadline = w->body_start + WATCH_BODY_S + (time_t)(w->bytes / WATCH_MIN_RATE);
    pthread_mutex_unlock(&watch_lock);
}

void http_watch_handling(struct http_req *r)
{
    struct http_watch *w = watch_of(r);

    if (!w)
        return;
    pthread_mutex_lock(&watch_lock);
    w->phase = WATCH_HANDLING;
    pthread_mutex_unlock(&watch_lock);
}

void http_watch_query(struct http_req *r, PGconn *db)
{
    struct http_watch *w = watch_of(r);
    PGcancel *c;

    if (!w || !db)
        return;
    c = PQgetCancel(db);
    pthread_mutex_lock(&watch_lock);
    if (w->phase == WATCH_HANDLING && !w->cancel) {
        w->cancel = c;
        c = NULL;
    }
    pthread_mutex_unlock(&watch_lock);
    if (c)
        PQfreeCancel(c);
}

void http_watch_done(struct http_req *r, int replied)
{
    struct http_watch *w = watch_of(r);
    PGcancel *c;

    if (!w)
        return;
    pthread_mutex_lock(&watch_lock);
    c = w->cancel;
    w->cancel = NULL;
    w->body_start = 0;
    w->bytes = 0;
    w->phase = replied ? WATCH_SENDING : WATCH_RECEIVING;
    w->deadline = now_s() + WATCH_HEADERS_S;
    pthread_mutex_unlock(&watch_lock);
    if (c)
        PQfreeCancel(c);
}

/* 1 when the peer of fd has hung up. */
static int hung_up(int fd)
{
    struct pollfd p = { fd, POLLRDHUP, 0 };

    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static void *watch_main(void *arg)
{
    (void)arg;
    while (!watcher_stop) {
        struct timespec tick = { 0, WATCH_TICK_MS * 1000000L };
        time_t now = now_s();
        char err[64];

        nanosleep(&tick, NULL);
        pthread_mutex_lock(&watch_lock);
        for (struct http_watch *w = watched; w; w = w->next) {
            if (w->phase == WATCH_RECEIVING && !w->late && now > w->deadline) {
                w->late = 1;
                late_total++;
                shutdown(w->fd, SHUT_RDWR);
            } else if (w->phase == WATCH_HANDLING && w->cancel && hung_up(w->fd)) {
                PQcancel(w->cancel, err, sizeof err);
                PQfreeCancel(w->cancel);
                w->cancel = NULL;
                fprintf(stderr, "powermapd: the client hung up: its query was cancelled\n");
            }
        }
        pthread_mutex_unlock(&watch_lock);
    }
    return NULL;
}

int http_watch_start(void)
{
    watcher_stop = 0;
    if (pthread_create(&watcher, NULL, watch_main, NULL) != 0)
        return -1;
    watcher_started = 1;
    return 0;
}

void http_watch_stop(void)
{
    if (!watcher_started)
        return;
    watcher_stop = 1;
    pthread_join(watcher, NULL);
    watcher_started = 0;
}
