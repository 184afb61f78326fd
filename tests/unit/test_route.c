/* Route lookup: literals, id placeholders, 404 versus 405, Allow, and the service's table. */
#include <string.h>

#include "check_main.h"

#include "handlers.h"
#include "route.h"

#define ID "int_0192f3a4b5c6d7e8f9a0b1c2d3e4"

static void h_items(struct request *req, struct response *resp)
{
	(void)req;
	(void)resp;
}

static const struct route table[] = {
	{ .method = HTTP_GET, .pattern = "/a/b", .handler = h_items },
	{ .method = HTTP_GET, .pattern = "/items/{int}", .handler = h_items },
	{ .method = HTTP_PATCH, .pattern = "/items/{int}", .handler = h_items },
	{ .method = HTTP_DELETE, .pattern = "/items/{int}", .handler = h_items },
	{ .method = HTTP_POST, .pattern = "/items/{int}/restore", .handler = h_items },
	{ .method = HTTP_GET, .pattern = "/ws/{ws}/items/{int}", .handler = h_items },
};
#define N_TABLE (sizeof(table) / sizeof(table[0]))

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

static const struct route *lookup(enum http_method m, const char *path)
{
	return route_lookup(table, N_TABLE, m, path, a, params, &allowed);
}

static const struct route *lookup_api(enum http_method m, const char *path)
{
	return route_lookup(api_routes, api_routes_count, m, path, a, params, &allowed);
}

/* A 404: no route and no method to offer. */
#define ck_no_such_path(found)                      \
	do {                                        \
		ck_assert_ptr_null(found);          \
		ck_assert_uint_eq(allowed, 0);      \
	} while (0)

START_TEST(literal_match)
{
	ck_assert_ptr_eq(lookup(HTTP_GET, "/a/b"), &table[0]);
	ck_assert_ptr_null(params[0]);
	ck_no_such_path(lookup(HTTP_GET, "/a"));
	ck_no_such_path(lookup(HTTP_GET, "/a/b/c"));
	ck_no_such_path(lookup(HTTP_GET, "/a/bc"));
	ck_no_such_path(lookup(HTTP_GET, "/A/b"));
	ck_no_such_path(lookup(HTTP_GET, "/"));
	ck_no_such_path(lookup(HTTP_GET, "a/b"));
	ck_no_such_path(lookup(HTTP_GET, ""));
	ck_no_such_path(lookup(HTTP_GET, NULL));
}
END_TEST

START_TEST(trailing_slash_does_not_match)
{
	ck_no_such_path(lookup(HTTP_GET, "/a/b/"));
	ck_no_such_path(lookup(HTTP_GET, "/items/" ID "/"));
	ck_no_such_path(lookup(HTTP_PUT, "/items/" ID "/"));
}
END_TEST

START_TEST(id_placeholder_captured)
{
	const struct route *r = lookup(HTTP_GET, "/items/" ID);

	ck_assert_ptr_eq(r, &table[1]);
	ck_assert_str_eq(params[0], ID);
	ck_assert_ptr_eq(lookup(HTTP_POST, "/items/" ID "/restore"), &table[4]);
	ck_assert_str_eq(params[0], ID);
}
END_TEST

START_TEST(id_of_wrong_shape_is_404)
{
	static const char *const bad[] = {
		"/items/ins_0192f3a4b5c6d7e8f9a0b1c2d3e4",  /* wrong prefix */
		"/items/int-0192f3a4b5c6d7e8f9a0b1c2d3e4",  /* wrong separator */
		"/items/0192f3a4b5c6d7e8f9a0b1c2d3e4",	    /* no prefix */
		"/items/int_0192F3A4B5C6D7E8F9A0B1C2D3E4",  /* uppercase hex */
		"/items/int_0192f3a4b5c6d7e8f9a0b1c2d3e",   /* 27 digits */
		"/items/int_0192f3a4b5c6d7e8f9a0b1c2d3e4f", /* 29 digits */
		"/items/int_0192f3a4b5c6d7e8f9a0b1c2d3eg",  /* not hex */
		"/items/int_",
		"/items/{int}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		allowed = 0xFFFF;
		ck_assert_msg(lookup(HTTP_GET, bad[i]) == NULL, "matched %s", bad[i]);
		ck_assert_msg(allowed == 0, "allowed %#x for %s", allowed, bad[i]);
	}
}
END_TEST

START_TEST(workspace_placeholder)
{
	ck_assert_ptr_eq(lookup(HTTP_GET, "/ws/ws_Team-1/items/" ID), &table[5]);
	ck_assert_str_eq(params[0], "ws_Team-1");
	ck_assert_str_eq(params[1], ID);
	ck_no_such_path(lookup(HTTP_GET, "/ws/ws_/items/" ID));
	ck_no_such_path(lookup(HTTP_GET, "/ws/team/items/" ID));
	ck_no_such_path(lookup(HTTP_GET, "/ws/ws_a.b/items/" ID));
	ck_no_such_path(lookup(HTTP_GET, "/ws/ws_a/items/int_x"));
}
END_TEST

START_TEST(method_mismatch_reports_allowed)
{
	ck_assert_ptr_null(lookup(HTTP_PUT, "/items/" ID));
	ck_assert_uint_eq(allowed, HTTP_GET | HTTP_HEAD | HTTP_PATCH | HTTP_DELETE);
	ck_assert_str_eq(route_allow_header(a, allowed), "GET, HEAD, PATCH, DELETE");

	ck_assert_ptr_null(lookup(HTTP_POST, "/a/b"));
	ck_assert_uint_eq(allowed, HTTP_GET | HTTP_HEAD);
	ck_assert_ptr_null(lookup(HTTP_GET, "/items/" ID "/restore"));
	ck_assert_uint_eq(allowed, HTTP_POST);
	ck_assert_ptr_null(lookup(HTTP_OTHER, "/a/b"));
	ck_assert_uint_eq(allowed, HTTP_GET | HTTP_HEAD);
}
END_TEST

/* HEAD is answered wherever GET is (RFC 9110 9.3.2), by the GET route, and nowhere else. */
START_TEST(head_matches_the_get_route)
{
	ck_assert_ptr_eq(lookup(HTTP_HEAD, "/a/b"), &table[0]);
	ck_assert_ptr_eq(lookup(HTTP_HEAD, "/items/" ID), &table[1]);
	ck_assert_str_eq(params[0], ID);
	ck_assert_ptr_eq(lookup(HTTP_HEAD, "/ws/ws_a/items/" ID), &table[5]);
	ck_assert_str_eq(params[0], "ws_a");
	ck_assert_ptr_null(lookup(HTTP_HEAD, "/items/" ID "/restore"));
	ck_assert_uint_eq(allowed, HTTP_POST);
	ck_no_such_path(lookup(HTTP_HEAD, "/nothing"));
}
END_TEST

START_TEST(allow_header_order)
{
	ck_assert_str_eq(route_allow_header(a, HTTP_DELETE | HTTP_GET | HTTP_PATCH),
			 "GET, PATCH, DELETE");
	ck_assert_str_eq(route_allow_header(a, HTTP_DELETE | HTTP_HEAD | HTTP_POST | HTTP_GET),
			 "GET, HEAD, POST, DELETE");
	ck_assert_str_eq(route_allow_header(
			     a, HTTP_DELETE | HTTP_PATCH | HTTP_PUT | HTTP_POST | HTTP_GET),
			 "GET, POST, PUT, PATCH, DELETE");
	ck_assert_str_eq(route_allow_header(a, HTTP_POST), "POST");
	ck_assert_str_eq(route_allow_header(a, HTTP_DELETE | HTTP_POST), "POST, DELETE");
	ck_assert_str_eq(route_allow_header(a, 0), "");
}
END_TEST

START_TEST(too_many_segments_is_404)
{
	ck_no_such_path(lookup(HTTP_GET, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t"));
}
END_TEST

START_TEST(valid_id)
{
	ck_assert(route_valid_id(ID, "int"));
	ck_assert(route_valid_id("ins_0000000000000000000000000000", "ins"));
	ck_assert(!route_valid_id(ID, "ins"));
	ck_assert(!route_valid_id(ID, "in"));
	ck_assert(!route_valid_id(ID, "int_"));
	ck_assert(!route_valid_id("int0192f3a4b5c6d7e8f9a0b1c2d3e4", "int"));
	ck_assert(!route_valid_id("int_0192f3a4b5c6d7e8f9a0b1c2d3e", "int"));
	ck_assert(!route_valid_id("int_0192f3a4b5c6d7e8f9a0b1c2d3e4f", "int"));
	ck_assert(!route_valid_id("int_0192f3a4b5c6d7e8f9a0b1c2d3E4", "int"));
	ck_assert(!route_valid_id("int_0192f3a4b5c6d7e8f9a0b1c2d3e ", "int"));
	ck_assert(!route_valid_id("int_", "int"));
	ck_assert(!route_valid_id("", "int"));
}
END_TEST

/* ---- the service's own table ---- */

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
	Suite *s = suite_create("route");
	TCase *own = tcase_create("own table");
	TCase *api = tcase_create("api_routes");

	tcase_add_checked_fixture(own, setup, teardown);
	tcase_add_test(own, literal_match);
	tcase_add_test(own, trailing_slash_does_not_match);
	tcase_add_test(own, id_placeholder_captured);
	tcase_add_test(own, id_of_wrong_shape_is_404);
	tcase_add_test(own, workspace_placeholder);
	tcase_add_test(own, method_mismatch_reports_allowed);
	tcase_add_test(own, head_matches_the_get_route);
	tcase_add_test(own, allow_header_order);
	tcase_add_test(own, too_many_segments_is_404);
	tcase_add_test(own, valid_id);
	suite_add_tcase(s, own);

	tcase_add_checked_fixture(api, setup, teardown);
	tcase_add_test(api, only_health_and_metrics_routes_are_public);
	tcase_add_test(api, api_integration_routes);
	tcase_add_test(api, api_405_allow);
	tcase_add_test(api, api_head_on_every_get_route);
	tcase_add_test(api, api_404);
	suite_add_tcase(s, api);
	return s;
}
