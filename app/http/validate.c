#include "http/validate.h"

#include <stdint.h>
#include <string.h>

#include "base/vocab.h"

void validation_add(struct validation *v, const char *path, const char *message)
{
	if (v->n_errors == VALIDATE_MAX_ERRORS)
		return;
	v->errors[v->n_errors].path = path;
	v->errors[v->n_errors].message = message;
	v->n_errors++;
}

const char *validate_pointer(struct arena *a, const char *parent, const char *token)
{
	struct strbuf sb;

	strbuf_init(&sb, a);
	strbuf_puts(&sb, parent);
	strbuf_putc(&sb, '/');
	for (; *token != '\0'; token++) {
		if (*token == '~')
			strbuf_puts(&sb, "~0");
		else if (*token == '/')
			strbuf_puts(&sb, "~1");
		else
			strbuf_putc(&sb, *token);
	}
	return sb.data;
}

bool validate_slug(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 2 || n > 63)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && !(i > 0 && c == '-'))
			return false;
	}
	return true;
}

bool validate_workspace_id(const char *s)
{
	return vocab_valid_workspace_id(s);
}

bool validate_http_url(const char *s)
{
	const char *rest;

	if (strncmp(s, "https://", 8) == 0)
		rest = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		rest = s + 7;
	else
		return false;
	if (*rest == '\0' || *rest == '/')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static const char *type_name(enum field_type t)
{
	switch (t) {
	case FIELD_STRING:
		return "must be a string";
	case FIELD_OBJECT:
		return "must be an object";
	case FIELD_ARRAY:
		return "must be an array";
	case FIELD_BOOL:
		return "must be a boolean";
	default:
		return "must be an integer";
	}
}

static bool type_matches(enum field_type t, struct json_object *value)
{
	switch (t) {
	case FIELD_STRING:
		return json_object_is_type(value, json_type_string);
	case FIELD_OBJECT:
		return json_object_is_type(value, json_type_object);
	case FIELD_ARRAY:
		return json_object_is_type(value, json_type_array);
	case FIELD_BOOL:
		return json_object_is_type(value, json_type_boolean);
	default:
		return json_object_is_type(value, json_type_int);
	}
}

static bool in_enum(const char *const *values, const char *s)
{
	for (; *values != NULL; values++)
		if (strcmp(*values, s) == 0)
			return true;
	return false;
}

static void validate_string(const struct field_spec *f, const char *path, struct json_object *value,
			    struct validation *v)
{
	const char *s = json_object_get_string(value);

	if (f->max_len > 0 && (size_t)json_object_get_string_len(value) > f->max_len)
		validation_add(v, path,
			       arena_printf(v->arena, "must be at most %zu bytes", f->max_len));
	else if (f->enum_values != NULL && !in_enum(f->enum_values, s))
		validation_add(v, path, f->check_message);
	else if (f->check != NULL && !f->check(s))
		validation_add(v, path, f->check_message);
}

static void validate_field(const struct field_spec *f, const char *path, struct json_object *value,
			   struct validation *v)
{
	if (value == NULL) {
		if (!(f->flags & FIELD_NULLABLE))
			validation_add(v, path, "must not be null");
		return;
	}
	if (!type_matches(f->type, value)) {
		validation_add(v, path, type_name(f->type));
		return;
	}
	if (f->type == FIELD_STRING)
		validate_string(f, path, value, v);
	/*
	 * The parser accepts integers of any size (free-form objects keep them);
	 * json-c clamps those beyond 64 bits to the limits, which a typed field refuses.
	 */
	if (f->type == FIELD_INT && (json_object_get_int64(value) == INT64_MAX ||
				     json_object_get_int64(value) == INT64_MIN))
		validation_add(v, path, "must be an integer within the 64-bit range");
	else if (f->check_json != NULL)
		f->check_json(value, path, v);
}

void validate_body(const struct body_spec *spec, struct json_object *body, struct validation *v)
{
	size_t i;

	if (!json_object_is_type(body, json_type_object)) {
		validation_add(v, "", "the body must be a JSON object");
		return;
	}
	json_object_object_foreach(body, key, value)
	{
		const struct field_spec *f = NULL;

		for (i = 0; i < spec->n_fields && f == NULL; i++)
			if (strcmp(spec->fields[i].name, key) == 0)
				f = &spec->fields[i];
		if (f == NULL)
			validation_add(v, validate_pointer(v->arena, "", key), "unknown field");
		else
			validate_field(f, validate_pointer(v->arena, "", key), value, v);
	}
	for (i = 0; i < spec->n_fields; i++) {
		const struct field_spec *f = &spec->fields[i];

		if ((f->flags & FIELD_REQUIRED) && !json_object_object_get_ex(body, f->name, NULL))
			validation_add(v, validate_pointer(v->arena, "", f->name), "is required");
	}
	if (v->n_errors == 0 && spec->check != NULL)
		spec->check(body, v);
}

bool validate_nonblank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return true;
	return false;
}
