/* Bearer token → principal. One error message for every failure, so that a caller cannot
 * tell an unknown token from an expired or revoked one. */
#include "api/auth.h"
#include "api/app.h"

#include <string.h>
#include <strings.h>

weir_principal *weir_auth_request(weir_req *r, weir_error *err)
{
	const char *h = weir_req_header(r, "Authorization");
	if (h == NULL || *h == '\0') {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "No authorization found: send 'Authorization: Bearer <token>'.");
		return NULL;
	}
	if (strlen(h) > WEIR_AUTH_HEADER_MAX || strncasecmp(h, "Bearer ", 7) != 0) {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
		return NULL;
	}
	const char *tok = h + 7;
	while (*tok == ' ')
		tok++;
	if (*tok == '\0') {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
		return NULL;
	}
	if (strncmp(tok, WEIR_TOKEN_PREFIX, strlen(WEIR_TOKEN_PREFIX)) == 0)
		return weir_gov_token_authenticate(weir_req_db(r), r->arena, tok, err);
	return weir_jwt_authenticate(r, tok, err);
}
