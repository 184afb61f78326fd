/* application/problem+json bodies: members, escaping, and both ways of giving errors[]. */
#include <string.h>

#include "check_main.h"

#include "json/json_strict.h"
#include "http/problem.h"

static struct arena *a;
static struct request req;
static struct response resp;

static void setup(void)
{
	a = arena_new();
	memset(&req, 0, sizeof(req));
	req.arena = a;
	req.request_id = "req-123";
	response_init(&resp, a);
}

static void teardown(void)
{
	arena_free(a);
}

/* The body as a strict JSON object (fails the test when it is not one). */
static struct json_object *body(void)
{
	struct json_object *o;
	const char *why = NULL;

	ck_assert_msg(json_parse_strict(resp.body.data, resp.body.len, &o, &why) == 0,
		      "not JSON (%s): %s", why, resp.body.data);
	json_defer_put(a, o);
	ck_assert(json_object_is_type(o, json_type_object));
	return o;
}

static struct json_object *member(struct json_object *o, const char *name, json_type type)
{
	struct json_object *m;

	ck_assert_msg(json_object_object_get_ex(o, name, &m), "no member %s", name);
	ck_assert_msg(json_object_is_type(m, type), "member %s has the wrong type", name);
	return m;
}

static const char *string_member(struct json_object *o, const char *name)
{
	return json_object_get_string(member(o, name, json_type_string));
}

START_TEST(problem_members)
{
	struct json_object *o;

	problem_reply(&resp, &req, 404, "not_found", "integration not found");
	ck_assert_int_eq(resp.status, 404);
	ck_assert_str_eq(resp.content_type, "application/problem+json");
	o = body();
	ck_assert_int_eq(json_object_object_length(o), 7);
	ck_assert_str_eq(string_member(o, "type"),
			 "https://docs.integrations.dev/problems/not_found");
	ck_assert_str_eq(string_member(o, "title"), "Not Found");
	ck_assert_int_eq(json_object_get_int(member(o, "status", json_type_int)), 404);
	ck_assert_str_eq(string_member(o, "detail"), "integration not found");
	ck_assert_str_eq(string_member(o, "code"), "not_found");
	ck_assert_str_eq(string_member(o, "requestId"), "req-123");
	ck_assert_uint_eq(json_object_array_length(member(o, "errors", json_type_array)), 0);
}
END_TEST

static const struct {
	int status;
	const char *code;
	const char *title;
} statuses[] = {
	{ 400, "invalid_json", "Bad Request" },
	{ 401, "invalid_token", "Unauthorized" },
	{ 403, "forbidden", "Forbidden" },
	{ 405, "method_not_allowed", "Method Not Allowed" },
	{ 409, "version_exists", "Conflict" },
	{ 410, "gone", "Gone" },
	{ 412, "precondition_failed", "Precondition Failed" },
	{ 413, "payload_too_large", "Payload Too Large" },
	{ 415, "unsupported_media_type", "Unsupported Media Type" },
	{ 422, "idempotency_mismatch", "Unprocessable Content" },
	{ 503, "unavailable", "Service Unavailable" },
	{ 504, "statement_timeout", "Gateway Timeout" },
	{ 500, "internal", "Internal Server Error" },
};

START_TEST(title_and_type_follow_status_and_code)
{
	struct json_object *o;

	problem_reply(&resp, &req, statuses[_i].status, statuses[_i].code, "d");
	o = body();
	ck_assert_int_eq(resp.status, statuses[_i].status);
	ck_assert_str_eq(string_member(o, "title"), statuses[_i].title);
	ck_assert_str_eq(string_member(o, "code"), statuses[_i].code);
	ck_assert_str_eq(
		string_member(o, "type"),
		arena_printf(a, "https://docs.integrations.dev/problems/%s", statuses[_i].code));
	ck_assert_int_eq(json_object_get_int(member(o, "status", json_type_int)),
			 statuses[_i].status);
}
END_TEST

START_TEST(detail_is_escaped)
{
	const char *detail = "say \"hi\" \\ back\\slash\nnew line\ttab\r\x01\x1f end / \xC3\xA9";

	problem_reply(&resp, &req, 400, "validation_failed", detail);
	ck_assert_str_eq(string_member(body(), "detail"), detail);
}
END_TEST

START_TEST(missing_request_id_is_empty)
{
	req.request_id = NULL;
	problem_reply(&resp, &req, 500, "internal", "x");
	ck_assert_str_eq(string_member(body(), "requestId"), "");
}
END_TEST

START_TEST(request_id_is_escaped)
{
	req.request_id = "a\"b";
	problem_reply(&resp, &req, 500, "internal", "x");
	ck_assert_str_eq(string_member(body(), "requestId"), "a\"b");
}
END_TEST

START_TEST(errors_from_structs)
{
	static const struct problem_error errors[] = {
		{ "/slug", "must match ^[a-z0-9][a-z0-9-]{1,62}$" },
		{ "/a~1\"b\"", "quote \" and\nnewline" },
		{ "?limit", "unknown query parameter" },
	};
	struct json_object *arr, *e;
	size_t i;

	problem_reply_errors(&resp, &req, 400, "validation_failed", "the body is not valid", errors,
			     3);
	arr = member(body(), "errors", json_type_array);
	ck_assert_uint_eq(json_object_array_length(arr), 3);
	for (i = 0; i < 3; i++) {
		e = json_object_array_get_idx(arr, i);
		ck_assert(json_object_is_type(e, json_type_object));
		ck_assert_int_eq(json_object_object_length(e), 2);
		ck_assert_str_eq(string_member(e, "path"), errors[i].path);
		ck_assert_str_eq(string_member(e, "message"), errors[i].message);
	}
}
END_TEST

START_TEST(errors_from_json_text)
{
	struct json_object *o, *arr, *e;

	problem_reply_errors_json(&resp, &req, 422, "validation_failed", "bad data",
				  "[{\"path\":\"/versions/0\",\"message\":\"too old\"}]");
	ck_assert_int_eq(resp.status, 422);
	o = body();
	ck_assert_str_eq(string_member(o, "detail"), "bad data");
	arr = member(o, "errors", json_type_array);
	ck_assert_uint_eq(json_object_array_length(arr), 1);
	e = json_object_array_get_idx(arr, 0);
	ck_assert_str_eq(string_member(e, "path"), "/versions/0");
	ck_assert_str_eq(string_member(e, "message"), "too old");
}
END_TEST

START_TEST(replaces_an_earlier_body)
{
	static const char earlier[] = "{\"id\":\"int_0192f3a4b5c6d7e8f9a0b1c2d3e4\"}";

	response_json(&resp, 201, earlier, sizeof(earlier) - 1);
	problem_reply(&resp, &req, 409, "conflict", "slug taken");
	ck_assert_int_eq(resp.status, 409);
	ck_assert_str_eq(resp.content_type, "application/problem+json");
	ck_assert_str_eq(string_member(body(), "code"), "conflict");
	ck_assert_ptr_null(strstr(resp.body.data, "int_0192"));
}
END_TEST

START_TEST(long_detail)
{
	char *detail = arena_alloc(a, 100001);

	memset(detail, 'd', 100000);
	detail[100000] = '\0';
	problem_reply(&resp, &req, 400, "validation_failed", detail);
	ck_assert_str_eq(string_member(body(), "detail"), detail);
}
END_TEST

/* merge_conflict: the conflicts of INC09's DETAIL become a last member of the problem. */
START_TEST(member_added_last)
{
	struct json_object *o, *c;

	problem_reply_errors_json(&resp, &req, 409, "merge_conflict", "conflicts", "[]");
	problem_add_member_json(&resp, "conflicts", "[{\"path\":\"/label\",\"local\":1}]");
	o = body();
	ck_assert_str_eq(string_member(o, "code"), "merge_conflict");
	ck_assert_int_eq((int)json_object_array_length(member(o, "errors", json_type_array)), 0);
	c = member(o, "conflicts", json_type_array);
	ck_assert_int_eq((int)json_object_array_length(c), 1);
	ck_assert_int_eq(json_object_object_length(o), 8);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("problem");
	TCase *tc = tcase_create("problem");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, problem_members);
	tcase_add_loop_test(tc, title_and_type_follow_status_and_code, 0,
			    (int)(sizeof(statuses) / sizeof(statuses[0])));
	tcase_add_test(tc, detail_is_escaped);
	tcase_add_test(tc, missing_request_id_is_empty);
	tcase_add_test(tc, request_id_is_escaped);
	tcase_add_test(tc, errors_from_structs);
	tcase_add_test(tc, errors_from_json_text);
	tcase_add_test(tc, replaces_an_earlier_body);
	tcase_add_test(tc, long_detail);
	tcase_add_test(tc, member_added_last);
	suite_add_tcase(s, tc);
	return s;
}
