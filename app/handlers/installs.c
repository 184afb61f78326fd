#include <string.h>

#include "base/vocab.h"
#include "handlers/installs.h"
#include "handlers/common.h"
#include "list/query.h"
#include "list/resources.h"
#include "http/problem.h"
#include "http/route.h"

#define SLUG_MESSAGE "must match ^[a-z0-9][a-z0-9-]{1,62}$"

static bool valid_version_id(const char *s)
{
	return vocab_valid_id(s, "intv");
}

static bool valid_install_id(const char *s)
{
	return vocab_valid_id(s, "inst");
}

/* selectedMemberSlugs: manifest member slugs, each at its own pointer. */
static void check_member_slugs(struct json_object *value, const char *path, struct validation *v)
{
	size_t i, n = json_object_array_length(value);

	for (i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(value, i);
		const char *at = arena_printf(v->arena, "%s/%zu", path, i);

		if (!json_object_is_type(item, json_type_string))
			validation_add(v, at, "must be a string");
		else if (!validate_slug(json_object_get_string(item)))
			validation_add(v, at, SLUG_MESSAGE);
	}
}

/*
 * selectedMemberSlugs goes with memberPolicy manual and only with it: a
 * request shape rule, so a 400 before the database is asked.
 */
static void check_selection(struct json_object *body, struct validation *v)
{
	struct json_object *policy;
	bool manual = json_object_object_get_ex(body, "memberPolicy", &policy) &&
		      strcmp(json_object_get_string(policy), "manual") == 0;
	bool selected = json_object_object_get_ex(body, "selectedMemberSlugs", NULL);

	if (manual != selected)
		validation_add(v, "/selectedMemberSlugs",
			       manual ? "is required when memberPolicy is manual"
				      : "is allowed only when memberPolicy is manual");
}

static const struct field_spec install_fields[] = {
	{ .name = "workspaceId",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .check = validate_workspace_id,
	  .check_message = "must be a workspace id (ws_…)" },
	{ .name = "integrationVersionId",
	  .type = FIELD_STRING,
	  .flags = FIELD_NULLABLE,
	  .check = valid_version_id,
	  .check_message = "must be an integration version id (intv_…)" },
	{ .name = "variables", .type = FIELD_OBJECT },
	{ .name = "authStateId",
	  .type = FIELD_STRING,
	  .flags = FIELD_NULLABLE,
	  .max_len = 200,
	  .check = validate_nonblank,
	  .check_message = "must not be blank" },
	{ .name = "memberPolicy",
	  .type = FIELD_STRING,
	  .enum_values = vocab_member_policies,
	  .check_message = "must be one of auto_all, auto_defaults, manual" },
	{ .name = "parentInstallId",
	  .type = FIELD_STRING,
	  .flags = FIELD_NULLABLE,
	  .check = valid_install_id,
	  .check_message = "must be an install id (inst_…)" },
	{ .name = "selectedMemberSlugs", .type = FIELD_ARRAY, .check_json = check_member_slugs },
};

static const struct field_spec upgrade_fields[] = {
	{ .name = "integrationVersionId",
	  .type = FIELD_STRING,
	  .flags = FIELD_NULLABLE,
	  .check = valid_version_id,
	  .check_message = "must be an integration version id (intv_…)" },
	{ .name = "variables", .type = FIELD_OBJECT },
	{ .name = "dryRun", .type = FIELD_BOOL },
};

static const struct field_spec detach_fields[] = {
	{ .name = "detached", .type = FIELD_BOOL, .flags = FIELD_REQUIRED },
};

const struct body_spec install_body = { install_fields,
					sizeof(install_fields) / sizeof(install_fields[0]),
					check_selection };
const struct body_spec install_upgrade_body = { upgrade_fields,
						sizeof(upgrade_fields) / sizeof(upgrade_fields[0]),
						NULL };
const struct body_spec install_member_detach_body = {
	detach_fields, sizeof(detach_fields) / sizeof(detach_fields[0]), NULL
};

const char *const install_list_params[] = {
	"limit",        "after",          "before",          "ids", "filter", "orderBy",
	"workspace_id", "integration_id", "include_deleted", NULL
};

/*
 * Scope: the installs of the caller's workspaces ($1), live ones unless
 * include_deleted=true, narrowed to ids when given; then the shorthands.
 */
void handle_install_list(struct request *req, struct response *resp)
{
	struct validation v = { .arena = req->arena };
	struct list_query q;
	struct list_common common;
	const char *workspace = request_query(req, "workspace_id");
	const char *integration = request_query(req, "integration_id");

	list_common_parse(req, "inst", "an install", &common, &v);
	if (workspace != NULL && !validate_workspace_id(workspace))
		validation_add(&v, "?workspace_id", "must be a workspace id (ws_…)");
	if (integration != NULL && !vocab_valid_id(integration, "int"))
		validation_add(&v, "?integration_id", "must be an integration id (int_…)");
	if (v.n_errors > 0) {
		problem_reply_errors(resp, req, 400, "validation_failed",
				     "the list parameters are not valid", v.errors, v.n_errors);
		return;
	}
	list_query_init(&q, req, &list_installs, "n", "core.install_json(n)");
	list_query_owned_scope(&q, &common);
	if (workspace != NULL)
		list_query_equals(&q, "workspace_id", "workspace_id", workspace);
	if (integration != NULL)
		list_query_equals(&q, "integration_id", "integration_id", integration);
	list_run(req, resp, &q);
}
