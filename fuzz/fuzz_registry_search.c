/* Fuzz target: MLflow model registry search (registered-models/search and
 * model-versions/search) through its public entry point, weir_registry_search_run: the
 * filter grammar and order_by parsing in registry/registry.c, the page-token decoder
 * (weir_registry_page_offset), and the SQL that registry/registry_store.c builds from the
 * parsed query, run against a real migrated database holding two models and two versions.
 *
 * Input: one flags byte, then NUL-separated fields: filter, page_token, order_by... (up to
 * 10 order_by entries). Flags: bit 0 versions instead of models, bit 1 a non-admin caller
 * (per-item visibility path), bits 2-3 max_results (absent, 1, 2, 1000), bit 4 no filter,
 * bit 5 no page token.
 *
 * Oracles: a refusal is a 4xx naming a field; an answer is an object holding only the
 * expected keys; a page token the registry issues decodes to its offset. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_env.h"
#include "registry/registry.h"

#define MAX_FIELDS 12

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_registry_search: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_env *t = fuzz_env_get();
	weir_arena *a = weir_arena_new(4096);
	unsigned flags = data[0];
	const char *f[MAX_FIELDS];
	int nf = fuzz_fields(a, data + 1, size - 1, f, MAX_FIELDS);
	static const int64_t maxr[] = {INT64_MIN, 1, 2, 1000};
	weir_registry_search q = {
		.kind = flags & 1 ? WEIR_REG_SEARCH_VERSIONS : WEIR_REG_SEARCH_MODELS,
		.filter = flags & 0x10 ? NULL : f[0],
		.page_token = flags & 0x20 || nf < 2 ? NULL : f[1],
		.order_by = nf > 2 ? &f[2] : NULL,
		.norder_by = nf > 2 ? nf - 2 : 0,
		.max_results = maxr[(flags >> 2) & 3],
	};
	const weir_principal *p = flags & 2 ? t->user : t->admin;

	weir_error e = WEIR_ERROR_INIT;
	if (weir_db_begin_read(t->db, &e) != 0)
		fuzz_die("begin read", &e);
	json_t *out = weir_registry_search_run(t->db, a, p, &q, &e);
	weir_db_end_read(t->db);
	fuzz_show("search", out, &e);
	if (out == NULL) {
		fuzz_expect_4xx("weir_registry_search_run", &e);
		check(e.field[0] != '\0', "refusal names no field");
	} else {
		check(json_is_object(out), "answer is not an object");
		const char *k;
		json_t *v;
		json_object_foreach (out, k, v) {
			check(strcmp(k, "registered_models") == 0 || strcmp(k, "model_versions") == 0 ||
				      strcmp(k, "next_page_token") == 0,
			      "unexpected key in the answer");
		}
		const char *next = json_string_value(json_object_get(out, "next_page_token"));
		if (next != NULL) {
			int64_t off = -1;
			check(weir_registry_page_offset(a, next, &off, &e) == 0 && off > 0,
			      "issued token does not decode");
		}
		json_decref(out);
	}

	/* the decoder alone, on the raw field, and the encoder's round trip */
	if (nf >= 2) {
		int64_t off = -1;
		weir_error_clear(&e);
		if (weir_registry_page_offset(a, f[1], &off, &e) == 0) {
			check(off >= 0, "negative offset accepted");
			char *tok = weir_registry_page_token(a, off);
			int64_t back = -1;
			check(weir_registry_page_offset(a, tok, &back, &e) == 0 && back == off, "token round trip");
		} else {
			fuzz_expect_4xx("weir_registry_page_offset", &e);
		}
	}
	weir_arena_free(a);
	return 0;
}
