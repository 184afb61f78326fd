#include "jwt_fixtures.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/b64url.h"
#include "base/strbuf.h"

const char FX_OMIT[] = "<omit>";

unsigned char *fx_read_fixture(struct arena *a, const char *name, size_t *len)
{
	const char *srcdir = getenv("srcdir");
	const char *path = arena_printf(a, "%s/tests/unit/fixtures/%s",
					srcdir != NULL && *srcdir != '\0' ? srcdir : ".", name);
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long size;

	ck_assert_msg(f != NULL, "cannot open fixture %s (is srcdir set?)", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_gt(size, 0);
	rewind(f);
	buf = arena_alloc(a, (size_t)size + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	buf[size] = '\0';
	*len = (size_t)size;
	return buf;
}

void fx_config(struct config *cfg, struct arena *a)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->hs256_secret = (unsigned char *)arena_strdup(a, FX_SECRET);
	cfg->hs256_secret_len = strlen(FX_SECRET);
	cfg->keys[0].kid = arena_strdup(a, FX_KID_RS);
	cfg->keys[0].alg = JWT_KEY_RS256;
	cfg->keys[0].pem = fx_read_fixture(a, "rs256-public.pem", &cfg->keys[0].pem_len);
	cfg->keys[1].kid = arena_strdup(a, FX_KID_ES);
	cfg->keys[1].alg = JWT_KEY_ES256;
	cfg->keys[1].pem = fx_read_fixture(a, "es256-public.pem", &cfg->keys[1].pem_len);
	cfg->n_keys = 2;
	cfg->issuer = arena_strdup(a, FX_ISSUER);
	cfg->audience = arena_strdup(a, FX_AUDIENCE);
	cfg->jwt_max_lifetime = CONFIG_JWT_MAX_LIFETIME_DEFAULT;
}

const char *fx_int(struct arena *a, long long v)
{
	return arena_printf(a, "%lld", v);
}

static void add_member(struct strbuf *sb, const char *name, const char *value, const char *fallback)
{
	if (value == FX_OMIT || (value == NULL && fallback == NULL))
		return;
	if (sb->len > 1)
		strbuf_putc(sb, ',');
	strbuf_printf(sb, "\"%s\":%s", name, value != NULL ? value : fallback);
}

const char *fx_claims_json(struct arena *a, const struct fx_claims *c)
{
	struct strbuf sb;

	strbuf_init(&sb, a);
	strbuf_putc(&sb, '{');
	add_member(&sb, "sub", c->sub, "\"usr_a\"");
	add_member(&sb, "workspaces", c->workspaces, "{\"ws_a\":\"admin\"}");
	add_member(&sb, "roles", c->roles, NULL);
	add_member(&sb, "exp", c->exp, fx_int(a, (long long)FX_NOW + 3600));
	add_member(&sb, "nbf", c->nbf, NULL);
	add_member(&sb, "iss", c->iss, "\"" FX_ISSUER "\"");
	add_member(&sb, "aud", c->aud, "\"" FX_AUDIENCE "\"");
	if (c->extra != NULL) {
		if (sb.len > 1)
			strbuf_putc(&sb, ',');
		strbuf_puts(&sb, c->extra);
	}
	strbuf_putc(&sb, '}');
	return sb.data;
}

const char *fx_mint_key(struct arena *a, jwt_alg_t alg, const char *kid, const unsigned char *key,
			size_t key_len, const char *claims)
{
	jwt_t *jwt = NULL;
	char *encoded;
	const char *token;

	ck_assert_int_eq(jwt_new(&jwt), 0);
	ck_assert_int_eq(jwt_set_alg(jwt, alg, key, (int)key_len), 0);
	if (kid != NULL)
		ck_assert_int_eq(jwt_add_header(jwt, "kid", kid), 0);
	ck_assert_msg(jwt_add_grants_json(jwt, claims) == 0, "libjwt refused claims %s", claims);
	encoded = jwt_encode_str(jwt);
	jwt_free(jwt);
	ck_assert_ptr_nonnull(encoded);
	token = arena_strdup(a, encoded);
	free(encoded);
	return token;
}

const char *fx_mint(struct arena *a, jwt_alg_t alg, const char *kid, const char *claims)
{
	const unsigned char *key;
	size_t key_len;

	switch (alg) {
	case JWT_ALG_HS256:
	case JWT_ALG_HS384:
	case JWT_ALG_HS512:
		key = (const unsigned char *)FX_SECRET;
		key_len = strlen(FX_SECRET);
		break;
	case JWT_ALG_RS256:
		key = fx_read_fixture(a, "rs256-private.pem", &key_len);
		break;
	case JWT_ALG_ES256:
		key = fx_read_fixture(a, "es256-private.pem", &key_len);
		break;
	default:
		ck_abort_msg("no fixture key for algorithm %s", jwt_alg_str(alg));
		return NULL;
	}
	return fx_mint_key(a, alg, kid, key, key_len, claims);
}

static const char *b64_bytes(struct arena *a, const unsigned char *data, size_t len)
{
	char *out = arena_alloc(a, B64URL_ENCODED_LEN(len) + 1);

	b64url_encode(data, len, out);
	return out;
}

const char *fx_b64(struct arena *a, const char *text)
{
	return b64_bytes(a, (const unsigned char *)text, strlen(text));
}

const char *fx_assemble(struct arena *a, const char *header_json, const char *payload_json,
			const char *signature)
{
	return arena_printf(a, "%s.%s.%s", fx_b64(a, header_json), fx_b64(a, payload_json),
			    signature);
}

const char *fx_sign_hs256(struct arena *a, const char *header_json, const char *payload_json,
			  const char *key)
{
	const char *input = arena_printf(a, "%s.%s", fx_b64(a, header_json),
					 fx_b64(a, payload_json));
	unsigned char mac[32];

	fx_hmac_sha256((const unsigned char *)key, strlen(key), (const unsigned char *)input,
		       strlen(input), mac);
	return arena_printf(a, "%s.%s", input, b64_bytes(a, mac, sizeof(mac)));
}

const char *fx_bearer(struct arena *a, const char *token)
{
	return arena_printf(a, "Bearer %s", token);
}

const char *fx_default_bearer(struct arena *a)
{
	return fx_bearer(a, fx_mint(a, JWT_ALG_HS256, NULL, FX_DEFAULT_CLAIMS(a)));
}

/*
 * SHA-256 (FIPS 180-4) and HMAC (RFC 2104), small and slow: only for signing
 * exact header/payload texts that libjwt would re-serialise (duplicate keys,
 * non-object payloads). The tests link no crypto library of their own.
 */
struct sha256 {
	uint32_t h[8];
	unsigned char block[64];
	size_t fill;
	uint64_t total;
};

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static void sha256_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t w[64], v[8], t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ w[i - 2] >> 10) + w[i - 7] +
		       (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ w[i - 15] >> 3) + w[i - 16];
	memcpy(v, s->h, sizeof(v));
	for (i = 0; i < 64; i++) {
		t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
		     ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha256_k[i] + w[i];
		t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
		     ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		s->h[i] += v[i];
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, h0, sizeof(h0));
	s->fill = 0;
	s->total = 0;
}

static void sha256_update(struct sha256 *s, const unsigned char *p, size_t len)
{
	s->total += len;
	while (len > 0) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;

		memcpy(s->block + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill == 64) {
			sha256_block(s, s->block);
			s->fill = 0;
		}
	}
}

static void sha256_final(struct sha256 *s, unsigned char out[32])
{
	uint64_t bits = s->total * 8;
	unsigned char pad = 0x80, len_be[8];
	int i;

	sha256_update(s, &pad, 1);
	pad = 0;
	while (s->fill != 56)
		sha256_update(s, &pad, 1);
	for (i = 0; i < 8; i++)
		len_be[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(s, len_be, 8);
	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

void fx_hmac_sha256(const unsigned char *key, size_t key_len, const unsigned char *data, size_t len,
		    unsigned char out[32])
{
	unsigned char k[64] = { 0 }, pad[64], inner[32];
	struct sha256 s;
	int i;

	if (key_len > sizeof(k)) {
		sha256_init(&s);
		sha256_update(&s, key, key_len);
		sha256_final(&s, k);
	} else {
		memcpy(k, key, key_len);
	}
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&s);
	sha256_update(&s, pad, sizeof(pad));
	sha256_update(&s, data, len);
	sha256_final(&s, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&s);
	sha256_update(&s, pad, sizeof(pad));
	sha256_update(&s, inner, sizeof(inner));
	sha256_final(&s, out);
}
