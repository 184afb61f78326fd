#include "check_main.h"
#include "base/values.h"

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

/* What PostgreSQL accepts: a zone offset below 16 hours, years 0001-9999, real dates. */
START_TEST(timestamps_within_postgres_ranges)
{
	ck_assert(value_is_timestamp("2026-01-01T00:00:00+15:59"));
	ck_assert(value_is_timestamp("2026-01-01T00:00:00-15:59"));
	ck_assert(value_is_timestamp("0001-01-01T00:00:00+15:59"));
	ck_assert(value_is_timestamp("9999-12-31T23:59:59.999999999-15:59"));
	ck_assert(!value_is_timestamp("2026-01-01T00:00:00+16:00"));
	ck_assert(!value_is_timestamp("2026-01-01T00:00:00-16:00"));
	ck_assert(!value_is_timestamp("2026-01-01T00:00:00+23:59"));
	ck_assert(!value_is_timestamp("2026-01-01T00:00:00+15:60"));
	ck_assert(!value_is_timestamp("0000-01-01T00:00:00Z"));
	ck_assert(!value_is_timestamp("2026-04-31T00:00:00Z"));
	ck_assert(!value_is_timestamp("2026-01-01T00:60:00Z"));
	ck_assert(!value_is_timestamp("2026-01-01T00:00:60Z"));
	ck_assert(!value_is_timestamp("2026-01-01T00:00:00+1:00"));
	ck_assert(!value_is_timestamp("2026-01-01T00:00:00+0100"));
}
END_TEST

START_TEST(pg_timestamps)
{
	ck_assert(value_is_pg_timestamp("2026-12-02 06:49:20.323769+00"));
	ck_assert(value_is_pg_timestamp("2026-12-02 06:49:20+05:30"));
	ck_assert(value_is_pg_timestamp("1890-01-01 00:00:00+00:09:21"));
	ck_assert(value_is_pg_timestamp("2026-12-02 06:49:20-15:59"));
	ck_assert(!value_is_pg_timestamp("2026-12-02 06:49:20+16"));
	ck_assert(!value_is_pg_timestamp("2026-12-02 06:49:20.1234567+00"));
	ck_assert(!value_is_pg_timestamp("2026-12-02 06:49:20"));
	ck_assert(!value_is_pg_timestamp("2026-02-30 06:49:20+00"));
	ck_assert(!value_is_pg_timestamp("2026-12-02 24:00:00+00"));
	ck_assert(!value_is_pg_timestamp("not a time"));
	ck_assert(!value_is_pg_timestamp("infinity"));
	ck_assert(!value_is_pg_timestamp(""));
}
END_TEST

START_TEST(semver_keys)
{
	const char *release = "00000000000000000001.00000000000000000002.00000000000000000003";

	ck_assert(value_is_semver_key(
		"00000000000000000001.00000000000000000002.00000000000000000003~"));
	ck_assert(value_is_semver_key(
		"00000000000000000001.00000000000000000000.00000000000000000000-"
		"1alpha\x01"
		"000000000000000000001\x01"));
	ck_assert(!value_is_semver_key(release));
	ck_assert(!value_is_semver_key("1.2.3"));
	ck_assert(!value_is_semver_key(
		"00000000000000000001.00000000000000000002.00000000000000000003-"));
	ck_assert(!value_is_semver_key(
		"00000000000000000001.00000000000000000002.00000000000000000003~x"));
	ck_assert(!value_is_semver_key(
		"00000000000000000001.00000000000000000002.00000000000000000003-"
		"1alpha"));
	ck_assert(!value_is_semver_key(
		"00000000000000000001.00000000000000000002.00000000000000000003-"
		"2x\x01"));
	ck_assert(!value_is_semver_key(""));
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

START_TEST(naturals)
{
	ck_assert(value_is_natural("0"));
	ck_assert(value_is_natural("7"));
	ck_assert(value_is_natural("999999999999999999"));
	ck_assert(!value_is_natural(""));
	ck_assert(!value_is_natural("07"));
	ck_assert(!value_is_natural("-1"));
	ck_assert(!value_is_natural("+1"));
	ck_assert(!value_is_natural("1.5"));
	ck_assert(!value_is_natural("1 "));
	ck_assert(!value_is_natural("1000000000000000000"));
}
END_TEST

START_TEST(utf8)
{
	ck_assert(value_is_utf8("", 0));
	ck_assert(value_is_utf8("plain", 5));
	ck_assert(value_is_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
	ck_assert(!value_is_utf8("\xff", 1));
	ck_assert(!value_is_utf8("a\x80"
				 "b",
				 3));
	ck_assert(!value_is_utf8("\xc0\xaf", 2)); /* overlong '/' */
	ck_assert(!value_is_utf8("\xed\xa0\x80", 3)); /* surrogate */
	ck_assert(!value_is_utf8("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
	ck_assert(!value_is_utf8("\xe2\x82", 2)); /* truncated */
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("values");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, timestamps);
	tcase_add_test(tc, timestamps_within_postgres_ranges);
	tcase_add_test(tc, pg_timestamps);
	tcase_add_test(tc, semver_keys);
	tcase_add_test(tc, semver);
	tcase_add_test(tc, naturals);
	tcase_add_test(tc, utf8);
	suite_add_tcase(s, tc);
	return s;
}
