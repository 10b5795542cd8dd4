/* upstream.c -- outbound HTTP with libcurl (see upstream.h). */
#include "server/upstream.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define UPSTREAM_MAX_BODY (64L * 1024 * 1024)
#define UPSTREAM_AGENT "powermapd/1"

int upstream_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
    struct pm_buf *b = userdata;
    size_t len = size * n;

    if (b->len + len > (size_t)UPSTREAM_MAX_BODY)
        return 0;                       /* makes curl fail with a write error */
    pm_buf_append(b, p, len);
    return b->oom ? 0 : len;
}

struct headers_seen {
    char *etag;
    size_t etaglen;
    char *last_modified;
    size_t lmlen;
};

/* Copies the value of header line "Name: value\r\n" when it is name. */
static void header_value(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    const char *v;
    size_t vlen;

    if (!out || len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return;
    v = line + n + 1;
    vlen = len - n - 1;
    while (vlen && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
        vlen--;
    if (vlen < outlen)
        snprintf(out, outlen, "%.*s", (int)vlen, v);
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
    struct headers_seen *h = userdata;
    size_t len = size * n;

    header_value(p, len, "ETag", h->etag, h->etaglen);
    header_value(p, len, "Last-Modified", h->last_modified, h->lmlen);
    return len;
}

/* Options every request gets. */
static void common(CURL *c, const char *url, long timeout_ms, struct pm_buf *body)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, UPSTREAM_AGENT);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
}

static int perform(CURL *c, long *status, char *err, size_t errlen)
{
    CURLcode rc = curl_easy_perform(c);

    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s", curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

int upstream_geocode(const char *base, const char *address, long timeout_ms, double *lat,
                     double *lon, char *title, size_t titlelen, char *err, size_t errlen)
{
    CURL *c = curl_easy_init();
    struct pm_buf url, body;
    char *q = NULL;
    cJSON *doc = NULL;
    const cJSON *first, *coords, *props;
    long status = 0;
    int rc = -1;

    pm_buf_init(&url);
    pm_buf_init(&body);
    if (!c) {
        snprintf(err, errlen, "geocoder: out of memory");
        return -1;
    }
    q = curl_easy_escape(c, address, 0);
    if (!q) {
        snprintf(err, errlen, "geocoder: out of memory");
        goto out;
    }
    pm_buf_printf(&url, "%s%sq=%s", base, strchr(base, '?') ? "&" : "?", q);
    if (url.oom) {
        snprintf(err, errlen, "geocoder: out of memory");
        goto out;
    }
    common(c, url.data, timeout_ms, &body);
    if (perform(c, &status, err, errlen) < 0)
        goto out;
    if (status != 200) {
        snprintf(err, errlen, "geocoder answered HTTP %ld", status);
        goto out;
    }
    doc = cJSON_ParseWithLength(body.data ? body.data : "", body.len);
    if (!cJSON_IsArray(doc)) {
        snprintf(err, errlen, "geocoder: the answer is not a JSON array");
        goto out;
    }
    first = cJSON_GetArrayItem(doc, 0);
    if (!first) {
        rc = 0;
        goto out;
    }
    coords = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(first, "geometry"),
                                              "coordinates");
    if (!cJSON_IsNumber(cJSON_GetArrayItem(coords, 0)) ||
        !cJSON_IsNumber(cJSON_GetArrayItem(coords, 1))) {
        snprintf(err, errlen, "geocoder: a feature without [lon, lat] coordinates");
        goto out;
    }
    *lon = cJSON_GetArrayItem(coords, 0)->valuedouble;
    *lat = cJSON_GetArrayItem(coords, 1)->valuedouble;
    if (!isfinite(*lat) || !isfinite(*lon) || fabs(*lat) > 90 || fabs(*lon) > 180) {
        snprintf(err, errlen, "geocoder: coordinates out of range");
        goto out;
    }
    props = cJSON_GetObjectItemCaseSensitive(first, "properties");
    snprintf(title, titlelen, "%s",
             cJSON_IsString(cJSON_GetObjectItemCaseSensitive(props, "title"))
                 ? cJSON_GetObjectItemCaseSensitive(props, "title")->valuestring
                 : "");
    rc = 1;
out:
    cJSON_Delete(doc);
    curl_free(q);
    curl_easy_cleanup(c);
    pm_buf_release(&url);
    pm_buf_release(&body);
    return rc;
}

int upstream_post_json(const char *url, const char *body, size_t len, const char *header,
                       long timeout_ms, long *status, char *err, size_t errlen)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL, *h2;
    struct pm_buf answer;
    int rc = -1;

    pm_buf_init(&answer);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h = curl_slist_append(h, "Content-Type: application/json");
    if (h && header) {
        h2 = curl_slist_append(h, header);
        h = h2 ? h2 : h;
    }
    h2 = h ? curl_slist_append(h, "Expect:") : NULL;   /* no 100-continue round trip */
    h = h2 ? h2 : h;
    common(c, url, timeout_ms, &answer);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    rc = perform(c, status, err, errlen);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    pm_buf_release(&answer);
    return rc;
}

int upstream_get(const char *url, char *etag, size_t etaglen, char *last_modified,
                 size_t lmlen, long timeout_ms, struct pm_buf *out, long *status,
                 char *err, size_t errlen)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL, *h2;
    struct headers_seen seen = { etag, etaglen, last_modified, lmlen };
    char line[600];
    int rc;

    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (etag && *etag) {
        snprintf(line, sizeof line, "If-None-Match: %s", etag);
        h2 = curl_slist_append(h, line);
        h = h2 ? h2 : h;
    }
    if (last_modified && *last_modified) {
        snprintf(line, sizeof line, "If-Modified-Since: %s", last_modified);
        h2 = curl_slist_append(h, line);
        h = h2 ? h2 : h;
    }
    common(c, url, timeout_ms, out);
    if (h)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &seen);
    rc = perform(c, status, err, errlen);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}
