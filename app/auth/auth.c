#include "auth/auth.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <jwt.h>

#include "base/b64url.h"
#include "json/json_strict.h"
#include "db/sqlparams.h"
#include "base/strbuf.h"
#include "auth/token_cache.h"
#include "base/vocab.h"

/* Decodes one base64url JWT segment as a strict JSON object; *out is arena-owned. */
static int decode_segment(struct arena *a, const char *seg, size_t len, struct json_object **out)
{
	unsigned char *raw = arena_alloc(a, B64URL_DECODED_MAX(len) + 1);
	long n = b64url_decode(seg, len, raw);
	const char *why;

	if (n < 0 || json_parse_strict((const char *)raw, (size_t)n, out, &why) < 0)
		return -1;
	json_defer_put(a, *out);
	return json_object_is_type(*out, json_type_object) ? 0 : -1;
}

static const char *string_member(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The key that must have signed a token with this header, and the algorithm it must use. */
static int select_key(const struct config *cfg, struct json_object *header,
		      const unsigned char **key, size_t *key_len, jwt_alg_t *alg, const char **why)
{
	const char *alg_name = string_member(header, "alg");
	const char *kid = string_member(header, "kid");
	size_t i;

	if (alg_name == NULL) {
		*why = "token header has no alg";
		return -1;
	}
	if (strcmp(alg_name, "HS256") == 0 && cfg->hs256_secret != NULL) {
		*key = cfg->hs256_secret;
		*key_len = cfg->hs256_secret_len;
		*alg = JWT_ALG_HS256;
		return 0;
	}
	if (kid == NULL) {
		*why = "algorithm not accepted or no kid";
		return -1;
	}
	for (i = 0; i < cfg->n_keys; i++) {
		const struct jwt_public_key *k = &cfg->keys[i];
		const char *kalg = k->alg == JWT_KEY_RS256 ? "RS256" : "ES256";

		if (strcmp(k->kid, kid) != 0)
			continue;
		/* A key verifies only the algorithm it was configured for: no HS256-with-public-key. */
		if (strcmp(kalg, alg_name) != 0) {
			*why = "algorithm does not match the key's";
			return -1;
		}
		*key = k->pem;
		*key_len = k->pem_len;
		*alg = k->alg == JWT_KEY_RS256 ? JWT_ALG_RS256 : JWT_ALG_ES256;
		return 0;
	}
	*why = "unknown kid";
	return -1;
}

static int verify_signature(const char *token, const unsigned char *key, size_t key_len,
			    jwt_alg_t alg, const char **why)
{
	jwt_t *jwt = NULL;
	int rc = -1;

	if (jwt_decode(&jwt, token, key, (int)key_len) != 0 || jwt == NULL) {
		*why = "bad signature or malformed token";
		goto out;
	}
	if (jwt_get_alg(jwt) != alg) {
		*why = "algorithm does not match the key's";
		goto out;
	}
	rc = 0;
out:
	jwt_free(jwt);
	return rc;
}

/* A NumericDate claim: an integer of at least min (exp: 1, nbf and iat: 0); absent is 0. */
static bool time_claim(struct json_object *claims, const char *name, bool required, int64_t min,
		       int64_t *out)
{
	struct json_object *v;

	*out = 0;
	if (!json_object_object_get_ex(claims, name, &v))
		return !required;
	if (!json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return *out >= min;
}

static bool audience_matches(struct json_object *claims, const char *audience)
{
	struct json_object *aud;
	size_t i, n;

	if (!json_object_object_get_ex(claims, "aud", &aud))
		return false;
	if (json_object_is_type(aud, json_type_string))
		return strcmp(json_object_get_string(aud), audience) == 0;
	if (!json_object_is_type(aud, json_type_array))
		return false;
	n = json_object_array_length(aud);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(aud, i);

		if (json_object_is_type(e, json_type_string) &&
		    strcmp(json_object_get_string(e), audience) == 0)
			return true;
	}
	return false;
}

/*
 * A token lives at most cfg->jwt_max_lifetime: exp no further than that (plus the leeway)
 * past now, nor past iat when the token has one. exp >= 1 and iat >= 0 are int64 (json-c
 * refuses wider integers, json_parse_strict), and now is positive: no subtraction overflows.
 */
static int check_lifetime(const struct config *cfg, struct json_object *claims, time_t now,
			  int64_t exp, const char **why)
{
	int64_t iat;

	if (exp - (int64_t)now > (int64_t)cfg->jwt_max_lifetime + AUTH_LEEWAY_SECONDS) {
		*why = "exp is further away than the maximum token lifetime";
		return -1;
	}
	if (!time_claim(claims, "iat", false, 0, &iat)) {
		*why = "iat not an integer";
		return -1;
	}
	if (json_object_object_get_ex(claims, "iat", NULL) &&
	    exp - iat > (int64_t)cfg->jwt_max_lifetime) {
		*why = "exp - iat is longer than the maximum token lifetime";
		return -1;
	}
	return 0;
}

static int check_registered_claims(const struct config *cfg, struct json_object *claims, time_t now,
				   int64_t *exp_out, int64_t *nbf_out, const char **why)
{
	int64_t exp, nbf;
	const char *iss;

	if (!time_claim(claims, "exp", true, 1, &exp)) {
		*why = "exp missing or not an integer";
		return -1;
	}
	if ((int64_t)now - AUTH_LEEWAY_SECONDS > exp) {
		*why = "token expired";
		return -1;
	}
	if (check_lifetime(cfg, claims, now, exp, why) < 0)
		return -1;
	if (!time_claim(claims, "nbf", false, 0, &nbf)) {
		*why = "nbf not an integer";
		return -1;
	}
	if (nbf - AUTH_LEEWAY_SECONDS > (int64_t)now) {
		*why = "token not yet valid";
		return -1;
	}
	if (cfg->issuer != NULL) {
		iss = string_member(claims, "iss");
		if (iss == NULL || strcmp(iss, cfg->issuer) != 0) {
			*why = "wrong issuer";
			return -1;
		}
	}
	if (cfg->audience != NULL && !audience_matches(claims, cfg->audience)) {
		*why = "wrong audience";
		return -1;
	}
	*exp_out = exp;
	*nbf_out = nbf;
	return 0;
}

/* Builds the caller JSON from sub, workspaces and roles, checking each one's shape. */
static int build_caller(struct arena *a, struct json_object *claims, struct caller *out,
			const char **why)
{
	struct json_object *workspaces, *roles = NULL;
	const char *sub = string_member(claims, "sub");
	struct strbuf sb;
	const char **ws_ids;
	size_t n_ws = 0, i, n;

	if (sub == NULL || !vocab_valid_user_id(sub)) {
		*why = "sub missing or not a user id";
		return -1;
	}
	if (!json_object_object_get_ex(claims, "workspaces", &workspaces) ||
	    !json_object_is_type(workspaces, json_type_object)) {
		*why = "workspaces missing or not an object";
		return -1;
	}
	if (json_object_object_get_ex(claims, "roles", &roles) &&
	    !json_object_is_type(roles, json_type_array)) {
		*why = "roles not an array";
		return -1;
	}
	ws_ids = arena_calloc(a, (size_t)json_object_object_length(workspaces) + 1,
			      sizeof(*ws_ids));
	strbuf_init(&sb, a);
	strbuf_puts(&sb, "{\"sub\":");
	strbuf_json_string(&sb, sub);
	strbuf_puts(&sb, ",\"workspaces\":{");
	json_object_object_foreach(workspaces, ws, role)
	{
		if (!vocab_valid_workspace_id(ws) || !json_object_is_type(role, json_type_string) ||
		    !vocab_valid_workspace_role(json_object_get_string(role))) {
			*why = "workspaces entry is not workspace id -> role";
			return -1;
		}
		if (n_ws > 0)
			strbuf_putc(&sb, ',');
		ws_ids[n_ws++] = ws;
		strbuf_json_string(&sb, ws);
		strbuf_putc(&sb, ':');
		strbuf_json_string(&sb, json_object_get_string(role));
	}
	strbuf_puts(&sb, "},\"roles\":[");
	n = roles != NULL ? json_object_array_length(roles) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(roles, i);

		if (!json_object_is_type(r, json_type_string) ||
		    !vocab_valid_platform_role(json_object_get_string(r))) {
			*why = "roles entry is not a role name";
			return -1;
		}
		if (i > 0)
			strbuf_putc(&sb, ',');
		strbuf_json_string(&sb, json_object_get_string(r));
	}
	strbuf_puts(&sb, "]}");
	out->sub = arena_strdup(a, sub);
	out->json = sb.data;
	out->workspace_array = sql_text_array(a, ws_ids, n_ws);
	return 0;
}

int auth_verify(const struct config *cfg, struct arena *a, const char *authorization, time_t now,
		struct caller *out, const char **why)
{
	const char *token, *dot1, *dot2;
	struct json_object *header, *claims;
	const unsigned char *key;
	size_t key_len, len;
	jwt_alg_t alg;
	int64_t exp, nbf;

	*why = "missing bearer token";
	if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
		return -1;
	token = authorization + 7;
	while (*token == ' ')
		token++;
	len = strlen(token);
	if (len == 0 || len > AUTH_MAX_TOKEN) {
		*why = "token empty or too large";
		return -1;
	}
	if (token_cache_get(token, now, a, out) == 0)
		return 0;
	dot1 = strchr(token, '.');
	dot2 = dot1 != NULL ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL || strchr(dot2 + 1, '.') != NULL || dot2[1] == '\0') {
		*why = "not a signed JWT";
		return -1;
	}
	if (decode_segment(a, token, (size_t)(dot1 - token), &header) < 0) {
		*why = "malformed token header";
		return -1;
	}
	if (select_key(cfg, header, &key, &key_len, &alg, why) < 0 ||
	    verify_signature(token, key, key_len, alg, why) < 0)
		return -1;
	/* Signed by a key we trust; read the claims with our own strict parser. */
	if (decode_segment(a, dot1 + 1, (size_t)(dot2 - dot1 - 1), &claims) < 0) {
		*why = "claims are not a JSON object";
		return -1;
	}
	if (check_registered_claims(cfg, claims, now, &exp, &nbf, why) < 0 ||
	    build_caller(a, claims, out, why) < 0)
		return -1;
	token_cache_put(token, out, exp, nbf);
	return 0;
}
