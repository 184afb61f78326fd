#include "base/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"

#define MAX_KEY_FILE_SIZE (64 * 1024)

static char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0')
		v = fallback;
	return v == NULL ? NULL : xstrdup(v);
}

/* Reads a whole small file; *len excludes the NUL terminator we add. */
static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = xmalloc(MAX_KEY_FILE_SIZE + 1);
	n = fread(buf, 1, MAX_KEY_FILE_SIZE + 1, f);
	if (ferror(f) || n > MAX_KEY_FILE_SIZE)
		goto fail;
	buf[n] = '\0';
	*len = n;
	fclose(f);
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

static int load_secret(struct config *cfg, char *err, size_t errlen)
{
	const char *secret = getenv("INTEGRATIONS_JWT_SECRET");
	const char *file = getenv("INTEGRATIONS_JWT_SECRET_FILE");

	if (secret != NULL && *secret != '\0') {
		cfg->hs256_secret = (unsigned char *)xstrdup(secret);
		cfg->hs256_secret_len = strlen(secret);
	} else if (file != NULL && *file != '\0') {
		cfg->hs256_secret = read_file(file, &cfg->hs256_secret_len);
		if (cfg->hs256_secret == NULL) {
			snprintf(err, errlen, "cannot read INTEGRATIONS_JWT_SECRET_FILE %s", file);
			return -1;
		}
		/* Editors and `echo` leave a newline that is not part of the secret. */
		while (cfg->hs256_secret_len > 0 &&
		       (cfg->hs256_secret[cfg->hs256_secret_len - 1] == '\n' ||
			cfg->hs256_secret[cfg->hs256_secret_len - 1] == '\r'))
			cfg->hs256_secret[--cfg->hs256_secret_len] = '\0';
	}
	if (cfg->hs256_secret != NULL && cfg->hs256_secret_len == 0) {
		snprintf(err, errlen, "the HS256 secret is empty");
		return -1;
	}
	return 0;
}

/* Parses "kid:ALG:/path.pem,kid2:ALG:/path2.pem". */
static int load_keys(struct config *cfg, char *err, size_t errlen)
{
	const char *spec = getenv("INTEGRATIONS_JWT_KEYS");
	char *copy, *entry, *save = NULL;
	int rc = -1;

	if (spec == NULL || *spec == '\0')
		return 0;
	copy = xstrdup(spec);
	for (entry = strtok_r(copy, ",", &save); entry != NULL;
	     entry = strtok_r(NULL, ",", &save)) {
		char *alg = strchr(entry, ':');
		char *path = alg != NULL ? strchr(alg + 1, ':') : NULL;
		struct jwt_public_key *k;

		if (path == NULL || alg == entry) {
			snprintf(err, errlen,
				 "INTEGRATIONS_JWT_KEYS entry '%s' is not kid:ALG:path", entry);
			goto out;
		}
		if (cfg->n_keys == CONFIG_MAX_KEYS) {
			snprintf(err, errlen, "INTEGRATIONS_JWT_KEYS has more than %d keys",
				 CONFIG_MAX_KEYS);
			goto out;
		}
		*alg++ = '\0';
		*path++ = '\0';
		k = &cfg->keys[cfg->n_keys];
		if (strcmp(alg, "RS256") == 0) {
			k->alg = JWT_KEY_RS256;
		} else if (strcmp(alg, "ES256") == 0) {
			k->alg = JWT_KEY_ES256;
		} else {
			snprintf(err, errlen, "key '%s': algorithm %s is not RS256 or ES256", entry,
				 alg);
			goto out;
		}
		k->pem = read_file(path, &k->pem_len);
		if (k->pem == NULL || strstr((char *)k->pem, "PUBLIC KEY-----") == NULL) {
			free(k->pem);
			k->pem = NULL;
			snprintf(err, errlen, "key '%s': %s is not a readable PEM public key",
				 entry, path);
			goto out;
		}
		k->kid = xstrdup(entry);
		cfg->n_keys++;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/*
 * The HMAC key of list cursors, from its own setting only: a key derived from
 * the JWT secret would be shared with tokens, one derived from a public key
 * PEM would be known to everyone (anyone could forge cursors).
 */
static int load_cursor_key(struct config *cfg, char *err, size_t errlen)
{
	const char *key = getenv("INTEGRATIONS_CURSOR_KEY");
	const char *file = getenv("INTEGRATIONS_CURSOR_KEY_FILE");
	size_t i;

	if (key != NULL && file != NULL) {
		snprintf(err, errlen,
			 "set INTEGRATIONS_CURSOR_KEY or INTEGRATIONS_CURSOR_KEY_FILE, "
			 "not both");
		return -1;
	}
	if (key != NULL) {
		cfg->cursor_key = (unsigned char *)xstrdup(key);
		cfg->cursor_key_len = strlen(key);
	} else if (file != NULL) {
		cfg->cursor_key = read_file(file, &cfg->cursor_key_len);
		if (cfg->cursor_key == NULL) {
			snprintf(err, errlen, "cannot read INTEGRATIONS_CURSOR_KEY_FILE %s", file);
			return -1;
		}
		while (cfg->cursor_key_len > 0 &&
		       (cfg->cursor_key[cfg->cursor_key_len - 1] == '\n' ||
			cfg->cursor_key[cfg->cursor_key_len - 1] == '\r'))
			cfg->cursor_key[--cfg->cursor_key_len] = '\0';
	} else {
		snprintf(err, errlen,
			 "INTEGRATIONS_CURSOR_KEY (or INTEGRATIONS_CURSOR_KEY_FILE) is not "
			 "set: list cursors need a key of their own");
		return -1;
	}
	if (cfg->cursor_key_len == 0 || strlen((char *)cfg->cursor_key) != cfg->cursor_key_len) {
		snprintf(err, errlen, "the cursor key is empty or contains a NUL byte");
		return -1;
	}
	if (cfg->hs256_secret != NULL && cfg->hs256_secret_len == cfg->cursor_key_len &&
	    memcmp(cfg->hs256_secret, cfg->cursor_key, cfg->cursor_key_len) == 0) {
		snprintf(err, errlen, "the cursor key must not be the JWT secret");
		return -1;
	}
	for (i = 0; i <= cfg->n_keys; i++) {
		if (i == cfg->n_keys ? strstr((char *)cfg->cursor_key, "-----BEGIN") != NULL
				     : cfg->cursor_key_len >= 16 &&
					       strstr((char *)cfg->keys[i].pem,
						      (char *)cfg->cursor_key) != NULL) {
			snprintf(err, errlen, "the cursor key must not be (part of) a PEM key");
			return -1;
		}
	}
	return 0;
}

static int parse_int_env(const char *name, int fallback, int min, int max, int base, int *out,
			 char *err, size_t errlen)
{
	const char *v = getenv(name);
	char *end;
	long n;

	*out = fallback;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtol(v, &end, base);
	if (errno != 0 || *end != '\0' || n < min || n > max) {
		snprintf(err, errlen, "%s must be a number from %d to %d", name, min, max);
		return -1;
	}
	*out = (int)n;
	return 0;
}

static int check_production(const struct config *cfg, char *err, size_t errlen)
{
	if (!cfg->production)
		return 0;
	if (cfg->hs256_secret != NULL &&
	    (cfg->hs256_secret_len < 32 || strncmp((char *)cfg->hs256_secret, "dev-", 4) == 0)) {
		snprintf(err, errlen,
			 "production refuses a development HS256 secret "
			 "(shorter than 32 bytes or starting with dev-)");
		return -1;
	}
	if (cfg->cursor_key_len < CONFIG_MIN_CURSOR_KEY ||
	    strncmp((char *)cfg->cursor_key, "dev-", 4) == 0) {
		snprintf(err, errlen,
			 "production refuses a cursor key shorter than %d bytes or "
			 "starting with dev- (INTEGRATIONS_CURSOR_KEY)",
			 CONFIG_MIN_CURSOR_KEY);
		return -1;
	}
	return 0;
}

/*
 * Rollout job runners: INTEGRATIONS_ROLE api (default: workers, and INTEGRATIONS_RUNNERS
 * runners beside them, default 1) or runner (runners only, default 1 of them);
 * INTEGRATIONS_RUNNER_LEASE seconds (default 30); INTEGRATIONS_RUNNER_RATE, the most jobs a
 * second each runner starts on average (default 0: as fast as it can).
 */
static int load_runners(struct config *cfg, char *err, size_t errlen)
{
	const char *role = getenv("INTEGRATIONS_ROLE");

	if (role != NULL && *role != '\0' && strcmp(role, "api") != 0 &&
	    strcmp(role, "runner") != 0) {
		snprintf(err, errlen, "INTEGRATIONS_ROLE must be api or runner");
		return -1;
	}
	cfg->runner_only = role != NULL && strcmp(role, "runner") == 0;
	if (parse_int_env("INTEGRATIONS_RUNNERS", 1, cfg->runner_only ? 1 : 0, 64, 10,
			  &cfg->runners, err, errlen) < 0 ||
	    parse_int_env("INTEGRATIONS_RUNNER_LEASE", 30, 2, 3600, 10, &cfg->runner_lease, err,
			  errlen) < 0 ||
	    parse_int_env("INTEGRATIONS_RUNNER_RATE", 0, 0, 10000, 10, &cfg->runner_rate, err,
			  errlen) < 0)
		return -1;
	if (cfg->runner_only)
		cfg->workers = 0;
	return 0;
}

/*
 * About three days of retries (sum 257,705 s ≈ 71.6 h, ±20% jitter each) over 9 retries,
 * 10 attempts in all: exponential at first, then every 20 h once a receiver has been down
 * for most of a day.
 */
#define WEBHOOK_RETRY_SCHEDULE_DEFAULT "5,300,1800,7200,18000,36000,50400,72000,72000"

/* "5,300,1800": seconds, each 1 to 7 days; at most CONFIG_WEBHOOK_MAX_RETRIES; "" none. */
static int parse_retry_schedule(struct config *cfg, const char *spec, char *err, size_t errlen)
{
	const char *p = spec;

	cfg->webhook_retries = 0;
	while (*p != '\0') {
		char *end;
		long n;

		errno = 0;
		n = strtol(p, &end, 10);
		if (errno != 0 || end == p || n < 1 || n > 7 * 86400 ||
		    (*end != ',' && *end != '\0') ||
		    cfg->webhook_retries == CONFIG_WEBHOOK_MAX_RETRIES) {
			snprintf(err, errlen,
				 "INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE must be a comma-separated "
				 "list of at most %d delays in seconds, each from 1 to 604800",
				 CONFIG_WEBHOOK_MAX_RETRIES);
			return -1;
		}
		cfg->webhook_retry_schedule[cfg->webhook_retries++] = (int)n;
		p = *end == ',' ? end + 1 : end;
		if (*end == ',' && *p == '\0') {
			snprintf(err, errlen,
				 "INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE ends with a comma");
			return -1;
		}
	}
	return 0;
}

/*
 * INTEGRATIONS_DELIVERERS (default 1, 0 to 64) delivery processes, in either role;
 * INTEGRATIONS_WEBHOOK_TIMEOUT seconds an attempt may take (default 10);
 * INTEGRATIONS_WEBHOOK_LEASE seconds a claim lasts (default 30; longer than an attempt and
 * its recording, else a slow attempt's delivery would be sent again meanwhile);
 * INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE=1 lets receivers be on private addresses (refused in
 * production); INTEGRATIONS_WEBHOOK_CA_FILE; INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE.
 */
static int load_webhooks(struct config *cfg, char *err, size_t errlen)
{
	const char *schedule = getenv("INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE");

	if (parse_int_env("INTEGRATIONS_DELIVERERS", 1, 0, 64, 10, &cfg->deliverers, err, errlen) <
		    0 ||
	    parse_int_env("INTEGRATIONS_WEBHOOK_TIMEOUT", 10, 1, 60, 10, &cfg->webhook_timeout, err,
			  errlen) < 0 ||
	    parse_int_env("INTEGRATIONS_WEBHOOK_LEASE", 30, 3, 3600, 10, &cfg->webhook_lease, err,
			  errlen) < 0 ||
	    parse_int_env("INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE", 0, 0, 1, 10,
			  &cfg->webhook_allow_private, err, errlen) < 0 ||
	    parse_retry_schedule(cfg, schedule != NULL ? schedule : WEBHOOK_RETRY_SCHEDULE_DEFAULT,
				 err, errlen) < 0)
		return -1;
	if (cfg->webhook_lease < cfg->webhook_timeout + 2) {
		snprintf(err, errlen,
			 "INTEGRATIONS_WEBHOOK_LEASE must exceed INTEGRATIONS_WEBHOOK_TIMEOUT by 2 "
			 "s at least");
		return -1;
	}
	if (cfg->production && cfg->webhook_allow_private) {
		snprintf(err, errlen, "production refuses INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE=1");
		return -1;
	}
	cfg->webhook_ca_file = env_or("INTEGRATIONS_WEBHOOK_CA_FILE", NULL);
	if (cfg->webhook_ca_file != NULL && access(cfg->webhook_ca_file, R_OK) != 0) {
		snprintf(err, errlen, "cannot read INTEGRATIONS_WEBHOOK_CA_FILE %s",
			 cfg->webhook_ca_file);
		return -1;
	}
	return 0;
}

int config_load(struct config *cfg, char *err, size_t errlen)
{
	const char *env = getenv("INTEGRATIONS_ENV");
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof(*cfg));
	if (env == NULL || *env == '\0' || strcmp(env, "production") == 0) {
		cfg->production = true;
	} else if (strcmp(env, "development") != 0) {
		snprintf(err, errlen, "INTEGRATIONS_ENV must be development or production");
		return -1;
	}
	cfg->db_url = env_or("INTEGRATIONS_DB_URL", "dbname=integrations");
	cfg->db_read_url = env_or("INTEGRATIONS_DB_READ_URL", NULL);
	cfg->debug_db_header = !cfg->production && getenv("INTEGRATIONS_DEBUG_DB_HEADER") != NULL &&
			       strcmp(getenv("INTEGRATIONS_DEBUG_DB_HEADER"), "1") == 0;
	cfg->socket_path = env_or("INTEGRATIONS_SOCKET", "/run/integrations/api.sock");
	cfg->issuer = env_or("INTEGRATIONS_JWT_ISSUER", NULL);
	cfg->audience = env_or("INTEGRATIONS_JWT_AUDIENCE", NULL);
	if (parse_int_env("INTEGRATIONS_WORKERS", cores > 0 ? (int)cores : 2, 1, 256, 10,
			  &cfg->workers, err, errlen) < 0 ||
	    parse_int_env("INTEGRATIONS_MAX_REPLICA_LAG_MS", 1000, 0, 3600000, 10,
			  &cfg->max_replica_lag_ms, err, errlen) < 0 ||
	    parse_int_env("INTEGRATIONS_SOCKET_MODE", 0660, 0, 0777, 8, &cfg->socket_mode, err,
			  errlen) < 0 ||
	    parse_int_env("INTEGRATIONS_JWT_MAX_LIFETIME", CONFIG_JWT_MAX_LIFETIME_DEFAULT, 60,
			  CONFIG_JWT_MAX_LIFETIME_LIMIT, 10, &cfg->jwt_max_lifetime, err,
			  errlen) < 0 ||
	    load_runners(cfg, err, errlen) < 0 || load_webhooks(cfg, err, errlen) < 0 ||
	    load_secret(cfg, err, errlen) < 0 || load_keys(cfg, err, errlen) < 0 ||
	    load_cursor_key(cfg, err, errlen) < 0 || check_production(cfg, err, errlen) < 0)
		return -1;
	if (cfg->hs256_secret == NULL && cfg->n_keys == 0) {
		snprintf(err, errlen,
			 "no token can be verified: set INTEGRATIONS_JWT_SECRET "
			 "or INTEGRATIONS_JWT_KEYS");
		return -1;
	}
	return 0;
}

void config_free(struct config *cfg)
{
	size_t i;

	free(cfg->db_url);
	free(cfg->db_read_url);
	free(cfg->socket_path);
	free(cfg->issuer);
	free(cfg->audience);
	free(cfg->hs256_secret);
	free(cfg->cursor_key);
	free(cfg->webhook_ca_file);
	for (i = 0; i < cfg->n_keys; i++) {
		free(cfg->keys[i].kid);
		free(cfg->keys[i].pem);
	}
	memset(cfg, 0, sizeof(*cfg));
}
