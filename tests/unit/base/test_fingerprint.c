/* fingerprint_hex: FNV-1a 64 over parts with a separator; stable, 16 lowercase hex digits. */
#include <string.h>

#include "check_main.h"

#include "base/fingerprint.h"

static struct arena *a;

static void setup(void)
{
	a = arena_new();
}

static void teardown(void)
{
	arena_free(a);
}

static const char *fp(const char *const *parts, size_t n)
{
	return fingerprint_hex(a, parts, n);
}

START_TEST(known_values)
{
	/* FNV-1a 64 offset basis, then the separator 0xff alone. */
	ck_assert_str_eq(fp(NULL, 0), "cbf29ce484222325");
	ck_assert_str_eq(fp((const char *const[]){ "" }, 1), "af64724c8602eb6e");
}
END_TEST

START_TEST(shape)
{
	const char *h = fp((const char *const[]){ "integrations", "limit=10" }, 2);
	size_t i;

	ck_assert_uint_eq(strlen(h), 16);
	for (i = 0; i < 16; i++)
		ck_assert(strchr("0123456789abcdef", h[i]) != NULL);
}
END_TEST

START_TEST(stable_and_distinguishing)
{
	const char *x = fp((const char *const[]){ "a", "b" }, 2);

	ck_assert_str_eq(x, fp((const char *const[]){ "a", "b" }, 2));
	ck_assert_str_ne(x, fp((const char *const[]){ "b", "a" }, 2));
	ck_assert_str_ne(x, fp((const char *const[]){ "ab" }, 1));
	ck_assert_str_ne(fp((const char *const[]){ "ab", "c" }, 2),
			 fp((const char *const[]){ "a", "bc" }, 2));
	ck_assert_str_ne(fp((const char *const[]){ "a" }, 1),
			 fp((const char *const[]){ "a", "" }, 2));
}
END_TEST

START_TEST(null_counts_as_empty)
{
	ck_assert_str_eq(fp((const char *const[]){ "a", NULL }, 2),
			 fp((const char *const[]){ "a", "" }, 2));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("fingerprint");
	TCase *tc = tcase_create("fingerprint");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, known_values);
	tcase_add_test(tc, shape);
	tcase_add_test(tc, stable_and_distinguishing);
	tcase_add_test(tc, null_counts_as_empty);
	suite_add_tcase(s, tc);
	return s;
}
