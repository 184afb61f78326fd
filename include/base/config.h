#ifndef INTEGRATIONS_CONFIG_H
#define INTEGRATIONS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_KEYS 16
#define CONFIG_MIN_CURSOR_KEY 32 /* bytes, in production */
/* INTEGRATIONS_JWT_MAX_LIFETIME: 24 h unless set, 60 s to 366 days. */
#define CONFIG_JWT_MAX_LIFETIME_DEFAULT 86400
#define CONFIG_JWT_MAX_LIFETIME_LIMIT (366 * 86400)

enum jwt_key_alg { JWT_KEY_RS256, JWT_KEY_ES256 };

struct jwt_public_key {
	char *kid;
	enum jwt_key_alg alg;
	unsigned char *pem;
	size_t pem_len;
};

struct config {
	char *db_url;
	char *db_read_url; /* NULL: reads share the write connection */
	int max_replica_lag_ms; /* a standby further behind serves no read without a token */
	bool debug_db_header; /* development only: X-Debug-Db names the connection of a read */
	char *socket_path;
	int socket_mode;
	int workers;
	/* Rollout job runners (PRODUCT §14): INTEGRATIONS_RUNNERS, INTEGRATIONS_RUNNER_LEASE. */
	int runners; /* runner processes beside the workers */
	int runner_lease; /* seconds a claimed job stays leased to its runner */
	int runner_rate; /* most jobs a second per runner (INTEGRATIONS_RUNNER_RATE); 0: unpaced */
	bool runner_only; /* INTEGRATIONS_ROLE=runner: no FastCGI socket, no workers */
	bool production;
	unsigned char *hs256_secret; /* NULL: HS256 not accepted */
	size_t hs256_secret_len;
	struct jwt_public_key keys[CONFIG_MAX_KEYS];
	size_t n_keys;
	char *issuer; /* NULL: iss not checked */
	char *audience; /* NULL: aud not checked */
	int jwt_max_lifetime; /* seconds: the most exp may lie past now (and past iat) */
	unsigned char *cursor_key; /* from INTEGRATIONS_CURSOR_KEY(_FILE) only, never derived */
	size_t cursor_key_len;
	/* INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE=1: webhook URLs may resolve to non-public addresses. */
	bool webhook_allow_private;
};

/*
 * Reads INTEGRATIONS_* from the environment into cfg. On a bad or unsafe
 * setting returns -1 with a sentence in err. cfg owns its strings until
 * config_free().
 */
int config_load(struct config *cfg, char *err, size_t errlen);
void config_free(struct config *cfg);

#endif
