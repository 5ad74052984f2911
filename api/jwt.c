/* JWT verification. Placeholder until the identity issue lands: every JWT is refused. */
#include "api/auth.h"

weir_principal *weir_jwt_authenticate(weir_req *r, const char *token, weir_error *err)
{
	(void)r;
	(void)token;
	weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
	return NULL;
}
