#include "base/vocab.h"
#include "db/db.h"
#include "handlers/diffs.h"
#include "http/problem.h"

const char *const integration_version_diff_params[] = { "from", NULL };

static struct db_stmt version_diff_stmt = {
	"integration_version_diff",
	"select status, body, etag, location from api.integration_version_diff($1::jsonb, $2, $3)",
	3, 0
};

/* ?from= is required and an integration version id: a 400 before the database. */
void handle_integration_version_diff(struct request *req, struct response *resp)
{
	const char *from = request_query(req, "from");
	const char *params[] = { req->caller.json, req->path_params[0], from };
	struct problem_error error = { "?from", NULL };

	if (from == NULL)
		error.message = "is required";
	else if (!vocab_valid_id(from, "intv"))
		error.message = "must be an integration version id (intv_…)";
	if (error.message != NULL) {
		problem_reply_errors(resp, req, 400, "validation_failed",
				     "the query string is not valid", &error, 1);
		return;
	}
	db_reply(req, resp, &version_diff_stmt, params);
}
