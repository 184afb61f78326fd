#ifndef INTEGRATIONS_LIST_CURSOR_H
#define INTEGRATIONS_LIST_CURSOR_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "list/order.h"
#include "list/resources.h"

/*
 * Cursors: the sort values of one row and the id, tied to a fingerprint of
 * the query they belong to, signed (HS256 JWT) with key. Encoding returns
 * an arena string; decoding returns 0 and values (n_keys entries, NULL for
 * null) when the signature and fingerprint check out, else -1.
 */
const char *list_cursor_encode(struct arena *a, const unsigned char *key, size_t key_len,
			       const char *fingerprint, const char *const *values, size_t n);
int list_cursor_decode(struct arena *a, const unsigned char *key, size_t key_len,
		       const char *fingerprint, const char *cursor, const char **values, size_t n);
/*
 * Whether decoded cursor values fit the types of order's keys on res (a
 * timestamp, a SemVer key, one of an enum's values, an id of res, null only
 * for nullable fields), so that no value from a cursor can fail in SQL.
 * A signed cursor is not enough: the key may have leaked or been weak.
 */
bool list_cursor_values_valid(const struct list_resource *res, const struct list_order *order,
			      const char *const *values);

#endif
