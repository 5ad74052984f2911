/* Routes of the lineage surface (filled by its issue). */
#include "api/http.h"

const weir_route weir_routes_lineage[] = {
	{0},
};
