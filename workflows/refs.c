/* Dynamic value references (refs.h). */
#include "workflows/refs.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/util.h"

static int unknown(weir_error *err, const char *ref, const char *why)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "reference", "Cannot resolve {{%.200s}}: %s", ref,
				why);
}

/* A value as text: strings as they are, everything else as JSON. */
static const char *value_text(weir_arena *a, const json_t *v)
{
	if (json_is_string(v))
		return weir_arena_strdup(a, json_string_value(v));
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	const char *out = weir_arena_strdup(a, s ? s : "null");
	free(s);
	return out;
}

static const char *start_time(weir_arena *a, int64_t ms, const char *arg)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	if (strcmp(arg, "iso_date") == 0)
		return weir_arena_printf(a, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (strcmp(arg, "iso_datetime") == 0)
		return weir_arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
					 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (strcmp(arg, "year") == 0)
		return weir_arena_printf(a, "%d", tm.tm_year + 1900);
	if (strcmp(arg, "month") == 0)
		return weir_arena_printf(a, "%d", tm.tm_mon + 1);
	if (strcmp(arg, "day") == 0)
		return weir_arena_printf(a, "%d", tm.tm_mday);
	if (strcmp(arg, "hour") == 0)
		return weir_arena_printf(a, "%d", tm.tm_hour);
	if (strcmp(arg, "minute") == 0)
		return weir_arena_printf(a, "%d", tm.tm_min);
	if (strcmp(arg, "second") == 0)
		return weir_arena_printf(a, "%d", tm.tm_sec);
	if (strcmp(arg, "timestamp_ms") == 0)
		return weir_arena_printf(a, "%" PRId64, ms);
	if (strcmp(arg, "day_of_week") == 0)
		return weir_arena_printf(a, "%d", tm.tm_wday == 0 ? 7 : tm.tm_wday);
	if (strcmp(arg, "is_weekday") == 0)
		return tm.tm_wday == 0 || tm.tm_wday == 6 ? "false" : "true";
	return NULL;
}

/* The value of one reference (trimmed, without braces). */
static const char *lookup(weir_arena *a, const char *ref, const weir_ref_ctx *c, weir_error *err)
{
	if (strcmp(ref, "job.id") == 0)
		return weir_arena_printf(a, "%" PRId64, c->job_id);
	if (strcmp(ref, "job.name") == 0)
		return c->job_name ? c->job_name : "";
	if (strcmp(ref, "job.run_id") == 0)
		return weir_arena_printf(a, "%" PRId64, c->run_id);
	if (strcmp(ref, "job.repair_count") == 0)
		return weir_arena_printf(a, "%" PRId64, c->repair_count);
	if (strcmp(ref, "job.trigger.type") == 0)
		return c->trigger_type ? c->trigger_type : "";
	if (strcmp(ref, "workspace.id") == 0)
		return weir_arena_printf(a, "%" PRId64, c->workspace_id);
	if (strncmp(ref, "job.start_time.", 15) == 0) {
		const char *v = start_time(a, c->start_time_ms, ref + 15);
		if (v == NULL)
			unknown(err, ref, "unknown start_time argument");
		return v;
	}
	if (strncmp(ref, "job.parameters.", 15) == 0) {
		json_t *v = c->parameters ? json_object_get(c->parameters, ref + 15) : NULL;
		if (v == NULL) {
			unknown(err, ref, "the job has no such parameter");
			return NULL;
		}
		return value_text(a, v);
	}
	if (strcmp(ref, "task.name") == 0)
		return c->task_key ? c->task_key : "";
	if (strcmp(ref, "task.run_id") == 0)
		return weir_arena_printf(a, "%" PRId64, c->task_run_id);
	if (strcmp(ref, "task.execution_count") == 0)
		return weir_arena_printf(a, "%" PRId64, c->execution_count);
	if (strcmp(ref, "input") == 0 || strncmp(ref, "input.", 6) == 0) {
		if (c->input == NULL) {
			unknown(err, ref, "{{input}} exists only in a for_each iteration");
			return NULL;
		}
		json_t *in = json_loads(c->input, JSON_DECODE_ANY, NULL);
		if (in == NULL)
			return weir_arena_strdup(a, c->input);
		const char *out = NULL;
		if (ref[5] == '\0') {
			out = value_text(a, in);
		} else {
			json_t *f = json_is_object(in) ? json_object_get(in, ref + 6) : NULL;
			if (f == NULL)
				unknown(err, ref, "the input has no such field");
			else
				out = value_text(a, f);
		}
		json_decref(in);
		return out;
	}
	if (strncmp(ref, "tasks.", 6) == 0) {
		const char *key = ref + 6;
		const char *dot = strchr(key, '.');
		if (dot == NULL || c->task == NULL) {
			unknown(err, ref, "unknown reference");
			return NULL;
		}
		char k[128];
		size_t kl = (size_t)(dot - key);
		if (kl == 0 || kl >= sizeof k) {
			unknown(err, ref, "unknown task");
			return NULL;
		}
		memcpy(k, key, kl);
		k[kl] = '\0';
		int64_t rid = 0;
		const char *rs = NULL;
		const json_t *vals = NULL;
		if (!c->task(c->arg, k, &rid, &rs, &vals)) {
			unknown(err, ref, "the run has no such task");
			return NULL;
		}
		const char *what = dot + 1;
		if (strcmp(what, "run_id") == 0)
			return weir_arena_printf(a, "%" PRId64, rid);
		if (strcmp(what, "result_state") == 0)
			return rs ? rs : "";
		if (strncmp(what, "values.", 7) == 0) {
			json_t *v = vals ? json_object_get(vals, what + 7) : NULL;
			if (v == NULL) {
				unknown(err, ref, "the task did not set that value");
				return NULL;
			}
			return value_text(a, v);
		}
	}
	unknown(err, ref, "unknown reference");
	return NULL;
}

char *weir_refs_resolve(weir_arena *a, const char *text, const weir_ref_ctx *ctx, weir_error *err)
{
	if (strstr(text, "{{") == NULL)
		return weir_arena_strdup(a, text);
	weir_buf b = {0};
	const char *p = text;
	for (;;) {
		const char *open = strstr(p, "{{");
		if (open == NULL) {
			weir_buf_append(&b, p, strlen(p));
			break;
		}
		const char *close = strstr(open + 2, "}}");
		if (close == NULL) {
			weir_buf_append(&b, p, strlen(p));
			break;
		}
		weir_buf_append(&b, p, (size_t)(open - p));
		const char *s = open + 2, *e = close;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		char *ref = weir_arena_strndup(a, s, (size_t)(e - s));
		const char *v = lookup(a, ref, ctx, err);
		if (v == NULL) {
			weir_buf_release(&b);
			return NULL;
		}
		weir_buf_append(&b, v, strlen(v));
		p = close + 2;
	}
	char *out = weir_arena_strndup(a, b.data ? b.data : "", b.len);
	weir_buf_release(&b);
	return out;
}

int weir_refs_resolve_json(weir_arena *a, json_t *v, const weir_ref_ctx *ctx, weir_error *err)
{
	if (json_is_string(v)) {
		const char *s = weir_refs_resolve(a, json_string_value(v), ctx, err);
		return s && json_string_set(v, s) == 0 ? 0 : -1;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach (v, i, e)
			if (weir_refs_resolve_json(a, e, ctx, err) != 0)
				return -1;
		return 0;
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *e;
		json_object_foreach (v, k, e)
			if (weir_refs_resolve_json(a, e, ctx, err) != 0)
				return -1;
	}
	return 0;
}
