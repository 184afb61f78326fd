#include <string.h>

#include "check_main.h"
#include "fingerprint.h"
#include "list.h"

static const unsigned char key[] = "cursor-test-key-0123456789abcdef";

START_TEST(round_trip_with_nulls)
{
	struct arena *a = arena_new();
	const char *values[] = { "2026-01-01 00:00:00+00", NULL, "int_00" };
	const char *out[3];
	const char *c = list_cursor_encode(a, key, sizeof(key) - 1, "fp", values, 3);

	ck_assert_ptr_null(strpbrk(c, "+/=%&?"));
	ck_assert_int_eq(list_cursor_decode(a, key, sizeof(key) - 1, "fp", c, out, 3), 0);
	ck_assert_str_eq(out[0], values[0]);
	ck_assert_ptr_null(out[1]);
	ck_assert_str_eq(out[2], values[2]);
	arena_free(a);
}
END_TEST

START_TEST(refuses_foreign_tampered_and_malformed)
{
	struct arena *a = arena_new();
	const char *values[] = { "x", "int_00" };
	const char *out[2];
	const char *c = list_cursor_encode(a, key, sizeof(key) - 1, "fp", values, 2);
	char *tampered = arena_strdup(a, c);
	char *dot = strchr(tampered, '.');

	/* Another query's fingerprint, another key, another arity. */
	ck_assert_int_eq(list_cursor_decode(a, key, sizeof(key) - 1, "other", c, out, 2), -1);
	ck_assert_int_eq(list_cursor_decode(a, (const unsigned char *)"k2", 2, "fp", c, out, 2), -1);
	ck_assert_int_eq(list_cursor_decode(a, key, sizeof(key) - 1, "fp", c, out, 3), -1);
	/* One payload character changed. */
	dot[3] = dot[3] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(list_cursor_decode(a, key, sizeof(key) - 1, "fp", tampered, out, 2), -1);
	ck_assert_int_eq(list_cursor_decode(a, key, sizeof(key) - 1, "fp", "garbage", out, 2), -1);
	ck_assert_int_eq(list_cursor_decode(a, key, sizeof(key) - 1, "fp", "a.b.c", out, 2), -1);
	ck_assert_int_eq(list_cursor_decode(a, key, sizeof(key) - 1, "fp", "", out, 2), -1);
	arena_free(a);
}
END_TEST

START_TEST(fingerprint_separates_parts)
{
	struct arena *a = arena_new();
	const char *ab_c[] = { "ab", "c" };
	const char *a_bc[] = { "a", "bc" };

	ck_assert_str_ne(fingerprint_hex(a, ab_c, 2), fingerprint_hex(a, a_bc, 2));
	ck_assert_str_eq(fingerprint_hex(a, ab_c, 2), fingerprint_hex(a, ab_c, 2));
	ck_assert_uint_eq(strlen(fingerprint_hex(a, ab_c, 2)), 16);
	arena_free(a);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("list_cursor");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, round_trip_with_nulls);
	tcase_add_test(tc, refuses_foreign_tampered_and_malformed);
	tcase_add_test(tc, fingerprint_separates_parts);
	suite_add_tcase(s, tc);
	return s;
}
