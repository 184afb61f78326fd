/* Unpadded base64url (RFC 4648 §5): vectors, round trips, and what decoding refuses. */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#include "base/b64url.h"

/* Decodes s into a heap buffer of exactly B64URL_DECODED_MAX bytes (ASan sees overruns). */
static long decode(const char *s, unsigned char **out)
{
	size_t len = strlen(s);

	*out = malloc(B64URL_DECODED_MAX(len));
	ck_assert_ptr_nonnull(*out);
	return b64url_decode(s, len, *out);
}

static int decodes(const char *s)
{
	unsigned char *buf;
	long n = decode(s, &buf);

	free(buf);
	return n >= 0;
}

static const struct {
	const char *plain;
	const char *encoded;
} rfc4648[] = {
	{ "", "" },           { "f", "Zg" },          { "fo", "Zm8" },          { "foo", "Zm9v" },
	{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
};

START_TEST(rfc4648_vectors_encode)
{
	const char *plain = rfc4648[_i].plain;
	char *out = malloc(B64URL_ENCODED_LEN(strlen(plain)) + 1);

	b64url_encode((const unsigned char *)plain, strlen(plain), out);
	ck_assert_str_eq(out, rfc4648[_i].encoded);
	free(out);
}
END_TEST

START_TEST(rfc4648_vectors_decode)
{
	unsigned char *buf;
	long n = decode(rfc4648[_i].encoded, &buf);

	ck_assert_int_eq(n, (long)strlen(rfc4648[_i].plain));
	ck_assert_mem_eq(buf, rfc4648[_i].plain, (size_t)n);
	free(buf);
}
END_TEST

START_TEST(url_alphabet_not_standard)
{
	static const unsigned char bytes[] = { 0xFB, 0xFF, 0xBF };
	char out[8];
	unsigned char *buf;
	long n;

	/* Standard base64 would be "+/+/". */
	b64url_encode(bytes, sizeof(bytes), out);
	ck_assert_str_eq(out, "-_-_");
	n = decode("-_-_", &buf);
	ck_assert_int_eq(n, 3);
	ck_assert_mem_eq(buf, bytes, 3);
	free(buf);
}
END_TEST

START_TEST(round_trip_every_length)
{
	size_t len = (size_t)_i, i;
	unsigned char in[64], *back;
	char out[B64URL_ENCODED_LEN(64) + 1];
	long n;

	srand(1000 + _i);
	for (i = 0; i < len; i++)
		in[i] = (unsigned char)rand();
	b64url_encode(in, len, out);
	ck_assert_uint_eq(strlen(out), B64URL_ENCODED_LEN(len));
	ck_assert_msg(
		strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
			strlen(out),
		"not base64url: %s", out);
	n = decode(out, &back);
	ck_assert_int_eq(n, (long)len);
	ck_assert_mem_eq(back, in, len);
	free(back);
}
END_TEST

START_TEST(round_trip_all_byte_values)
{
	unsigned char in[256], *back;
	char out[B64URL_ENCODED_LEN(256) + 1];
	int i;

	for (i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	b64url_encode(in, sizeof(in), out);
	ck_assert_int_eq(decode(out, &back), 256);
	ck_assert_mem_eq(back, in, sizeof(in));
	free(back);
}
END_TEST

START_TEST(characters_outside_the_alphabet_refused)
{
	static const char *const bad[] = {
		"Zm9v+g",  "Zm9v/g", "Zm9vYg==",  "Zg==",       "Zm9 vg",
		"Zm9v\ng", "Zm.v",   "Zm9v\x80g", "Zm\xC3\xA9",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!decodes(bad[i]), "decoded \"%s\"", bad[i]);
	/* A NUL inside the given length is a character outside the alphabet too. */
	{
		unsigned char out[8];

		ck_assert_int_eq(b64url_decode("Zm\0v", 4, out), -1);
	}
}
END_TEST

START_TEST(impossible_length_refused)
{
	ck_assert(!decodes("Z"));
	ck_assert(!decodes("Zm9vY"));
	ck_assert(!decodes("Zm9vYmFyZ"));
	/* A lone last character of zero bits would pass a pad-bits check alone. */
	ck_assert(!decodes("A"));
	ck_assert(!decodes("Zm9vA"));
	ck_assert(!decodes("Zm9vYmFyA"));
	ck_assert(decodes("Zm9vYg"));
	ck_assert(decodes("Zm9vYmE"));
}
END_TEST

START_TEST(nonzero_pad_bits_refused)
{
	/* "Zg" is "f"; Zh..Zv differ only in the 4 pad bits. */
	ck_assert(decodes("Zg"));
	ck_assert(!decodes("Zh"));
	ck_assert(!decodes("Zv"));
	/* "Zm8" is "fo"; Zm9 sets the 2 pad bits. */
	ck_assert(decodes("Zm8"));
	ck_assert(!decodes("Zm9"));
	ck_assert(!decodes("Zm_"));
	ck_assert(!decodes("Zm9vYh"));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("b64url");
	TCase *tc = tcase_create("b64url");
	int n_vectors = (int)(sizeof(rfc4648) / sizeof(rfc4648[0]));

	tcase_add_loop_test(tc, rfc4648_vectors_encode, 0, n_vectors);
	tcase_add_loop_test(tc, rfc4648_vectors_decode, 0, n_vectors);
	tcase_add_test(tc, url_alphabet_not_standard);
	tcase_add_loop_test(tc, round_trip_every_length, 0, 65);
	tcase_add_test(tc, round_trip_all_byte_values);
	tcase_add_test(tc, characters_outside_the_alphabet_refused);
	tcase_add_test(tc, impossible_length_refused);
	tcase_add_test(tc, nonzero_pad_bits_refused);
	suite_add_tcase(s, tc);
	return s;
}
