/* token_cache: hits copy into the arena, exp/nbf are checked again (with leeway), a newer token evicts. */
#include <stdio.h>
#include <string.h>

#include "check_main.h"

#include "auth/auth.h"
#include "auth/token_cache.h"

#define NOW 1796195496

static struct arena *a;
static const struct caller alice = { "usr_alice", "{\"sub\":\"usr_alice\"}", "{ws_a}" };

static void setup(void)
{
	a = arena_new();
	token_cache_clear();
}

static void teardown(void)
{
	token_cache_clear();
	arena_free(a);
}

START_TEST(miss_then_hit)
{
	struct caller out = { 0 };

	ck_assert_int_eq(token_cache_get("t1", NOW, a, &out), -1);
	token_cache_put("t1", &alice, NOW + 3600, 0);
	ck_assert_int_eq(token_cache_get("t1", NOW, a, &out), 0);
	ck_assert_str_eq(out.sub, "usr_alice");
	ck_assert_str_eq(out.json, alice.json);
	ck_assert_str_eq(out.workspace_array, "{ws_a}");
	ck_assert_ptr_ne(out.sub, alice.sub); /* arena copies */
	ck_assert_int_eq(token_cache_get("t2", NOW, a, &out), -1);
	ck_assert_int_eq(token_cache_get("t", NOW, a, &out), -1);
}
END_TEST

START_TEST(expiry_with_leeway)
{
	struct caller out;

	token_cache_put("t1", &alice, NOW, 0);
	ck_assert_int_eq(token_cache_get("t1", NOW + AUTH_LEEWAY_SECONDS, a, &out), 0);
	ck_assert_int_eq(token_cache_get("t1", NOW + AUTH_LEEWAY_SECONDS + 1, a, &out), -1);
	/* an expired entry is forgotten */
	ck_assert_int_eq(token_cache_get("t1", NOW, a, &out), -1);
}
END_TEST

START_TEST(not_before_with_leeway)
{
	struct caller out;

	token_cache_put("t1", &alice, NOW + 3600, NOW + 100);
	ck_assert_int_eq(token_cache_get("t1", NOW, a, &out), -1);
	ck_assert_int_eq(token_cache_get("t1", NOW + 100 - AUTH_LEEWAY_SECONDS, a, &out), 0);
	/* not yet valid is no reason to forget it */
	ck_assert_int_eq(token_cache_get("t1", NOW + 100, a, &out), 0);
}
END_TEST

START_TEST(bounded_and_cleared)
{
	char token[32];
	struct caller out;
	int i, hits = 0;

	for (i = 0; i < 1000; i++) {
		snprintf(token, sizeof(token), "tok-%d", i);
		token_cache_put(token, &alice, NOW + 3600, 0);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(token, sizeof(token), "tok-%d", i);
		hits += token_cache_get(token, NOW, a, &out) == 0;
	}
	ck_assert_int_gt(hits, 0);
	ck_assert_int_lt(hits, 1000); /* one entry per slot: older tokens were evicted */
	ck_assert_int_eq(token_cache_get("tok-999", NOW, a, &out), 0); /* the newest stays */
	token_cache_clear();
	ck_assert_int_eq(token_cache_get("tok-999", NOW, a, &out), -1);
}
END_TEST

START_TEST(put_replaces_the_same_token)
{
	static const struct caller bob = { "usr_bob", "{\"sub\":\"usr_bob\"}", "{}" };
	struct caller out;

	token_cache_put("t1", &alice, NOW + 3600, 0);
	token_cache_put("t1", &bob, NOW + 3600, 0);
	ck_assert_int_eq(token_cache_get("t1", NOW, a, &out), 0);
	ck_assert_str_eq(out.sub, "usr_bob");
	ck_assert_str_eq(out.workspace_array, "{}");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("token_cache");
	TCase *tc = tcase_create("token_cache");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, miss_then_hit);
	tcase_add_test(tc, expiry_with_leeway);
	tcase_add_test(tc, not_before_with_leeway);
	tcase_add_test(tc, bounded_and_cleared);
	tcase_add_test(tc, put_replaces_the_same_token);
	suite_add_tcase(s, tc);
	return s;
}
