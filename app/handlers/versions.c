#include <string.h>

#include "db/db.h"
#include "handlers/versions.h"
#include "handlers/common.h"
#include "list/query.h"
#include "list/resources.h"
#include "http/problem.h"
#include "base/values.h"

static const struct field_spec publish_fields[] = {
	{ .name = "version",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .check = value_is_semver,
	  .check_message = "must be a SemVer 2.0 version: MAJOR.MINOR.PATCH[-prerelease][+build]" },
	{ .name = "changelog", .type = FIELD_STRING, .flags = FIELD_NULLABLE, .max_len = 20000 },
};

const struct body_spec integration_publish_body = BODY_SPEC(publish_fields, NULL);

const char *const version_list_params[] = { "limit", "after", "before", "filter", "orderBy", NULL };

/* No row, or false: the caller may not read the integration (or there is none). */
static struct db_stmt readable_stmt = { "integration_readable",
					"select core.integration_readable($1::jsonb, i) from "
					"core.integrations as i where i.id = $2",
					2, 0 };

void handle_integration_version_list(struct request *req, struct response *resp)
{
	const char *params[] = { req->caller.json, req->path_params[0] };
	PGresult *res = db_exec(req, resp, &readable_stmt, params, true);
	struct list_query q;

	if (res == NULL)
		return;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		problem_reply(resp, req, 404, "not_found", "Integration not found.");
		return;
	}
	list_query_init(&q, req, &list_versions, "v", "core.integration_version_json(v)");
	strbuf_puts(&q.scope, "v.integration_id = ");
	sql_param(&q.params, &q.scope, req->path_params[0]);
	/*
	 * Every list query uses $1, the caller's workspaces; here it restates the
	 * read rule, so the page agrees with the check above even when the
	 * integration was deleted or made private in between.
	 */
	strbuf_puts(&q.scope, " and exists (select from core.integrations as i"
			      " where i.id = v.integration_id"
			      " and core.integration_in_read_scope(i, $1::text[], array(select g"
			      " from core.integration_grants_to($1::text[]) as g)))");
	list_query_key(&q, "integration", req->path_params[0]);
	list_run(req, resp, &q);
}
