/* Fuzz target: the warehouse's reading of statement text (warehouse/sql.c): the tokenizer,
 * the table references and their rewriting into engine aliases, and the CREATE/DROP TABLE
 * parser.
 *
 * Input: the statement text (up to a NUL).
 *
 * Oracles: every token lies inside the text, in order, without overlap; every reference
 * lies inside the text, in order, without overlap, with 1 to 3 non-NULL parts; the
 * rewritten text holds each alias once per reference and keeps the text between
 * references byte for byte (so its length is exactly what the replacements add); a DDL
 * parse's AS query offset lies inside the text; every refusal is 400 naming `statement`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_env.h"
#include "warehouse/sql.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_sql_names: %s\n", what);
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

	weir_wh_tok *t;
	int n;
	if (weir_wh_tokenize(a, sql, &t, &n, &e) == 0) {
		size_t at = 0;
		for (int i = 0; i < n; i++) {
			check(t[i].start >= at && t[i].len > 0 && t[i].start + t[i].len <= len, "token out of order");
			at = t[i].start + t[i].len;
			check((t[i].kind == WEIR_TK_IDENT || t[i].kind == WEIR_TK_QIDENT ||
			       t[i].kind == WEIR_TK_STRING) == (t[i].value != NULL),
			      "token value disagrees with its kind");
		}
	} else {
		refused(&e);
	}

	weir_error_clear(&e);
	weir_wh_scan sc;
	if (weir_wh_scan_refs(a, sql, &sc, &e) == 0) {
		size_t at = 0;
		int64_t added = 0;
		const char **aliases = weir_arena_alloc(a, (size_t)(sc.nrefs + 1) * sizeof(*aliases));
		for (int i = 0; i < sc.nrefs; i++) {
			const weir_wh_ref *r = &sc.refs[i];
			check(r->start >= at && r->end > r->start && r->end <= len, "reference out of order");
			check(r->nparts >= 1 && r->nparts <= 3, "reference has no parts or more than three");
			for (int p = 0; p < r->nparts; p++)
				check(r->parts[p] != NULL, "reference part is NULL");
			at = r->end;
			aliases[i] = "w1";
			/* "w1".t = 6 bytes, plus ` AS "<last part>"` with quotes doubled */
			int64_t rep = 6;
			if (!r->has_alias) {
				rep += 6;
				for (const char *c = r->parts[r->nparts - 1]; *c; c++)
					rep += *c == '"' ? 2 : 1;
			}
			added += rep - (int64_t)(r->end - r->start);
		}
		char *out = weir_wh_rewrite(a, sql, sc.refs, sc.nrefs, aliases);
		check((int64_t)strlen(out) == (int64_t)len + added, "rewritten text has the wrong length");
		if (sc.kind == WEIR_WH_KIND_CREATE_TABLE || sc.kind == WEIR_WH_KIND_DROP_TABLE) {
			weir_wh_ddl d;
			weir_error_clear(&e);
			if (weir_wh_parse_ddl(a, sql, sc.kind, &d, &e) == 0) {
				check(d.nparts >= 1 && d.nparts <= 3, "DDL name has no parts or more than three");
				check(d.as_query < len, "AS query offset outside the text");
				for (int i = 0; i < d.ncols; i++)
					check(d.cols[i].name && d.cols[i].type.type_name,
					      "column without name or type");
			} else {
				refused(&e);
			}
		}
	} else {
		refused(&e);
	}
	weir_arena_free(a);
	return 0;
}
