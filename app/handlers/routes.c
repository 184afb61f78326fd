#include "db/db.h"
#include "handlers/common.h"
#include "handlers/entities.h"
#include "handlers/events.h"
#include "handlers/health.h"
#include "handlers/installs.h"
#include "handlers/install_history.h"
#include "handlers/diffs.h"
#include "handlers/integration_list.h"
#include "handlers/integrations.h"
#include "handlers/versions.h"
#include "handlers/visibility.h"
#include "handlers/rollouts.h"
#include "handlers/webhooks.h"
#include "handlers/routes.h"
#include "http/metrics.h"
#include "http/route.h"

#define ROUTE(m, p, h) .method = (m), .pattern = (p), .handler = (h)
/* A route whose handler is its SQL call (SQL_CALL, SQL_READ). */
#define SQL_ROUTE(m, p) .method = (m), .pattern = (p)

/* The columns of api.reply, in order, selected from a function call. */
#define REPLY_FROM(call) "select status, body, etag, location from " call

#define ROUTE_ARGS(...) ((const struct route_arg[]){ __VA_ARGS__ })
#define ROUTE_N_ARGS(...) ((int)(sizeof(ROUTE_ARGS(__VA_ARGS__)) / sizeof(struct route_arg)))

/*
 * A route answered by handle_sql_call: the prepared statement name, its SQL
 * (one api.reply row) and the arguments of $1..$n, whose count is the
 * statement's parameter count. SQL_READ is a read by id: no row is a 404
 * with detail.
 */
#define SQL_CALL(name, sql, ...)                                                                   \
	.handler = handle_sql_call, .call = &(const struct route_call)                             \
	{                                                                                          \
		.stmt = &(struct db_stmt){ (name), (sql), ROUTE_N_ARGS(__VA_ARGS__), 0 },          \
		.args = {                                                                          \
			__VA_ARGS__                                                                \
		}                                                                                  \
	}
#define SQL_READ(name, sql, detail, ...)                                                           \
	.handler = handle_sql_call, .call = &(const struct route_call)                             \
	{                                                                                          \
		.stmt = &(struct db_stmt){ (name), (sql), ROUTE_N_ARGS(__VA_ARGS__), 0 },          \
		.args = { __VA_ARGS__ }, .not_found = (detail)                                     \
	}

/* As SQL_CALL, with a check in C run first (route_call.before). */
#define SQL_CALL_AFTER(check, name, sql, ...)                                                      \
	.handler = handle_sql_call, .call = &(const struct route_call)                             \
	{                                                                                          \
		.stmt = &(struct db_stmt){ (name), (sql), ROUTE_N_ARGS(__VA_ARGS__), 0 },          \
		.args = { __VA_ARGS__ }, .before = (check)                                         \
	}

/* Every endpoint of the service. Order matters only among patterns that overlap. */
const struct route api_routes[] = {
	{ ROUTE(HTTP_GET, "/api/healthz", handle_healthz), .public = true },
	{ ROUTE(HTTP_GET, "/api/readyz", handle_readyz), .public = true },
	/* Answers only through nginx's loopback metrics server (handle_metrics checks). */
	{ ROUTE(HTTP_GET, "/metrics", handle_metrics), .public = true },
	{ ROUTE(HTTP_GET, "/api/integrations", handle_integration_list),
	  .query_params = integration_list_params },
	{ SQL_ROUTE(HTTP_POST, "/api/integrations"),
	  SQL_CALL("integration_create", REPLY_FROM("api.integration_create($1::jsonb, $2::jsonb)"),
		   ARG_CALLER, ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &integration_create_body },
	/* A function returning no row (not api.reply): location is always null. */
	{ SQL_ROUTE(HTTP_GET, "/api/integrations/{int}"),
	  SQL_READ("integration_get",
		   "select status, body, etag, null::text as location"
		   " from core.integration_get($1::jsonb, $2)",
		   "Integration not found.", ARG_CALLER, ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_PATCH, "/api/integrations/{int}"),
	  SQL_CALL("integration_patch",
		   REPLY_FROM("api.integration_patch($1::jsonb, $2, $3::jsonb, $4)"), ARG_CALLER,
		   ARG_PATH(0), ARG_BODY, ARG_IF_MATCH),
	  .body = BODY_REQUIRED, .body_spec = &integration_patch_body },
	{ SQL_ROUTE(HTTP_DELETE, "/api/integrations/{int}"),
	  SQL_CALL("integration_delete", REPLY_FROM("api.integration_delete($1::jsonb, $2)"),
		   ARG_CALLER, ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_POST, "/api/integrations/{int}/restore"),
	  SQL_CALL("integration_restore", REPLY_FROM("api.integration_restore($1::jsonb, $2)"),
		   ARG_CALLER, ARG_PATH(0)),
	  .body = BODY_OPTIONAL, .body_spec = &empty_body },
	{ SQL_ROUTE(HTTP_DELETE, "/api/integrations/{int}/purge"),
	  SQL_CALL("integration_purge", REPLY_FROM("api.integration_purge($1::jsonb, $2)"),
		   ARG_CALLER, ARG_PATH(0)) },
	{ ROUTE(HTTP_GET, "/api/entities", handle_entity_list),
	  .query_params = entity_list_params },
	{ SQL_ROUTE(HTTP_POST, "/api/entities"),
	  SQL_CALL("entity_create", REPLY_FROM("api.entity_create($1::jsonb, $2::jsonb)"),
		   ARG_CALLER, ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &entity_create_body },
	{ SQL_ROUTE(HTTP_GET, "/api/entities/{ent}"),
	  SQL_CALL("entity_get", REPLY_FROM("api.entity_get($1::jsonb, $2)"), ARG_CALLER,
		   ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_PATCH, "/api/entities/{ent}"),
	  SQL_CALL("entity_patch", REPLY_FROM("api.entity_patch($1::jsonb, $2, $3::jsonb)"),
		   ARG_CALLER, ARG_PATH(0), ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &entity_patch_body },
	{ SQL_ROUTE(HTTP_POST, "/api/integrations/{int}/publish"),
	  SQL_CALL("integration_publish",
		   REPLY_FROM("api.integration_publish($1::jsonb, $2, $3::jsonb)"), ARG_CALLER,
		   ARG_PATH(0), ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &integration_publish_body },
	{ ROUTE(HTTP_GET, "/api/integrations/{int}/versions", handle_integration_version_list),
	  .query_params = version_list_params },
	{ SQL_ROUTE(HTTP_GET, "/api/integration-versions/{intv}"),
	  SQL_CALL("integration_version_get",
		   REPLY_FROM("api.integration_version_get($1::jsonb, $2)"), ARG_CALLER,
		   ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_GET, "/api/integrations/{int}/members"),
	  SQL_CALL("integration_members_preview",
		   REPLY_FROM("api.integration_members_preview($1::jsonb, $2)"), ARG_CALLER,
		   ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_POST, "/api/integrations/{int}/visibility"),
	  SQL_CALL("integration_set_visibility",
		   REPLY_FROM("api.integration_set_visibility($1::jsonb, $2, $3::jsonb)"),
		   ARG_CALLER, ARG_PATH(0), ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &integration_visibility_body },
	{ SQL_ROUTE(HTTP_POST, "/api/integrations/{int}/review"),
	  SQL_CALL("integration_review",
		   REPLY_FROM("api.integration_review($1::jsonb, $2, $3::jsonb)"), ARG_CALLER,
		   ARG_PATH(0), ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &integration_review_body },
	{ SQL_ROUTE(HTTP_GET, "/api/integrations/{int}/grants"),
	  SQL_CALL("integration_grant_list",
		   REPLY_FROM("api.integration_grant_list($1::jsonb, $2)"), ARG_CALLER,
		   ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_POST, "/api/integrations/{int}/grants"),
	  SQL_CALL("integration_grant_create",
		   REPLY_FROM("api.integration_grant_create($1::jsonb, $2, $3::jsonb)"), ARG_CALLER,
		   ARG_PATH(0), ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &integration_grant_body },
	{ SQL_ROUTE(HTTP_DELETE, "/api/integrations/{int}/grants/{ws}"),
	  SQL_CALL("integration_grant_delete",
		   REPLY_FROM("api.integration_grant_delete($1::jsonb, $2, $3)"), ARG_CALLER,
		   ARG_PATH(0), ARG_PATH(1)) },
	{ SQL_ROUTE(HTTP_POST, "/api/integrations/{int}/install"),
	  SQL_CALL("integration_install",
		   REPLY_FROM("api.integration_install($1::jsonb, $2, $3::jsonb)"), ARG_CALLER,
		   ARG_PATH(0), ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &install_body },
	{ ROUTE(HTTP_GET, "/api/integration-installs", handle_install_list),
	  .query_params = install_list_params },
	{ SQL_ROUTE(HTTP_GET, "/api/integration-installs/{inst}"),
	  SQL_CALL("install_get", REPLY_FROM("api.install_get($1::jsonb, $2)"), ARG_CALLER,
		   ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_DELETE, "/api/integration-installs/{inst}"),
	  SQL_CALL("install_delete", REPLY_FROM("api.install_delete($1::jsonb, $2)"), ARG_CALLER,
		   ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_GET, "/api/integration-installs/{inst}/members"),
	  SQL_CALL("install_member_list", REPLY_FROM("api.install_member_list($1::jsonb, $2)"),
		   ARG_CALLER, ARG_PATH(0)) },
	/* The body is optional: without one the function gets SQL null. */
	{ SQL_ROUTE(HTTP_POST, "/api/integration-installs/{inst}/upgrade"),
	  SQL_CALL("install_upgrade", REPLY_FROM("api.install_upgrade($1::jsonb, $2, $3::jsonb)"),
		   ARG_CALLER, ARG_PATH(0), ARG_BODY),
	  .body = BODY_OPTIONAL, .body_spec = &install_upgrade_body },
	{ SQL_ROUTE(HTTP_POST, "/api/integration-members/{imem}/detach"),
	  SQL_CALL("install_member_detach",
		   REPLY_FROM("api.install_member_detach($1::jsonb, $2, $3::jsonb)"), ARG_CALLER,
		   ARG_PATH(0), ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &install_member_detach_body },
	/* Rollouts (PRODUCT §14). The create's 202 carries Location /api/rollouts/{id} from SQL. */
	{ SQL_ROUTE(HTTP_POST, "/api/integrations/{int}/rollouts"),
	  SQL_CALL("rollout_create", REPLY_FROM("api.rollout_create($1::jsonb, $2, $3::jsonb)"),
		   ARG_CALLER, ARG_PATH(0), ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &rollout_create_body },
	/* A plain handler: the rollouts visible to roles of the source workspace, paginated. */
	{ ROUTE(HTTP_GET, "/api/integrations/{int}/rollouts", handle_rollout_list),
	  .query_params = rollout_list_params },
	{ SQL_ROUTE(HTTP_GET, "/api/rollouts/{rol}"),
	  SQL_CALL("rollout_get", REPLY_FROM("api.rollout_get($1::jsonb, $2)"), ARG_CALLER,
		   ARG_PATH(0)) },
	/* A plain handler: ?state= is checked (a 400) before the database. */
	{ ROUTE(HTTP_GET, "/api/rollouts/{rol}/jobs", handle_rollout_job_list),
	  .query_params = rollout_job_list_params },
	{ SQL_ROUTE(HTTP_POST, "/api/rollouts/{rol}/pause"),
	  SQL_CALL("rollout_pause", REPLY_FROM("api.rollout_action($1::jsonb, $2, 'pause')"),
		   ARG_CALLER, ARG_PATH(0)),
	  .body = BODY_OPTIONAL, .body_spec = &empty_body },
	{ SQL_ROUTE(HTTP_POST, "/api/rollouts/{rol}/resume"),
	  SQL_CALL("rollout_resume", REPLY_FROM("api.rollout_action($1::jsonb, $2, 'resume')"),
		   ARG_CALLER, ARG_PATH(0)),
	  .body = BODY_OPTIONAL, .body_spec = &empty_body },
	{ SQL_ROUTE(HTTP_POST, "/api/rollouts/{rol}/cancel"),
	  SQL_CALL("rollout_cancel", REPLY_FROM("api.rollout_action($1::jsonb, $2, 'cancel')"),
		   ARG_CALLER, ARG_PATH(0)),
	  .body = BODY_OPTIONAL, .body_spec = &empty_body },
	{ SQL_ROUTE(HTTP_POST, "/api/rollouts/{rol}/retry"),
	  SQL_CALL("rollout_retry", REPLY_FROM("api.rollout_action($1::jsonb, $2, 'retry')"),
		   ARG_CALLER, ARG_PATH(0)),
	  .body = BODY_OPTIONAL, .body_spec = &empty_body },
	{ SQL_ROUTE(HTTP_PATCH, "/api/integration-installs/{inst}"),
	  SQL_CALL("install_patch", REPLY_FROM("api.install_patch($1::jsonb, $2, $3::jsonb)"),
		   ARG_CALLER, ARG_PATH(0), ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &install_patch_body },
	{ SQL_ROUTE(HTTP_GET, "/api/integration-members/{imem}/diff"),
	  SQL_CALL("install_member_diff", REPLY_FROM("api.install_member_diff($1::jsonb, $2)"),
		   ARG_CALLER, ARG_PATH(0)) },
	/* A plain handler: ?from is required and shape-checked (a 400) before the database. */
	{ ROUTE(HTTP_GET, "/api/integration-versions/{intv}/diff", handle_integration_version_diff),
	  .query_params = integration_version_diff_params },
	{ ROUTE(HTTP_GET, "/api/integration-installs/{inst}/operations",
		handle_install_operation_list),
	  .query_params = install_operation_list_params },
	{ SQL_ROUTE(HTTP_GET, "/api/integration-installs/{inst}/operations/verify"),
	  SQL_CALL("install_operations_verify",
		   REPLY_FROM("api.install_operations_verify($1::jsonb, $2)"), ARG_CALLER,
		   ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_GET, "/api/integration-operations/{iop}"),
	  SQL_CALL("install_operation_get", REPLY_FROM("api.install_operation_get($1::jsonb, $2)"),
		   ARG_CALLER, ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_POST, "/api/integration-installs/{inst}/rollback"),
	  SQL_CALL("install_rollback", REPLY_FROM("api.install_rollback($1::jsonb, $2, $3::jsonb)"),
		   ARG_CALLER, ARG_PATH(0), ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &install_rollback_body },
	/* Events (PRODUCT §15). A plain handler: ?workspace_id and ?types are checked (a 400),
	 * then the caller's role in the workspace (a 403), before the list. */
	{ ROUTE(HTTP_GET, "/api/events", handle_event_list), .query_params = event_list_params },
	/* Webhook endpoints (PRODUCT §15): a url is checked (https, public addresses) in C first. */
	{ ROUTE(HTTP_GET, "/api/webhook-endpoints", handle_webhook_endpoint_list),
	  .query_params = webhook_endpoint_list_params },
	{ SQL_ROUTE(HTTP_POST, "/api/webhook-endpoints"),
	  SQL_CALL_AFTER(webhook_url_or_reply, "webhook_endpoint_create",
			 REPLY_FROM("api.webhook_endpoint_create($1::jsonb, $2::jsonb)"),
			 ARG_CALLER, ARG_BODY),
	  .body = BODY_REQUIRED, .body_spec = &webhook_endpoint_create_body },
	{ SQL_ROUTE(HTTP_GET, "/api/webhook-endpoints/{whe}"),
	  SQL_CALL("webhook_endpoint_get", REPLY_FROM("api.webhook_endpoint_get($1::jsonb, $2)"),
		   ARG_CALLER, ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_PATCH, "/api/webhook-endpoints/{whe}"),
	  SQL_CALL_AFTER(webhook_url_or_reply, "webhook_endpoint_patch",
			 REPLY_FROM("api.webhook_endpoint_patch($1::jsonb, $2, $3::jsonb, $4)"),
			 ARG_CALLER, ARG_PATH(0), ARG_BODY, ARG_IF_MATCH),
	  .body = BODY_REQUIRED, .body_spec = &webhook_endpoint_patch_body },
	{ SQL_ROUTE(HTTP_DELETE, "/api/webhook-endpoints/{whe}"),
	  SQL_CALL("webhook_endpoint_delete",
		   REPLY_FROM("api.webhook_endpoint_delete($1::jsonb, $2)"), ARG_CALLER,
		   ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_POST, "/api/webhook-endpoints/{whe}/rotate-secret"),
	  SQL_CALL("webhook_endpoint_rotate_secret",
		   REPLY_FROM("api.webhook_endpoint_rotate_secret($1::jsonb, $2)"), ARG_CALLER,
		   ARG_PATH(0)),
	  .body = BODY_OPTIONAL, .body_spec = &empty_body },
	{ SQL_ROUTE(HTTP_POST, "/api/webhook-endpoints/{whe}/test"),
	  SQL_CALL("webhook_endpoint_test", REPLY_FROM("api.webhook_endpoint_test($1::jsonb, $2)"),
		   ARG_CALLER, ARG_PATH(0)),
	  .body = BODY_OPTIONAL, .body_spec = &empty_body },
	/* A plain handler: ?state= is checked (a 400) before the database. */
	{ ROUTE(HTTP_GET, "/api/webhook-endpoints/{whe}/deliveries", handle_webhook_delivery_list),
	  .query_params = webhook_delivery_list_params },
	{ SQL_ROUTE(HTTP_GET, "/api/webhook-deliveries/{whd}"),
	  SQL_CALL("webhook_delivery_get", REPLY_FROM("api.webhook_delivery_get($1::jsonb, $2)"),
		   ARG_CALLER, ARG_PATH(0)) },
	{ SQL_ROUTE(HTTP_POST, "/api/webhook-deliveries/{whd}/redeliver"),
	  SQL_CALL("webhook_delivery_redeliver",
		   REPLY_FROM("api.webhook_delivery_redeliver($1::jsonb, $2)"), ARG_CALLER,
		   ARG_PATH(0)),
	  .body = BODY_OPTIONAL, .body_spec = &empty_body },
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
