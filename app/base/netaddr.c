#include "base/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

struct range4 {
	uint32_t net;
	int bits;
};

/* IANA's IPv4 special-purpose registry: none of these is a public receiver. */
static const struct range4 special4[] = {
	{ 0x00000000, 8 }, /* 0.0.0.0/8 this network */
	{ 0x0a000000, 8 }, /* 10.0.0.0/8 private */
	{ 0x64400000, 10 }, /* 100.64.0.0/10 carrier-grade NAT */
	{ 0x7f000000, 8 }, /* 127.0.0.0/8 loopback */
	{ 0xa9fe0000, 16 }, /* 169.254.0.0/16 link-local (cloud metadata) */
	{ 0xac100000, 12 }, /* 172.16.0.0/12 private */
	{ 0xc0000000, 24 }, /* 192.0.0.0/24 IETF protocol assignments */
	{ 0xc0000200, 24 }, /* 192.0.2.0/24 documentation */
	{ 0xc0586300, 24 }, /* 192.88.99.0/24 6to4 relay anycast */
	{ 0xc0a80000, 16 }, /* 192.168.0.0/16 private */
	{ 0xc6120000, 15 }, /* 198.18.0.0/15 benchmarking */
	{ 0xc6336400, 24 }, /* 198.51.100.0/24 documentation */
	{ 0xcb007100, 24 }, /* 203.0.113.0/24 documentation */
	{ 0xe0000000, 4 }, /* 224.0.0.0/4 multicast */
	{ 0xf0000000, 4 }, /* 240.0.0.0/4 reserved, and 255.255.255.255 broadcast */
};

static bool ipv4_is_public(uint32_t addr)
{
	size_t i;

	for (i = 0; i < sizeof(special4) / sizeof(special4[0]); i++) {
		uint32_t mask = 0xffffffffu << (32 - special4[i].bits);

		if ((addr & mask) == special4[i].net)
			return false;
	}
	return true;
}

static uint32_t ipv4_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static bool ipv6_is_public(const unsigned char *a)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	static const unsigned char zero[12];

	/* ::ffff:a.b.c.d and 64:ff9b::a.b.c.d reach the IPv4 address they carry. */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return ipv4_is_public(ipv4_at(a + 12));
	/* ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d. */
	if (memcmp(a, zero, 12) == 0)
		return false;
	/* 2002::/16 6to4: the IPv4 address of bits 16–47. */
	if (a[0] == 0x20 && a[1] == 0x02)
		return ipv4_is_public(ipv4_at(a + 2));
	/* 2001:db8::/32 documentation; 2001::/23 IETF protocol assignments (Teredo and others). */
	if (a[0] == 0x20 && a[1] == 0x01 && ((a[2] == 0x0d && a[3] == 0xb8) || a[2] < 0x02))
		return false;
	/* Only 2000::/3 is global unicast: this leaves out fc00::/7 unique-local, fe80::/10
	 * link-local, fec0::/10 site-local, ff00::/8 multicast and everything unassigned. */
	return (a[0] & 0xe0) == 0x20;
}

bool netaddr_is_public(const struct sockaddr *sa)
{
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		return ipv4_is_public(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		return ipv6_is_public(in6->sin6_addr.s6_addr);
	}
	return false;
}

bool netaddr_text_is_public(const char *text)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	if (text == NULL)
		return false;
	if (inet_pton(AF_INET, text, &in.sin_addr) == 1)
		return netaddr_is_public((const struct sockaddr *)&in);
	if (inet_pton(AF_INET6, text, &in6.sin6_addr) == 1)
		return netaddr_is_public((const struct sockaddr *)&in6);
	return false;
}
