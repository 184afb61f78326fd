#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "base/config.h"

#define SECRET "a-jwt-secret-of-more-than-32-bytes-0123456789"
#define CURSOR_KEY "a-cursor-key-of-more-than-32-bytes-0123456789"

static const char *const vars[] = {
	"INTEGRATIONS_ENV", "INTEGRATIONS_JWT_SECRET", "INTEGRATIONS_JWT_SECRET_FILE",
	"INTEGRATIONS_JWT_KEYS", "INTEGRATIONS_CURSOR_KEY", "INTEGRATIONS_CURSOR_KEY_FILE",
	/* webhook delivery: the dev stack's .dev/env sets them, the tests start without */
	"INTEGRATIONS_DELIVERERS", "INTEGRATIONS_WEBHOOK_TIMEOUT", "INTEGRATIONS_WEBHOOK_LEASE",
	"INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE", "INTEGRATIONS_WEBHOOK_CA_FILE",
	"INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE"
};

/* A clean environment: production, HS256 with a strong secret, and a strong cursor key. */
static void setup(void)
{
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	setenv("INTEGRATIONS_ENV", "production", 1);
	setenv("INTEGRATIONS_JWT_SECRET", SECRET, 1);
	setenv("INTEGRATIONS_CURSOR_KEY", CURSOR_KEY, 1);
}

/* config_load's result; err gets the sentence; cfg is always freed. */
static int load(char *err, size_t errlen)
{
	struct config cfg;
	int rc;

	err[0] = '\0';
	rc = config_load(&cfg, err, errlen);
	config_free(&cfg);
	return rc;
}

static const char *fixture(const char *name)
{
	static char path[4096];
	const char *srcdir = getenv("srcdir");

	snprintf(path, sizeof(path), "%s/tests/unit/fixtures/%s",
		 srcdir != NULL && *srcdir != '\0' ? srcdir : ".", name);
	return path;
}

START_TEST(strong_key_accepted)
{
	struct config cfg;
	char err[256];

	ck_assert_int_eq(config_load(&cfg, err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.cursor_key_len, strlen(CURSOR_KEY));
	ck_assert_mem_eq(cfg.cursor_key, CURSOR_KEY, strlen(CURSOR_KEY));
	config_free(&cfg);
}
END_TEST

START_TEST(missing_key_refused_in_every_mode)
{
	char err[256];

	unsetenv("INTEGRATIONS_CURSOR_KEY");
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "INTEGRATIONS_CURSOR_KEY"));
	/* Development too: no derivation from the JWT secret any more. */
	setenv("INTEGRATIONS_ENV", "development", 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "INTEGRATIONS_CURSOR_KEY"));
}
END_TEST

START_TEST(empty_key_refused)
{
	char err[256];

	setenv("INTEGRATIONS_CURSOR_KEY", "", 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	setenv("INTEGRATIONS_ENV", "development", 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
}
END_TEST

START_TEST(short_or_dev_key_refused_in_production)
{
	char err[256];

	setenv("INTEGRATIONS_CURSOR_KEY", "0123456789abcdef0123456789abcde", 1); /* 31 bytes */
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "32"));
	setenv("INTEGRATIONS_CURSOR_KEY", "dev-0123456789abcdef0123456789abcdef", 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	setenv("INTEGRATIONS_CURSOR_KEY", "0123456789abcdef0123456789abcdef", 1); /* 32 bytes */
	ck_assert_int_eq(load(err, sizeof(err)), 0);
	/* Development accepts a short key: the dev stack generates a long one anyway. */
	setenv("INTEGRATIONS_ENV", "development", 1);
	setenv("INTEGRATIONS_CURSOR_KEY", "short", 1);
	ck_assert_int_eq(load(err, sizeof(err)), 0);
}
END_TEST

START_TEST(key_never_the_jwt_secret)
{
	struct config cfg;
	char err[256];

	setenv("INTEGRATIONS_CURSOR_KEY", SECRET, 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "JWT secret"));
	setenv("INTEGRATIONS_ENV", "development", 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	/* With its own key, the cursor key is that key and not the secret. */
	setenv("INTEGRATIONS_CURSOR_KEY", "k", 1);
	ck_assert_int_eq(config_load(&cfg, err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.cursor_key_len, 1);
	ck_assert_mem_ne(cfg.cursor_key, cfg.hs256_secret, 1);
	config_free(&cfg);
}
END_TEST

START_TEST(key_never_public_key_material)
{
	char err[256];
	char spec[4200];
	FILE *f = fopen(fixture("rs256-public.pem"), "rb");
	char pem[4096];
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(pem, 1, sizeof(pem) - 1, f);
	fclose(f);
	pem[n] = '\0';
	unsetenv("INTEGRATIONS_JWT_SECRET");
	snprintf(spec, sizeof(spec), "k1:RS256:%s", fixture("rs256-public.pem"));
	setenv("INTEGRATIONS_JWT_KEYS", spec, 1);
	/* The old fallback: no cursor key and a PEM public key configured. */
	unsetenv("INTEGRATIONS_CURSOR_KEY");
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	setenv("INTEGRATIONS_ENV", "development", 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	/* The PEM itself, as a value or as a key file. */
	setenv("INTEGRATIONS_ENV", "production", 1);
	setenv("INTEGRATIONS_CURSOR_KEY", pem, 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "PEM"));
	unsetenv("INTEGRATIONS_CURSOR_KEY");
	setenv("INTEGRATIONS_CURSOR_KEY_FILE", fixture("rs256-public.pem"), 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "PEM"));
}
END_TEST

START_TEST(key_file_newline_stripped)
{
	struct config cfg;
	char err[256];
	char path[] = "/tmp/test_config_keyXXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, CURSOR_KEY "\n", strlen(CURSOR_KEY) + 1),
			 (ssize_t)strlen(CURSOR_KEY) + 1);
	close(fd);
	unsetenv("INTEGRATIONS_CURSOR_KEY");
	setenv("INTEGRATIONS_CURSOR_KEY_FILE", path, 1);
	ck_assert_int_eq(config_load(&cfg, err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.cursor_key_len, strlen(CURSOR_KEY));
	ck_assert_mem_eq(cfg.cursor_key, CURSOR_KEY, strlen(CURSOR_KEY));
	config_free(&cfg);
	/* A file holding only a newline is an empty key. */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, "\n", 1), 1);
	close(fd);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	/* Both settings at once is ambiguous. */
	setenv("INTEGRATIONS_CURSOR_KEY", CURSOR_KEY, 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	unlink(path);
	unsetenv("INTEGRATIONS_CURSOR_KEY_FILE");
	setenv("INTEGRATIONS_CURSOR_KEY_FILE", "/nonexistent/cursor.key", 1);
	unsetenv("INTEGRATIONS_CURSOR_KEY");
	ck_assert_int_eq(load(err, sizeof(err)), -1);
}
END_TEST

START_TEST(webhook_defaults)
{
	static const int schedule[] = { 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 72000 };
	struct config cfg;
	char err[256];
	int i, sum = 0;

	ck_assert_int_eq(config_load(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.deliverers, 1);
	ck_assert_int_eq(cfg.webhook_timeout, 10);
	ck_assert_int_eq(cfg.webhook_lease, 30);
	ck_assert_int_eq(cfg.webhook_allow_private, 0);
	ck_assert_ptr_null(cfg.webhook_ca_file);
	ck_assert_int_eq(cfg.webhook_retries, 9);
	for (i = 0; i < cfg.webhook_retries; i++) {
		ck_assert_int_eq(cfg.webhook_retry_schedule[i], schedule[i]);
		sum += cfg.webhook_retry_schedule[i];
	}
	/* about three days, as PRODUCT §15 says (docs/operations.md: 257,705 s) */
	ck_assert_int_eq(sum, 257705);
	config_free(&cfg);
}
END_TEST

START_TEST(webhook_schedule_parsed)
{
	struct config cfg;
	char err[256];

	setenv("INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE", "1,1,2", 1);
	ck_assert_int_eq(config_load(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.webhook_retries, 3);
	ck_assert_int_eq(cfg.webhook_retry_schedule[2], 2);
	config_free(&cfg);
	/* empty: no retry at all */
	setenv("INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE", "", 1);
	ck_assert_int_eq(config_load(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.webhook_retries, 0);
	config_free(&cfg);
}
END_TEST

START_TEST(webhook_bad_schedules_refused)
{
	static const char *const bad[] = {
		"1,,2", "1,2,",
		",1",   "0",
		"-5",   "1.5",
		"5 s",  "604801",
		"x",    "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1",
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE", bad[i], 1);
		ck_assert_msg(load(err, sizeof(err)) == -1, "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE"));
	}
}
END_TEST

START_TEST(webhook_lease_longer_than_timeout)
{
	char err[256];

	setenv("INTEGRATIONS_WEBHOOK_TIMEOUT", "10", 1);
	setenv("INTEGRATIONS_WEBHOOK_LEASE", "11", 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "INTEGRATIONS_WEBHOOK_LEASE"));
	setenv("INTEGRATIONS_WEBHOOK_LEASE", "12", 1);
	ck_assert_int_eq(load(err, sizeof(err)), 0);
	setenv("INTEGRATIONS_WEBHOOK_TIMEOUT", "61", 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
}
END_TEST

START_TEST(webhook_private_addresses_development_only)
{
	char err[256];

	setenv("INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE", "1", 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE"));
	setenv("INTEGRATIONS_ENV", "development", 1);
	ck_assert_int_eq(load(err, sizeof(err)), 0);
	setenv("INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE", "yes", 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
}
END_TEST

START_TEST(webhook_ca_file_must_be_readable)
{
	char err[256];

	setenv("INTEGRATIONS_WEBHOOK_CA_FILE", "/nonexistent/ca.pem", 1);
	ck_assert_int_eq(load(err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "INTEGRATIONS_WEBHOOK_CA_FILE"));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("cursor_key");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, strong_key_accepted);
	tcase_add_test(tc, missing_key_refused_in_every_mode);
	tcase_add_test(tc, empty_key_refused);
	tcase_add_test(tc, short_or_dev_key_refused_in_production);
	tcase_add_test(tc, key_never_the_jwt_secret);
	tcase_add_test(tc, key_never_public_key_material);
	tcase_add_test(tc, key_file_newline_stripped);
	suite_add_tcase(s, tc);
	tc = tcase_create("webhooks");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, webhook_defaults);
	tcase_add_test(tc, webhook_schedule_parsed);
	tcase_add_test(tc, webhook_bad_schedules_refused);
	tcase_add_test(tc, webhook_lease_longer_than_timeout);
	tcase_add_test(tc, webhook_private_addresses_development_only);
	tcase_add_test(tc, webhook_ca_file_must_be_readable);
	suite_add_tcase(s, tc);
	return s;
}
