#include "http/query.h"

#include <string.h>

#include "base/values.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *query_decode(struct arena *a, const char *s, size_t len)
{
	char *out = arena_alloc(a, len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return NULL;
			hi = hex_digit(s[i + 1]);
			lo = hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0')
			return NULL;
		out[n++] = c;
	}
	out[n] = '\0';
	return out;
}

static bool name_allowed(const char *const *allowed, const char *name)
{
	for (; allowed != NULL && *allowed != NULL; allowed++)
		if (strcmp(*allowed, name) == 0)
			return true;
	return false;
}

void query_parse(struct request *req, const char *const *allowed, struct validation *v)
{
	const char *p = req->query_string;

	req->n_query = 0;
	while (p != NULL && *p != '\0') {
		const char *amp = strchr(p, '&');
		size_t len = amp != NULL ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t name_len = eq != NULL ? (size_t)(eq - p) : len;
		char *name, *value;

		if (len > 0) {
			name = query_decode(req->arena, p, name_len);
			value = eq != NULL ? query_decode(req->arena, eq + 1, len - name_len - 1)
					   : arena_strdup(req->arena, "");
			if (name == NULL || value == NULL) {
				validation_add(v, "?",
					       "malformed percent-encoding in the query string");
				return;
			}
			/* Everything decoded here may reach the database, which takes UTF-8 only. */
			if (!value_is_utf8(name, strlen(name)) ||
			    !value_is_utf8(value, strlen(value))) {
				validation_add(v, "?", "the query string is not UTF-8");
				return;
			}
			if (!name_allowed(allowed, name)) {
				validation_add(v, arena_printf(req->arena, "?%s", name),
					       "unknown query parameter");
			} else if (request_query(req, name) != NULL) {
				validation_add(v, arena_printf(req->arena, "?%s", name),
					       "given more than once");
			} else if (req->n_query < HTTP_MAX_QUERY_PARAMS) {
				req->query[req->n_query].name = name;
				req->query[req->n_query].value = value;
				req->n_query++;
			}
		}
		p = amp != NULL ? amp + 1 : NULL;
	}
}
