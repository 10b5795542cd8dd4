# powermap -- one non-recursive Makefile.
#
#   make                 build build/powermapd
#   make unit            build and run the unit tests of geo/ and the parsers
#   make test            the whole suite (unit + integration against a real PostGIS)
#   make check           static checks (cppcheck) and the style of the tree
#   make bench           planner benchmark at nation scale (prints figures)
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
LDLIBS   := -lpq -lmicrohttpd -lcjson -lcurl -lz -lpthread -lm
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=$(SANITIZE)
endif

GEO_SRC    := $(wildcard geo/*.c)
SERVER_SRC := $(wildcard server/*.c)
# server/ files with no database, HTTP or network code: unit tests link them.
PURE_SRC   := $(filter $(addprefix server/,csv.c formats.c sha256.c util.c plan_render.c),$(SERVER_SRC))
GEO_OBJ    := $(GEO_SRC:%.c=build/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=build/%.o) build/sql_embed.o
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

# sql/ is embedded in the binary, so `powermapd migrate` needs no files at run time.
build/sql_embed.c: $(SQL_FILES) scripts/embed-sql
	@mkdir -p build
	sh scripts/embed-sql $(SQL_FILES) > $@.tmp && mv $@.tmp $@

build/sql_embed.o: build/sql_embed.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/tests/%: tests/unit/%.c $(GEO_OBJ) $(PURE_OBJ)
	@mkdir -p build/tests
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ -lcjson -lm

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do $$t || fail=1; done; exit $$fail

test: all $(UNIT_BIN)
	sh scripts/test

check:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --suppress=missingIncludeSystem -I. server geo
	sh scripts/check-style

bench: all
	python3 scripts/bench-plan

clean:
	rm -rf build

.PHONY: all unit test check bench clean
.DELETE_ON_ERROR:

-include $(shell find build -name '*.d' 2>/dev/null)
