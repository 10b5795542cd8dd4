/* session.h -- staff who log in as themselves (DESIGN 8 v2): Argon2id
 * password hashes, the session cookie and its CSRF token, and the
 * `powermapd user add` command. */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>

#include "server/http.h"

#define SESSION_COOKIE "pm_session"
#define SESSION_CSRF_HEADER "X-CSRF-Token"
#define SESSION_LIFETIME_S (12 * 3600)  /* a session ends 12 h after login */
#define SESSION_IDLE_S (2 * 3600)       /* ... or after 2 h unused */
#define SESSION_TOKEN_LEN 43            /* base64url of 32 random bytes */
#define SESSION_HASH_MAX 128            /* an encoded Argon2id hash fits */
#define SESSION_PASSWORD_MIN 10         /* a new password's least length */
#define SESSION_PASSWORD_MAX 256

/* Hashes password with Argon2id into out (NUL-terminated PHC string).
 * Returns 0, or -1 when out of memory or randomness. */
int session_hash_password(const char *password, char out[SESSION_HASH_MAX]);

/* 1 when password matches the encoded Argon2id hash, 0 otherwise. */
int session_verify_password(const char *hash, const char *password);

/* Writes a fresh one-time password (16 characters, no look-alikes such as
 * 0/O or 1/l) to out.  Returns 0, or -1 when no randomness is available. */
int session_new_password(char out[17]);

/* Writes a fresh session token (SESSION_TOKEN_LEN characters, base64url) to
 * out.  Returns 0, or -1 when no randomness is available. */
int session_new_token(char out[SESSION_TOKEN_LEN + 1]);

/* The CSRF token that goes with a session token: 32 hex characters derived
 * from it, so that only a page that was told it (GET /v1/session) knows it. */
void session_csrf_of(const char *token, char out[33]);

#include "server/http_internal.h"

/* The session cookie's resolver (http_auth.c's resolvers[]): when r has the
 * cookie (and no Authorization header, which is looked at first) and it
 * names a live session, sets r->role, r->user_id, r->user_login,
 * r->session_id and r->key_name ("user:LOGIN") and returns HTTP_AUTH_OK.  A
 * cookie that names no live session is ignored: HTTP_AUTH_ABSENT, the
 * request is anonymous.  HTTP_AUTH_ERROR with a recorded error: 403 csrf when
 * a request other than GET/HEAD/OPTIONS lacks the session's X-CSRF-Token, 403
 * password_change_required while a one-time password is unchanged (but on
 * /v1/session), 503 when the database is down. */
enum http_auth_result session_resolve(struct http_req *r, char *presented, size_t cap);

/* Copies the value of the session cookie of r into out; returns 1 when there
 * is one of the right shape, 0 otherwise. */
int session_cookie(struct http_req *r, char out[SESSION_TOKEN_LEN + 1]);

/* 1 when r came over TLS (cookies are then Secure). */
int session_is_tls(struct http_req *r);

/* `powermapd user add --db CONNINFO --login L --role ROLE [--name N]`: argv
 * starts at "user".  Prints the one-time password; returns the exit status. */
int session_cli(int argc, char **argv);

#endif
