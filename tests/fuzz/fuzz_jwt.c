/*
 * libFuzzer driver: bearer tokens (auth_verify).
 *
 * The first byte of the input picks the mode, the rest is the material:
 *   'R' raw:   the rest is the Authorization header value as a client sends it
 *   'S' signed: the rest is two lines, header JSON and claims JSON; they are base64url-encoded
 *              as they are (bytes untouched) and HMAC-SHA256-signed with the configured secret,
 *              so the token passes the signature check and the claims checks are reached
 *   anything else: as 'R' with the byte kept
 * Lower case 'r' / 's' do the same with no issuer and no audience configured.
 *
 * The configuration holds an HS256 secret and two public keys (kid fuzz-rs RS256, fuzz-es
 * ES256), the issuer integrations-dev and the audience integrations-api; "now" is fixed
 * (2023-11-14T22:13:20Z), so seeds with exp 1700003600 (an hour later) stay valid; the
 * maximum token lifetime is the default, 24 h.
 *
 * Invariants beyond "no crash, no leak, no UB" (docs/api-conventions.md, "Authentication"):
 * a refusal has a reason; an acceptance only for a token signed with the secret (raw inputs
 * can only be accepted if they carry our HMAC, which the fuzzer cannot forge, so an accepted
 * raw token is checked to be a well-formed HS256 token), with header alg HS256, exp present,
 * integer and not past (leeway 60 s) nor further than the maximum lifetime (plus leeway), iat
 * absent or an integer at most that lifetime before exp, nbf not in the future, iss/aud as
 * configured; the caller
 * it yields has a valid sub, its JSON parses strictly as {"sub","workspaces","roles"}, and its
 * workspace array is a PostgreSQL text[] literal.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/arena.h"
#include "base/vocab.h"
#include "auth/auth.h"
#include "base/b64url.h"
#include "base/config.h"
#include "fuzz_common.h"
#include "json/json_strict.h"
#include "auth/token_cache.h"

#define NOW ((time_t)1700000000)

static const char secret[] = "fuzz-hs256-secret-for-the-fuzzer-only";

static const char rs256_pem[] = "-----BEGIN PUBLIC KEY-----\n"
				"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0WJ3x2gu870LF+Poq1lp\n"
				"gD0wu9N2/zQpHVYZzuCzx2MGm0IEWmDbvKAn0T4zGBShj7DNn24/809eVOSEUMoc\n"
				"l+JyMR9TBx9fKeWwuCzVgSlVerrsyPrE8cI3oFVyFo1WAwGieufSBzYWuynEruah\n"
				"f/uqJM0ZoiWi0IQ0pbGScG4y+k0rOYuX940na3eUvmVq89tWjfuchTLeZDF4BrpF\n"
				"aEdBf4Jkd4OpSFMQnnC2xTPFKUt1uM5+vMAiqgWuJodAgJivFhvpa3I+heCoDDCZ\n"
				"ZHQsp2wdxdHaBnRK96BQplLTgCqyTPSSkw3Z0pdmyTjJUmyH/zVcROqbSNYMwWz6\n"
				"EQIDAQAB\n"
				"-----END PUBLIC KEY-----\n";

static const char es256_pem[] = "-----BEGIN PUBLIC KEY-----\n"
				"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAECQCkya9sytOP9bGcZJO4COMd2Pvb\n"
				"XUzcHP0u4//PI8F1Grvag2+hf9cEl9nVgwwPKFjDZ1IopmyUSYQefTBrzw==\n"
				"-----END PUBLIC KEY-----\n";

static struct config cfg_full, cfg_bare;

static void config_init(struct config *cfg, bool iss_aud)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->hs256_secret = (unsigned char *)secret;
	cfg->hs256_secret_len = sizeof(secret) - 1;
	cfg->keys[0] = (struct jwt_public_key){ (char *)"fuzz-rs", JWT_KEY_RS256,
						(unsigned char *)rs256_pem, sizeof(rs256_pem) - 1 };
	cfg->keys[1] = (struct jwt_public_key){ (char *)"fuzz-es", JWT_KEY_ES256,
						(unsigned char *)es256_pem, sizeof(es256_pem) - 1 };
	cfg->n_keys = 2;
	cfg->issuer = iss_aud ? (char *)"integrations-dev" : NULL;
	cfg->audience = iss_aud ? (char *)"integrations-api" : NULL;
	cfg->jwt_max_lifetime = CONFIG_JWT_MAX_LIFETIME_DEFAULT;
	cfg->cursor_key = (unsigned char *)secret;
	cfg->cursor_key_len = sizeof(secret) - 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	config_init(&cfg_full, true);
	config_init(&cfg_bare, false);
	return 0;
}

static char *b64(struct arena *a, const unsigned char *in, size_t len)
{
	char *out = arena_alloc(a, B64URL_ENCODED_LEN(len) + 1);

	b64url_encode(in, len, out);
	return out;
}

/* "Bearer " + b64(header) "." b64(claims) "." b64(HMAC-SHA256(secret, signing input)). */
static const char *signed_header(struct arena *a, const char *header, const char *claims)
{
	const char *input = arena_printf(a, "%s.%s",
					 b64(a, (const unsigned char *)header, strlen(header)),
					 b64(a, (const unsigned char *)claims, strlen(claims)));
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	if (HMAC(EVP_sha256(), secret, (int)(sizeof(secret) - 1), (const unsigned char *)input,
		 strlen(input), mac, &mac_len) == NULL)
		abort();
	return arena_printf(a, "Bearer %s.%s", input, b64(a, mac, mac_len));
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* What an accepted token must have been: checked from the claims, independently of auth.c. */
static void check_accepted(struct arena *a, const struct config *cfg, const char *header,
			   const char *claims_text, const struct caller *c)
{
	struct json_object *h, *claims, *caller, *v;
	const char *why;

	FUZZ_ASSERT(c->sub != NULL && vocab_valid_user_id(c->sub), "accepted sub '%s'",
		    c->sub ? c->sub : "(null)");
	FUZZ_ASSERT(c->json != NULL &&
			    json_parse_strict(c->json, strlen(c->json), &caller, &why) == 0,
		    "caller JSON does not parse: %s", c->json ? c->json : "(null)");
	json_defer_put(a, caller);
	FUZZ_ASSERT(json_object_is_type(caller, json_type_object) &&
			    json_object_object_length(caller) == 3 &&
			    json_object_is_type(member(caller, "sub"), json_type_string) &&
			    json_object_is_type(member(caller, "workspaces"), json_type_object) &&
			    json_object_is_type(member(caller, "roles"), json_type_array),
		    "caller JSON is not {sub, workspaces, roles}: %s", c->json);
	FUZZ_ASSERT(c->workspace_array != NULL && c->workspace_array[0] == '{' &&
			    c->workspace_array[strlen(c->workspace_array) - 1] == '}',
		    "workspace array '%s'", c->workspace_array ? c->workspace_array : "(null)");
	if (header == NULL)
		return;
	FUZZ_ASSERT(json_parse_strict(header, strlen(header), &h, &why) == 0,
		    "accepted header '%s'", header);
	json_defer_put(a, h);
	v = member(h, "alg");
	FUZZ_ASSERT(json_object_is_type(v, json_type_string) &&
			    strcmp(json_object_get_string(v), "HS256") == 0,
		    "accepted a token whose alg is not HS256: %s", header);
	FUZZ_ASSERT(json_parse_strict(claims_text, strlen(claims_text), &claims, &why) == 0,
		    "accepted claims that do not parse strictly: %s", claims_text);
	json_defer_put(a, claims);
	v = member(claims, "exp");
	FUZZ_ASSERT(json_object_is_type(v, json_type_int) &&
			    json_object_get_int64(v) >= (int64_t)NOW - AUTH_LEEWAY_SECONDS,
		    "accepted a missing, non-integer or past exp: %s", claims_text);
	FUZZ_ASSERT(json_object_get_int64(v) - (int64_t)NOW <=
			    (int64_t)cfg->jwt_max_lifetime + AUTH_LEEWAY_SECONDS,
		    "accepted an exp beyond the maximum lifetime: %s", claims_text);
	v = member(claims, "iat");
	FUZZ_ASSERT(
		v == NULL ||
			(json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0 &&
			 json_object_get_int64(member(claims, "exp")) - json_object_get_int64(v) <=
				 (int64_t)cfg->jwt_max_lifetime),
		"accepted a bad iat, or exp - iat beyond the maximum lifetime: %s", claims_text);
	v = member(claims, "nbf");
	FUZZ_ASSERT(v == NULL || (json_object_is_type(v, json_type_int) &&
				  json_object_get_int64(v) <= (int64_t)NOW + AUTH_LEEWAY_SECONDS),
		    "accepted a bad or future nbf: %s", claims_text);
	if (cfg->issuer != NULL) {
		v = member(claims, "iss");
		FUZZ_ASSERT(json_object_is_type(v, json_type_string) &&
				    strcmp(json_object_get_string(v), cfg->issuer) == 0,
			    "accepted a wrong iss: %s", claims_text);
	}
	if (cfg->audience != NULL)
		FUZZ_ASSERT(member(claims, "aud") != NULL, "accepted a missing aud: %s",
			    claims_text);
	FUZZ_ASSERT(strcmp(json_object_get_string(member(claims, "sub")), c->sub) == 0,
		    "caller sub differs from the claim");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	char *input = fuzz_strndup(data, size);
	char mode = size > 0 ? input[0] : 'R';
	const struct config *cfg = (mode == 'r' || mode == 's') ? &cfg_bare : &cfg_full;
	const char *authorization, *why = NULL, *header = NULL, *claims = NULL;
	struct caller c;
	int rc;

	/* The per-worker cache of verified tokens would carry acceptances from one input (and
	 * one configuration) to the next: every input starts from an empty cache, and the second
	 * verification below goes through it. */
	token_cache_clear();
	memset(&c, 0, sizeof(c));
	if (mode == 'S' || mode == 's') {
		char *parts[2];

		fuzz_split_lines(input + 1, parts, 2);
		header = parts[0];
		claims = parts[1] != NULL ? parts[1] : "";
		authorization = signed_header(a, header, claims);
	} else {
		authorization = (mode == 'R' || mode == 'r') && size > 0 ? input + 1 : input;
	}
	rc = auth_verify(cfg, a, authorization, NOW, &c, &why);
	if (rc != 0) {
		FUZZ_ASSERT(rc == -1 && why != NULL && why[0] != '\0', "refused without a reason");
	} else {
		check_accepted(a, cfg, header, claims, &c);
		/* An accepted token verifies the same way twice (the second time from the cache). */
		memset(&c, 0, sizeof(c));
		FUZZ_ASSERT(auth_verify(cfg, a, authorization, NOW, &c, &why) == 0,
			    "accepted once, refused the second time: %s", why);
		/* nbf and expiry hold on the cached path too: just before nbf (minus leeway) and just
		 * after exp (plus leeway) the same token is refused. */
		if (claims != NULL) {
			struct json_object *parsed, *t;

			if (json_parse_strict(claims, strlen(claims), &parsed, &why) == 0) {
				json_defer_put(a, parsed);
				t = member(parsed, "nbf");
				if (json_object_is_type(t, json_type_int) &&
				    json_object_get_int64(t) > AUTH_LEEWAY_SECONDS + 1)
					FUZZ_ASSERT(auth_verify(cfg, a, authorization,
								(time_t)(json_object_get_int64(t) -
									 AUTH_LEEWAY_SECONDS - 1),
								&c, &why) != 0,
						    "a token is accepted before its nbf");
				t = member(parsed, "exp");
				if (json_object_is_type(t, json_type_int) &&
				    json_object_get_int64(t) < INT64_MAX - AUTH_LEEWAY_SECONDS - 1)
					FUZZ_ASSERT(auth_verify(cfg, a, authorization,
								(time_t)(json_object_get_int64(t) +
									 AUTH_LEEWAY_SECONDS + 1),
								&c, &why) != 0,
						    "a token is accepted after its exp");
			}
		}
	}
	arena_free(a);
	free(input);
	return 0;
}
