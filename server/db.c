/* db.c -- connections, the pool, named prepared statements, migrations.
 *
 * Every query the daemon can send is in sql/queries.sql, embedded as
 * db_queries[]; each pooled connection prepares them all when it connects, so
 * a request costs one round trip per query and no parsing or planning. */
#include "server/db.h"
#include "server/sql.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void set_err(char *err, size_t errlen, const char *what, const char *msg)
{
    size_t n;

    if (!err || !errlen)
        return;
    snprintf(err, errlen, "%s%s%s", what, *what ? ": " : "", msg ? msg : "");
    /* libpq's messages span lines; the contract is one line. */
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    n = strlen(err);
    while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
        err[--n] = '\0';
}

int db_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);

    return res && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN);
}

static const struct sql_query *find_query(const char *name)
{
    for (const struct sql_query *q = db_queries; q->name; q++)
        if (strcmp(q->name, name) == 0)
            return q;
    return NULL;
}

static int prepare_all(PGconn *c, char *err, size_t errlen)
{
    for (const struct sql_query *q = db_queries; q->name; q++) {
        PGresult *res;
        int ok;

        if (q->unprepared)
            continue;
        res = PQprepare(c, q->name, q->sql, 0, NULL);
        ok = db_ok(res);
        if (!ok)
            set_err(err, errlen, q->name, PQresultErrorMessage(res));
        PQclear(res);
        if (!ok)
            return -1;
    }
    return 0;
}

PGconn *db_connect(const char *conninfo, int prepare, char *err, size_t errlen)
{
    PGconn *c = PQconnectdb(conninfo);

    if (!c) {
        set_err(err, errlen, "database", "out of memory");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        set_err(err, errlen, "database", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    /* jit off: PostGIS functions carry high cost estimates, so the planner
     * JIT-compiles short map queries; compiling took 1.8 s of a 0.15 s tile. */
    if (db_command(c, "SET client_min_messages = warning", err, errlen) < 0 ||
        db_command(c, "SET jit = off", err, errlen) < 0 ||
        (prepare && prepare_all(c, err, errlen) < 0)) {
        PQfinish(c);
        return NULL;
    }
    return c;
}

PGresult *db_exec(PGconn *c, const char *name, int nparams, const char *const *params)
{
    const struct sql_query *q = find_query(name);

    if (!q) {
        /* A programmer error: the name is not in sql/queries.sql. */
        fprintf(stderr, "powermapd: unknown query %s\n", name);
        abort();
    }
    if (q->unprepared)
        return PQexecParams(c, q->sql, nparams, NULL, params, NULL, NULL, 0);
    return PQexecPrepared(c, q->name, nparams, params, NULL, NULL, 0);
}

int db_send(PGconn *c, const char *name, int nparams, const char *const *params)
{
    const struct sql_query *q = find_query(name);

    if (!q) {
        fprintf(stderr, "powermapd: unknown query %s\n", name);
        abort();
    }
    if (q->unprepared)
        return PQsendQueryParams(c, q->sql, nparams, NULL, params, NULL, NULL, 0);
    return PQsendQueryPrepared(c, q->name, nparams, params, NULL, NULL, 0);
}

PGconn *db_connect_like(PGconn *c, int prepare, char *err, size_t errlen)
{
    PQconninfoOption *opts = PQconninfo(c);
    const char *keys[64], *vals[64];
    PGconn *n;
    int k = 0;

    if (!opts) {
        set_err(err, errlen, "database", "out of memory");
        return NULL;
    }
    for (PQconninfoOption *o = opts; o->keyword && k < 63; o++) {
        if (o->val && *o->val) {
            keys[k] = o->keyword;
            vals[k] = o->val;
            k++;
        }
    }
    keys[k] = vals[k] = NULL;
    n = PQconnectdbParams(keys, vals, 0);
    PQconninfoFree(opts);
    if (!n || PQstatus(n) != CONNECTION_OK) {
        set_err(err, errlen, "database", n ? PQerrorMessage(n) : "out of memory");
        PQfinish(n);
        return NULL;
    }
    if (db_command(n, "SET client_min_messages = warning", err, errlen) < 0 ||
        (prepare && prepare_all(n, err, errlen) < 0)) {
        PQfinish(n);
        return NULL;
    }
    return n;
}

int db_command(PGconn *c, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(c, sql);
    int ok = db_ok(res);

    if (!ok)
        set_err(err, errlen, "", res ? PQresultErrorMessage(res) : PQerrorMessage(c));
    PQclear(res);
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------------------- */
/* Migrations                                                                  */
/* ------------------------------------------------------------------------- */

int db_migrate(PGconn *c, void (*say)(const char *version), char *err, size_t errlen)
{
    int rc = -1;

    /* One migrator at a time; the lock is released when the session ends. */
    if (db_command(c, "SELECT pg_advisory_lock(7012001)", err, errlen) < 0)
        return -1;
    if (db_command(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version text PRIMARY KEY,"
                      " applied_at timestamptz NOT NULL DEFAULT now())", err, errlen) < 0)
        goto out;
    for (const struct sql_migration *m = db_migrations; m->version; m++) {
        const char *params[1] = { m->version };
        PGresult *res = PQexecParams(c, "SELECT 1 FROM schema_migrations WHERE version = $1",
                                     1, NULL, params, NULL, NULL, 0);
        int done = db_ok(res) && PQntuples(res) > 0;
        int ok;

        if (!db_ok(res)) {
            set_err(err, errlen, m->version, PQresultErrorMessage(res));
            PQclear(res);
            goto out;
        }
        PQclear(res);
        if (done)
            continue;
        if (db_command(c, "BEGIN", err, errlen) < 0)
            goto out;
        if (db_command(c, m->sql, err, errlen) < 0) {
            char msg[512];

            snprintf(msg, sizeof msg, "%s", err ? err : "");
            set_err(err, errlen, m->version, msg);
            db_command(c, "ROLLBACK", NULL, 0);
            goto out;
        }
        res = PQexecParams(c, "INSERT INTO schema_migrations (version) VALUES ($1)",
                           1, NULL, params, NULL, NULL, 0);
        ok = db_ok(res);
        PQclear(res);
        if (!ok || db_command(c, "COMMIT", err, errlen) < 0) {
            db_command(c, "ROLLBACK", NULL, 0);
            goto out;
        }
        if (say)
            say(m->version);
    }
    rc = 0;
out:
    db_command(c, "SELECT pg_advisory_unlock(7012001)", NULL, 0);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* The pool                                                                    */
/* ------------------------------------------------------------------------- */

struct db_slot {
    PGconn *conn;
    int busy;
    int timeout_ms;             /* statement_timeout set on conn; 0: the server's */
};

/* A request waiting for a connection.  Waiters queue in arrival order and a
 * connection given back goes straight to the first of them (no other thread
 * can take it in between): under load every request waits its turn, none
 * waits for several rounds while later ones are served (the tail of the
 * latency is then the queue, not luck). */
struct db_waiter {
    pthread_cond_t cv;
    struct db_slot *given;      /* the slot handed over; NULL while waiting */
    struct db_waiter *next;
};

struct db_pool {
    char *conninfo;
    int size;
    struct db_slot *slots;
    pthread_mutex_t lock;
    struct db_waiter *head, *tail;  /* the queue of waiters, first come first */
    time_t down_until;          /* after a failed connect, fail fast until then */
};

struct db_pool *db_pool_new(const char *conninfo, int size)
{
    struct db_pool *p = calloc(1, sizeof *p);

    if (!p)
        return NULL;
    p->conninfo = strdup(conninfo);
    p->slots = calloc((size_t)size, sizeof *p->slots);
    if (!p->conninfo || !p->slots) {
        free(p->conninfo);
        free(p->slots);
        free(p);
        return NULL;
    }
    p->size = size;
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

void db_pool_free(struct db_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->size; i++)
        if (p->slots[i].conn)
            PQfinish(p->slots[i].conn);
    pthread_mutex_destroy(&p->lock);
    free(p->slots);
    free(p->conninfo);
    free(p);
}

/* Makes slot's connection usable, connecting or reconnecting as needed.
 * Called without the pool lock held. */
static int slot_ready(struct db_pool *p, struct db_slot *s)
{
    char err[256];

    /* PQconsumeInput reads what the server sent while the connection was
     * idle: after a restart or a failover that is the end of the stream, and
     * the connection turns bad here rather than in the request's query. */
    if (s->conn && PQconsumeInput(s->conn) && PQconsumeInput(s->conn) &&
        PQstatus(s->conn) == CONNECTION_OK)
        return 0;                       /* (twice: a goodbye message, then EOF) */
    if (s->conn) {
        PQfinish(s->conn);
        s->conn = NULL;
    }
    if (time(NULL) < p->down_until)
        return -1;
    s->timeout_ms = 0;
    s->conn = db_connect(p->conninfo, 1, err, sizeof err);
    if (!s->conn) {
        fprintf(stderr, "powermapd: %s\n", err);
        /* Don't let every request wait for a connect timeout while the
         * database is away: fail fast for a second, then try again. */
        p->down_until = time(NULL) + 1;
        return -1;
    }
    return 0;
}

/* Gives slot s back: to the first waiter, or free.  Called with the lock. */
static void slot_give_locked(struct db_pool *p, struct db_slot *s)
{
    struct db_waiter *w = p->head;

    if (!w) {
        s->busy = 0;
        return;
    }
    p->head = w->next;
    if (!p->head)
        p->tail = NULL;
    w->next = NULL;
    w->given = s;
    pthread_cond_signal(&w->cv);
}

/* Takes w out of the queue (it gave up waiting).  Called with the lock. */
static void waiter_remove_locked(struct db_pool *p, struct db_waiter *w)
{
    struct db_waiter **pp = &p->head, *prev = NULL;

    while (*pp && *pp != w) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = w->next;
    if (p->tail == w)
        p->tail = prev;
}

/* A free slot, a connected one first; NULL when all are busy.  Called with
 * the lock. */
static struct db_slot *free_slot_locked(struct db_pool *p)
{
    for (int i = 0; i < p->size; i++)
        if (!p->slots[i].busy && p->slots[i].conn)
            return &p->slots[i];
    for (int i = 0; i < p->size; i++)
        if (!p->slots[i].busy)
            return &p->slots[i];
    return NULL;
}

/* Waits in the queue until a slot is handed over or the deadline passes. */
static struct db_slot *wait_turn_locked(struct db_pool *p, const struct timespec *deadline)
{
    struct db_waiter w = { .given = NULL, .next = NULL };
    struct db_slot *s;

    pthread_cond_init(&w.cv, NULL);
    if (p->tail)
        p->tail->next = &w;
    else
        p->head = &w;
    p->tail = &w;
    while (!w.given)
        if (pthread_cond_timedwait(&w.cv, &p->lock, deadline) == ETIMEDOUT)
            break;
    s = w.given;
    if (!s)
        waiter_remove_locked(p, &w);
    pthread_cond_destroy(&w.cv);
    return s;
}

PGconn *db_acquire(struct db_pool *p, int wait_ms)
{
    struct timespec deadline;
    struct db_slot *s = NULL;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += wait_ms / 1000;
    deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->lock);
    /* Nobody queued before us: a free slot is ours; else wait our turn (a
     * handed-over slot stays busy, nobody can take it in between). */
    s = p->head ? NULL : free_slot_locked(p);
    if (s)
        s->busy = 1;
    else
        s = wait_turn_locked(p, &deadline);
    pthread_mutex_unlock(&p->lock);
    if (!s)
        return NULL;
    if (slot_ready(p, s) < 0) {
        pthread_mutex_lock(&p->lock);
        slot_give_locked(p, s);
        pthread_mutex_unlock(&p->lock);
        return NULL;
    }
    return s->conn;
}

int db_statement_timeout(struct db_pool *p, PGconn *c, int ms)
{
    struct db_slot *s = NULL;
    char sql[64];

    /* The slot is ours (busy) while c is borrowed: no lock needed to read
     * or write its timeout, only to find it. */
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->size && !s; i++)
        if (p->slots[i].conn == c)
            s = &p->slots[i];
    pthread_mutex_unlock(&p->lock);
    if (!s || s->timeout_ms == ms)
        return 0;
    if (ms > 0)
        snprintf(sql, sizeof sql, "SET statement_timeout = %d", ms);
    else
        snprintf(sql, sizeof sql, "RESET statement_timeout");
    if (db_command(c, sql, NULL, 0) < 0)
        return -1;
    s->timeout_ms = ms;
    return 0;
}

void db_release(struct db_pool *p, PGconn *c)
{
    if (!c)
        return;
    if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
        db_command(c, "ROLLBACK", NULL, 0);
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->size; i++) {
        if (p->slots[i].conn == c) {
            slot_give_locked(p, &p->slots[i]);
            break;
        }
    }
    pthread_mutex_unlock(&p->lock);
}

/* ------------------------------------------------------------------------- */
/* Literals                                                                    */
/* ------------------------------------------------------------------------- */

void db_text_array(struct pm_buf *b, const char *const *items, size_t n)
{
    pm_buf_puts(b, "{");
    for (size_t i = 0; i < n; i++) {
        const char *run = items[i], *p;

        pm_buf_puts(b, i ? ",\"" : "\"");
        for (p = items[i]; *p; p++) {
            if (*p != '"' && *p != '\\')
                continue;
            pm_buf_append(b, run, (size_t)(p - run));
            pm_buf_puts(b, "\\");
            run = p;
        }
        pm_buf_append(b, run, (size_t)(p - run));
        pm_buf_puts(b, "\"");
    }
    pm_buf_puts(b, "}");
}

void db_copy_field(struct pm_buf *b, const char *v)
{
    const char *run;

    if (!v) {
        pm_buf_puts(b, "\\N");
        return;
    }
    for (run = v; *v; v++) {
        const char *rep = NULL;

        switch (*v) {
        case '\\': rep = "\\\\"; break;
        case '\t': rep = "\\t"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        default: continue;
        }
        pm_buf_append(b, run, (size_t)(v - run));
        pm_buf_puts(b, rep);
        run = v + 1;
    }
    pm_buf_append(b, run, (size_t)(v - run));
}
