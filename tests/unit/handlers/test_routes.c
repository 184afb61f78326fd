/* The service's route table (app/handlers/routes.c): what is public, 404 versus 405, HEAD. */
#include <string.h>

#include "check_main.h"

#include "handlers/common.h"
#include "handlers/health.h"
#include "handlers/integrations.h"
#include "handlers/routes.h"
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

START_TEST(api_integration_routes)
{
	const struct route *r;

	r = lookup_api(HTTP_POST, "/api/integrations");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(r->handler, handle_integration_create);
	ck_assert_int_eq(r->body, BODY_REQUIRED);
	ck_assert_ptr_eq(r->body_spec, &integration_create_body);

	r = lookup_api(HTTP_GET, "/api/integrations/" ID);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(r->handler, handle_integration_get);
	ck_assert_str_eq(params[0], ID);
	ck_assert_int_eq(r->body, BODY_NONE);

	r = lookup_api(HTTP_PATCH, "/api/integrations/" ID);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(r->handler, handle_integration_patch);
	ck_assert_ptr_eq(r->body_spec, &integration_patch_body);

	r = lookup_api(HTTP_DELETE, "/api/integrations/" ID);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(r->handler, handle_integration_delete);

	r = lookup_api(HTTP_POST, "/api/integrations/" ID "/restore");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(r->handler, handle_integration_restore);
	ck_assert_int_eq(r->body, BODY_OPTIONAL);

	r = lookup_api(HTTP_DELETE, "/api/integrations/" ID "/purge");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(r->handler, handle_integration_purge);
	ck_assert_str_eq(params[0], ID);
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
	tcase_add_test(api, api_405_allow);
	tcase_add_test(api, api_head_on_every_get_route);
	tcase_add_test(api, api_404);
	suite_add_tcase(s, api);
	return s;
}
