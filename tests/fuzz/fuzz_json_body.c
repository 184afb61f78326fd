/*
 * libFuzzer driver: request bodies. The input is a POST/PATCH body exactly as the worker
 * receives it (any bytes). It goes through json_parse_document() (the worker's body parser)
 * and json_parse_strict(), and when one accepts it, through validate_body() with body specs.
 *
 * Invariants checked beyond "no crash, no leak, no UB":
 *  - a refusal has a reason and no tree; an acceptance has a tree (json-c's NULL only for the
 *    text null);
 *  - an accepted tree holds nothing PostgreSQL's jsonb would refuse (docs/api-conventions.md,
 *    "JSON bodies"): no NUL byte in a key or string, only well-formed UTF-8 without
 *    surrogates, nesting at most JSON_MAX_DEPTH;
 *  - every validation problem has a JSON-pointer path ("" or starting with '/') and a message.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "fuzz_common.h"
#include "handlers/common.h"
#include "handlers/entities.h"
#include "handlers/health.h"
#include "handlers/installs.h"
#include "handlers/integration_list.h"
#include "handlers/integrations.h"
#include "handlers/versions.h"
#include "handlers/visibility.h"
#include "json/json_strict.h"
#include "http/validate.h"

static void check_text(const char *what, const char *s, size_t n)
{
	FUZZ_ASSERT(memchr(s, '\0', n) == NULL, "an accepted %s holds a NUL byte", what);
	FUZZ_ASSERT(fuzz_utf8_ok((const unsigned char *)s, n), "an accepted %s is not valid UTF-8",
		    what);
}

/* Walks the accepted tree; returns its depth (a scalar is 0). */
static int check_tree(struct json_object *o, bool finite)
{
	int depth = 0, d;
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_object: {
		json_object_object_foreach(o, key, child)
		{
			check_text("object key", key, strlen(key));
			d = check_tree(child, finite);
			depth = d > depth ? d : depth;
		}
		return depth + 1;
	}
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			d = check_tree(json_object_array_get_idx(o, i), finite);
			depth = d > depth ? d : depth;
		}
		return depth + 1;
	case json_type_string:
		check_text("string", json_object_get_string(o),
			   (size_t)json_object_get_string_len(o));
		return 0;
	case json_type_double:
		FUZZ_ASSERT(!finite || (json_object_get_double(o) == json_object_get_double(o) &&
					json_object_get_double(o) - json_object_get_double(o) == 0),
			    "an accepted number is not finite");
		return 0;
	default:
		return 0;
	}
}

static void validate_with(const struct body_spec *spec, struct json_object *body, struct arena *a)
{
	struct validation v = { .arena = a, .n_errors = 0 };
	size_t i;

	validate_body(spec, body, &v);
	FUZZ_ASSERT(v.n_errors <= VALIDATE_MAX_ERRORS, "%zu errors", v.n_errors);
	for (i = 0; i < v.n_errors; i++) {
		FUZZ_ASSERT(v.errors[i].path != NULL && v.errors[i].message != NULL,
			    "error %zu lacks a path or message", i);
		FUZZ_ASSERT(v.errors[i].path[0] == '\0' || v.errors[i].path[0] == '/',
			    "error path '%s' is not a JSON pointer", v.errors[i].path);
	}
}

/* One parser (strict: finite numbers; document: any size jsonb stores) on the body. */
static void parse_with(bool document, char *body, size_t size, struct arena *a)
{
	struct json_object *obj = (struct json_object *)1;
	const char *why = NULL;
	int rc = document ? json_parse_document(body, size, &obj, &why)
			  : json_parse_strict(body, size, &obj, &why);

	if (rc < 0) {
		FUZZ_ASSERT(obj == NULL, "a refused body left a tree behind");
		FUZZ_ASSERT(why != NULL && why[0] != '\0', "a refused body has no reason");
		return;
	}
	/* json-c represents the JSON text null as NULL: only that text may leave no tree. */
	if (obj == NULL) {
		size_t i = 0, n = size;

		while (i < n && strchr(" \t\r\n", body[i]) != NULL && body[i] != '\0')
			i++;
		while (n > i && strchr(" \t\r\n", body[n - 1]) != NULL && body[n - 1] != '\0')
			n--;
		FUZZ_ASSERT(n - i == 4 && memcmp(body + i, "null", 4) == 0,
			    "an accepted body other than null has no tree");
	}
	json_defer_put(a, obj);
	FUZZ_ASSERT(check_tree(obj, !document) <= JSON_MAX_DEPTH,
		    "an accepted body nests deeper than %d", JSON_MAX_DEPTH);
	validate_with(&integration_create_body, obj, a);
	validate_with(&integration_patch_body, obj, a);
	validate_with(&install_body, obj, a);
	validate_with(&empty_body, obj, a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	char *body = fuzz_strndup(data, size); /* the worker's body buffer is NUL-terminated too */

	parse_with(false, body, size, a);
	parse_with(true, body, size, a); /* what the worker runs on request bodies */
	arena_free(a);
	free(body);
	return 0;
}
