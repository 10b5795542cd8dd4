# lib.sh -- shared by the scripts: the packages powermap needs, and running
# PostgreSQL as the right user.  Sourced, not run.

PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin

# Debian packages: to build, to run the local database, and for the tests.
BUILD_PKGS="make gcc libc6-dev pkg-config libpq-dev libmicrohttpd-dev libcjson-dev libcurl4-openssl-dev zlib1g-dev nettle-dev"
# Staff passwords: Argon2id (server/session.c).
BUILD_PKGS="$BUILD_PKGS libargon2-dev"
# The council report's .xlsx is written with libxlsxwriter.
BUILD_PKGS="$BUILD_PKGS libxlsxwriter-dev"
RUN_PKGS="postgresql-$PG_VERSION postgresql-$PG_VERSION-postgis-3 python3 curl"
# The printed plans (server/pdf.c): cairo and pango to build, the IPA fonts
# to draw Japanese; pdftotext/pdftoppm (poppler-utils) read them in the tests.
BUILD_PKGS="$BUILD_PKGS libcairo2-dev libpango1.0-dev"
RUN_PKGS="$RUN_PKGS fonts-ipafont"
TEST_PKGS_PDF="poppler-utils"
# Files as municipalities have them (issue 13): NFKC (utf8proc), spreadsheets
# and hazard areas through GDAL.
BUILD_PKGS="$BUILD_PKGS libutf8proc-dev libgdal-dev"
RUN_PKGS="$RUN_PKGS libutf8proc2 libgdal32"
TEST_PKGS="gdal-bin openssl"
# The embeddable map's browser test: headless Chromium, and a Japanese font so
# that its screenshots show text rather than empty boxes.
TEST_PKGS="$TEST_PKGS chromium fonts-ipafont-gothic $TEST_PKGS_PDF"
# QGIS 3.22 as staff use it: PyQGIS opens the OGC layers headless (tests/qgis/;
# without it those checks say SKIPPED and pass).  About 600 MB installed.
TEST_PKGS="$TEST_PKGS qgis python3-qgis"
# npm installs Leaflet (package.json); Debian's npm brings Debian's node.
WEB_PKGS="npm"
# make fuzz: clang with its libFuzzer runtime.
FUZZ_PKGS="clang libclang-rt-14-dev"
# The planner's assignment where watts bind, and its exact reference in the
# unit tests: a MIP solved by CBC (geo/assign_mip*.c).
BUILD_PKGS="$BUILD_PKGS coinor-libcbc-dev"
RUN_PKGS="$RUN_PKGS coinor-libcbc3"

say() { printf '%s\n' "$*" >&2; }
die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Prints the packages of the list that are not installed.
missing_pkgs() {
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
            printf '%s ' "$p"
    done
}

# Installs the missing packages as root, with sudo, or says what to install.
ensure_pkgs() {
    miss=$(missing_pkgs "$@")
    [ -z "$miss" ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        die "missing packages: $miss(this script knows Debian's apt-get only; install them by hand)"
    fi
    if [ "$(id -u)" = 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo"
    else
        die "missing packages: $miss- install them with: sudo apt-get install $miss"
    fi
    say "installing: $miss"
    export DEBIAN_FRONTEND=noninteractive
    # The package lists may be stale or absent on a fresh machine.
    $sudo apt-get update -qq >/dev/null || die "apt-get update failed"
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq --no-install-recommends $miss >/dev/null ||
        die "apt-get install failed for: $miss"
    # Debian's postgresql package starts a system cluster; powermap uses its own.
    return 0
}

# Runs a command as the PostgreSQL owner: postgres when we are root (the
# server refuses to run as root), ourselves otherwise.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# A free TCP port on 127.0.0.1, from $1 upward.
free_port() {
    port=${1:-8080}
    while [ "$port" -lt 65535 ]; do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
        port=$((port + 1))
    done
    return 1
}
