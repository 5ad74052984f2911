/* Fuzz target: the SCIM `filter` query argument of /api/2.0/preview/scim/v2/{Users, Groups,
 * ServicePrincipals} (governance/identity.c weir_scim_filter_parse) and, when it parses,
 * the list it filters (weir_id_list: the matching of every principal against it and the
 * rendering of the resources) on a real database holding admin, fuzz-user and group admins.
 *
 * Input: one byte choosing the kind (user, group, service principal) and the paging, then the
 * filter text (up to a NUL).
 *
 * Oracles: a refusal is 400 INVALID_PARAMETER_VALUE on `filter` whose message starts with
 * "Invalid filter"; an accepted filter names an attribute of the kind, and a value only for
 * string attributes (a boolean only with active eq/ne); an absent filter and `id ne "-1"`
 * match the same set; the list's counts are consistent. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_env.h"
#include "governance/identity.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_scim_filter: %s\n", what);
		abort();
	}
}

static json_int_t total_of(json_t *list) { return json_integer_value(json_object_get(list, "totalResults")); }

/* How many principals of kind there are (no filter), checked once per kind against a filter
 * that matches everyone. */
static json_int_t total_all(fuzz_env *t, weir_arena *a, weir_principal_kind kind)
{
	static json_int_t totals[3] = {-1, -1, -1};
	if (totals[kind] >= 0)
		return totals[kind];
	weir_scim_filter all, ne;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_scim_filter_parse(a, kind, NULL, &all, &e) != 0 ||
	    weir_scim_filter_parse(a, kind, "id ne \"-1\"", &ne, &e) != 0)
		fuzz_die("fixed filters", &e);
	json_t *l_all = weir_id_list(t->db, a, kind, &all, 1, 1000, &e);
	json_t *l_ne = weir_id_list(t->db, a, kind, &ne, 1, 1000, &e);
	check(l_all != NULL && l_ne != NULL && total_of(l_all) == total_of(l_ne), "id ne \"-1\" hides principals");
	totals[kind] = total_of(l_all);
	json_decref(l_all);
	json_decref(l_ne);
	return totals[kind];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_env *t = fuzz_env_get();
	weir_arena *a = weir_arena_new(2048);
	static const weir_principal_kind kinds[] = {WEIR_PRINCIPAL_USER, WEIR_PRINCIPAL_GROUP, WEIR_PRINCIPAL_SP,
						    WEIR_PRINCIPAL_USER};
	weir_principal_kind kind = kinds[data[0] & 3];
	int64_t start = (data[0] >> 2) & 3; /* 0..3: below 1 means 1 */
	int64_t count = (data[0] >> 4) & 7; /* 0..7 */
	if (data[0] & 0x80)
		count = -1;
	const char *text = weir_arena_strndup(a, (const char *)data + 1, size - 1);

	weir_scim_filter f;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_scim_filter_parse(a, kind, text, &f, &e) != 0) {
		fuzz_show("filter", NULL, &e);
		fuzz_expect_4xx("weir_scim_filter_parse", &e);
		check(e.code == WEIR_E_INVALID_PARAMETER_VALUE && strcmp(e.field, "filter") == 0 &&
			      strncmp(e.message, "Invalid filter", 14) == 0,
		      "refusal is not 400 on filter");
		weir_arena_free(a);
		return 0;
	}
	if (f.present) {
		check(f.attr != NULL, "present filter without attribute");
		bool active = strcmp(f.attr, "active") == 0;
		check(active ? f.value == NULL && (f.op == WEIR_SCIM_EQ || f.op == WEIR_SCIM_NE) : f.value != NULL,
		      "value type does not fit the attribute");
		check(!(active && kind == WEIR_PRINCIPAL_GROUP), "groups have no 'active'");
		check(!(strcmp(f.attr, "userName") == 0 && kind != WEIR_PRINCIPAL_USER), "userName outside users");
		check(!(strcmp(f.attr, "applicationId") == 0 && kind != WEIR_PRINCIPAL_SP),
		      "applicationId outside SPs");
	}

	if (weir_db_begin_read(t->db, &e) != 0)
		fuzz_die("begin read", &e);
	json_int_t everyone = total_all(t, a, kind);
	json_t *list = weir_id_list(t->db, a, kind, &f, start, count, &e);
	weir_db_end_read(t->db);
	fuzz_show("list", list, &e);
	if (list == NULL) {
		fuzz_expect_4xx("weir_id_list", &e);
	} else {
		json_int_t total = total_of(list);
		json_t *res = json_object_get(list, "Resources");
		check(total >= 0 && total <= everyone, "more results than principals");
		check(json_is_array(res) && (json_int_t)json_array_size(res) <= total &&
			      (int64_t)json_array_size(res) <= (count < 0 ? 0 : count),
		      "page larger than asked");
		check(json_integer_value(json_object_get(list, "itemsPerPage")) == (json_int_t)json_array_size(res),
		      "itemsPerPage is not the page's size");
	}
	json_decref(list);
	weir_arena_free(a);
	return 0;
}
