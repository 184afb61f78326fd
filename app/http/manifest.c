#include "http/manifest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/vocab.h"

static const char *const member_fields[] = {
	"slug", "entityId", "mode", "default", "config", NULL
};

/* A member's slug and its position, sorted to find repeats in O(n log n). */
struct member_slug {
	const char *slug;
	size_t index;
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* Checks an optional member of obj against a JSON type; records a problem and returns false if wrong. */
static bool optional_typed(struct json_object *obj, const char *key, enum json_type type,
			   const char *message, const char *path, struct validation *v,
			   struct json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(obj, key, out))
		return true;
	if (json_object_is_type(*out, type))
		return true;
	validation_add(v, validate_pointer(v->arena, path, key), message);
	*out = NULL;
	return false;
}

/* A required string member of obj that must pass check; NULL (problem recorded) otherwise. */
static const char *required_string(struct json_object *obj, const char *key,
				   bool (*check)(const char *), const char *message,
				   const char *path, struct validation *v)
{
	struct json_object *value;

	if (!json_object_object_get_ex(obj, key, NULL)) {
		validation_add(v, validate_pointer(v->arena, path, key), "is required");
		return NULL;
	}
	if (!optional_typed(obj, key, json_type_string, "must be a string", path, v, &value))
		return NULL;
	if (!check(json_object_get_string(value))) {
		validation_add(v, validate_pointer(v->arena, path, key), message);
		return NULL;
	}
	return json_object_get_string(value);
}

static bool entity_id(const char *s)
{
	return vocab_valid_id(s, "ent");
}

/* Checks one member at path; returns its slug when valid (for the repeat check), else NULL. */
static const char *member_validate(struct json_object *member, const char *path,
				   struct validation *v)
{
	struct json_object *value;
	const char *slug;

	if (!json_object_is_type(member, json_type_object)) {
		validation_add(v, path, "must be an object");
		return NULL;
	}
	json_object_object_foreach(member, key, field)
	{
		(void)field;
		if (!in_list(member_fields, key))
			validation_add(v, validate_pointer(v->arena, path, key), "unknown field");
	}
	slug = required_string(member, "slug", validate_slug, VALIDATE_SLUG_MESSAGE, path, v);
	required_string(member, "entityId", entity_id,
			"must be an entity id (ent_ + 28 hex digits)", path, v);
	if (optional_typed(member, "mode", json_type_string, "must be clone or reference", path, v,
			   &value) &&
	    value != NULL && !vocab_contains(vocab_member_modes, json_object_get_string(value)))
		validation_add(v, validate_pointer(v->arena, path, "mode"),
			       "must be clone or reference");
	optional_typed(member, "default", json_type_boolean, "must be a boolean", path, v, &value);
	optional_typed(member, "config", json_type_object, "must be an object", path, v, &value);
	return slug;
}

static int slug_order(const void *a, const void *b)
{
	const struct member_slug *x = a, *y = b;
	int c = strcmp(x->slug, y->slug);

	if (c != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Reports, in member order, each member whose slug an earlier member already has. */
static void report_repeats(struct member_slug *slugs, size_t n_slugs, size_t n_members,
			   const char *members_path, struct validation *v)
{
	size_t *first = arena_calloc(v->arena, n_members + 1, sizeof(*first));
	size_t i, start = 0;

	for (i = 0; i < n_members; i++)
		first[i] = SIZE_MAX;
	/* Sorted by slug, then position: each run of one slug starts with its first member. */
	qsort(slugs, n_slugs, sizeof(*slugs), slug_order);
	for (i = 1; i < n_slugs; i++) {
		if (strcmp(slugs[i].slug, slugs[start].slug) != 0)
			start = i;
		else
			first[slugs[i].index] = slugs[start].index;
	}
	for (i = 0; i < n_members; i++)
		if (first[i] != SIZE_MAX)
			validation_add(
				v, arena_printf(v->arena, "%s/%zu/slug", members_path, i),
				arena_printf(v->arena, "repeats the slug of member %zu", first[i]));
}

void manifest_validate(struct json_object *value, const char *path, struct validation *v)
{
	const char *members_path = validate_pointer(v->arena, path, "members");
	struct json_object *members;
	struct member_slug *slugs;
	size_t n, n_slugs = 0, i;

	json_object_object_foreach(value, key, field)
	{
		(void)field;
		if (strcmp(key, "members") != 0)
			validation_add(v, validate_pointer(v->arena, path, key), "unknown field");
	}
	if (!json_object_object_get_ex(value, "members", &members)) {
		validation_add(v, members_path, "is required");
		return;
	}
	if (!json_object_is_type(members, json_type_array)) {
		validation_add(v, members_path, "must be an array");
		return;
	}
	n = json_object_array_length(members);
	slugs = arena_calloc(v->arena, n + 1, sizeof(*slugs));
	for (i = 0; i < n; i++) {
		const char *slug = member_validate(
			json_object_array_get_idx(members, i),
			arena_printf(v->arena, "%s/%zu", members_path, i), v);

		if (slug != NULL)
			slugs[n_slugs++] = (struct member_slug){ slug, i };
	}
	report_repeats(slugs, n_slugs, n, members_path, v);
}
