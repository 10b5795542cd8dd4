/* http_reply.c -- replies: the error object and its status, buffered and
 * streamed bodies, gzip, ETags and the caching headers of public layers.
 * The header parsers they use are in http_headers.c (unit-tested). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "server/cache.h"
#include "server/db.h"
#include "server/http_headers.h"
#include "server/http_internal.h"

unsigned http_err_status(enum pm_err e)
{
    switch (e) {
    case PM_OK: return MHD_HTTP_OK;
    case PM_ERR_BAD_REQUEST: return MHD_HTTP_BAD_REQUEST;
    case PM_ERR_UNAUTHORIZED: return MHD_HTTP_UNAUTHORIZED;
    case PM_ERR_FORBIDDEN: return MHD_HTTP_FORBIDDEN;
    case PM_ERR_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
    case PM_ERR_METHOD: return MHD_HTTP_METHOD_NOT_ALLOWED;
    case PM_ERR_CONFLICT: return MHD_HTTP_CONFLICT;
    case PM_ERR_TOO_LARGE: return MHD_HTTP_CONTENT_TOO_LARGE;
    case PM_ERR_MEDIA_TYPE: return MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
    case PM_ERR_UNPROCESSABLE: return MHD_HTTP_UNPROCESSABLE_CONTENT;
    case PM_ERR_TOO_MANY: return MHD_HTTP_TOO_MANY_REQUESTS;
    case PM_ERR_UNAVAILABLE: return MHD_HTTP_SERVICE_UNAVAILABLE;
    case PM_ERR_INTERNAL: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    case PM_ERR_NOMEM: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

enum pm_err http_fail(struct http_req *r, enum pm_err e, const char *fmt, ...)
{
    va_list ap;

    r->err = e;
    va_start(ap, fmt);
    vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
    va_end(ap);
    return e;
}

void http_fail_detail(struct http_req *r, const char *name, const char *json)
{
    free(r->errdetail);
    r->errdetail_name = name;
    r->errdetail = json ? strdup(json) : NULL;
}

enum pm_err http_reply(struct http_req *r, unsigned status, const char *content_type,
                       char *data, size_t len)
{
    free(r->out);
    r->out = data;
    r->out_len = len;
    r->status = status;
    r->content_type = content_type;
    if (!data)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    return PM_OK;
}

enum pm_err http_reply_json(struct http_req *r, unsigned status, const char *text)
{
    return http_reply(r, status, "application/json", strdup(text), strlen(text));
}

void http_header(struct http_req *r, const char *name, const char *value)
{
    if (r->nhdr == HTTP_MAX_HEADERS)
        return;
    r->hdr_name[r->nhdr] = name;
    r->hdr_value[r->nhdr] = strdup(value);
    if (r->hdr_value[r->nhdr])
        r->nhdr++;
}

enum pm_err http_reply_query(struct http_req *r, PGconn *c, const char *name, int nparams,
                             const char *const *params)
{
    PGresult *q = db_exec(c, name, nparams, params);
    enum pm_err e = db_ok(q) && PQntuples(q) > 0
                        ? http_reply_json(r, 200, PQgetvalue(q, 0, 0))
                        : http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");

    PQclear(q);
    return e;
}

#define STREAM_BLOCK (64 * 1024)
#define SPILL_AFTER (4 * 1024 * 1024)  /* a streamed body past this waits in a file */
#define GZIP_LEVEL 5

struct http_gzip_state {
    z_stream z;
    char in[STREAM_BLOCK];
    int eof;                            /* the reader said end of body */
    int done;                           /* deflate said Z_STREAM_END */
};

static int has_authorization(struct http_req *r)
{
    /* A session cookie is a credential too: its replies are never public. */
    return r->user_id || MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_AUTHORIZATION) != NULL;
}

void http_public(struct http_req *r, int max_age)
{
    r->public_max_age = max_age > 0 ? max_age : 1;
}

int http_gzip(struct http_req *r)
{
    r->gzip_offered = 1;
    r->gzip = http_accepts_gzip(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_ACCEPT_ENCODING));
    return r->gzip;
}

int http_etag(struct http_req *r, const char *tag)
{
    snprintf(r->etag, sizeof r->etag, "\"%.80s%s\"", tag, r->gzip ? "-gz" : "");
    return http_etag_listed(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                        MHD_HTTP_HEADER_IF_NONE_MATCH),
                            r->etag);
}

enum pm_err http_reply_not_modified(struct http_req *r)
{
    return http_reply(r, MHD_HTTP_NOT_MODIFIED, NULL, strdup(""), 0);
}

enum pm_err http_reply_stream(struct http_req *r, unsigned status, const char *content_type,
                              http_reader read, void *cls, void (*release)(void *cls))
{
    free(r->out);
    r->out = NULL;
    r->out_len = 0;
    r->status = status;
    r->content_type = content_type;
    r->stream_read = read;
    r->stream_cls = cls;
    r->stream_release = release;
    return PM_OK;
}

static void add_layer_headers(struct http_req *r, struct MHD_Response *resp)
{
    char cc[64];

    if (r->etag[0] && r->err == PM_OK)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
    if (r->gzip)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (r->gzip_offered && r->err == PM_OK)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding, Authorization");
    if (r->public_max_age && !has_authorization(r)) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        if (r->err == PM_OK && r->status < 400) {
            snprintf(cc, sizeof cc, "public, max-age=%d", r->public_max_age);
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cc);
        }
    }
}

/* Compresses r->out in place.  Returns 0, or -1 when out of memory. */
static int gzip_buffer(struct http_req *r)
{
    z_stream z;
    char *out;
    uLong cap;
    int rc;

    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    cap = deflateBound(&z, (uLong)r->out_len);
    out = malloc(cap);
    if (!out) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)r->out;
    z.avail_in = (uInt)r->out_len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    rc = deflate(&z, Z_FINISH);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return -1;
    }
    free(r->out);
    r->out = out;
    r->out_len = cap - z.avail_out;
    return 0;
}

static struct http_gzip_state *gzip_state_new(void)
{
    struct http_gzip_state *g = calloc(1, sizeof *g);

    if (g && deflateInit2(&g->z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(g);
        return NULL;
    }
    return g;
}

static void gzip_state_free(struct http_gzip_state *g)
{
    if (!g)
        return;
    deflateEnd(&g->z);
    free(g);
}

/* libmicrohttpd's content reader for a streamed reply: the route's reader,
 * through deflate when the body is compressed. */
static ssize_t stream_callback(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct http_req *r = cls;
    struct http_gzip_state *g = r->z;
    long n;

    (void)pos;
    if (!g) {
        n = r->stream_read(r->stream_cls, buf, max);
        return n > 0 ? (ssize_t)n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM
                                           : MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (g->done)
        return MHD_CONTENT_READER_END_OF_STREAM;
    g->z.next_out = (Bytef *)buf;
    g->z.avail_out = (uInt)max;
    for (;;) {
        int rc;

        if (g->z.avail_in == 0 && !g->eof) {
            n = r->stream_read(r->stream_cls, g->in, sizeof g->in);
            if (n < 0)
                return MHD_CONTENT_READER_END_WITH_ERROR;
            if (n == 0)
                g->eof = 1;
            g->z.next_in = (Bytef *)g->in;
            g->z.avail_in = (uInt)n;
        }
        rc = deflate(&g->z, g->eof ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            g->done = 1;
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (g->z.avail_out == 0 || g->done)
            break;
    }
    if (max - g->z.avail_out == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    return (ssize_t)(max - g->z.avail_out);
}


/* Sets r's reply to the error object of r->err. */
static void error_body(struct http_req *r)
{
    struct pm_buf b;

    pm_buf_init(&b);
    pm_buf_printf(&b, "{\"error\":{\"code\":\"%s\",\"message\":\"", pm_err_code(r->err));
    pm_buf_json_escape(&b, r->errmsg);
    pm_buf_puts(&b, "\"");
    if (r->errdetail)
        pm_buf_printf(&b, ",\"%s\":%s", r->errdetail_name, r->errdetail);
    pm_buf_puts(&b, "}}");
    free(r->out);
    r->out = pm_buf_steal(&b, &r->out_len);
    r->status = http_err_status(r->err);
    r->content_type = "application/json";
    r->gzip = 0;
    if (!r->out) {
        r->out_len = 0;
        r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* A file in the temporary folder that is gone once closed, or -1. */
static int spill_file(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[512];
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

    if (fd >= 0)
        return fd;
    snprintf(path, sizeof path, "%s/powermapd-XXXXXX", dir);
    fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* Writes n bytes to fd.  Returns 0 or -1. */
static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Takes a streamed body off the database before a byte is sent: reads it to
 * its end (through deflate when compressed) into r->out, or, past
 * SPILL_AFTER bytes, into an unlinked temporary file (*fd, *fdlen).  The
 * stream is released then, so a slow reader holds only its own socket, never
 * a pooled database connection.  Returns 0, or -1 with a 503 recorded. */
static int take_off_stream(struct http_req *r, int *fd, uint64_t *fdlen)
{
    struct pm_buf b;
    char *block = malloc(STREAM_BLOCK);
    ssize_t n = 0;

    pm_buf_init(&b);
    *fd = -1;
    *fdlen = 0;
    if (!block || (r->gzip && !(r->z = gzip_state_new())))
        goto fail;
    for (;;) {
        n = stream_callback(r, 0, block, STREAM_BLOCK);
        if (n == MHD_CONTENT_READER_END_OF_STREAM)
            break;
        if (n < 0)
            goto fail;
        if (*fd < 0 && b.len + (size_t)n > SPILL_AFTER) {
            *fd = spill_file();
            if (*fd < 0 || write_all(*fd, b.data, b.len) < 0)
                goto fail;
            *fdlen = b.len;
            pm_buf_release(&b);
        }
        if (*fd >= 0) {
            if (write_all(*fd, block, (size_t)n) < 0)
                goto fail;
            *fdlen += (uint64_t)n;
        } else {
            pm_buf_append(&b, block, (size_t)n);
        }
    }
    if (b.oom)
        goto fail;
    free(block);
    free(r->out);
    r->out = *fd >= 0 ? NULL : pm_buf_steal(&b, &r->out_len);
    return 0;
fail:
    free(block);
    pm_buf_release(&b);
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
    http_fail(r, PM_ERR_UNAVAILABLE, "the answer could not be read from the database; "
                                     "try again shortly");
    return -1;
}

/* Ends r's stream and gives its database connections back: nothing the
 * client does from here on holds a pooled connection. */
static void release_database(struct http_req *r)
{
    if (r->stream_release)
        r->stream_release(r->stream_cls);
    r->stream_release = NULL;
    r->stream_read = NULL;
    gzip_state_free(r->z);
    r->z = NULL;
    if (r->db)
        db_release(r->db_pool ? r->db_pool : r->srv->pool, r->db);
    if (r->db_write)
        db_release(r->srv->pool, r->db_write);
    r->db = r->db_write = NULL;
}

/* Adds the headers every reply carries. */
static void common_headers(struct http_req *r, struct MHD_Response *resp)
{
    if (r->status != MHD_HTTP_NOT_MODIFIED && r->status != MHD_HTTP_NO_CONTENT)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                r->content_type ? r->content_type : "application/json");
    for (int i = 0; i < r->nhdr; i++)
        MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
    add_layer_headers(r, resp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* Nothing may be framed but /embed, whose own CSP says by whom. */
    if (!MHD_get_response_header(resp, "Content-Security-Policy")) {
        MHD_add_response_header(resp, "Content-Security-Policy", "frame-ancestors 'none'");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    }
    if (r->key_id || r->role != ROLE_NONE || has_authorization(r))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-store");
    if (r->err == PM_ERR_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"powermap\", Basic realm=\"powermap\"");
    if (r->err == PM_ERR_UNAVAILABLE)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "5");
}

enum MHD_Result http_queue_reply(struct http_req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    uint64_t fdlen = 0;
    int fd = -1, compressed = 0;

    if (r->stream_read && r->err == PM_OK && take_off_stream(r, &fd, &fdlen) == 0)
        compressed = r->gzip;
    release_database(r);
    if (r->err != PM_OK)
        error_body(r);
    if (r->status == MHD_HTTP_NOT_MODIFIED || r->status == MHD_HTTP_NO_CONTENT)
        r->gzip = 0;
    if (fd >= 0) {
        resp = MHD_create_response_from_fd64(fdlen, fd);
        if (!resp)
            close(fd);
    } else {
        if (r->gzip && !compressed && !r->cached && r->out_len && gzip_buffer(r) < 0)
            return MHD_NO;
        cache_store(r);
        resp = MHD_create_response_from_buffer(r->out_len, r->out ? r->out : (void *)"",
                                               r->out ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    r->out = NULL;                      /* the response owns it now */
    common_headers(r, resp);
    ret = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}


void http_reply_release(struct http_req *r)
{
    release_database(r);
    free(r->body);
    free(r->out);
    free(r->errdetail);
    free(r->cache_key);
    r->body = r->out = r->errdetail = r->cache_key = NULL;
    for (int i = 0; i < r->nhdr; i++)
        free(r->hdr_value[i]);
    r->nhdr = 0;
}
