# Fuzz targets (fuzz/README.md), included by the top Makefile.
#
#   make fuzz-replay   builds every fuzz/fuzz_<name>.c with $(CC) and the standalone driver
#                      (fuzz/driver.c) into $(B)/fuzz/<name> and replays fuzz/corpus/<name>/
#                      through it: no clang needed; with SAN=1 under ASan+UBSan.
#   make fuzz          long runs with clang's libFuzzer: fuzz/run.sh $(FUZZ_SECONDS) (default 60
#                      seconds per target); new inputs go to build/fuzz/new/<name>/, never to
#                      the committed corpus.
#
# fuzz/run.sh also uses the link rule below, with FUZZ_DRIVER empty (libFuzzer has its main).

FUZZ_SRC     := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES   := $(patsubst fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ_BIN     := $(addprefix $(B)/fuzz/,$(FUZZ_NAMES))
FUZZ_DRIVER  ?= fuzz/driver.c
FUZZ_SECONDS ?= 60
# -MMD would write dependency files named after each source of the link: the targets depend
# on fuzz/*.h and on libweir.a (rebuilt when a header it was compiled with changes) instead.
FUZZ_CFLAGS   = $(filter-out -MMD -MP,$(ALL_CFLAGS))

.PHONY: fuzz fuzz-build fuzz-replay

$(B)/fuzz/%: fuzz/fuzz_%.c $(FUZZ_DRIVER) $(wildcard fuzz/*.h) $(B)/libweir.a
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_CFLAGS) $(LDFLAGS) -o $@ $< $(FUZZ_DRIVER) $(B)/libweir.a $(LIBS)

fuzz-build: $(FUZZ_BIN)

# Each target over its committed corpus; any finding aborts (non-zero exit).
fuzz-replay: $(FUZZ_BIN)
	@for t in $(FUZZ_NAMES); do \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(B)/fuzz/$$t fuzz/corpus/$$t || { echo "fuzz-replay: $$t failed"; exit 1; }; \
	done

fuzz:
	@fuzz/run.sh $(FUZZ_SECONDS)
