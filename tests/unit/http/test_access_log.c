/* access_log: one JSON line per request on stderr, through base/log. */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"

#include "http/access_log.h"
#include "http/route.h"

static struct arena *a;

static void setup(void)
{
	a = arena_new();
}

static void teardown(void)
{
	arena_free(a);
}

/* Runs access_log_write with stderr sent to a temporary file; returns what it wrote. */
static char *capture(const struct request *req, const struct response *resp, double ms)
{
	static char out[4096];
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
	access_log_write(req, resp, ms);
	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static const char *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_is_type(v, json_type_null) ? NULL : json_object_get_string(v);
}

START_TEST(a_matched_request)
{
	static const struct route route = { .method = HTTP_GET,
					    .pattern = "/api/integrations/{int}" };
	struct request req;
	struct response resp;
	struct json_object *o;
	char *line;

	memset(&req, 0, sizeof(req));
	req.arena = a;
	req.request_id = "rid-1";
	req.method_name = "GET";
	req.path = "/api/integrations/int_0192f3a4b5c6d7e8f9a0b1c2d3e4";
	req.route = &route;
	req.caller.sub = "usr_\"q\"";
	response_init(&resp, a);
	resp.status = 200;
	line = capture(&req, &resp, 1.23456);
	ck_assert_int_eq(line[strlen(line) - 1], '\n');
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1); /* one line */
	o = json_tokener_parse(line);
	ck_assert_msg(o != NULL, "not JSON: %s", line);
	ck_assert_str_eq(member(o, "level"), "info");
	ck_assert_str_eq(member(o, "msg"), "request");
	ck_assert_str_eq(member(o, "requestId"), "rid-1");
	ck_assert_str_eq(member(o, "method"), "GET");
	ck_assert_str_eq(member(o, "route"), "/api/integrations/{int}");
	ck_assert_str_eq(member(o, "status"), "200");
	ck_assert_str_eq(member(o, "durationMs"), "1.235");
	ck_assert_str_eq(member(o, "sub"), "usr_\"q\"");
	ck_assert_ptr_nonnull(member(o, "ts"));
	json_object_put(o);
}
END_TEST

START_TEST(an_unmatched_anonymous_request)
{
	struct request req;
	struct response resp;
	struct json_object *o;

	memset(&req, 0, sizeof(req));
	req.arena = a;
	response_init(&resp, a);
	resp.status = 404;
	o = json_tokener_parse(capture(&req, &resp, 0.5));
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_null(member(o, "route"));
	ck_assert_ptr_null(member(o, "sub"));
	ck_assert_str_eq(member(o, "requestId"), "");
	ck_assert_str_eq(member(o, "path"), "");
	ck_assert_str_eq(member(o, "status"), "404");
	json_object_put(o);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("access_log");
	TCase *tc = tcase_create("access_log");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_matched_request);
	tcase_add_test(tc, an_unmatched_anonymous_request);
	suite_add_tcase(s, tc);
	return s;
}
