/* routes_session.c -- logging in and out, the password, and the staff users
 * (DESIGN 7 v2): POST|GET|DELETE /v1/session, POST /v1/session/password,
 * GET|POST /v1/users, PUT|DELETE /v1/users/{id} (admin).
 *
 * Failed logins are slowed, never locked: after three failures for a login
 * from one address, the next attempt from that address is answered 429
 * until 1, 2, 4 ... (at most 60) seconds have passed since the last failure.
 * The count is kept per address so that someone elsewhere guessing cannot
 * keep the person with the right password out; it is in the database so
 * that every daemon of the database sees it. */
#include <cjson/cJSON.h>
#include <math.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/routes.h"
#include "server/session.h"
#include "server/crypto.h"

#define FAIL_WINDOW_S 900      /* failures older than 15 minutes are forgotten */
#define FAIL_FREE 3            /* failures before the first wait */
#define FAIL_WAIT_MAX_S 60

/* ------------------------------------------------------------------------- */
/* Helpers                                                                     */
/* ------------------------------------------------------------------------- */

/* The request body as a JSON object, or NULL with a 400 recorded. */
static cJSON *json_body(struct http_req *r)
{
    cJSON *obj;

    if (!r->body || !r->body_len)
        return http_fail(r, PM_ERR_BAD_REQUEST, "JSON の本文が必要です"), NULL;
    obj = cJSON_ParseWithLengthOpts(r->body, r->body_len + 1, NULL, 1);
    if (!obj || !cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return http_fail(r, PM_ERR_BAD_REQUEST, "本文が JSON オブジェクトではありません"), NULL;
    }
    return obj;
}

/* The string member name of obj, or NULL when absent or not a string. */
static const char *str_of(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Replies with the named query's one JSON cell (param: an id), status st. */
static enum pm_err reply_one(struct http_req *r, unsigned st, const char *query, const char *id)
{
    const char *p[1] = { id };
    PGresult *res = db_exec(r->db, query, 1, p);
    enum pm_err e;

    if (!db_ok(res))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(res) != 1)
        e = http_fail(r, PM_ERR_NOT_FOUND, "そのユーザーはいません");
    else
        e = http_reply_json(r, st, PQgetvalue(res, 0, 0));
    PQclear(res);
    return e;
}

/* Runs a query whose only interest is success.  PM_OK or a recorded 503. */
static enum pm_err exec_ok(struct http_req *r, const char *query, int n, const char *const *p)
{
    PGresult *res = db_exec(r->db, query, n, p);
    int ok = db_ok(res);

    PQclear(res);
    return ok ? PM_OK : http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
}

static void set_cookie(struct http_req *r, const char *token, int max_age)
{
    char v[256];

    snprintf(v, sizeof v, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s",
             SESSION_COOKIE, token, max_age, session_is_tls(r) ? "; Secure" : "");
    http_header(r, "Set-Cookie", v);
}

/* Checks a new password: length and not the login.  PM_OK or a 400. */
static enum pm_err password_ok(struct http_req *r, const char *pw, const char *login)
{
    size_t n = pw ? strlen(pw) : 0;

    if (n < SESSION_PASSWORD_MIN || n > SESSION_PASSWORD_MAX) {
        http_fail_detail(r, "field", "\"new_password\"");
        return http_fail(r, PM_ERR_BAD_REQUEST, "新しいパスワードは %d 文字以上にしてください",
                         SESSION_PASSWORD_MIN);
    }
    if (login && strcmp(pw, login) == 0) {
        http_fail_detail(r, "field", "\"new_password\"");
        return http_fail(r, PM_ERR_BAD_REQUEST, "ログイン名と同じパスワードは使えません");
    }
    return PM_OK;
}

/* ------------------------------------------------------------------------- */
/* Slowing failed logins                                                       */
/* ------------------------------------------------------------------------- */

/* PM_OK when this address may try login now, else a recorded 429. */
static enum pm_err login_wait_or_reply(struct http_req *r, const char *login)
{
    char window[16];
    const char *p[3] = { login, r->remote, window };
    PGresult *res;
    long failures = 0;
    double since = 0, wait;
    char after[16];

    snprintf(window, sizeof window, "%d", FAIL_WINDOW_S);
    res = db_exec(r->db, "login_failures_get", 3, p);
    if (!db_ok(res)) {
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    if (PQntuples(res) == 1) {
        failures = strtol(PQgetvalue(res, 0, 0), NULL, 10);
        since = strtod(PQgetvalue(res, 0, 1), NULL);
    }
    PQclear(res);
    if (failures < FAIL_FREE)
        return PM_OK;
    wait = failures - FAIL_FREE >= 6 ? FAIL_WAIT_MAX_S : (double)(1L << (failures - FAIL_FREE));
    if (since >= wait)
        return PM_OK;
    snprintf(after, sizeof after, "%d", (int)ceil(wait - since));
    http_header(r, "Retry-After", after);
    http_fail_detail(r, "retry_after", after);
    return http_fail(r, PM_ERR_TOO_MANY, "ログインの失敗が続いたため、%s 秒待ってからもう一度どうぞ",
                     after);
}

/* A hash of a password nobody knows, verified for unknown logins so that an
 * unknown login takes as long to refuse as a wrong password. */
static char dummy_hash[SESSION_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    char pw[17];

    if (session_new_password(pw) < 0 || session_hash_password(pw, dummy_hash) < 0)
        dummy_hash[0] = '\0';
}

/* ------------------------------------------------------------------------- */
/* /v1/session                                                                 */
/* ------------------------------------------------------------------------- */

/* Starts a session for user id: the cookie and the reply. */
static enum pm_err start_session(struct http_req *r, const char *id, const char *login)
{
    char token[SESSION_TOKEN_LEN + 1], hex[PM_SHA256_HEX], life[16], csrf[33];
    const char *p[4] = { id, hex, life, r->remote };
    const char *q[1] = { id };
    PGresult *res;
    struct pm_buf b;
    size_t len;
    char *out;

    if (session_new_token(token) < 0)
        return http_fail(r, PM_ERR_INTERNAL, "no randomness available");
    pm_sha256_hex(token, strlen(token), hex);
    snprintf(life, sizeof life, "%d", SESSION_LIFETIME_S);
    if (exec_ok(r, "session_insert", 4, p) != PM_OK)
        return r->err;
    snprintf(r->key_name, sizeof r->key_name, "user:%s", login);
    if (http_audit(r, "session.login", NULL) != PM_OK)
        return r->err;
    res = db_exec(r->db, "user_json", 1, q);
    if (!db_ok(res) || PQntuples(res) != 1) {
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    session_csrf_of(token, csrf);
    pm_buf_init(&b);
    pm_buf_printf(&b, "{\"user\":%s,\"csrf\":\"%s\",\"expires_in\":%d}", PQgetvalue(res, 0, 0),
                  csrf, SESSION_LIFETIME_S);
    PQclear(res);
    set_cookie(r, token, SESSION_LIFETIME_S);
    if (b.oom)
        return pm_buf_release(&b), http_fail(r, PM_ERR_NOMEM, "out of memory");
    out = pm_buf_steal(&b, &len);
    return http_reply(r, MHD_HTTP_CREATED, "application/json", out, len);
}

enum pm_err route_session_create(struct http_req *r)
{
    cJSON *body = json_body(r);
    const char *login, *pw, *p[1];
    char window[16], id[24], login_copy[80];
    PGresult *res = NULL;
    enum pm_err e;
    int ok = 0;

    if (!body)
        return r->err;
    login = str_of(body, "login");
    pw = str_of(body, "password");
    if (!login || !*login || strlen(login) > 64 || !pw || strlen(pw) > SESSION_PASSWORD_MAX) {
        cJSON_Delete(body);
        return http_fail(r, PM_ERR_BAD_REQUEST, "ログイン名とパスワードを入れてください");
    }
    snprintf(login_copy, sizeof login_copy, "%s", login);
    if (!http_db_write(r) || login_wait_or_reply(r, login_copy) != PM_OK) {
        cJSON_Delete(body);
        return r->err;
    }
    p[0] = login_copy;
    res = db_exec(r->db, "user_by_login", 1, p);
    if (!db_ok(res)) {
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        goto out;
    }
    pthread_once(&dummy_once, dummy_init);
    if (PQntuples(res) == 1) {
        ok = session_verify_password(PQgetvalue(res, 0, 1), pw);
        snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
    } else {
        session_verify_password(dummy_hash, pw);
    }
    {
        const char *q[3] = { login_copy, r->remote, window };

        snprintf(window, sizeof window, "%d", FAIL_WINDOW_S);
        if (exec_ok(r, ok ? "login_failures_clear" : "login_failure_add", ok ? 2 : 3, q) != PM_OK) {
            e = r->err;
            goto out;
        }
    }
    e = ok ? start_session(r, id, login_copy)
           : http_fail(r, PM_ERR_UNAUTHORIZED, "ログイン名またはパスワードが違います");
out:
    PQclear(res);
    cJSON_Delete(body);
    return e;
}

enum pm_err route_session_get(struct http_req *r)
{
    char token[SESSION_TOKEN_LEN + 1], csrf[33], id[24];
    const char *p[1] = { id };
    PGresult *res;
    struct pm_buf b;
    size_t len;
    char *out;

    if (!r->user_id || !session_cookie(r, token))
        return http_fail(r, PM_ERR_UNAUTHORIZED, "ログインしてください");
    if (!http_db(r))
        return r->err;
    session_csrf_of(token, csrf);
    snprintf(id, sizeof id, "%ld", r->user_id);
    res = db_exec(r->db, "user_json", 1, p);
    if (!db_ok(res) || PQntuples(res) != 1) {
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    pm_buf_init(&b);
    pm_buf_printf(&b, "{\"user\":%s,\"csrf\":\"%s\"}", PQgetvalue(res, 0, 0), csrf);
    PQclear(res);
    if (b.oom)
        return pm_buf_release(&b), http_fail(r, PM_ERR_NOMEM, "out of memory");
    out = pm_buf_steal(&b, &len);
    return http_reply(r, MHD_HTTP_OK, "application/json", out, len);
}

enum pm_err route_session_delete(struct http_req *r)
{
    char sid[24];
    const char *p[1] = { sid };

    set_cookie(r, "", 0);
    if (!r->session_id)
        return http_reply(r, MHD_HTTP_NO_CONTENT, "application/json", strdup(""), 0);
    snprintf(sid, sizeof sid, "%ld", r->session_id);
    if (!http_db(r))
        return r->err;
    if (exec_ok(r, "session_end", 1, p) != PM_OK || http_audit(r, "session.logout", NULL) != PM_OK)
        return r->err;
    return http_reply(r, MHD_HTTP_NO_CONTENT, "application/json", strdup(""), 0);
}

enum pm_err route_session_password(struct http_req *r)
{
    cJSON *body;
    const char *cur, *pw;
    char id[24], sid[24], hash[SESSION_HASH_MAX];
    const char *p[3] = { id, hash, "false" };
    const char *q[2] = { id, sid };
    PGresult *res;
    int ok;
    enum pm_err e = PM_OK;

    if (!r->user_id)
        return http_fail(r, PM_ERR_UNAUTHORIZED, "ログインしてください");
    if (!http_db(r))
        return r->err;
    body = json_body(r);
    if (!body)
        return r->err;
    cur = str_of(body, "current_password");
    pw = str_of(body, "new_password");
    snprintf(id, sizeof id, "%ld", r->user_id);
    snprintf(sid, sizeof sid, "%ld", r->session_id);
    if (password_ok(r, pw, r->user_login) != PM_OK)
        goto out;
    res = db_exec(r->db, "user_hash", 1, p);
    ok = db_ok(res) && PQntuples(res) == 1 && cur &&
         session_verify_password(PQgetvalue(res, 0, 0), cur);
    PQclear(res);
    if (!ok) {
        http_fail_detail(r, "field", "\"current_password\"");
        e = http_fail(r, PM_ERR_BAD_REQUEST, "今のパスワードが違います");
    } else if (strcmp(cur, pw) == 0) {
        http_fail_detail(r, "field", "\"new_password\"");
        e = http_fail(r, PM_ERR_BAD_REQUEST, "今と違うパスワードにしてください");
    } else if (session_hash_password(pw, hash) < 0) {
        e = http_fail(r, PM_ERR_INTERNAL, "no randomness available");
    } else if (exec_ok(r, "user_set_password", 3, p) == PM_OK &&
               exec_ok(r, "sessions_end_user", 2, q) == PM_OK &&
               http_audit(r, "user.password", NULL) == PM_OK) {
        e = reply_one(r, MHD_HTTP_OK, "user_json", id);
    }
out:
    cJSON_Delete(body);
    return r->err != PM_OK ? r->err : e;
}

/* ------------------------------------------------------------------------- */
/* /v1/users (admin)                                                           */
/* ------------------------------------------------------------------------- */

enum pm_err route_users_list(struct http_req *r)
{
    static const char *const allowed[] = { "limit", "offset", NULL };
    char lim[24], off[24];
    const char *p[2] = { lim, off };

    if (http_page(r, allowed, 100, lim, off) != PM_OK || !http_db(r))
        return r->err;
    return http_reply_query(r, r->db, "users_list", 2, p);
}

/* Replies with the user id and, when pw is not NULL, the one-time password. */
static enum pm_err reply_user_password(struct http_req *r, unsigned st, const char *id,
                                       const char *pw)
{
    const char *p[1] = { id };
    PGresult *res = db_exec(r->db, "user_json", 1, p);
    struct pm_buf b;
    size_t len;
    char *out;

    if (!db_ok(res) || PQntuples(res) != 1) {
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    pm_buf_init(&b);
    pm_buf_printf(&b, "{\"user\":%s", PQgetvalue(res, 0, 0));
    if (pw)
        pm_buf_printf(&b, ",\"password\":\"%s\"", pw);
    pm_buf_puts(&b, "}");
    PQclear(res);
    if (b.oom)
        return pm_buf_release(&b), http_fail(r, PM_ERR_NOMEM, "out of memory");
    out = pm_buf_steal(&b, &len);
    return http_reply(r, st, "application/json", out, len);
}

/* Checks the role member (may be absent).  PM_OK or a recorded 400. */
static enum pm_err role_ok(struct http_req *r, const char *role)
{
    if (role && pm_role_from_name(role) == ROLE_NONE) {
        http_fail_detail(r, "field", "\"role\"");
        return http_fail(r, PM_ERR_BAD_REQUEST, "役割は viewer、planner、admin のどれかです");
    }
    return PM_OK;
}

enum pm_err route_users_create(struct http_req *r)
{
    cJSON *body = json_body(r);
    const char *login, *role, *name;
    char pw[17], hash[SESSION_HASH_MAX], id[24];
    PGresult *res;
    enum pm_err e = PM_OK;

    if (!body)
        return r->err;
    login = str_of(body, "login");
    role = str_of(body, "role");
    name = str_of(body, "name");
    if (!login || !*login) {
        http_fail_detail(r, "field", "\"login\"");
        e = http_fail(r, PM_ERR_BAD_REQUEST, "ログイン名を入れてください");
    } else if (!role) {
        http_fail_detail(r, "field", "\"role\"");
        e = http_fail(r, PM_ERR_BAD_REQUEST, "役割を選んでください");
    } else if (role_ok(r, role) == PM_OK && http_db(r)) {
        const char *p[4] = { login, name, role, hash };

        if (session_new_password(pw) < 0 || session_hash_password(pw, hash) < 0) {
            e = http_fail(r, PM_ERR_INTERNAL, "no randomness available");
            goto out;
        }
        res = db_exec(r->db, "user_insert", 4, p);
        if (!db_ok(res)) {
            http_fail_detail(r, "field", "\"login\"");
            e = http_fail(r, PM_ERR_BAD_REQUEST,
                          "ログイン名は英数字と . _ @ - で 64 文字までです");
        } else if (PQntuples(res) != 1) {
            http_fail_detail(r, "field", "\"login\"");
            e = http_fail(r, PM_ERR_CONFLICT, "そのログイン名はもう使われています");
        } else {
            snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
        }
        PQclear(res);
        if (e == PM_OK && http_audit(r, "user.create", NULL) == PM_OK)
            e = reply_user_password(r, MHD_HTTP_CREATED, id, pw);
    }
out:
    cJSON_Delete(body);
    return r->err != PM_OK ? r->err : e;
}

/* Parses {id}; PM_OK or a recorded 400. */
static enum pm_err user_id_param(struct http_req *r, char out[24])
{
    long id;

    if (pm_parse_long(r->params[0], 1, 9007199254740991L, &id) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "id: must be a positive integer");
    snprintf(out, 24, "%ld", id);
    return PM_OK;
}

/* Refuses to leave the users without an admin: PM_OK when user id is not the
 * last admin (or stays one), else a recorded 409. */
static enum pm_err keeps_an_admin(struct http_req *r, const char *id, const char *new_role)
{
    const char *p[1] = { id };
    PGresult *res;
    long others;

    if (new_role && strcmp(new_role, "admin") == 0)
        return PM_OK;
    res = db_exec(r->db, "admins_other_than", 1, p);
    if (!db_ok(res)) {
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    others = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    if (others == 0 && r->user_id && strtol(id, NULL, 10) == r->user_id)
        return http_fail(r, PM_ERR_CONFLICT, "最後の管理者は外せません");
    return PM_OK;
}

enum pm_err route_user_put(struct http_req *r)
{
    cJSON *body;
    const char *name, *role;
    char id[24], pw[17], hash[SESSION_HASH_MAX];
    const cJSON *reset;
    enum pm_err e = PM_OK;

    if (user_id_param(r, id) != PM_OK || !(body = json_body(r)))
        return r->err;
    name = str_of(body, "name");
    role = str_of(body, "role");
    reset = cJSON_GetObjectItemCaseSensitive(body, "reset_password");
    if (role_ok(r, role) != PM_OK || !http_db(r) ||
        (role && keeps_an_admin(r, id, role) != PM_OK))
        goto out;
    {
        const char *p[3] = { id, name, role };
        PGresult *res = db_exec(r->db, "user_update", 3, p);

        if (!db_ok(res))
            e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        else if (PQntuples(res) != 1)
            e = http_fail(r, PM_ERR_NOT_FOUND, "そのユーザーはいません");
        PQclear(res);
        if (e != PM_OK)
            goto out;
    }
    if (cJSON_IsTrue(reset)) {
        const char *p[3] = { id, hash, "true" };
        const char *q[2] = { id, NULL };

        if (session_new_password(pw) < 0 || session_hash_password(pw, hash) < 0) {
            e = http_fail(r, PM_ERR_INTERNAL, "no randomness available");
            goto out;
        }
        if (exec_ok(r, "user_set_password", 3, p) != PM_OK ||
            exec_ok(r, "sessions_end_user", 2, q) != PM_OK)
            goto out;
    }
    if (http_audit(r, "user.update", NULL) == PM_OK)
        e = reply_user_password(r, MHD_HTTP_OK, id, cJSON_IsTrue(reset) ? pw : NULL);
out:
    cJSON_Delete(body);
    return r->err != PM_OK ? r->err : e;
}

enum pm_err route_user_delete(struct http_req *r)
{
    char id[24];
    const char *p[1] = { id };
    PGresult *res;
    enum pm_err e = PM_OK;

    if (user_id_param(r, id) != PM_OK || !http_db(r))
        return r->err;
    if (r->user_id && strtol(id, NULL, 10) == r->user_id)
        return http_fail(r, PM_ERR_CONFLICT, "自分自身は削除できません");
    res = db_exec(r->db, "user_delete", 1, p);
    if (!db_ok(res))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(res) != 1)
        e = http_fail(r, PM_ERR_NOT_FOUND, "そのユーザーはいません");
    PQclear(res);
    if (e == PM_OK && http_audit(r, "user.delete", NULL) == PM_OK)
        e = http_reply(r, MHD_HTTP_NO_CONTENT, "application/json", strdup(""), 0);
    return r->err != PM_OK ? r->err : e;
}
