#include "handlers.h"
#include "route.h"

#define ROUTE(m, p, h) .method = (m), .pattern = (p), .handler = (h)

/* Every endpoint of the service. Order matters only among patterns that overlap. */
const struct route api_routes[] = {
	{ ROUTE(HTTP_GET, "/api/healthz", handle_healthz), .public = true },
	{ ROUTE(HTTP_GET, "/api/integrations", handle_integration_list),
	  .query_params = integration_list_params },
	{ ROUTE(HTTP_POST, "/api/integrations", handle_integration_create),
	  .body = BODY_REQUIRED, .body_spec = &integration_create_body },
	{ ROUTE(HTTP_GET, "/api/integrations/{int}", handle_integration_get) },
	{ ROUTE(HTTP_PATCH, "/api/integrations/{int}", handle_integration_patch),
	  .body = BODY_REQUIRED, .body_spec = &integration_patch_body },
	{ ROUTE(HTTP_DELETE, "/api/integrations/{int}", handle_integration_delete) },
	{ ROUTE(HTTP_POST, "/api/integrations/{int}/restore", handle_integration_restore),
	  .body = BODY_OPTIONAL, .body_spec = &empty_body },
	{ ROUTE(HTTP_DELETE, "/api/integrations/{int}/purge", handle_integration_purge) },
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
