/* The SQL translator of the PostgreSQL store (core/db_pg.h): the stores' SQLite text made
 * PostgreSQL text, once per statement at prepare time (the result is cached with the
 * prepared statement). No libpq here, so the unit tests exercise it without a server.
 *
 * What it rewrites, outside string literals, quoted identifiers and comments:
 * - parameters: `?N` -> `$N`; a bare `?` is one more than the highest number so far (SQLite's rule)
 * - `INSERT OR IGNORE ...` -> `INSERT ... ON CONFLICT DO NOTHING` (before a top-level RETURNING)
 * - functions: ifnull -> coalesce, instr -> strpos, group_concat -> string_agg,
 *   json_object -> json_build_object, json_array -> json_build_array, json_group_array ->
 *   json_agg, json_each -> weir_json_each, printf -> format; max/min with two or more
 *   arguments (SQLite's scalar forms) -> greatest/least
 * - `x GLOB y` -> `x #~# y` (an operator the compat migration defines); LIKE -> ILIKE
 *   (SQLite's LIKE ignores ASCII case)
 * - `IS NOT y` / `IS y` with y not NULL/TRUE/FALSE/DISTINCT -> IS [NOT] DISTINCT FROM (null-safe)
 * - types: INTEGER -> BIGINT (INTEGER PRIMARY KEY: an identity column), REAL -> DOUBLE
 *   PRECISION, BLOB -> BYTEA; `) STRICT` and `WITHOUT ROWID` dropped
 * - in migration scripts (weir_pg_translate_script), SQLite triggers
 *   `CREATE TRIGGER n AFTER ev ON t [WHEN c] BEGIN body; END` become a PL/pgSQL function plus a
 *   row trigger.
 * SQLite functions without a rename (json, json_extract, unixepoch, max(boolean)) exist as
 * functions in the PostgreSQL database itself (the compat script in core/db_pg.c). */
#include "core/db_pg.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/util.h"

static bool word_ch(char c) { return isalnum((unsigned char)c) || c == '_'; }

static bool word_eq(const char *p, size_t n, const char *w) { return strlen(w) == n && strncasecmp(p, w, n) == 0; }

static const char *skip_ws(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

/* The next word at p (after whitespace): its start and length (0 if none). */
static size_t next_word(const char *p, const char **start)
{
	p = skip_ws(p);
	*start = p;
	size_t n = 0;
	while (word_ch(p[n]))
		n++;
	return n;
}

/* Whether the call whose '(' is at p has two or more top-level arguments. */
static bool multi_arg(const char *p)
{
	int depth = 0;
	for (; *p; p++) {
		if (*p == '\'') {
			for (p++; *p && !(*p == '\'' && p[1] != '\''); p++)
				if (*p == '\'')
					p++;
			if (!*p)
				return false;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			if (--depth == 0)
				return false;
		} else if (*p == ',' && depth == 1) {
			return true;
		}
	}
	return false;
}

static const struct {
	const char *from, *to;
} renames[] = {
	{"ifnull", "coalesce"},
	{"instr", "strpos"},
	{"group_concat", "string_agg"},
	{"json_object", "json_build_object"},
	{"json_array", "json_build_array"},
	{"json_group_array", "json_agg"},
	{"json_group_object", "json_object_agg"},
	{"json_each", "weir_json_each"},
	{"printf", "format"},
};

/* The last token written to out after `base`: a word (copied into w) or one character. */
static void prev_token(const weir_buf *out, size_t base, char *w, size_t cap)
{
	size_t e = out->len;
	while (e > base && isspace((unsigned char)out->data[e - 1]))
		e--;
	size_t b = e;
	while (b > base && word_ch(out->data[b - 1]))
		b--;
	if (b == e && e > base)
		b = e - 1;
	size_t n = e - b < cap - 1 ? e - b : cap - 1;
	memcpy(w, out->data ? out->data + b : "", n);
	w[n] = '\0';
}

static bool is_any(const char *w, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (word_eq(w, n, *list))
			return true;
	return false;
}

/* Words that may follow a subquery in FROM that has no alias (PostgreSQL 15 needs one). */
static const char *const after_from_sub[] = {"WHERE",     "GROUP",  "ORDER",  "LIMIT",     "UNION", "EXCEPT",
					     "INTERSECT", "HAVING", "JOIN",   "LEFT",      "INNER", "CROSS",
					     "ON",        "OFFSET", "WINDOW", "RETURNING", NULL};
static const char *const bool_before[] = {"WHEN", "AND", "OR", "NOT", "WHERE", NULL};
static const char *const bool_after[] = {"THEN", "AND", "OR", ")", "", NULL};
static const char *const bool_join[] = {"AND", "OR", NULL};
/* Words of an upsert's SET expressions that are not columns of the target row. */
static const char *const set_keywords[] = {
	"NULL",    "CASE",  "WHEN",     "THEN",    "ELSE",   "END",      "AND",  "OR",      "NOT",    "IS",    "IN",
	"TRUE",    "FALSE", "DISTINCT", "FROM",    "LIKE",   "ILIKE",    "GLOB", "BETWEEN", "CAST",   "AS",    "BIGINT",
	"INTEGER", "TEXT",  "REAL",     "COLLATE", "NOCASE", "excluded", "SET",  "DO",      "UPDATE", "WHERE", NULL};

/* One statement (or a fragment without triggers): appended to out. */
static void translate(weir_buf *out, const char *sql, size_t len, int *nparams)
{
	int maxp = 0, depth = 0, nalias = 0;
	uint64_t from_sub = 0; /* bit d: the parenthesis at depth d+1 follows FROM or JOIN */
	bool on_conflict = false;
	bool between = false, between_and = false; /* the next AND is BETWEEN's; it was just seen */
	/* ON CONFLICT ... DO UPDATE SET: PostgreSQL finds a bare column there ambiguous (the target
	 * row or excluded); SQLite means the target row, so it is qualified with the table's name */
	char target[64] = "";
	bool conflict = false, in_set = false, set_sub = false, limit_param = false;
	int set_depth = 0;
	size_t returning_at = 0; /* offset in out of a top-level RETURNING (0: none) */
	size_t base = out->len;
	const char *p = sql, *end = sql + len;
	while (p < end) {
		char c = *p;
		if (c == '\'' || c == '"') {
			const char *q = p + 1;
			while (q < end && !(*q == c && (q + 1 >= end || q[1] != c)))
				q += *q == c ? 2 : 1;
			if (q < end)
				q++;
			weir_buf_append(out, p, (size_t)(q - p));
			p = q;
			continue;
		}
		if (c == '-' && p + 1 < end && p[1] == '-') {
			const char *q = p;
			while (q < end && *q != '\n')
				q++;
			p = q;
			continue;
		}
		if (c == '?') {
			p++;
			int n = 0;
			bool num = false;
			while (p < end && isdigit((unsigned char)*p)) {
				n = n * 10 + (*p++ - '0');
				num = true;
			}
			if (!num)
				n = maxp + 1;
			if (n > maxp)
				maxp = n;
			/* a parameter standing for a condition (SQLite has no booleans: 0/1 bound) */
			char before[16], after[16];
			prev_token(out, base, before, sizeof(before));
			const char *q = skip_ws(p);
			size_t an = 0;
			while (q + an < end && word_ch(q[an]))
				an++;
			if (an == 0 && q < end)
				an = 1;
			snprintf(after, sizeof(after), "%.*s", (int)(an < 15 ? an : 15), q);
			bool cond = (is_any(before, strlen(before), bool_before) &&
				     is_any(after, strlen(after), bool_after)) ||
				    (strcmp(before, "(") == 0 && is_any(after, strlen(after), bool_join));
			if (cond && !between_and)
				weir_buf_appendf(out, "($%d <> 0)", n);
			else
				weir_buf_appendf(out, "$%d", n);
			if (limit_param)
				weir_buf_append(out, ")", 1);
			limit_param = false;
			between_and = false;
			continue;
		}
		if (c == '(') {
			char before[16];
			prev_token(out, base, before, sizeof(before));
			if (depth < 64) {
				if (word_eq(before, strlen(before), "FROM") || word_eq(before, strlen(before), "JOIN"))
					from_sub |= 1ull << depth;
				else
					from_sub &= ~(1ull << depth);
			}
			depth++;
			weir_buf_append(out, p, 1);
			p++;
			continue;
		}
		if (c == ')') {
			depth--;
			weir_buf_append(out, p, 1);
			p++;
			if (depth >= 0 && depth < 64 && (from_sub & (1ull << depth))) {
				from_sub &= ~(1ull << depth);
				const char *w;
				size_t wn = next_word(p, &w);
				if ((wn == 0 && (*w == '\0' || *w == ')' || *w == ',' || *w == ';' || w >= end)) ||
				    (wn > 0 && is_any(w, wn, after_from_sub)))
					weir_buf_appendf(out, " AS weir_q%d", ++nalias);
			}
			continue;
		}
		if (!word_ch(c) || (p > sql && (word_ch(p[-1]) || p[-1] == '$'))) {
			weir_buf_append(out, p, 1);
			p++;
			continue;
		}
		size_t n = 0;
		while (p + n < end && word_ch(p[n]))
			n++;
		const char *after = p + n;
		const char *w2;
		size_t n2 = next_word(after, &w2);
		bool dotted = p > sql && p[-1] == '.';
		bool call = *skip_ws(after) == '(' && !dotted;
		const char *emit = NULL;
		size_t skip = n;
		if (word_eq(p, n, "INTO") && target[0] == '\0' && n2 > 0 && n2 < sizeof(target))
			snprintf(target, sizeof(target), "%.*s", (int)n2, w2);
		else if (word_eq(p, n, "CONFLICT"))
			conflict = true;
		else if (conflict && word_eq(p, n, "SET") && !in_set) {
			in_set = true;
			set_depth = depth;
		} else if (in_set && depth == set_depth && word_eq(p, n, "RETURNING"))
			in_set = false;
		else if (in_set && word_eq(p, n, "SELECT"))
			set_sub = true; /* a subquery: its columns are not the target's; left alone */
		if (in_set && !set_sub && target[0] && !dotted && !call && p + n < end && p[n] != '.' &&
		    !is_any(p, n, set_keywords) && !isdigit((unsigned char)*p)) {
			char before[16];
			prev_token(out, base, before, sizeof(before));
			bool assigned = *skip_ws(after) == '=' &&
					(word_eq(before, strlen(before), "SET") || strcmp(before, ",") == 0);
			if (!assigned)
				weir_buf_appendf(out, "%s.", target);
		}
		between_and = false;
		if (word_eq(p, n, "BETWEEN")) {
			between = true;
		} else if (between && word_eq(p, n, "AND")) {
			between = false;
			between_and = true; /* its upper bound is a value, not a condition */
		}
		if (word_eq(p, n, "CROSS") && word_eq(w2, n2, "JOIN")) {
			/* SQLite's CROSS JOIN ... ON (a join order hint): PostgreSQL's JOIN ... ON */
			const char *w3, *w4, *w5;
			size_t n3 = next_word(w2 + n2, &w3);
			size_t n4 = next_word(w3 + n3, &w4);
			size_t n5 = next_word(w4 + n4, &w5);
			if (word_eq(w4, n4, "ON") || word_eq(w5, n5, "ON")) {
				emit = "JOIN";
				skip = (size_t)(w2 + n2 - p);
			}
		} else if (word_eq(p, n, "LIMIT") && *skip_ws(after) == '?') {
			emit = "LIMIT weir_limit("; /* SQLite: a negative limit is none */
			skip = (size_t)(skip_ws(after) - p);
			limit_param = true;
		} else if (word_eq(p, n, "LIMIT") && strncmp(skip_ws(after), "-1", 2) == 0 &&
			   !isdigit((unsigned char)skip_ws(after)[2])) {
			emit = "LIMIT ALL";
			skip = (size_t)(skip_ws(after) + 2 - p);
		} else if (word_eq(p, n, "INSERT") && word_eq(w2, n2, "OR")) {
			const char *w3;
			size_t n3 = next_word(w2 + n2, &w3);
			if (word_eq(w3, n3, "IGNORE")) {
				emit = "INSERT";
				skip = (size_t)(w3 + n3 - p);
				on_conflict = true;
			}
		} else if (word_eq(p, n, "RETURNING") && depth == 0) {
			returning_at = out->len;
		} else if (word_eq(p, n, "GLOB")) {
			emit = "#~#";
		} else if (word_eq(p, n, "LIKE")) {
			emit = "ILIKE";
		} else if (word_eq(p, n, "IS") && !dotted) {
			const char *w3 = w2;
			size_t n3 = n2;
			bool neg = word_eq(w2, n2, "NOT");
			if (neg)
				n3 = next_word(w2 + n2, &w3);
			bool plain = n3 == 0 ? *skip_ws(neg ? w2 + n2 : after) == '\0' : false;
			if (n3 > 0 && (word_eq(w3, n3, "NULL") || word_eq(w3, n3, "TRUE") || word_eq(w3, n3, "FALSE") ||
				       word_eq(w3, n3, "DISTINCT")))
				plain = true;
			if (!plain) {
				emit = neg ? "IS DISTINCT FROM" : "IS NOT DISTINCT FROM";
				skip = neg ? (size_t)(w2 + n2 - p) : n;
			}
		} else if (word_eq(p, n, "INTEGER") && !call) {
			if (word_eq(w2, n2, "PRIMARY"))
				emit = "BIGINT GENERATED BY DEFAULT AS IDENTITY";
			else
				emit = "BIGINT";
		} else if (word_eq(p, n, "REAL") && !call) {
			emit = "DOUBLE PRECISION";
		} else if (word_eq(p, n, "BLOB") && !call) {
			emit = "BYTEA";
		} else if (word_eq(p, n, "STRICT") || (word_eq(p, n, "WITHOUT") && word_eq(w2, n2, "ROWID"))) {
			/* table options after the closing parenthesis: drop them and their commas */
			while (out->len > base &&
			       (isspace((unsigned char)out->data[out->len - 1]) || out->data[out->len - 1] == ','))
				out->len--;
			out->data[out->len] = '\0';
			emit = "";
			skip = word_eq(p, n, "WITHOUT") ? (size_t)(w2 + n2 - p) : n;
		} else if (call) {
			for (size_t i = 0; i < sizeof(renames) / sizeof(renames[0]); i++)
				if (word_eq(p, n, renames[i].from))
					emit = renames[i].to;
			if (word_eq(p, n, "max") && multi_arg(skip_ws(after)))
				emit = "greatest";
			else if (word_eq(p, n, "min") && multi_arg(skip_ws(after)))
				emit = "least";
		}
		if (emit)
			weir_buf_append(out, emit, strlen(emit));
		else
			weir_buf_append(out, p, n);
		p += skip;
	}
	/* no trailing semicolon or whitespace: one statement per prepare */
	while (out->len > base && (isspace((unsigned char)out->data[out->len - 1]) || out->data[out->len - 1] == ';'))
		out->len--;
	if (out->data)
		out->data[out->len] = '\0';
	if (on_conflict) {
		if (returning_at > 0) {
			char *tail = weir_xstrdup(out->data + returning_at);
			out->len = returning_at;
			weir_buf_appendf(out, "ON CONFLICT DO NOTHING %s", tail);
			free(tail);
		} else {
			weir_buf_appendf(out, " ON CONFLICT DO NOTHING");
		}
	}
	if (nparams && maxp > *nparams)
		*nparams = maxp;
}

char *weir_pg_translate(const char *sql, int *nparams)
{
	weir_buf out = {0};
	if (nparams)
		*nparams = 0;
	translate(&out, sql, strlen(sql), nparams);
	if (out.data == NULL)
		weir_buf_append(&out, "", 0);
	return out.data;
}

/* The end of the statement starting at p: after its top-level ';' (a trigger's body ends at
 * END;), or the end of the text. */
static const char *stmt_end(const char *start, bool trigger)
{
	bool in_body = false;
	const char *p = start;
	while (*p) {
		if (*p == '\'' || *p == '"') {
			char q = *p++;
			while (*p && !(*p == q && p[1] != q))
				p += *p == q ? 2 : 1;
			if (*p)
				p++;
			continue;
		}
		if (*p == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (trigger && word_ch(*p) && (p == start || !word_ch(p[-1]))) {
			size_t n = 0;
			while (word_ch(p[n]))
				n++;
			if (word_eq(p, n, "BEGIN"))
				in_body = true;
			else if (word_eq(p, n, "END"))
				in_body = false;
			p += n;
			continue;
		}
		if (*p == ';' && !in_body)
			return p + 1;
		p++;
	}
	return p;
}

/* CREATE TRIGGER name AFTER|BEFORE event ON table [WHEN cond] BEGIN body END */
static int trigger(weir_buf *out, const char *s, size_t len)
{
	char *t = weir_xmalloc(len + 1);
	memcpy(t, s, len);
	t[len] = '\0';
	const char *w;
	size_t n;
	const char *p = t;
	char name[128], timing[16], table[128];
	n = next_word(p, &w); /* CREATE */
	p = w + n;
	n = next_word(p, &w); /* TRIGGER */
	p = w + n;
	n = next_word(p, &w);
	snprintf(name, sizeof(name), "%.*s", (int)n, w);
	p = w + n;
	n = next_word(p, &w);
	snprintf(timing, sizeof(timing), "%.*s", (int)n, w);
	p = w + n;
	/* the event up to ON */
	const char *ev = skip_ws(p);
	const char *on = NULL;
	for (const char *q = ev; *q; q++) {
		if ((q == ev || isspace((unsigned char)q[-1])) && strncasecmp(q, "ON", 2) == 0 &&
		    isspace((unsigned char)q[2])) {
			on = q;
			break;
		}
	}
	if (on == NULL) {
		free(t);
		return -1;
	}
	n = next_word(on + 2, &w);
	snprintf(table, sizeof(table), "%.*s", (int)n, w);
	p = w + n;
	const char *when = NULL, *when_end = NULL, *body = NULL, *body_end = NULL;
	for (const char *q = p; *q; q++) {
		if (!word_ch(*q) || (q > t && word_ch(q[-1])))
			continue;
		size_t k = 0;
		while (word_ch(q[k]))
			k++;
		if (word_eq(q, k, "WHEN") && when == NULL && body == NULL)
			when = q + k;
		else if (word_eq(q, k, "BEGIN") && body == NULL) {
			if (when)
				when_end = q;
			body = q + k;
		} else if (word_eq(q, k, "END") && body != NULL)
			body_end = q;
		q += k - 1;
	}
	if (body == NULL || body_end == NULL) {
		free(t);
		return -1;
	}
	body = skip_ws(body);
	const char *ev_end = on;
	while (ev_end > ev && isspace((unsigned char)ev_end[-1]))
		ev_end--;
	weir_buf_appendf(out, "CREATE FUNCTION weir_trg_%s() RETURNS trigger LANGUAGE plpgsql AS $weir$ BEGIN ", name);
	translate(out, body, (size_t)(body_end - body), NULL);
	weir_buf_appendf(out, "; RETURN NULL; END $weir$;\nCREATE TRIGGER %s %s %.*s ON %s FOR EACH ROW ", name, timing,
			 (int)(ev_end - ev), ev, table);
	if (when) {
		weir_buf_appendf(out, "WHEN (");
		when = skip_ws(when);
		translate(out, when, (size_t)(when_end - when), NULL);
		weir_buf_appendf(out, ") ");
	}
	weir_buf_appendf(out, "EXECUTE FUNCTION weir_trg_%s();\n", name);
	free(t);
	return 0;
}

/* Whether the CREATE TABLE statement [p, e) makes a table with a rowid of its own: neither
 * WITHOUT ROWID nor an INTEGER PRIMARY KEY (which is the rowid), nor CREATE TABLE ... AS. */
static bool rowid_table(const char *p, const char *e)
{
	const char *paren = memchr(p, '(', (size_t)(e - p));
	if (paren == NULL)
		return false;
	for (const char *q = p; q < e; q++) {
		if (!word_ch(*q) || (q > p && word_ch(q[-1])))
			continue;
		size_t n = 0;
		while (q + n < e && word_ch(q[n]))
			n++;
		const char *w2;
		size_t n2 = next_word(q + n, &w2);
		if ((word_eq(q, n, "WITHOUT") && word_eq(w2, n2, "ROWID")) ||
		    (word_eq(q, n, "INTEGER") && word_eq(w2, n2, "PRIMARY")) || (word_eq(q, n, "AS") && q < paren))
			return false;
		q += n - 1;
	}
	return true;
}

char *weir_pg_translate_script(const char *sql)
{
	weir_buf out = {0};
	const char *p = sql;
	while (*(p = skip_ws(p))) {
		while (p[0] == '-' && p[1] == '-') { /* comments between statements */
			while (*p && *p != '\n')
				p++;
			p = skip_ws(p);
		}
		if (!*p)
			break;
		const char *w1, *w2;
		size_t n1 = next_word(p, &w1);
		size_t n2 = next_word(w1 + n1, &w2);
		bool trg = word_eq(w1, n1, "CREATE") && word_eq(w2, n2, "TRIGGER");
		const char *e = stmt_end(p, trg);
		if (trg) {
			if (trigger(&out, p, (size_t)(e - p)) != 0) {
				weir_buf_release(&out);
				return NULL;
			}
		} else if (word_eq(w1, n1, "CREATE") && word_eq(w2, n2, "TABLE") && rowid_table(p, e)) {
			/* a SQLite rowid table: its hidden rowid (insertion order, ORDER BY rowid) becomes a
			 * column of its own */
			const char *paren = memchr(p, '(', (size_t)(e - p));
			size_t before = out.len;
			weir_buf_append(&out, p, (size_t)(paren + 1 - p));
			weir_buf_appendf(&out, "rowid BIGINT GENERATED ALWAYS AS IDENTITY, ");
			translate(&out, paren + 1, (size_t)(e - paren - 1), NULL);
			if (out.len > before)
				weir_buf_append(&out, ";\n", 2);
		} else {
			size_t before = out.len;
			translate(&out, p, (size_t)(e - p), NULL);
			if (out.len > before)
				weir_buf_append(&out, ";\n", 2);
		}
		p = e;
	}
	if (out.data == NULL)
		weir_buf_append(&out, "", 0);
	return out.data;
}
