#include "handlers/webhooks.h"

#include <string.h>

#include "base/config.h"
#include "base/vocab.h"
#include "db/db.h"
#include "db/sqlparams.h"
#include "http/problem.h"
#include "http/webhook_url.h"
#include "list/query.h"
#include "list/resources.h"

/* eventTypes: unique EventType values, at least one (null, not [], means every type). */
static void check_event_types(struct json_object *value, const char *path, struct validation *v)
{
	size_t i, j, n = json_object_array_length(value);

	if (n == 0)
		validation_add(v, path, "must hold at least one event type (null: every type)");
	for (i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(value, i);
		const char *at = arena_printf(v->arena, "%s/%zu", path, i);

		if (!json_object_is_type(item, json_type_string) ||
		    !vocab_contains(vocab_event_types, json_object_get_string(item))) {
			validation_add(v, at, "must be an event type (EventType)");
			continue;
		}
		for (j = 0; j < i; j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(value, j)),
				   json_object_get_string(item)) == 0) {
				validation_add(v, at, "is listed twice");
				break;
			}
	}
}

/* The url's rules are webhook_url_or_reply's (a 422); here only its type. */
#define URL_FIELD(flags_)                                                                          \
	{                                                                                          \
		.name = "url", .type = FIELD_STRING, .flags = (flags_)                             \
	}
#define EVENT_TYPES_FIELD                                                                          \
	{                                                                                          \
		.name = "eventTypes", .type = FIELD_ARRAY, .flags = FIELD_NULLABLE,                \
		.check_json = check_event_types                                                    \
	}
#define DESCRIPTION_FIELD                                                                          \
	{                                                                                          \
		.name = "description", .type = FIELD_STRING, .flags = FIELD_NULLABLE,              \
		.max_len = 1000                                                                    \
	}
#define ENABLED_FIELD                                                                              \
	{                                                                                          \
		.name = "enabled", .type = FIELD_BOOL                                              \
	}

static const struct field_spec create_fields[] = {
	FIELD_SPEC_WORKSPACE_ID, URL_FIELD(FIELD_REQUIRED), EVENT_TYPES_FIELD, DESCRIPTION_FIELD,
	ENABLED_FIELD,
};

static const struct field_spec patch_fields[] = {
	URL_FIELD(0),
	EVENT_TYPES_FIELD,
	DESCRIPTION_FIELD,
	ENABLED_FIELD,
};

const struct body_spec webhook_endpoint_create_body = BODY_SPEC(create_fields, NULL);
const struct body_spec webhook_endpoint_patch_body = BODY_SPEC(patch_fields, NULL);

const char *const webhook_endpoint_list_params[] = { "limit",   "after",        "before", "filter",
						     "orderBy", "workspace_id", NULL };
const char *const webhook_delivery_list_params[] = { "limit",   "after", "before", "filter",
						     "orderBy", "state", NULL };

int webhook_url_or_reply(struct request *req, struct response *resp)
{
	struct json_object *url;
	struct problem_error error = { "/url", NULL };
	bool allow_private = req->config != NULL && req->config->webhook_allow_private;

	/* A PATCH without url keeps the checked one. */
	if (!json_object_object_get_ex(req->json, "url", &url))
		return 0;
	if (webhook_url_check(json_object_get_string(url), allow_private, req->arena,
			      &error.message) == 0)
		return 0;
	problem_reply_errors(resp, req, 422, "validation_failed",
			     arena_printf(req->arena, "The url %s.", error.message), &error, 1);
	return -1;
}

/* The caller's role where the list's rows live: NULL (no role) or the role's name. */
static int role_or_reply(struct request *req, struct response *resp, struct db_stmt *stmt,
			 const char *key, const char **role)
{
	const char *params[] = { req->caller.json, key };
	PGresult *res = db_exec(req, resp, stmt, params, true);

	if (res == NULL)
		return -1;
	*role = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : NULL;
	return 0;
}

static bool manages(const char *role)
{
	return role != NULL && (strcmp(role, "owner") == 0 || strcmp(role, "admin") == 0);
}

static struct db_stmt workspace_role_stmt = { "webhook_workspace_role",
					      "select core.caller_role($1::jsonb, $2)", 2, 0 };
/* No row: no such endpoint. */
static struct db_stmt endpoint_role_stmt = {
	"webhook_endpoint_role",
	"select core.caller_role($1::jsonb, e.workspace_id) from core.webhook_endpoints as e"
	" where e.id = $2",
	2, 0
};

/* A 400 at ?name with message. */
static void query_problem(struct request *req, struct response *resp, const char *name,
			  const char *message)
{
	struct problem_error error = { name, message };

	problem_reply_errors(resp, req, 400, "validation_failed",
			     "the list parameters are not valid", &error, 1);
}

/*
 * One workspace's endpoints (workspace_id is required: endpoints are managed per
 * workspace), newest first by default. Any role but owner and admin, or none, is a 403: the
 * caller names the workspace, there is no resource to hide.
 */
void handle_webhook_endpoint_list(struct request *req, struct response *resp)
{
	struct list_query q;
	const char *workspace = request_query(req, "workspace_id"), *role;

	if (workspace == NULL || !validate_workspace_id(workspace)) {
		query_problem(req, resp, "?workspace_id", "is required: a workspace id (ws_…)");
		return;
	}
	if (role_or_reply(req, resp, &workspace_role_stmt, workspace, &role) < 0)
		return;
	if (!manages(role)) {
		problem_reply(resp, req, 403, "forbidden",
			      "Only an owner or admin of the workspace may list its webhook "
			      "endpoints.");
		return;
	}
	list_query_init(&q, req, &list_webhook_endpoints, "e", "core.webhook_endpoint_json(e)");
	strbuf_puts(&q.scope, "core.owned_in_scope(e.workspace_id, null, $1::text[], true)");
	list_query_equals(&q, "workspace_id", "workspace_id", workspace);
	list_run(req, resp, &q);
}

/* An endpoint's deliveries, narrowed to one state by ?state=, newest first by default. */
void handle_webhook_delivery_list(struct request *req, struct response *resp)
{
	struct list_query q;
	const char *state = request_query(req, "state"), *role;

	if (state != NULL && !vocab_contains(vocab_webhook_delivery_states, state)) {
		query_problem(req, resp, "?state", "must be one of pending, delivered, failed");
		return;
	}
	if (role_or_reply(req, resp, &endpoint_role_stmt, req->path_params[0], &role) < 0)
		return;
	if (role == NULL) {
		problem_reply(resp, req, 404, "not_found", "Webhook endpoint not found.");
		return;
	}
	if (!manages(role)) {
		problem_reply(resp, req, 403, "forbidden",
			      "Only an owner or admin of the workspace may manage its webhook "
			      "endpoints.");
		return;
	}
	list_query_init(&q, req, &list_webhook_deliveries, "d", "core.webhook_delivery_json(d)");
	strbuf_puts(&q.scope, "d.endpoint_id = ");
	sql_param(&q.params, &q.scope, req->path_params[0]);
	strbuf_puts(
		&q.scope,
		" and exists (select from core.webhook_endpoints as e where e.id = d.endpoint_id"
		" and core.owned_in_scope(e.workspace_id, null, $1::text[], true))");
	list_query_key(&q, "endpoint", req->path_params[0]);
	if (state != NULL)
		list_query_equals(&q, "state", "state", state);
	list_run(req, resp, &q);
}
