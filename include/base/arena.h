#ifndef INTEGRATIONS_ARENA_H
#define INTEGRATIONS_ARENA_H

#include <stddef.h>

/*
 * A request arena: every allocation made while serving one request comes from
 * here and is released at once by arena_reset(). Objects owned by libraries
 * (PGresult, json_object, jwt_t) are handed over with arena_defer(), whose
 * cleanups run in reverse order at reset. Out of memory aborts the worker; the
 * supervisor starts a new one.
 */
struct arena;

struct arena *arena_new(void);
/* Runs the deferred cleanups, frees every block; the arena stays usable. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

void *arena_alloc(struct arena *a, size_t size);
void *arena_calloc(struct arena *a, size_t count, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* At arena_reset(), cleanup(ptr) is called. ptr may be NULL (nothing runs). */
void arena_defer(struct arena *a, void (*cleanup)(void *), void *ptr);

#endif
