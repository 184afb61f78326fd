/* Route lookup: literals, id placeholders, 404 versus 405, Allow (the service's table: tests/unit/handlers/test_routes.c). */
#include <string.h>

#include "check_main.h"

#include "http/route.h"

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

/* A 404: no route and no method to offer. */
#define ck_no_such_path(found)                                                                     \
	do {                                                                                       \
		ck_assert_ptr_null(found);                                                         \
		ck_assert_uint_eq(allowed, 0);                                                     \
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
		"/items/ins_0192f3a4b5c6d7e8f9a0b1c2d3e4", /* wrong prefix */
		"/items/int-0192f3a4b5c6d7e8f9a0b1c2d3e4", /* wrong separator */
		"/items/0192f3a4b5c6d7e8f9a0b1c2d3e4", /* no prefix */
		"/items/int_0192F3A4B5C6D7E8F9A0B1C2D3E4", /* uppercase hex */
		"/items/int_0192f3a4b5c6d7e8f9a0b1c2d3e", /* 27 digits */
		"/items/int_0192f3a4b5c6d7e8f9a0b1c2d3e4f", /* 29 digits */
		"/items/int_0192f3a4b5c6d7e8f9a0b1c2d3eg", /* not hex */
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
	ck_assert_str_eq(
		route_allow_header(a, HTTP_DELETE | HTTP_PATCH | HTTP_PUT | HTTP_POST | HTTP_GET),
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

Suite *make_suite(void)
{
	Suite *s = suite_create("route");
	TCase *own = tcase_create("own table");

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
	suite_add_tcase(s, own);
	return s;
}
