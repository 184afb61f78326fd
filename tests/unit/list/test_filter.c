#include <string.h>

#include "check_main.h"
#include "json/json_strict.h"
#include "list/filter.h"
#include "list/order.h"
#include "list/resources.h"

static struct arena *a;
static struct validation v;
static struct sql_params p;

static void setup(void)
{
	a = arena_new();
	memset(&v, 0, sizeof(v));
	v.arena = a;
	memset(&p, 0, sizeof(p));
	p.n = 1; /* $1 is the caller's workspaces */
}

static void teardown(void)
{
	arena_free(a);
}

/* A fresh compiler state inside one test. */
static void reset(void)
{
	teardown();
	setup();
}

static const char *compile(const char *filter)
{
	struct json_object *json;
	const char *why;

	ck_assert_msg(json_parse_strict(filter, strlen(filter), &json, &why) == 0, "bad test JSON");
	json_defer_put(a, json);
	return list_filter_compile(a, &list_integrations, json, "i", &p, &v);
}

static void assert_error(const char *filter, const char *path)
{
	ck_assert_ptr_null(compile(filter));
	ck_assert_uint_ge(v.n_errors, 1);
	ck_assert_str_eq(v.errors[0].path, path);
}

START_TEST(empty_filter_is_true)
{
	ck_assert_str_eq(compile("{}"), "(true)");
}
END_TEST

/* Integer fields (the events' sequence): JSON integers, compared as bigint. */
START_TEST(integer_operands)
{
	struct json_object *json;
	const char *why, *text = "{\"sequence\":{\"gt\":5,\"in\":[1,2]}}";

	ck_assert_int_eq(json_parse_strict(text, strlen(text), &json, &why), 0);
	json_defer_put(a, json);
	ck_assert_str_eq(
		list_filter_compile(a, &list_events, json, "e", &p, &v),
		"(((e.sequence > $2::bigint) and (e.sequence = any($3::text[]::bigint[]))))");
	ck_assert_str_eq(p.values[1], "5");
	ck_assert_str_eq(p.values[2], "{\"1\",\"2\"}");
	reset();
	text = "{\"sequence\":{\"eq\":\"5\"}}";
	ck_assert_int_eq(json_parse_strict(text, strlen(text), &json, &why), 0);
	json_defer_put(a, json);
	ck_assert_ptr_null(list_filter_compile(a, &list_events, json, "e", &p, &v));
	ck_assert_str_eq(v.errors[0].path, "?filter/sequence/eq");
	ck_assert_str_eq(v.errors[0].message, "must be an integer");
}
END_TEST

START_TEST(scalar_operators)
{
	ck_assert_str_eq(compile("{\"name\":{\"eq\":\"a\",\"lt\":\"z\"}}"),
			 "(((i.name = $2::text) and (i.name < $3::text)))");
	ck_assert_str_eq(p.values[1], "a");
	ck_assert_str_eq(p.values[2], "z");
	ck_assert_str_eq(compile("{\"description\":{\"neq\":\"x\"}}"),
			 "(((i.description is distinct from $4::text)))");
	ck_assert_str_eq(compile("{\"deletedAt\":{\"isNull\":false}}"),
			 "(((i.deleted_at is not null)))");
	ck_assert_str_eq(compile("{\"createdAt\":{\"gte\":\"2026-01-01T00:00:00Z\"}}"),
			 "(((i.created_at >= $5::timestamptz)))");
	ck_assert_str_eq(compile("{\"currentVersion\":{\"gt\":\"1.0.0\"}}"),
			 "(((i.current_version_key > core.semver_key($6::text))))");
}
END_TEST

START_TEST(in_and_not_in)
{
	ck_assert_str_eq(compile("{\"visibility\":{\"in\":[\"public\",\"unlisted\"]}}"),
			 "(((i.visibility = any($2::text[]))))");
	ck_assert_str_eq(p.values[1], "{\"public\",\"unlisted\"}");
	/* notIn, like neq, keeps the nulls. */
	ck_assert_str_eq(compile("{\"publisher\":{\"notIn\":[\"a\\\"b\"]}}"),
			 "(((i.publisher is null or not (i.publisher = any($3::text[])))))");
	ck_assert_str_eq(p.values[2], "{\"a\\\"b\"}");
}
END_TEST

START_TEST(text_operators_escape_like)
{
	ck_assert_str_eq(
		compile("{\"name\":{\"startsWith\":\"50%_\\\\\",\"mode\":\"insensitive\"}}"),
		"(((lower((i.name) collate \"und-x-icu\") collate \"C\" like "
		"lower(($2::text) collate \"und-x-icu\") collate \"C\")))");
	ck_assert_str_eq(p.values[1], "50\\%\\_\\\\%");
	ck_assert_str_eq(compile("{\"name\":{\"endsWith\":\"x\"}}"), "(((i.name like $3::text)))");
	ck_assert_str_eq(p.values[2], "%x");
	ck_assert_str_eq(compile("{\"name\":{\"eq\":\"Ab\",\"mode\":\"insensitive\"}}"),
			 "(((lower((i.name) collate \"und-x-icu\") collate \"C\" = "
			 "lower(($4::text) collate \"und-x-icu\") collate \"C\")))");
}
END_TEST

/*
 * mode insensitive folds with ICU (the cluster's C ctype folds ASCII only), compared in "C":
 * exactly the expression sql/migrations/0002 indexes, or the index goes unused.
 */
START_TEST(insensitive_folds_with_icu)
{
	ck_assert_str_eq(
		compile("{\"name\":{\"in\":[\"\u00c4rger\",\"\u00e9cole\"],"
			"\"mode\":\"insensitive\"}}"),
		"(((lower((i.name) collate \"und-x-icu\") collate \"C\" = any(array(select "
		"lower((x) collate \"und-x-icu\") collate \"C\" from unnest($2::text[]) as "
		"x)))))");
	ck_assert_str_eq(p.values[1], "{\"\u00c4rger\",\"\u00e9cole\"}");
	ck_assert_str_eq(compile("{\"name\":{\"contains\":\"\u00c4\",\"mode\":\"insensitive\"}}"),
			 "(((lower((i.name) collate \"und-x-icu\") collate \"C\" like "
			 "lower(($3::text) collate \"und-x-icu\") collate \"C\")))");
	ck_assert_str_eq(p.values[2], "%\u00c4%");
	/* Without mode, no folding at all. */
	ck_assert_str_eq(compile("{\"name\":{\"eq\":\"\u00c4\"}}"), "(((i.name = $4::text)))");
}
END_TEST

START_TEST(json_operators)
{
	ck_assert_str_eq(compile("{\"manifest\":{\"hasKey\":\"members\"}}"),
			 "(((i.manifest ? $2::text)))");
	ck_assert_str_eq(compile("{\"authConfig\":{\"contains\":{\"type\":\"oauth2\"}}}"),
			 "(((i.auth_config @> $3::jsonb)))");
	ck_assert_str_eq(p.values[2], "{\"type\":\"oauth2\"}");
}
END_TEST

START_TEST(logic_and_relations)
{
	ck_assert_str_eq(
		compile("{\"OR\":[{\"slug\":{\"eq\":\"a\"}},{\"NOT\":{\"slug\":{\"eq\":\"b\"}}}]}"),
		"(((((i.slug = $2::text))) or (not coalesce((((i.slug = $3::text))), false))))");
	ck_assert_str_eq(compile("{\"versions\":{\"some\":{\"version\":{\"eq\":\"2.0.0\"}}}}"),
			 "((exists (select 1 from core.integration_versions r1 where "
			 "r1.integration_id = i.id "
			 "and ((((r1.version_key = core.semver_key($4::text))))))))");
	ck_assert_str_eq(compile("{\"installs\":{\"every\":{\"deletedAt\":{\"isNull\":true}}}}"),
			 "((not exists (select 1 from core.integration_installs r1 where "
			 "r1.integration_id = i.id "
			 "and core.owned_in_scope(r1.workspace_id, null, $1::text[], true) "
			 "and not coalesce((((r1.deleted_at "
			 "is null))), false))))");
	ck_assert_str_eq(compile("{\"versions\":{\"none\":{}}}"),
			 "((not exists (select 1 from core.integration_versions r1 where "
			 "r1.integration_id = i.id and ((true)))))");
}
END_TEST

START_TEST(errors_point_into_the_filter)
{
	assert_error("{\"nope\":{\"eq\":1}}", "?filter/nope");
	reset();
	assert_error("{\"name\":{\"like\":\"a\"}}", "?filter/name/like");
	reset();
	assert_error("{\"name\":{\"eq\":1}}", "?filter/name/eq");
	reset();
	assert_error("{\"AND\":[{},{\"visibility\":{\"eq\":\"secret\"}}]}",
		     "?filter/AND/1/visibility/eq");
	reset();
	assert_error("{\"createdAt\":{\"lt\":\"yesterday\"}}", "?filter/createdAt/lt");
	reset();
	assert_error("{\"currentVersion\":{\"eq\":\"1.0\"}}", "?filter/currentVersion/eq");
	reset();
	assert_error("{\"visibility\":{\"contains\":\"pub\"}}", "?filter/visibility/contains");
	reset();
	assert_error("{\"name\":{\"eq\":\"a\",\"mode\":\"loud\"}}", "?filter/name/mode");
	reset();
	assert_error("{\"versions\":{\"any\":{}}}", "?filter/versions");
	reset();
	assert_error("{\"OR\":[]}", "?filter/OR");
	reset();
	assert_error("{\"name\":{\"in\":\"a\"}}", "?filter/name/in");
	reset();
	assert_error("{\"name\":{\"in\":[\"a\",2]}}", "?filter/name/in/1");
	reset();
	assert_error("{\"name\":{}}", "?filter/name");
	reset();
	assert_error("{\"a~b/c\":{}}", "?filter/a~0b~1c");
}
END_TEST

START_TEST(limits)
{
	struct strbuf deep, many, in;
	int i;

	/* Depth 8 passes, 9 fails. */
	strbuf_init(&deep, a);
	for (i = 0; i < 7; i++)
		strbuf_puts(&deep, "{\"NOT\":");
	strbuf_puts(&deep, "{}");
	for (i = 0; i < 7; i++)
		strbuf_putc(&deep, '}');
	ck_assert_ptr_nonnull(compile(deep.data));
	strbuf_init(&deep, a);
	for (i = 0; i < 8; i++)
		strbuf_puts(&deep, "{\"NOT\":");
	strbuf_puts(&deep, "{}");
	for (i = 0; i < 8; i++)
		strbuf_putc(&deep, '}');
	ck_assert_ptr_null(compile(deep.data));

	reset();
	strbuf_init(&many, a);
	strbuf_puts(&many, "{\"AND\":[");
	for (i = 0; i < 65; i++)
		strbuf_printf(&many, "%s{\"name\":{\"eq\":\"n%d\"}}", i > 0 ? "," : "", i);
	strbuf_puts(&many, "]}");
	ck_assert_ptr_null(compile(many.data));
	ck_assert_str_eq(v.errors[0].message, "the filter has more than 64 conditions");

	reset();
	strbuf_init(&in, a);
	strbuf_puts(&in, "{\"name\":{\"in\":[");
	for (i = 0; i < 101; i++)
		strbuf_printf(&in, "%s\"n%d\"", i > 0 ? "," : "", i);
	strbuf_puts(&in, "]}}");
	ck_assert_ptr_null(compile(in.data));
	ck_assert_str_eq(v.errors[0].path, "?filter/name/in");
}
END_TEST

START_TEST(no_caller_text_reaches_sql)
{
	const char *sql = compile("{\"name\":{\"eq\":\"x'); drop table core.integrations; --\"}}");

	ck_assert_ptr_nonnull(sql);
	ck_assert_ptr_null(strstr(sql, "drop"));
	ck_assert_str_eq(p.values[1], "x'); drop table core.integrations; --");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("list_filter");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, empty_filter_is_true);
	tcase_add_test(tc, scalar_operators);
	tcase_add_test(tc, in_and_not_in);
	tcase_add_test(tc, text_operators_escape_like);
	tcase_add_test(tc, insensitive_folds_with_icu);
	tcase_add_test(tc, json_operators);
	tcase_add_test(tc, logic_and_relations);
	tcase_add_test(tc, errors_point_into_the_filter);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, integer_operands);
	tcase_add_test(tc, no_caller_text_reaches_sql);
	suite_add_tcase(s, tc);
	return s;
}
