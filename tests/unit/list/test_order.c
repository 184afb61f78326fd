#include <string.h>

#include "check_main.h"
#include "list/order.h"
#include "list/resources.h"

static struct arena *a;
static struct validation v;
static struct list_order order;

static void setup(void)
{
	a = arena_new();
	memset(&v, 0, sizeof(v));
	v.arena = a;
}

static void teardown(void)
{
	arena_free(a);
}

static int parse(const char *text)
{
	return list_order_parse(a, &list_integrations, text, &order, &v);
}

START_TEST(default_order_is_created_at_desc_then_id)
{
	ck_assert_int_eq(parse(NULL), 0);
	ck_assert_uint_eq(order.n_keys, 2);
	ck_assert_str_eq(list_order_sql(a, &order, "i", false), "i.created_at desc, i.id desc");
	ck_assert_str_eq(list_order_sql(a, &order, "i", true), "i.created_at asc, i.id asc");
}
END_TEST

/* A stream (events): oldest first by default, the keyset over the bigint sequence. */
START_TEST(default_order_ascending_for_a_stream)
{
	struct sql_params params = { .n = 1 };
	const char *values[] = { "41", NULL };

	ck_assert_int_eq(list_order_parse(a, &list_events, NULL, &order, &v), 0);
	ck_assert_uint_eq(order.n_keys, 2);
	ck_assert_str_eq(list_order_sql(a, &order, "e", false), "e.sequence asc, e.id asc");
	ck_assert_str_eq(list_keyset_sql(a, &order, "e", values, false, &params),
			 "((e.sequence > $2::bigint) or (e.sequence = $3::bigint and false))");
}
END_TEST

START_TEST(directions_and_nulls)
{
	ck_assert_int_eq(parse("[{\"description\":\"asc\"},{\"publisher\":\"desc_nulls_last\"},"
			       "{\"currentVersion\":\"asc_nulls_first\"}]"),
			 0);
	ck_assert_uint_eq(order.n_keys, 4);
	ck_assert_str_eq(list_order_sql(a, &order, "i", false),
			 "i.description asc nulls last, i.publisher desc nulls last, "
			 "i.current_version_key asc nulls first, i.id asc");
	/* Reversed: every direction and every nulls position flips. */
	ck_assert_str_eq(list_order_sql(a, &order, "i", true),
			 "i.description desc nulls first, i.publisher asc nulls first, "
			 "i.current_version_key desc nulls last, i.id desc");
	/* The same over named output columns (the merge of a scope's parts). */
	ck_assert_str_eq(list_order_columns_sql(a, &order, "s", false),
			 "s1 asc nulls last, s2 desc nulls last, s3 asc nulls first, s4 asc");
	ck_assert_str_eq(list_order_columns_sql(a, &order, "s", true),
			 "s1 desc nulls first, s2 asc nulls first, s3 desc nulls last, s4 desc");
}
END_TEST

START_TEST(explicit_id_is_not_repeated)
{
	ck_assert_int_eq(parse("[{\"id\":\"asc\"}]"), 0);
	ck_assert_uint_eq(order.n_keys, 1);
}
END_TEST

START_TEST(errors_point_into_order_by)
{
	ck_assert_int_eq(parse("[{\"nope\":\"asc\"}]"), -1);
	ck_assert_str_eq(v.errors[0].path, "?orderBy/0/nope");
	v.n_errors = 0;
	ck_assert_int_eq(parse("[{\"manifest\":\"asc\"}]"), -1);
	ck_assert_str_eq(v.errors[0].message, "not a sortable field");
	v.n_errors = 0;
	ck_assert_int_eq(parse("[{\"name\":\"up\"}]"), -1);
	ck_assert_str_eq(v.errors[0].path, "?orderBy/0/name");
	v.n_errors = 0;
	ck_assert_int_eq(parse("[{\"name\":\"asc\",\"slug\":\"asc\"}]"), -1);
	ck_assert_str_eq(v.errors[0].path, "?orderBy/0");
	v.n_errors = 0;
	ck_assert_int_eq(parse("[{\"name\":\"asc\"},{\"name\":\"desc\"}]"), -1);
	ck_assert_str_eq(v.errors[0].path, "?orderBy/1/name");
	v.n_errors = 0;
	ck_assert_int_eq(parse("[{\"a\":1},{\"b\":1},{\"c\":1},{\"d\":1},{\"e\":1},{\"f\":1}]"),
			 -1);
	ck_assert_str_eq(v.errors[0].message, "has more than 5 keys");
	v.n_errors = 0;
	ck_assert_int_eq(parse("[]"), -1);
	v.n_errors = 0;
	ck_assert_int_eq(parse("{\"name\":\"asc\"}"), -1);
	v.n_errors = 0;
	ck_assert_int_eq(parse("[{\"name\":\"asc\"}"), -1);
	ck_assert_str_eq(v.errors[0].path, "?orderBy");
}
END_TEST

START_TEST(keyset_row_comparison_when_no_nulls)
{
	const char *values[] = { "2026-01-01 00:00:00+00", "int_0" };
	struct sql_params p = { .n = 1 };

	ck_assert_int_eq(parse(NULL), 0);
	ck_assert_str_eq(list_keyset_sql(a, &order, "i", values, false, &p),
			 "(i.created_at, i.id) < ($2::timestamptz, $3::text)");
	ck_assert_int_eq(p.n, 3);
	ck_assert_str_eq(p.values[1], values[0]);
	ck_assert_str_eq(list_keyset_sql(a, &order, "i", values, true, &p),
			 "(i.created_at, i.id) > ($4::timestamptz, $5::text)");
	/* The complement includes the cursor row itself, and stays an indexable comparison. */
	ck_assert_str_eq(list_keyset_complement_sql(a, &order, "i", values, false, &p),
			 "(i.created_at, i.id) >= ($6::timestamptz, $7::text)");
	ck_assert_str_eq(list_keyset_complement_sql(a, &order, "i", values, true, &p),
			 "(i.created_at, i.id) <= ($8::timestamptz, $9::text)");
}
END_TEST

START_TEST(keyset_nullable_key_in_every_position)
{
	const char *with_value[] = { "x", "int_0" };
	const char *with_null[] = { NULL, "int_0" };
	struct sql_params p = { .n = 1 };

	/* asc = nulls last: after a value come greater values and the nulls. */
	ck_assert_int_eq(parse("[{\"description\":\"asc\"}]"), 0);
	ck_assert_str_eq(list_keyset_sql(a, &order, "i", with_value, false, &p),
			 "(((i.description > $2::text or i.description is null)) or "
			 "(i.description = $3::text and i.id > $4::text))");
	/* After a null (nulls last) only other nulls with a greater id. */
	p.n = 1;
	ck_assert_str_eq(list_keyset_sql(a, &order, "i", with_null, false, &p),
			 "((false) or (i.description is null and i.id > $2::text))");
	/* desc = nulls first: after a null come all the values. */
	p.n = 1;
	ck_assert_int_eq(parse("[{\"description\":\"desc\"}]"), 0);
	ck_assert_str_eq(
		list_keyset_sql(a, &order, "i", with_null, false, &p),
		"((i.description is not null) or (i.description is null and i.id < $2::text))");
	/* Backwards over desc nulls first = asc nulls last. */
	p.n = 1;
	ck_assert_str_eq(list_keyset_sql(a, &order, "i", with_null, true, &p),
			 "((false) or (i.description is null and i.id > $2::text))");
	/* With a nullable key the complement negates the keyset, nulls counted as not after. */
	p.n = 1;
	ck_assert_str_eq(
		list_keyset_complement_sql(a, &order, "i", with_null, true, &p),
		"not coalesce(((false) or (i.description is null and i.id > $2::text)), false)");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("list_order");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, default_order_is_created_at_desc_then_id);
	tcase_add_test(tc, directions_and_nulls);
	tcase_add_test(tc, explicit_id_is_not_repeated);
	tcase_add_test(tc, errors_point_into_order_by);
	tcase_add_test(tc, keyset_row_comparison_when_no_nulls);
	tcase_add_test(tc, keyset_nullable_key_in_every_position);
	tcase_add_test(tc, default_order_ascending_for_a_stream);
	suite_add_tcase(s, tc);
	return s;
}
