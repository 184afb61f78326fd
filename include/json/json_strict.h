#ifndef INTEGRATIONS_JSON_STRICT_H
#define INTEGRATIONS_JSON_STRICT_H

#include <stddef.h>

#include <json.h>

#include "base/arena.h"

#define JSON_MAX_DEPTH 32

/*
 * Parses an RFC 8259 JSON text, stricter than json-c alone: no trailing data,
 * no NaN/Infinity, no single quotes, valid UTF-8 and surrogate pairs, no
 * \u0000 (PostgreSQL's jsonb refuses it), integers within 64 bits, finite
 * numbers, no duplicate keys, nesting at most JSON_MAX_DEPTH.
 *
 * On success returns 0 and *out is a new reference the caller must put.
 * On failure returns -1, *out is NULL and *why is a static sentence.
 */
int json_parse_strict(const char *text, size_t len, struct json_object **out, const char **why);

/*
 * As json_parse_strict for a document stored as received (request bodies):
 * numbers of any size are accepted as long as PostgreSQL's jsonb can hold
 * them (at most 131072 digits before the point and 16383 after), so what the
 * service emits it takes back. json-c clamps integers beyond 64 bits and
 * turns huge doubles into infinities: read no number of such a tree as a
 * value without a range check (validate.c does, for FIELD_INT).
 */
int json_parse_document(const char *text, size_t len, struct json_object **out, const char **why);

/* Hands one reference of o to the arena: it is put at arena_reset(). */
void json_defer_put(struct arena *a, struct json_object *o);

#endif
