/* The one error type of Weir. Every fallible function takes `weir_error *err` last and
 * returns -1 (or NULL) after filling it. An error carries a stable code (rendered as the
 * dialect's `error_code` string), the HTTP status the dialect uses for it, a message that
 * is safe to show a client (never SQL text, file paths or secrets) and, when one field of
 * the input is to blame, that field's name. */
#ifndef WEIR_CORE_ERROR_H
#define WEIR_CORE_ERROR_H

#include <stdarg.h>

/* X(name, default HTTP status). Dialect-specific statuses can be given per call with
 * weir_error_set_status(); add codes here, never rename one (clients match on them). */
#define WEIR_ERROR_CODES(X)                                                          \
	X(INVALID_ARGUMENT, 400)                                                     \
	X(INVALID_PARAMETER_VALUE, 400)                                              \
	X(MALFORMED_REQUEST, 400)                                                    \
	X(BAD_REQUEST, 400)                                                          \
	X(INVALID_STATE, 400)                                                        \
	X(FAILED_PRECONDITION, 400)                                                  \
	X(OUT_OF_RANGE, 400)                                                         \
	X(UNAUTHENTICATED, 401)                                                      \
	X(PERMISSION_DENIED, 403)                                                    \
	X(NOT_FOUND, 404)                                                            \
	X(RESOURCE_DOES_NOT_EXIST, 404)                                              \
	X(ENDPOINT_NOT_FOUND, 404)                                                   \
	X(CATALOG_NOT_FOUND, 404)                                                    \
	X(SCHEMA_NOT_FOUND, 404)                                                     \
	X(TABLE_NOT_FOUND, 404)                                                      \
	X(METHOD_NOT_ALLOWED, 405)                                                   \
	X(ALREADY_EXISTS, 409)                                                       \
	X(RESOURCE_CONFLICT, 409)                                                    \
	X(ABORTED, 409)                                                              \
	X(RESOURCE_ALREADY_EXISTS, 400)                                              \
	X(CATALOG_ALREADY_EXISTS, 400)                                               \
	X(SCHEMA_ALREADY_EXISTS, 400)                                                \
	X(TABLE_ALREADY_EXISTS, 400)                                                 \
	X(STORAGE_CREDENTIAL_ALREADY_EXISTS, 400)                                    \
	X(EXTERNAL_LOCATION_ALREADY_EXISTS, 400)                                     \
	/* Databricks SQL's: CREATE / DROP POLICY */                                 \
	X(POLICY_ALREADY_EXISTS, 400)                                                \
	X(POLICY_NOT_FOUND, 404)                                                     \
	X(REQUEST_TOO_LARGE, 413)                                                    \
	X(UNSUPPORTED_MEDIA_TYPE, 415)                                               \
	X(RESOURCE_EXHAUSTED, 429)                                                   \
	X(REQUEST_LIMIT_EXCEEDED, 429)                                               \
	X(INTERNAL_ERROR, 500)                                                       \
	X(NOT_IMPLEMENTED, 501)                                                      \
	X(TEMPORARILY_UNAVAILABLE, 503)                                              \
	/* the Files API's reason for refusing to delete a directory with entries */ \
	X(FILES_API_DIRECTORY_IS_NOT_EMPTY, 400)                                     \
	/* a web UI session's mutation without the session's CSRF token */           \
	X(CSRF_TOKEN_INVALID, 403)                                                   \
	/* the SQL warehouse on a PostgreSQL store (--store) */                      \
	X(NOT_SUPPORTED_WITH_POSTGRESQL_STORE, 400)

typedef enum weir_code {
	WEIR_OK = 0,
#define WEIR_X_ENUM(n, s) WEIR_E_##n,
	WEIR_ERROR_CODES(WEIR_X_ENUM)
#undef WEIR_X_ENUM
		WEIR_E__COUNT
} weir_code;

/* The kind of object a NOT_FOUND or ALREADY_EXISTS is about, where a dialect names it in its
 * code: Unity Catalog says CATALOG_NOT_FOUND, the Databricks platform APIs (tokens,
 * workspaces, secrets, lineage) RESOURCE_DOES_NOT_EXIST. The domain raises the neutral code
 * with the kind; api/dialect.c says what each dialect answers. */
typedef enum weir_object {
	WEIR_OBJ_ANY = 0,
	WEIR_OBJ_CATALOG,
	WEIR_OBJ_SCHEMA,
	WEIR_OBJ_TABLE,
	WEIR_OBJ_VOLUME,
	WEIR_OBJ_FUNCTION,
	WEIR_OBJ_WORKSPACE,
	WEIR_OBJ_TOKEN,
	WEIR_OBJ_SECRET,
	WEIR_OBJ_LINEAGE_EDGE,
	WEIR_OBJ_CREDENTIAL,
	WEIR_OBJ_EXTERNAL_LOCATION,
	WEIR_OBJ_POLICY,
} weir_object;

typedef struct weir_error {
	weir_code code;
	int status; /* HTTP status to answer with */
	char field[96]; /* the input field to blame, or "" */
	char message[512]; /* safe for clients */
	weir_object obj; /* what a NOT_FOUND or ALREADY_EXISTS is about (WEIR_OBJ_ANY) */
} weir_error;

#define WEIR_ERROR_INIT                          \
	{                                        \
		WEIR_OK, 0, "", "", WEIR_OBJ_ANY \
	}

/* Fills `err` (if not NULL) with `code`, its default status and a formatted message.
 * Always returns -1 so that `return weir_error_set(...)` reads naturally. */
int weir_error_set(weir_error *err, weir_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, with an explicit HTTP status (a dialect that answers a code differently). */
int weir_error_set_status(weir_error *err, int status, weir_code code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Same as weir_error_set, naming the field at fault. */
int weir_error_field(weir_error *err, weir_code code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* NOT_FOUND or ALREADY_EXISTS (or any code) about one kind of object, naming `field` unless
 * NULL: the dialect's table (api/dialect.c) turns it into the code its clients know. */
int weir_error_obj(weir_error *err, weir_code code, weir_object obj, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void weir_error_clear(weir_error *err);

const char *weir_code_name(weir_code code);
int weir_code_status(weir_code code);

#endif
