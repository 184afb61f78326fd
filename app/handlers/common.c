#include "db/db.h"
#include "handlers/common.h"
#include "http/route.h"

const struct body_spec empty_body = { NULL, 0, NULL };

/* The text of one argument; NULL is SQL null. */
static const char *arg_value(const struct request *req, const struct route_arg *arg)
{
	switch (arg->from) {
	case ROUTE_ARG_CALLER:
		return req->caller.json;
	case ROUTE_ARG_PATH:
		return arg->index < HTTP_MAX_PATH_PARAMS ? req->path_params[arg->index] : NULL;
	case ROUTE_ARG_BODY:
		/* The text as received (numbers keep every digit); no body, or an empty one: null. */
		return req->json != NULL ? req->body : NULL;
	case ROUTE_ARG_IF_MATCH:
		return req->if_match;
	case ROUTE_ARG_QUERY:
		return request_query(req, arg->name);
	case ROUTE_ARG_NONE:
		break;
	}
	return NULL;
}

void handle_sql_call(struct request *req, struct response *resp)
{
	const struct route_call *call = req->route->call;
	const char *params[ROUTE_MAX_ARGS];
	size_t i;

	if (call->before != NULL && call->before(req, resp) < 0)
		return;
	for (i = 0; i < ROUTE_MAX_ARGS && call->args[i].from != ROUTE_ARG_NONE; i++)
		params[i] = arg_value(req, &call->args[i]);
	if (call->not_found != NULL)
		db_read(req, resp, call->stmt, params, call->not_found);
	else
		db_reply(req, resp, call->stmt, params);
}
