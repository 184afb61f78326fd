#include "handlers/common.h"
#include "handlers/entities.h"
#include "handlers/health.h"
#include "handlers/installs.h"
#include "handlers/install_history.h"
#include "handlers/diffs.h"
#include "handlers/integration_list.h"
#include "handlers/integrations.h"
#include "handlers/versions.h"
#include "handlers/visibility.h"
#include "handlers/routes.h"
#include "http/metrics.h"
#include "http/route.h"

#define ROUTE(m, p, h) .method = (m), .pattern = (p), .handler = (h)

/* Every endpoint of the service. Order matters only among patterns that overlap. */
const struct route api_routes[] = {
	{ ROUTE(HTTP_GET, "/api/healthz", handle_healthz), .public = true },
	{ ROUTE(HTTP_GET, "/api/readyz", handle_readyz), .public = true },
	/* Answers only through nginx's loopback metrics server (handle_metrics checks). */
	{ ROUTE(HTTP_GET, "/metrics", handle_metrics), .public = true },
	{ ROUTE(HTTP_GET, "/api/integrations", handle_integration_list),
	  .query_params = integration_list_params },
	{ ROUTE(HTTP_POST, "/api/integrations", handle_integration_create), .body = BODY_REQUIRED,
	  .body_spec = &integration_create_body },
	{ ROUTE(HTTP_GET, "/api/integrations/{int}", handle_integration_get) },
	{ ROUTE(HTTP_PATCH, "/api/integrations/{int}", handle_integration_patch),
	  .body = BODY_REQUIRED, .body_spec = &integration_patch_body },
	{ ROUTE(HTTP_DELETE, "/api/integrations/{int}", handle_integration_delete) },
	{ ROUTE(HTTP_POST, "/api/integrations/{int}/restore", handle_integration_restore),
	  .body = BODY_OPTIONAL, .body_spec = &empty_body },
	{ ROUTE(HTTP_DELETE, "/api/integrations/{int}/purge", handle_integration_purge) },
	{ ROUTE(HTTP_GET, "/api/entities", handle_entity_list),
	  .query_params = entity_list_params },
	{ ROUTE(HTTP_POST, "/api/entities", handle_entity_create), .body = BODY_REQUIRED,
	  .body_spec = &entity_create_body },
	{ ROUTE(HTTP_GET, "/api/entities/{ent}", handle_entity_get) },
	{ ROUTE(HTTP_PATCH, "/api/entities/{ent}", handle_entity_patch), .body = BODY_REQUIRED,
	  .body_spec = &entity_patch_body },
	{ ROUTE(HTTP_POST, "/api/integrations/{int}/publish", handle_integration_publish),
	  .body = BODY_REQUIRED, .body_spec = &integration_publish_body },
	{ ROUTE(HTTP_GET, "/api/integrations/{int}/versions", handle_integration_version_list),
	  .query_params = version_list_params },
	{ ROUTE(HTTP_GET, "/api/integration-versions/{intv}", handle_integration_version_get) },
	{ ROUTE(HTTP_GET, "/api/integrations/{int}/members", handle_integration_members_preview) },
	{ ROUTE(HTTP_POST, "/api/integrations/{int}/visibility", handle_integration_set_visibility),
	  .body = BODY_REQUIRED, .body_spec = &integration_visibility_body },
	{ ROUTE(HTTP_POST, "/api/integrations/{int}/review", handle_integration_review),
	  .body = BODY_REQUIRED, .body_spec = &integration_review_body },
	{ ROUTE(HTTP_GET, "/api/integrations/{int}/grants", handle_integration_grant_list) },
	{ ROUTE(HTTP_POST, "/api/integrations/{int}/grants", handle_integration_grant_create),
	  .body = BODY_REQUIRED, .body_spec = &integration_grant_body },
	{ ROUTE(HTTP_DELETE, "/api/integrations/{int}/grants/{ws}",
		handle_integration_grant_delete) },
	{ ROUTE(HTTP_POST, "/api/integrations/{int}/install", handle_integration_install),
	  .body = BODY_REQUIRED, .body_spec = &install_body },
	{ ROUTE(HTTP_GET, "/api/integration-installs", handle_install_list),
	  .query_params = install_list_params },
	{ ROUTE(HTTP_GET, "/api/integration-installs/{inst}", handle_install_get) },
	{ ROUTE(HTTP_DELETE, "/api/integration-installs/{inst}", handle_install_delete) },
	{ ROUTE(HTTP_GET, "/api/integration-installs/{inst}/members", handle_install_members) },
	{ ROUTE(HTTP_POST, "/api/integration-installs/{inst}/upgrade", handle_install_upgrade),
	  .body = BODY_OPTIONAL, .body_spec = &install_upgrade_body },
	{ ROUTE(HTTP_POST, "/api/integration-members/{imem}/detach", handle_install_member_detach),
	  .body = BODY_REQUIRED, .body_spec = &install_member_detach_body },
	{ ROUTE(HTTP_GET, "/api/integration-members/{imem}/diff", handle_install_member_diff) },
	{ ROUTE(HTTP_GET, "/api/integration-versions/{intv}/diff", handle_integration_version_diff),
	  .query_params = integration_version_diff_params },
	{ ROUTE(HTTP_GET, "/api/integration-installs/{inst}/operations",
		handle_install_operation_list),
	  .query_params = install_operation_list_params },
	{ ROUTE(HTTP_GET, "/api/integration-installs/{inst}/operations/verify",
		handle_install_operations_verify) },
	{ ROUTE(HTTP_GET, "/api/integration-operations/{iop}", handle_install_operation_get) },
	{ ROUTE(HTTP_POST, "/api/integration-installs/{inst}/rollback", handle_install_rollback),
	  .body = BODY_REQUIRED, .body_spec = &install_rollback_body },
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
