/* upstream.c -- outbound HTTP with libcurl (see upstream.h). */
#include "server/upstream.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define UPSTREAM_MAX_BODY (64L * 1024 * 1024)
#define GEOCODE_MAX_BODY (1024 * 1024)      /* an address search answer (issue 11.12) */
#define UPSTREAM_AGENT "powermapd/1"

int upstream_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

/* Appends to the capped buffer; a body over its cap makes curl fail with a
 * write error. */
static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
    struct pm_buf *b = userdata;
    size_t len = size * n;

    pm_buf_append(b, p, len);
    return b->oom ? 0 : len;
}

/* Copies the value of the response header name, when present, to out. */
static void header_copy(CURL *c, const char *name, char *out, size_t outlen)
{
    struct curl_header *h;

    if (out && outlen && curl_easy_header(c, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK &&
        strlen(h->value) < outlen)
        snprintf(out, outlen, "%s", h->value);
}

/* The geocoder's URL for address: base with q=address added to its query,
 * percent-encoded by libcurl's URL API.  Returns a string to curl_free(), or NULL. */
static char *geocode_url(const char *base, const char *address)
{
    CURLU *u = curl_url();
    struct pm_buf q;
    char *url = NULL;

    pm_buf_init(&q);
    pm_buf_printf(&q, "q=%s", address);
    if (u && !q.oom && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_QUERY, q.data, CURLU_APPENDQUERY | CURLU_URLENCODE) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
        url = NULL;
    pm_buf_release(&q);
    curl_url_cleanup(u);
    return url;
}

int upstream_receiver_ok(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int rc = -1;

    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (strcasecmp(scheme, "https") == 0)
            rc = 0;
        else if (strcasecmp(scheme, "http") == 0 &&
                 (strcasecmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
                  strcmp(host, "[::1]") == 0))
            rc = 0;
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
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
    struct pm_buf body;
    char *url = NULL;
    cJSON *doc = NULL;
    const cJSON *first, *coords, *props;
    long status = 0;
    int rc = -1;

    pm_buf_init_max(&body, GEOCODE_MAX_BODY);
    if (!c) {
        snprintf(err, errlen, "geocoder: out of memory");
        return -1;
    }
    url = geocode_url(base, address);
    if (!url) {
        snprintf(err, errlen, "geocoder: cannot build a URL from %s", base);
        goto out;
    }
    common(c, url, timeout_ms, &body);
    if (perform(c, &status, err, errlen) < 0) {
        if (body.over)
            snprintf(err, errlen, "geocoder: an answer over %d bytes", GEOCODE_MAX_BODY);
        goto out;
    }
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
    curl_free(url);
    curl_easy_cleanup(c);
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

    pm_buf_init_max(&answer, 64 * 1024);   /* a receiver's answer is not read */
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
    if (!out->max)
        out->max = UPSTREAM_MAX_BODY;
    rc = perform(c, status, err, errlen);
    if (rc == 0) {
        header_copy(c, "ETag", etag, etaglen);
        header_copy(c, "Last-Modified", last_modified, lmlen);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}
