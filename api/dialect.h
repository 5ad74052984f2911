/* What each wire dialect answers for a code Weir's domain raises: one translation table, a row
 * per dialect and code, here and nowhere else, applied by weir_reply_error to every error a
 * route answers.
 * The domain raises neutral codes (NOT_FOUND, ALREADY_EXISTS with the kind of object,
 * INVALID_ARGUMENT, MALFORMED_REQUEST, ...); a dialect renames them, and sets the status it
 * answers them with. */
#ifndef WEIR_API_DIALECT_H
#define WEIR_API_DIALECT_H

#include "api/http.h"
#include "core/error.h"

/* Rewrites e->code and e->status by the dialect's table; codes the table does not name stay. */
void weir_dialect_translate(weir_dialect d, weir_error *e);

#endif
