/* Routes of the identity surface (filled by its issue). */
#include "api/http.h"

const weir_route weir_routes_identity[] = {
	{0},
};
