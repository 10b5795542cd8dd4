/* session.c -- staff who log in as themselves (DESIGN 8 v2).
 *
 * Passwords are hashed with Argon2id (libargon2, RFC 9106) at OWASP's
 * recommended cost (19 MiB, 2 passes, 1 lane) and stored as PHC strings.
 * A login makes a session: the cookie carries 32 random bytes, the database
 * only their SHA-256, so a copy of the database opens no session.  The
 * cookie is HttpOnly and SameSite=Strict (Secure under TLS); on top of that
 * every request made with the cookie that is not a read must carry the
 * session's CSRF token in X-CSRF-Token, a value derived from the cookie that
 * the application learns from GET /v1/session and a foreign page cannot.
 * A session ends at logout (server-side: the row is marked ended), 12 hours
 * after login, or after 2 hours unused. */
#include "server/session.h"

#include <argon2.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "server/db.h"
#include "server/crypto.h"
#include "server/http_internal.h"

#define ARGON2_T 2
#define ARGON2_M_KIB 19456
#define ARGON2_P 1
#define ARGON2_SALT 16
#define ARGON2_HASHLEN 32

/* ------------------------------------------------------------------------- */
/* Randomness and hashes                                                       */
/* ------------------------------------------------------------------------- */

static int random_bytes(unsigned char *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t k = getrandom(buf + got, n - got, 0);

        if (k < 0 && errno != EINTR)
            return -1;
        if (k > 0)
            got += (size_t)k;
    }
    return 0;
}

int session_hash_password(const char *password, char out[SESSION_HASH_MAX])
{
    unsigned char salt[ARGON2_SALT];

    if (random_bytes(salt, sizeof salt) < 0)
        return -1;
    return argon2id_hash_encoded(ARGON2_T, ARGON2_M_KIB, ARGON2_P, password, strlen(password),
                                 salt, sizeof salt, ARGON2_HASHLEN, out,
                                 SESSION_HASH_MAX) == ARGON2_OK ? 0 : -1;
}

int session_verify_password(const char *hash, const char *password)
{
    if (!hash || strncmp(hash, "$argon2id$", 10) != 0)
        return 0;
    return argon2id_verify(hash, password, strlen(password)) == ARGON2_OK;
}

int session_new_password(char out[17])
{
    /* No 0/O, 1/l/I: read aloud over the phone or copied from paper. */
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    unsigned char raw[16];

    if (random_bytes(raw, sizeof raw) < 0)
        return -1;
    /* 56 symbols: a byte mod 56 is biased by under 1 %, still ~92 bits. */
    for (int i = 0; i < 16; i++)
        out[i] = alphabet[raw[i] % (sizeof alphabet - 1)];
    out[16] = '\0';
    return 0;
}

int session_new_token(char out[SESSION_TOKEN_LEN + 1])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[33];
    char *p = out;

    if (random_bytes(raw, 32) < 0)
        return -1;
    raw[32] = 0;
    for (int i = 0; i < 33; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];

        *p++ = b64[v >> 18 & 63];
        *p++ = b64[v >> 12 & 63];
        *p++ = b64[v >> 6 & 63];
        *p++ = b64[v & 63];
    }
    out[SESSION_TOKEN_LEN] = '\0';
    return 0;
}

void session_csrf_of(const char *token, char out[33])
{
    char hex[PM_SHA256_HEX];

    /* An HMAC keyed by the session token: only who knows the token (the
     * server, and the page it told) can compute it. */
    pm_hmac_sha256_hex(token, strlen(token), "powermap-csrf", 13, hex);
    memcpy(out, hex, 32);
    out[32] = '\0';
}

/* Compares two strings in time independent of where they differ. */
static int same_secret(const char *a, const char *b)
{
    size_t n = strlen(a);

    return n == strlen(b) && pm_secure_equal(a, b, n);
}

/* ------------------------------------------------------------------------- */
/* The cookie                                                                  */
/* ------------------------------------------------------------------------- */

int session_cookie(struct http_req *r, char out[SESSION_TOKEN_LEN + 1])
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SESSION_COOKIE);

    if (!v || strlen(v) != SESSION_TOKEN_LEN)
        return 0;
    for (const char *p = v; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return 0;
    memcpy(out, v, SESSION_TOKEN_LEN + 1);
    return 1;
}

int session_is_tls(struct http_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_PROTOCOL);

    return ci && ci->protocol != 0;
}

static int is_read(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
           strcmp(method, "OPTIONS") == 0;
}

/* Checks what a session may do: writes need the CSRF token, a one-time
 * password allows nothing but the session's own routes. */
static enum pm_err session_allowed(struct http_req *r, const char *token, int must_change)
{
    const char *sent = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                   SESSION_CSRF_HEADER);
    char csrf[33];

    if (!is_read(r->method)) {
        session_csrf_of(token, csrf);
        if (!sent || !same_secret(sent, csrf)) {
            http_fail_detail(r, "reason", "\"csrf\"");
            return http_fail(r, PM_ERR_FORBIDDEN,
                             "画面を読み込み直してください（CSRF トークンがありません）");
        }
    }
    if (must_change && strncmp(r->path, "/v1/session", 11) != 0) {
        http_fail_detail(r, "reason", "\"password_change_required\"");
        return http_fail(r, PM_ERR_FORBIDDEN, "初回のパスワードを変更してください");
    }
    return PM_OK;
}

enum http_auth_result session_resolve(struct http_req *r, char *presented, size_t cap)
{
    char token[SESSION_TOKEN_LEN + 1], hex[PM_SHA256_HEX], idle[16];
    const char *p[2] = { hex, idle };
    PGresult *res;
    PGconn *c;
    enum pm_err e = PM_OK;
    int must_change = 0, stale = 0;

    if (!session_cookie(r, token))
        return HTTP_AUTH_ABSENT;
    snprintf(presented, cap, "%s", token);
    pm_sha256_hex(token, strlen(token), hex);
    snprintf(idle, sizeof idle, "%d", SESSION_IDLE_S);
    /* The primary: a session made a moment ago may not be on a replica yet. */
    c = http_db_write(r);
    if (!c)
        return HTTP_AUTH_ERROR;
    res = db_exec(c, "session_lookup", 2, p);
    if (!db_ok(res)) {
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    } else if (PQntuples(res) == 1) {
        r->session_id = strtol(PQgetvalue(res, 0, 0), NULL, 10);
        r->user_id = strtol(PQgetvalue(res, 0, 1), NULL, 10);
        snprintf(r->user_login, sizeof r->user_login, "%s", PQgetvalue(res, 0, 2));
        snprintf(r->key_name, sizeof r->key_name, "user:%s", r->user_login);
        r->role = pm_role_from_name(PQgetvalue(res, 0, 4));
        must_change = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
        stale = strcmp(PQgetvalue(res, 0, 6), "t") == 0;
    }
    PQclear(res);
    if (e != PM_OK)
        return HTTP_AUTH_ERROR;
    /* An ended or expired session is no credential: the request goes on
     * anonymous, so that the page and public data still load after expiry
     * (the token is 256 random bits: there is nothing to guess). */
    if (!r->user_id)
        return HTTP_AUTH_ABSENT;
    if (stale) {
        char sid[24];
        const char *q[1] = { sid };

        /* Idle time counts in minutes: one write a minute, not per request. */
        snprintf(sid, sizeof sid, "%ld", r->session_id);
        PQclear(db_exec(c, "session_touch", 1, q));
    }
    return session_allowed(r, token, must_change) == PM_OK ? HTTP_AUTH_OK : HTTP_AUTH_ERROR;
}

/* ------------------------------------------------------------------------- */
/* powermapd user add                                                          */
/* ------------------------------------------------------------------------- */

static int cli_die(const char *msg)
{
    fprintf(stderr, "powermapd: %s\n", msg);
    return 1;
}

/* Inserts the user and prints the one-time password.  Returns the status. */
static int cli_user_add(const char *db, const char *login, const char *role, const char *name)
{
    char pw[17], hash[SESSION_HASH_MAX], err[512];
    const char *p[4] = { login, name, role, hash };
    PGconn *c;
    PGresult *res;
    int rc = 1;

    if (session_new_password(pw) < 0 || session_hash_password(pw, hash) < 0)
        return cli_die("user add: no randomness available");
    c = db_connect(db, 1, err, sizeof err);
    if (!c) {
        fprintf(stderr, "powermapd: %s\n", err);
        return 1;
    }
    res = db_exec(c, "user_insert", 4, p);
    if (!db_ok(res))
        fprintf(stderr, "powermapd: user add: %s", PQresultErrorMessage(res));
    else if (PQntuples(res) != 1)
        fprintf(stderr, "powermapd: user add: the login %s is taken\n", login);
    else
        rc = 0;
    PQclear(res);
    PQfinish(c);
    if (rc == 0)
        /* The only copy: it is to be changed at the first login. */
        printf("%s\n", pw);
    return rc;
}

int session_cli(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' },
        { "login", required_argument, NULL, 'l' },
        { "role", required_argument, NULL, 'r' },
        { "name", required_argument, NULL, 'n' },
        { NULL, 0, NULL, 0 }
    };
    const char *db = getenv("POWERMAP_DB"), *login = NULL, *role = NULL, *name = NULL;
    int ch;

    if (argc < 2 || strcmp(argv[1], "add") != 0)
        return cli_die("user: expected \"user add --db CONNINFO --login L --role ROLE [--name N]\"");
    optind = 1;
    while ((ch = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd': db = optarg; break;
        case 'l': login = optarg; break;
        case 'r': role = optarg; break;
        case 'n': name = optarg; break;
        default: return 2;
        }
    }
    if (!db || !*db)
        return cli_die("--db CONNINFO (or POWERMAP_DB) is required");
    if (!login || !*login)
        return cli_die("user add: --login L is required");
    if (!role || pm_role_from_name(role) == ROLE_NONE)
        return cli_die("user add: --role must be viewer, planner or admin");
    return cli_user_add(db, login, role, name);
}
