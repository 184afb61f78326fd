#include "base/fingerprint.h"

#include <stdint.h>

const char *fingerprint_hex(struct arena *a, const char *const *parts, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)(parts[i] != NULL ? parts[i] : "");

		for (; *p != '\0'; p++) {
			h ^= *p;
			h *= 0x100000001b3ULL;
		}
		/* A separator that cannot occur in the parts keeps ("ab","c") apart from ("a","bc"). */
		h ^= 0xff;
		h *= 0x100000001b3ULL;
	}
	return arena_printf(a, "%016llx", (unsigned long long)h);
}
