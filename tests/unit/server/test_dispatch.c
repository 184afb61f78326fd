/*
 * dispatch() driven by hand-built requests: each refusal answers the right
 * problem and never reaches the handler; accepted requests reach it with the
 * path parameters, query and parsed body in place.
 */
#include <string.h>

#include "check_main.h"

#include "db/db.h"
#include "server/dispatch.h"
#include "json/json_strict.h"
#include "jwt_fixtures.h"

#define ID "int_0192f3a4b5c6d7e8f9a0b1c2d3e4"

/* What the handler saw; calls == 0 means it never ran. */
static struct {
	int calls;
	const char *path_params[HTTP_MAX_PATH_PARAMS];
	const char *json;
	const char *caller;
	const char *limit;
	struct db *db;
} seen;

static void record(struct request *req, struct response *resp)
{
	static const char ok[] = "{\"ok\":true}";
	size_t i;

	seen.calls++;
	for (i = 0; i < HTTP_MAX_PATH_PARAMS; i++)
		seen.path_params[i] = req->path_params[i];
	seen.json = req->json != NULL
			    ? arena_strdup(req->arena, json_object_to_json_string_ext(
							       req->json, JSON_C_TO_STRING_PLAIN))
			    : NULL;
	seen.caller = req->caller.json;
	seen.limit = request_query(req, "limit");
	seen.db = req->db;
	response_json(resp, 200, ok, sizeof(ok) - 1);
}

static const char *const list_params[] = { "limit", "cursor", NULL };
static const struct field_spec item_fields[] = {
	{ .name = "name", .type = FIELD_STRING, .flags = FIELD_REQUIRED },
	{ .name = "note", .type = FIELD_STRING, .flags = FIELD_NULLABLE },
};
static const struct body_spec item_body = { item_fields, 2, NULL };
static const struct body_spec no_fields = { NULL, 0, NULL };

static const struct route table[] = {
	{ .method = HTTP_GET, .pattern = "/t/health", .handler = record, .public = true },
	{ .method = HTTP_GET,
	  .pattern = "/t/items",
	  .handler = record,
	  .query_params = list_params },
	{ .method = HTTP_POST,
	  .pattern = "/t/items",
	  .handler = record,
	  .body = BODY_REQUIRED,
	  .body_spec = &item_body },
	{ .method = HTTP_GET, .pattern = "/t/items/{int}", .handler = record },
	{ .method = HTTP_PATCH,
	  .pattern = "/t/items/{int}",
	  .handler = record,
	  .body = BODY_REQUIRED,
	  .body_spec = &item_body },
	{ .method = HTTP_DELETE, .pattern = "/t/items/{int}", .handler = record },
	{ .method = HTTP_POST,
	  .pattern = "/t/items/{int}/restore",
	  .handler = record,
	  .body = BODY_OPTIONAL,
	  .body_spec = &no_fields },
	{ .method = HTTP_GET, .pattern = "/t/ws/{ws}/items/{int}", .handler = record },
};

static struct arena *a;
static struct config cfg;
static struct request req;
static struct response resp;

static void setup(void)
{
	a = arena_new();
	fx_config(&cfg, a);
	memset(&seen, 0, sizeof(seen));
	memset(&req, 0, sizeof(req));
	req.arena = a;
	req.config = &cfg;
	req.request_id = "test-req";
	req.authorization = fx_default_bearer(a);
	response_init(&resp, a);
}

static void teardown(void)
{
	arena_free(a);
}

/* Sets method and path (and the body with its content type when body is not NULL), then dispatches. */
static void run(const char *method, const char *path, const char *content_type, const char *body)
{
	req.method_name = method;
	req.method = http_method_parse(method);
	req.path = path;
	req.content_type = content_type;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	dispatch(table, sizeof(table) / sizeof(table[0]), &req, &resp, FX_NOW);
}

static struct json_object *problem(void)
{
	struct json_object *o;
	const char *why;

	ck_assert_str_eq(resp.content_type, "application/problem+json");
	ck_assert_msg(json_parse_strict(resp.body.data, resp.body.len, &o, &why) == 0,
		      "problem body is not JSON: %s", resp.body.data);
	json_defer_put(a, o);
	return o;
}

static const char *problem_string(const char *name)
{
	struct json_object *m;

	ck_assert_msg(json_object_object_get_ex(problem(), name, &m), "no %s in problem", name);
	return json_object_get_string(m);
}

/* The response is a problem with this status and code, and the handler did not run. */
#define ck_refused(status_, code_)                                                                 \
	do {                                                                                       \
		ck_assert_int_eq(resp.status, (status_));                                          \
		ck_assert_str_eq(problem_string("code"), (code_));                                 \
		ck_assert_str_eq(problem_string("requestId"), "test-req");                         \
		ck_assert_int_eq(seen.calls, 0);                                                   \
	} while (0)

#define ck_handled()                                                                               \
	do {                                                                                       \
		ck_assert_int_eq(seen.calls, 1);                                                   \
		ck_assert_int_eq(resp.status, 200);                                                \
	} while (0)

/* errors[index].path of the problem. */
static const char *error_path(size_t index)
{
	struct json_object *errors, *e, *path;

	ck_assert(json_object_object_get_ex(problem(), "errors", &errors));
	ck_assert_uint_gt(json_object_array_length(errors), index);
	e = json_object_array_get_idx(errors, index);
	ck_assert(json_object_object_get_ex(e, "path", &path));
	return json_object_get_string(path);
}

static int has_header(const char *line)
{
	return strstr(resp.headers.data, line) != NULL;
}

/* ---- routing ---- */

START_TEST(unknown_path_is_404)
{
	run("GET", "/t/nothing", NULL, NULL);
	ck_refused(404, "not_found");
}
END_TEST

START_TEST(id_of_wrong_shape_is_404_even_without_token)
{
	req.authorization = NULL;
	run("GET", "/t/items/int_0192F3A4B5C6D7E8F9A0B1C2D3E4", NULL, NULL);
	ck_refused(404, "not_found");
}
END_TEST

START_TEST(other_method_is_405_with_allow)
{
	run("PUT", "/t/items/" ID, "application/json", "{}");
	ck_refused(405, "method_not_allowed");
	ck_assert(has_header("Allow: GET, HEAD, PATCH, DELETE\r\n"));
}
END_TEST

START_TEST(head_runs_the_get_handler)
{
	run("HEAD", "/t/items/" ID, NULL, NULL);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(seen.path_params[0], ID);
}
END_TEST

START_TEST(head_where_no_get_is_405)
{
	run("HEAD", "/t/items/" ID "/restore", NULL, NULL);
	ck_refused(405, "method_not_allowed");
	ck_assert(has_header("Allow: POST\r\n"));
}
END_TEST

/* ---- token ---- */

START_TEST(missing_token_is_401)
{
	req.authorization = NULL;
	run("GET", "/t/items/" ID, NULL, NULL);
	ck_refused(401, "invalid_token");
	ck_assert(has_header("WWW-Authenticate: Bearer error=\"invalid_token\"\r\n"));
}
END_TEST

START_TEST(bad_token_is_401)
{
	req.authorization = fx_bearer(
		a,
		fx_mint(a, JWT_ALG_HS256, NULL,
			fx_claims_json(a, &(struct fx_claims){ .exp = fx_int(a, FX_NOW - 3600) })));
	run("GET", "/t/items/" ID, NULL, NULL);
	ck_refused(401, "invalid_token");
	ck_assert(has_header("WWW-Authenticate: Bearer error=\"invalid_token\"\r\n"));
}
END_TEST

START_TEST(token_checked_before_query_and_body)
{
	req.authorization = "Basic dXNlcjpwYXNz";
	req.query_string = "bogus=1";
	run("POST", "/t/items", "text/plain", "{");
	ck_refused(401, "invalid_token");
}
END_TEST

START_TEST(public_route_needs_no_token)
{
	req.authorization = NULL;
	run("GET", "/t/health", NULL, NULL);
	ck_handled();
	ck_assert_str_eq(resp.content_type, "application/json");
}
END_TEST

START_TEST(valid_token_reaches_handler_with_params_and_caller)
{
	run("GET", "/t/ws/ws_team/items/" ID, NULL, NULL);
	ck_handled();
	ck_assert_str_eq(seen.path_params[0], "ws_team");
	ck_assert_str_eq(seen.path_params[1], ID);
	ck_assert_str_eq(seen.caller,
			 "{\"sub\":\"usr_a\",\"workspaces\":{\"ws_a\":\"admin\"},\"roles\":[],"
			 "\"requestId\":\"test-req\",\"idempotencyKey\":null}");
	ck_assert_ptr_null(seen.json);
}
END_TEST

/* The request's id and Idempotency-Key go into the caller json (install history). */
START_TEST(caller_carries_request_id_and_idempotency_key)
{
	req.idempotency_key = "key-\"1\"";
	run("GET", "/t/ws/ws_team/items/" ID, NULL, NULL);
	ck_handled();
	ck_assert_str_eq(seen.caller,
			 "{\"sub\":\"usr_a\",\"workspaces\":{\"ws_a\":\"admin\"},\"roles\":[],"
			 "\"requestId\":\"test-req\",\"idempotencyKey\":\"key-\\\"1\\\"\"}");
}
END_TEST

/* ---- query string ---- */

START_TEST(unknown_query_parameter_is_400)
{
	req.query_string = "limit=5&bogus=1";
	run("GET", "/t/items", NULL, NULL);
	ck_refused(400, "validation_failed");
	ck_assert_str_eq(error_path(0), "?bogus");
}
END_TEST

START_TEST(query_on_route_without_parameters_is_400)
{
	req.query_string = "limit=5";
	run("GET", "/t/items/" ID, NULL, NULL);
	ck_refused(400, "validation_failed");
	ck_assert_str_eq(error_path(0), "?limit");
}
END_TEST

START_TEST(known_query_parameter_reaches_handler)
{
	req.query_string = "limit=5";
	run("GET", "/t/items", NULL, NULL);
	ck_handled();
	ck_assert_str_eq(seen.limit, "5");
}
END_TEST

/* ---- body ---- */

START_TEST(body_too_large_is_413)
{
	req.body_too_large = true;
	run("POST", "/t/items", "application/json", "{\"name\":\"x\"}");
	ck_refused(413, "payload_too_large");
}
END_TEST

START_TEST(non_json_media_type_is_415)
{
	static const char *const types[] = { "text/plain", "application/x-www-form-urlencoded",
					     "application/jsonp", "application/json-patch+json",
					     "" };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		resp.status = 0;
		run("POST", "/t/items", types[i], "{\"name\":\"x\"}");
		ck_assert_msg(resp.status == 415, "%s gave %d", types[i], resp.status);
		ck_refused(415, "unsupported_media_type");
	}
	run("POST", "/t/items", NULL, "{\"name\":\"x\"}");
	ck_refused(415, "unsupported_media_type");
}
END_TEST

START_TEST(json_media_type_with_parameters_accepted)
{
	run("POST", "/t/items", "application/json; charset=utf-8", "{\"name\":\"x\"}");
	ck_handled();
	ck_assert_str_eq(seen.json, "{\"name\":\"x\"}");
}
END_TEST

START_TEST(json_media_type_is_case_insensitive)
{
	run("POST", "/t/items", "Application/JSON", "{\"name\":\"x\"}");
	ck_handled();
}
END_TEST

START_TEST(invalid_json_is_400)
{
	static const char *const bodies[] = { "{", "{\"name\":\"x\"} trailing", "{\"name\":NaN}",
					      "{\"name\":\"x\",\"name\":\"y\"}", "{'name':'x'}" };
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		resp.status = 0;
		run("POST", "/t/items", "application/json", bodies[i]);
		ck_assert_msg(resp.status == 400, "%s gave %d", bodies[i], resp.status);
		ck_refused(400, "invalid_json");
	}
}
END_TEST

START_TEST(unknown_field_is_400_with_path)
{
	run("PATCH", "/t/items/" ID, "application/json", "{\"name\":\"x\",\"bogus\":1}");
	ck_refused(400, "validation_failed");
	ck_assert_str_eq(error_path(0), "/bogus");
}
END_TEST

START_TEST(body_not_an_object_is_400_validation_failed)
{
	run("POST", "/t/items", "application/json", "[{\"name\":\"x\"}]");
	ck_refused(400, "validation_failed");
}
END_TEST

START_TEST(body_on_route_without_body_is_400)
{
	run("DELETE", "/t/items/" ID, "application/json", "{}");
	ck_refused(400, "validation_failed");
}
END_TEST

START_TEST(missing_required_body_is_400)
{
	run("POST", "/t/items", "application/json", NULL);
	ck_refused(400, "validation_failed");
	run("POST", "/t/items", "application/json", "");
	ck_refused(400, "validation_failed");
}
END_TEST

START_TEST(optional_body_absent_reaches_handler)
{
	run("POST", "/t/items/" ID "/restore", NULL, NULL);
	ck_handled();
	ck_assert_str_eq(seen.path_params[0], ID);
	ck_assert_ptr_null(seen.json);
}
END_TEST

START_TEST(optional_body_present_is_validated)
{
	run("POST", "/t/items/" ID "/restore", "application/json", "{}");
	ck_handled();
	ck_assert_str_eq(seen.json, "{}");
	seen.calls = 0;
	run("POST", "/t/items/" ID "/restore", "application/json", "{\"force\":true}");
	ck_refused(400, "validation_failed");
	ck_assert_str_eq(error_path(0), "/force");
}
END_TEST

START_TEST(valid_body_reaches_handler_parsed)
{
	run("PATCH", "/t/items/" ID, "application/json",
	    " {\"name\":\"caf\\u00e9\",\"note\":null} ");
	ck_handled();
	ck_assert_str_eq(seen.path_params[0], ID);
	ck_assert_str_eq(seen.json, "{\"name\":\"caf\xC3\xA9\",\"note\":null}");
}
END_TEST

/* ---- read connection and consistency token (db/replica.h) ---- */

START_TEST(malformed_consistency_token_is_400)
{
	req.consistency_token = "16/B374D848";
	run("GET", "/t/items/" ID, NULL, NULL);
	ck_refused(400, "validation_failed");
}
END_TEST

START_TEST(malformed_consistency_token_is_400_on_writes_too)
{
	req.consistency_token = "AAAAABazdNh";
	run("POST", "/t/items", "application/json", "{\"name\":\"x\"}");
	ck_refused(400, "validation_failed");
}
END_TEST

START_TEST(read_without_read_url_runs_on_the_write_connection)
{
	struct db *db = db_new("dbname=none");

	req.db = db;
	req.consistency_token = "AAAAABazdNg";
	run("GET", "/t/items/" ID, NULL, NULL);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_ptr_eq(seen.db, db);
	ck_assert(!has_header("X-Debug-Db"));
	db_free(db);
}
END_TEST

START_TEST(write_without_a_position_answers_no_token)
{
	struct db *db = db_new("dbname=none");

	req.db = db;
	run("POST", "/t/items", "application/json", "{\"name\":\"x\"}");
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_ptr_eq(seen.db, db);
	ck_assert_int_eq(resp.status, 200);
	ck_assert(!has_header("X-Consistency-Token"));
	db_free(db);
}
END_TEST

START_TEST(debug_header_names_the_connection_when_enabled)
{
	cfg.debug_db_header = true;
	run("GET", "/t/items/" ID, NULL, NULL);
	ck_assert(has_header("X-Debug-Db: primary\r\n"));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("dispatch");
	TCase *routing = tcase_create("routing");
	TCase *token = tcase_create("token");
	TCase *query = tcase_create("query");
	TCase *body = tcase_create("body");
	TCase *replica = tcase_create("replica");
	TCase *all[] = { routing, token, query, body, replica };
	size_t i;

	tcase_add_test(routing, unknown_path_is_404);
	tcase_add_test(routing, id_of_wrong_shape_is_404_even_without_token);
	tcase_add_test(routing, other_method_is_405_with_allow);
	tcase_add_test(routing, head_runs_the_get_handler);
	tcase_add_test(routing, head_where_no_get_is_405);

	tcase_add_test(token, missing_token_is_401);
	tcase_add_test(token, bad_token_is_401);
	tcase_add_test(token, token_checked_before_query_and_body);
	tcase_add_test(token, public_route_needs_no_token);
	tcase_add_test(token, valid_token_reaches_handler_with_params_and_caller);
	tcase_add_test(token, caller_carries_request_id_and_idempotency_key);

	tcase_add_test(query, unknown_query_parameter_is_400);
	tcase_add_test(query, query_on_route_without_parameters_is_400);
	tcase_add_test(query, known_query_parameter_reaches_handler);

	tcase_add_test(body, body_too_large_is_413);
	tcase_add_test(body, non_json_media_type_is_415);
	tcase_add_test(body, json_media_type_with_parameters_accepted);
	tcase_add_test(body, json_media_type_is_case_insensitive);
	tcase_add_test(body, invalid_json_is_400);
	tcase_add_test(body, unknown_field_is_400_with_path);
	tcase_add_test(body, body_not_an_object_is_400_validation_failed);
	tcase_add_test(body, body_on_route_without_body_is_400);
	tcase_add_test(body, missing_required_body_is_400);
	tcase_add_test(body, optional_body_absent_reaches_handler);
	tcase_add_test(body, optional_body_present_is_validated);
	tcase_add_test(body, valid_body_reaches_handler_parsed);

	tcase_add_test(replica, malformed_consistency_token_is_400);
	tcase_add_test(replica, malformed_consistency_token_is_400_on_writes_too);
	tcase_add_test(replica, read_without_read_url_runs_on_the_write_connection);
	tcase_add_test(replica, write_without_a_position_answers_no_token);
	tcase_add_test(replica, debug_header_names_the_connection_when_enabled);

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tcase_add_checked_fixture(all[i], setup, teardown);
		suite_add_tcase(s, all[i]);
	}
	return s;
}
