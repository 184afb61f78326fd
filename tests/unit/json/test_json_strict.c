/* json_parse_strict and json_parse_document: RFC 8259 plus the service's own refusals (docs/api-conventions.md). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"

#include "json/json_strict.h"

/* Parses text of explicit length; returns the object (caller puts; NULL for JSON null or on failure). */
static struct json_object *parse_n(const char *text, size_t len, int *rc)
{
	struct json_object *o = (struct json_object *)(uintptr_t)1;
	const char *why = NULL;

	*rc = json_parse_strict(text, len, &o, &why);
	if (*rc != 0) {
		ck_assert_int_eq(*rc, -1);
		ck_assert_ptr_null(o);
		ck_assert_ptr_nonnull(why);
	}
	return o;
}

static struct json_object *parse(const char *text, int *rc)
{
	return parse_n(text, strlen(text), rc);
}

static const char *const valid[] = {
	"{}",
	"[]",
	"{\"a\":{\"b\":[1,2,{\"c\":null}]},\"d\":[[],[{}]]}",
	" \t\r\n{ \"a\" : [ 1 , true , false , null ] } \n",
	"\"text\"",
	"[0.5, -1.25, 1e3, 1E+3, 2.5e-3, -0.0e0, 1.7976931348623157e308]",
	"{\"esc\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"}",
	"{\"u\":\"\\u00e9\\u20AC\\uFFFF\"}",
	"{\"pair\":\"\\ud83d\\ude00\"}",
	"{\"raw\":\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\"}",
	"{\"del\":\"\x7F\"}",
	"{\"\":1}",
	"{\"a\":1,\"A\":2}",
	"[{\"a\":1},{\"a\":2}]",
	"{\"a\":{\"x\":1},\"b\":{\"x\":2}}",
	"[9223372036854775807,-9223372036854775808]",
};

START_TEST(accepts_valid_documents)
{
	int rc;
	struct json_object *o = parse(valid[_i], &rc);

	ck_assert_msg(rc == 0, "refused: %s", valid[_i]);
	json_object_put(o);
}
END_TEST

/* RFC 8259 §2: a JSON text is any value, not only an object or an array. */
static const char *const scalars[] = { "0", "-0", "12", "-1.5e3", "true", "false", "null" };

START_TEST(accepts_top_level_scalars)
{
	int rc;
	struct json_object *o = parse(scalars[_i], &rc);

	ck_assert_msg(rc == 0, "refused the JSON text %s", scalars[_i]);
	json_object_put(o);
}
END_TEST

START_TEST(top_level_scalar_values)
{
	int rc;
	struct json_object *o = parse("12", &rc);

	ck_assert_int_eq(rc, 0);
	ck_assert(json_object_is_type(o, json_type_int));
	ck_assert_int_eq(json_object_get_int64(o), 12);
	json_object_put(o);
	o = parse(" true ", &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert(json_object_is_type(o, json_type_boolean));
	ck_assert(json_object_get_boolean(o));
	json_object_put(o);
}
END_TEST

static const char *const invalid[] = {
	"",
	"   ",
	"{} x",
	"{}{}",
	"[1] ]",
	"{\"a\":1}garbage",
	"NaN",
	"[NaN]",
	"Infinity",
	"-Infinity",
	"{\"a\":Infinity}",
	"{\"a\":-Infinity}",
	"{'a':1}",
	"{\"a\":'b'}",
	"'text'",
	"{a:1}",
	"{\"a\":1,\"a\":2}",
	"{\"a\":1,\"b\":2,\"a\":1}",
	"{\"a\":{\"b\":1,\"b\":1}}",
	"[{\"a\":1,\"a\":2}]",
	"{\"x\":[{},{\"k\":1,\"k\":2}]}",
	"{\"a\":1,\"\\u0061\":2}",
	"{\"a\":{\"x\":1,\"y\":2},\"a\":{}}",
	"{\"s\":\"a\x01z\"}",
	"{\"s\":\"tab\there\"}",
	"{\"s\":\"line\nbreak\"}",
	"\"\\u0000\"",
	"{\"\\u0000\":1}",
	"\"\\ud83d\"",
	"\"\\ud83d x\"",
	"\"\\ude00\"",
	"\"\\ude00\\ud83d\"",
	"\"\\ud83d\\u0041\"",
	"\"\\u12\"",
	"\"\\uZZZZ\"",
	"\"\\x41\"",
	"\"\\a\"",
	"9223372036854775808",
	"-9223372036854775809",
	"[18446744073709551616]",
	"1e400",
	"-1e400",
	"[1.8e308]",
	"01",
	"-01",
	"[00]",
	"{\"a\":007}",
	"1.",
	".5",
	"+1",
	"-",
	"1e",
	"0x10",
	"// c\n{}",
	"/* c */ {}",
	"{} // c",
	"{\"a\":1 /* c */}",
	"# c\n{}",
	"[1,]",
	"{\"a\":1,}",
	"[,1]",
	"{\"a\"}",
	"{\"a\" 1}",
	"[1 2]",
	"\"unterminated",
	"{\"a\":tru}",
	"True",
	"nul",
	"[",
	"{",
	"undefined",
};

/*
 * json_parse_document (request bodies): numbers beyond 64 bits or the double
 * range are accepted, since the service emits them (jsonb keeps every digit)
 * and takes back what it emits. json_parse_strict (tokens, cursors, filters)
 * still refuses them: the list above.
 */
static const char *const big_numbers[] = {
	"9223372036854775808",
	"-9223372036854775809",
	"[18446744073709551616]",
	"{\"variablesSchema\":{\"maximum\":1e21}}",
	"{\"maximum\":1000000000000000000000}",
	"1e400",
	"-1e400",
	"[1.8e308]",
	"[1.5e300, 0.1, 1e-400, -0.0]",
	"{\"a\":123456789012345678901234567890.123456789012345678901234567890}",
	"1e131071",
	"0.001e131074",
	"1e-16383",
	"0.1e-16382",
	"0e5000",
};

/* Beyond what PostgreSQL's numeric (jsonb) stores: 131072 digits before the point, 16383 after. */
static const char *const too_big_for_jsonb[] = {
	"1e131072",
	"[-1e131072]",
	"{\"a\":12.5e131071}",
	"1e999999999999999999999",
	"0e5000000000",
	"1e-16384",
	"0e-16384",
	"{\"a\":0.5e-16383}",
	"{\"a\":01}",
	"1.",
};

static int parse_document(const char *text, struct json_object **o)
{
	const char *why = NULL;
	int rc = json_parse_document(text, strlen(text), o, &why);

	ck_assert(rc == 0 ? why == NULL : (*o == NULL && why != NULL));
	return rc;
}

START_TEST(document_accepts_numbers_of_any_size)
{
	struct json_object *o = NULL;

	ck_assert_msg(parse_document(big_numbers[_i], &o) == 0, "refused: %s", big_numbers[_i]);
	json_object_put(o);
}
END_TEST

START_TEST(document_refuses_what_jsonb_cannot_hold)
{
	struct json_object *o = NULL;

	ck_assert_msg(parse_document(too_big_for_jsonb[_i], &o) == -1, "accepted: %s",
		      too_big_for_jsonb[_i]);
}
END_TEST

/* The invalid documents refused for their numbers' range alone: a document takes them. */
static bool refused_for_range_only(const char *text)
{
	static const char *const range[] = { "9223372036854775808",
					     "-9223372036854775809",
					     "[18446744073709551616]",
					     "1e400",
					     "-1e400",
					     "[1.8e308]" };
	size_t i;

	for (i = 0; i < sizeof(range) / sizeof(range[0]); i++)
		if (strcmp(text, range[i]) == 0)
			return true;
	return false;
}

/* Everything else is as strict in a document. */
START_TEST(document_refuses_invalid_documents)
{
	struct json_object *o = NULL;

	if (refused_for_range_only(invalid[_i]))
		return;
	ck_assert_msg(parse_document(invalid[_i], &o) == -1, "accepted: %s", invalid[_i]);
}
END_TEST

START_TEST(refuses_invalid_documents)
{
	int rc;
	struct json_object *o = parse(invalid[_i], &rc);

	ck_assert_msg(rc == -1, "accepted: %s", invalid[_i]);
	json_object_put(o);
}
END_TEST

/* Invalid UTF-8 inside strings (and one NUL byte), with explicit lengths. */
static const struct {
	const char *text;
	size_t len;
} bad_bytes[] = {
#define B(s)                                                                                       \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}
	B("\"\xC0\xAF\""), /* overlong '/' */
	B("\"\xC1\xBF\""), /* overlong 2-byte */
	B("\"\xE0\x80\xAF\""), /* overlong 3-byte */
	B("\"\xF0\x80\x80\xAF\""), /* overlong 4-byte */
	B("\"\xED\xA0\x80\""), /* U+D800 encoded in UTF-8 */
	B("\"\xED\xBF\xBF\""), /* U+DFFF encoded in UTF-8 */
	B("\"\xED\xA0\xBD\xED\xB8\x80\""), /* CESU-8 surrogate pair */
	B("\"\xF4\x90\x80\x80\""), /* above U+10FFFF */
	B("\"\xF5\x80\x80\x80\""), /* invalid lead byte */
	B("\"\xFF\""), /* never valid */
	B("\"\x80\""), /* lone continuation byte */
	B("\"\xC3\""), /* truncated 2-byte, then the quote */
	B("\"\xE2\x82\""), /* truncated 3-byte */
	B("\"\xF0\x9F\x98\""), /* truncated 4-byte */
	B("\"\xE2\x82"), /* truncated at the end of input */
	B("\"\xC3(\""), /* bad continuation */
	B("{\"k\xFF\":1}"), /* in a key */
	B("\"a\0b\""), /* raw NUL byte in a string */
	B("{}\0"), /* NUL after the value */
#undef B
};

START_TEST(refuses_bad_bytes)
{
	int rc;
	struct json_object *o = parse_n(bad_bytes[_i].text, bad_bytes[_i].len, &rc);

	ck_assert_msg(rc == -1, "accepted bad_bytes[%d]", _i);
	json_object_put(o);
}
END_TEST

START_TEST(values_survive_parsing)
{
	int rc;
	struct json_object *o = parse(
		"{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"e\":1.5e3,"
		"\"neg\":-2.5E-1,\"pair\":\"\\ud83d\\ude00\",\"u\":\"\\u00e9\",\"n\":null}",
		&rc);
	struct json_object *v;

	ck_assert_int_eq(rc, 0);
	ck_assert(json_object_object_get_ex(o, "max", &v));
	ck_assert(json_object_is_type(v, json_type_int));
	ck_assert(json_object_get_int64(v) == INT64_MAX);
	ck_assert(json_object_object_get_ex(o, "min", &v));
	ck_assert(json_object_get_int64(v) == INT64_MIN);
	ck_assert(json_object_object_get_ex(o, "e", &v));
	ck_assert(json_object_is_type(v, json_type_double));
	ck_assert_double_eq(json_object_get_double(v), 1500.0);
	ck_assert(json_object_object_get_ex(o, "neg", &v));
	ck_assert_double_eq(json_object_get_double(v), -0.25);
	ck_assert(json_object_object_get_ex(o, "pair", &v));
	ck_assert_str_eq(json_object_get_string(v), "\xF0\x9F\x98\x80");
	ck_assert(json_object_object_get_ex(o, "u", &v));
	ck_assert_str_eq(json_object_get_string(v), "\xC3\xA9");
	ck_assert(json_object_object_get_ex(o, "n", &v));
	ck_assert_ptr_null(v);
	ck_assert_int_eq(json_object_object_length(o), 7);
	json_object_put(o);
}
END_TEST

/* depth nested arrays around a 1, optionally inside objects: [[[1]]] or {"a":{"a":1}}. */
static char *nested(int depth, int objects)
{
	static char buf[4096];
	char *p = buf;
	int i;

	for (i = 0; i < depth; i++)
		p += sprintf(p, "%s", objects ? "{\"a\":" : "[");
	*p++ = '1';
	for (i = 0; i < depth; i++)
		*p++ = objects ? '}' : ']';
	*p = '\0';
	return buf;
}

START_TEST(depth_32_accepted_33_refused)
{
	int objects = _i, rc;
	struct json_object *o = parse(nested(JSON_MAX_DEPTH, objects), &rc);

	ck_assert_int_eq(JSON_MAX_DEPTH, 32);
	ck_assert_msg(rc == 0, "depth 32 refused (%s)", objects ? "objects" : "arrays");
	json_object_put(o);
	o = parse(nested(JSON_MAX_DEPTH + 1, objects), &rc);
	ck_assert_msg(rc == -1, "depth 33 accepted (%s)", objects ? "objects" : "arrays");
	o = parse(nested(200, objects), &rc);
	ck_assert_int_eq(rc, -1);
}
END_TEST

START_TEST(parses_only_the_given_length)
{
	int rc;
	struct json_object *o = parse_n("{\"a\":1} trailing", 7, &rc);

	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(json_object_object_length(o), 1);
	json_object_put(o);
	o = parse_n("[1,2]", 4, &rc);
	ck_assert_int_eq(rc, -1);
}
END_TEST

START_TEST(defer_put_releases_one_reference_at_reset)
{
	struct arena *a = arena_new();
	struct json_object *o = json_object_new_object();

	json_object_get(o); /* two references: one for the arena, one kept here */
	json_defer_put(a, o);
	arena_reset(a);
	/* The arena dropped exactly one: ours is the last, so this put frees the object. */
	ck_assert_int_eq(json_object_put(o), 1);
	json_defer_put(a, NULL);
	json_defer_put(a, json_object_new_string("freed at arena_free"));
	arena_free(a);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("json_strict");
	TCase *tc = tcase_create("json_strict");

	tcase_add_loop_test(tc, accepts_valid_documents, 0,
			    (int)(sizeof(valid) / sizeof(valid[0])));
	tcase_add_loop_test(tc, accepts_top_level_scalars, 0,
			    (int)(sizeof(scalars) / sizeof(scalars[0])));
	tcase_add_test(tc, top_level_scalar_values);
	tcase_add_loop_test(tc, document_accepts_numbers_of_any_size, 0,
			    (int)(sizeof(big_numbers) / sizeof(big_numbers[0])));
	tcase_add_loop_test(tc, document_refuses_what_jsonb_cannot_hold, 0,
			    (int)(sizeof(too_big_for_jsonb) / sizeof(too_big_for_jsonb[0])));
	tcase_add_loop_test(tc, refuses_invalid_documents, 0,
			    (int)(sizeof(invalid) / sizeof(invalid[0])));
	tcase_add_loop_test(tc, document_refuses_invalid_documents, 0,
			    (int)(sizeof(invalid) / sizeof(invalid[0])));
	tcase_add_loop_test(tc, refuses_bad_bytes, 0,
			    (int)(sizeof(bad_bytes) / sizeof(bad_bytes[0])));
	tcase_add_test(tc, values_survive_parsing);
	tcase_add_loop_test(tc, depth_32_accepted_33_refused, 0, 2);
	tcase_add_test(tc, parses_only_the_given_length);
	tcase_add_test(tc, defer_put_releases_one_reference_at_reset);
	suite_add_tcase(s, tc);
	return s;
}
