#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "base/b64url.h"
#include "base/xalloc.h"
#include "json/json_strict.h"
#include "list/cursor.h"
#include "base/vocab.h"
#include "base/values.h"

#define CURSOR_MAX_LEN 4096

/*
 * A cursor is a JWT signed with the cursor key: {"f": fingerprint, "v": [values]}.
 * libjwt gives us HMAC-SHA256 without another dependency.
 */
const char *list_cursor_encode(struct arena *a, const unsigned char *key, size_t key_len,
			       const char *fingerprint, const char *const *values, size_t n)
{
	struct strbuf claims;
	jwt_t *jwt = NULL;
	char *token = NULL;
	const char *out;
	size_t i;

	strbuf_init(&claims, a);
	strbuf_puts(&claims, "{\"f\":");
	strbuf_json_string(&claims, fingerprint);
	strbuf_puts(&claims, ",\"v\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_putc(&claims, ',');
		if (values[i] == NULL)
			strbuf_puts(&claims, "null");
		else
			strbuf_json_string(&claims, values[i]);
	}
	strbuf_puts(&claims, "]}");
	if (jwt_new(&jwt) != 0 || jwt_add_grants_json(jwt, claims.data) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, key, (int)key_len) != 0 ||
	    (token = jwt_encode_str(jwt)) == NULL)
		xalloc_die("jwt_encode_str", 0);
	out = arena_strdup(a, token);
	free(token);
	jwt_free(jwt);
	return out;
}

static bool signature_ok(const unsigned char *key, size_t key_len, const char *cursor)
{
	jwt_t *jwt = NULL;
	bool ok;

	ok = jwt_decode(&jwt, cursor, key, (int)key_len) == 0 && jwt != NULL &&
	     jwt_get_alg(jwt) == JWT_ALG_HS256;
	jwt_free(jwt);
	return ok;
}

int list_cursor_decode(struct arena *a, const unsigned char *key, size_t key_len,
		       const char *fingerprint, const char *cursor, const char **values, size_t n)
{
	const char *dot1, *dot2;
	struct json_object *claims, *f, *v;
	unsigned char *raw;
	const char *why;
	long len;
	size_t i;

	if (strlen(cursor) > CURSOR_MAX_LEN || (dot1 = strchr(cursor, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL || !signature_ok(key, key_len, cursor))
		return -1;
	raw = arena_alloc(a, B64URL_DECODED_MAX((size_t)(dot2 - dot1 - 1)) + 1);
	len = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), raw);
	if (len < 0 || json_parse_strict((const char *)raw, (size_t)len, &claims, &why) < 0)
		return -1;
	json_defer_put(a, claims);
	if (!json_object_object_get_ex(claims, "f", &f) ||
	    !json_object_is_type(f, json_type_string) ||
	    strcmp(json_object_get_string(f), fingerprint) != 0 ||
	    !json_object_object_get_ex(claims, "v", &v) ||
	    !json_object_is_type(v, json_type_array) || json_object_array_length(v) != n)
		return -1;
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (e == NULL) {
			values[i] = NULL;
		} else if (json_object_is_type(e, json_type_string) &&
			   strlen(json_object_get_string(e)) ==
				   (size_t)json_object_get_string_len(e)) {
			values[i] = json_object_get_string(e);
		} else {
			return -1;
		}
	}
	return 0;
}

static bool in_values(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* Whether value is what page_sql writes as text for a row's key on field f. */
static bool value_fits(const struct list_resource *res, const struct list_field *f,
		       const char *value)
{
	if (value == NULL)
		return f->nullable;
	switch (f->type) {
	case LT_TIMESTAMP:
		return value_is_pg_timestamp(value) || value_is_timestamp(value);
	case LT_SEMVER:
		return value_is_semver_key(value);
	case LT_ENUM:
		return in_values(f->enum_values, value);
	case LT_BOOL:
		return strcmp(value, "true") == 0 || strcmp(value, "false") == 0;
	case LT_INT:
		return value_is_natural(value);
	case LT_JSON:
		return false;
	case LT_TEXT:
		if (f == list_field_find(res, "id"))
			return vocab_valid_id(value, res->id_prefix);
		return true;
	}
	return false;
}

bool list_cursor_values_valid(const struct list_resource *res, const struct list_order *order,
			      const char *const *values)
{
	size_t i;

	for (i = 0; i < order->n_keys; i++)
		if (!value_fits(res, order->keys[i].field, values[i]))
			return false;
	return true;
}
