/* Fuzz target: MLflow runs/search and experiments/search through their public entry points
 * (weir_tracking_run_search, weir_tracking_experiment_search): the request message getters,
 * the filter grammar and order_by parser of registry/tracking.c, its page-token decoder, and
 * the dynamic SQL registry/tracking_store.c assembles from the parsed query, run against a
 * real migrated database holding one experiment and one run with a metric, a param, a tag
 * and a dataset input.
 *
 * Input: one flags byte. Bit 7 set: the rest is the request body (JSON text, parsed strictly
 * as the server does). Otherwise NUL-separated fields: filter, page_token, order_by... and
 * the request is built from them (fields that are not UTF-8 are skipped: the server refuses
 * them before). Bit 0: experiments instead of runs; bits 1-2 the view type (absent,
 * ACTIVE_ONLY, DELETED_ONLY, ALL); bits 3-4 max_results (absent, 1, 2, 50000); bit 5 a second,
 * unknown experiment id.
 *
 * Oracles: a refusal is a 4xx (bad SQL built from a filter would be a 500); an answer is an
 * object; a next_page_token it issues is accepted back. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "fuzz/fuzz_env.h"
#include "registry/tracking.h"

#define MAX_FIELDS 12

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_tracking_search: %s\n", what);
		abort();
	}
}

/* The request object from the fields, or NULL when a field is not UTF-8. */
static json_t *request_of(const fuzz_env *t, unsigned flags, const char **f, int nf)
{
	static const char *const views[] = {NULL, "ACTIVE_ONLY", "DELETED_ONLY", "ALL"};
	static const json_int_t maxr[] = {0, 1, 2, 50000};
	bool runs = !(flags & 1);
	json_t *req = json_object();
	json_t *s = json_string(f[0]);
	if (s == NULL)
		goto bad;
	json_object_set_new(req, "filter", s);
	if (nf > 1 && f[1][0] != '\0') {
		if ((s = json_string(f[1])) == NULL)
			goto bad;
		json_object_set_new(req, "page_token", s);
	}
	if (nf > 2) {
		json_t *ob = json_array();
		json_object_set_new(req, "order_by", ob);
		for (int i = 2; i < nf; i++) {
			if ((s = json_string(f[i])) == NULL)
				goto bad;
			json_array_append_new(ob, s);
		}
	}
	const char *view = views[(flags >> 1) & 3];
	if (view)
		json_object_set_new(req, runs ? "run_view_type" : "view_type", json_string(view));
	if (maxr[(flags >> 3) & 3])
		json_object_set_new(req, "max_results", json_integer(maxr[(flags >> 3) & 3]));
	if (runs) {
		json_t *ids = json_array();
		json_array_append_new(ids, json_sprintf("%lld", (long long)t->experiment_id));
		if (flags & 0x20)
			json_array_append_new(ids, json_string("424242"));
		json_object_set_new(req, "experiment_ids", ids);
	}
	return req;
bad:
	json_decref(req);
	return NULL;
}

static void one(fuzz_env *t, weir_arena *a, bool runs, json_t *req)
{
	weir_tracking_ctx c = {t->db, a, t->admin};
	weir_error e = WEIR_ERROR_INIT;
	if (weir_db_begin_read(t->db, &e) != 0)
		fuzz_die("begin read", &e);
	json_t *out = runs ? weir_tracking_run_search(&c, req, &e) : weir_tracking_experiment_search(&c, req, &e);
	fuzz_show(runs ? "runs" : "experiments", out, &e);
	const char *next = out ? json_string_value(json_object_get(out, "next_page_token")) : NULL;
	if (next != NULL) {
		/* the token the answer carries is accepted back */
		json_t *again = json_deep_copy(req);
		json_object_set_new(again, "page_token", json_string(next));
		weir_error e2 = WEIR_ERROR_INIT;
		json_t *out2 = runs ? weir_tracking_run_search(&c, again, &e2)
				    : weir_tracking_experiment_search(&c, again, &e2);
		check(out2 != NULL, "issued page token refused");
		json_decref(out2);
		json_decref(again);
	}
	weir_db_end_read(t->db);
	if (out == NULL) {
		fuzz_expect_4xx(runs ? "weir_tracking_run_search" : "weir_tracking_experiment_search", &e);
		return;
	}
	check(json_is_object(out), "answer is not an object");
	json_decref(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_env *t = fuzz_env_get();
	weir_arena *a = weir_arena_new(4096);
	unsigned flags = data[0];
	bool runs = !(flags & 1);
	if (flags & 0x80) {
		weir_error e = WEIR_ERROR_INIT;
		json_t *req = weir_json_parse_body(a, (const char *)data + 1, size - 1, true, &e);
		if (req != NULL)
			one(t, a, runs, req); /* the arena owns req */
	} else {
		const char *f[MAX_FIELDS];
		int nf = fuzz_fields(a, data + 1, size - 1, f, MAX_FIELDS);
		json_t *req = request_of(t, flags, f, nf);
		if (req != NULL) {
			one(t, a, runs, req);
			json_decref(req);
		}
	}
	weir_arena_free(a);
	return 0;
}
