#include "handlers/events.h"

#include <string.h>

#include "base/vocab.h"
#include "db/db.h"
#include "db/sqlparams.h"
#include "http/problem.h"
#include "http/validate.h"
#include "list/query.h"
#include "list/resources.h"

/* At most one of each type: a longer list can only repeat one. */
#define MAX_EVENT_TYPES 32

const char *const event_list_params[] = {
	"limit", "after", "before", "workspace_id", "types", NULL
};

/* true when the caller has a role, any role, in workspace $2 (the rule is SQL's). */
static struct db_stmt workspace_reader_stmt = {
	"event_workspace_reader", "select core.caller_role($1::jsonb, $2) is not null", 2, 0
};

/*
 * ?types: event types, comma-separated, each one of the vocabulary; its text[]
 * literal, or NULL after a problem recorded at "?types".
 */
static const char *parse_types(struct arena *a, const char *text, struct validation *v)
{
	const char *items[MAX_EVENT_TYPES];
	const char *start = text, *end;
	size_t n = 0;

	for (;;) {
		const char *item;

		end = strchr(start, ',');
		item = end != NULL ? arena_strndup(a, start, (size_t)(end - start))
				   : arena_strdup(a, start);
		if (*item == '\0') {
			validation_add(v, "?types",
				       "must list event types, comma-separated, none empty");
			return NULL;
		}
		if (!vocab_contains(vocab_event_types, item)) {
			validation_add(
				v, "?types",
				arena_printf(a, "'%s' is not an event type (EventType)", item));
			return NULL;
		}
		if (n == MAX_EVENT_TYPES) {
			validation_add(v, "?types", "has more than 32 event types");
			return NULL;
		}
		items[n++] = item;
		if (end == NULL)
			return sql_text_array(a, items, n);
		start = end + 1;
	}
}

/*
 * The events of one workspace, oldest first (sequence ascending), for any role of
 * it; webhook.test events (no sequence) are not part of the stream. ?after is a
 * cursor or a sequence number (list/resources.h, position_field).
 */
void handle_event_list(struct request *req, struct response *resp)
{
	struct validation v = { .arena = req->arena };
	const char *workspace = request_query(req, "workspace_id");
	const char *types = request_query(req, "types"), *types_array = NULL;
	const char *params[2];
	struct list_query q;
	PGresult *res;

	if (workspace == NULL)
		validation_add(&v, "?workspace_id", "is required");
	else if (!validate_workspace_id(workspace))
		validation_add(&v, "?workspace_id", "must be a workspace id (ws_…)");
	if (types != NULL)
		types_array = parse_types(req->arena, types, &v);
	if (v.n_errors > 0) {
		problem_reply_errors(resp, req, 400, "validation_failed",
				     "the list parameters are not valid", v.errors, v.n_errors);
		return;
	}
	params[0] = req->caller.json;
	params[1] = workspace;
	res = db_exec(req, resp, &workspace_reader_stmt, params, true);
	if (res == NULL)
		return;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		problem_reply(resp, req, 403, "forbidden",
			      "Only members of the workspace may read its events.");
		return;
	}
	list_query_init(&q, req, &list_events, "e", "core.event_json(e)");
	strbuf_puts(&q.scope, "core.owned_in_scope(e.workspace_id, null, $1::text[], true)"
			      " and e.sequence is not null");
	list_query_equals(&q, "workspace_id", "workspace_id", workspace);
	if (types_array != NULL) {
		strbuf_puts(&q.common, " and e.type = any(");
		sql_param(&q.params, &q.common, types_array);
		strbuf_puts(&q.common, "::text[])");
		list_query_key(&q, "types", types);
	}
	list_run(req, resp, &q);
}
