#ifndef INTEGRATIONS_VALIDATE_H
#define INTEGRATIONS_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <json.h>

#include "base/arena.h"
#include "http/problem.h"

#define VALIDATE_MAX_ERRORS 32

enum field_type { FIELD_STRING, FIELD_OBJECT, FIELD_ARRAY, FIELD_BOOL, FIELD_INT };

enum field_flags { FIELD_REQUIRED = 1, FIELD_NULLABLE = 2 };

struct validation {
	struct arena *arena;
	struct problem_error errors[VALIDATE_MAX_ERRORS];
	size_t n_errors;
};

/* Records one problem at a JSON pointer; silently keeps only the first VALIDATE_MAX_ERRORS. */
void validation_add(struct validation *v, const char *path, const char *message);

struct field_spec {
	const char *name;
	enum field_type type;
	unsigned flags;
	size_t max_len; /* strings: most characters (bytes); 0 = no limit */
	bool (*check)(const char *s); /* strings: shape, e.g. a pattern */
	const char *check_message; /* said when check fails */
	const char *const *enum_values; /* strings: NULL-terminated allowed values */
	/* objects and arrays: deeper checks, recording problems under path. */
	void (*check_json)(struct json_object *value, const char *path, struct validation *v);
};

struct body_spec {
	const struct field_spec *fields;
	size_t n_fields;
	/* Optional: a rule across fields, run when every field passed its own checks. */
	void (*check)(struct json_object *body, struct validation *v);
};

/* The body_spec of a static array of fields, with an optional rule across fields. */
#define BODY_SPEC(fields, cross_check)                                                             \
	{                                                                                          \
		(fields), sizeof(fields) / sizeof((fields)[0]), (cross_check)                      \
	}

/* Field specs that several bodies share, so that each rule has one wording. */
#define VALIDATE_SLUG_MESSAGE "must match ^[a-z0-9][a-z0-9-]{1,62}$"
#define FIELD_SPEC_WORKSPACE_ID                                                                    \
	{                                                                                          \
		.name = "workspaceId", .type = FIELD_STRING, .flags = FIELD_REQUIRED,              \
		.check = validate_workspace_id, .check_message = "must be a workspace id (ws_…)" \
	}
#define FIELD_SPEC_SLUG                                                                            \
	{                                                                                          \
		.name = "slug", .type = FIELD_STRING, .flags = FIELD_REQUIRED,                     \
		.check = validate_slug, .check_message = "must match ^[a-z0-9][a-z0-9-]{1,62}$"    \
	}
/* A display name: required on create (flags FIELD_REQUIRED), optional on patch (0). */
#define FIELD_SPEC_NAME(field_flags)                                                               \
	{                                                                                          \
		.name = "name", .type = FIELD_STRING, .flags = (field_flags), .max_len = 200,      \
		.check = validate_nonblank, .check_message = "must not be blank"                   \
	}

/*
 * Checks that body is a JSON object whose members are all in spec, of the
 * declared types and shapes, with every required member present. Problems
 * are added to v (paths are JSON pointers such as "/slug").
 */
void validate_body(const struct body_spec *spec, struct json_object *body, struct validation *v);

/* Common string shapes. */
bool validate_slug(const char *s);
bool validate_workspace_id(const char *s);
bool validate_http_url(const char *s);
bool validate_nonblank(const char *s);

/* Escapes a member name into a JSON pointer token (RFC 6901: ~ → ~0, / → ~1). */
const char *validate_pointer(struct arena *a, const char *parent, const char *token);

#endif
