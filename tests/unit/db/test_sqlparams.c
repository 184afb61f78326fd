/* sqlparams: placeholders numbered in order, the limit, and text[] literals. */
#include <stdio.h>

#include "check_main.h"

#include "db/sqlparams.h"

static struct arena *a;

static void setup(void)
{
	a = arena_new();
}

static void teardown(void)
{
	arena_free(a);
}

START_TEST(placeholders_in_order)
{
	struct sql_params p = { .n = 0 };
	struct strbuf sql;

	strbuf_init(&sql, a);
	strbuf_puts(&sql, "a = ");
	ck_assert_int_eq(sql_param(&p, &sql, "x"), 0);
	strbuf_puts(&sql, " and b = ");
	ck_assert_int_eq(sql_param(&p, &sql, "it's; drop"), 0);
	ck_assert_str_eq(sql.data, "a = $1 and b = $2");
	ck_assert_int_eq(p.n, 2);
	ck_assert_str_eq(p.values[0], "x");
	ck_assert_str_eq(p.values[1], "it's; drop");
}
END_TEST

START_TEST(null_value_is_a_parameter)
{
	struct sql_params p = { .n = 0 };
	struct strbuf sql;

	strbuf_init(&sql, a);
	ck_assert_int_eq(sql_param(&p, &sql, NULL), 0);
	ck_assert_ptr_null(p.values[0]);
	ck_assert_str_eq(sql.data, "$1");
}
END_TEST

START_TEST(refuses_past_the_limit)
{
	struct sql_params p = { .n = 0 };
	struct strbuf sql;
	char last[16];
	int i;

	strbuf_init(&sql, a);
	for (i = 0; i < SQL_MAX_PARAMS; i++)
		ck_assert_int_eq(sql_param(&p, &sql, "v"), 0);
	snprintf(last, sizeof(last), "$%d", SQL_MAX_PARAMS);
	ck_assert_str_eq(sql.data + sql.len - strlen(last), last);
	ck_assert_int_eq(sql_param(&p, &sql, "v"), -1);
	ck_assert_int_eq(p.n, SQL_MAX_PARAMS);
	ck_assert_str_eq(sql.data + sql.len - strlen(last), last); /* nothing written */
}
END_TEST

START_TEST(text_array_literals)
{
	ck_assert_str_eq(sql_text_array(a, NULL, 0), "{}");
	ck_assert_str_eq(sql_text_array(a, (const char *const[]){ "ws_a" }, 1), "{\"ws_a\"}");
	ck_assert_str_eq(
		sql_text_array(a, (const char *const[]){ "a", "b\"c", "d\\e", "", "x,y}" }, 5),
		"{\"a\",\"b\\\"c\",\"d\\\\e\",\"\",\"x,y}\"}");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("sqlparams");
	TCase *tc = tcase_create("sqlparams");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, placeholders_in_order);
	tcase_add_test(tc, null_value_is_a_parameter);
	tcase_add_test(tc, refuses_past_the_limit);
	tcase_add_test(tc, text_array_literals);
	suite_add_tcase(s, tc);
	return s;
}
