/* Fuzz target: OpenLineage ingest (POST /api/1/lineage): the body parsed strictly as the
 * server does, weir_openlineage_validate, and for a valid event weir_openlineage_ingest_isolated
 * (lineage/openlineage.c: facets merge, nodes, edges, column lineage, jobs and runs written
 * through lineage/lineage_store.c) inside a write transaction that is rolled back, so every
 * input sees the same database. The RFC 3339 parser (weir_openlineage_parse_time) also gets
 * the input's text up to its first NUL.
 *
 * Input: the request body.
 *
 * Oracles: a refusal is a 4xx naming a field; an event that validates is ingested (its only
 * refusals are 4xx too); an accepted time lies in years 0000..9999 (+- one day of offset). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "fuzz/fuzz_env.h"
#include "lineage/openlineage.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_openlineage: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_env *t = fuzz_env_get();
	weir_arena *a = weir_arena_new(4096);

	const char *text = weir_arena_strndup(a, (const char *)data, size);
	int64_t ms = 0;
	if (weir_openlineage_parse_time(text, &ms) == 0) {
		const int64_t lo = -62167219200000LL - 86400000LL; /* 0000-01-01T00:00:00Z - 1 day */
		const int64_t hi = 253402300800000LL + 86400000LL; /* 10000-01-01T00:00:00Z + 1 day */
		check(ms >= lo && ms <= hi, "parsed time out of range");
	}

	weir_error e = WEIR_ERROR_INIT;
	json_t *ev = weir_json_parse_body(a, (const char *)data, size, false, &e);
	if (ev == NULL) {
		weir_arena_free(a);
		return 0;
	}
	if (weir_openlineage_validate(ev, "", &e) != 0) {
		fuzz_expect_4xx("weir_openlineage_validate", &e);
		check(e.field[0] != '\0', "refusal names no field");
		weir_arena_free(a);
		return 0;
	}
	if (weir_db_begin_write(t->db, &e) != 0)
		fuzz_die("begin write", &e);
	if (weir_openlineage_ingest_isolated(t->db, a, ev, 1700000000000LL, &e) != 0)
		fuzz_expect_4xx("weir_openlineage_ingest_isolated", &e);
	weir_db_rollback(t->db);
	weir_arena_free(a);
	return 0;
}
