# powermap -- one non-recursive Makefile.
#
#   make                 build build/powermapd
#   make unit            build and run the unit tests of geo/ and the parsers
#   make test            the whole suite (unit + integration against a real PostGIS)
#   make check           static checks (cppcheck), the style of the tree and the
#                        function-length budget (scripts/check-length)
#   make bench           planner benchmark at nation scale (prints figures)
#   make bench-maps      OGC API items vs MapServer 8 and PostgreSQL alone (needs ../shared)
#   make fuzz            libFuzzer harnesses, FUZZ_SECONDS (60) each (clang)
#   make SANITIZE=address,undefined ...   build everything with sanitizers
#   CI=true make ...     warnings are errors

CC       ?= cc
PG_INC   := $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wno-unused-parameter
ifeq ($(CI),true)
WARN     += -Werror
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -I. -Ibuild -I$(PG_INC) -MMD -MP
# The printed plans (server/pdf.c): cairo and pango, with the IPA fonts at run time.
PDF_CFLAGS := $(shell pkg-config --cflags pangocairo 2>/dev/null)
PDF_LIBS   := $(shell pkg-config --libs pangocairo 2>/dev/null)
LDLIBS   := -lpq -lmicrohttpd -lcjson -lcurl -lnettle -lz -largon2 -lpthread -lm $(PDF_LIBS)
# The council report's .xlsx (server/report_render.c).
LDLIBS   += -lxlsxwriter
# Files as municipalities have them (issue 13): NFKC (utf8proc), spreadsheets
# and hazard areas (GDAL).
GDAL_INC := $(shell gdal-config --cflags 2>/dev/null || echo -I/usr/include/gdal)
ALL_CFLAGS += $(GDAL_INC)
LDLIBS   += -lutf8proc -lgdal
# The assignment where watts bind (geo/assign_mip*.c): a MIP through CBC
# (coinor-libcbc-dev), also the tests' exact reference.
CBC_LIBS := $(shell pkg-config --libs cbc 2>/dev/null || echo -lCbcSolver -lCbc -lOsiClp -lClp -lCoinUtils)
LDLIBS   += $(CBC_LIBS)
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=$(SANITIZE)
endif

GEO_SRC    := $(wildcard geo/*.c)
SERVER_SRC := $(wildcard server/*.c)
# server/ files with no database, HTTP or network code: unit tests link them.
PURE_SRC   := $(filter $(addprefix server/,csv.c crypto.c formats.c http_headers.c util.c plan_render.c plan_doc.c plan_words.c),$(SERVER_SRC))
PURE_SRC   += $(filter $(addprefix server/,jptext.c layouts.c layout_table.c),$(SERVER_SRC))
GEO_OBJ    := $(GEO_SRC:%.c=build/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=build/%.o) build/sql_embed.o build/text_embed.o
PURE_OBJ   := $(PURE_SRC:%.c=build/%.o)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
SQL_FILES  := $(sort $(wildcard sql/[0-9]*.sql)) $(sort $(wildcard sql/queries*.sql))

all: build/powermapd

build/powermapd: $(SERVER_OBJ) $(GEO_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/server/pdf.o: server/pdf.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PDF_CFLAGS) -c -o $@ $<

# sql/ is embedded in the binary, so `powermapd migrate` needs no files at run time.
build/sql_embed.c: $(SQL_FILES) scripts/embed-sql
	@mkdir -p build
	sh scripts/embed-sql $(SQL_FILES) > $@.tmp && mv $@.tmp $@

build/sql_embed.o: build/sql_embed.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# JSON documents the daemon serves, embedded the same way (SYMBOL=FILE).
TEXT_FILES := ogc_api_json=server/ogc_api.json
build/text_embed.c: $(foreach t,$(TEXT_FILES),$(lastword $(subst =, ,$(t)))) scripts/embed-text
	@mkdir -p build
	sh scripts/embed-text $(TEXT_FILES) > $@.tmp && mv $@.tmp $@

build/text_embed.o: build/text_embed.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/tests/%: tests/unit/%.c $(GEO_OBJ) $(PURE_OBJ)
	@mkdir -p build/tests
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(CBC_LIBS) -lcjson -lnettle -lm -lutf8proc

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do $$t || fail=1; done; exit $$fail

# ---- fuzzing: make fuzz [FUZZ_SECONDS=60] ---------------------------------
# libFuzzer harnesses tests/fuzz/fuzz_<name>.c, built with clang into
# build/fuzz/ and run one after another for FUZZ_SECONDS each; new corpus
# entries go to build/fuzz/corpus-<name>, crashes to build/fuzz/crash-<name>/.
# They link the daemon but main.c; tests/fuzz/registry_csv.c compiles
# server/routes_registry.c in to reach its static JSON-to-CSV code.  The same
# harness code, built with $(CC), replays tests/fuzz/regressions/ in make unit.
FUZZ_NAMES   := csv json geojson query mesh layouts
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE $(WARN) -g -O1 -fno-omit-frame-pointer -I. -Ibuild \
                -I$(PG_INC) -MMD -MP -fsanitize=address,undefined -fno-sanitize-recover=all \
                -DFUZZ_LIBFUZZER -Wno-format-nonliteral $(PDF_CFLAGS) $(GDAL_INC)
FUZZ_LINK_SRC := $(GEO_SRC) $(filter-out server/main.c server/routes_registry.c,$(SERVER_SRC)) \
                 tests/fuzz/registry_csv.c tests/fuzz/fuzz_common.c
FUZZ_OBJ     := $(FUZZ_LINK_SRC:%.c=build/fuzz/obj/%.o) build/fuzz/obj/build/sql_embed.o \
                build/fuzz/obj/build/text_embed.o
FUZZ_BIN     := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
.SECONDARY: $(FUZZ_OBJ) $(FUZZ_NAMES:%=build/fuzz/obj/tests/fuzz/fuzz_%.o)

build/fuzz/obj/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/fuzz_%: build/fuzz/obj/tests/fuzz/fuzz_%.o $(FUZZ_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

fuzz-deps:
	@. scripts/lib.sh && ensure_pkgs $$FUZZ_PKGS

fuzz: $(FUZZ_BIN)
	@for n in $(FUZZ_NAMES); do \
	    mkdir -p build/fuzz/corpus-$$n build/fuzz/crash-$$n; \
	    set -- build/fuzz/corpus-$$n tests/fuzz/corpus/$$n; \
	    [ -d tests/fuzz/regressions/$$n ] && set -- "$$@" tests/fuzz/regressions/$$n; \
	    [ -f tests/fuzz/$$n.dict ] && set -- -dict=tests/fuzz/$$n.dict "$$@"; \
	    echo "fuzz_$$n: $(FUZZ_SECONDS) s"; \
	    build/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=build/fuzz/crash-$$n/ "$$@" || exit 1; \
	done

build/tests/test_fuzz_regressions: tests/unit/test_fuzz_regressions.c \
        $(FUZZ_NAMES:%=build/tests/fuzz/fuzz_%.o) $(FUZZ_LINK_SRC:%.c=build/%.o) build/sql_embed.o \
        build/text_embed.o
	@mkdir -p build/tests
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

test: all $(UNIT_BIN)
	sh scripts/test

check:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --suppress=missingIncludeSystem -I. -D_GNU_SOURCE --library=posix \
	    '-DcJSON_ArrayForEach(e,a)=for(e=(a)?(a)->child:NULL;e;e=e->next)' server geo
	sh scripts/check-style
	sh scripts/check-length

bench: all
	python3 scripts/bench-plan

bench-maps: all
	bash scripts/bench-maps

clean:
	rm -rf build

.PHONY: all unit test check bench bench-maps clean fuzz fuzz-deps
.DELETE_ON_ERROR:

-include $(shell find build -name '*.d' 2>/dev/null)
