/* weir_error: setting, naming and the default status of each stable error code. */
#include "core/error.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int status;
} codes[WEIR_E__COUNT] = {[WEIR_OK] = {"OK", 200},
#define WEIR_X_TABLE(n, s) [WEIR_E_##n] = {#n, s},
			  WEIR_ERROR_CODES(WEIR_X_TABLE)
#undef WEIR_X_TABLE
};

const char *weir_code_name(weir_code code)
{
	if ((int)code < 0 || code >= WEIR_E__COUNT)
		return "INTERNAL_ERROR";
	return codes[code].name;
}

int weir_code_status(weir_code code)
{
	if ((int)code < 0 || code >= WEIR_E__COUNT)
		return 500;
	return codes[code].status;
}

static void vset(weir_error *err, int status, weir_code code, const char *field, const char *fmt, va_list ap)
{
	if (err == NULL)
		return;
	err->code = code;
	err->status = status;
	err->obj = WEIR_OBJ_ANY;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
}

int weir_error_set(weir_error *err, weir_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, weir_code_status(code), code, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int weir_error_set_status(weir_error *err, int status, weir_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, status, code, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int weir_error_field(weir_error *err, weir_code code, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, weir_code_status(code), code, field, fmt, ap);
	va_end(ap);
	return -1;
}

int weir_error_obj(weir_error *err, weir_code code, weir_object obj, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, weir_code_status(code), code, field, fmt, ap);
	va_end(ap);
	if (err)
		err->obj = obj;
	return -1;
}

void weir_error_clear(weir_error *err)
{
	if (err == NULL)
		return;
	err->code = WEIR_OK;
	err->status = 0;
	err->obj = WEIR_OBJ_ANY;
	err->field[0] = '\0';
	err->message[0] = '\0';
}
