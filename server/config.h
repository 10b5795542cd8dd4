/* config.h -- what the daemon serves with: struct pm_server, filled once by
 * main.c from the command line and read-only while serving. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

struct db_pool;

/* An address range, "192.0.2.0/24" or "2001:db8::/32" (--trusted-proxy). */
struct pm_cidr {
    int family;                 /* AF_INET or AF_INET6 */
    unsigned char addr[16];     /* network byte order; 4 bytes used for IPv4 */
    int bits;                   /* prefix length */
};

#define PM_MAX_TRUSTED_PROXIES 16
#define PM_MAX_WEBHOOKS 16

/* What the daemon serves with; one per process, read-only once serving. */
struct pm_server {
    struct db_pool *pool;       /* the primary */
    struct db_pool **read_pools;/* --db-read: streaming replicas for GET requests */
    int nread;
    size_t json_body_max;       /* cap for JSON bodies (413 above) */
    size_t import_body_max;     /* cap for POST /v1/import/{kind} */
    const char *geocoder;       /* base URL, or NULL */
    /* The outside (events.c): conninfo for the workers' own connections,
     * webhook receivers, the outage feed. */
    const char *conninfo;
    const char **webhooks;      /* receiver URLs */
    int nwebhooks;
    const char *webhook_secret; /* HMAC-SHA256 key of X-Powermap-Signature */
    const char *outage_feed;    /* GeoJSON FeatureCollection URL, or NULL */
    int outage_feed_interval;   /* seconds between polls */
    int alert_interval;         /* seconds between deadline checks */
    const char *log_path;       /* --log FILE: reopened on SIGHUP; NULL: stderr */
    /* The embeddable map (routes_embed.c, routes_static.c). */
    const char *web_root;       /* web/: embed.js, embed.css; NULL: not installed */
    const char *leaflet_root;   /* Leaflet's dist/; NULL: not installed */
    const char *tiles;          /* default base-map URL template, or NULL (none) */
    const char *tiles_attribution;
    const char *frame_ancestors; /* CSP frame-ancestors of /embed; NULL: * */
    /* Who the client is and where it reached us (http_auth.c, http_public_base). */
    struct pm_cidr trusted_proxies[PM_MAX_TRUSTED_PROXIES]; /* --trusted-proxy */
    int ntrusted_proxies;
    char public_url[256];       /* --public-url, no trailing '/'; else from --listen */
};

#endif
