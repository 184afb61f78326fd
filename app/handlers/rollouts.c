#include "handlers/rollouts.h"

#include <ctype.h>
#include <string.h>

#include "base/vocab.h"
#include "db/db.h"
#include "db/sqlparams.h"
#include "handlers/common.h"
#include "http/problem.h"
#include "json/json_strict.h"
#include "list/query.h"
#include "list/resources.h"

#define MAX_WAVES 100
#define MAX_WORKSPACE_IDS 100

static bool valid_version_id(const char *s)
{
	return vocab_valid_id(s, "intv");
}

static bool digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM). The database checks the values. */
static bool valid_timestamp(const char *s)
{
	size_t n;

	if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return false;
	s += 19;
	if (*s == '.') {
		for (n = 1; isdigit((unsigned char)s[n]); n++)
			;
		if (n == 1)
			return false;
		s += n;
	}
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0')
		return true;
	return (*s == '+' || *s == '-') && digits(s + 1, 2) && s[3] == ':' && digits(s + 4, 2) &&
	       s[6] == '\0';
}

/* waves: 1 to 100 objects {"percent": 1..100, "maxFailures": >= 0}, nothing else. */
static void check_waves(struct json_object *value, const char *path, struct validation *v)
{
	size_t i, n = json_object_array_length(value);

	if (n < 1 || n > MAX_WAVES)
		validation_add(v, path, "must hold 1 to 100 waves");
	for (i = 0; i < n && i < MAX_WAVES; i++) {
		struct json_object *w = json_object_array_get_idx(value, i), *x;
		const char *at = arena_printf(v->arena, "%s/%zu", path, i);

		if (!json_object_is_type(w, json_type_object)) {
			validation_add(v, at, "must be an object");
			continue;
		}
		json_object_object_foreach(w, key, member)
		{
			(void)member;
			if (strcmp(key, "percent") != 0 && strcmp(key, "maxFailures") != 0)
				validation_add(v, arena_printf(v->arena, "%s/%s", at, key),
					       "is not a known field");
		}
		if (!json_object_object_get_ex(w, "percent", &x) ||
		    !json_object_is_type(x, json_type_int) || json_object_get_int64(x) < 1 ||
		    json_object_get_int64(x) > 100)
			validation_add(v, arena_printf(v->arena, "%s/percent", at),
				       "must be an integer from 1 to 100");
		if (json_object_object_get_ex(w, "maxFailures", &x) &&
		    (!json_object_is_type(x, json_type_int) || json_object_get_int64(x) < 0 ||
		     json_object_get_int64(x) > 1000000))
			validation_add(v, arena_printf(v->arena, "%s/maxFailures", at),
				       "must be an integer from 0 to 1000000");
	}
}

/* workspaceIds: 1 to 100 workspace ids. */
static void check_workspace_ids(struct json_object *value, const char *path, struct validation *v)
{
	size_t i, n = json_object_array_length(value);

	if (n < 1 || n > MAX_WORKSPACE_IDS)
		validation_add(v, path, "must hold 1 to 100 workspace ids");
	for (i = 0; i < n && i < MAX_WORKSPACE_IDS; i++) {
		struct json_object *item = json_object_array_get_idx(value, i);

		if (!json_object_is_type(item, json_type_string) ||
		    !validate_workspace_id(json_object_get_string(item)))
			validation_add(v, arena_printf(v->arena, "%s/%zu", path, i),
				       "must be a workspace id (ws_…)");
	}
}

static const struct field_spec create_fields[] = {
	{ .name = "targetVersionId",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .check = valid_version_id,
	  .check_message = "must be an integration version id (intv_…)" },
	{ .name = "waves", .type = FIELD_ARRAY, .check_json = check_waves },
	{ .name = "onConflict",
	  .type = FIELD_STRING,
	  .enum_values = vocab_rollout_on_conflict,
	  .check_message = "must be one of keep_local, take_upstream, skip" },
	{ .name = "startAt",
	  .type = FIELD_STRING,
	  .flags = FIELD_NULLABLE,
	  .max_len = 64,
	  .check = valid_timestamp,
	  .check_message = "must be an RFC 3339 date-time" },
	{ .name = "workspaceIds", .type = FIELD_ARRAY, .check_json = check_workspace_ids },
};

static const struct field_spec patch_fields[] = {
	{ .name = "upgradePolicy",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .enum_values = vocab_upgrade_policies,
	  .check_message = "must be one of auto, pinned" },
};

const struct body_spec rollout_create_body = BODY_SPEC(create_fields, NULL);
const struct body_spec install_patch_body = BODY_SPEC(patch_fields, NULL);

const char *const rollout_list_params[] = { "limit", "after", "before", "filter", "orderBy", NULL };
const char *const rollout_job_list_params[] = { "limit",   "after", "before", "filter",
						"orderBy", "state", NULL };

/* A row when the caller has a role in the integration's source workspace. */
static struct db_stmt integration_member_stmt = {
	"rollout_integration_member",
	"select 1 from core.integrations as i where i.id = $2"
	" and core.caller_role($1::jsonb, i.workspace_id) is not null",
	2, 0
};
/* A row when the caller has a role in the rollout's source workspace. */
static struct db_stmt rollout_member_stmt = {
	"rollout_member",
	"select 1 from core.rollouts as r where r.id = $2"
	" and core.caller_role($1::jsonb, r.workspace_id) is not null",
	2, 0
};

/* 0 when the check statement finds its row; else a 404 (or the database's problem) and -1. */
static int visible_or_404(struct request *req, struct response *resp, struct db_stmt *stmt,
			  const char *detail)
{
	const char *params[] = { req->caller.json, req->path_params[0] };
	PGresult *res = db_exec(req, resp, stmt, params, true);

	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		problem_reply(resp, req, 404, "not_found", detail);
		return -1;
	}
	return 0;
}

/*
 * The rollouts of an integration, newest first by default: for roles of its source
 * workspace. The rule is SQL's (core.owned_in_scope); rollouts are never soft-deleted.
 */
void handle_rollout_list(struct request *req, struct response *resp)
{
	struct list_query q;

	if (visible_or_404(req, resp, &integration_member_stmt, "Integration not found.") < 0)
		return;
	list_query_init(&q, req, &list_rollouts, "r", "core.rollout_json(r)");
	strbuf_puts(&q.scope, "r.integration_id = ");
	sql_param(&q.params, &q.scope, req->path_params[0]);
	strbuf_puts(&q.scope, " and core.owned_in_scope(r.workspace_id, null, $1::text[], true)");
	list_query_key(&q, "integration", req->path_params[0]);
	list_run(req, resp, &q);
}

/* The jobs of a rollout, narrowed to one state by ?state=. */
void handle_rollout_job_list(struct request *req, struct response *resp)
{
	struct list_query q;
	const char *state = request_query(req, "state");

	if (state != NULL && !vocab_contains(vocab_rollout_job_states, state)) {
		struct problem_error error = {
			"?state",
			"must be one of pending, running, upgraded, skipped, conflicted, failed"
		};

		problem_reply_errors(resp, req, 400, "validation_failed",
				     "the list parameters are not valid", &error, 1);
		return;
	}
	if (visible_or_404(req, resp, &rollout_member_stmt, "Rollout not found.") < 0)
		return;
	list_query_init(&q, req, &list_rollout_jobs, "j", "core.rollout_job_json(j)");
	strbuf_puts(&q.scope, "j.rollout_id = ");
	sql_param(&q.params, &q.scope, req->path_params[0]);
	strbuf_puts(&q.scope,
		    " and exists (select from core.rollouts as r where r.id = j.rollout_id"
		    " and core.owned_in_scope(r.workspace_id, null, $1::text[], true))");
	list_query_key(&q, "rollout", req->path_params[0]);
	if (state != NULL)
		list_query_equals(&q, "state", "state", state);
	list_run(req, resp, &q);
}
