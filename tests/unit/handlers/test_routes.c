/* The service's route table (app/handlers/routes.c): what is public, 404 versus 405, HEAD. */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#include "db/db.h"
#include "handlers/common.h"
#include "handlers/health.h"
#include "handlers/integrations.h"
#include "handlers/routes.h"
#include "handlers/webhooks.h"
#include "http/route.h"

#define ID "int_0192f3a4b5c6d7e8f9a0b1c2d3e4"

static struct arena *a;
static const char *params[HTTP_MAX_PATH_PARAMS];
static unsigned allowed;

static void setup(void)
{
	a = arena_new();
	memset(params, 0, sizeof(params));
	allowed = 0xFFFF;
}

static void teardown(void)
{
	arena_free(a);
}

static const struct route *lookup_api(enum http_method m, const char *path)
{
	return route_lookup(api_routes, api_routes_count, m, path, a, params, &allowed);
}

/* A 404: no route and no method to offer. */
#define ck_no_such_path(found)                                                                     \
	do {                                                                                       \
		ck_assert_ptr_null(found);                                                         \
		ck_assert_uint_eq(allowed, 0);                                                     \
	} while (0)

static bool public_by_design(const char *pattern)
{
	return strcmp(pattern, "/api/healthz") == 0 || strcmp(pattern, "/api/readyz") == 0 ||
	       strcmp(pattern, "/metrics") == 0;
}

START_TEST(only_health_and_metrics_routes_are_public)
{
	const struct route *r = lookup_api(HTTP_GET, "/api/healthz");
	size_t i;

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(r->handler, handle_healthz);
	ck_assert(r->public);
	for (i = 0; i < api_routes_count; i++)
		ck_assert_msg(api_routes[i].public == public_by_design(api_routes[i].pattern),
			      "%s is public", api_routes[i].pattern);
}
END_TEST

static const char *call_name(const struct route *r)
{
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(r->call);
	ck_assert_ptr_eq(r->handler, handle_sql_call);
	return r->call->stmt->name;
}

START_TEST(api_integration_routes)
{
	const struct route *r;

	r = lookup_api(HTTP_POST, "/api/integrations");
	ck_assert_str_eq(call_name(r), "integration_create");
	ck_assert_int_eq(r->body, BODY_REQUIRED);
	ck_assert_ptr_eq(r->body_spec, &integration_create_body);

	r = lookup_api(HTTP_GET, "/api/integrations/" ID);
	ck_assert_str_eq(call_name(r), "integration_get");
	ck_assert_str_eq(r->call->not_found, "Integration not found.");
	ck_assert_str_eq(params[0], ID);
	ck_assert_int_eq(r->body, BODY_NONE);

	r = lookup_api(HTTP_PATCH, "/api/integrations/" ID);
	ck_assert_str_eq(call_name(r), "integration_patch");
	ck_assert_ptr_eq(r->body_spec, &integration_patch_body);
	ck_assert_int_eq(r->call->args[3].from, ROUTE_ARG_IF_MATCH);

	r = lookup_api(HTTP_DELETE, "/api/integrations/" ID);
	ck_assert_str_eq(call_name(r), "integration_delete");

	r = lookup_api(HTTP_POST, "/api/integrations/" ID "/restore");
	ck_assert_str_eq(call_name(r), "integration_restore");
	ck_assert_int_eq(r->body, BODY_OPTIONAL);

	r = lookup_api(HTTP_DELETE, "/api/integrations/" ID "/purge");
	ck_assert_str_eq(call_name(r), "integration_purge");
	ck_assert_str_eq(params[0], ID);

	r = lookup_api(HTTP_DELETE, "/api/integrations/" ID "/grants/ws_other");
	ck_assert_str_eq(call_name(r), "integration_grant_delete");
	ck_assert_uint_eq(r->call->args[2].index, 1);
}
END_TEST

#define WHE "whe_0192f3a4b5c6d7e8f9a0b1c2d3ee"

/* Webhook endpoints (PRODUCT §15): the url is checked in C before the create's and PATCH's call. */
START_TEST(api_webhook_routes)
{
	const struct route *r;
	size_t i, checked = 0;

	r = lookup_api(HTTP_POST, "/api/webhook-endpoints");
	ck_assert_str_eq(call_name(r), "webhook_endpoint_create");
	ck_assert_ptr_eq(r->call->before, webhook_url_or_reply);
	ck_assert_ptr_eq(r->body_spec, &webhook_endpoint_create_body);

	r = lookup_api(HTTP_PATCH, "/api/webhook-endpoints/" WHE);
	ck_assert_str_eq(call_name(r), "webhook_endpoint_patch");
	ck_assert_ptr_eq(r->call->before, webhook_url_or_reply);
	ck_assert_int_eq(r->call->args[3].from, ROUTE_ARG_IF_MATCH);

	r = lookup_api(HTTP_GET, "/api/webhook-endpoints");
	ck_assert_ptr_eq(r->handler, handle_webhook_endpoint_list);
	r = lookup_api(HTTP_GET, "/api/webhook-endpoints/" WHE "/deliveries");
	ck_assert_ptr_eq(r->handler, handle_webhook_delivery_list);
	r = lookup_api(HTTP_POST,
		       "/api/webhook-deliveries/whd_0192f3a4b5c6d7e8f9a0b1c2d3ef/redeliver");
	ck_assert_str_eq(call_name(r), "webhook_delivery_redeliver");
	ck_assert_ptr_null(
		lookup_api(HTTP_GET, "/api/webhook-endpoints/int_0192f3a4b5c6d7e8f9a0b1c2d3e4"));
	ck_assert_uint_eq(allowed, 0);

	/* Only these two take a url: no other route runs the check. */
	for (i = 0; i < api_routes_count; i++)
		checked += api_routes[i].call != NULL && api_routes[i].call->before != NULL;
	ck_assert_uint_eq(checked, 2);
}
END_TEST

static size_t count_args(const struct route_call *call)
{
	size_t n = 0;

	while (n < ROUTE_MAX_ARGS && call->args[n].from != ROUTE_ARG_NONE)
		n++;
	return n;
}

static size_t count_placeholders(const char *pattern)
{
	size_t n = 0;

	for (; *pattern != '\0'; pattern++)
		n += *pattern == '{';
	return n;
}

static bool allows_query(const struct route *r, const char *name)
{
	const char *const *q;

	for (q = r->query_params; q != NULL && *q != NULL; q++)
		if (strcmp(*q, name) == 0)
			return true;
	return false;
}

/* The largest $N in sql (0: none). */
static int max_placeholder(const char *sql)
{
	int max = 0;

	for (; *sql != '\0'; sql++)
		if (*sql == '$' && sql[1] >= '1' && sql[1] <= '9') {
			int n = atoi(sql + 1);

			if (n > max)
				max = n;
		}
	return max;
}

/*
 * Every SQL-call route: the generic handler, an api.reply select, one argument
 * per statement parameter ($1..$n all used), arguments the request can supply.
 */
START_TEST(every_sql_call_matches_its_statement)
{
	size_t i, j, calls = 0;

	for (i = 0; i < api_routes_count; i++) {
		const struct route *r = &api_routes[i];
		const struct route_call *call = r->call;
		size_t n;
		int k;

		if (call == NULL) {
			ck_assert_msg(r->handler != handle_sql_call, "%s: no call", r->pattern);
			continue;
		}
		calls++;
		n = count_args(call);
		ck_assert_ptr_eq(r->handler, handle_sql_call);
		ck_assert_msg(call->stmt->n_params == (int)n, "%s: %d params, %zu args", r->pattern,
			      call->stmt->n_params, n);
		ck_assert_msg(max_placeholder(call->stmt->sql) == (int)n, "%s: $%d in the SQL",
			      r->pattern, max_placeholder(call->stmt->sql));
		for (k = 1; k <= (int)n; k++)
			ck_assert_msg(strstr(call->stmt->sql, arena_printf(a, "$%d", k)) != NULL,
				      "%s: $%d unused", r->pattern, k);
		ck_assert_msg(strncmp(call->stmt->sql, "select status, body, etag, ", 27) == 0,
			      "%s: not an api.reply select", r->pattern);
		ck_assert_msg(strstr(call->stmt->sql, "location") != NULL, "%s: no location",
			      r->pattern);
		ck_assert_msg(call->not_found == NULL || r->method == HTTP_GET,
			      "%s: a read by id that is no GET", r->pattern);
		ck_assert_msg(n > 0 && call->args[0].from == ROUTE_ARG_CALLER,
			      "%s: $1 is not the caller", r->pattern);
		for (j = 0; j < n; j++) {
			const struct route_arg *arg = &call->args[j];

			if (arg->from == ROUTE_ARG_PATH)
				ck_assert_msg(arg->index < count_placeholders(r->pattern),
					      "%s: no path parameter %u", r->pattern, arg->index);
			if (arg->from == ROUTE_ARG_BODY)
				ck_assert_msg(r->body != BODY_NONE, "%s: takes no body",
					      r->pattern);
			if (arg->from == ROUTE_ARG_QUERY)
				ck_assert_msg(arg->name != NULL && allows_query(r, arg->name),
					      "%s: ?%s not allowed", r->pattern,
					      arg->name != NULL ? arg->name : "(null)");
		}
		for (j = 0; j < i; j++)
			ck_assert_msg(api_routes[j].call == NULL ||
					      strcmp(api_routes[j].call->stmt->name,
						     call->stmt->name) != 0,
				      "statement %s named twice", call->stmt->name);
	}
	ck_assert_uint_ge(calls, 41);
}
END_TEST

/*
 * Handlers with logic of their own stay plain functions: lists, health,
 * metrics, and the version diff (its ?from is required and shape-checked).
 */
START_TEST(plain_handlers_are_lists_health_and_metrics)
{
	size_t i;

	for (i = 0; i < api_routes_count; i++)
		if (api_routes[i].call == NULL)
			ck_assert_msg(api_routes[i].method == HTTP_GET &&
					      (api_routes[i].query_params != NULL ||
					       api_routes[i].public),
				      "%s is a plain handler", api_routes[i].pattern);
}
END_TEST

START_TEST(api_405_allow)
{
	ck_assert_ptr_null(lookup_api(HTTP_PUT, "/api/integrations/" ID));
	ck_assert_str_eq(route_allow_header(a, allowed), "GET, HEAD, PATCH, DELETE");
	ck_assert_ptr_null(lookup_api(HTTP_POST, "/api/healthz"));
	ck_assert_str_eq(route_allow_header(a, allowed), "GET, HEAD");
	ck_assert_ptr_null(lookup_api(HTTP_OTHER, "/api/integrations"));
	ck_assert_str_eq(route_allow_header(a, allowed), "GET, HEAD, POST");
	ck_assert_ptr_null(lookup_api(HTTP_GET, "/api/integrations/" ID "/purge"));
	ck_assert_str_eq(route_allow_header(a, allowed), "DELETE");
	ck_assert_ptr_null(lookup_api(HTTP_GET, "/api/integrations/" ID "/restore"));
	ck_assert_str_eq(route_allow_header(a, allowed), "POST");
}
END_TEST

/* Load balancers probe the health routes with HEAD. */
START_TEST(api_head_on_every_get_route)
{
	size_t i;

	ck_assert_ptr_nonnull(lookup_api(HTTP_HEAD, "/api/healthz"));
	ck_assert_ptr_nonnull(lookup_api(HTTP_HEAD, "/api/readyz"));
	for (i = 0; i < api_routes_count; i++) {
		if (api_routes[i].method != HTTP_GET || strchr(api_routes[i].pattern, '{') != NULL)
			continue;
		ck_assert_msg(lookup_api(HTTP_HEAD, api_routes[i].pattern) == &api_routes[i],
			      "HEAD %s", api_routes[i].pattern);
	}
	ck_assert_ptr_eq(lookup_api(HTTP_HEAD, "/api/integrations/" ID),
			 lookup_api(HTTP_GET, "/api/integrations/" ID));
}
END_TEST

START_TEST(api_404)
{
	ck_no_such_path(lookup_api(HTTP_GET, "/api/nothing"));
	ck_no_such_path(lookup_api(HTTP_GET, "/api/integrations/"));
	ck_no_such_path(lookup_api(HTTP_GET, "/api/integrations/" ID "/"));
	ck_no_such_path(lookup_api(HTTP_GET, "/api/integrations/int_0192F3A4B5C6D7E8F9A0B1C2D3E4"));
	ck_no_such_path(lookup_api(HTTP_GET, "/api/integrations/ins_0192f3a4b5c6d7e8f9a0b1c2d3e4"));
	ck_no_such_path(lookup_api(HTTP_DELETE, "/api/integrations/int_123/purge"));
	ck_no_such_path(lookup_api(HTTP_GET, "/api/healthz/"));
	ck_no_such_path(lookup_api(HTTP_GET, "/healthz"));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("routes");
	TCase *api = tcase_create("api_routes");

	tcase_add_checked_fixture(api, setup, teardown);
	tcase_add_test(api, only_health_and_metrics_routes_are_public);
	tcase_add_test(api, api_integration_routes);
	tcase_add_test(api, api_webhook_routes);
	tcase_add_test(api, every_sql_call_matches_its_statement);
	tcase_add_test(api, plain_handlers_are_lists_health_and_metrics);
	tcase_add_test(api, api_405_allow);
	tcase_add_test(api, api_head_on_every_get_route);
	tcase_add_test(api, api_404);
	suite_add_tcase(s, api);
	return s;
}
