#include "base/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define ARENA_BLOCK_SIZE (64 * 1024)
#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t used;
	size_t size;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	void (*fn)(void *);
	void *ptr;
};

struct arena {
	struct arena_block *blocks;
	struct arena_cleanup *cleanups;
};

struct arena *arena_new(void)
{
	struct arena *a = xmalloc(sizeof(*a));

	a->blocks = NULL;
	a->cleanups = NULL;
	return a;
}

void arena_reset(struct arena *a)
{
	struct arena_cleanup *c = a->cleanups;
	struct arena_block *b;

	/* Cleanup records live in the blocks, so run them all before freeing any block. */
	for (; c != NULL; c = c->next)
		c->fn(c->ptr);
	a->cleanups = NULL;

	/* Keep one standard block: the common small request never mallocs again. */
	b = a->blocks;
	a->blocks = NULL;
	while (b != NULL) {
		struct arena_block *next = b->next;

		if (a->blocks == NULL && b->size == ARENA_BLOCK_SIZE) {
			b->next = NULL;
			b->used = 0;
			a->blocks = b;
		} else {
			free(b);
		}
		b = next;
	}
}

void arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	arena_reset(a);
	free(a->blocks);
	free(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b = a->blocks;
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

	if (need < size) {
		xalloc_die("arena_alloc: size overflow", size);
	}
	if (b == NULL || b->size - b->used < need) {
		size_t bsize = need > ARENA_BLOCK_SIZE / 4 ? need : ARENA_BLOCK_SIZE;

		b = xmalloc(sizeof(*b) + bsize);
		b->size = bsize;
		b->used = 0;
		/*
		 * A dedicated large block goes behind the current one so the
		 * current block's free space stays available.
		 */
		if (bsize != ARENA_BLOCK_SIZE && a->blocks != NULL) {
			b->next = a->blocks->next;
			a->blocks->next = b;
		} else {
			b->next = a->blocks;
			a->blocks = b;
		}
	}
	b->used += need;
	return b->data + b->used - need;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
	void *p;

	if (size != 0 && count > (size_t)-1 / size) {
		xalloc_die("arena_calloc: size overflow", size);
	}
	p = arena_alloc(a, count * size);
	memset(p, 0, count * size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		xalloc_die("arena_printf", 0);
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_defer(struct arena *a, void (*cleanup)(void *), void *ptr)
{
	struct arena_cleanup *c;

	if (ptr == NULL)
		return;
	c = arena_alloc(a, sizeof(*c));
	c->fn = cleanup;
	c->ptr = ptr;
	c->next = a->cleanups;
	a->cleanups = c;
}
