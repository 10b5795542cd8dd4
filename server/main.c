/* main.c -- powermapd's command line (DESIGN.md section 3): migrate, serve,
 * import, key create.  Exit status 0 on success, non-zero with a one-line
 * message on stderr otherwise. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "server/db.h"
#include "server/http.h"
#include "server/http_headers.h"
#include "server/import.h"
#include "server/ingest.h"
#include "server/plan.h"
#include "server/events.h"
#include "server/upstream.h"
#include "server/routes.h"
#include "server/cache.h"
#include "server/crypto.h"
#include "server/session.h"

static const char usage[] =
    "usage: powermapd migrate  --db CONNINFO\n"
    "       powermapd serve    --db CONNINFO --listen HOST:PORT [--pool N]\n"
    "                          [--webhook URL ...] [--webhook-secret-file F] [--alert-interval S]\n"
    "                          [--outage-feed URL] [--outage-feed-interval S] [--geocoder URL|none]\n"
    "                          [--tls-cert FILE --tls-key FILE] [--log FILE] [--db-read CONNINFO ...]\n"
    "                          [--web-root DIR] [--tiles URL-TEMPLATE]\n"
    "                          [--tiles-attribution TEXT] [--frame-ancestors SOURCES]\n"
    "                          [--trusted-proxy CIDR ...] [--public-url URL] [--cache-mb N]\n"
    "       powermapd import   --db CONNINFO --kind KIND [--partial] [--dry-run] [--geocoder URL|none]\n"
    "                          [--geocode-budget S] [--municipality CODE] [--hazard H] [--level N]\n"
    "                          [--sheet NAME] FILE\n"
    "                          KIND: children|devices|shelters|power-points|facilities|hazards\n"
    "       powermapd key create --db CONNINFO --role viewer|planner|admin --name NAME\n"
    "                          [--expires ISO8601]\n"
    "       powermapd key list --db CONNINFO\n"
    "       powermapd key revoke --db CONNINFO ID\n"
    "       powermapd user add --db CONNINFO --login L --role viewer|planner|admin [--name N]\n"
    "       powermapd child purge --db CONNINFO --reason TEXT ID\n"
    "       powermapd plan     --db CONNINFO [--hazard H] [--outage-hours N] [--speed-kmh V]\n"
    "                          [--detour F] [--margin-h M] [--start-at ISO8601] [--outage ID]\n"
    "CONNINFO is a libpq connection string; POWERMAP_DB may stand in for --db.\n";

struct cli {
    const char *db;
    const char *listen;
    const char *kind;
    const char *role;
    const char *name;
    const char *expires;
    int partial;
    int pool;
    long cache_mb;              /* --cache-mb: the public answer cache (cache.c) */
    const char *web_root, *tiles, *tiles_attribution, *frame_ancestors;
    const char *webhooks[16];
    int nwebhooks;
    const char *webhook_secret_file, *outage_feed, *geocoder;
    const char *reason;             /* child purge --reason */
    const char *tls_cert, *tls_key, *log_path;
    const char *db_read[8];
    int ndb_read;
    int outage_feed_interval, alert_interval, geocode_budget;
    struct pm_cidr trusted[PM_MAX_TRUSTED_PROXIES];
    int ntrusted;
    const char *public_url;
    struct plan_scenario scenario;
    const char *municipality, *hazard, *level, *sheet;    /* import */
    int dry_run;
};

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "powermapd: " and the message; returns the exit status 1. */
static int die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "powermapd: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

/* The web map's serve options have no short letter. */
enum { OPT_WEB_ROOT = 0x500, OPT_TILES, OPT_TILES_ATTRIBUTION, OPT_FRAME_ANCESTORS };
/* import (v2, issue 13) */
enum { OPT_MUNICIPALITY = 0x700, OPT_LEVEL, OPT_SHEET, OPT_DRY_RUN };
/* The outside world's options (events.c, upstream.c). */
enum { OPT_WEBHOOK = 0x600, OPT_WEBHOOK_SECRET, OPT_OUTAGE_FEED, OPT_OUTAGE_FEED_INTERVAL,
       OPT_ALERT_INTERVAL, OPT_GEOCODER, OPT_TLS_CERT, OPT_TLS_KEY, OPT_LOG, OPT_DB_READ,
       OPT_TRUSTED_PROXY, OPT_PUBLIC_URL, OPT_WEBHOOK_SECRET_FILE, OPT_GEOCODE_BUDGET,
       OPT_REASON, OPT_CACHE_MB };

#define SHUTDOWN_GRACE_S 10

/* GSI's public address search, the default geocoder (DESIGN 5). */
#define DEFAULT_GEOCODER "https://msearch.gsi.go.jp/address-search/AddressSearch"

/* 0 when v is an http(s) URL fit to prefix links: no query, fragment or
 * characters that would need escaping in a link. */
static int public_url_ok(const char *v)
{
    size_t n = strlen(v);

    if (n >= 200 || (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0))
        return -1;
    for (const char *p = v; *p; p++)
        if (*p <= ' ' || *p >= 127 || strchr("?#\"'<>\\`{}|^", *p))
            return -1;
    return 0;
}

static int seconds_option(const char *name, const char *v, int *out)
{
    long n;

    if (pm_parse_long(v, 1, 86400, &n) < 0)
        return die("%s: must be 1 to 86400 seconds, not %s", name, v), -1;
    *out = (int)n;
    return 0;
}

/* The options of serve (and --pool).  Returns 0, or -1 after printing the
 * problem (also for an option that is not one of them). */
static int serve_option(int ch, const char *v, struct cli *o)
{
    switch (ch) {
    case OPT_WEBHOOK:
        if (upstream_receiver_ok(v) < 0)
            return die("--webhook: must be an https:// URL (http:// only to this machine), "
                       "not %s", v), -1;
        if (o->nwebhooks == (int)(sizeof o->webhooks / sizeof o->webhooks[0]))
            return die("%s", "--webhook: at most 16 receivers"), -1;
        o->webhooks[o->nwebhooks++] = v;
        break;
    case OPT_WEBHOOK_SECRET:
        return die("%s", "--webhook-secret: a secret on the command line shows in ps; use "
                         "--webhook-secret-file FILE or POWERMAP_WEBHOOK_SECRET"), -1;
    case OPT_WEBHOOK_SECRET_FILE: o->webhook_secret_file = v; break;
    case OPT_OUTAGE_FEED: o->outage_feed = v; break;
    case OPT_OUTAGE_FEED_INTERVAL:
        if (seconds_option("--outage-feed-interval", v, &o->outage_feed_interval) < 0)
            return -1;
        break;
    case OPT_ALERT_INTERVAL:
        if (seconds_option("--alert-interval", v, &o->alert_interval) < 0)
            return -1;
        break;
    case OPT_GEOCODER: o->geocoder = v; break;
    case OPT_REASON: o->reason = v; break;
    case OPT_GEOCODE_BUDGET:
        return seconds_option("--geocode-budget", v, &o->geocode_budget);
    case OPT_TLS_CERT: o->tls_cert = v; break;
    case OPT_TLS_KEY: o->tls_key = v; break;
    case OPT_LOG: o->log_path = v; break;
    case OPT_DB_READ:
        if (o->ndb_read == (int)(sizeof o->db_read / sizeof o->db_read[0]))
            return die("%s", "--db-read: at most 8 replicas"), -1;
        o->db_read[o->ndb_read++] = v;
        break;
    case OPT_TRUSTED_PROXY:
        if (o->ntrusted == PM_MAX_TRUSTED_PROXIES ||
            http_cidr_parse(v, &o->trusted[o->ntrusted]) < 0)
            return die("--trusted-proxy: an address or CIDR range (at most %d), not %s",
                       PM_MAX_TRUSTED_PROXIES, v), -1;
        o->ntrusted++;
        break;
    case OPT_PUBLIC_URL:
        if (public_url_ok(v) < 0)
            return die("--public-url: an http(s) URL without query or fragment, "
                       "under 200 characters, not %s", v), -1;
        o->public_url = v;
        break;
    case OPT_CACHE_MB:
        if (pm_parse_long(v, 0, 65536, &o->cache_mb) < 0)
            return die("--cache-mb: megabytes of public answers kept in memory, 0 (off) "
                       "to 65536, not %s", v), -1;
        break;
    case 'P':
        o->pool = atoi(v);
        if (o->pool < 1 || o->pool > 256)
            return die("--pool: must be 1 to 256, not %s", v), -1;
        break;
    case OPT_WEB_ROOT: o->web_root = v; break;
    case OPT_TILES: {
        char csp[600];

        if (strcmp(v, "none") != 0 &&
            route_embed_tiles_ok(v, csp, sizeof csp) < 0)
            return die("--tiles: an http(s) URL template with {z}, {x} and {y}, "
                       "not %s", v), -1;
        o->tiles = strcmp(v, "none") == 0 ? NULL : v;
        break;
    }
    case OPT_TILES_ATTRIBUTION: o->tiles_attribution = v; break;
    case OPT_FRAME_ANCESTORS:
        if (route_embed_frame_ancestors_ok(v) < 0)
            return die("--frame-ancestors: CSP sources such as * or "
                       "'self' https://example.jp, not %s", v), -1;
        o->frame_ancestors = v;
        break;
    default: return -1;
    }
    return 0;
}

/* Parses the options after the command.  Returns the index of the first
 * operand, or -1 after printing the problem. */
static int parse_options(int argc, char **argv, struct cli *o)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' },
        { "listen", required_argument, NULL, 'l' },
        { "kind", required_argument, NULL, 'k' },
        { "role", required_argument, NULL, 'r' },
        { "name", required_argument, NULL, 'n' },
        { "expires", required_argument, NULL, 'e' },
        { "partial", no_argument, NULL, 'p' },
        { "pool", required_argument, NULL, 'P' },
        { "webhook", required_argument, NULL, OPT_WEBHOOK },
        { "webhook-secret", required_argument, NULL, OPT_WEBHOOK_SECRET },
        { "webhook-secret-file", required_argument, NULL, OPT_WEBHOOK_SECRET_FILE },
        { "geocode-budget", required_argument, NULL, OPT_GEOCODE_BUDGET },
        { "reason", required_argument, NULL, OPT_REASON },
        { "outage-feed", required_argument, NULL, OPT_OUTAGE_FEED },
        { "outage-feed-interval", required_argument, NULL, OPT_OUTAGE_FEED_INTERVAL },
        { "alert-interval", required_argument, NULL, OPT_ALERT_INTERVAL },
        { "geocoder", required_argument, NULL, OPT_GEOCODER },
        { "tls-cert", required_argument, NULL, OPT_TLS_CERT },
        { "tls-key", required_argument, NULL, OPT_TLS_KEY },
        { "log", required_argument, NULL, OPT_LOG },
        { "db-read", required_argument, NULL, OPT_DB_READ },
        { "trusted-proxy", required_argument, NULL, OPT_TRUSTED_PROXY },
        { "public-url", required_argument, NULL, OPT_PUBLIC_URL },
        { "cache-mb", required_argument, NULL, OPT_CACHE_MB },
        { "hazard", required_argument, NULL, 'H' },
        { "outage-hours", required_argument, NULL, 'O' },
        { "speed-kmh", required_argument, NULL, 'S' },
        { "detour", required_argument, NULL, 'D' },
        { "margin-h", required_argument, NULL, 'M' },
        { "start-at", required_argument, NULL, 'T' },
        { "outage", required_argument, NULL, 'U' },
        { "web-root", required_argument, NULL, OPT_WEB_ROOT },
        { "tiles", required_argument, NULL, OPT_TILES },
        { "tiles-attribution", required_argument, NULL, OPT_TILES_ATTRIBUTION },
        { "frame-ancestors", required_argument, NULL, OPT_FRAME_ANCESTORS },
        { "municipality", required_argument, NULL, OPT_MUNICIPALITY },
        { "level", required_argument, NULL, OPT_LEVEL },
        { "sheet", required_argument, NULL, OPT_SHEET },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    char err[256];
    int ch;

    o->db = getenv("POWERMAP_DB");
    plan_scenario_init(&o->scenario);
    o->pool = 8;
    o->cache_mb = 64;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd': o->db = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'k': o->kind = optarg; break;
        case 'r': o->role = optarg; break;
        case 'n': o->name = optarg; break;
        case 'e': o->expires = optarg; break;
        case 'p': o->partial = 1; break;
        case 'H': case 'O': case 'S': case 'D': case 'M': case 'T': case 'U': {
            const char *field = ch == 'H' ? "hazard" : ch == 'O' ? "outage_hours"
                              : ch == 'S' ? "speed_kmh" : ch == 'D' ? "detour"
                              : ch == 'M' ? "margin_h" : ch == 'U' ? "outage_id" : "start_at";

            if (plan_scenario_set(&o->scenario, field, optarg, err, sizeof err) < 0)
                return die("plan: %s", err), -1;
            if (ch == 'H')
                o->hazard = optarg;
            break;
        }
        case OPT_MUNICIPALITY: o->municipality = optarg; break;
        case OPT_LEVEL: o->level = optarg; break;
        case OPT_SHEET: o->sheet = optarg; break;
        case OPT_DRY_RUN: o->dry_run = 1; break;
        case 'h': fputs(usage, stdout); exit(0);
        default:
            if (serve_option(ch, optarg, o) < 0)
                return -1;
        }
    }
    if (!o->db || !*o->db)
        return die("%s", "--db CONNINFO (or POWERMAP_DB) is required"), -1;
    return optind;
}

static PGconn *connect_or_die(const char *db, int prepare)
{
    char err[512];
    PGconn *c = db_connect(db, prepare, err, sizeof err);

    if (!c)
        fprintf(stderr, "powermapd: %s\n", err);
    return c;
}

static void say_applied(const char *version)
{
    printf("applied %s\n", version);
}

static int cmd_migrate(const struct cli *o)
{
    char err[512];
    PGconn *c = connect_or_die(o->db, 0);
    int rc;

    if (!c)
        return 1;
    rc = db_migrate(c, say_applied, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "powermapd: migrate: %s\n", err);
    PQfinish(c);
    return rc < 0 ? 1 : 0;
}

/* --geocoder URL, "none" to switch geocoding off, or GSI's by default. */
static const char *geocoder_option(const char *v)
{
    if (!v)
        return DEFAULT_GEOCODER;
    return strcmp(v, "none") == 0 ? NULL : v;
}

/* Reopens stderr on the log file (SIGHUP, for log rotation). */
static void reopen_log(const char *path)
{
    if (path && !freopen(path, "a", stderr))
        return;
    if (path)
        setvbuf(stderr, NULL, _IOLBF, 0);
}

/* Each connection needs a descriptor: the soft limit is often 1,024. */
static void raise_open_files(void)
{
    struct rlimit l;

    if (getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < 8192) {
        l.rlim_cur = l.rlim_max < 8192 ? l.rlim_max : 8192;
        setrlimit(RLIMIT_NOFILE, &l);
    }
}

/* Serves until SIGINT or SIGTERM; SIGHUP reopens the log.  Returns 0, or -1
 * when the daemon cannot start. */
static int serve_until_signal(struct pm_server *srv, const char *host, int port,
                              const char *tls_cert, const char *tls_key)
{
    struct http_daemon *d;
    sigset_t set;
    int sig = 0;

    /* Threads inherit this mask: only the main thread waits for the signals. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_open_files();
    d = http_start(srv, host, port, tls_cert, tls_key);
    if (!d)
        return -1;
    for (;;) {
        sigwait(&set, &sig);
        if (sig != SIGHUP)
            break;
        reopen_log(srv->log_path);
        fprintf(stderr, "powermapd: SIGHUP, log reopened\n");
    }
    /* Graceful: stop accepting, let the requests in flight finish (bounded),
     * then close every connection. */
    fprintf(stderr, "powermapd: signal %d, shutting down\n", sig);
    http_stop(d, SHUTDOWN_GRACE_S);
    return 0;
}

/* The webhook signing key: from --webhook-secret-file (its first line) or
 * POWERMAP_WEBHOOK_SECRET; required when there are receivers.  Returns 0 and
 * *out (free() it; NULL when none), or -1 after printing why. */
static int webhook_secret(const struct cli *o, char **out)
{
    const char *env = getenv("POWERMAP_WEBHOOK_SECRET");
    char *s = NULL;

    *out = NULL;
    if (o->webhook_secret_file) {
        s = pm_read_file(o->webhook_secret_file, NULL);
        if (!s)
            return die("serve: --webhook-secret-file: cannot read %s", o->webhook_secret_file), -1;
        s[strcspn(s, "\r\n")] = '\0';
    } else if (env && *env) {
        s = strdup(env);
        if (!s)
            return die("%s", "out of memory"), -1;
    }
    if (o->nwebhooks && (!s || strlen(s) < 16)) {
        free(s);
        return die("%s", "serve: --webhook needs a signing secret of at least 16 characters "
                         "(--webhook-secret-file FILE or POWERMAP_WEBHOOK_SECRET)"), -1;
    }
    *out = s;
    return 0;
}

static int cmd_serve(const struct cli *o)
{
    struct pm_server srv;
    char host[64], err[PATH_MAX + 64], *secret = NULL;
    char *web = NULL, *leaflet = NULL;
    const char *colon;
    long port;
    int rc;

    if (!o->listen)
        return die("%s", "serve: --listen HOST:PORT is required");
    colon = strrchr(o->listen, ':');
    if (!colon || colon == o->listen || (size_t)(colon - o->listen) >= sizeof host ||
        pm_parse_long(colon + 1, 1, 65535, &port) < 0)
        return die("serve: --listen: expected HOST:PORT, not %s", o->listen);
    snprintf(host, sizeof host, "%.*s", (int)(colon - o->listen), o->listen);
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    memset(&srv, 0, sizeof srv);
    srv.pool = db_pool_new(o->db, o->pool);
    if (!srv.pool)
        return die("%s", "out of memory");
    if (o->ndb_read) {
        srv.read_pools = calloc((size_t)o->ndb_read, sizeof *srv.read_pools);
        if (!srv.read_pools)
            return die("%s", "out of memory");
        for (int i = 0; i < o->ndb_read; i++) {
            srv.read_pools[i] = db_pool_new(o->db_read[i], o->pool);
            if (!srv.read_pools[i])
                return die("%s", "out of memory");
        }
        srv.nread = o->ndb_read;
    }
    srv.json_body_max = 1024 * 1024;
    srv.import_body_max = 256 * 1024 * 1024;
    if (route_static_find_roots(o->web_root, &web, &leaflet, err, sizeof err) < 0) {
        db_pool_free(srv.pool);
        return die("serve: %s", err);
    }
    if (!web || !leaflet)
        fprintf(stderr, "powermapd: %s not found: /embed answers 503 (see --web-root; "
                "scripts/setup installs Leaflet)\n", !web ? "web/" : "Leaflet");
    srv.web_root = web;
    srv.leaflet_root = leaflet;
    srv.tiles = o->tiles;
    srv.tiles_attribution = o->tiles_attribution;
    srv.frame_ancestors = o->frame_ancestors;
    srv.conninfo = o->db;
    cache_configure((size_t)o->cache_mb * 1024 * 1024);
    srv.webhooks = (const char **)o->webhooks;
    srv.nwebhooks = o->nwebhooks;
    if (webhook_secret(o, &secret) < 0) {
        db_pool_free(srv.pool);
        return 1;
    }
    srv.webhook_secret = secret;
    srv.outage_feed = o->outage_feed;
    srv.outage_feed_interval = o->outage_feed_interval ? o->outage_feed_interval : 60;
    srv.alert_interval = o->alert_interval ? o->alert_interval : 30;
    srv.geocoder = geocoder_option(o->geocoder);
    memcpy(srv.trusted_proxies, o->trusted, sizeof srv.trusted_proxies);
    srv.ntrusted_proxies = o->ntrusted;
    if (o->public_url) {
        size_t n = strlen(o->public_url);

        while (n && o->public_url[n - 1] == '/')
            n--;
        snprintf(srv.public_url, sizeof srv.public_url, "%.*s", (int)n, o->public_url);
    }
    if (upstream_global_init() < 0 || events_start(&srv) < 0) {
        db_pool_free(srv.pool);
        return die("%s", "serve: cannot start the event workers");
    }
    srv.log_path = o->log_path;
    if (o->log_path && !freopen(o->log_path, "a", stderr)) {
        events_stop();
        db_pool_free(srv.pool);
        return die("serve: --log: cannot open %s", o->log_path);
    }
    if (o->log_path)
        setvbuf(stderr, NULL, _IOLBF, 0);
    if (!o->tls_cert != !o->tls_key) {
        events_stop();
        db_pool_free(srv.pool);
        return die("%s", "serve: --tls-cert and --tls-key go together");
    }
    rc = serve_until_signal(&srv, host, (int)port, o->tls_cert, o->tls_key);
    events_stop();
    db_pool_free(srv.pool);
    for (int i = 0; i < srv.nread; i++)
        db_pool_free(srv.read_pools[i]);
    free(srv.read_pools);
    free(web);
    free(leaflet);
    free(secret);
    return rc < 0 ? 1 : 0;
}

static int cmd_import(const struct cli *o, const char *path)
{
    struct ingest_opts io;
    struct ingest_report rep;
    struct ingest_msg err;
    struct passwd *pw = getpwuid(getuid());
    const char *locale = getenv("LC_ALL");
    char actor[128];
    size_t len = 0;
    char *data;
    PGconn *c;
    int rc, status, ja;

    if (!o->kind)
        return die("%s", "import: --kind KIND is required");
    if (!path)
        return die("%s", "import: FILE is required");
    data = pm_read_file(path, &len);
    if (!data)
        return die("import: cannot read %s", path);
    c = connect_or_die(o->db, 1);
    if (!c) {
        free(data);
        return 1;
    }
    if (!locale || !*locale)
        locale = getenv("LC_MESSAGES");
    if (!locale || !*locale)
        locale = getenv("LANG");
    ja = ingest_wants_ja(locale);
    snprintf(actor, sizeof actor, "cli:%s", pw ? pw->pw_name : "unknown");
    memset(&io, 0, sizeof io);
    io.partial = o->partial;
    io.dry_run = o->dry_run;
    io.actor = actor;
    io.geocoder = geocoder_option(o->geocoder);
    io.municipality = o->municipality;
    io.hazard = o->hazard;
    io.level = o->level;
    io.sheet = o->sheet;
    io.path = path;
    import_set_geocode_budget(o->geocode_budget);
    if (upstream_global_init() < 0)
        return die("%s", "import: cannot initialise libcurl");
    io.progress_fd = isatty(STDERR_FILENO) && len > 1024 * 1024 ? STDERR_FILENO : -1;
    rc = ingest_run(c, o->kind, data, len, &io, &rep, &err);
    ingest_print(&rep, rc, path, ja, stdout, stderr);
    if (rc < 0)
        fprintf(stderr, "powermapd: import: %s [%s]\n", ja ? err.ja : err.en,
                err.code ? err.code : "error");
    status = rc != 0 || rep.nrejects ? 1 : 0;
    ingest_report_release(&rep);
    ingest_msg_release(&err);
    PQfinish(c);
    free(data);
    return status;
}

/* Makes a new token: "pm_" and 43 characters of base64url from 32 random bytes. */
static int new_token(char out[52])
{
    unsigned char raw[32];
    size_t got = 0;

    while (got < 32) {
        ssize_t n = getrandom(raw + got, 32 - got, 0);

        if (n < 0 && errno != EINTR)
            return -1;
        if (n > 0)
            got += (size_t)n;
    }
    memcpy(out, "pm_", 3);
    return pm_base64url(raw, sizeof raw, out + 3, 49) == 43 ? 0 : -1;
}

/* key list: one line per key, never a token or a hash. */
static int cmd_key_list(const struct cli *o)
{
    const char *p[2] = { "10000", "0" };
    PGconn *c = connect_or_die(o->db, 1);
    PGresult *res;
    int rc = 1;

    if (!c)
        return 1;
    res = db_exec(c, "keys_list", 2, p);
    if (db_ok(res)) {
        printf("%s\n", PQgetvalue(res, 0, 0));
        rc = 0;
    } else {
        fprintf(stderr, "powermapd: key list: %s", PQresultErrorMessage(res));
    }
    PQclear(res);
    PQfinish(c);
    return rc;
}

static int cmd_key_revoke(const struct cli *o, const char *id)
{
    const char *p[1] = { id };
    PGconn *c;
    PGresult *res;
    long n;
    int rc = 1;

    if (!id || pm_parse_long(id, 1, 9007199254740991L, &n) < 0)
        return die("%s", "key revoke: expected a key id (see key list)");
    c = connect_or_die(o->db, 1);
    if (!c)
        return 1;
    res = db_exec(c, "key_revoke", 1, p);
    if (!db_ok(res))
        fprintf(stderr, "powermapd: key revoke: %s", PQresultErrorMessage(res));
    else if (PQntuples(res) != 1)
        fprintf(stderr, "powermapd: key revoke: no key with id %s\n", id);
    else {
        printf("revoked key %s (%s, %s)\n", id, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
        rc = 0;
    }
    PQclear(res);
    PQfinish(c);
    return rc;
}

static int cmd_key(const struct cli *o, const char *sub, const char *operand)
{
    char token[52], hex[PM_SHA256_HEX];
    const char *p[4];
    PGresult *res;
    PGconn *c;
    int ok;

    if (sub && strcmp(sub, "list") == 0)
        return cmd_key_list(o);
    if (sub && strcmp(sub, "revoke") == 0)
        return cmd_key_revoke(o, operand);
    if (!sub || strcmp(sub, "create") != 0)
        return die("%s", "key: expected \"key create|list|revoke\"");
    if (!o->role || pm_role_from_name(o->role) == ROLE_NONE)
        return die("%s", "key create: --role must be viewer, planner or admin");
    if (!o->name || !*o->name)
        return die("%s", "key create: --name NAME is required");
    if (new_token(token) < 0)
        return die("%s", "key create: no randomness available");
    pm_sha256_hex(token, strlen(token), hex);
    c = connect_or_die(o->db, 1);
    if (!c)
        return 1;
    p[0] = o->name;
    p[1] = o->role;
    p[2] = hex;
    p[3] = o->expires;
    res = db_exec(c, "key_insert", 4, p);
    ok = db_ok(res);
    if (!ok)
        fprintf(stderr, "powermapd: key create: %s", PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(c);
    if (!ok)
        return 1;
    /* The only time the token exists outside the client: it is not stored. */
    printf("%s\n", token);
    return 0;
}

static int cmd_plan(const struct cli *o)
{
    struct passwd *pw = getpwuid(getuid());
    struct plan_report rep;
    char actor[128], id[24];
    const char *p[1] = { id };
    PGconn *c = connect_or_die(o->db, 1);
    PGresult *res;
    int rc = 1;

    if (!c)
        return 1;
    snprintf(actor, sizeof actor, "cli:%s", pw ? pw->pw_name : "unknown");
    if (plan_run(c, &o->scenario, actor, &rep) != PM_OK) {
        fprintf(stderr, "powermapd: plan: %s\n", rep.message);
        goto out;
    }
    snprintf(id, sizeof id, "%ld", rep.run_id);
    res = db_exec(c, "plan_run_get", 1, p);
    if (db_ok(res) && PQntuples(res) == 1) {
        printf("%s\n", PQgetvalue(res, 0, 0));
        rc = 0;
    } else {
        fprintf(stderr, "powermapd: plan: run %ld stored but not readable\n", rep.run_id);
    }
    PQclear(res);
out:
    PQfinish(c);
    return rc;
}

/* child purge ID --reason TEXT: erases the child's personal data everywhere,
 * history and geocoding cache included, leaving an audited tombstone. */
static int cmd_child(const struct cli *o, const char *sub, const char *id)
{
    struct passwd *pw = getpwuid(getuid());
    char who[128], ids[32];
    const char *p[6];
    PGresult *res = NULL;
    PGconn *c;
    long n;
    int rc = 1;

    if (!sub || strcmp(sub, "purge") != 0)
        return die("%s", "child: expected \"child purge --reason TEXT ID\"");
    if (!id || pm_parse_long(id, 1, 9007199254740991L, &n) < 0)
        return die("%s", "child purge: expected a child id");
    if (!o->reason || !*o->reason)
        return die("%s", "child purge: --reason TEXT is required (the legal ground)");
    c = connect_or_die(o->db, 1);
    if (!c)
        return 1;
    snprintf(who, sizeof who, "cli:%s", pw ? pw->pw_name : "unknown");
    snprintf(ids, sizeof ids, "{%ld}", n);
    p[0] = id;
    p[1] = who;
    p[2] = o->reason;
    if (db_command(c, "BEGIN", NULL, 0) == 0)
        res = db_exec(c, "child_erase", 3, p);
    if (!db_ok(res)) {
        fprintf(stderr, "powermapd: child purge: %s", PQerrorMessage(c));
    } else if (PQgetisnull(res, 0, 0)) {
        fprintf(stderr, "powermapd: child purge: no child with id %s\n", id);
    } else {
        const char *a[6] = { NULL, who, "admin", "child.purge", ids, NULL };
        PGresult *au = db_exec(c, "audit_insert", 6, a);

        if (db_ok(au) && db_command(c, "COMMIT", NULL, 0) == 0) {
            printf("erased child %s (tombstone %s)\n", id, PQgetvalue(res, 0, 0));
            rc = 0;
        } else {
            fprintf(stderr, "powermapd: child purge: the audit row failed: nothing erased\n");
        }
        PQclear(au);
    }
    if (rc)
        db_command(c, "ROLLBACK", NULL, 0);
    PQclear(res);
    PQfinish(c);
    return rc;
}

int main(int argc, char **argv)
{
    struct cli o;
    const char *cmd = argc > 1 ? argv[1] : NULL;
    const char *sub = NULL;
    int first;

    memset(&o, 0, sizeof o);
    /* A database that does not answer must not hang a request for minutes. */
    setenv("PGCONNECT_TIMEOUT", "5", 0);
    if (!cmd || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        fputs(usage, cmd ? stdout : stderr);
        return cmd ? 0 : 2;
    }
    if (strcmp(cmd, "user") == 0)
        return session_cli(argc - 1, argv + 1);
    if (strcmp(cmd, "key") == 0 || strcmp(cmd, "child") == 0) {
        sub = argc > 2 ? argv[2] : NULL;
        argc--;
        argv++;
    }
    first = parse_options(argc - 1, argv + 1, &o);
    if (first < 0)
        return 2;
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(&o);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(&o);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(&o, first < argc - 1 ? argv[1 + first] : NULL);
    if (strcmp(cmd, "key") == 0)
        return cmd_key(&o, sub, first < argc - 1 ? argv[1 + first] : NULL);
    if (strcmp(cmd, "plan") == 0)
        return cmd_plan(&o);
    if (strcmp(cmd, "child") == 0)
        return cmd_child(&o, sub, first < argc - 1 ? argv[1 + first] : NULL);
    return die("unknown command %s (try --help)", cmd);
}
