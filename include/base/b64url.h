#ifndef INTEGRATIONS_B64URL_H
#define INTEGRATIONS_B64URL_H

#include <stddef.h>

/* Bytes needed to decode len characters of unpadded base64url. */
#define B64URL_DECODED_MAX(len) ((len) / 4 * 3 + 3)
/* Characters written by encoding len bytes, without padding or NUL. */
#define B64URL_ENCODED_LEN(len) (((len)*4 + 2) / 3)

/*
 * Decodes unpadded base64url (RFC 4648 §5) into out, which has room for
 * B64URL_DECODED_MAX(len) bytes. Returns the decoded length, or -1 on a
 * character outside the alphabet, an impossible length, or non-zero pad bits.
 */
long b64url_decode(const char *in, size_t len, unsigned char *out);
/* Encodes len bytes into out (room for B64URL_ENCODED_LEN(len) + 1); NUL-terminates. */
void b64url_encode(const unsigned char *in, size_t len, char *out);

#endif
