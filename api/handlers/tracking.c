/* Routes of the tracking surface (filled by its issue). */
#include "api/http.h"

const weir_route weir_routes_tracking[] = {
	{0},
};
