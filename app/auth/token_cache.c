#include "auth/token_cache.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "auth/auth.h"

#define TOKEN_CACHE_SLOTS 256

struct entry {
	char *token;
	char *sub;
	char *json;
	char *workspace_array;
	int64_t exp;
	int64_t nbf;
};

static struct entry slots[TOKEN_CACHE_SLOTS];

static size_t slot_of(const char *token)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *token != '\0'; token++) {
		h ^= (unsigned char)*token;
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h % TOKEN_CACHE_SLOTS);
}

static void entry_clear(struct entry *e)
{
	free(e->token);
	free(e->sub);
	free(e->json);
	free(e->workspace_array);
	memset(e, 0, sizeof(*e));
}

int token_cache_get(const char *token, time_t now, struct arena *a, struct caller *out)
{
	struct entry *e = &slots[slot_of(token)];

	if (e->token == NULL || strcmp(e->token, token) != 0)
		return -1;
	if ((int64_t)now - AUTH_LEEWAY_SECONDS > e->exp) {
		entry_clear(e);
		return -1;
	}
	if (e->nbf - AUTH_LEEWAY_SECONDS > (int64_t)now)
		return -1;
	out->sub = arena_strdup(a, e->sub);
	out->json = arena_strdup(a, e->json);
	out->workspace_array = arena_strdup(a, e->workspace_array);
	return 0;
}

void token_cache_put(const char *token, const struct caller *caller, int64_t exp, int64_t nbf)
{
	struct entry *e = &slots[slot_of(token)];

	entry_clear(e);
	e->token = xstrdup(token);
	e->sub = xstrdup(caller->sub);
	e->json = xstrdup(caller->json);
	e->workspace_array = xstrdup(caller->workspace_array);
	e->exp = exp;
	e->nbf = nbf;
}

void token_cache_clear(void)
{
	size_t i;

	for (i = 0; i < TOKEN_CACHE_SLOTS; i++)
		entry_clear(&slots[i]);
}
