/* Fuzz target: the COPY INTO parser (warehouse/copy.c), over the warehouse's tokenizer.
 *
 * Input: the statement text (up to a NUL).
 *
 * Oracles: a parse gives 1 to 3 non-NULL name parts, a source, at most
 * WEIR_WH_COPY_MAX_FILES non-empty file names and never FILES with PATTERN, a delimiter
 * different from the quote, no CSV-only option with JSON nor multiLine with CSV; every
 * refusal is 400 INVALID_PARAMETER_VALUE naming `statement`; weir_wh_copy_is agrees with a
 * successful parse (a statement that parses starts with COPY). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_env.h"
#include "warehouse/copy.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_copy_into: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	weir_arena *a = weir_arena_new(4096);
	const char *sql = weir_arena_strndup(a, (const char *)data, size);
	weir_error e = WEIR_ERROR_INIT;
	weir_wh_copy cp;
	if (weir_wh_copy_parse(a, sql, &cp, &e) == 0) {
		check(weir_wh_copy_is(sql), "parsed a statement weir_wh_copy_is does not recognise");
		check(cp.nparts >= 1 && cp.nparts <= 3, "table name has no parts or more than three");
		for (int i = 0; i < cp.nparts; i++)
			check(cp.parts[i] != NULL, "table name part is NULL");
		check(cp.source != NULL, "no source");
		check(cp.nfiles >= 0 && cp.nfiles <= WEIR_WH_COPY_MAX_FILES, "too many files");
		for (int i = 0; i < cp.nfiles; i++)
			check(cp.files[i] && cp.files[i][0], "empty file name");
		check(!(cp.nfiles && cp.pattern), "FILES with PATTERN");
		check(cp.delimiter != cp.quote, "delimiter equals quote");
		check(!(cp.json && (cp.header || cp.null_value)), "CSV option with JSON");
		check(!(!cp.json && cp.multiline), "multiLine with CSV");
	} else {
		fuzz_expect_4xx("statement", &e);
		check(e.code == WEIR_E_INVALID_PARAMETER_VALUE, "refusal is not INVALID_PARAMETER_VALUE");
		check(strcmp(e.field, "statement") == 0, "refusal does not name the statement");
	}
	weir_arena_free(a);
	return 0;
}
