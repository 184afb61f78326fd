#ifndef INTEGRATIONS_NETADDR_H
#define INTEGRATIONS_NETADDR_H

#include <stdbool.h>
#include <sys/socket.h>

/*
 * Whether a webhook may be sent to an address (PRODUCT §15): false for loopback, private,
 * link-local, unspecified, multicast, broadcast, carrier-grade NAT, documentation,
 * benchmarking and other special-purpose ranges, IPv4 and IPv6 (IPv4-mapped, NAT64 and
 * 6to4 addresses are judged by the IPv4 address they carry). Anything but AF_INET and
 * AF_INET6 is not public.
 */
bool netaddr_is_public(const struct sockaddr *sa);

/* The same for a numeric address in text ("10.0.0.1", "::1"); false when it is not one. */
bool netaddr_text_is_public(const char *text);

#endif
