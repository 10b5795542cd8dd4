/* routes_static.c -- the web map's files: GET /static/{file} from the web
 * root (web/: embed.js, embed.css) and GET /static/leaflet/... from Leaflet's
 * dist folder (node_modules/leaflet/dist, installed by scripts/setup).
 *
 * Only those two folders are served, one file name per route segment: the
 * route table already splits the path on '/', and a name here is letters,
 * digits, '.', '-' and '_' without a leading dot or "..", with an extension
 * of the table below.  libmicrohttpd decodes %xx before routing, so %2e%2e
 * arrives as ".." (refused here) and %2f as '/' (an extra segment, which no
 * route matches: 404).  Files are opened without following a final symlink
 * and must be regular files.  Replies carry a strong ETag (SHA-256 of the
 * bytes), answer If-None-Match with 304, and text is gzipped when asked. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/routes.h"
#include "server/crypto.h"

#define STATIC_FILE_MAX (8 * 1024 * 1024)

static const struct {
    const char *ext;
    const char *type;
} content_types[] = {
    { ".js",    "text/javascript; charset=utf-8" },
    { ".css",   "text/css; charset=utf-8" },
    { ".png",   "image/png" },
    { ".svg",   "image/svg+xml" },
    { ".ico",   "image/x-icon" },
    { ".json",  "application/json" },
    { ".map",   "application/json" },
    { ".txt",   "text/plain; charset=utf-8" },
    { NULL, NULL }
};

/* ------------------------------------------------------------------------- */
/* Where the files are                                                         */
/* ------------------------------------------------------------------------- */

/* A malloc'd realpath of dir when it is a folder, else NULL. */
static char *folder(const char *dir)
{
    struct stat st;
    char *p;

    if (!dir || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return NULL;
    p = realpath(dir, NULL);
    return p;
}

/* The project folder the running binary was built in: /proc/self/exe is
 * PROJECT/build/powermapd.  Writes it to out; returns 0, or -1. */
static int project_of_binary(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;

    if (n <= 0)
        return -1;
    exe[n] = '\0';
    for (int i = 0; i < 2; i++) {
        slash = strrchr(exe, '/');
        if (!slash || slash == exe)
            return -1;
        *slash = '\0';
    }
    if ((size_t)snprintf(out, cap, "%s", exe) >= cap)
        return -1;
    return 0;
}

int route_static_find_roots(const char *web_root, char **web, char **leaflet,
                            char *err, size_t errcap)
{
    char buf[PATH_MAX + 64], project[PATH_MAX];

    *web = NULL;
    *leaflet = NULL;
    if (web_root) {
        *web = folder(web_root);
        if (!*web) {
            snprintf(err, errcap, "--web-root: %s is not a folder", web_root);
            return -1;
        }
    } else {
        if (project_of_binary(project, sizeof project) == 0) {
            snprintf(buf, sizeof buf, "%s/web", project);
            *web = folder(buf);
        }
        if (!*web)
            *web = folder("web");
    }
    if (!*web)
        return 0;
    /* Leaflet beside the web root: DIR/leaflet (a deployment may copy dist
     * there), else the npm install of the project DIR/.. */
    snprintf(buf, sizeof buf, "%s/leaflet", *web);
    *leaflet = folder(buf);
    if (!*leaflet) {
        snprintf(buf, sizeof buf, "%s/../node_modules/leaflet/dist", *web);
        *leaflet = folder(buf);
    }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Replies with validators                                                     */
/* ------------------------------------------------------------------------- */

enum pm_err route_static_reply(struct http_req *r, const char *content_type,
                               const char *cache_control, int compress, char *data, size_t len)
{
    char hex[PM_SHA256_HEX];
    enum pm_err e;

    if (!data)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    pm_sha256_hex(data, len, hex);
    hex[32] = '\0';
    if (compress)
        http_gzip(r);
    if (http_etag(r, hex)) {
        free(data);
        e = http_reply_not_modified(r);
    } else {
        e = http_reply(r, MHD_HTTP_OK, content_type, data, len);
    }
    /* With a token http.c says "private, no-store"; one Cache-Control only. */
    if (!MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))
        http_header(r, "Cache-Control", cache_control);
    return e;
}

/* ------------------------------------------------------------------------- */
/* GET /static/...                                                             */
/* ------------------------------------------------------------------------- */

/* 1 when name is a plain file name: [A-Za-z0-9._-], no leading dot, no "..". */
static int name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > 128 || name[0] == '.' || strstr(name, ".."))
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
            return 0;
    return 1;
}

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');

    for (int i = 0; dot && content_types[i].ext; i++)
        if (strcmp(dot, content_types[i].ext) == 0)
            return content_types[i].type;
    return NULL;
}

/* Reads dir/sub/name into a malloc'd buffer.  NULL with errno set when the
 * file is missing, not a regular file, a symlink or too large. */
static char *read_static(const char *dir, const char *sub, const char *name, size_t *len)
{
    char path[PATH_MAX];
    struct stat st;
    char *data = NULL;
    size_t got = 0;
    int fd;

    if ((size_t)snprintf(path, sizeof path, "%s%s/%s", dir, sub, name) >= sizeof path) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_FILE_MAX) {
        errno = ENOENT;
        goto out;
    }
    data = malloc((size_t)st.st_size + 1);
    if (!data)
        goto out;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    data[got] = '\0';
    *len = got;
out:
    close(fd);
    return data;
}

/* Serves the file named by the route's one parameter from dir + sub. */
static enum pm_err serve_from(struct http_req *r, const char *dir, const char *sub)
{
    const char *name = r->params[0];
    const char *type;
    size_t len = 0;
    char *data;
    enum pm_err e;

    if (!name_ok(name))
        return http_fail(r, PM_ERR_BAD_REQUEST,
                         "a file name is letters, digits, '.', '-' and '_' only");
    type = type_of(name);
    if (!type)
        return http_fail(r, PM_ERR_NOT_FOUND, "no such file");
    if (!dir)
        return http_fail(r, PM_ERR_NOT_FOUND,
                         "the web map is not installed on this server (run scripts/setup)");
    data = read_static(dir, sub, name, &len);
    if (!data)
        return errno == ENOMEM ? http_fail(r, PM_ERR_NOMEM, "out of memory")
                               : http_fail(r, PM_ERR_NOT_FOUND, "no such file");
    e = route_static_reply(r, type, "public, max-age=3600", strncmp(type, "image/png", 9) != 0,
                           data, len);
    /* A file opened on its own (an SVG, say) runs nothing and is not framed. */
    http_header(r, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    return e;
}

enum pm_err route_static(struct http_req *r)
{
    return serve_from(r, r->srv->web_root, "");
}

enum pm_err route_static_app(struct http_req *r)
{
    return serve_from(r, r->srv->web_root, "/app");
}

enum pm_err route_static_leaflet(struct http_req *r)
{
    return serve_from(r, r->srv->leaflet_root, "");
}

enum pm_err route_static_leaflet_images(struct http_req *r)
{
    return serve_from(r, r->srv->leaflet_root, "/images");
}
