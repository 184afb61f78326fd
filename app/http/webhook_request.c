#include "http/webhook_request.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/netaddr.h"
#include "base/xalloc.h"

/* The longest connect: a receiver that does not answer SYNs fails fast, the rest keeps time. */
#define WEBHOOK_CONNECT_TIMEOUT_S 5L

static size_t drop_response(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct webhook_request *r = userdata;
	size_t n = size * nmemb;

	(void)data;
	r->received += n;
	if (r->received > WEBHOOK_RESPONSE_CAP) {
		r->capped = true;
		return 0; /* stops the transfer: the status is all we need */
	}
	return n;
}

/*
 * Every connection libcurl opens comes through here, after its own name resolution: the
 * address policy is applied to the address actually connected to (DNS rebinding). A
 * connection reused from the cache was checked when it was opened.
 */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct webhook_request *r = clientp;

	(void)purpose;
	/* a->addr is the start of storage as large as the address (libcurl's sockaddr_ex). */
	if (!r->allow_private && !netaddr_is_public(&a->addr)) {
		r->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value)
{
	char line[512];
	struct curl_slist *grown;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	grown = curl_slist_append(list, line);
	if (grown == NULL)
		xalloc_die("a webhook header", strlen(line));
	return grown;
}

struct webhook_request *webhook_request_new(const struct webhook_options *opts, const char *url,
					    const char *webhook_id, const char *timestamp,
					    const char *signature, const char *body)
{
	struct webhook_request *r = xcalloc(1, sizeof(*r));
	CURL *e;
	bool bad = false; /* an option libcurl refused */

	r->easy = curl_easy_init();
	if (r->easy == NULL)
		xalloc_die("a curl handle", sizeof(*r));
	e = r->easy;
	r->body = xstrdup(body);
	r->timeout_s = opts->timeout_s;
	r->allow_private = opts->allow_private;
	/* A signature header holds two 47-byte signatures at most: 512 bytes are plenty. */
	r->headers = add_header(r->headers, "content-type", "application/json");
	r->headers = add_header(r->headers, "webhook-id", webhook_id);
	r->headers = add_header(r->headers, "webhook-timestamp", timestamp);
	r->headers = add_header(r->headers, "webhook-signature", signature);
	/* No "Expect: 100-continue" round trip before larger bodies. */
	r->headers = add_header(r->headers, "expect", "");
	bad |= curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	/* Never a proxy from the environment: the policy applies to the receiver itself. */
	bad |= curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_POST, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->body)) !=
	       CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, WEBHOOK_USER_AGENT) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT, opts->timeout_s) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
				opts->timeout_s < WEBHOOK_CONNECT_TIMEOUT_S
					? opts->timeout_s
					: WEBHOOK_CONNECT_TIMEOUT_S) != CURLE_OK;
	/* Timeouts without SIGALRM: the process's signals are the supervisor's. */
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, r) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, drop_response) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, r) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->error) != CURLE_OK;
	if (opts->ca_file != NULL)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, opts->ca_file) != CURLE_OK;
	if (bad)
		goto fail;
	return r;
fail:
	webhook_request_free(r);
	return NULL;
}

int webhook_request_outcome(struct webhook_request *r, CURLcode code, char *err, size_t errlen)
{
	long status = 0;

	err[0] = '\0';
	if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && r->capped))
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status <= 299)
		return (int)status;
	if (status >= 300 && status <= 399)
		snprintf(err, errlen, "redirect not followed");
	else if (status > 0)
		snprintf(err, errlen, "the receiver answered %ld", status);
	else if (r->refused)
		snprintf(err, errlen, "address not allowed");
	else if (code == CURLE_OPERATION_TIMEDOUT)
		snprintf(err, errlen, "timeout after %ld s", r->timeout_s);
	else if (code == CURLE_UNSUPPORTED_PROTOCOL)
		snprintf(err, errlen, "not an https URL");
	else
		snprintf(err, errlen, "%s",
			 r->error[0] != '\0' ? r->error : curl_easy_strerror(code));
	return (int)status;
}

void webhook_request_free(struct webhook_request *r)
{
	if (r == NULL)
		return;
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	free(r->body);
	free(r);
}

double webhook_retry_after(const int *schedule, int n, int attempts, double u)
{
	if (attempts < 0 || attempts >= n)
		return -1;
	return schedule[attempts] * (0.8 + 0.4 * u);
}
