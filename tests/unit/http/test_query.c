/* Query strings: percent-decoding, allowed names, repeats, and request_query(). */
#include <string.h>

#include "check_main.h"

#include "http/query.h"

static struct arena *a;
static struct request req;
static struct validation v;
static const char *const allowed[] = { "limit", "cursor", "q", "a", "b", NULL };

/* Starts a fresh list of problems. */
static void clear_errors(void)
{
	memset(&v, 0, sizeof(v));
	v.arena = a;
}

static void setup(void)
{
	a = arena_new();
	memset(&req, 0, sizeof(req));
	req.arena = a;
	clear_errors();
}

static void teardown(void)
{
	arena_free(a);
}

static void parse(const char *qs, const char *const *names)
{
	req.query_string = qs;
	query_parse(&req, names, &v);
}

static const char *decode(const char *s)
{
	return query_decode(a, s, strlen(s));
}

START_TEST(decode_plus_and_percent)
{
	ck_assert_str_eq(decode("a+b"), "a b");
	ck_assert_str_eq(decode("a%20b"), "a b");
	ck_assert_str_eq(decode("a%2Bb"), "a+b");
	ck_assert_str_eq(decode("a%2bb"), "a+b");
	ck_assert_str_eq(decode("%26%3D%25"), "&=%");
	ck_assert_str_eq(decode("caf%C3%A9"), "caf\xC3\xA9");
	ck_assert_str_eq(decode("%41"), "A");
	ck_assert_str_eq(decode("plain"), "plain");
	ck_assert_str_eq(decode(""), "");
	/* Only len bytes are read. */
	ck_assert_str_eq(query_decode(a, "abc%20", 3), "abc");
}
END_TEST

START_TEST(decode_refuses_bad_escapes_and_nul)
{
	static const char *const bad[] = { "%",   "%2",   "a%",  "a%4",   "%zz", "%G0",
					   "%0G", "%%20", "%00", "a%00b", "% 20" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(decode(bad[i]) == NULL, "decoded \"%s\"", bad[i]);
	/* An escape cut by len is incomplete even if the bytes after it would finish it. */
	ck_assert_ptr_null(query_decode(a, "%20", 2));
}
END_TEST

START_TEST(parse_allowed_names)
{
	parse("limit=10&q=a+b%2Bc&cursor=", allowed);
	ck_assert_uint_eq(v.n_errors, 0);
	ck_assert_uint_eq(req.n_query, 3);
	ck_assert_str_eq(request_query(&req, "limit"), "10");
	ck_assert_str_eq(request_query(&req, "q"), "a b+c");
	ck_assert_str_eq(request_query(&req, "cursor"), "");
	ck_assert_ptr_null(request_query(&req, "a"));
	ck_assert_ptr_null(request_query(&req, "LIMIT"));
}
END_TEST

START_TEST(parse_encoded_name)
{
	parse("%6Cimit=5", allowed);
	ck_assert_uint_eq(v.n_errors, 0);
	ck_assert_str_eq(request_query(&req, "limit"), "5");
}
END_TEST

START_TEST(parse_unknown_name)
{
	parse("limit=1&bogus=2", allowed);
	ck_assert_uint_eq(v.n_errors, 1);
	ck_assert_str_eq(v.errors[0].path, "?bogus");
	ck_assert_ptr_nonnull(v.errors[0].message);
	ck_assert_str_eq(request_query(&req, "limit"), "1");
	ck_assert_ptr_null(request_query(&req, "bogus"));
}
END_TEST

START_TEST(parse_unknown_name_is_reported_decoded)
{
	parse("my+name=1&x%2Fy=2", allowed);
	ck_assert_uint_eq(v.n_errors, 2);
	ck_assert_str_eq(v.errors[0].path, "?my name");
	ck_assert_str_eq(v.errors[1].path, "?x/y");
}
END_TEST

START_TEST(parse_null_allowed_refuses_every_name)
{
	parse("limit=1", NULL);
	ck_assert_uint_eq(v.n_errors, 1);
	ck_assert_str_eq(v.errors[0].path, "?limit");
	ck_assert_uint_eq(req.n_query, 0);
}
END_TEST

START_TEST(parse_repeated_name)
{
	parse("limit=1&limit=2", allowed);
	ck_assert_uint_eq(v.n_errors, 1);
	ck_assert_str_eq(v.errors[0].path, "?limit");
	ck_assert_str_eq(request_query(&req, "limit"), "1");
	/* The same name written two ways is still the same name. */
	clear_errors();
	parse("q=1&%71=2", allowed);
	ck_assert_uint_eq(v.n_errors, 1);
	ck_assert_str_eq(v.errors[0].path, "?q");
}
END_TEST

START_TEST(parse_empty_segments_ignored)
{
	parse("a=1&&b=2&", allowed);
	ck_assert_uint_eq(v.n_errors, 0);
	ck_assert_uint_eq(req.n_query, 2);
	ck_assert_str_eq(request_query(&req, "a"), "1");
	ck_assert_str_eq(request_query(&req, "b"), "2");
	clear_errors();
	parse("&&&", allowed);
	ck_assert_uint_eq(v.n_errors, 0);
	ck_assert_uint_eq(req.n_query, 0);
}
END_TEST

START_TEST(parse_value_without_equals)
{
	parse("q&limit=3", allowed);
	ck_assert_uint_eq(v.n_errors, 0);
	ck_assert_str_eq(request_query(&req, "q"), "");
	ck_assert_str_eq(request_query(&req, "limit"), "3");
}
END_TEST

START_TEST(parse_value_keeps_later_equals)
{
	parse("q=a=b", allowed);
	ck_assert_uint_eq(v.n_errors, 0);
	ck_assert_str_eq(request_query(&req, "q"), "a=b");
}
END_TEST

START_TEST(parse_refuses_bad_escape)
{
	static const char *const bad[] = { "q=%zz", "q=%2", "q=a%00b", "%00=1", "li%mit=1" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		clear_errors();
		parse(bad[i], allowed);
		ck_assert_msg(v.n_errors >= 1, "no error for %s", bad[i]);
		ck_assert_msg(v.errors[0].path[0] == '?', "path %s", v.errors[0].path);
		ck_assert_ptr_null(request_query(&req, "q"));
	}
}
END_TEST

START_TEST(parse_no_query_string)
{
	parse(NULL, allowed);
	ck_assert_uint_eq(v.n_errors, 0);
	ck_assert_uint_eq(req.n_query, 0);
	parse("", allowed);
	ck_assert_uint_eq(v.n_errors, 0);
	ck_assert_uint_eq(req.n_query, 0);
	ck_assert_ptr_null(request_query(&req, "q"));
}
END_TEST

START_TEST(parse_resets_previous_parameters)
{
	parse("q=1", allowed);
	parse("limit=2", allowed);
	ck_assert_uint_eq(req.n_query, 1);
	ck_assert_ptr_null(request_query(&req, "q"));
	ck_assert_str_eq(request_query(&req, "limit"), "2");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("query");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, decode_plus_and_percent);
	tcase_add_test(tc, decode_refuses_bad_escapes_and_nul);
	tcase_add_test(tc, parse_allowed_names);
	tcase_add_test(tc, parse_encoded_name);
	tcase_add_test(tc, parse_unknown_name);
	tcase_add_test(tc, parse_unknown_name_is_reported_decoded);
	tcase_add_test(tc, parse_null_allowed_refuses_every_name);
	tcase_add_test(tc, parse_repeated_name);
	tcase_add_test(tc, parse_empty_segments_ignored);
	tcase_add_test(tc, parse_value_without_equals);
	tcase_add_test(tc, parse_value_keeps_later_equals);
	tcase_add_test(tc, parse_refuses_bad_escape);
	tcase_add_test(tc, parse_no_query_string);
	tcase_add_test(tc, parse_resets_previous_parameters);
	suite_add_tcase(s, tc);
	return s;
}
