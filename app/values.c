#include "values.h"

#include <string.h>

static bool digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

bool value_is_timestamp(const char *s)
{
	int year, month, day, hour, minute, second, zh, zm, fraction = 0;

	if (!digits(&s, 4, &year) || !expect(&s, '-') || !digits(&s, 2, &month) ||
	    !expect(&s, '-') || !digits(&s, 2, &day) || (*s != 'T' && *s != 't'))
		return false;
	s++;
	if (!digits(&s, 2, &hour) || !expect(&s, ':') || !digits(&s, 2, &minute) ||
	    !expect(&s, ':') || !digits(&s, 2, &second))
		return false;
	if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
	    hour > 23 || minute > 59 || second > 59)
		return false;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9' && fraction < 9) {
			s++;
			fraction++;
		}
		if (fraction == 0 || (*s >= '0' && *s <= '9'))
			return false;
	}
	if (*s == 'Z' || *s == 'z')
		return s[1] == '\0';
	if (*s != '+' && *s != '-')
		return false;
	s++;
	return digits(&s, 2, &zh) && expect(&s, ':') && digits(&s, 2, &zm) && zh <= 23 &&
	       zm <= 59 && *s == '\0';
}

/* A numeric identifier: no leading zero, at most 20 digits (the sort key's width). */
static bool numeric(const char **p)
{
	const char *start = *p;

	while (**p >= '0' && **p <= '9')
		(*p)++;
	return *p > start && *p - start <= 20 && !(start[0] == '0' && *p - start > 1);
}

static bool ident_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-';
}

/* Dot-separated identifiers; pre-release numeric ones may not have leading zeros. */
static bool identifiers(const char **p, bool prerelease)
{
	for (;;) {
		const char *start = *p;
		bool all_digits = true;

		while (ident_char(**p)) {
			all_digits = all_digits && **p >= '0' && **p <= '9';
			(*p)++;
		}
		if (*p == start)
			return false;
		if (prerelease && all_digits && ((start[0] == '0' && *p - start > 1) || *p - start > 20))
			return false;
		if (**p != '.')
			return true;
		(*p)++;
	}
}

bool value_is_semver(const char *s)
{
	if (strlen(s) > 256)
		return false;
	if (!numeric(&s) || !expect(&s, '.') || !numeric(&s) || !expect(&s, '.') || !numeric(&s))
		return false;
	if (*s == '-') {
		s++;
		if (!identifiers(&s, true))
			return false;
	}
	if (*s == '+') {
		s++;
		if (!identifiers(&s, false))
			return false;
	}
	return *s == '\0';
}

bool value_is_utf8(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n, k;

		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if (u[i] >= 0xC2 && u[i] <= 0xDF) {
			n = 2;
			cp = u[i] & 0x1F;
		} else if (u[i] >= 0xE0 && u[i] <= 0xEF) {
			n = 3;
			cp = u[i] & 0x0F;
		} else if (u[i] >= 0xF0 && u[i] <= 0xF4) {
			n = 4;
			cp = u[i] & 0x07;
		} else {
			return false;
		}
		if (len - i < n)
			return false;
		for (k = 1; k < n; k++) {
			if ((u[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (u[i + k] & 0x3F);
		}
		if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		i += n;
	}
	return true;
}
