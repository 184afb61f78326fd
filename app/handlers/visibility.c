#include <json.h>

#include "base/vocab.h"
#include "db/db.h"
#include "handlers/visibility.h"
#include "handlers/common.h"

static const char *const decisions[] = { "approve", "reject", NULL };

static const struct field_spec visibility_fields[] = {
	{ .name = "visibility",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .enum_values = vocab_visibilities,
	  .check_message = "must be private, unlisted or public" },
};
static const struct field_spec review_fields[] = {
	{ .name = "decision",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .enum_values = decisions,
	  .check_message = "must be approve or reject" },
};
static const struct field_spec grant_fields[] = {
	{ .name = "workspaceId",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .check = validate_workspace_id,
	  .check_message = "must be a workspace id (ws_…)" },
};

const struct body_spec integration_visibility_body = {
	visibility_fields, sizeof(visibility_fields) / sizeof(visibility_fields[0])
};
const struct body_spec integration_review_body = {
	review_fields, sizeof(review_fields) / sizeof(review_fields[0])
};
const struct body_spec integration_grant_body = { grant_fields,
						  sizeof(grant_fields) / sizeof(grant_fields[0]) };

static struct db_stmt visibility_stmt = {
	"integration_set_visibility",
	"select status, body, etag from api.integration_set_visibility($1::jsonb, $2, $3::jsonb)",
	3, 0
};
static struct db_stmt review_stmt = {
	"integration_review",
	"select status, body, etag from api.integration_review($1::jsonb, $2, $3::jsonb)", 3, 0
};
static struct db_stmt grant_create_stmt = {
	"integration_grant_create",
	"select status, body, etag from api.integration_grant_create($1::jsonb, $2, $3::jsonb)", 3,
	0
};
static struct db_stmt grant_list_stmt = {
	"integration_grant_list",
	"select status, body, etag from api.integration_grant_list($1::jsonb, $2)", 2, 0
};
static struct db_stmt grant_delete_stmt = {
	"integration_grant_delete",
	"select status, body, etag from api.integration_grant_delete($1::jsonb, $2, $3)", 3, 0
};

void handle_integration_set_visibility(struct request *req, struct response *resp)
{
	const char *params[] = { req->caller.json, req->path_params[0], req->body };

	db_reply(req, resp, &visibility_stmt, params);
}

void handle_integration_review(struct request *req, struct response *resp)
{
	const char *params[] = { req->caller.json, req->path_params[0], req->body };

	db_reply(req, resp, &review_stmt, params);
}

/* A grant has no id of its own: its Location is the integration's grant of that workspace. */
void handle_integration_grant_create(struct request *req, struct response *resp)
{
	const char *params[] = { req->caller.json, req->path_params[0], req->body };
	struct json_object *workspace;

	db_reply(req, resp, &grant_create_stmt, params);
	if (resp->status == 201 && json_object_object_get_ex(req->json, "workspaceId", &workspace))
		response_header(resp, "Location",
				arena_printf(req->arena, "/api/integrations/%s/grants/%s",
					     req->path_params[0],
					     json_object_get_string(workspace)));
}

void handle_integration_grant_list(struct request *req, struct response *resp)
{
	const char *params[] = { req->caller.json, req->path_params[0] };

	db_reply(req, resp, &grant_list_stmt, params);
}

void handle_integration_grant_delete(struct request *req, struct response *resp)
{
	const char *params[] = { req->caller.json, req->path_params[0], req->path_params[1] };

	db_reply(req, resp, &grant_delete_stmt, params);
}
