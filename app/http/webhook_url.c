#include "http/webhook_url.h"

#include <ctype.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/netaddr.h"

#define SCHEME "https://"

/* A host name: letters, digits, hyphens and dots (no percent-encoding, no IDN in Unicode). */
static bool is_host_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return false;
	return n > 0;
}

/* ":" then 1 to 5 digits naming 1..65535, or nothing. */
static bool is_port(const char *s, size_t n)
{
	size_t i;
	long port;

	if (n == 0)
		return true;
	if (s[0] != ':' || n < 2 || n > 6)
		return false;
	for (i = 1; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	port = strtol(s + 1, NULL, 10);
	return port >= 1 && port <= 65535;
}

/* Printable ASCII without spaces: what a URL is made of once percent-encoded. */
static bool is_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/*
 * Splits the authority of url into its host (without the brackets of an IPv6 literal).
 * Returns 0, or -1 with *why.
 */
static int url_host(const char *url, struct arena *a, const char **host, bool *literal,
		    const char **why)
{
	const char *auth = url + strlen(SCHEME), *close;
	size_t n = strcspn(auth, "/?"), h = strcspn(auth, ":/?");

	*literal = n > 0 && auth[0] == '[';
	close = *literal ? memchr(auth, ']', n) : NULL;
	if (memchr(auth, '@', n) != NULL) {
		*why = "must not carry userinfo (user:password@)";
		goto fail;
	}
	if (*literal) {
		if (close == NULL || !is_port(close + 1, n - (size_t)(close + 1 - auth))) {
			*why = "has a malformed host or port";
			goto fail;
		}
		*host = arena_strndup(a, auth + 1, (size_t)(close - auth - 1));
		return 0;
	}
	if (h == 0) {
		*why = "must name a host";
		goto fail;
	}
	if (!is_host_name(auth, h) || !is_port(auth + h, n - h)) {
		*why = "has a malformed host or port";
		goto fail;
	}
	*host = arena_strndup(a, auth, h);
	return 0;
fail:
	return -1;
}

/* Every address host resolves to is public (or allow_private): 0, else -1 with *why. */
static int host_addresses_ok(const char *host, bool literal, bool allow_private, struct arena *a,
			     const char **why)
{
	struct addrinfo hints, *res = NULL, *ai;
	char text[NI_MAXHOST];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = literal ? AI_NUMERICHOST : 0;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		*why = literal ? arena_printf(a, "has an invalid IP address %s", host)
			       : arena_printf(a, "has a host, %s, that does not resolve (%s)", host,
					      gai_strerror(rc));
		goto fail;
	}
	for (ai = res; ai != NULL && !allow_private; ai = ai->ai_next) {
		if (netaddr_is_public(ai->ai_addr))
			continue;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof(text), NULL, 0,
				NI_NUMERICHOST) != 0)
			strcpy(text, "?");
		*why = arena_printf(a,
				    "has a host, %s, that resolves to %s: not a public address "
				    "(loopback, private, link-local and other special-purpose "
				    "addresses are refused)",
				    host, text);
		goto fail;
	}
	freeaddrinfo(res);
	return 0;
fail:
	if (res != NULL)
		freeaddrinfo(res);
	return -1;
}

int webhook_url_check(const char *url, bool allow_private, struct arena *a, const char **why)
{
	const char *host;
	bool literal;

	if (strlen(url) > WEBHOOK_URL_MAX)
		*why = "must be at most 2048 characters";
	else if (strncmp(url, SCHEME, strlen(SCHEME)) != 0)
		*why = "must be an absolute https:// URL";
	else if (!is_printable(url))
		*why = "must be ASCII without spaces or control characters (percent-encode "
		       "them; an international host name in its xn-- form)";
	else if (strchr(url, '#') != NULL)
		*why = "must not have a fragment (#…)";
	else if (url_host(url, a, &host, &literal, why) == 0)
		return host_addresses_ok(host, literal, allow_private, a, why);
	return -1;
}
