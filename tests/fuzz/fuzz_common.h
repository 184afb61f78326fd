/*
 * Helpers shared by the libFuzzer drivers in tests/fuzz/ (see tests/fuzz/README.md).
 * Header-only: each driver is one translation unit linked against every app/*.c but main.c.
 */
#ifndef INTEGRATIONS_FUZZ_COMMON_H
#define INTEGRATIONS_FUZZ_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A NUL-terminated heap copy of the input (inputs may contain NUL bytes: C strings stop there). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Splits s in place at the first n-1 newlines into n parts (missing parts are NULL).
 * Seeds are one part per line, so they stay readable.
 */
static inline void fuzz_split_lines(char *s, char **parts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		parts[i] = NULL;
	for (i = 0; i < n && s != NULL; i++) {
		char *nl = i + 1 < n ? strchr(s, '\n') : NULL;

		parts[i] = s;
		if (nl != NULL)
			*nl++ = '\0';
		s = nl;
	}
}

/* An invariant of the code under test does not hold: report it and crash, so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond, ...)                                                                     \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz invariant violated at %s:%d: %s\n  ", __FILE__,      \
				__LINE__, #cond);                                                  \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/*
 * The oracle for text the app accepted: well-formed UTF-8 as PostgreSQL's UTF8 encoding takes
 * it (shortest forms, no surrogates). Written apart from app/base/values.c on purpose.
 */
static inline bool fuzz_utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], cp, len, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			len = 2, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			len = 3, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			len = 4, cp = c & 0x07;
		else
			return false;
		if (i + len > n)
			return false;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		i += len;
	}
	return true;
}

#endif
