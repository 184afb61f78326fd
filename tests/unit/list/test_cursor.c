#include <string.h>

#include "check_main.h"
#include "base/fingerprint.h"
#include "list/cursor.h"
#include "list/order.h"
#include "list/resources.h"

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
	ck_assert_int_eq(list_cursor_decode(a, (const unsigned char *)"k2", 2, "fp", c, out, 2),
			 -1);
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

/* Decodes a cursor signed with the right key for orderBy text on integrations; 0 when usable. */
static int decode_checked(struct arena *a, const char *order_text, const char *const *values,
			  size_t n)
{
	struct validation v = { .arena = a };
	struct list_order order;
	const char *out[LIST_MAX_ORDER_KEYS + 1];
	const char *c;

	ck_assert_int_eq(list_order_parse(a, &list_integrations, order_text, &order, &v), 0);
	ck_assert_uint_eq(order.n_keys, n);
	c = list_cursor_encode(a, key, sizeof(key) - 1, "fp", values, n);
	if (list_cursor_decode(a, key, sizeof(key) - 1, "fp", c, out, n) < 0)
		return -1;
	return list_cursor_values_valid(&list_integrations, &order, out) ? 0 : -1;
}

#define ID "int_0123456789abcdef0123456789ab"

/* A correctly signed cursor must still carry values of its keys' types (a 500 before). */
START_TEST(signed_values_checked_against_key_types)
{
	struct arena *a = arena_new();
	const char *created[] = { "2026-12-02 06:49:20.323769+00", ID };
	const char *bad_time[] = { "2026-01-01T00:00:00+16:00", ID };
	const char *not_time[] = { "yesterday", ID };
	const char *bad_id[] = { "2026-12-02 06:49:20+00", "int_'; drop table x" };
	const char *other_id[] = { "2026-12-02 06:49:20+00", "ent_0123456789abcdef0123456789ab" };
	const char *null_time[] = { NULL, ID };
	const char *version[] = { "00000000000000000001.00000000000000000000.00000000000000000000~",
				  ID };
	const char *raw_version[] = { "1.0.0", ID };
	const char *tier[] = { "first_party", ID };
	const char *bad_tier[] = { "gold", ID };
	const char *name[] = { "any text at all", ID };
	const char *deleted_null[] = { NULL, ID };

	ck_assert_int_eq(decode_checked(a, NULL, created, 2), 0);
	ck_assert_int_eq(decode_checked(a, NULL, bad_time, 2), -1);
	ck_assert_int_eq(decode_checked(a, NULL, not_time, 2), -1);
	ck_assert_int_eq(decode_checked(a, NULL, bad_id, 2), -1);
	ck_assert_int_eq(decode_checked(a, NULL, other_id, 2), -1);
	ck_assert_int_eq(decode_checked(a, NULL, null_time, 2), -1);
	ck_assert_int_eq(decode_checked(a, "[{\"currentVersion\": \"asc\"}]", version, 2), 0);
	ck_assert_int_eq(decode_checked(a, "[{\"currentVersion\": \"asc\"}]", raw_version, 2), -1);
	ck_assert_int_eq(decode_checked(a, "[{\"trustTier\": \"asc\"}]", tier, 2), 0);
	ck_assert_int_eq(decode_checked(a, "[{\"trustTier\": \"asc\"}]", bad_tier, 2), -1);
	ck_assert_int_eq(decode_checked(a, "[{\"name\": \"asc\"}]", name, 2), 0);
	ck_assert_int_eq(decode_checked(a, "[{\"deletedAt\": \"asc\"}]", deleted_null, 2), 0);
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
	tcase_add_test(tc, signed_values_checked_against_key_types);
	tcase_add_test(tc, fingerprint_separates_parts);
	suite_add_tcase(s, tc);
	return s;
}
