/*
 * http/webhook_request: the address policy applied where libcurl opens its sockets (DNS
 * rebinding: the address connected to is judged, not the one checked at creation), https
 * only, and the retry schedule's jitter. Loopback only: nothing leaves the machine.
 */
#include "check_main.h"

#include <string.h>

#include "http/webhook_request.h"

/* Port 9 (discard) is closed on the test machines: a connection attempt is refused at once. */
#define CLOSED_LOOPBACK "https://127.0.0.1:9/hook"

static int attempt(const char *url, bool allow_private, char *err, size_t errlen, bool *refused)
{
	const struct webhook_options opts = { .timeout_s = 2, .allow_private = allow_private };
	struct webhook_request *r = webhook_request_new(&opts, url, "evt_0123", "1700000000",
							"v1,abc=", "{}");
	CURLcode code;
	int status;

	ck_assert_ptr_nonnull(r);
	code = curl_easy_perform(r->easy);
	status = webhook_request_outcome(r, code, err, errlen);
	*refused = r->refused;
	webhook_request_free(r);
	return status;
}

START_TEST(test_loopback_refused)
{
	char err[256];
	bool refused;

	ck_assert_int_eq(attempt(CLOSED_LOOPBACK, false, err, sizeof(err), &refused), 0);
	ck_assert(refused);
	ck_assert_str_eq(err, "address not allowed");
}
END_TEST

START_TEST(test_name_resolving_to_loopback_refused)
{
	char err[256];
	bool refused;

	/* localhost resolves to ::1 and 127.0.0.1: every address is refused. */
	ck_assert_int_eq(attempt("https://localhost:9/hook", false, err, sizeof(err), &refused), 0);
	ck_assert(refused);
	ck_assert_str_eq(err, "address not allowed");
}
END_TEST

START_TEST(test_loopback_allowed_when_private_allowed)
{
	char err[256];
	bool refused;

	/* The policy is off: the connection is attempted (and refused by the closed port). */
	ck_assert_int_eq(attempt(CLOSED_LOOPBACK, true, err, sizeof(err), &refused), 0);
	ck_assert(!refused);
	ck_assert_str_ne(err, "address not allowed");
	ck_assert_str_ne(err, "");
}
END_TEST

START_TEST(test_https_only)
{
	char err[256];
	bool refused;

	ck_assert_int_eq(attempt("http://127.0.0.1:9/hook", true, err, sizeof(err), &refused), 0);
	ck_assert_str_eq(err, "not an https URL");
}
END_TEST

START_TEST(test_retry_after)
{
	static const int schedule[] = { 5, 300 };

	ck_assert_double_eq_tol(webhook_retry_after(schedule, 2, 0, 0.0), 4.0, 1e-9);
	ck_assert_double_eq_tol(webhook_retry_after(schedule, 2, 0, 0.5), 5.0, 1e-9);
	ck_assert_double_eq_tol(webhook_retry_after(schedule, 2, 1, 0.999999), 360.0, 1e-3);
	ck_assert(webhook_retry_after(schedule, 2, 1, 0.0) >= 240.0);
	/* Exhausted: the third failure is final. */
	ck_assert(webhook_retry_after(schedule, 2, 2, 0.5) < 0);
	ck_assert(webhook_retry_after(schedule, 0, 0, 0.5) < 0);
}
END_TEST

static void curl_setup(void)
{
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
}

static void curl_teardown(void)
{
	curl_global_cleanup();
}

Suite *make_suite(void)
{
	Suite *s = suite_create("webhook_request");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, curl_setup, curl_teardown);
	tcase_add_test(tc, test_loopback_refused);
	tcase_add_test(tc, test_name_resolving_to_loopback_refused);
	tcase_add_test(tc, test_loopback_allowed_when_private_allowed);
	tcase_add_test(tc, test_https_only);
	tcase_add_test(tc, test_retry_after);
	suite_add_tcase(s, tc);
	return s;
}
