/* upstream.h -- outbound HTTP with libcurl: the geocoder, webhook receivers
 * and outage feeds.  Every call has a timeout and never follows redirects to
 * other schemes; none of them blocks an HTTP request of ours for long. */
#ifndef UPSTREAM_H
#define UPSTREAM_H

#include <stddef.h>

#include "server/util.h"

/* Once per process, before threads start.  Returns 0 or -1. */
int upstream_global_init(void);

/* Looks address up at a GSI AddressSearch-compatible service: GET
 * base?q=<address>, answered with a JSON array of features whose
 * geometry.coordinates are [lon, lat].  Returns 1 and fills lat, lon and
 * title (may be empty) when found, 0 when the service answered with no
 * match, -1 on a timeout, network or format error (message in err). */
int upstream_geocode(const char *base, const char *address, long timeout_ms, double *lat,
                     double *lon, char *title, size_t titlelen, char *err, size_t errlen);

/* 0 when url may receive webhooks: https://, or http:// to a loopback host
 * (localhost, 127.0.0.0/8, ::1); -1 otherwise (payloads must not cross a
 * network in clear). */
int upstream_receiver_ok(const char *url);

/* POSTs body as application/json with the extra header line (e.g.
 * "X-Powermap-Signature: sha256=..."; may be NULL).  Returns 0 and the HTTP
 * status in *status, or -1 with err when no answer came. */
int upstream_post_json(const char *url, const char *body, size_t len, const char *header,
                       long timeout_ms, long *status, char *err, size_t errlen);

/* GETs url into out, sending If-None-Match / If-Modified-Since when etag /
 * last_modified are non-empty, and updating them from the answer.  Returns
 * 0 and *status (304: not modified, out left empty), or -1 with err. */
int upstream_get(const char *url, char *etag, size_t etaglen, char *last_modified,
                 size_t lmlen, long timeout_ms, struct pm_buf *out, long *status,
                 char *err, size_t errlen);

#endif
