/* Fuzz target: the name rules every surface applies to untrusted names:
 * Unity Catalog names and full-name splitting (governance/names.c weir_gov_name_check,
 * weir_gov_split_full_name for 1, 2 and 3 parts), the MLflow model name mapping
 * (registry/registry.c weir_registry_full_name), alias, stage, tag-key and version-number
 * rules (registry/models.c), the parsers of securable types and privileges, SCIM ids
 * (weir_id_parse) and the integer parser under them (weir_parse_i64).
 *
 * Input: the name (up to a NUL).
 *
 * Oracles: an accepted UC name is 1..255 characters of [A-Za-z0-9_@-]; an accepted split
 * gives exactly `parts` accepted names that join back with '.' into the input; an MLflow
 * name maps to main.default.<name> or to itself (three valid names), and the result splits
 * into three valid names; an accepted alias is neither `latest` nor v<digits>; an accepted
 * tag key is 1..250 bytes without '..' or a leading '/'; archiving is allowed only towards
 * Staging or Production; a version number is what weir_parse_i64 takes (UC: and positive);
 * every refusal is 400 naming the field it was given. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "fuzz/fuzz_env.h"
#include "governance/governance.h"
#include "governance/identity.h"
#include "registry/registry.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_names: %s\n", what);
		abort();
	}
}

static bool uc_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '@' || c == '-'))
			return false;
	}
	return true;
}

static void refused(const weir_error *e, const char *field)
{
	fuzz_expect_4xx(field, e);
	check(e->code == WEIR_E_INVALID_PARAMETER_VALUE, "refusal is not INVALID_PARAMETER_VALUE");
	check(strcmp(e->field, field) == 0, "refusal does not name the field");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	weir_arena *a = weir_arena_new(1024);
	const char *s = weir_arena_strndup(a, (const char *)data, size);
	weir_error e = WEIR_ERROR_INIT;

	int rc = weir_gov_name_check("name", s, &e);
	check((rc == 0) == uc_name_ok(s), "weir_gov_name_check disagrees with the UC name rule");
	if (rc != 0)
		refused(&e, "name");

	for (int parts = 1; parts <= 3; parts++) {
		const char *out[3] = {NULL, NULL, NULL};
		weir_error_clear(&e);
		if (weir_gov_split_full_name(a, "full_name", s, parts, out, &e) != 0) {
			refused(&e, "full_name");
			continue;
		}
		weir_buf b = {0};
		for (int i = 0; i < parts; i++) {
			check(out[i] != NULL && uc_name_ok(out[i]), "split gave an invalid name");
			if (i)
				weir_buf_append(&b, ".", 1);
			weir_buf_append(&b, out[i], strlen(out[i]));
		}
		check(b.data != NULL && strcmp(b.data, s) == 0, "split parts do not join back into the name");
		weir_buf_release(&b);
	}

	weir_error_clear(&e);
	const char *full = weir_registry_full_name(a, "name", s, &e);
	if (full == NULL) {
		refused(&e, "name");
	} else {
		const char *p3[3];
		weir_error e2 = WEIR_ERROR_INIT;
		check(weir_gov_split_full_name(a, "name", full, 3, p3, &e2) == 0,
		      "mapped name is not catalog.schema.name");
		bool flat = strcmp(full, weir_arena_printf(a, "main.default.%s", s)) == 0;
		check(flat || strcmp(full, s) == 0, "mapped name is neither main.default.<n> nor the name");
		const char *back = weir_registry_mlflow_name(a, p3[0], p3[1], p3[2]);
		/* main.default.x is spelt x in MLflow answers */
		bool in_default = strcmp(p3[0], "main") == 0 && strcmp(p3[1], "default") == 0;
		check(back != NULL && strcmp(back, in_default ? p3[2] : s) == 0,
		      "mapping back does not give the MLflow name");
	}

	weir_error_clear(&e);
	if (weir_registry_alias_check(s, &e) == 0) {
		check(*s != '\0' && strlen(s) <= 255 && strcasecmp(s, "latest") != 0,
		      "alias check let a reserved alias");
		bool vnum = (s[0] == 'v' || s[0] == 'V') && s[1] != '\0' &&
			    strspn(s + 1, "0123456789") == strlen(s + 1);
		check(!vnum, "alias check let v<number> through");
	} else {
		refused(&e, "alias");
	}

	const char *stage = weir_registry_stage_canonical(s);
	check(stage == NULL || strcasecmp(stage, s) == 0, "stage is not the input's canonical spelling");
	weir_error_clear(&e);
	const char *canon = NULL;
	if (weir_registry_stage_check(s, true, &canon, &e) == 0)
		check(canon == stage && (strcmp(canon, "Staging") == 0 || strcmp(canon, "Production") == 0),
		      "archive_existing_versions allowed towards a passive stage");
	else
		refused(&e, stage ? "archive_existing_versions" : "stage");

	weir_error_clear(&e);
	if (weir_registry_tag_check(s, NULL, &e) == 0)
		check(*s != '\0' && strlen(s) <= 250 && s[0] != '/' && strstr(s, "..") == NULL,
		      "tag check let a bad key through");
	else
		refused(&e, "key");

	int64_t vn = 0, vp;
	weir_error_clear(&e);
	int vrc = weir_registry_version_parse(s, &vn, &e);
	check((vrc == 0) == weir_parse_i64(s, &vp) && (vrc != 0 || vn == vp),
	      "version parse disagrees with weir_parse_i64");
	if (vrc != 0)
		refused(&e, "version");
	weir_error_clear(&e);
	if (weir_registry_version_parse_uc(s, &vn, &e) == 0)
		check(vn >= 1, "UC version parse let a non-positive version through");
	else
		refused(&e, "version");
	weir_sec_type st;
	if (weir_sec_type_parse(s, &st) == 0)
		check((unsigned)st < WEIR_SEC__COUNT, "securable type out of range");
	int priv = weir_priv_parse(s);
	check(priv >= -1 && priv < WEIR_PRIV__COUNT, "privilege out of range");
	if (priv >= 0)
		check(weir_priv_parse(weir_priv_name((weir_priv)priv)) == priv, "privilege name does not parse back");

	int64_t id = weir_id_parse(s);
	check(id == -1 || id > 0, "SCIM id neither refused nor positive");
	int64_t v;
	if (weir_parse_i64(s, &v)) {
		char *end = NULL;
		check(*s != '\0' && strtoll(s, &end, 10) == v && *end == '\0', "weir_parse_i64 disagrees with strtoll");
	}
	weir_arena_free(a);
	return 0;
}
