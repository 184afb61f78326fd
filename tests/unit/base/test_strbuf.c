/* strbuf: growth across the arena, NUL termination, printf, JSON string escaping. */
#include <string.h>

#include "check_main.h"

#include "base/strbuf.h"

static struct arena *a;

static void setup(void)
{
	a = arena_new();
}

static void teardown(void)
{
	arena_free(a);
}

START_TEST(starts_empty_and_terminated)
{
	struct strbuf sb;

	strbuf_init(&sb, a);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_ptr_nonnull(sb.data);
	ck_assert_str_eq(sb.data, "");
}
END_TEST

START_TEST(appends_and_grows)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb, a);
	strbuf_puts(&sb, "ab");
	strbuf_putc(&sb, 'c');
	strbuf_append(&sb, "defXYZ", 3);
	ck_assert_str_eq(sb.data, "abcdef");
	ck_assert_uint_eq(sb.len, 6);
	for (i = 0; i < 10000; i++)
		strbuf_putc(&sb, (char)('a' + (char)(i % 26)));
	ck_assert_uint_eq(sb.len, 10006);
	ck_assert_uint_eq(strlen(sb.data), 10006);
	ck_assert(sb.cap >= sb.len + 1);
	ck_assert_int_eq(sb.data[6], 'a');
	ck_assert_int_eq(sb.data[10005], (char)('a' + (9999 % 26)));
}
END_TEST

START_TEST(appends_embedded_nul_by_length)
{
	struct strbuf sb;

	strbuf_init(&sb, a);
	strbuf_append(&sb, "a\0b", 3);
	ck_assert_uint_eq(sb.len, 3);
	ck_assert_int_eq(memcmp(sb.data, "a\0b", 4), 0);
}
END_TEST

START_TEST(printf_formats_and_appends)
{
	struct strbuf sb;
	char big[3000];

	strbuf_init(&sb, a);
	strbuf_printf(&sb, "$%d", 1);
	strbuf_printf(&sb, " %s=%05.1f", "x", 2.25);
	ck_assert_str_eq(sb.data, "$1 x=002.2");
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_printf(&sb, "%s!", big);
	ck_assert_uint_eq(sb.len, 10 + sizeof(big));
	ck_assert_int_eq(sb.data[sb.len - 1], '!');
}
END_TEST

START_TEST(json_string_escapes)
{
	struct strbuf sb;

	strbuf_init(&sb, a);
	strbuf_json_string(&sb, "a\"b\\c\n\t\x01/é");
	ck_assert_str_eq(sb.data, "\"a\\\"b\\\\c\\n\\t\\u0001/é\"");
}
END_TEST

START_TEST(json_string_n_stops_at_length)
{
	struct strbuf sb;

	strbuf_init(&sb, a);
	strbuf_json_string_n(&sb, "abcdef", 3);
	ck_assert_str_eq(sb.data, "\"abc\"");
	strbuf_init(&sb, a);
	strbuf_json_string(&sb, "");
	ck_assert_str_eq(sb.data, "\"\"");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("strbuf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, starts_empty_and_terminated);
	tcase_add_test(tc, appends_and_grows);
	tcase_add_test(tc, appends_embedded_nul_by_length);
	tcase_add_test(tc, printf_formats_and_appends);
	tcase_add_test(tc, json_string_escapes);
	tcase_add_test(tc, json_string_n_stops_at_length);
	suite_add_tcase(s, tc);
	return s;
}
