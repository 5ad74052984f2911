/* Routes of the tags and audit surface (filled by its issue). */
#include "api/http.h"

const weir_route weir_routes_tags[] = {
	{0},
};
