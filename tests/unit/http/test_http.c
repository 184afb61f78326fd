/* http: responses (status default, headers, JSON bodies), query lookup, methods, reasons. */
#include <string.h>

#include "check_main.h"

#include "http/http.h"

static struct arena *a;

static void setup(void)
{
	a = arena_new();
}

static void teardown(void)
{
	arena_free(a);
}

START_TEST(response_starts_as_500_without_body)
{
	struct response resp;

	response_init(&resp, a);
	ck_assert_int_eq(resp.status, 500);
	ck_assert_ptr_null(resp.content_type);
	ck_assert_uint_eq(resp.headers.len, 0);
	ck_assert_uint_eq(resp.body.len, 0);
}
END_TEST

START_TEST(headers_are_crlf_lines)
{
	struct response resp;

	response_init(&resp, a);
	response_header(&resp, "Allow", "GET, HEAD");
	response_header(&resp, "ETag", "\"abc\"");
	ck_assert_str_eq(resp.headers.data, "Allow: GET, HEAD\r\nETag: \"abc\"\r\n");
}
END_TEST

START_TEST(json_body_replaces_the_previous_one)
{
	struct response resp;

	response_init(&resp, a);
	response_json(&resp, 404, "{\"old\":true}", 12);
	response_json(&resp, 201, "{\"id\":1}xyz", 8);
	ck_assert_int_eq(resp.status, 201);
	ck_assert_str_eq(resp.content_type, "application/json");
	ck_assert_str_eq(resp.body.data, "{\"id\":1}");
	ck_assert_uint_eq(resp.body.len, 8);
}
END_TEST

START_TEST(query_lookup)
{
	struct request req;

	memset(&req, 0, sizeof(req));
	req.query[0] = (struct query_param){ "limit", "10" };
	req.query[1] = (struct query_param){ "filter", "" };
	req.n_query = 2;
	ck_assert_str_eq(request_query(&req, "limit"), "10");
	ck_assert_str_eq(request_query(&req, "filter"), "");
	ck_assert_ptr_null(request_query(&req, "Limit"));
	ck_assert_ptr_null(request_query(&req, "after"));
	req.n_query = 0;
	ck_assert_ptr_null(request_query(&req, "limit"));
}
END_TEST

START_TEST(methods)
{
	ck_assert_int_eq(http_method_parse("GET"), HTTP_GET);
	ck_assert_int_eq(http_method_parse("POST"), HTTP_POST);
	ck_assert_int_eq(http_method_parse("PATCH"), HTTP_PATCH);
	ck_assert_int_eq(http_method_parse("DELETE"), HTTP_DELETE);
	ck_assert_int_eq(http_method_parse("PUT"), HTTP_PUT);
	ck_assert_int_eq(http_method_parse("HEAD"), HTTP_HEAD);
	ck_assert_int_eq(http_method_parse("OPTIONS"), HTTP_OPTIONS);
	ck_assert_int_eq(http_method_parse("get"), HTTP_OTHER);
	ck_assert_int_eq(http_method_parse("TRACE"), HTTP_OTHER);
	ck_assert_int_eq(http_method_parse(""), HTTP_OTHER);
	ck_assert_int_eq(http_method_parse(NULL), HTTP_OTHER);
}
END_TEST

START_TEST(reasons)
{
	ck_assert_str_eq(http_reason(200), "OK");
	ck_assert_str_eq(http_reason(201), "Created");
	ck_assert_str_eq(http_reason(412), "Precondition Failed");
	ck_assert_str_eq(http_reason(422), "Unprocessable Content");
	ck_assert_str_eq(http_reason(504), "Gateway Timeout");
	ck_assert_str_eq(http_reason(500), "Internal Server Error");
	ck_assert_str_eq(http_reason(299), "Internal Server Error");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("http");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, response_starts_as_500_without_body);
	tcase_add_test(tc, headers_are_crlf_lines);
	tcase_add_test(tc, json_body_replaces_the_previous_one);
	tcase_add_test(tc, query_lookup);
	tcase_add_test(tc, methods);
	tcase_add_test(tc, reasons);
	suite_add_tcase(s, tc);
	return s;
}
