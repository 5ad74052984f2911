/* Fuzz target: the warehouse's reading of the statements it answers from the catalog
 * (warehouse/sql_catalog.c: CREATE/DROP SCHEMA and VIEW, ALTER TABLE, COMMENT ON, GRANT,
 * REVOKE, SHOW, DESCRIBE, CREATE FUNCTION), and the two rewritings that build what the
 * engine runs from stored text (warehouse/sql.c): a view's references replaced verbatim
 * (weir_wh_rewrite_with) and a SQL function's parameters replaced by columns
 * (weir_wh_subst_params).
 *
 * Input: the statement text (up to a NUL).
 *
 * Oracles: the reader answers 1, 0 or -1, and -1 only as 400 INVALID_PARAMETER_VALUE naming
 * `statement`; a statement read has 0..3 name parts (none NULL), a body offset inside the
 * text, as many privileges as it says (each 1 to 3 words) and columns with names and types;
 * the view rewriting keeps the text between references byte for byte (its length is the
 * replacements' and the aliases added); the parameter substitution leaves a text that names
 * no parameter unchanged, and what it answers still tokenizes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_env.h"
#include "warehouse/sql.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_sql_catalog: %s\n", what);
		abort();
	}
}

static void refused(const weir_error *e)
{
	fuzz_expect_4xx("statement", e);
	check(e->code == WEIR_E_INVALID_PARAMETER_VALUE, "refusal is not INVALID_PARAMETER_VALUE");
	check(strcmp(e->field, "statement") == 0, "refusal does not name the statement");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	weir_arena *a = weir_arena_new(4096);
	const char *sql = weir_arena_strndup(a, (const char *)data, size);
	size_t len = strlen(sql);
	weir_error e = WEIR_ERROR_INIT;

	weir_wh_cstmt c;
	int rc = weir_wh_parse_catalog(a, sql, &c, &e);
	check(rc >= -1 && rc <= 1, "reader answered something else than 1, 0, -1");
	if (rc == -1)
		refused(&e);
	if (rc == 0)
		check(c.kind == WEIR_WH_C_NONE, "not a catalog statement, yet a kind");
	if (rc == 1) {
		check(c.kind != WEIR_WH_C_NONE, "a catalog statement without a kind");
		check(c.nparts >= 0 && c.nparts <= 3 && c.nto >= 0 && c.nto <= 3 && c.nfn >= 0 && c.nfn <= 3,
		      "a name with more than three parts");
		for (int i = 0; i < c.nparts; i++)
			check(c.parts[i] != NULL, "a name part is NULL");
		check(c.body < len || c.body == 0, "body offset outside the text");
		for (int i = 0; i < c.nprivs; i++) {
			int words = 1;
			for (const char *p = c.privs[i]; *p; p++)
				words += *p == ' ';
			check(*c.privs[i] && words <= 3, "a privilege of no word or more than three");
		}
		for (int i = 0; i < c.ncols; i++)
			check(c.cols[i].name && *c.cols[i].name && c.cols[i].type.type_name,
			      "column without name or type");
		for (int i = 0; i < c.nprops; i++)
			check(c.keys[i] && c.values[i], "property without key or value");
		if (c.kind == WEIR_WH_C_GRANT || c.kind == WEIR_WH_C_REVOKE)
			check(c.principal && c.nprivs > 0 && c.sec_type,
			      "GRANT/REVOKE without principal or privileges");
	}

	/* a view's references replaced verbatim (as CREATE VIEW stores and reading expands it) */
	weir_error_clear(&e);
	weir_wh_scan sc;
	if (weir_wh_scan_refs(a, sql, &sc, &e) == 0) {
		const char **repl = weir_arena_alloc(a, (size_t)(sc.nrefs + 1) * sizeof(*repl));
		int64_t added = 0;
		for (int i = 0; i < sc.nrefs; i++) {
			const weir_wh_ref *r = &sc.refs[i];
			repl[i] = "(SELECT 1)";
			int64_t rep = 10;
			if (!r->has_alias) {
				rep += 6;
				for (const char *q = r->parts[r->nparts - 1]; *q; q++)
					rep += *q == '"' ? 2 : 1;
			}
			added += rep - (int64_t)(r->end - r->start);
		}
		char *out = weir_wh_rewrite_with(a, sql, sc.refs, sc.nrefs, repl);
		check((int64_t)strlen(out) == (int64_t)len + added, "rewritten text has the wrong length");
	} else {
		refused(&e);
	}

	/* the text as a function body: parameters named x and y */
	weir_error_clear(&e);
	const char *names[2] = {"x", "y"};
	const char *self[2] = {"x", "y"};
	const char *out;
	if (weir_wh_subst_params(a, sql, names, self, 2, &out, &e) == 0) {
		if (strpbrk(sql, "xyXY") == NULL)
			check(strcmp(out, sql) == 0, "a text naming no parameter was changed");
		weir_wh_tok *t;
		int n;
		check(weir_wh_tokenize(a, out, &t, &n, &e) == 0, "the substituted text does not tokenize");
	} else {
		refused(&e);
	}
	weir_arena_free(a);
	return 0;
}
