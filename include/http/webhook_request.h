#ifndef INTEGRATIONS_WEBHOOK_REQUEST_H
#define INTEGRATIONS_WEBHOOK_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

/*
 * One webhook attempt as a libcurl easy handle (PRODUCT §15, Standard Webhooks 1.0): a POST
 * of the signed body with content-type application/json, webhook-id, webhook-timestamp and
 * webhook-signature; https only, no redirect followed, no proxy, a total timeout, the response
 * body read and dropped (at most WEBHOOK_RESPONSE_CAP bytes), and every address it connects
 * to checked by netaddr_is_public (unless private addresses are allowed): the DNS answer at
 * delivery time may differ from the one checked when the endpoint was created.
 */

#define WEBHOOK_RESPONSE_CAP (64 * 1024)
#define WEBHOOK_USER_AGENT "integrations-webhooks/1.0"

struct webhook_options {
	long timeout_s; /* the whole attempt: connect, TLS, request, answer */
	bool allow_private; /* development and tests: loopback and private receivers */
	const char *ca_file; /* NULL: the system's CA certificates */
};

struct webhook_request {
	CURL *easy;
	struct curl_slist *headers;
	char *body; /* sent from here (CURLOPT_POSTFIELDS does not copy) */
	size_t received; /* response bytes read and dropped */
	bool capped; /* the answer was longer than WEBHOOK_RESPONSE_CAP: stopped reading */
	bool refused; /* an address was refused by the policy */
	bool allow_private; /* the policy is off (webhook_options.allow_private) */
	long timeout_s;
	char error[CURL_ERROR_SIZE];
};

/*
 * A request ready for curl_easy_perform or a multi handle (CURLOPT_PRIVATE is left to the
 * caller). NULL when libcurl refuses an option (an old libcurl). Free with
 * webhook_request_free.
 */
struct webhook_request *webhook_request_new(const struct webhook_options *opts, const char *url,
					    const char *webhook_id, const char *timestamp,
					    const char *signature, const char *body);

/*
 * The outcome of a finished transfer (code: its CURLcode): the receiver's HTTP status (0: no
 * answer) and in err (errlen bytes) why it failed, empty when it was a 2xx. A 3xx is a failure
 * ("redirect not followed"); an answer longer than the cap still counts by its status.
 */
int webhook_request_outcome(struct webhook_request *r, CURLcode code, char *err, size_t errlen);

void webhook_request_free(struct webhook_request *r);

/*
 * Seconds until the next attempt after a failed one when attempts were already recorded
 * before it: schedule[attempts] scaled by a jitter of ±20% (u: uniform in [0, 1)), so that
 * the deliveries of one outage are not all retried at the same instant. -1 when the schedule
 * (n retries) is exhausted: the delivery has failed.
 */
double webhook_retry_after(const int *schedule, int n, int attempts, double u);

#endif
