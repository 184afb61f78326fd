#ifndef INTEGRATIONS_REPLICA_H
#define INTEGRATIONS_REPLICA_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "http/http.h"

/*
 * Read scaling (docs/architecture.md "Read and write connections"): with
 * INTEGRATIONS_DB_READ_URL set, every worker keeps a second connection, to
 * a standby when one is up, and the dispatcher sends the reads (GET, HEAD)
 * there; everything else, and any read the standby cannot serve fresh
 * enough, runs on the write connection (the primary).
 */

/* A consistency token: base64url of the 8 big-endian bytes of a WAL position (11 characters). */
#define CONSISTENCY_TOKEN_LEN 11
/* Longest wait for a standby to replay a token before the read goes to the primary. */
#define REPLICA_TOKEN_WAIT_MS 100
/* How often a worker measures its standby's lag (reads without a token use the last measure). */
#define REPLICA_LAG_CHECK_MS 200
/*
 * A read URL that reached a primary (no standby was up) is given up this
 * long after, so that a standby that came up since is found.
 */
#define REPLICA_PRIMARY_RECHECK_MS 2000
/* After a failed connection attempt to the read URL, reads go to the primary this long. */
#define REPLICA_RETRY_MS 1000

void consistency_token_encode(uint64_t lsn, char out[CONSISTENCY_TOKEN_LEN + 1]);
/* 0 and *lsn for a well-formed token (exactly what encode makes), else -1. */
int consistency_token_decode(const char *token, uint64_t *lsn);
/* Parses PostgreSQL's text form of a pg_lsn ("16/B374D848"): 0, or -1 when malformed. */
int lsn_parse(const char *text, uint64_t *lsn);

/* Whether a request is a read that may go to a standby: the one routing rule (GET and HEAD). */
bool replica_is_read(enum http_method method);

/*
 * The state of a standby's last lag check, from the text the check query
 * answers: "p" (the read URL reached a primary), "s" followed by the lag in
 * milliseconds (0 when the standby has replayed everything it received).
 * Returns true when reads without a token may use it; false on any other
 * text too.
 */
bool replica_lag_acceptable(const char *state, int max_lag_ms);

struct replica;

/*
 * The read URL with its host list rotated by spread places (and port,
 * hostaddr lists alike), so that the workers of a pool, each with its own
 * spread, start at different standbys: libpq 15 always takes the first
 * one that qualifies. The URL itself when it has fewer than two hosts or
 * cannot be parsed. Allocated (free()).
 */
char *replica_spread_url(const char *url, unsigned spread);

/* NULL when url is NULL (no read URL: one connection, as before). */
struct replica *replica_new(const char *url, int max_lag_ms, unsigned spread);
void replica_free(struct replica *r);

/*
 * The connection a read runs on: the standby's when it is connected and
 * either fresh enough (no token) or has replayed the token (has_token,
 * waiting at most REPLICA_TOKEN_WAIT_MS), else primary. *served names the
 * choice for the test-only X-Debug-Db header ("standby HOST:PORT", "primary").
 */
struct db *replica_route(struct replica *r, struct db *primary, bool has_token, uint64_t token,
			 struct arena *a, const char **served);

/* The token of the primary's current WAL insert position, or NULL when it cannot be read. */
const char *replica_write_token(struct db *primary, struct arena *a);

#endif
