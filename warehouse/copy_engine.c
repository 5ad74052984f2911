/* COPY INTO's execution (warehouse/copy.h). Like wh_engine.c, a file of the warehouse's
 * engine that calls SQLite directly (scripts/house-rules.sh: warehouse/<name>_engine.c): it
 * writes rows into a managed table's file; no user SQL runs here.
 *
 * Steps: the caller is loaded; the table is resolved for the caller (missing and hidden
 * answer alike) and must be MANAGED, with MODIFY; the source path is resolved as a volume
 * path for the caller with READ VOLUME (weir_files_resolve + weir_gov_check); the files are
 * listed (a file, or the files under a directory, recursively, never following a symbolic
 * link; names starting with '.' or '_' skipped, as Spark does), filtered by FILES or PATTERN,
 * and those already loaded into this table (the ledger, keyed by path, size and mtime)
 * skipped unless 'force'. With mergeSchema a first pass reads the CSV headers and JSON keys
 * (c->scan) for names the table lacks; they are added as STRING columns by ALTER TABLE in
 * the file's transaction below and to the catalog in the metadata write. Every file is parsed (mmap'd, CSV per RFC 4180 with the options,
 * or JSON lines / multiLine JSON) and its rows inserted in ONE transaction of the table's
 * file: a failure (FAILFAST, a schema mismatch, a cancel) rolls everything back. Then one
 * metadata write: the ledger, the table's last write, a lineage edge volume -> table and the
 * audit row. A crash between the two commits can load the files of that COPY again later
 * (at least once); the ledger is in the metadata store, as the design asks.
 *
 * Bad data: a value that does not convert to its column's type is NULL in PERMISSIVE mode
 * (the default), skips the row in DROPMALFORMED, fails the COPY in FAILFAST; a row with the
 * wrong number of fields (CSV without header), invalid UTF-8 or NULL in a NOT NULL column is
 * skipped (FAILFAST: fails). A file that cannot be read or parsed at all (multiLine JSON)
 * is skipped and counted as a corrupt file (FAILFAST: fails). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "core/log.h"
#include "core/util.h"
#include "governance/catalog.h"
#include "lineage/lineage.h"
#include "warehouse/copy.h"
#include "warehouse/files.h"
#include "warehouse/sql.h"
#include "warehouse/wh_internal.h"

#define MAX_LISTED 10000
#define MAX_DEPTH 16
#define MAX_COLS 512

typedef enum { K_TEXT = 0, K_INT, K_REAL, K_BOOL, K_DATE } kind;

typedef struct col {
	const char *name;
	kind k;
	bool not_null;
} col;

typedef struct src_file {
	const char *rel; /* under the source directory ("" when the source is the file) */
	const char *api_path; /* the Files API path, for the ledger and messages */
	int64_t size, mtime_ms;
} src_file;

typedef struct copy_ctx {
	weir_arena *a;
	const weir_wh_exec *x;
	const weir_wh_copy *cp;
	weir_principal *p;
	col cols[MAX_COLS];
	int ncols;
	sqlite3_stmt *ins;
	int64_t inserted, bad_rows, bad_files;
	char err_code[48];
	char err[400];
	bool failed, canceled;
	weir_wh_csv csv;
	/* mergeSchema: a first pass over the files (scan) notes the names the table lacks */
	bool scan;
	weir_wh_coldef extra[MAX_COLS];
	int nextra;
} copy_ctx;

static void stop(copy_ctx *c, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void stop(copy_ctx *c, const char *code, const char *fmt, ...)
{
	if (c->failed)
		return;
	c->failed = true;
	snprintf(c->err_code, sizeof(c->err_code), "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- listing */

typedef struct listing {
	weir_arena *a;
	src_file *f;
	int n;
	const char *api_base;
	bool too_many;
} listing;

static void walk(listing *l, int dfd, const char *rel, int depth)
{
	DIR *d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || e->d_name[0] == '_')
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		const char *r = rel[0] ? weir_arena_printf(l->a, "%s/%s", rel, e->d_name)
				       : weir_arena_strdup(l->a, e->d_name);
		if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				walk(l, fd, r, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			if (l->n == MAX_LISTED) {
				l->too_many = true;
				break;
			}
			src_file *f = &l->f[l->n++];
			f->rel = r;
			f->api_path = weir_arena_printf(l->a, "%s/%s", l->api_base, r);
			f->size = st.st_size;
			f->mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
		}
	}
	closedir(d);
}

static int by_rel(const void *a, const void *b)
{
	return strcmp(((const src_file *)a)->rel, ((const src_file *)b)->rel);
}

/* ---------------------------------------------------------------- values */

static bool parse_int(const char *s, int64_t *v)
{
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0)
		return false;
	*v = x;
	return true;
}

static bool parse_real(const char *s, double *v)
{
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno == ERANGE)
		return false;
	*v = x;
	return true;
}

static bool is_date(const char *s)
{
	int y, m, d;
	char tail;
	return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= 31;
}

/* Binds value v (NULL: SQL NULL) of column i; false when it does not convert. */
static bool bind_value(copy_ctx *c, int i, const char *v, size_t len)
{
	const col *cl = &c->cols[i];
	int pi = i + 1;
	if (v == NULL)
		return sqlite3_bind_null(c->ins, pi) == SQLITE_OK;
	if (!weir_utf8_valid(v, len))
		return false;
	int64_t iv;
	double dv;
	switch (cl->k) {
	case K_INT: return parse_int(v, &iv) && sqlite3_bind_int64(c->ins, pi, iv) == SQLITE_OK;
	case K_REAL: return parse_real(v, &dv) && sqlite3_bind_double(c->ins, pi, dv) == SQLITE_OK;
	case K_BOOL:
		if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
			return sqlite3_bind_int(c->ins, pi, 1) == SQLITE_OK;
		if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
			return sqlite3_bind_int(c->ins, pi, 0) == SQLITE_OK;
		return false;
	case K_DATE:
		if (!is_date(v))
			return false;
		/* fall through */
	case K_TEXT: return sqlite3_bind_text(c->ins, pi, v, (int)len, SQLITE_TRANSIENT) == SQLITE_OK;
	}
	return false;
}

/* A row's values are bound (vals[i] NULL: NULL; have[i] false: not in the file, NULL): runs
 * the insert, or counts the row as corrupt / fails the COPY. */
static void put_row(copy_ctx *c, const char *const *vals, const size_t *lens, const char *file, int64_t line)
{
	sqlite3_reset(c->ins);
	sqlite3_clear_bindings(c->ins);
	bool row_bad = false;
	for (int i = 0; i < c->ncols && !row_bad; i++) {
		if (bind_value(c, i, vals[i], vals[i] ? lens[i] : 0)) {
			row_bad = vals[i] == NULL && c->cols[i].not_null;
			continue;
		}
		if (c->cp->mode == WEIR_COPY_FAILFAST) {
			stop(c, "BAD_REQUEST",
			     "COPY INTO (FAILFAST): %.200s line %lld: column '%.64s' cannot take '%.40s'", file,
			     (long long)line, c->cols[i].name, vals[i]);
			return;
		}
		if (c->cp->mode == WEIR_COPY_DROPMALFORMED || !weir_utf8_valid(vals[i], lens[i]))
			row_bad = true;
		else if (c->cols[i].not_null)
			row_bad = true; /* NULL is no way out here */
		else
			sqlite3_bind_null(c->ins, i + 1); /* PERMISSIVE: the bad value is NULL */
	}
	if (row_bad) {
		if (c->cp->mode == WEIR_COPY_FAILFAST) {
			stop(c, "BAD_REQUEST", "COPY INTO (FAILFAST): %.200s line %lld is malformed", file,
			     (long long)line);
			return;
		}
		c->bad_rows++;
		return;
	}
	int rc = sqlite3_step(c->ins);
	if (rc == SQLITE_DONE) {
		c->inserted++;
	} else if (rc == SQLITE_CONSTRAINT) {
		if (c->cp->mode == WEIR_COPY_FAILFAST)
			stop(c, "BAD_REQUEST", "COPY INTO (FAILFAST): %.200s line %lld breaks a constraint", file,
			     (long long)line);
		else
			c->bad_rows++;
	} else {
		stop(c, rc == SQLITE_INTERRUPT ? "CANCELLED" : "INTERNAL_ERROR",
		     "COPY INTO: the rows cannot be written");
	}
	if ((c->inserted & 4095) == 0 && c->x->cancel && atomic_load(&c->x->cancel->canceled)) {
		c->canceled = true;
		stop(c, "CANCELLED", "The statement was canceled");
	}
}

static int col_index(copy_ctx *c, const char *name)
{
	for (int i = 0; i < c->ncols; i++)
		if (strcasecmp(c->cols[i].name, name) == 0)
			return i;
	return -1;
}

/* mergeSchema's scan: a name of the files that the table lacks becomes a new nullable
 * STRING column (CSV values are text; JSON values are kept as their text, as they load). */
static void note_extra(copy_ctx *c, const char *name, const char *file)
{
	size_t len = strlen(name);
	if (len == 0 || len > 255) {
		stop(c, "BAD_REQUEST", "COPY INTO: %.200s names a column of %zu characters (1 to 255 with mergeSchema)",
		     file, len);
		return;
	}
	for (int i = 0; i < c->nextra; i++)
		if (strcasecmp(c->extra[i].name, name) == 0)
			return;
	if (c->ncols + c->nextra >= MAX_COLS) {
		stop(c, "BAD_REQUEST", "COPY INTO: mergeSchema would give the table more than %d columns", MAX_COLS);
		return;
	}
	weir_wh_coldef *d = &c->extra[c->nextra++];
	*d = (weir_wh_coldef){.name = weir_arena_strdup(c->a, name), .nullable = true};
	weir_wh_type_from_uc("STRING", 0, 0, &d->type);
}

/* ---------------------------------------------------------------- CSV */

static void load_csv(copy_ctx *c, const char *text, size_t len, const char *file)
{
	const char *s = text, *end = text + len;
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 byte order mark */
		s += 3;
	int map[MAX_COLS]; /* field i -> column map[i] */
	int nmap = 0;
	int64_t line = 0;
	int nf;
	if (c->cp->header) {
		int rc = weir_wh_csv_record(&c->csv, &s, end, &nf);
		line++;
		if (rc < 0)
			return; /* empty file */
		if (nf > MAX_COLS) {
			stop(c, "BAD_REQUEST", "COPY INTO: %.200s has more than %d columns", file, MAX_COLS);
			return;
		}
		for (int i = 0; i < nf; i++) {
			const char *name = c->csv.scratch.data + c->csv.offs[i];
			map[i] = col_index(c, name);
			if (map[i] < 0 && c->scan) {
				note_extra(c, name, file);
			} else if (map[i] < 0) {
				stop(c, "BAD_REQUEST",
				     "COPY INTO: column '%.64s' of %.200s is not in the table (add it, or "
				     "COPY_OPTIONS ('mergeSchema' = 'true'))",
				     name, file);
				return;
			}
		}
		if (c->scan)
			return; /* the header is all a scan needs */
		nmap = nf;
	} else {
		for (int i = 0; i < c->ncols; i++)
			map[i] = i;
		nmap = c->ncols;
	}
	const char **vals = weir_arena_alloc(c->a, (size_t)c->ncols * sizeof(*vals));
	size_t *lens = weir_arena_alloc(c->a, (size_t)c->ncols * sizeof(*lens));
	for (;;) {
		int rc = weir_wh_csv_record(&c->csv, &s, end, &nf);
		line++;
		if (rc < 0 || c->failed)
			break;
		if (nf == 1 && c->csv.scratch.data[c->csv.offs[0]] == '\0' && !c->csv.quoted[0])
			continue; /* a blank line */
		if (rc == 1 || nf != nmap) {
			if (c->cp->mode == WEIR_COPY_FAILFAST) {
				stop(c, "BAD_REQUEST", "COPY INTO (FAILFAST): %.200s line %lld has %d field(s), not %d",
				     file, (long long)line, nf, nmap);
				break;
			}
			c->bad_rows++;
			continue;
		}
		for (int i = 0; i < c->ncols; i++)
			vals[i] = NULL;
		for (int i = 0; i < nf; i++) {
			const char *v = c->csv.scratch.data + c->csv.offs[i];
			size_t vl = strlen(v); /* a NUL inside a field ends it */
			bool is_null = c->cp->null_value ? (!c->csv.quoted[i] && strcmp(v, c->cp->null_value) == 0)
							 : (!c->csv.quoted[i] && vl == 0);
			vals[map[i]] = is_null ? NULL : v;
			lens[map[i]] = vl;
		}
		put_row(c, vals, lens, file, line);
		if (c->failed)
			break;
	}
}

/* ---------------------------------------------------------------- JSON */

static void json_row(copy_ctx *c, json_t *o, const char *file, int64_t line, const char **vals, size_t *lens)
{
	if (!json_is_object(o)) {
		if (c->cp->mode == WEIR_COPY_FAILFAST)
			stop(c, "BAD_REQUEST", "COPY INTO (FAILFAST): %.200s line %lld is not a JSON object", file,
			     (long long)line);
		else
			c->bad_rows++;
		return;
	}
	for (int i = 0; i < c->ncols; i++)
		vals[i] = NULL;
	const char *k;
	json_t *v;
	char **owned = weir_arena_alloc(c->a, (size_t)c->ncols * sizeof(*owned));
	int nowned = 0;
	json_object_foreach (o, k, v) {
		int i = col_index(c, k);
		if (c->scan) {
			if (i < 0)
				note_extra(c, k, file);
			continue;
		}
		if (i < 0) {
			stop(c, "BAD_REQUEST",
			     "COPY INTO: field '%.64s' of %.200s is not a column of the table (add it, or "
			     "COPY_OPTIONS ('mergeSchema' = 'true'))",
			     k, file);
			break;
		}
		char num[64];
		if (json_is_null(v)) {
			vals[i] = NULL;
		} else if (json_is_string(v)) {
			vals[i] = json_string_value(v);
			lens[i] = json_string_length(v);
			if (strlen(vals[i]) != lens[i])
				lens[i] = strlen(vals[i]);
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			vals[i] = owned[nowned++] = strdup(num);
			lens[i] = strlen(num);
		} else if (json_is_real(v)) {
			snprintf(num, sizeof(num), "%.17g", json_real_value(v));
			vals[i] = owned[nowned++] = strdup(num);
			lens[i] = strlen(num);
		} else if (json_is_boolean(v)) {
			vals[i] = json_is_true(v) ? "true" : "false";
			lens[i] = strlen(vals[i]);
		} else { /* objects and arrays: their JSON text */
			vals[i] = owned[nowned++] = json_dumps(v, JSON_COMPACT);
			lens[i] = strlen(vals[i]);
		}
		if (nowned == c->ncols)
			break;
	}
	if (!c->failed && !c->scan)
		put_row(c, vals, lens, file, line);
	for (int i = 0; i < nowned; i++)
		free(owned[i]);
}

/* false: the file is corrupt (multiLine JSON that does not parse) */
static bool load_json(copy_ctx *c, const char *text, size_t len, const char *file)
{
	const char **vals = weir_arena_alloc(c->a, (size_t)c->ncols * sizeof(*vals));
	size_t *lens = weir_arena_alloc(c->a, (size_t)c->ncols * sizeof(*lens));
	if (c->cp->multiline) {
		json_t *doc = json_loadb(text, len, JSON_DECODE_ANY, NULL);
		if (doc == NULL)
			return false;
		if (json_is_array(doc)) {
			size_t i;
			json_t *e;
			json_array_foreach (doc, i, e) {
				json_row(c, e, file, (int64_t)i + 1, vals, lens);
				if (c->failed)
					break;
			}
		} else {
			json_row(c, doc, file, 1, vals, lens);
		}
		json_decref(doc);
		return true;
	}
	const char *s = text, *end = text + len;
	int64_t line = 0;
	while (s < end && !c->failed) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		line++;
		const char *t = s;
		while (t < e && (*t == ' ' || *t == '\t' || *t == '\r'))
			t++;
		if (t < e) {
			json_t *o = json_loadb(s, (size_t)(e - s), 0, NULL);
			if (o == NULL) {
				if (c->cp->mode == WEIR_COPY_FAILFAST)
					stop(c, "BAD_REQUEST", "COPY INTO (FAILFAST): %.200s line %lld is not JSON",
					     file, (long long)line);
				else
					c->bad_rows++;
			} else {
				json_row(c, o, file, line, vals, lens);
				json_decref(o);
			}
		}
		s = nl ? nl + 1 : end;
	}
	return true;
}

/* Reads one file (mmap'd) through the loader of its format: true when it was read (its rows
 * inserted, or noted by a scan), false when it was skipped as corrupt (counted; FAILFAST
 * stops). */
static bool load_file(copy_ctx *c, const char *abs, const src_file *f)
{
	const char *path = f->rel[0] ? weir_arena_printf(c->a, "%s/%s", abs, f->rel) : abs;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat fst;
	if (fd < 0 || fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
		if (fd >= 0)
			close(fd);
		if (c->cp->mode == WEIR_COPY_FAILFAST)
			stop(c, "BAD_REQUEST", "COPY INTO (FAILFAST): %.300s cannot be read", f->api_path);
		c->bad_files++;
		return false;
	}
	const char *text = "";
	void *map = NULL;
	if (fst.st_size > 0) {
		map = mmap(NULL, (size_t)fst.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			close(fd);
			c->bad_files++;
			return false;
		}
		text = map;
	}
	close(fd);
	bool ok = true;
	if (c->cp->json)
		ok = load_json(c, text, (size_t)fst.st_size, f->api_path);
	else
		load_csv(c, text, (size_t)fst.st_size, f->api_path);
	if (map)
		munmap(map, (size_t)fst.st_size);
	if (!ok) {
		if (c->cp->mode == WEIR_COPY_FAILFAST)
			stop(c, "BAD_REQUEST", "COPY INTO (FAILFAST): %.300s is not JSON", f->api_path);
		c->bad_files++;
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------- the table's file */

static sqlite3 *open_table(copy_ctx *c, const char *table_id, json_t *columns, weir_error *err)
{
	const char *path = weir_wh__table_path(c->a, table_id);
	if (access(path, F_OK) != 0) { /* made on first use, as the engine does */
		const char *dir = weir_arena_printf(c->a, "%s/warehouse", weir_catalog_data_dir());
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			weir_error_set(err, WEIR_E_INTERNAL_ERROR, "The warehouse's data directory cannot be created");
			return NULL;
		}
		const char *ddl;
		if (weir_wh__file_ddl(c->a, columns, &ddl, err) != 0)
			return NULL;
		char rnd[17];
		weir_random_hex(rnd, 8);
		const char *tmp = weir_arena_printf(c->a, "%s.new-%s", path, rnd);
		sqlite3 *db = NULL;
		int rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
					 NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, ddl, NULL, NULL, NULL);
		sqlite3_close(db);
		if (rc == SQLITE_OK && link(tmp, path) != 0 && errno != EEXIST)
			rc = SQLITE_ERROR;
		unlink(tmp);
		if (rc != SQLITE_OK) {
			weir_error_set(err, WEIR_E_INTERNAL_ERROR, "The table's data file cannot be created");
			return NULL;
		}
	}
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "The table's data file cannot be opened");
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	return db;
}

/* ---------------------------------------------------------------- metadata */

static void record(copy_ctx *c, weir_db_pool *pool, const weir_wh_outcome *o, const weir_securable *table,
		   const weir_securable *vol, const src_file *loaded, int nloaded)
{
	weir_db *md = weir_db_acquire(pool);
	weir_error e = WEIR_ERROR_INIT;
	if (weir_db_begin_write(md, &e) != 0) {
		weir_db_release(md);
		return;
	}
	int64_t now = weir_now_ms();
	if (o->state == WEIR_WH_SUCCEEDED && table) {
		/* mergeSchema's new columns, already in the table's file (a failure here leaves them
		 * there unnamed by the catalog, and the files unmarked: loaded again, at least once) */
		if (c->nextra > 0) {
			weir_securable t = *table;
			json_t *body = weir_json_own(
				c->a, json_pack("{s:o}", "add_columns", weir_wh__uc_columns(c->extra, c->nextra, 0)));
			json_t *out = weir_catalog_update_sql(md, c->a, c->p, &t, body, &e);
			if (out == NULL)
				goto rollback;
			json_decref(out);
		}
		for (int i = 0; i < nloaded; i++)
			if (weir_whc_store_mark(md, table->id, loaded[i].api_path, loaded[i].size, loaded[i].mtime_ms,
						now, c->x->statement_id, &e) != 0)
				goto rollback;
		if (c->inserted > 0 && weir_wh_store_table_written(md, table->id, now, &e) != 0)
			goto rollback;
		if (nloaded > 0 && vol) {
			weir_lineage_producer by = weir_wh__producer(c->x);
			weir_lineage_node sn = {WEIR_LIN_VOLUME, vol->id, vol->full_name};
			weir_lineage_node dn = {WEIR_LIN_TABLE, table->id, table->full_name};
			if (weir_lineage_record_edge(md, &sn, &dn, &by, now, &e) != 0)
				goto rollback;
		}
	}
	weir_wh__record_end(md, true, c->p, c->x, o, table ? table->full_name : NULL, "COPY", now, &e);
	return;
rollback:
	weir_wh__record_end(md, false, c->p, c->x, o, table ? table->full_name : NULL, "COPY", now, &e);
}

/* ---------------------------------------------------------------- the statement */

static const char *full_name(copy_ctx *c, weir_error *err)
{
	const weir_wh_copy *cp = c->cp;
	const char *cat = c->x->catalog, *sch = c->x->schema;
	if (cp->nparts == 3)
		return weir_arena_printf(c->a, "%s.%s.%s", cp->parts[0], cp->parts[1], cp->parts[2]);
	if (cp->nparts == 2 && cat && *cat)
		return weir_arena_printf(c->a, "%s.%s.%s", cat, cp->parts[0], cp->parts[1]);
	if (cp->nparts == 1 && cat && *cat && sch && *sch)
		return weir_arena_printf(c->a, "%s.%s.%s", cat, sch, cp->parts[0]);
	weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
		       "The table name '%.200s' needs a catalog and schema: use catalog.schema.table, or set the "
		       "statement's catalog and schema",
		       cp->parts[cp->nparts - 1]);
	return NULL;
}

static kind kind_of(const char *type_name)
{
	if (!type_name)
		return K_TEXT;
	if (!strcmp(type_name, "INT") || !strcmp(type_name, "LONG") || !strcmp(type_name, "SHORT") ||
	    !strcmp(type_name, "BYTE"))
		return K_INT;
	if (!strcmp(type_name, "DOUBLE") || !strcmp(type_name, "FLOAT") || !strcmp(type_name, "DECIMAL"))
		return K_REAL;
	if (!strcmp(type_name, "BOOLEAN"))
		return K_BOOL;
	if (!strcmp(type_name, "DATE"))
		return K_DATE;
	return K_TEXT;
}

static void result(weir_wh_outcome *o, const int64_t *v)
{
	static const char *const names[] = {"num_affected_rows",         "num_inserted_rows",
					    "num_skipped_corrupt_files", "num_skipped_corrupt_rows",
					    "num_loaded_files",          "num_skipped_loaded_files"};
	o->columns = json_array();
	o->rows = json_array();
	json_t *row = json_array();
	for (int i = 0; i < 6; i++) {
		json_array_append_new(o->columns, json_pack("{s:s, s:s, s:s, s:i}", "name", names[i], "type_text",
							    "bigint", "type_name", "LONG", "position", i));
		char n[32];
		snprintf(n, sizeof(n), "%lld", (long long)v[i]);
		json_array_append_new(row, json_string(n));
	}
	json_array_append_new(o->rows, row);
	o->state = WEIR_WH_SUCCEEDED;
}

void weir_wh_copy_execute(weir_db_pool *pool, const weir_wh_exec *x, weir_wh_outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->state = WEIR_WH_FAILED;
	copy_ctx *c = calloc(1, sizeof(*c));
	c->a = weir_arena_new(16384);
	c->x = x;
	weir_error e = WEIR_ERROR_INIT;
	weir_wh_copy cp;
	weir_securable table, vol;
	bool have_table = false, have_vol = false;
	src_file *todo = NULL;
	int ntodo = 0, nskipped_loaded = 0;
	sqlite3 *db = NULL;

	weir_db *md = weir_db_acquire(pool);
	c->p = weir_gov_principal_load(md, c->a, x->principal_id, x->workspace_id, &e);
	if (c->p == NULL) {
		weir_db_release(md);
		weir_wh__fail_err(o, &e);
		goto out;
	}
	if (weir_wh_copy_parse(c->a, x->statement, &cp, &e) != 0) {
		weir_db_release(md);
		weir_wh__fail_err(o, &e);
		goto record;
	}
	c->cp = &cp;
	weir_wh_csv_init(&c->csv, cp.delimiter, cp.quote);
	/* the table, as the caller: MANAGED, with MODIFY */
	const char *full = full_name(c, &e);
	json_t *info = NULL;
	if (full == NULL || weir_gov_resolve(md, c->a, c->p, WEIR_SEC_TABLE, full, &table, &e) != 0 ||
	    (info = weir_catalog_get(md, c->a, &table, false, true, &e)) == NULL) {
		weir_db_release(md);
		weir_wh__fail_err(o, &e);
		goto record;
	}
	weir_json_own(c->a, info);
	have_table = true;
	const char *type = json_string_value(json_object_get(info, "table_type"));
	if (type == NULL || strcmp(type, "MANAGED") != 0) {
		weir_db_release(md);
		weir_wh__fail(o, "INVALID_PARAMETER_VALUE",
			      "Table '%.300s' is not MANAGED: COPY INTO loads managed tables only", table.full_name);
		goto record;
	}
	if (!weir_gov_allowed(md, c->p, WEIR_OP_WRITE_DATA, &table)) {
		weir_db_release(md);
		weir_wh__fail(o, "PERMISSION_DENIED", "User does not have MODIFY on Table '%s'", table.full_name);
		goto record;
	}
	json_t *columns = json_object_get(info, "columns");
	int64_t pos[MAX_COLS];
	for (size_t i = 0; i < json_array_size(columns) && c->ncols < MAX_COLS; i++) {
		json_t *cj = json_array_get(columns, i);
		const char *name = json_string_value(json_object_get(cj, "name"));
		if (name == NULL)
			continue;
		/* in position order (the file's order for CSV without header): insertion sort */
		int64_t p = json_integer_value(json_object_get(cj, "position"));
		int k = c->ncols++;
		for (; k > 0 && pos[k - 1] > p; k--) {
			pos[k] = pos[k - 1];
			c->cols[k] = c->cols[k - 1];
		}
		pos[k] = p;
		c->cols[k] = (col){.name = name,
				   .k = kind_of(json_string_value(json_object_get(cj, "type_name"))),
				   .not_null = json_is_false(json_object_get(cj, "nullable"))};
	}
	/* the source, as the caller: READ VOLUME on a MANAGED volume */
	weir_files_path fp;
	const char *root;
	if (weir_files_path_parse(c->a, cp.source, true, &fp, &e) != 0 ||
	    weir_files_resolve(md, c->a, c->p, &fp, &vol, &root, &e) != 0 ||
	    weir_gov_check(md, c->p, WEIR_OP_READ_DATA, &vol, &e) != 0) {
		weir_db_release(md);
		weir_wh__fail_err(o, &e);
		goto record;
	}
	have_vol = true;
	const char *abs = fp.rel[0] ? weir_arena_printf(c->a, "%s/%s", root, fp.rel) : root;
	listing l = {.a = c->a, .f = weir_arena_alloc(c->a, MAX_LISTED * sizeof(src_file))};
	const char *base = cp.source;
	size_t bl = strlen(base);
	while (bl > 1 && base[bl - 1] == '/')
		bl--;
	l.api_base = weir_arena_strndup(c->a, base, bl);
	struct stat st;
	if (lstat(abs, &st) == 0 && S_ISREG(st.st_mode)) {
		l.f[0] = (src_file){.rel = "",
				    .api_path = l.api_base,
				    .size = st.st_size,
				    .mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000};
		l.n = 1;
	} else if (lstat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
		int fd = open(abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			walk(&l, fd, "", 0);
		qsort(l.f, (size_t)l.n, sizeof(src_file), by_rel);
	} else if (fp.rel[0]) {
		weir_db_release(md);
		weir_wh__fail(o, "NOT_FOUND", "COPY INTO: '%.300s' does not exist", cp.source);
		goto record;
	}
	if (l.too_many) {
		weir_db_release(md);
		weir_wh__fail(o, "INVALID_PARAMETER_VALUE",
			      "COPY INTO: more than %d files under '%.300s': use FILES or PATTERN", MAX_LISTED,
			      cp.source);
		goto record;
	}
	/* FILES / PATTERN, then the ledger */
	todo = calloc((size_t)(l.n + 1), sizeof(*todo));
	for (int i = 0; i < cp.nfiles; i++) {
		bool found = false;
		for (int k = 0; k < l.n && !found; k++)
			found = strcmp(l.f[k].rel, cp.files[i]) == 0;
		if (!found) {
			weir_db_release(md);
			weir_wh__fail(o, "NOT_FOUND", "COPY INTO: file '%.200s' is not under '%.300s'", cp.files[i],
				      cp.source);
			goto record;
		}
	}
	for (int k = 0; k < l.n; k++) {
		const src_file *f = &l.f[k];
		if (cp.nfiles) {
			bool named = false;
			for (int i = 0; i < cp.nfiles && !named; i++)
				named = strcmp(f->rel, cp.files[i]) == 0;
			if (!named)
				continue;
		}
		if (cp.pattern && fnmatch(cp.pattern, f->rel[0] ? f->rel : f->api_path, FNM_PATHNAME) != 0)
			continue;
		if (!cp.force) {
			int done = weir_whc_store_loaded(md, table.id, f->api_path, f->size, f->mtime_ms, &e);
			if (done < 0) {
				weir_db_release(md);
				weir_wh__fail_err(o, &e);
				goto record;
			}
			if (done) {
				nskipped_loaded++;
				continue;
			}
		}
		todo[ntodo++] = *f;
	}
	/* mergeSchema: the names the files give that the table lacks (CSV headers, JSON keys)
	 * become new nullable STRING columns, added by the ALTER rule (owner or MANAGE) in the
	 * same transaction of the table's file as the rows, and in the catalog with the ledger */
	if (cp.merge_schema && (cp.json || cp.header)) {
		c->scan = true;
		for (int i = 0; i < ntodo && !c->failed; i++)
			load_file(c, abs, &todo[i]);
		c->scan = false;
		c->bad_files = c->bad_rows = 0; /* counted by the load */
		if (c->failed) {
			weir_db_release(md);
			weir_wh__fail(o, c->err_code, "%s", c->err);
			goto record;
		}
		if (c->nextra > 0 && !weir_gov_allowed(md, c->p, WEIR_OP_UPDATE, &table)) {
			weir_db_release(md);
			weir_wh__fail(o, "PERMISSION_DENIED",
				      "COPY INTO with mergeSchema adds columns to Table '%s': it needs its owner or "
				      "MANAGE (the ALTER TABLE rule)",
				      table.full_name);
			goto record;
		}
	}
	weir_db_release(md);

	/* one transaction of the table's file */
	db = open_table(c, table.id, columns, &e);
	if (db == NULL) {
		weir_wh__fail_err(o, &e);
		goto record;
	}
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		weir_log_error("warehouse: COPY INTO %s: %s", table.id, sqlite3_errmsg(db));
		weir_wh__fail(o, "INTERNAL_ERROR", "COPY INTO: the table's data file cannot be written");
		goto record;
	}
	if (weir_wh__file_alter_add(db, c->a, c->extra, c->nextra) != SQLITE_OK) {
		weir_log_error("warehouse: COPY INTO %s: adding columns: %s", table.id, sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		weir_wh__fail(o, "INTERNAL_ERROR", "COPY INTO: the table's data file cannot be changed");
		goto record;
	}
	for (int i = 0; i < c->nextra; i++)
		c->cols[c->ncols++] = (col){.name = c->extra[i].name, .k = K_TEXT};
	weir_buf q = {0};
	weir_buf_appendf(&q, "INSERT INTO %s (", WEIR_WH_FILE_TABLE);
	for (int i = 0; i < c->ncols; i++) {
		if (i)
			weir_buf_append(&q, ", ", 2);
		weir_wh_append_ident(&q, c->cols[i].name);
	}
	weir_buf_append(&q, ") VALUES (", 10);
	for (int i = 0; i < c->ncols; i++)
		weir_buf_appendf(&q, i ? ", ?%d" : "?%d", i + 1);
	weir_buf_append(&q, ")", 2); /* with the NUL */
	int rc = sqlite3_prepare_v2(db, q.data, -1, &c->ins, NULL);
	weir_buf_release(&q);
	if (rc != SQLITE_OK) {
		weir_log_error("warehouse: COPY INTO %s: %s", table.id, sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		weir_wh__fail(o, "INTERNAL_ERROR", "COPY INTO: the table's data file cannot be written");
		goto record;
	}
	int nloaded = 0;
	src_file *loaded = calloc((size_t)(ntodo + 1), sizeof(*loaded));
	for (int i = 0; i < ntodo && !c->failed; i++)
		if (load_file(c, abs, &todo[i]))
			loaded[nloaded++] = todo[i];
	sqlite3_finalize(c->ins);
	c->ins = NULL;
	if (c->failed) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		if (c->canceled) {
			o->state = WEIR_WH_CANCELED;
			snprintf(o->error_code, sizeof(o->error_code), "CANCELLED");
			snprintf(o->message, sizeof(o->message), "The statement was canceled");
		} else {
			weir_wh__fail(o, c->err_code, "%s", c->err);
		}
		free(loaded);
		goto record;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		weir_log_error("warehouse: COPY INTO %s: commit: %s", table.id, sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		weir_wh__fail(o, "INTERNAL_ERROR", "COPY INTO: the rows cannot be committed");
		free(loaded);
		goto record;
	}
	int64_t v[6] = {c->inserted, c->inserted, c->bad_files, c->bad_rows, nloaded, nskipped_loaded};
	result(o, v);
	record(c, pool, o, &table, &vol, loaded, nloaded);
	free(loaded);
	goto out;
record:
	record(c, pool, o, have_table ? &table : NULL, have_vol ? &vol : NULL, NULL, 0);
out:
	if (c->ins)
		sqlite3_finalize(c->ins);
	if (db)
		sqlite3_close(db);
	free(todo);
	weir_wh_csv_free(&c->csv);
	weir_arena_free(c->a);
	free(c);
}
