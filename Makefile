# Weir: one non-recursive Makefile. `make run` and `make test` are the two entry points;
# both install what a fresh Debian 12 machine lacks first (scripts/deps.sh).
#
# Objects go to $(B)/ (build/ by default, build/asan/ for `make check`). Everything except
# api/main.c goes into one static library that the unit tests link.

B        ?= build
CC       ?= cc
SAN      ?=
PKGS     := libmicrohttpd jansson sqlite3 libjwt openssl libpq
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla -Wwrite-strings -fno-common -Wno-format-nonliteral -Wno-format-truncation
ifeq ($(CI),true)
WARN     += -Werror
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS   ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -I. -I$(B)/gen $(WARN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP
LIBS     = $(PKG_LIBS) -lpthread -lm

# The directories compiled into libweir.a (every .c in each). A new module's directory goes
# here too; its routes, hooks and workers go into its entry in api/modules.c.
MODULES  := core api api/handlers governance registry lineage warehouse workflows
LIB_SRC  := $(filter-out api/main.c,$(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
LIB_OBJ  := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC)) $(B)/obj/gen/migrations.o $(B)/obj/gen/web_assets.o
MIGRATIONS := $(sort $(wildcard migrations/*.sql))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

.PHONY: FORCE all run test test-pg check unit http clients browser faults deps bench clean openapi openapi-check house-rules format-check

all: $(B)/weir

deps:
	@scripts/deps.sh

# The list of migrations as a file that changes only when the list does: a migration removed
# (or renamed) rebuilds the embedded set too, which the files' times alone would not.
$(B)/gen/migrations.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(MIGRATIONS)' | cmp -s - $@ || echo '$(MIGRATIONS)' > $@

$(B)/gen/migrations.c: $(MIGRATIONS) $(B)/gen/migrations.list scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	scripts/embed-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/migrations.o: $(B)/gen/migrations.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c $< -o $@

# The web UI (web/): bundled by esbuild (scripts/build-web.sh, which also runs npm ci in web/
# when its node_modules are missing or stale), then embedded as a C file.
WEB_SRC  := web/index.html web/package-lock.json $(shell find web/src web/static -type f 2>/dev/null)

$(B)/web/.built: $(WEB_SRC) scripts/build-web.sh
	scripts/build-web.sh $(B)/web

$(B)/gen/web_assets.c: $(B)/web/.built scripts/embed-web.sh
	@mkdir -p $(dir $@)
	scripts/embed-web.sh $(B)/web > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/web_assets.o: $(B)/gen/web_assets.c api/ui_assets.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libweir.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/weir: $(B)/obj/api/main.o $(B)/libweir.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/testutil.h $(B)/libweir.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libweir.a $(LIBS) $(shell pkg-config --libs cmocka)

$(B)/bench/%: bench/%.c $(B)/libweir.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libweir.a $(LIBS)

openapi.yaml: $(sort $(wildcard openapi/*.yaml)) scripts/openapi-assemble.sh
	scripts/openapi-assemble.sh > $@.tmp && mv $@.tmp $@

# The server, on ./weir-data at 127.0.0.1:8080 (override with DATA= and LISTEN=).
DATA   ?= ./weir-data
LISTEN ?= 127.0.0.1:8080
run: deps
	@$(MAKE) --no-print-directory all
	@echo "weir: serving $(DATA) on http://$(LISTEN); the admin token is in $(DATA)/admin.token"
	$(B)/weir serve --data $(DATA) --listen $(LISTEN)

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

http: $(B)/weir
	@cd tests && WEIR_BIN=$(abspath $(B)/weir) node --test --test-concurrency=2 http/

clients: $(B)/weir
	@cd tests && WEIR_BIN=$(abspath $(B)/weir) node --test --test-concurrency=1 clients/

# The web UI in headless Chromium (Debian's, driven by playwright-core): one file at a time.
browser: $(B)/weir
	@cd tests && WEIR_BIN=$(abspath $(B)/weir) node --test --test-concurrency=1 browser/

# The HTTP and client suites again with the PostgreSQL store (a throwaway PostgreSQL from
# Debian's postgresql package, tests/pg/start.sh; each test server its own database).
test-pg: $(B)/weir
	@scripts/test-pg.sh $(abspath $(B)/weir)

# Fault tests (kill -9 durability loop, ...): real servers crashed and restarted, bounded in
# time; one file at a time, each drives the machine hard. Part of `make check`, not `make test`.
faults: $(B)/weir
	@cd tests && WEIR_BIN=$(abspath $(B)/weir) node --test --test-concurrency=1 faults/

# Every test: unit (cmocka on real SQLite), HTTP (real server on port 0), clients (real SDK),
# browser (the web UI in Chromium); then HTTP and clients again on the PostgreSQL store
# (test-pg: ~1.5-3.5 min more on 2 cores).
test: deps
	@$(MAKE) --no-print-directory all unit fuzz-replay
	@$(MAKE) --no-print-directory house-rules format-check
	@$(MAKE) --no-print-directory openapi-check
	@$(MAKE) --no-print-directory http clients browser
	@$(MAKE) --no-print-directory test-pg

# Module boundaries, sqlite outside core/, symbol prefixes (scripts/house-rules.sh).
house-rules: all
	@scripts/house-rules.sh $(B)

# The C sources follow .clang-format (scripts/format-check.sh --fix rewrites them).
format-check:
	@scripts/format-check.sh

openapi-check:
	@scripts/openapi-assemble.sh | cmp -s - openapi.yaml || { echo "openapi.yaml is stale: run 'make openapi.yaml'"; exit 1; }

# The C tests and the HTTP tests under AddressSanitizer + UndefinedBehaviorSanitizer.
check: deps
	@$(MAKE) --no-print-directory B=build/asan SAN=1 all unit fuzz-replay
	@cd tests && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  WEIR_BIN=$(abspath build/asan/weir) WEIR_SANITIZED=1 node --test --test-concurrency=1 http/
	@cd tests && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  WEIR_BIN=$(abspath build/asan/weir) WEIR_SANITIZED=1 node --test --test-concurrency=1 faults/

bench: all
	@bench/run.sh

clean:
	rm -rf build

include fuzz/fuzz.mk

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

FORCE:
