/* Routes of the mlflow surface (filled by its issue). */
#include "api/http.h"

const weir_route weir_routes_mlflow[] = {
	{0},
};
