#include <string.h>

#include "base/vocab.h"
#include "db/db.h"
#include "handlers/install_history.h"
#include "list/query.h"
#include "list/resources.h"
#include "http/problem.h"

static bool valid_operation_id(const char *s)
{
	return vocab_valid_id(s, "iop");
}

static const struct field_spec rollback_fields[] = {
	{ .name = "operationId",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .check = valid_operation_id,
	  .check_message = "must be an install operation id (iop_…)" },
};

const struct body_spec install_rollback_body = BODY_SPEC(rollback_fields, NULL);

const char *const install_operation_list_params[] = { "limit",  "after",   "before",
						      "filter", "orderBy", NULL };

/* A row: the install exists (uninstalled too) in one of the caller's workspaces. */
static struct db_stmt install_readable_stmt = {
	"install_readable",
	"select 1 from core.integration_installs as i where i.id = $2"
	" and core.owned_in_scope(i.workspace_id, i.deleted_at, $1::text[], true)",
	2, 0
};

/*
 * The operations of one install, newest first by default; readers of the
 * install (any role in its workspace, also after it was uninstalled).
 */
void handle_install_operation_list(struct request *req, struct response *resp)
{
	const char *params[] = { req->caller.workspace_array, req->path_params[0] };
	PGresult *res = db_exec(req, resp, &install_readable_stmt, params, true);
	struct list_query q;

	if (res == NULL)
		return;
	if (PQntuples(res) != 1) {
		problem_reply(resp, req, 404, "not_found", "Install not found.");
		return;
	}
	list_query_init(&q, req, &list_install_operations, "o", "core.install_operation_json(o)");
	strbuf_puts(&q.scope, "o.install_id = ");
	sql_param(&q.params, &q.scope, req->path_params[0]);
	/* Restates the check above, so the page agrees with it. */
	strbuf_puts(&q.scope,
		    " and exists (select from core.integration_installs as i"
		    " where i.id = o.install_id"
		    " and core.owned_in_scope(i.workspace_id, i.deleted_at, $1::text[], true))");
	list_query_key(&q, "install", req->path_params[0]);
	list_run(req, resp, &q);
}
