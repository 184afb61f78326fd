/* auth_verify: every way a bearer token can be refused, against an accepted twin. */
#include <string.h>

#include "check_main.h"

#include "auth/auth.h"
#include "jwt_fixtures.h"

#define CALLER_ADMIN "{\"sub\":\"usr_a\",\"workspaces\":{\"ws_a\":\"admin\"},\"roles\":[]}"
#define HS256_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

static struct arena *a;
static struct config cfg;
static struct caller caller;
static const char *why;

static void setup(void)
{
	a = arena_new();
	fx_config(&cfg, a);
	memset(&caller, 0, sizeof(caller));
	why = NULL;
}

static void teardown(void)
{
	arena_free(a);
}

static int verify_header(const char *authorization)
{
	return auth_verify(&cfg, a, authorization, FX_NOW, &caller, &why);
}

static int verify(const char *token)
{
	return verify_header(fx_bearer(a, token));
}

#define ck_accepts(token)                                                                          \
	do {                                                                                       \
		const char *t_ = (token);                                                          \
		ck_assert_msg(verify(t_) == 0, "refused (%s): %s", why ? why : "?", t_);           \
	} while (0)
#define ck_refuses(token)                                                                          \
	do {                                                                                       \
		const char *t_ = (token);                                                          \
		ck_assert_msg(verify(t_) == -1, "accepted: %s", t_);                               \
	} while (0)

/* An HS256 token (libjwt) with the default claims changed as given. */
#define HS(...)                                                                                    \
	fx_mint(a, JWT_ALG_HS256, NULL, fx_claims_json(a, &(struct fx_claims){ __VA_ARGS__ }))
/* An HS256 token hand-signed over this exact payload text (duplicate members, non-objects). */
#define RAW_HS(payload) fx_sign_hs256(a, HS256_HEADER, (payload), FX_SECRET)

/* ---- the fixture's own HMAC, so hand-signed refusals mean something ---- */

START_TEST(hmac_matches_rfc4231_case2)
{
	static const unsigned char expected[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
		0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
		0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};
	const char *data = "what do ya want for nothing?";
	unsigned char mac[32];

	fx_hmac_sha256((const unsigned char *)"Jefe", 4, (const unsigned char *)data, strlen(data),
		       mac);
	ck_assert_mem_eq(mac, expected, sizeof(expected));
}
END_TEST

START_TEST(hand_signed_token_is_accepted)
{
	ck_accepts(RAW_HS(FX_DEFAULT_CLAIMS(a)));
	ck_assert_str_eq(caller.json, CALLER_ADMIN);
}
END_TEST

/* ---- accepted ---- */

START_TEST(hs256_accepted_with_exact_caller_json)
{
	ck_accepts(HS(0));
	ck_assert_str_eq(caller.sub, "usr_a");
	ck_assert_str_eq(caller.json, CALLER_ADMIN);
}
END_TEST

START_TEST(rs256_accepted)
{
	ck_accepts(fx_mint(a, JWT_ALG_RS256, FX_KID_RS, FX_DEFAULT_CLAIMS(a)));
	ck_assert_str_eq(caller.json, CALLER_ADMIN);
}
END_TEST

START_TEST(es256_accepted)
{
	ck_accepts(fx_mint(a, JWT_ALG_ES256, FX_KID_ES, FX_DEFAULT_CLAIMS(a)));
	ck_assert_str_eq(caller.json, CALLER_ADMIN);
}
END_TEST

START_TEST(roles_are_copied_into_caller)
{
	ck_accepts(HS(.roles = "[\"platform_admin\",\"platform_reviewer\"]"));
	ck_assert_str_eq(caller.json, "{\"sub\":\"usr_a\",\"workspaces\":{\"ws_a\":\"admin\"},"
				      "\"roles\":[\"platform_admin\",\"platform_reviewer\"]}");
}
END_TEST

START_TEST(several_workspaces_and_empty_workspaces)
{
	ck_accepts(RAW_HS(fx_claims_json(
		a, &(struct fx_claims){ .workspaces = "{\"ws_a\":\"owner\",\"ws_B-9\":\"viewer\","
						      "\"ws_c\":\"member\"}" })));
	ck_assert_str_eq(caller.json, "{\"sub\":\"usr_a\",\"workspaces\":{\"ws_a\":\"owner\","
				      "\"ws_B-9\":\"viewer\",\"ws_c\":\"member\"},\"roles\":[]}");
	ck_accepts(HS(.workspaces = "{}"));
	ck_assert_str_eq(caller.json, "{\"sub\":\"usr_a\",\"workspaces\":{},\"roles\":[]}");
}
END_TEST

START_TEST(scheme_is_case_insensitive)
{
	ck_assert_int_eq(verify_header(arena_printf(a, "bearer %s", HS(0))), 0);
}
END_TEST

/* ---- the Authorization header and the token's shape ---- */

START_TEST(missing_or_non_bearer_header_refused)
{
	ck_assert_int_eq(verify_header(NULL), -1);
	ck_assert_int_eq(verify_header(""), -1);
	ck_assert_int_eq(verify_header("Basic x"), -1);
	ck_assert_int_eq(verify_header(arena_printf(a, "Basic %s", HS(0))), -1);
	ck_assert_int_eq(verify_header("Bearer "), -1);
	ck_assert_int_eq(verify_header("Bearer    "), -1);
	ck_assert_int_eq(verify_header("Bearer"), -1);
	ck_assert_int_eq(verify_header(arena_printf(a, "Bearer%s", HS(0))), -1);
}
END_TEST

START_TEST(wrong_segment_count_refused)
{
	const char *token = HS(0);
	const char *dot2 = strrchr(token, '.');

	ck_refuses(arena_strndup(a, token, (size_t)(dot2 - token)));
	ck_refuses(arena_printf(a, "%s.", token));
	ck_refuses(arena_printf(a, "%s.c2ln", token));
	ck_refuses(fx_b64(a, HS256_HEADER));
}
END_TEST

/* An HS256 token with default claims plus a "pad" claim of n bytes. */
static const char *padded_token(size_t n)
{
	char *filler = arena_alloc(a, n + 1);

	memset(filler, 'x', n);
	filler[n] = '\0';
	return HS(.extra = arena_printf(a, "\"pad\":\"%s\"", filler));
}

START_TEST(token_over_8192_bytes_refused)
{
	const char *fits = NULL, *token;
	size_t pad = 5000;

	/* Jump close to the limit (4 characters per 3 bytes), then grow a byte at a time. */
	pad += (AUTH_MAX_TOKEN - strlen(padded_token(pad))) / 4 * 3 - 3;
	while (strlen(token = padded_token(pad)) <= AUTH_MAX_TOKEN) {
		fits = token;
		pad++;
	}
	ck_assert_ptr_nonnull(fits);
	ck_assert_uint_ge(strlen(fits), AUTH_MAX_TOKEN - 1);
	ck_accepts(fits);
	ck_refuses(token);
}
END_TEST

START_TEST(header_not_json_refused)
{
	const char *payload = fx_b64(a, FX_DEFAULT_CLAIMS(a));

	ck_refuses(arena_printf(a, "%s.%s.c2ln", fx_b64(a, "not json"), payload));
	ck_refuses(arena_printf(a, "%s.%s.c2ln", fx_b64(a, "[\"HS256\"]"), payload));
	ck_refuses(arena_printf(a, "!!!.%s.c2ln", payload));
}
END_TEST

START_TEST(duplicate_header_member_refused)
{
	ck_refuses(fx_sign_hs256(a, "{\"alg\":\"none\",\"alg\":\"HS256\"}", FX_DEFAULT_CLAIMS(a),
				 FX_SECRET));
}
END_TEST

/* ---- algorithms and keys ---- */

START_TEST(alg_none_refused)
{
	const char *claims = FX_DEFAULT_CLAIMS(a);

	ck_refuses(fx_assemble(a, "{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, ""));
	ck_refuses(fx_assemble(a, "{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, "c2ln"));
	ck_refuses(fx_assemble(a, "{\"alg\":\"none\",\"kid\":\"k-rs\"}", claims, "c2ln"));
	ck_refuses(fx_assemble(a, "{\"typ\":\"JWT\"}", claims, "c2ln"));
}
END_TEST

START_TEST(hs256_with_public_key_as_secret_refused)
{
	size_t len;
	const unsigned char *pem = fx_read_fixture(a, "rs256-public.pem", &len);
	const char *forged = fx_mint_key(a, JWT_ALG_HS256, FX_KID_RS, pem, len,
					 FX_DEFAULT_CLAIMS(a));

	ck_refuses(forged);
	/* Also where HS256 is not configured at all and only the kid can pick a key. */
	cfg.hs256_secret = NULL;
	cfg.hs256_secret_len = 0;
	ck_refuses(forged);
	ck_refuses(fx_mint_key(a, JWT_ALG_HS256, FX_KID_RS, pem, len + 1, FX_DEFAULT_CLAIMS(a)));
}
END_TEST

START_TEST(hs256_refused_when_not_configured)
{
	cfg.hs256_secret = NULL;
	cfg.hs256_secret_len = 0;
	ck_refuses(HS(0));
	ck_accepts(fx_mint(a, JWT_ALG_RS256, FX_KID_RS, FX_DEFAULT_CLAIMS(a)));
}
END_TEST

START_TEST(key_used_only_with_its_algorithm)
{
	const char *claims = FX_DEFAULT_CLAIMS(a);

	ck_refuses(fx_mint(a, JWT_ALG_RS256, FX_KID_ES, claims));
	ck_refuses(fx_mint(a, JWT_ALG_ES256, FX_KID_RS, claims));
}
END_TEST

START_TEST(unknown_or_missing_kid_refused)
{
	const char *claims = FX_DEFAULT_CLAIMS(a);

	ck_refuses(fx_mint(a, JWT_ALG_RS256, "k-other", claims));
	ck_refuses(fx_mint(a, JWT_ALG_RS256, NULL, claims));
	ck_refuses(fx_mint(a, JWT_ALG_ES256, NULL, claims));
}
END_TEST

START_TEST(other_hmac_algorithms_refused)
{
	const char *claims = FX_DEFAULT_CLAIMS(a);

	ck_refuses(fx_mint(a, JWT_ALG_HS512, NULL, claims));
	ck_refuses(fx_mint(a, JWT_ALG_HS384, NULL, claims));
	ck_refuses(fx_mint(a, JWT_ALG_HS512, FX_KID_RS, claims));
}
END_TEST

START_TEST(wrong_secret_refused)
{
	ck_refuses(fx_sign_hs256(a, HS256_HEADER, FX_DEFAULT_CLAIMS(a), FX_SECRET "x"));
}
END_TEST

START_TEST(tampered_payload_refused)
{
	const char *tampered_claims = fx_claims_json(
		a, &(struct fx_claims){ .workspaces = "{\"ws_a\":\"owner\"}" });
	const jwt_alg_t algs[] = { JWT_ALG_HS256, JWT_ALG_RS256, JWT_ALG_ES256 };
	const char *kids[] = { NULL, FX_KID_RS, FX_KID_ES };
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		const char *token = fx_mint(a, algs[i], kids[i], FX_DEFAULT_CLAIMS(a));
		const char *dot1 = strchr(token, '.');
		const char *dot2 = strrchr(token, '.');

		ck_accepts(token);
		ck_refuses(arena_printf(a, "%.*s.%s%s", (int)(dot1 - token), token,
					fx_b64(a, tampered_claims), dot2));
	}
}
END_TEST

START_TEST(tampered_signature_refused)
{
	char *token = arena_strdup(a, fx_mint(a, JWT_ALG_RS256, FX_KID_RS, FX_DEFAULT_CLAIMS(a)));
	char *sig = strrchr(token, '.') + 1;

	sig[5] = sig[5] == 'A' ? 'B' : 'A';
	ck_refuses(token);
}
END_TEST

/* ---- exp and nbf, with 60 s of leeway ---- */

START_TEST(exp_leeway)
{
	ck_refuses(HS(.exp = fx_int(a, (long long)FX_NOW - 61)));
	ck_accepts(HS(.exp = fx_int(a, (long long)FX_NOW - 59)));
	ck_accepts(HS(.exp = fx_int(a, (long long)FX_NOW - 60)));
	ck_refuses(HS(.exp = fx_int(a, (long long)FX_NOW - 86400)));
}
END_TEST

START_TEST(nbf_leeway)
{
	ck_refuses(HS(.nbf = fx_int(a, (long long)FX_NOW + 61)));
	ck_accepts(HS(.nbf = fx_int(a, (long long)FX_NOW + 59)));
	ck_accepts(HS(.nbf = fx_int(a, (long long)FX_NOW - 3600)));
	ck_refuses(HS(.nbf = fx_int(a, (long long)FX_NOW + 86400)));
}
END_TEST

START_TEST(exp_missing_or_not_a_positive_integer_refused)
{
	ck_refuses(HS(.exp = FX_OMIT));
	ck_refuses(HS(.exp = arena_printf(a, "\"%lld\"", (long long)FX_NOW + 3600)));
	ck_refuses(HS(.exp = arena_printf(a, "%lld.0", (long long)FX_NOW + 3600)));
	ck_refuses(HS(.exp = arena_printf(a, "%lld.5", (long long)FX_NOW + 3600)));
	ck_refuses(HS(.exp = "1.8e10"));
	ck_refuses(HS(.exp = "0"));
	ck_refuses(HS(.exp = "-1"));
	ck_refuses(HS(.exp = "true"));
	ck_refuses(HS(.exp = "null"));
}
END_TEST

START_TEST(nbf_not_an_integer_refused)
{
	ck_refuses(HS(.nbf = arena_printf(a, "\"%lld\"", (long long)FX_NOW)));
	ck_refuses(HS(.nbf = arena_printf(a, "%lld.0", (long long)FX_NOW)));
}
END_TEST

/* A token lives at most INTEGRATIONS_JWT_MAX_LIFETIME (24 h here), plus the leeway. */
START_TEST(exp_beyond_max_lifetime_refused)
{
	ck_refuses(HS(.exp = "9223372036854775807"));
	ck_refuses(HS(.exp = "9223372036854775767"));
	ck_refuses(HS(.exp = "4102444800"));
	ck_refuses(HS(.exp = fx_int(a, (long long)FX_NOW + 86400 + 61)));
	ck_accepts(HS(.exp = fx_int(a, (long long)FX_NOW + 86400 + 60)));
	ck_accepts(HS(.exp = fx_int(a, (long long)FX_NOW + 86400)));
	/* Integers beyond 64 bits and floats never reach the arithmetic. */
	ck_refuses(RAW_HS(fx_claims_json(a, &(struct fx_claims){ .exp = "1e30" })));
	ck_refuses(RAW_HS(fx_claims_json(
		a, &(struct fx_claims){ .exp = "1000000000000000000000000000000" })));
	ck_refuses(RAW_HS(fx_claims_json(a, &(struct fx_claims){ .exp = "9223372036854775808" })));
	ck_refuses(HS(.exp = "-9223372036854775808"));
	cfg.jwt_max_lifetime = 3600;
	ck_refuses(HS(.exp = fx_int(a, (long long)FX_NOW + 3600 + 61)));
	ck_accepts(HS(.exp = fx_int(a, (long long)FX_NOW + 3600 + 60)));
}
END_TEST

START_TEST(exp_minus_iat_beyond_max_lifetime_refused)
{
	const char *exp = fx_int(a, (long long)FX_NOW + 3600);

	ck_accepts(HS(.exp = exp, .extra = arena_printf(a, "\"iat\":%lld", (long long)FX_NOW)));
	ck_accepts(HS(.exp = exp,
		      .extra = arena_printf(a, "\"iat\":%lld", (long long)FX_NOW + 3600 - 86400)));
	ck_refuses(HS(.exp = exp,
		      .extra = arena_printf(a, "\"iat\":%lld", (long long)FX_NOW + 3600 - 86401)));
	ck_refuses(HS(.exp = exp, .extra = "\"iat\":0"));
	/* iat, when present, is a NumericDate like exp and nbf. */
	ck_refuses(HS(.exp = exp, .extra = "\"iat\":-1"));
	ck_refuses(HS(.exp = exp, .extra = arena_printf(a, "\"iat\":\"%lld\"", (long long)FX_NOW)));
	ck_refuses(HS(.exp = exp, .extra = arena_printf(a, "\"iat\":%lld.5", (long long)FX_NOW)));
	ck_refuses(HS(.exp = exp, .extra = "\"iat\":null"));
	/* The cache keeps no token the cap refuses: the second try is refused too. */
	ck_refuses(HS(.exp = "9223372036854775807"));
}
END_TEST

/* ---- iss and aud ---- */

START_TEST(issuer_must_match)
{
	ck_refuses(HS(.iss = "\"someone-else\""));
	ck_refuses(HS(.iss = "\"" FX_ISSUER "x\""));
	ck_refuses(HS(.iss = FX_OMIT));
	ck_refuses(HS(.iss = "[\"" FX_ISSUER "\"]"));
	cfg.issuer = NULL;
	ck_accepts(HS(.iss = FX_OMIT));
}
END_TEST

START_TEST(audience_string_or_array_must_contain)
{
	ck_accepts(HS(.aud = "\"" FX_AUDIENCE "\""));
	ck_accepts(HS(.aud = "[\"other\",\"" FX_AUDIENCE "\"]"));
	ck_refuses(HS(.aud = "\"other\""));
	ck_refuses(HS(.aud = "[\"other\",\"more\"]"));
	ck_refuses(HS(.aud = "[]"));
	ck_refuses(HS(.aud = "[[\"" FX_AUDIENCE "\"]]"));
	ck_refuses(HS(.aud = "{\"aud\":\"" FX_AUDIENCE "\"}"));
	ck_refuses(HS(.aud = FX_OMIT));
	cfg.audience = NULL;
	ck_accepts(HS(.aud = FX_OMIT));
}
END_TEST

/* ---- sub, workspaces, roles ---- */

START_TEST(sub_must_be_a_user_id)
{
	ck_refuses(HS(.sub = FX_OMIT));
	ck_refuses(HS(.sub = "\"user_a\""));
	ck_refuses(HS(.sub = "\"usr_\""));
	ck_refuses(HS(.sub = "\"usr_a b\""));
	ck_refuses(HS(.sub = "42"));
	ck_refuses(HS(.sub = "null"));
}
END_TEST

START_TEST(workspaces_must_map_ids_to_roles)
{
	ck_refuses(HS(.workspaces = FX_OMIT));
	ck_refuses(HS(.workspaces = "[\"ws_a\"]"));
	ck_refuses(HS(.workspaces = "\"ws_a\""));
	ck_refuses(HS(.workspaces = "null"));
	ck_refuses(HS(.workspaces = "{\"ws_a\":\"superuser\"}"));
	ck_refuses(HS(.workspaces = "{\"ws_a\":\"Admin\"}"));
	ck_refuses(HS(.workspaces = "{\"ws_a\":1}"));
	ck_refuses(HS(.workspaces = "{\"ws_a\":[\"admin\"]}"));
	ck_refuses(HS(.workspaces = "{\"team_a\":\"admin\"}"));
	ck_refuses(HS(.workspaces = "{\"ws_\":\"admin\"}"));
	ck_refuses(HS(.workspaces = "{\"ws_a\":\"admin\",\"ws_b/c\":\"viewer\"}"));
}
END_TEST

START_TEST(roles_must_be_an_array_of_strings)
{
	ck_refuses(HS(.roles = "\"platform_admin\""));
	ck_refuses(HS(.roles = "{}"));
	ck_refuses(HS(.roles = "null"));
	ck_refuses(HS(.roles = "[1]"));
	ck_refuses(HS(.roles = "[\"platform_admin\",null]"));
	ck_refuses(HS(.roles = "[[\"platform_admin\"]]"));
	ck_accepts(HS(.roles = "[]"));
	ck_assert_str_eq(caller.json, CALLER_ADMIN);
}
END_TEST

/* ---- the payload as text (hand-signed: libjwt would re-serialise it) ---- */

START_TEST(payload_not_an_object_refused)
{
	ck_refuses(RAW_HS("[1,2]"));
	ck_refuses(RAW_HS("[{\"sub\":\"usr_a\"}]"));
	ck_refuses(RAW_HS("\"usr_a\""));
	ck_refuses(RAW_HS("42"));
	ck_refuses(RAW_HS("not json"));
}
END_TEST

START_TEST(duplicate_claims_refused)
{
	const char *base = FX_DEFAULT_CLAIMS(a);
	const char *members = arena_strndup(a, base + 1, strlen(base) - 2);

	ck_accepts(RAW_HS(arena_printf(a, "{%s}", members)));
	ck_refuses(RAW_HS(arena_printf(a, "{\"sub\":\"usr_b\",%s}", members)));
	ck_refuses(RAW_HS(arena_printf(a, "{%s,\"exp\":1}", members)));
	ck_refuses(RAW_HS(arena_printf(
		a, "{%s,\"workspaces\":{\"ws_a\":\"owner\",\"ws_a\":\"viewer\"}}", members)));
}
END_TEST

START_TEST(payload_with_trailing_data_or_nan_refused)
{
	const char *base = FX_DEFAULT_CLAIMS(a);

	ck_refuses(RAW_HS(arena_printf(a, "%s x", base)));
	ck_refuses(RAW_HS(arena_printf(a, "{\"n\":NaN,%s", base + 1)));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *fixture = tcase_create("fixture");
	TCase *accepted = tcase_create("accepted");
	TCase *shape = tcase_create("shape");
	TCase *keys = tcase_create("keys");
	TCase *times = tcase_create("times");
	TCase *claims = tcase_create("claims");
	TCase *all[] = { fixture, accepted, shape, keys, times, claims };
	size_t i;

	tcase_add_test(fixture, hmac_matches_rfc4231_case2);
	tcase_add_test(fixture, hand_signed_token_is_accepted);

	tcase_add_test(accepted, hs256_accepted_with_exact_caller_json);
	tcase_add_test(accepted, rs256_accepted);
	tcase_add_test(accepted, es256_accepted);
	tcase_add_test(accepted, roles_are_copied_into_caller);
	tcase_add_test(accepted, several_workspaces_and_empty_workspaces);
	tcase_add_test(accepted, scheme_is_case_insensitive);

	tcase_add_test(shape, missing_or_non_bearer_header_refused);
	tcase_add_test(shape, wrong_segment_count_refused);
	tcase_add_test(shape, token_over_8192_bytes_refused);
	tcase_add_test(shape, header_not_json_refused);
	tcase_add_test(shape, duplicate_header_member_refused);
	tcase_add_test(shape, payload_not_an_object_refused);
	tcase_add_test(shape, duplicate_claims_refused);
	tcase_add_test(shape, payload_with_trailing_data_or_nan_refused);

	tcase_add_test(keys, alg_none_refused);
	tcase_add_test(keys, hs256_with_public_key_as_secret_refused);
	tcase_add_test(keys, hs256_refused_when_not_configured);
	tcase_add_test(keys, key_used_only_with_its_algorithm);
	tcase_add_test(keys, unknown_or_missing_kid_refused);
	tcase_add_test(keys, other_hmac_algorithms_refused);
	tcase_add_test(keys, wrong_secret_refused);
	tcase_add_test(keys, tampered_payload_refused);
	tcase_add_test(keys, tampered_signature_refused);

	tcase_add_test(times, exp_leeway);
	tcase_add_test(times, nbf_leeway);
	tcase_add_test(times, exp_missing_or_not_a_positive_integer_refused);
	tcase_add_test(times, nbf_not_an_integer_refused);
	tcase_add_test(times, exp_beyond_max_lifetime_refused);
	tcase_add_test(times, exp_minus_iat_beyond_max_lifetime_refused);

	tcase_add_test(claims, issuer_must_match);
	tcase_add_test(claims, audience_string_or_array_must_contain);
	tcase_add_test(claims, sub_must_be_a_user_id);
	tcase_add_test(claims, workspaces_must_map_ids_to_roles);
	tcase_add_test(claims, roles_must_be_an_array_of_strings);

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tcase_add_checked_fixture(all[i], setup, teardown);
		suite_add_tcase(s, all[i]);
	}
	return s;
}
