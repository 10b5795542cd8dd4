/* db.h -- PostgreSQL access: connections, the pool, named queries, migrations. */
#ifndef DB_H
#define DB_H

#include <libpq-fe.h>
#include <stddef.h>

#include "server/util.h"

struct db_pool;

/* Opens one connection.  With prepare = 1 every query of sql/queries.sql not
 * marked unprepared is prepared on it (the schema must be migrated).  Returns
 * the connection (PQfinish it), or NULL with a one-line message in err. */
PGconn *db_connect(const char *conninfo, int prepare, char *err, size_t errlen);

/* Runs the named query of sql/queries.sql with text parameters (NULL = SQL
 * NULL).  Returns the result (PQclear it; never NULL but on out-of-memory). */
PGresult *db_exec(PGconn *c, const char *name, int nparams, const char *const *params);

/* Sends the named query without waiting (PQsendQueryPrepared or
 * PQsendQueryParams); collect with PQgetResult until NULL.  Returns 1 when
 * sent, 0 otherwise (PQerrorMessage says why). */
int db_send(PGconn *c, const char *name, int nparams, const char *const *params);

/* A new connection with the same parameters as c (another session for work
 * in parallel), with the named queries prepared when prepare is set (only
 * "-- unprepared" queries may be sent on it otherwise).  Returns it
 * (PQfinish it) or NULL with err. */
PGconn *db_connect_like(PGconn *c, int prepare, char *err, size_t errlen);

/* Runs a fixed command with no parameters ("BEGIN", "COMMIT", ...).
 * Returns 0, or -1 with the server's message in err (may be NULL). */
int db_command(PGconn *c, const char *sql, char *err, size_t errlen);

/* Appends a PostgreSQL text[] literal of items to b: every element
 * double-quoted, '"' and '\' backslash-escaped ({"a","b \"c\""}, {}).  The one
 * way the daemon builds an array parameter from strings. */
void db_text_array(struct pm_buf *b, const char *const *items, size_t n);

/* Appends v to b as one field of COPY text format: '\', tab, newline and CR
 * escaped; NULL is \N.  The one COPY escaper. */
void db_copy_field(struct pm_buf *b, const char *v);

/* 1 when a result is a success (command or tuples), 0 otherwise. */
int db_ok(const PGresult *res);

/* Applies every migration not yet recorded, each in its own transaction, under
 * an advisory lock so that concurrent migrators wait.  Prints one line per
 * applied version to out when out is not NULL.  Returns 0, or -1 and err. */
int db_migrate(PGconn *c, void (*say)(const char *version), char *err, size_t errlen);

/* A pool of size prepared connections to conninfo.  Connections are opened
 * lazily, so the pool can be created while the database is down.  Returns
 * NULL only on allocation failure. */
struct db_pool *db_pool_new(const char *conninfo, int size);
void db_pool_free(struct db_pool *p);

/* Borrows a healthy connection, reconnecting (and re-preparing) a broken one.
 * Waits at most wait_ms for a free one.  Returns NULL when the database is
 * unreachable or every connection stays busy. */
PGconn *db_acquire(struct db_pool *p, int wait_ms);

/* Sets statement_timeout on c, a connection borrowed from p, to ms
 * milliseconds (0: the server's setting) unless it is set so already: a
 * round trip only when it changes.  Returns 0, or -1 when the command
 * failed (the connection is then likely broken). */
int db_statement_timeout(struct db_pool *p, PGconn *c, int ms);

/* Gives a connection back.  A connection left inside a transaction is rolled
 * back first; one that failed is reset on its next acquire. */
void db_release(struct db_pool *p, PGconn *c);

#endif
