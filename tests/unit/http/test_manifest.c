/* manifest_validate: members' shape, ids, modes, unknown keys, repeated slugs, at JSON pointers. */
#include <json.h>
#include <string.h>

#include "check_main.h"

#include "http/manifest.h"

#define ENT "ent_0192f3a4b5c6a1b2c3d4e5f60718"

static struct arena *a;
static struct validation v;

static void setup(void)
{
	a = arena_new();
	memset(&v, 0, sizeof(v));
	v.arena = a;
}

static void teardown(void)
{
	arena_free(a);
}

static void check(const char *json)
{
	struct json_object *o = json_tokener_parse(json);

	ck_assert_ptr_nonnull(o);
	manifest_validate(o, "/manifest", &v);
	json_object_put(o);
}

/* Whether a problem was recorded at path with message. */
static bool has(const char *path, const char *message)
{
	size_t i;

	for (i = 0; i < v.n_errors; i++)
		if (strcmp(v.errors[i].path, path) == 0 &&
		    strcmp(v.errors[i].message, message) == 0)
			return true;
	return false;
}

START_TEST(valid_manifests)
{
	check("{\"members\": []}");
	check("{\"members\": [{\"slug\": \"alerts\", \"entityId\": \"" ENT "\"},"
	      " {\"slug\": \"digest\", \"entityId\": \"" ENT "\", \"mode\": \"reference\","
	      " \"default\": false, \"config\": {\"x\": 1}}]}");
	ck_assert_uint_eq(v.n_errors, 0);
}
END_TEST

START_TEST(members_required_and_an_array)
{
	check("{}");
	ck_assert(has("/manifest/members", "is required"));
	teardown();
	setup();
	check("{\"members\": {}}");
	ck_assert(has("/manifest/members", "must be an array"));
}
END_TEST

START_TEST(unknown_keys_refused)
{
	check("{\"members\": [{\"slug\": \"a1\", \"entityId\": \"" ENT
	      "\", \"x/y\": 1}], \"extra\": 1}");
	ck_assert(has("/manifest/extra", "unknown field"));
	ck_assert(has("/manifest/members/0/x~1y", "unknown field"));
	ck_assert_uint_eq(v.n_errors, 2);
}
END_TEST

START_TEST(member_fields_checked)
{
	check("{\"members\": [1, {\"slug\": \"-bad\", \"entityId\": "
	      "\"int_0192f3a4b5c6a1b2c3d4e5f60718\","
	      " \"mode\": \"copy\", \"default\": \"yes\", \"config\": []}, {}]}");
	ck_assert(has("/manifest/members/0", "must be an object"));
	ck_assert(has("/manifest/members/1/slug", "must match ^[a-z0-9][a-z0-9-]{1,62}$"));
	ck_assert(
		has("/manifest/members/1/entityId", "must be an entity id (ent_ + 28 hex digits)"));
	ck_assert(has("/manifest/members/1/mode", "must be clone or reference"));
	ck_assert(has("/manifest/members/1/default", "must be a boolean"));
	ck_assert(has("/manifest/members/1/config", "must be an object"));
	ck_assert(has("/manifest/members/2/slug", "is required"));
	ck_assert(has("/manifest/members/2/entityId", "is required"));
}
END_TEST

START_TEST(repeated_slugs_reported_at_the_later_member)
{
	check("{\"members\": [{\"slug\": \"a1\", \"entityId\": \"" ENT "\"},"
	      " {\"slug\": \"b2\", \"entityId\": \"" ENT "\"},"
	      " {\"slug\": \"a1\", \"entityId\": \"" ENT "\"},"
	      " {\"slug\": \"a1\", \"entityId\": \"" ENT "\"}]}");
	ck_assert_uint_eq(v.n_errors, 2);
	ck_assert(has("/manifest/members/2/slug", "repeats the slug of member 0"));
	ck_assert(has("/manifest/members/3/slug", "repeats the slug of member 0"));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("manifest");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_manifests);
	tcase_add_test(tc, members_required_and_an_array);
	tcase_add_test(tc, unknown_keys_refused);
	tcase_add_test(tc, member_fields_checked);
	tcase_add_test(tc, repeated_slugs_reported_at_the_later_member);
	suite_add_tcase(s, tc);
	return s;
}
