/* Routes of the grants surface (filled by its issue). */
#include "api/http.h"

const weir_route weir_routes_grants[] = {
	{0},
};
