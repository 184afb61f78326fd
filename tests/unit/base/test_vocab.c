#include "check_main.h"

#include <stdio.h>
#include <string.h>

#include "base/vocab.h"

#define ID "int_0192f3a4b5c6d7e8f9a0b1c2d3e4"

static size_t count(const char *const *values)
{
	size_t n = 0;

	while (values[n] != NULL)
		n++;
	return n;
}

START_TEST(vocabularies)
{
	ck_assert_uint_eq(count(vocab_trust_tiers), 4);
	ck_assert_str_eq(vocab_trust_tiers[3], "verified_publisher");
	ck_assert_uint_eq(count(vocab_visibilities), 3);
	ck_assert_uint_eq(count(vocab_member_policies), 3);
	ck_assert_uint_eq(count(vocab_retention_tiers), 4);
	ck_assert_uint_eq(count(vocab_workspace_roles), 4);
	ck_assert(vocab_contains(vocab_visibilities, "unlisted"));
	ck_assert(!vocab_contains(vocab_visibilities, "Unlisted"));
	ck_assert(!vocab_contains(vocab_visibilities, ""));
	ck_assert(vocab_contains(vocab_retention_tiers, "none"));
	ck_assert(!vocab_contains(NULL, "none"));
	ck_assert(vocab_contains(vocab_member_policies, "auto_defaults"));
	ck_assert(!vocab_contains(vocab_trust_tiers, "first_party "));
}
END_TEST

START_TEST(roles)
{
	size_t i;

	ck_assert(vocab_valid_workspace_role("owner"));
	ck_assert(vocab_valid_workspace_role("viewer"));
	ck_assert(!vocab_valid_workspace_role("Owner"));
	ck_assert(!vocab_valid_workspace_role("platform_admin"));
	for (i = 0; vocab_platform_roles[i] != NULL; i++)
		ck_assert(vocab_valid_platform_role(vocab_platform_roles[i]));
	ck_assert(vocab_valid_platform_role("some_future_role"));
	ck_assert(!vocab_valid_platform_role(""));
	ck_assert(!vocab_valid_platform_role("Platform_admin"));
	ck_assert(!vocab_valid_platform_role("platform-admin"));
}
END_TEST

START_TEST(id_prefixes_are_distinct_shapes)
{
	char id[64];
	size_t i, j;

	for (i = 0; vocab_id_prefixes[i] != NULL; i++) {
		snprintf(id, sizeof(id), "%s_%028d", vocab_id_prefixes[i], 7);
		for (j = 0; vocab_id_prefixes[j] != NULL; j++)
			ck_assert_msg(vocab_valid_id(id, vocab_id_prefixes[j]) == (i == j),
				      "%s as %s", id, vocab_id_prefixes[j]);
	}
}
END_TEST

START_TEST(valid_id)
{
	ck_assert(vocab_valid_id(ID, "int"));
	ck_assert(vocab_valid_id("ins_0000000000000000000000000000", "ins"));
	ck_assert(!vocab_valid_id(ID, "ins"));
	ck_assert(!vocab_valid_id(ID, "in"));
	ck_assert(!vocab_valid_id(ID, "int_"));
	ck_assert(!vocab_valid_id("int0192f3a4b5c6d7e8f9a0b1c2d3e4", "int"));
	ck_assert(!vocab_valid_id("int_0192f3a4b5c6d7e8f9a0b1c2d3e", "int"));
	ck_assert(!vocab_valid_id("int_0192f3a4b5c6d7e8f9a0b1c2d3e4f", "int"));
	ck_assert(!vocab_valid_id("int_0192f3a4b5c6d7e8f9a0b1c2d3E4", "int"));
	ck_assert(!vocab_valid_id("int_0192f3a4b5c6d7e8f9a0b1c2d3e ", "int"));
	ck_assert(!vocab_valid_id("int_", "int"));
	ck_assert(!vocab_valid_id("", "int"));
}
END_TEST

START_TEST(platform_id_shapes)
{
	char id[80];

	ck_assert(vocab_valid_workspace_id("ws_a"));
	ck_assert(vocab_valid_workspace_id("ws_A-b_9"));
	ck_assert(!vocab_valid_workspace_id("ws_"));
	ck_assert(!vocab_valid_workspace_id("ws"));
	ck_assert(!vocab_valid_workspace_id("WS_a"));
	ck_assert(!vocab_valid_workspace_id("usr_a"));
	ck_assert(!vocab_valid_workspace_id("ws_a.b"));
	ck_assert(!vocab_valid_workspace_id("ws_a b"));
	ck_assert(!vocab_valid_workspace_id("ws_é"));
	ck_assert(!vocab_valid_workspace_id(""));

	snprintf(id, sizeof(id), "ws_%064d", 0);
	ck_assert(vocab_valid_workspace_id(id));
	snprintf(id, sizeof(id), "ws_%065d", 0);
	ck_assert(!vocab_valid_workspace_id(id));

	ck_assert(vocab_valid_user_id("usr_a"));
	ck_assert(vocab_valid_user_id("usr_Z-9_"));
	ck_assert(!vocab_valid_user_id("usr_"));
	ck_assert(!vocab_valid_user_id("user_a"));
	ck_assert(!vocab_valid_user_id("ws_a"));
	ck_assert(!vocab_valid_user_id("usr_a/b"));
	snprintf(id, sizeof(id), "usr_%064d", 0);
	ck_assert(vocab_valid_user_id(id));
	snprintf(id, sizeof(id), "usr_%065d", 0);
	ck_assert(!vocab_valid_user_id(id));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("vocab");
	TCase *lists = tcase_create("lists");
	TCase *ids = tcase_create("ids");

	tcase_add_test(lists, vocabularies);
	tcase_add_test(lists, roles);
	tcase_add_test(ids, id_prefixes_are_distinct_shapes);
	tcase_add_test(ids, valid_id);
	tcase_add_test(ids, platform_id_shapes);
	suite_add_tcase(s, lists);
	suite_add_tcase(s, ids);
	return s;
}
