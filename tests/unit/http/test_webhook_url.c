/*
 * Webhook URLs (http/webhook_url.c, PRODUCT §15) with the address check on, as in production:
 * the shape rules, and that loopback, private, link-local and other special-purpose targets
 * are refused however they are spelled. IP literals and localhost (/etc/hosts) need no DNS.
 */
#include <string.h>

#include "check_main.h"

#include "http/webhook_url.h"

static struct arena *a;
static const char *why;

static void setup(void)
{
	a = arena_new();
	why = NULL;
}

static void teardown(void)
{
	arena_free(a);
}

/* url is refused with the address check on, and why contains expect. */
#define ck_refused(url, expect)                                                                    \
	do {                                                                                       \
		why = NULL;                                                                        \
		ck_assert_int_eq(webhook_url_check((url), false, a, &why), -1);                    \
		ck_assert_ptr_nonnull(why);                                                        \
		ck_assert_msg(strstr(why, (expect)) != NULL, "%s: %s", (url), why);                \
	} while (0)

#define ck_accepted(url, allow_private)                                                            \
	do {                                                                                       \
		why = NULL;                                                                        \
		ck_assert_msg(webhook_url_check((url), (allow_private), a, &why) == 0, "%s: %s",   \
			      (url), why != NULL ? why : "");                                      \
	} while (0)

START_TEST(public_literals_accepted)
{
	ck_accepted("https://93.184.216.34/hooks", false);
	ck_accepted("https://93.184.216.34:8443/hooks?x=1", false);
	ck_accepted("https://[2606:4700:4700::1111]/hooks", false);
	ck_accepted("https://[2606:4700:4700::1111]:443", false);
	ck_accepted("https://1.1.1.1", false);
}
END_TEST

START_TEST(shape_rules)
{
	char long_url[WEBHOOK_URL_MAX + 2];

	ck_refused("http://93.184.216.34/", "https://");
	ck_refused("HTTPS://93.184.216.34/", "https://");
	ck_refused("ftp://93.184.216.34/", "https://");
	ck_refused("//93.184.216.34/", "https://");
	ck_refused("/relative/path", "https://");
	ck_refused("https://", "host");
	ck_refused("https:///path", "host");
	ck_refused("https://:443/", "host");
	ck_refused("https://user:pw@93.184.216.34/", "userinfo");
	ck_refused("https://user@93.184.216.34/", "userinfo");
	ck_refused("https://93.184.216.34/#frag", "fragment");
	ck_refused("https://93.184.216.34/a b", "spaces");
	ck_refused("https://93.184.216.34/\x01", "control");
	ck_refused("https://b\xc3\xbc"
		   "cher.example/",
		   "xn--");
	ck_refused("https://93.184.216.34:0/", "port");
	ck_refused("https://93.184.216.34:65536/", "port");
	ck_refused("https://93.184.216.34:12a/", "port");
	ck_refused("https://ex_ample.com/", "malformed host");
	ck_refused("https://[::1/", "malformed host");
	ck_refused("https://[zz::1]/", "invalid IP address");
	memset(long_url, 'a', sizeof(long_url) - 1);
	memcpy(long_url, "https://93.184.216.34/", strlen("https://93.184.216.34/"));
	long_url[sizeof(long_url) - 1] = '\0';
	ck_refused(long_url, "2048");
	long_url[WEBHOOK_URL_MAX] = '\0';
	ck_accepted(long_url, false);
}
END_TEST

START_TEST(private_targets_refused)
{
	ck_refused("https://127.0.0.1/", "127.0.0.1");
	ck_refused("https://127.0.0.1:8443/hook", "not a public address");
	ck_refused("https://localhost/", "resolves to 127.0.0.1");
	ck_refused("https://10.1.2.3/", "10.1.2.3");
	ck_refused("https://172.16.0.1/", "172.16.0.1");
	ck_refused("https://192.168.1.1/", "192.168.1.1");
	ck_refused("https://169.254.169.254/latest/meta-data", "169.254.169.254");
	ck_refused("https://100.64.0.1/", "100.64.0.1");
	ck_refused("https://0.0.0.0/", "0.0.0.0");
	ck_refused("https://[::1]/", "::1");
	ck_refused("https://[fe80::1]/", "fe80::1");
	ck_refused("https://[fd00::1]/", "fd00::1");
	ck_refused("https://[::ffff:127.0.0.1]/", "not a public address");
	/* Other spellings of 127.0.0.1 that the resolver accepts are judged by the address. */
	ck_refused("https://2130706433/", "127.0.0.1");
	ck_refused("https://0x7f.1/", "127.0.0.1");
}
END_TEST

START_TEST(unresolvable_host_refused)
{
	ck_refused("https://no-such-host.invalid/", "does not resolve");
}
END_TEST

/* INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE=1: private targets pass, the shape rules still hold. */
START_TEST(allow_private)
{
	ck_accepted("https://127.0.0.1:9443/", true);
	ck_accepted("https://localhost/", true);
	ck_accepted("https://[::1]/", true);
	ck_accepted("https://10.0.0.1/", true);
	ck_assert_int_eq(webhook_url_check("http://127.0.0.1/", true, a, &why), -1);
	ck_assert_int_eq(webhook_url_check("https://no-such-host.invalid/", true, a, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "does not resolve"));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("webhook_url");
	TCase *tc = tcase_create("webhook_url");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, public_literals_accepted);
	tcase_add_test(tc, shape_rules);
	tcase_add_test(tc, private_targets_refused);
	tcase_add_test(tc, unresolvable_host_refused);
	tcase_add_test(tc, allow_private);
	suite_add_tcase(s, tc);
	return s;
}
