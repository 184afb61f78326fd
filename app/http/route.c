#include "http/route.h"

#include <string.h>

#include "base/vocab.h"

static bool segment_matches(const char *pat, size_t plen, const char *seg)
{
	char prefix[16];

	if (plen >= 2 && pat[0] == '{' && pat[plen - 1] == '}') {
		if (plen - 2 >= sizeof(prefix))
			return false;
		memcpy(prefix, pat + 1, plen - 2);
		prefix[plen - 2] = '\0';
		if (strcmp(prefix, "ws") == 0)
			return vocab_valid_workspace_id(seg);
		return vocab_valid_id(seg, prefix);
	}
	return strlen(seg) == plen && memcmp(pat, seg, plen) == 0;
}

/* Matches path against pattern segment by segment; placeholder values go to params. */
static bool pattern_matches(const char *pattern, char **segs, size_t n_segs, const char **params)
{
	const char *p = pattern;
	size_t i, n_params = 0;

	for (i = 0; i < n_segs; i++) {
		const char *end;
		size_t plen;

		if (*p != '/')
			return false;
		p++;
		end = strchr(p, '/');
		plen = end != NULL ? (size_t)(end - p) : strlen(p);
		if (!segment_matches(p, plen, segs[i]))
			return false;
		if (p[0] == '{' && params != NULL && n_params < HTTP_MAX_PATH_PARAMS)
			params[n_params++] = segs[i];
		p += plen;
	}
	return *p == '\0';
}

const struct route *route_lookup(const struct route *table, size_t n, enum http_method method,
				 const char *path, struct arena *a, const char **params,
				 unsigned *allowed)
{
	char *copy, *segs[16], *save = NULL, *tok;
	size_t n_segs = 0, i;

	*allowed = 0;
	/* strtok would merge "//" into "/": an empty segment matches no route. */
	if (path == NULL || path[0] != '/' || strstr(path, "//") != NULL)
		return NULL;
	copy = arena_strdup(a, path);
	for (tok = strtok_r(copy, "/", &save); tok != NULL; tok = strtok_r(NULL, "/", &save)) {
		if (n_segs == sizeof(segs) / sizeof(segs[0]))
			return NULL;
		segs[n_segs++] = tok;
	}
	/* "/api/integrations/" is not "/api/integrations": strtok would hide the empty segment. */
	if (strlen(path) > 1 && path[strlen(path) - 1] == '/')
		return NULL;
	for (i = 0; i < n; i++) {
		if (!pattern_matches(table[i].pattern, segs, n_segs, NULL))
			continue;
		/* HEAD is GET without the body (RFC 9110 9.3.2): every GET route answers it. */
		if (table[i].method == method ||
		    (method == HTTP_HEAD && table[i].method == HTTP_GET)) {
			pattern_matches(table[i].pattern, segs, n_segs, params);
			return &table[i];
		}
		*allowed |= table[i].method;
		if (table[i].method == HTTP_GET)
			*allowed |= HTTP_HEAD;
	}
	return NULL;
}

const char *route_allow_header(struct arena *a, unsigned allowed)
{
	static const struct {
		enum http_method m;
		const char *name;
	} order[] = { { HTTP_GET, "GET" }, { HTTP_HEAD, "HEAD" },   { HTTP_POST, "POST" },
		      { HTTP_PUT, "PUT" }, { HTTP_PATCH, "PATCH" }, { HTTP_DELETE, "DELETE" } };
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb, a);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(allowed & order[i].m))
			continue;
		if (sb.len > 0)
			strbuf_puts(&sb, ", ");
		strbuf_puts(&sb, order[i].name);
	}
	return sb.data;
}
