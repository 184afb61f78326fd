#include "check_main.h"
#include "values.h"

START_TEST(timestamps)
{
	ck_assert(value_is_timestamp("2026-11-28T16:46:05Z"));
	ck_assert(value_is_timestamp("2026-11-28T16:46:05.123456Z"));
	ck_assert(value_is_timestamp("2024-02-29T00:00:00+01:00"));
	ck_assert(value_is_timestamp("2026-01-01t00:00:00-05:30"));
	ck_assert(!value_is_timestamp("2026-02-29T00:00:00Z"));
	ck_assert(!value_is_timestamp("2026-13-01T00:00:00Z"));
	ck_assert(!value_is_timestamp("2026-11-28T24:00:00Z"));
	ck_assert(!value_is_timestamp("2026-11-28T16:46:05"));
	ck_assert(!value_is_timestamp("2026-11-28 16:46:05Z"));
	ck_assert(!value_is_timestamp("2026-11-28T16:46:05.Z"));
	ck_assert(!value_is_timestamp("2026-11-28T16:46:05.1234567891Z"));
	ck_assert(!value_is_timestamp("2026-11-28T16:46:05Z "));
	ck_assert(!value_is_timestamp("now"));
	ck_assert(!value_is_timestamp(""));
}
END_TEST

START_TEST(semver)
{
	ck_assert(value_is_semver("1.0.0"));
	ck_assert(value_is_semver("0.0.0"));
	ck_assert(value_is_semver("1.0.0-alpha.1"));
	ck_assert(value_is_semver("1.0.0-0.3.7"));
	ck_assert(value_is_semver("1.0.0-x-y-z.--"));
	ck_assert(value_is_semver("1.0.0+20130313144700"));
	ck_assert(value_is_semver("1.0.0-beta+exp.sha.5114f85"));
	ck_assert(value_is_semver("1.0.0+001"));
	ck_assert(!value_is_semver("1.0"));
	ck_assert(!value_is_semver("01.0.0"));
	ck_assert(!value_is_semver("1.0.0-01"));
	ck_assert(!value_is_semver("1.0.0-"));
	ck_assert(!value_is_semver("1.0.0-a..b"));
	ck_assert(!value_is_semver("1.0.0+"));
	ck_assert(!value_is_semver("v1.0.0"));
	ck_assert(!value_is_semver("1.0.0 "));
	ck_assert(!value_is_semver("123456789012345678901.0.0"));
}
END_TEST

START_TEST(utf8)
{
	ck_assert(value_is_utf8("", 0));
	ck_assert(value_is_utf8("plain", 5));
	ck_assert(value_is_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
	ck_assert(!value_is_utf8("\xff", 1));
	ck_assert(!value_is_utf8("a\x80" "b", 3));
	ck_assert(!value_is_utf8("\xc0\xaf", 2));         /* overlong '/' */
	ck_assert(!value_is_utf8("\xed\xa0\x80", 3));     /* surrogate */
	ck_assert(!value_is_utf8("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
	ck_assert(!value_is_utf8("\xe2\x82", 2));         /* truncated */
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("values");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, timestamps);
	tcase_add_test(tc, semver);
	tcase_add_test(tc, utf8);
	suite_add_tcase(s, tc);
	return s;
}
