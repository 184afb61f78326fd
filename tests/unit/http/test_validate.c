/* Body validation against a field spec, JSON pointers, and the common string shapes. */
#include <stdio.h>
#include <string.h>

#include "check_main.h"

#include "json/json_strict.h"
#include "http/validate.h"

static const char *const colors[] = { "red", "green", NULL };

/* Deeper check for "meta": every member must be a string; problems under path. */
static void meta_values_are_strings(struct json_object *value, const char *path,
				    struct validation *v)
{
	json_object_object_foreach(value, key, member)
	{
		if (!json_object_is_type(member, json_type_string))
			validation_add(v, validate_pointer(v->arena, path, key),
				       "must be a string");
	}
}

static const struct field_spec fields[] = {
	{ .name = "name",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .max_len = 5,
	  .check = validate_nonblank,
	  .check_message = "must not be blank" },
	{ .name = "slug",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .check = validate_slug,
	  .check_message = "must be a slug" },
	{ .name = "color",
	  .type = FIELD_STRING,
	  .enum_values = colors,
	  .check_message = "must be red or green" },
	{ .name = "note", .type = FIELD_STRING, .flags = FIELD_NULLABLE },
	{ .name = "count", .type = FIELD_INT },
	{ .name = "flag", .type = FIELD_BOOL },
	{ .name = "tags", .type = FIELD_ARRAY },
	{ .name = "meta", .type = FIELD_OBJECT, .check_json = meta_values_are_strings },
};
static const struct body_spec spec = { fields, sizeof(fields) / sizeof(fields[0]), NULL };

static struct arena *a;
static struct validation v;

/* Starts a fresh list of problems. */
static void clear_errors(void)
{
	memset(&v, 0, sizeof(v));
	v.arena = a;
}

static void setup(void)
{
	a = arena_new();
	clear_errors();
}

static void teardown(void)
{
	arena_free(a);
}

/* Validates body (JSON text) against spec; the parsed document lives until teardown. */
static void check_body(const char *body)
{
	struct json_object *o;
	const char *why;

	ck_assert_msg(json_parse_strict(body, strlen(body), &o, &why) == 0, "bad fixture %s", body);
	json_defer_put(a, o);
	validate_body(&spec, o, &v);
}

/* Exactly one problem, at path, saying message (NULL: any message). */
#define ck_one_error(path_, message_)                                                              \
	do {                                                                                       \
		const char *m_ = (message_);                                                       \
		ck_assert_uint_eq(v.n_errors, 1);                                                  \
		ck_assert_str_eq(v.errors[0].path, (path_));                                       \
		if (m_ != NULL)                                                                    \
			ck_assert_str_eq(v.errors[0].message, m_);                                 \
	} while (0)

#define VALID_MIN "\"name\":\"ab\",\"slug\":\"ab\""

START_TEST(valid_bodies)
{
	check_body("{" VALID_MIN "}");
	ck_assert_uint_eq(v.n_errors, 0);
	check_body("{\"name\":\"abcde\",\"slug\":\"my-slug-1\",\"color\":\"green\",\"note\":null,"
		   "\"count\":-3,\"flag\":false,\"tags\":[1,\"x\"],\"meta\":{\"k\":\"v\"}}");
	ck_assert_uint_eq(v.n_errors, 0);
	check_body("{" VALID_MIN ",\"note\":\"text\",\"meta\":{}}");
	ck_assert_uint_eq(v.n_errors, 0);
}
END_TEST

/* A rule across fields: flag true needs a note. */
static void flag_needs_note(struct json_object *body, struct validation *val)
{
	struct json_object *flag;

	if (json_object_object_get_ex(body, "flag", &flag) && json_object_get_boolean(flag) &&
	    !json_object_object_get_ex(body, "note", NULL))
		validation_add(val, "/note", "is required when flag is true");
}

static const struct body_spec spec_with_check = { fields, sizeof(fields) / sizeof(fields[0]),
						  flag_needs_note };

/* body_spec.check runs once every field passed its own checks, and only then. */
START_TEST(spec_check_runs_after_the_fields)
{
	struct json_object *o;
	const char *why;
	const char *const texts[] = { "{" VALID_MIN ",\"flag\":true}",
				      "{" VALID_MIN ",\"flag\":true,\"note\":\"n\"}",
				      "{\"name\":\"ab\",\"flag\":true}" };
	size_t i;

	for (i = 0; i < 3; i++) {
		clear_errors();
		ck_assert(json_parse_strict(texts[i], strlen(texts[i]), &o, &why) == 0);
		json_defer_put(a, o);
		validate_body(&spec_with_check, o, &v);
		if (i == 0)
			ck_one_error("/note", "is required when flag is true");
		else if (i == 1)
			ck_assert_uint_eq(v.n_errors, 0);
		else
			ck_one_error("/slug", "is required");
	}
}
END_TEST

/* FIELD_INT: integers json-c clamped (beyond 64 bits) are refused. */
START_TEST(int_field_beyond_64_bits)
{
	struct json_object *o;
	const char *why;
	const char *text = "{" VALID_MIN ",\"count\":100000000000000000000000}";

	ck_assert(json_parse_document(text, strlen(text), &o, &why) == 0);
	json_defer_put(a, o);
	validate_body(&spec, o, &v);
	ck_one_error("/count", "must be an integer within the 64-bit range");
}
END_TEST

START_TEST(required_fields)
{
	check_body("{\"slug\":\"ab\"}");
	ck_one_error("/name", "is required");
	clear_errors();
	check_body("{}");
	ck_assert_uint_eq(v.n_errors, 2);
	ck_assert_str_eq(v.errors[0].path, "/name");
	ck_assert_str_eq(v.errors[1].path, "/slug");
}
END_TEST

START_TEST(unknown_field)
{
	check_body("{" VALID_MIN ",\"bogus\":1}");
	ck_one_error("/bogus", "unknown field");
}
END_TEST

START_TEST(unknown_field_pointer_is_escaped)
{
	check_body("{" VALID_MIN ",\"a/b~c\":1,\"~1\":2}");
	ck_assert_uint_eq(v.n_errors, 2);
	ck_assert_str_eq(v.errors[0].path, "/a~1b~0c");
	ck_assert_str_eq(v.errors[1].path, "/~01");
}
END_TEST

START_TEST(null_values)
{
	check_body("{" VALID_MIN ",\"note\":null}");
	ck_assert_uint_eq(v.n_errors, 0);
	check_body("{" VALID_MIN ",\"count\":null}");
	ck_one_error("/count", "must not be null");
	clear_errors();
	/* A required member that is present but null is null, not missing. */
	check_body("{\"name\":null,\"slug\":\"ab\"}");
	ck_one_error("/name", "must not be null");
}
END_TEST

static const struct {
	const char *body;
	const char *path;
	const char *message;
} mismatches[] = {
	{ "{" VALID_MIN ",\"note\":5}", "/note", "must be a string" },
	{ "{\"name\":[\"ab\"],\"slug\":\"ab\"}", "/name", "must be a string" },
	{ "{" VALID_MIN ",\"count\":\"1\"}", "/count", "must be an integer" },
	{ "{" VALID_MIN ",\"count\":1.5}", "/count", "must be an integer" },
	{ "{" VALID_MIN ",\"count\":1.0}", "/count", "must be an integer" },
	{ "{" VALID_MIN ",\"count\":true}", "/count", "must be an integer" },
	{ "{" VALID_MIN ",\"flag\":\"true\"}", "/flag", "must be a boolean" },
	{ "{" VALID_MIN ",\"flag\":1}", "/flag", "must be a boolean" },
	{ "{" VALID_MIN ",\"tags\":{}}", "/tags", "must be an array" },
	{ "{" VALID_MIN ",\"tags\":\"a,b\"}", "/tags", "must be an array" },
	{ "{" VALID_MIN ",\"meta\":[]}", "/meta", "must be an object" },
	{ "{" VALID_MIN ",\"meta\":\"{}\"}", "/meta", "must be an object" },
};

START_TEST(type_mismatch)
{
	check_body(mismatches[_i].body);
	ck_one_error(mismatches[_i].path, mismatches[_i].message);
}
END_TEST

START_TEST(max_len_counts_bytes)
{
	check_body("{\"name\":\"abcde\",\"slug\":\"ab\"}");
	ck_assert_uint_eq(v.n_errors, 0);
	check_body("{\"name\":\"abcdef\",\"slug\":\"ab\"}");
	ck_one_error("/name", "must be at most 5 bytes");
	clear_errors();
	/* Three characters, six bytes. */
	check_body("{\"name\":\"\xC3\xA9\xC3\xA9\xC3\xA9\",\"slug\":\"ab\"}");
	ck_one_error("/name", "must be at most 5 bytes");
}
END_TEST

START_TEST(enum_values)
{
	check_body("{" VALID_MIN ",\"color\":\"red\"}");
	ck_assert_uint_eq(v.n_errors, 0);
	check_body("{" VALID_MIN ",\"color\":\"blue\"}");
	ck_one_error("/color", "must be red or green");
	clear_errors();
	check_body("{" VALID_MIN ",\"color\":\"Red\"}");
	ck_one_error("/color", "must be red or green");
}
END_TEST

START_TEST(check_functions)
{
	check_body("{\"name\":\"   \",\"slug\":\"ab\"}");
	ck_one_error("/name", "must not be blank");
	clear_errors();
	check_body("{\"name\":\"ab\",\"slug\":\"Not A Slug\"}");
	ck_one_error("/slug", "must be a slug");
}
END_TEST

START_TEST(check_json_gets_the_member_path)
{
	check_body("{" VALID_MIN ",\"meta\":{\"ok\":\"v\",\"n\":1,\"a/b\":[]}}");
	ck_assert_uint_eq(v.n_errors, 2);
	ck_assert_str_eq(v.errors[0].path, "/meta/n");
	ck_assert_str_eq(v.errors[1].path, "/meta/a~1b");
}
END_TEST

START_TEST(several_problems_reported_together)
{
	check_body("{\"name\":\"\",\"count\":\"x\",\"zzz\":0}");
	ck_assert_uint_eq(v.n_errors, 4);
	ck_assert_str_eq(v.errors[0].path, "/name");
	ck_assert_str_eq(v.errors[1].path, "/count");
	ck_assert_str_eq(v.errors[2].path, "/zzz");
	ck_assert_str_eq(v.errors[3].path, "/slug");
	ck_assert_str_eq(v.errors[3].message, "is required");
}
END_TEST

START_TEST(body_not_an_object)
{
	check_body("[]");
	ck_one_error("", NULL);
	clear_errors();
	check_body("\"text\"");
	ck_one_error("", NULL);
}
END_TEST

START_TEST(errors_capped)
{
	char body[4096];
	char *p = body;
	int i;

	p += sprintf(p, "{" VALID_MIN);
	for (i = 0; i < VALIDATE_MAX_ERRORS + 8; i++)
		p += sprintf(p, ",\"x%d\":%d", i, i);
	strcpy(p, "}");
	check_body(body);
	ck_assert_uint_eq(v.n_errors, VALIDATE_MAX_ERRORS);
	ck_assert_str_eq(v.errors[0].path, "/x0");
	ck_assert_str_eq(v.errors[VALIDATE_MAX_ERRORS - 1].path,
			 arena_printf(a, "/x%d", VALIDATE_MAX_ERRORS - 1));
}
END_TEST

START_TEST(validation_add_keeps_the_first)
{
	int i;

	for (i = 0; i < VALIDATE_MAX_ERRORS * 2; i++)
		validation_add(&v, arena_printf(a, "/%d", i), "m");
	ck_assert_uint_eq(v.n_errors, VALIDATE_MAX_ERRORS);
	ck_assert_str_eq(v.errors[0].path, "/0");
	ck_assert_str_eq(v.errors[VALIDATE_MAX_ERRORS - 1].path,
			 arena_printf(a, "/%d", VALIDATE_MAX_ERRORS - 1));
}
END_TEST

START_TEST(pointer_escaping)
{
	ck_assert_str_eq(validate_pointer(a, "", "slug"), "/slug");
	ck_assert_str_eq(validate_pointer(a, "", "a/b"), "/a~1b");
	ck_assert_str_eq(validate_pointer(a, "", "m~n"), "/m~0n");
	ck_assert_str_eq(validate_pointer(a, "", "~1"), "/~01");
	ck_assert_str_eq(validate_pointer(a, "", "/~"), "/~1~0");
	ck_assert_str_eq(validate_pointer(a, "", ""), "/");
	ck_assert_str_eq(validate_pointer(a, "/manifest", "members"), "/manifest/members");
	ck_assert_str_eq(validate_pointer(a, "/a~1b", "c/d"), "/a~1b/c~1d");
}
END_TEST

START_TEST(slug_shape)
{
	static const char *const good[] = { "ab",  "a1",  "0a", "a-b", "my-integration-2",
					    "ab-", "a--b" };
	static const char *const bad[] = { "",    "a",   "-ab", "Ab",  "aB",
					   "a_b", "a b", "a.b", "ab/", "\xC3\xA9t\xC3\xA9",
					   "ab\n" };
	char s[80];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(validate_slug(good[i]), "refused %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!validate_slug(bad[i]), "accepted %s", bad[i]);
	memset(s, 'a', 63);
	s[63] = '\0';
	ck_assert(validate_slug(s));
	s[63] = 'a';
	s[64] = '\0';
	ck_assert(!validate_slug(s));
}
END_TEST

START_TEST(workspace_id_shape)
{
	ck_assert(validate_workspace_id("ws_a"));
	ck_assert(validate_workspace_id("ws_Team_1-x"));
	ck_assert(!validate_workspace_id("ws_"));
	ck_assert(!validate_workspace_id("ws"));
	ck_assert(!validate_workspace_id("usr_a"));
	ck_assert(!validate_workspace_id("ws_a b"));
	ck_assert(!validate_workspace_id(""));
}
END_TEST

START_TEST(http_url_shape)
{
	static const char *const good[] = { "https://example.com", "http://x",
					    "https://cdn.example.com/icons/a.png?v=1#f",
					    "https://[::1]:8443/x" };
	static const char *const bad[] = { "",
					   "example.com",
					   "ftp://example.com",
					   "https://",
					   "http://",
					   "https:///path",
					   "https//example.com",
					   "javascript:alert(1)",
					   "https://exa mple.com",
					   "https://example.com/\t",
					   "https://example.com/\n",
					   "https://example.com/\x7F",
					   " https://example.com" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(validate_http_url(good[i]), "refused %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!validate_http_url(bad[i]), "accepted %s", bad[i]);
}
END_TEST

START_TEST(nonblank)
{
	ck_assert(validate_nonblank("a"));
	ck_assert(validate_nonblank("  a  "));
	ck_assert(validate_nonblank("\xC3\xA9"));
	ck_assert(!validate_nonblank(""));
	ck_assert(!validate_nonblank(" "));
	ck_assert(!validate_nonblank(" \t\r\n "));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *body = tcase_create("body");
	TCase *shapes = tcase_create("shapes");

	tcase_add_checked_fixture(body, setup, teardown);
	tcase_add_test(body, valid_bodies);
	tcase_add_test(body, required_fields);
	tcase_add_test(body, spec_check_runs_after_the_fields);
	tcase_add_test(body, int_field_beyond_64_bits);
	tcase_add_test(body, unknown_field);
	tcase_add_test(body, unknown_field_pointer_is_escaped);
	tcase_add_test(body, null_values);
	tcase_add_loop_test(body, type_mismatch, 0,
			    (int)(sizeof(mismatches) / sizeof(mismatches[0])));
	tcase_add_test(body, max_len_counts_bytes);
	tcase_add_test(body, enum_values);
	tcase_add_test(body, check_functions);
	tcase_add_test(body, check_json_gets_the_member_path);
	tcase_add_test(body, several_problems_reported_together);
	tcase_add_test(body, body_not_an_object);
	tcase_add_test(body, errors_capped);
	tcase_add_test(body, validation_add_keeps_the_first);
	suite_add_tcase(s, body);

	tcase_add_checked_fixture(shapes, setup, teardown);
	tcase_add_test(shapes, pointer_escaping);
	tcase_add_test(shapes, slug_shape);
	tcase_add_test(shapes, workspace_id_shape);
	tcase_add_test(shapes, http_url_shape);
	tcase_add_test(shapes, nonblank);
	suite_add_tcase(s, shapes);
	return s;
}
