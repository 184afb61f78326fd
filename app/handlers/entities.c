#include <string.h>

#include "handlers/entities.h"
#include "handlers/common.h"
#include "list/query.h"
#include "list/resources.h"
#include "http/problem.h"
#include "http/route.h"

#define KIND_MESSAGE "must match ^[a-z][a-z0-9_]{0,31}$"

/* ^[a-z][a-z0-9_]{0,31}$ */
static bool valid_kind(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > 32 || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static const struct field_spec entity_create_fields[] = {
	FIELD_SPEC_WORKSPACE_ID,
	{ .name = "kind",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .check = valid_kind,
	  .check_message = KIND_MESSAGE },
	FIELD_SPEC_SLUG,
	FIELD_SPEC_NAME(FIELD_REQUIRED),
	{ .name = "definition", .type = FIELD_OBJECT, .flags = FIELD_REQUIRED },
};

/* kind and slug are fixed at creation: sent here they are unknown fields. */
static const struct field_spec entity_patch_fields[] = {
	FIELD_SPEC_NAME(0),
	{ .name = "definition", .type = FIELD_OBJECT },
};

const struct body_spec entity_create_body = BODY_SPEC(entity_create_fields, NULL);
const struct body_spec entity_patch_body = BODY_SPEC(entity_patch_fields, NULL);

const char *const entity_list_params[] = {
	"limit", "after", "before",          "ids", "filter", "orderBy", "workspace_id",
	"kind",  "name",  "include_deleted", NULL
};

/*
 * Scope: the entities of the caller's workspaces ($1), live ones unless
 * include_deleted=true, narrowed to ids when given; then the shorthands.
 */
void handle_entity_list(struct request *req, struct response *resp)
{
	struct validation v = { .arena = req->arena };
	struct list_query q;
	struct list_common common;
	const char *workspace = request_query(req, "workspace_id"),
		   *kind = request_query(req, "kind");
	const char *name = request_query(req, "name");

	list_common_parse(req, "ent", "an entity", &common, &v);
	if (workspace != NULL && !validate_workspace_id(workspace))
		validation_add(&v, "?workspace_id", "must be a workspace id (ws_…)");
	if (kind != NULL && !valid_kind(kind))
		validation_add(&v, "?kind", KIND_MESSAGE);
	if (v.n_errors > 0) {
		problem_reply_errors(resp, req, 400, "validation_failed",
				     "the list parameters are not valid", v.errors, v.n_errors);
		return;
	}
	list_query_init(&q, req, &list_entities, "e", "core.entity_json(e)");
	list_query_owned_scope(&q, &common);
	if (workspace != NULL)
		list_query_equals(&q, "workspace_id", "workspace_id", workspace);
	if (kind != NULL)
		list_query_equals(&q, "kind", "kind", kind);
	if (name != NULL)
		list_query_contains(&q, &q.scope, "name", "name", name);
	list_run(req, resp, &q);
}
