/* ogc_api.h -- the API definition of /ogc/api (OpenAPI 3.0), built from the
 * document server/ogc_api.json that the build embeds (scripts/embed-text). */
#ifndef OGC_API_H
#define OGC_API_H

#include <stddef.h>

/* The API definition as JSON text: the servers entry is base + "/ogc" (base
 * is the public address, scheme and host, without a trailing slash), the limit
 * parameter says limit_max and limit_default, and paths hold the five paths
 * of every layer of the catalogue (server/layers.c) that is public, or of
 * every layer with with_token.  Returns malloc'd text (the caller frees it)
 * and its length in *len, or NULL when memory runs out. */
char *ogc_api_text(const char *base, int with_token, int limit_max, int limit_default, size_t *len);

#endif
