/* base/log: every line is one JSON object (ts, level, msg, fields), escaped, bounded. */
#include <json.h>
#include <string.h>

#include "check_main.h"

#include "base/log.h"

/* 2026-12-02T07:11:36.123Z */
#define TS_MS 1796195496123LL

static struct json_object *parse_line(const char *line, size_t len)
{
	struct json_object *o;

	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(line[len - 1], '\n');
	ck_assert_ptr_null(memchr(line, '\n', len - 1)); /* one line */
	o = json_tokener_parse(line);
	ck_assert_msg(o != NULL && json_object_is_type(o, json_type_object), "not JSON: %s", line);
	return o;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_string(v);
}

START_TEST(ts_level_msg_then_fields)
{
	char buf[LOG_LINE_MAX];
	size_t n = log_format(buf, sizeof(buf), TS_MS, LOG_WARN, "worker_died",
			      (const struct log_field[]){ LOG_STR("event", "worker_died"),
							  LOG_INT("pid", 4242), LOG_NUM("ms", 1.5),
							  LOG_STR("sub", NULL),
							  LOG_JSON("raw", "[1,2]") },
			      5);
	struct json_object *o = parse_line(buf, n), *v;

	ck_assert_str_eq(buf, "{\"ts\":\"2026-12-02T07:11:36.123Z\",\"level\":\"warn\",\"msg\":"
			      "\"worker_died\",\"event\":\"worker_died\",\"pid\":4242,\"ms\":1.500,"
			      "\"sub\":null,\"raw\":[1,2]}\n");
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_str_eq(get_str(o, "level"), "warn");
	ck_assert(json_object_object_get_ex(o, "pid", &v) && json_object_get_int(v) == 4242);
	json_object_put(o);
}
END_TEST

START_TEST(level_names)
{
	ck_assert_str_eq(log_level_name(LOG_DEBUG), "debug");
	ck_assert_str_eq(log_level_name(LOG_INFO), "info");
	ck_assert_str_eq(log_level_name(LOG_WARN), "warn");
	ck_assert_str_eq(log_level_name(LOG_ERROR), "error");
}
END_TEST

START_TEST(escapes_quotes_backslashes_and_controls)
{
	char buf[512];
	size_t n = log_format(
		buf, sizeof(buf), TS_MS, LOG_ERROR, "a \"quoted\"\\ line\nnext",
		(const struct log_field[]){ LOG_STR("error", "ERROR:  x\n\tat \x01 é") }, 1);
	struct json_object *o = parse_line(buf, n);

	ck_assert_str_eq(get_str(o, "msg"), "a \"quoted\"\\ line\nnext");
	ck_assert_str_eq(get_str(o, "error"), "ERROR:  x\n\tat \x01 é");
	json_object_put(o);
}
END_TEST

START_TEST(non_finite_number_is_null)
{
	char buf[256];
	size_t n = log_format(buf, sizeof(buf), TS_MS, LOG_INFO, "m",
			      (const struct log_field[]){ LOG_NUM("x", 1.0 / 0.0) }, 1);

	ck_assert_ptr_nonnull(strstr(buf, "\"x\":null}"));
	json_object_put(parse_line(buf, n));
}
END_TEST

START_TEST(long_field_dropped_line_stays_json)
{
	static char big[LOG_LINE_MAX * 2];
	char buf[LOG_LINE_MAX];
	struct json_object *o, *v;
	size_t n;

	memset(big, 'x', sizeof(big) - 1);
	n = log_format(buf, sizeof(buf), TS_MS, LOG_INFO, "m",
		       (const struct log_field[]){ LOG_INT("kept", 1), LOG_STR("big", big),
						   LOG_INT("after", 2) },
		       3);
	ck_assert_uint_lt(n, LOG_LINE_MAX);
	o = parse_line(buf, n);
	ck_assert(json_object_object_get_ex(o, "kept", &v));
	ck_assert(!json_object_object_get_ex(o, "big", &v));
	json_object_put(o);
}
END_TEST

START_TEST(long_msg_cut_and_marked)
{
	static char big[LOG_LINE_MAX * 2];
	char buf[300];
	struct json_object *o;
	const char *msg;
	size_t n, i;

	/* two-byte characters: a cut never leaves half of one */
	for (i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "é", 2);
	n = log_format(buf, sizeof(buf), TS_MS, LOG_INFO, big, NULL, 0);
	ck_assert_uint_lt(n, sizeof(buf));
	o = parse_line(buf, n);
	msg = get_str(o, "msg");
	ck_assert_uint_gt(strlen(msg), 100);
	ck_assert_str_eq(msg + strlen(msg) - 3, "\xe2\x80\xa6");
	json_object_put(o);
}
END_TEST

START_TEST(tiny_buffer_writes_nothing)
{
	char buf[16] = "zzz";

	ck_assert_uint_eq(log_format(buf, sizeof(buf), TS_MS, LOG_INFO, "m", NULL, 0), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(log_format(buf, 0, TS_MS, LOG_INFO, "m", NULL, 0), 0);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, ts_level_msg_then_fields);
	tcase_add_test(tc, level_names);
	tcase_add_test(tc, escapes_quotes_backslashes_and_controls);
	tcase_add_test(tc, non_finite_number_is_null);
	tcase_add_test(tc, long_field_dropped_line_stays_json);
	tcase_add_test(tc, long_msg_cut_and_marked);
	tcase_add_test(tc, tiny_buffer_writes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
