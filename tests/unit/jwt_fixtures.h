#ifndef TESTS_UNIT_JWT_FIXTURES_H
#define TESTS_UNIT_JWT_FIXTURES_H

/*
 * Token minting and a verifier configuration for the unit tests of auth and
 * dispatch. Every string returned here lives in the arena passed in, so a
 * test frees everything by freeing its arena. Helpers fail the running
 * Check test (ck_assert) when a fixture itself cannot be built.
 */

#include <stddef.h>
#include <time.h>

#include <jwt.h>

#include "base/arena.h"
#include "base/config.h"

#define FX_SECRET "unit-test-hs256-secret-that-is-long-enough"
#define FX_ISSUER "integrations-test"
#define FX_AUDIENCE "integrations-api"
#define FX_KID_RS "k-rs"
#define FX_KID_ES "k-es"
/* The fixed clock every test verifies at (2027-01-15T08:00:00Z). */
#define FX_NOW ((time_t)1800000000)

/* Reads tests/unit/fixtures/<name> below $srcdir (or "."), NUL-terminated; *len without the NUL. */
unsigned char *fx_read_fixture(struct arena *a, const char *name, size_t *len);

/*
 * A verifier configuration: HS256 with FX_SECRET, RS256 key FX_KID_RS and
 * ES256 key FX_KID_ES from the fixture public PEMs, issuer FX_ISSUER,
 * audience FX_AUDIENCE and the default maximum token lifetime (24 h).
 */
void fx_config(struct config *cfg, struct arena *a);

/*
 * Claims of a token as JSON member values (raw JSON text). NULL means the
 * default; FX_OMIT leaves the member out. Defaults: sub "usr_a", workspaces
 * {"ws_a":"admin"}, exp FX_NOW + 3600, iss FX_ISSUER, aud FX_AUDIENCE; nbf
 * and roles absent. extra, when set, is appended verbatim as more members.
 */
struct fx_claims {
	const char *sub;
	const char *workspaces;
	const char *roles;
	const char *exp;
	const char *nbf;
	const char *iss;
	const char *aud;
	const char *extra;
};
extern const char FX_OMIT[];

const char *fx_claims_json(struct arena *a, const struct fx_claims *c);
/* The default claims: a token any test may use as "the valid one". */
#define FX_DEFAULT_CLAIMS(a) fx_claims_json((a), &(struct fx_claims){ 0 })
/* A JSON integer literal. */
const char *fx_int(struct arena *a, long long v);

/*
 * A token encoded and signed by libjwt with claims (a JSON object text) and,
 * when kid is not NULL, a kid header. fx_mint picks the fixture key for alg:
 * FX_SECRET for HS*, rs256-private.pem for RS256, es256-private.pem for ES256.
 */
const char *fx_mint(struct arena *a, jwt_alg_t alg, const char *kid, const char *claims);
const char *fx_mint_key(struct arena *a, jwt_alg_t alg, const char *kid, const unsigned char *key,
			size_t key_len, const char *claims);

/* base64url (no padding) of a text. */
const char *fx_b64(struct arena *a, const char *text);
/* b64(header_json) "." b64(payload_json) "." signature: any bytes, unsigned or forged. */
const char *fx_assemble(struct arena *a, const char *header_json, const char *payload_json,
			const char *signature);
/* As fx_assemble, signed HS256 with key by our own HMAC: exact header and payload texts. */
const char *fx_sign_hs256(struct arena *a, const char *header_json, const char *payload_json,
			  const char *key);
/* HMAC-SHA256 of data with key into out[32] (exposed so a test can check it on RFC 4231). */
void fx_hmac_sha256(const unsigned char *key, size_t key_len, const unsigned char *data, size_t len,
		    unsigned char out[32]);

/* "Bearer <token>". */
const char *fx_bearer(struct arena *a, const char *token);
/* "Bearer " + an HS256 token with the default claims. */
const char *fx_default_bearer(struct arena *a);

#endif
