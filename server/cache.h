/* cache.h -- the in-process cache of public answers: the body and headers of
 * a reply to a request without credentials, kept under its URL and the data
 * versions of the map layers (map_versions), so that the same question is
 * answered again without the database until the data changes. */
#ifndef CACHE_H
#define CACHE_H

#include "server/http.h"

/* Before the handler (http.c): when the request may be answered from the
 * cache (GET, no Authorization or Cookie header, no If-None-Match, caching
 * on) reads the current data versions (one shared query that started after
 * the request arrived, so no change committed before it is missed), and
 * when an answer is kept for them fills r's reply from it and returns 1.
 * Otherwise returns 0; on a miss r->cache_key is set for cache_store. */
int cache_serve(struct http_req *r);

/* After the reply is made (http_reply.c, gzip done): keeps a copy when r
 * looked in the cache and missed, and its reply is a public one (http_public)
 * with an ETag (its body depends only on the request and the data versions),
 * status 200 or 204, not streamed, and within the size limit. */
void cache_store(struct http_req *r);

/* Bytes of answers kept at most; 0 turns the cache off (the default until
 * called).  Called once before serving. */
void cache_configure(size_t max_bytes);

#endif
