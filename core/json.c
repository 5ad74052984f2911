/* Strict request-body parsing and typed field getters (core/json.h). */
#include "core/json.h"
#include "core/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void decref(void *p) { json_decref(p); }

json_t *weir_json_own(weir_arena *a, json_t *j)
{
	if (j != NULL)
		weir_arena_defer(a, decref, j);
	return j;
}

/* -- the strict parser of request bodies --
 * The grammar of RFC 8259 and jansson's decisions where it leaves room (duplicate keys,
 * \u0000, integers past int64, reals past double, 2,048 levels), building jansson values:
 * jansson's own lexer reads a byte at a time through a stream with look-ahead and
 * re-validates UTF-8 the caller already checked (weir_utf8_valid), ~140 instructions a byte
 * of a POST table body. fuzz/fuzz_json.c checks this parser against json_loadb on every
 * input: both accept the same bodies, with equal trees. */
#define PARSE_MAX_DEPTH 2048

typedef struct {
	const char *s, *end, *p;
	int depth;
	char *buf; /* a decoded string */
	size_t cap;
	char why[96];
} parser;

static bool fail_at(parser *ps, const char *why)
{
	if (ps->why[0] == '\0')
		snprintf(ps->why, sizeof(ps->why), "%s", why);
	return false;
}

static void skip_ws(parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
		ps->p++;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int d = weir_hexval(p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static bool buf_room(parser *ps, size_t need)
{
	if (need <= ps->cap)
		return true;
	size_t cap = ps->cap ? ps->cap : 256;
	while (cap < need)
		cap *= 2;
	char *b = realloc(ps->buf, cap);
	if (b == NULL)
		return fail_at(ps, "out of memory");
	ps->buf = b;
	ps->cap = cap;
	return true;
}

/* A string at ps->p (its opening quote) decoded into ps->buf, NUL-terminated; *len its bytes. */
static bool parse_string(parser *ps, size_t *len)
{
	const char *p = ps->p + 1;
	size_t n = 0;
	for (;;) {
		const char *q = p;
		while (q < ps->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
			q++;
		if (!buf_room(ps, n + (size_t)(q - p) + 5))
			return false;
		memcpy(ps->buf + n, p, (size_t)(q - p));
		n += (size_t)(q - p);
		p = q;
		if (p >= ps->end)
			return fail_at(ps, "premature end of input in a string");
		if (*p == '"')
			break;
		if (*p != '\\')
			return fail_at(ps, "control character in a string");
		if (++p >= ps->end)
			return fail_at(ps, "premature end of input in a string");
		char c = *p++;
		const char *simple = strchr("\"\\/bfnrt", c);
		if (c != '\0' && simple) {
			static const char to[] = "\"\\/\b\f\n\r\t";
			ps->buf[n++] = to[simple - "\"\\/bfnrt"];
			continue;
		}
		if (c != 'u')
			return fail_at(ps, "invalid escape in a string");
		int cp = ps->end - p >= 4 ? hex4(p) : -1;
		if (cp < 0)
			return fail_at(ps, "invalid \\u escape in a string");
		p += 4;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return fail_at(ps, "invalid Unicode: a lone low surrogate");
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			int lo = ps->end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
			if (lo < 0xDC00 || lo > 0xDFFF)
				return fail_at(ps, "invalid Unicode: a high surrogate without its low one");
			p += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
		if (cp == 0)
			return fail_at(ps, "\\u0000 is not allowed");
		if (cp < 0x80) {
			ps->buf[n++] = (char)cp;
		} else if (cp < 0x800) {
			ps->buf[n++] = (char)(0xC0 | cp >> 6);
			ps->buf[n++] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			ps->buf[n++] = (char)(0xE0 | cp >> 12);
			ps->buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			ps->buf[n++] = (char)(0x80 | (cp & 0x3F));
		} else {
			ps->buf[n++] = (char)(0xF0 | cp >> 18);
			ps->buf[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
			ps->buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			ps->buf[n++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	ps->buf[n] = '\0';
	*len = n;
	ps->p = p + 1;
	return true;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static json_t *parse_number(parser *ps)
{
	const char *p = ps->p, *start = p;
	bool real = false;
	if (p < ps->end && *p == '-')
		p++;
	if (p >= ps->end || !is_digit(*p))
		return fail_at(ps, "invalid token"), NULL;
	if (*p == '0') {
		p++;
		if (p < ps->end && is_digit(*p))
			return fail_at(ps, "invalid token: a leading zero"), NULL;
	} else {
		while (p < ps->end && is_digit(*p))
			p++;
	}
	if (p < ps->end && *p == '.') {
		real = true;
		if (++p >= ps->end || !is_digit(*p))
			return fail_at(ps, "invalid token: a fraction without digits"), NULL;
		while (p < ps->end && is_digit(*p))
			p++;
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		real = true;
		p++;
		if (p < ps->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= ps->end || !is_digit(*p))
			return fail_at(ps, "invalid token: an exponent without digits"), NULL;
		while (p < ps->end && is_digit(*p))
			p++;
	}
	size_t n = (size_t)(p - start);
	char small[64];
	char *text = n < sizeof(small) ? small : malloc(n + 1);
	if (text == NULL)
		return fail_at(ps, "out of memory"), NULL;
	memcpy(text, start, n);
	text[n] = '\0';
	json_t *v = NULL;
	errno = 0;
	if (!real) {
		long long i = strtoll(text, NULL, 10);
		if (errno == ERANGE)
			fail_at(ps, i < 0 ? "too big negative integer" : "too big integer");
		else
			v = json_integer((json_int_t)i);
	} else {
		double d = strtod(text, NULL);
		if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
			fail_at(ps, "real number overflow");
		else
			v = json_real(d);
	}
	if (text != small)
		free(text);
	ps->p = p;
	return v;
}

static json_t *parse_value(parser *ps);

static json_t *parse_container(parser *ps, bool object)
{
	if (++ps->depth > PARSE_MAX_DEPTH)
		return fail_at(ps, "maximum parsing depth reached"), NULL;
	json_t *c = object ? json_object() : json_array();
	ps->p++;
	skip_ws(ps);
	char close = object ? '}' : ']';
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return c;
	}
	for (;;) {
		json_t *v;
		if (object) {
			size_t klen;
			if (ps->p >= ps->end || *ps->p != '"' || !parse_string(ps, &klen)) {
				fail_at(ps, "string or '}' expected");
				break;
			}
			if (json_object_get(c, ps->buf) != NULL) {
				fail_at(ps, "duplicate object key");
				break;
			}
			char *key = strdup(ps->buf);
			skip_ws(ps);
			if (key == NULL || ps->p >= ps->end || *ps->p != ':') {
				free(key);
				fail_at(ps, "':' expected");
				break;
			}
			ps->p++;
			v = parse_value(ps);
			if (v == NULL || json_object_set_new_nocheck(c, key, v) != 0) {
				free(key);
				break;
			}
			free(key);
		} else {
			v = parse_value(ps);
			if (v == NULL || json_array_append_new(c, v) != 0)
				break;
		}
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_ws(ps);
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return c;
		}
		fail_at(ps, object ? "',' or '}' expected" : "',' or ']' expected");
		break;
	}
	json_decref(c);
	return NULL;
}

static bool word(parser *ps, const char *w, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
		return false;
	const char *after = ps->p + n;
	if (after < ps->end && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z')))
		return false; /* "truex": one invalid token */
	ps->p = after;
	return true;
}

static json_t *parse_value(parser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail_at(ps, "premature end of input"), NULL;
	switch (*ps->p) {
	case '{': return parse_container(ps, true);
	case '[': return parse_container(ps, false);
	case '"': {
		size_t n;
		return parse_string(ps, &n) ? json_stringn_nocheck(ps->buf, n) : NULL;
	}
	case 't':
		if (word(ps, "true", 4))
			return json_true();
		break;
	case 'f':
		if (word(ps, "false", 5))
			return json_false();
		break;
	case 'n':
		if (word(ps, "null", 4))
			return json_null();
		break;
	default:
		if (*ps->p == '-' || is_digit(*ps->p))
			return parse_number(ps);
	}
	return fail_at(ps, "invalid token"), NULL;
}

/* The JSON text s[0..n) (valid UTF-8) as a tree whose root is an array or an object, or NULL
 * with *why and the line and column (1-based, in bytes) where it failed. */
static json_t *parse_strict(const char *s, size_t n, char *why, size_t cap, int *line, int *col)
{
	parser ps = {.s = s, .end = s + n, .p = s};
	json_t *root = NULL;
	skip_ws(&ps);
	if (ps.p < ps.end && (*ps.p == '{' || *ps.p == '['))
		root = parse_value(&ps);
	else
		fail_at(&ps, "'[' or '{' expected");
	if (root != NULL) {
		skip_ws(&ps);
		if (ps.p < ps.end) {
			fail_at(&ps, "end of file expected");
			json_decref(root);
			root = NULL;
		}
	}
	free(ps.buf);
	if (root == NULL) {
		*line = 1;
		const char *ls = s;
		for (const char *q = s; q < ps.p && q < ps.end; q++)
			if (*q == '\n') {
				(*line)++;
				ls = q + 1;
			}
		*col = (int)(ps.p - ls) + 1;
		snprintf(why, cap, "%s", ps.why);
	}
	return root;
}

json_t *weir_json_parse_body(weir_arena *a, const char *body, size_t len, bool empty_ok, weir_error *err)
{
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	if (i == len) {
		if (empty_ok)
			return weir_json_own(a, json_object());
		weir_error_set(err, WEIR_E_MALFORMED_REQUEST, "Request body is empty: a JSON object is required");
		return NULL;
	}
	if (!weir_utf8_valid(body, len)) {
		weir_error_set(err, WEIR_E_MALFORMED_REQUEST, "Request body is not valid UTF-8");
		return NULL;
	}
	char why[96];
	int line = 0, col = 0;
	json_t *root = parse_strict(body, len, why, sizeof(why), &line, &col);
	if (root == NULL) {
		weir_error_set(err, WEIR_E_MALFORMED_REQUEST, "Malformed JSON at line %d column %d: %s", line, col,
			       why);
		return NULL;
	}
	weir_json_own(a, root);
	if (!json_is_object(root)) {
		weir_error_set(err, WEIR_E_MALFORMED_REQUEST, "Request body must be a JSON object");
		return NULL;
	}
	return root;
}

static json_t *lookup(json_t *obj, const char *key, bool required, weir_error *err, bool *missing)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	*missing = (v == NULL || json_is_null(v));
	if (*missing && required)
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key, "Missing required field: %s", key);
	return v;
}

/* The member key of obj checked to be of type t (JSON_TRUE stands for either boolean): 1 with
 * *v set; 0 when it is absent (or null) and not required; -1 with err set when it is absent
 * and required, or of another type ("expected <what>"). */
static int typed(json_t *obj, const char *key, bool required, json_type t, const char *what, json_t **v,
		 weir_error *err)
{
	bool missing;
	*v = lookup(obj, key, required, err, &missing);
	if (missing)
		return required ? -1 : 0;
	if (t == JSON_TRUE ? !json_is_boolean(*v) : json_typeof(*v) != t)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"Invalid value for field '%s': expected %s", key, what);
	return 1;
}

int weir_json_get_str(json_t *obj, const char *key, bool required, const char **out, weir_error *err)
{
	json_t *v;
	int has = typed(obj, key, required, JSON_STRING, "a string", &v, err);
	if (has == 1)
		*out = json_string_value(v);
	return has < 0 ? -1 : 0;
}

int weir_json_get_bool(json_t *obj, const char *key, bool required, bool *out, weir_error *err)
{
	json_t *v;
	int has = typed(obj, key, required, JSON_TRUE, "a boolean", &v, err);
	if (has == 1)
		*out = json_is_true(v);
	return has < 0 ? -1 : 0;
}

int weir_json_get_i64(json_t *obj, const char *key, bool required, int64_t *out, weir_error *err)
{
	bool missing;
	json_t *v = lookup(obj, key, required, err, &missing);
	if (missing)
		return required ? -1 : 0;
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	/* Protobuf JSON accepts int64 as strings too (MLflow clients send them so). */
	if (json_is_string(v) && weir_parse_i64(json_string_value(v), out))
		return 0;
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d == floor(d) && fabs(d) < 9.007199254740992e15) {
			*out = (int64_t)d;
			return 0;
		}
	}
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
				"Invalid value for field '%s': expected an integer", key);
}

int weir_json_get_obj(json_t *obj, const char *key, bool required, json_t **out, weir_error *err)
{
	json_t *v;
	int has = typed(obj, key, required, JSON_OBJECT, "an object", &v, err);
	if (has == 1)
		*out = v;
	return has < 0 ? -1 : 0;
}

int weir_json_get_arr(json_t *obj, const char *key, bool required, json_t **out, weir_error *err)
{
	json_t *v;
	int has = typed(obj, key, required, JSON_ARRAY, "an array", &v, err);
	if (has == 1)
		*out = v;
	return has < 0 ? -1 : 0;
}

int weir_json_get_str_map(json_t *obj, const char *key, json_t **out, weir_error *err)
{
	json_t *m = NULL;
	if (weir_json_get_obj(obj, key, false, &m, err) != 0)
		return -1;
	if (m == NULL)
		return 0;
	const char *k;
	json_t *v;
	json_object_foreach (m, k, v) {
		if (!json_is_string(v))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
						"Invalid value for field '%s': property '%.100s' must be a string", key,
						k);
	}
	*out = m;
	return 0;
}

json_t *weir_json_str_or_null(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_string(s);
	return j ? j : json_null();
}

json_t *weir_json_summary(json_t *v)
{
	if (json_is_array(v))
		return json_sprintf("[%zu items]", json_array_size(v));
	if (json_is_object(v))
		return json_string("{...}");
	if (json_is_string(v) && json_string_length(v) > 512)
		return json_string("[long text]");
	return json_incref(v);
}

/* -- serialisation --
 * jansson's json_dumps goes through a callback per token and a strbuffer per call; a reply
 * is the hottest JSON on every request, so this writer appends straight into one buffer.
 * Output matches json_dumps(JSON_COMPACT | JSON_ENCODE_ANY): insertion order, raw UTF-8,
 * '/' not escaped; reals are the shortest of %.15g..%.17g that reads back exactly (jansson
 * always prints 17 digits: 0.1 came out as 0.10000000000000001). */

static void put(weir_buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		weir_buf_append(b, p, n);
		return;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* Whether any of the 8 bytes in v is below 0x20, '"' or '\\' (exact: bytes >= 0x80 never match). */
static bool escape_in(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t q = v ^ (ones * '"'), bs = v ^ (ones * '\\');
	return (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((bs - ones) & ~bs)) & highs;
}

/* Offset of the first byte that needs escaping, or n. */
static size_t clean_prefix(const char *s, size_t n)
{
	size_t i = 0;
	while (i + 8 <= n) {
		uint64_t v;
		memcpy(&v, s + i, 8);
		if (escape_in(v))
			break;
		i += 8;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == '"' || c == '\\')
			break;
	}
	return i;
}

static void reserve(weir_buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t len = b->len;
		weir_buf_append(b, "", 0); /* allocates when empty */
		size_t cap = b->cap;
		while (cap < len + n + 1)
			cap *= 2;
		if (cap != b->cap) {
			b->data = weir_xrealloc(b->data, cap);
			b->cap = cap;
		}
	}
}

/* Decimal text of v into out (at least 21 bytes); returns the length. */
static size_t i64_text(int64_t v, char *out)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	size_t k = 0;
	if (v < 0)
		out[k++] = '-';
	while (n)
		out[k++] = tmp[--n];
	return k;
}

static void put_string(weir_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t clean = clean_prefix(s, n);
	if (clean == n) { /* the common case: one copy */
		reserve(b, n + 2);
		char *o = b->data + b->len;
		o[0] = '"';
		memcpy(o + 1, s, n);
		o[n + 1] = '"';
		b->len += n + 2;
		return;
	}
	put(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		while (i + 8 <= n) { /* 8 bytes at a time while none needs escaping */
			uint64_t v;
			memcpy(&v, s + i, 8);
			if (escape_in(v))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(b, s + run, i - run);
		run = i + 1;
		char esc[6] = {'\\', 0, 0, 0, 0, 0};
		size_t en = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default: esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15]; en = 6;
		}
		put(b, esc, en);
	}
	put(b, s + run, n - run);
	put(b, "\"", 1);
}

static void put_real(weir_buf *b, double d)
{
	char tmp[40];
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (prec == 17 || strtod(tmp, NULL) == d)
			break;
	}
	if (n < 0 || (size_t)n >= sizeof(tmp) - 3)
		n = snprintf(tmp, sizeof(tmp), "%.17g", d);
	for (int i = 0; i < n; i++) /* a locale's decimal comma */
		if (tmp[i] == ',')
			tmp[i] = '.';
	if (strpbrk(tmp, ".eEn") == NULL) { /* stays a real when read back, as jansson does */
		tmp[n++] = '.';
		tmp[n++] = '0';
	}
	put(b, tmp, (size_t)n);
}

static void put_value(weir_buf *b, const json_t *j, int depth)
{
	char tmp[24];
	if (depth > 2048) { /* jansson's own parse limit; a tree built in C never nests this deep */
		put(b, "null", 4);
		return;
	}
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		put(b, "{", 1);
		const char *k;
		json_t *v;
		bool first = true;
		json_object_foreach ((json_t *)j, k, v) {
			if (!first)
				put(b, ",", 1);
			first = false;
			put_string(b, k, strlen(k));
			put(b, ":", 1);
			put_value(b, v, depth + 1);
		}
		put(b, "}", 1);
		break;
	}
	case JSON_ARRAY: {
		put(b, "[", 1);
		size_t n = json_array_size(j);
		for (size_t i = 0; i < n; i++) {
			if (i)
				put(b, ",", 1);
			put_value(b, json_array_get(j, i), depth + 1);
		}
		put(b, "]", 1);
		break;
	}
	case JSON_STRING: put_string(b, json_string_value(j), json_string_length(j)); break;
	case JSON_INTEGER: put(b, tmp, i64_text(json_integer_value(j), tmp)); break;
	case JSON_REAL: put_real(b, json_real_value(j)); break;
	case JSON_TRUE: put(b, "true", 4); break;
	case JSON_FALSE: put(b, "false", 5); break;
	case JSON_NULL: put(b, "null", 4); break;
	}
}

/* -- streaming writer -- */

void weir_jw_init(weir_jw *w)
{
	w->b = (weir_buf){weir_xmalloc(1024), 0, 1024};
	w->b.data[0] = '\0';
	w->need_comma = 0;
	w->depth = 0;
	w->after_key = false;
}

void weir_jw_free(weir_jw *w) { weir_buf_release(&w->b); }

char *weir_jw_take(weir_jw *w, size_t *len)
{
	w->b.data[w->b.len] = '\0';
	if (len)
		*len = w->b.len;
	char *t = w->b.data;
	w->b = (weir_buf){0};
	return t;
}

/* Before any value: a comma when it is not the first in an array (object members get
 * theirs in weir_jw_key). */
static void before_value(weir_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		uint64_t bit = (uint64_t)1 << ((w->depth - 1) & 63);
		if (w->need_comma & bit)
			put(&w->b, ",", 1);
		w->need_comma |= bit;
	}
}

static void open_container(weir_jw *w, const char *c)
{
	before_value(w);
	put(&w->b, c, 1);
	w->depth++;
	w->need_comma &= ~((uint64_t)1 << ((w->depth - 1) & 63));
}

static void close_container(weir_jw *w, const char *c)
{
	put(&w->b, c, 1);
	w->depth--;
}

void weir_jw_obj(weir_jw *w) { open_container(w, "{"); }
void weir_jw_end_obj(weir_jw *w) { close_container(w, "}"); }
void weir_jw_arr(weir_jw *w) { open_container(w, "["); }
void weir_jw_end_arr(weir_jw *w) { close_container(w, "]"); }

void weir_jw_key(weir_jw *w, const char *key)
{
	before_value(w);
	size_t n = strlen(key);
	if (clean_prefix(key, n) == n) { /* keys are nearly always plain names */
		reserve(&w->b, n + 3);
		char *o = w->b.data + w->b.len;
		o[0] = '"';
		memcpy(o + 1, key, n);
		o[n + 1] = '"';
		o[n + 2] = ':';
		w->b.len += n + 3;
	} else {
		put_string(&w->b, key, n);
		put(&w->b, ":", 1);
	}
	w->after_key = true;
}

void weir_jw_strn(weir_jw *w, const char *s, size_t n)
{
	before_value(w);
	put_string(&w->b, s, n);
}

void weir_jw_str(weir_jw *w, const char *s)
{
	if (s == NULL)
		weir_jw_null(w);
	else
		weir_jw_strn(w, s, strlen(s));
}

void weir_jw_int(weir_jw *w, int64_t v)
{
	char tmp[24];
	before_value(w);
	put(&w->b, tmp, i64_text(v, tmp));
}

void weir_jw_real(weir_jw *w, double v)
{
	before_value(w);
	put_real(&w->b, v);
}

void weir_jw_bool(weir_jw *w, bool v)
{
	before_value(w);
	put(&w->b, v ? "true" : "false", v ? 4 : 5);
}

void weir_jw_null(weir_jw *w)
{
	before_value(w);
	put(&w->b, "null", 4);
}

void weir_jw_value(weir_jw *w, const json_t *j)
{
	before_value(w);
	if (j == NULL)
		put(&w->b, "null", 4);
	else
		put_value(&w->b, j, 0);
}

void weir_jw_raw(weir_jw *w, const char *json, size_t n)
{
	before_value(w);
	put(&w->b, json, n);
}

void weir_jw_kstr(weir_jw *w, const char *key, const char *s)
{
	weir_jw_key(w, key);
	weir_jw_str(w, s);
}

void weir_jw_kstrn(weir_jw *w, const char *key, const char *s, size_t n)
{
	weir_jw_key(w, key);
	weir_jw_strn(w, s, n);
}

void weir_jw_kint(weir_jw *w, const char *key, int64_t v)
{
	weir_jw_key(w, key);
	weir_jw_int(w, v);
}

json_t *weir_json_from_text(char *text, size_t len, weir_error *err)
{
	if (text == NULL)
		return NULL;
	json_t *j = json_loadb(text, len, 0, NULL);
	free(text);
	if (j == NULL) /* our own writer's text: never happens */
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
	return j;
}

json_t *weir_jw_tree(weir_jw *w, int rc, weir_error *err)
{
	if (rc != 0) {
		weir_jw_free(w);
		return NULL;
	}
	size_t len;
	char *text = weir_jw_take(w, &len);
	return weir_json_from_text(text, len, err);
}

char *weir_json_dump_len(const json_t *j, size_t *len)
{
	weir_buf b = {weir_xmalloc(1024), 0, 1024}; /* most replies fit: one allocation */
	if (j == NULL)
		put(&b, "null", 4);
	else
		put_value(&b, j, 0);
	b.data[b.len] = '\0';
	if (len)
		*len = b.len;
	return b.data;
}

char *weir_json_dump(const json_t *j) { return weir_json_dump_len(j, NULL); }

const char *weir_json_text(weir_arena *a, const json_t *j, size_t flags)
{
	if (j == NULL)
		return NULL;
	char *t = json_dumps(j, flags);
	const char *out = weir_arena_strdup(a, t);
	free(t);
	return out;
}
