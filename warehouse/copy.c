/* The COPY INTO parser (warehouse/copy.h): over the warehouse's tokenizer (warehouse/sql.c),
 * so strings, quoted identifiers and comments read as everywhere else. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "warehouse/copy.h"
#include "warehouse/sql.h"

typedef struct parser {
	weir_arena *a;
	const char *sql;
	weir_wh_tok *t;
	int n, i;
	weir_error *err;
} parser;

static int bad(parser *p, const char *what)
{
	return weir_error_field(p->err, WEIR_E_INVALID_PARAMETER_VALUE, "statement", "COPY INTO: %s", what);
}

static bool punct(parser *p, char c)
{
	if (p->i < p->n && p->t[p->i].kind == WEIR_TK_PUNCT && p->t[p->i].len == 1 && p->sql[p->t[p->i].start] == c) {
		p->i++;
		return true;
	}
	return false;
}

static bool keyword(parser *p, const char *kw)
{
	if (p->i < p->n && weir_wh_tok_is(&p->t[p->i], kw)) {
		p->i++;
		return true;
	}
	return false;
}

static const char *string(parser *p)
{
	if (p->i < p->n && p->t[p->i].kind == WEIR_TK_STRING)
		return p->t[p->i++].value;
	return NULL;
}

static bool truth(const char *v, bool *out)
{
	if (strcasecmp(v, "true") == 0)
		*out = true;
	else if (strcasecmp(v, "false") == 0)
		*out = false;
	else
		return false;
	return true;
}

/* ('key' = 'value', ...): calls set for each pair. */
static int options(parser *p, int (*set)(parser *, weir_wh_copy *, const char *, const char *), weir_wh_copy *c)
{
	if (!punct(p, '('))
		return bad(p, "options are ('key' = 'value', ...)");
	if (punct(p, ')'))
		return 0;
	do {
		const char *k = string(p);
		if (k == NULL || !punct(p, '='))
			return bad(p, "options are ('key' = 'value', ...)");
		const char *v = string(p);
		if (v == NULL) /* true, false and numbers may be written bare */
			if (p->i < p->n && (p->t[p->i].kind == WEIR_TK_IDENT || p->t[p->i].kind == WEIR_TK_NUMBER)) {
				v = weir_arena_strndup(p->a, p->sql + p->t[p->i].start, p->t[p->i].len);
				p->i++;
			}
		if (v == NULL)
			return bad(p, "an option's value is a string");
		if (set(p, c, k, v) != 0)
			return -1;
	} while (punct(p, ','));
	if (!punct(p, ')'))
		return bad(p, "options are ('key' = 'value', ...)");
	return 0;
}

static int one_char(parser *p, const char *v, char *out, const char *name)
{
	if (strlen(v) != 1 || (unsigned char)v[0] < 0x20 || (unsigned char)v[0] >= 0x7f || v[0] == '\n')
		return weir_error_field(p->err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
					"COPY INTO: '%s' is one printable ASCII character", name);
	*out = v[0];
	return 0;
}

static int format_option(parser *p, weir_wh_copy *c, const char *k, const char *v)
{
	if (strcasecmp(k, "header") == 0) {
		if (!truth(v, &c->header))
			return bad(p, "'header' is 'true' or 'false'");
	} else if (strcasecmp(k, "delimiter") == 0 || strcasecmp(k, "sep") == 0) {
		if (strcmp(v, "\\t") == 0)
			v = "\t";
		if (strcmp(v, "\t") != 0 && one_char(p, v, &c->delimiter, "delimiter") != 0)
			return -1;
		if (v[0] == '\t')
			c->delimiter = '\t';
	} else if (strcasecmp(k, "quote") == 0) {
		if (one_char(p, v, &c->quote, "quote") != 0)
			return -1;
	} else if (strcasecmp(k, "mode") == 0) {
		if (strcasecmp(v, "PERMISSIVE") == 0)
			c->mode = WEIR_COPY_PERMISSIVE;
		else if (strcasecmp(v, "DROPMALFORMED") == 0)
			c->mode = WEIR_COPY_DROPMALFORMED;
		else if (strcasecmp(v, "FAILFAST") == 0)
			c->mode = WEIR_COPY_FAILFAST;
		else
			return bad(p, "'mode' is PERMISSIVE, DROPMALFORMED or FAILFAST");
	} else if (strcasecmp(k, "nullValue") == 0) {
		c->null_value = v;
	} else if (strcasecmp(k, "multiLine") == 0) {
		if (!truth(v, &c->multiline))
			return bad(p, "'multiLine' is 'true' or 'false'");
	} else if (strcasecmp(k, "encoding") == 0 || strcasecmp(k, "charset") == 0) {
		if (strcasecmp(v, "UTF-8") != 0 && strcasecmp(v, "UTF8") != 0)
			return bad(p, "only 'encoding' = 'UTF-8' is read");
	} else if (strcasecmp(k, "inferSchema") == 0) {
		bool ignored;
		if (!truth(v, &ignored)) /* the table's columns decide the types */
			return bad(p, "'inferSchema' is 'true' or 'false'");
	} else {
		return weir_error_field(
			p->err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
			"COPY INTO: unknown FORMAT_OPTIONS key '%.64s' (header, delimiter, quote, mode, "
			"nullValue, multiLine, encoding, inferSchema)",
			k);
	}
	return 0;
}

static int copy_option(parser *p, weir_wh_copy *c, const char *k, const char *v)
{
	if (strcasecmp(k, "force") == 0) {
		if (!truth(v, &c->force))
			return bad(p, "'force' is 'true' or 'false'");
	} else if (strcasecmp(k, "mergeSchema") == 0) {
		if (!truth(v, &c->merge_schema))
			return bad(p, "'mergeSchema' is 'true' or 'false'");
	} else {
		return weir_error_field(p->err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
					"COPY INTO: unknown COPY_OPTIONS key '%.64s' (force, mergeSchema)", k);
	}
	return 0;
}

bool weir_wh_copy_is(const char *sql) { return weir_wh_first_word(sql, "COPY"); }

int weir_wh_copy_parse(weir_arena *a, const char *sql, weir_wh_copy *out, weir_error *err)
{
	memset(out, 0, sizeof(*out));
	out->delimiter = ',';
	out->quote = '"';
	parser p = {.a = a, .sql = sql, .err = err};
	if (weir_wh_tokenize(a, sql, &p.t, &p.n, err) != 0)
		return -1;
	if (!keyword(&p, "COPY") || !keyword(&p, "INTO"))
		return bad(&p, "the statement is COPY INTO <table> FROM '<path>' FILEFORMAT = CSV | JSON ...");
	do {
		if (p.i >= p.n || (p.t[p.i].kind != WEIR_TK_IDENT && p.t[p.i].kind != WEIR_TK_QIDENT) ||
		    out->nparts == 3)
			return bad(&p, "the table is catalog.schema.table, schema.table or table");
		out->parts[out->nparts++] = p.t[p.i++].value;
	} while (punct(&p, '.'));
	if (!keyword(&p, "FROM") || (out->source = string(&p)) == NULL)
		return bad(&p, "FROM takes the files' path as a string ('/Volumes/...')");
	bool have_format = false, have_fopts = false, have_copts = false;
	while (p.i < p.n) {
		if (punct(&p, ';')) {
			if (p.i != p.n)
				return bad(&p, "one statement at a time");
			break;
		}
		if (keyword(&p, "FILEFORMAT")) {
			if (have_format || !punct(&p, '='))
				return bad(&p, "FILEFORMAT = CSV | JSON, once");
			if (keyword(&p, "CSV"))
				out->json = false;
			else if (keyword(&p, "JSON"))
				out->json = true;
			else
				return bad(&p,
					   "FILEFORMAT is CSV or JSON (PARQUET, AVRO, ORC, TEXT and BINARYFILE are not "
					   "read here)");
			have_format = true;
		} else if (keyword(&p, "FILES")) {
			if (out->files || out->pattern || !punct(&p, '=') || !punct(&p, '('))
				return bad(&p, "FILES = ('name', ...), once, and not with PATTERN");
			out->files = weir_arena_alloc(a, WEIR_WH_COPY_MAX_FILES * sizeof(*out->files));
			do {
				const char *f = string(&p);
				if (f == NULL || *f == '\0')
					return bad(&p, "FILES = ('name', ...): each name is a non-empty string");
				if (out->nfiles == WEIR_WH_COPY_MAX_FILES)
					return bad(&p, "FILES names at most 1000 files");
				out->files[out->nfiles++] = f;
			} while (punct(&p, ','));
			if (!punct(&p, ')'))
				return bad(&p, "FILES = ('name', ...)");
		} else if (keyword(&p, "PATTERN")) {
			if (out->files || out->pattern || !punct(&p, '=') || (out->pattern = string(&p)) == NULL ||
			    *out->pattern == '\0')
				return bad(&p, "PATTERN = '<glob>', once, and not with FILES");
		} else if (keyword(&p, "FORMAT_OPTIONS")) {
			if (have_fopts)
				return bad(&p, "FORMAT_OPTIONS is given once");
			have_fopts = true;
			if (options(&p, format_option, out) != 0)
				return -1;
		} else if (keyword(&p, "COPY_OPTIONS")) {
			if (have_copts)
				return bad(&p, "COPY_OPTIONS is given once");
			have_copts = true;
			if (options(&p, copy_option, out) != 0)
				return -1;
		} else {
			return bad(&p, "after FROM come FILEFORMAT, FILES or PATTERN, FORMAT_OPTIONS, COPY_OPTIONS");
		}
	}
	if (!have_format)
		return bad(&p, "FILEFORMAT = CSV | JSON is required");
	if (out->json && (out->header || out->null_value))
		return bad(&p, "'header' and 'nullValue' are CSV options");
	if (!out->json && out->multiline)
		return bad(&p, "'multiLine' is a JSON option");
	if (out->delimiter == out->quote)
		return bad(&p, "the delimiter and the quote differ");
	return 0;
}

/* ---------------------------------------------------------------- CSV */

void weir_wh_csv_init(weir_wh_csv *r, char delimiter, char quote)
{
	memset(r, 0, sizeof(*r));
	r->delimiter = delimiter;
	r->quote = quote;
	r->cap = 64;
	r->offs = malloc((size_t)r->cap * sizeof(*r->offs));
	r->quoted = malloc((size_t)r->cap * sizeof(*r->quoted));
}

void weir_wh_csv_free(weir_wh_csv *r)
{
	free(r->offs);
	free(r->quoted);
	weir_buf_release(&r->scratch);
}

int weir_wh_csv_record(weir_wh_csv *r, const char **pp, const char *end, int *nf)
{
	const char *s = *pp;
	if (s >= end)
		return -1;
	char delim = r->delimiter, q = r->quote;
	r->scratch.len = 0;
	*nf = 0;
	int rc = 0;
	for (;;) {
		if (*nf == r->cap) {
			r->cap *= 2;
			r->offs = realloc(r->offs, (size_t)r->cap * sizeof(*r->offs));
			r->quoted = realloc(r->quoted, (size_t)r->cap * sizeof(*r->quoted));
		}
		r->offs[*nf] = (int64_t)r->scratch.len;
		r->quoted[*nf] = false;
		if (s < end && *s == q) {
			r->quoted[*nf] = true;
			s++;
			for (;;) {
				const char *qq = memchr(s, q, (size_t)(end - s));
				if (qq == NULL) { /* unterminated */
					weir_buf_append(&r->scratch, s, (size_t)(end - s));
					s = end;
					rc = 1;
					break;
				}
				weir_buf_append(&r->scratch, s, (size_t)(qq - s));
				s = qq + 1;
				if (s < end && *s == q) {
					weir_buf_append(&r->scratch, &q, 1);
					s++;
					continue;
				}
				break;
			}
			/* anything up to the delimiter after the closing quote is kept as is */
		}
		const char *f = s;
		while (s < end && *s != delim && *s != '\n' && *s != '\r')
			s++;
		weir_buf_append(&r->scratch, f, (size_t)(s - f));
		weir_buf_append(&r->scratch, "", 1);
		(*nf)++;
		if (s < end && *s == delim) {
			s++;
			continue;
		}
		if (s < end && *s == '\r')
			s++;
		if (s < end && *s == '\n')
			s++;
		break;
	}
	*pp = s;
	return rc;
}
