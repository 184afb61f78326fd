#include <string.h>

#include "base/vocab.h"
#include "handlers/installs.h"
#include "handlers/common.h"
#include "list/query.h"
#include "list/resources.h"
#include "http/problem.h"
#include "http/route.h"

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
			validation_add(v, at, VALIDATE_SLUG_MESSAGE);
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
	FIELD_SPEC_WORKSPACE_ID,
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

static const char *const on_conflict_values[] = { "keep_local", "take_upstream", "fail", NULL };
static const char *const take_values[] = { "local", "upstream", "value", NULL };

/* A string member of a resolution: required; one of values when values is set. */
static const char *resolution_string(struct json_object *item, const char *name, const char *at,
				     const char *const *values, const char *message,
				     struct validation *v)
{
	struct json_object *m;
	const char *path = arena_printf(v->arena, "%s/%s", at, name);
	const char *s;
	size_t i;

	if (!json_object_object_get_ex(item, name, &m)) {
		validation_add(v, path, "is required");
		return NULL;
	}
	if (!json_object_is_type(m, json_type_string)) {
		validation_add(v, path, "must be a string");
		return NULL;
	}
	s = json_object_get_string(m);
	for (i = 0; values != NULL && values[i] != NULL; i++)
		if (strcmp(values[i], s) == 0)
			return s;
	if (values != NULL) {
		validation_add(v, path, message);
		return NULL;
	}
	return s;
}

/* One resolution: {memberId, path, take, value?}, value only (and always) with take "value". */
static void check_resolution(struct json_object *item, const char *at, struct validation *v)
{
	const char *member, *take;
	bool has_value = json_object_object_get_ex(item, "value", NULL);

	json_object_object_foreach(item, key, unused)
	{
		(void)unused;
		if (strcmp(key, "memberId") != 0 && strcmp(key, "path") != 0 &&
		    strcmp(key, "take") != 0 && strcmp(key, "value") != 0)
			validation_add(v, validate_pointer(v->arena, at, key), "unknown field");
	}
	member = resolution_string(item, "memberId", at, NULL, NULL, v);
	if (member != NULL && !vocab_valid_id(member, "imem"))
		validation_add(v, arena_printf(v->arena, "%s/memberId", at),
			       "must be an install member id (imem_…)");
	(void)resolution_string(item, "path", at, NULL, NULL, v);
	take = resolution_string(item, "take", at, take_values,
				 "must be one of local, upstream, value", v);
	if (take != NULL && (strcmp(take, "value") == 0) != has_value)
		validation_add(v, arena_printf(v->arena, "%s/value", at),
			       has_value ? "is allowed only when take is value"
					 : "is required when take is value");
}

/* resolutions: an array of resolution objects. */
static void check_resolutions(struct json_object *value, const char *path, struct validation *v)
{
	size_t i, n = json_object_array_length(value);

	for (i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(value, i);
		const char *at = arena_printf(v->arena, "%s/%zu", path, i);

		if (!json_object_is_type(item, json_type_object))
			validation_add(v, at, "must be an object");
		else
			check_resolution(item, at, v);
	}
}

static const struct field_spec upgrade_fields[] = {
	{ .name = "integrationVersionId",
	  .type = FIELD_STRING,
	  .flags = FIELD_NULLABLE,
	  .check = valid_version_id,
	  .check_message = "must be an integration version id (intv_…)" },
	{ .name = "variables", .type = FIELD_OBJECT },
	{ .name = "dryRun", .type = FIELD_BOOL },
	{ .name = "onConflict",
	  .type = FIELD_STRING,
	  .enum_values = on_conflict_values,
	  .check_message = "must be one of keep_local, take_upstream, fail" },
	{ .name = "resolutions", .type = FIELD_ARRAY, .check_json = check_resolutions },
};

static const struct field_spec detach_fields[] = {
	{ .name = "detached", .type = FIELD_BOOL, .flags = FIELD_REQUIRED },
};

const struct body_spec install_body = BODY_SPEC(install_fields, check_selection);
const struct body_spec install_upgrade_body = BODY_SPEC(upgrade_fields, NULL);
const struct body_spec install_member_detach_body = BODY_SPEC(detach_fields, NULL);

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
