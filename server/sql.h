/* sql.h -- the SQL of sql/, embedded in the binary by scripts/embed-sql. */
#ifndef SQL_H
#define SQL_H

struct sql_migration {
    const char *version;        /* file name without .sql, e.g. "0001_init" */
    const char *sql;            /* the whole file, run in one transaction */
};

struct sql_query {
    const char *name;           /* the "-- name:" of sql/queries.sql */
    int unprepared;             /* 1: sent with PQexecParams (uses temp tables) */
    const char *sql;
};

/* Both arrays end with an all-zero sentinel. */
extern const struct sql_migration db_migrations[];
extern const struct sql_query db_queries[];

#endif
