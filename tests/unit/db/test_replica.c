/* Read scaling: the consistency token codec, pg_lsn parsing, the routing rule and the lag rule. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#include "db/replica.h"

START_TEST(token_round_trip)
{
	const uint64_t lsns[] = { 0, 1, 0x16B374D848ULL, 0xFFFFFFFFFFFFFFFFULL, 0x0100000000ULL };
	char token[CONSISTENCY_TOKEN_LEN + 1];
	size_t i;

	for (i = 0; i < sizeof(lsns) / sizeof(lsns[0]); i++) {
		uint64_t back = 42;

		consistency_token_encode(lsns[i], token);
		ck_assert_uint_eq(strlen(token), CONSISTENCY_TOKEN_LEN);
		ck_assert_int_eq(consistency_token_decode(token, &back), 0);
		ck_assert_uint_eq(back, lsns[i]);
	}
}
END_TEST

START_TEST(token_is_base64url_of_big_endian)
{
	char token[CONSISTENCY_TOKEN_LEN + 1];

	consistency_token_encode(0x0000000016B374D8ULL, token);
	ck_assert_str_eq(token, "AAAAABazdNg");
}
END_TEST

START_TEST(token_malformed)
{
	const char *bad[] = { "",
			      "AAAAABazdN", /* short */
			      "AAAAABazdNgA", /* long */
			      "AAAAABazdN+", /* not base64url */
			      "AAAAABazdN=",
			      "AAAAABazdNh", /* non-zero pad bits */
			      "0/16B374D8",
			      "AAAAAB zdNg" };
	uint64_t lsn;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(consistency_token_decode(bad[i], &lsn) < 0, "accepted '%s'", bad[i]);
	ck_assert_int_lt(consistency_token_decode(NULL, &lsn), 0);
}
END_TEST

START_TEST(lsn_text)
{
	uint64_t lsn;

	ck_assert_int_eq(lsn_parse("16/B374D848", &lsn), 0);
	ck_assert_uint_eq(lsn, 0x16B374D848ULL);
	ck_assert_int_eq(lsn_parse("0/0", &lsn), 0);
	ck_assert_uint_eq(lsn, 0);
	ck_assert_int_eq(lsn_parse("FFFFFFFF/ffffffff", &lsn), 0);
	ck_assert_uint_eq(lsn, 0xFFFFFFFFFFFFFFFFULL);
	ck_assert_int_lt(lsn_parse("", &lsn), 0);
	ck_assert_int_lt(lsn_parse("16", &lsn), 0);
	ck_assert_int_lt(lsn_parse("/1", &lsn), 0);
	ck_assert_int_lt(lsn_parse("1/", &lsn), 0);
	ck_assert_int_lt(lsn_parse("1/2/3", &lsn), 0);
	ck_assert_int_lt(lsn_parse("100000000/0", &lsn), 0);
	ck_assert_int_lt(lsn_parse("g/0", &lsn), 0);
	ck_assert_int_lt(lsn_parse(NULL, &lsn), 0);
}
END_TEST

START_TEST(reads_are_get_and_head)
{
	ck_assert(replica_is_read(HTTP_GET));
	ck_assert(replica_is_read(HTTP_HEAD));
	ck_assert(!replica_is_read(HTTP_POST));
	ck_assert(!replica_is_read(HTTP_PATCH));
	ck_assert(!replica_is_read(HTTP_DELETE));
	ck_assert(!replica_is_read(HTTP_PUT));
	ck_assert(!replica_is_read(HTTP_OPTIONS));
	ck_assert(!replica_is_read(HTTP_OTHER));
}
END_TEST

START_TEST(lag_rule)
{
	ck_assert(replica_lag_acceptable("p", 1000));
	ck_assert(replica_lag_acceptable("s0", 0));
	ck_assert(replica_lag_acceptable("s0", 1000));
	ck_assert(replica_lag_acceptable("s1000", 1000));
	ck_assert(!replica_lag_acceptable("s1001", 1000));
	ck_assert(!replica_lag_acceptable("s99999999999", 1000));
	ck_assert(!replica_lag_acceptable("", 1000));
	ck_assert(!replica_lag_acceptable("s", 1000));
	ck_assert(!replica_lag_acceptable("s-1", 1000));
	ck_assert(!replica_lag_acceptable("s12x", 1000));
	ck_assert(!replica_lag_acceptable("x", 1000));
	ck_assert(!replica_lag_acceptable(NULL, 1000));
}
END_TEST

START_TEST(no_read_url_routes_to_primary)
{
	struct arena *a = arena_new();
	struct db *primary = db_new("dbname=none");
	const char *served = NULL;

	ck_assert_ptr_null(replica_new(NULL, 1000, 0));
	ck_assert_ptr_eq(replica_route(NULL, primary, false, 0, a, &served), primary);
	ck_assert_str_eq(served, "primary");
	ck_assert_ptr_eq(replica_route(NULL, primary, true, 5, a, &served), primary);
	db_free(primary);
	arena_free(a);
}
END_TEST

START_TEST(unreachable_read_url_routes_to_primary)
{
	struct arena *a = arena_new();
	struct db *primary = db_new("dbname=none");
	/* Port 1 on loopback: refused at once. */
	struct replica *r = replica_new("host=127.0.0.1 port=1 connect_timeout=1", 1000, 3);
	const char *served = NULL;

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(replica_route(r, primary, false, 0, a, &served), primary);
	ck_assert_str_eq(served, "primary");
	/* Within REPLICA_RETRY_MS no new attempt is made: still the primary. */
	ck_assert_ptr_eq(replica_route(r, primary, true, 1, a, &served), primary);
	replica_free(r);
	db_free(primary);
	arena_free(a);
}
END_TEST

START_TEST(no_write_token_without_connection)
{
	struct arena *a = arena_new();
	struct db *primary = db_new("dbname=none");

	ck_assert_ptr_null(replica_write_token(primary, a));
	db_free(primary);
	arena_free(a);
}
END_TEST

START_TEST(spread_rotates_hosts_and_ports)
{
	char *u;

	u = replica_spread_url("host=a,b,c port=1,2,3 dbname=x target_session_attrs=prefer-standby",
			       1);
	ck_assert_ptr_nonnull(strstr(u, "host='b,c,a'"));
	ck_assert_ptr_nonnull(strstr(u, "port='2,3,1'"));
	ck_assert_ptr_nonnull(strstr(u, "dbname='x'"));
	ck_assert_ptr_nonnull(strstr(u, "target_session_attrs='prefer-standby'"));
	free(u);
	u = replica_spread_url("host=a,b,c port=5432 dbname=x", 5);
	ck_assert_ptr_nonnull(strstr(u, "host='c,a,b'"));
	ck_assert_ptr_nonnull(strstr(u, "port='5432'"));
	free(u);
	u = replica_spread_url("host=a,b port=1,2 password=it\\'s", 2);
	ck_assert_ptr_nonnull(strstr(u, "host='a,b'"));
	ck_assert_ptr_nonnull(strstr(u, "password='it\\'s'"));
	free(u);
	u = replica_spread_url("host=one dbname=x", 7);
	ck_assert_str_eq(u, "host=one dbname=x");
	free(u);
	u = replica_spread_url("host='unterminated", 7);
	ck_assert_str_eq(u, "host='unterminated");
	free(u);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("replica");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, token_round_trip);
	tcase_add_test(tc, token_is_base64url_of_big_endian);
	tcase_add_test(tc, token_malformed);
	tcase_add_test(tc, lsn_text);
	tcase_add_test(tc, reads_are_get_and_head);
	tcase_add_test(tc, lag_rule);
	tcase_add_test(tc, no_read_url_routes_to_primary);
	tcase_add_test(tc, unreachable_read_url_routes_to_primary);
	tcase_add_test(tc, no_write_token_without_connection);
	tcase_add_test(tc, spread_rotates_hosts_and_ports);
	suite_add_tcase(s, tc);
	return s;
}
