#include <string.h>

#include "base/vocab.h"
#include "handlers/integration_list.h"
#include "handlers/common.h"
#include "list/query.h"
#include "list/resources.h"
#include "http/problem.h"
#include "http/route.h"

const char *const integration_list_params[] = { "limit",        "after",           "before",
						"ids",          "filter",          "orderBy",
						"workspace_id", "publisher",       "visibility",
						"trust_tier",   "created_by",      "retention_tier",
						"name",         "include_deleted", NULL };

static const struct {
	const char *param;
	const char *column;
	const char *const *allowed; /* NULL: any value */
	bool (*shape)(const char *s); /* NULL: any value */
	const char *shape_message;
} equality_shorthands[] = {
	{ "workspace_id", "workspace_id", NULL, validate_workspace_id,
	  "must be a workspace id (ws_…)" },
	{ "publisher", "publisher", NULL, NULL, NULL },
	{ "visibility", "visibility", vocab_visibilities, NULL, NULL },
	{ "trust_tier", "trust_tier", vocab_trust_tiers, NULL, NULL },
	{ "created_by", "created_by", NULL, NULL, NULL },
	{ "retention_tier", "retention_tier", vocab_retention_tiers, NULL, NULL },
};

static bool allowed_value(const char *const *allowed, const char *v)
{
	for (; allowed != NULL && *allowed != NULL; allowed++)
		if (strcmp(*allowed, v) == 0)
			return true;
	return allowed == NULL;
}

/*
 * Scope (docs/api-conventions.md): the caller's own workspaces, public
 * (reviewed) ones and grants; another workspace's unlisted integration only
 * when named in ids; soft-deleted rows only of its own workspaces, on request.
 * Written as disjoint parts (each excludes the rows of the parts before it), so
 * that the total is a sum of cheap counts and the page a merge of each part's
 * first rows.
 */
static void integration_scope(struct list_query *q, const char *ids_param, bool include_deleted)
{
	/* The rule is SQL's (sql/schema/core/read_scopes.sql); C only composes the parts. */
	static const char public_scope[] = "core.integration_in_public_scope(i)";
	static const char own_scope[] = "core.integration_in_own_scope(i, $1::text[])";
	/* One array computed once (an InitPlan), not a correlated EXISTS per row. */
	static const char granted_scope[] =
		"core.integration_in_granted_scope(i, array(select g from "
		"core.integration_grants_to($1::text[]) as g))";
	struct arena *a = q->scope.arena;

	q->scope_parts[q->n_scope_parts++] = public_scope;
	q->scope_parts[q->n_scope_parts++] = arena_printf(
		a, "core.owned_in_scope(i.workspace_id, i.deleted_at, $1::text[], %s) and not %s",
		include_deleted ? "true" : "false", public_scope);
	q->scope_parts[q->n_scope_parts++] = arena_printf(a, "%s and not %s and not %s",
							  granted_scope, public_scope, own_scope);
	if (ids_param != NULL)
		q->scope_parts[q->n_scope_parts++] = arena_printf(
			a,
			"core.integration_in_unlisted_scope(i) and i.id = any(%s::text[]) "
			"and not %s and not %s",
			ids_param, own_scope, granted_scope);
	if (ids_param != NULL)
		strbuf_printf(&q->common, " and i.id = any(%s::text[])", ids_param);
}

void handle_integration_list(struct request *req, struct response *resp)
{
	struct validation v = { .arena = req->arena };
	struct list_query q;
	struct list_common common;
	const char *ids_param = NULL;
	const char *name = request_query(req, "name");
	size_t i;

	/* The stored representation (core.integration_representations), not one built per row of the page. */
	list_query_init(&q, req, &list_integrations, "i",
			"select r.body from core.integration_representations as r "
			"where r.integration_id = (i).id");
	list_common_parse(req, "int", "an integration", &common, &v);
	if (common.ids_array != NULL) {
		struct strbuf placeholder;

		strbuf_init(&placeholder, req->arena);
		sql_param(&q.params, &placeholder, common.ids_array);
		ids_param = placeholder.data;
	}
	for (i = 0; i < sizeof(equality_shorthands) / sizeof(equality_shorthands[0]); i++) {
		const char *value = request_query(req, equality_shorthands[i].param);

		const char *at = arena_printf(req->arena, "?%s", equality_shorthands[i].param);

		if (value == NULL)
			continue;
		if (!allowed_value(equality_shorthands[i].allowed, value))
			validation_add(&v, at, "is not one of the field's values");
		else if (equality_shorthands[i].shape != NULL &&
			 !equality_shorthands[i].shape(value))
			validation_add(&v, at, equality_shorthands[i].shape_message);
	}
	if (v.n_errors > 0) {
		problem_reply_errors(resp, req, 400, "validation_failed",
				     "the list parameters are not valid", v.errors, v.n_errors);
		return;
	}
	integration_scope(&q, ids_param, common.deleted_too);
	list_query_common_key(&q, &common);
	for (i = 0; i < sizeof(equality_shorthands) / sizeof(equality_shorthands[0]); i++) {
		const char *value = request_query(req, equality_shorthands[i].param);

		if (value != NULL)
			list_query_equals(&q, equality_shorthands[i].param,
					  equality_shorthands[i].column, value);
	}
	if (name != NULL)
		list_query_contains(&q, &q.common, "name", "name", name);
	list_run(req, resp, &q);
}
