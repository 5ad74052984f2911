/* Routes of the workspaces surface (filled by its issue). */
#include "api/http.h"

const weir_route weir_routes_workspaces[] = {
	{0},
};
