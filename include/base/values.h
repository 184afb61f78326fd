#ifndef INTEGRATIONS_VALUES_H
#define INTEGRATIONS_VALUES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Checks of caller-supplied scalars, done in C so that a bad value is a 400
 * with a path, never a database cast error.
 */

/*
 * ISO 8601 / RFC 3339 date-time with a zone: 2026-11-28T16:46:05(.123456)?(Z|+01:00), every
 * field in range, years 0001-9999, a zone offset within what PostgreSQL accepts (±15:59).
 */
bool value_is_timestamp(const char *s);
/*
 * A timestamptz as PostgreSQL writes it as text (DateStyle ISO), as list cursors carry it:
 * 2026-11-28 16:46:05(.123456)?+00(:00(:00)?)?, same ranges (AD years of four digits).
 */
bool value_is_pg_timestamp(const char *s);
/* A SemVer sort key as core.semver_key() (sql/003) writes it. */
bool value_is_semver_key(const char *s);
/* SemVer 2.0: MAJOR.MINOR.PATCH(-prerelease)?(+build)?, no leading zeros, numbers <= 20 digits. */
bool value_is_semver(const char *s);

/*
 * A non-negative integer in decimal that fits a bigint, as PostgreSQL writes one: "0" or 1 to
 * 18 digits without a leading zero (an events sequence, ?after of GET /api/events).
 */
bool value_is_natural(const char *s);

/* Whether len bytes of s are well-formed UTF-8 (shortest forms, no surrogates, <= U+10FFFF). */
bool value_is_utf8(const char *s, size_t len);

#endif
