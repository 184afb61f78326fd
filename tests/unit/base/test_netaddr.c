/* netaddr_is_public: the webhook address policy (PRODUCT §15), IPv4 and IPv6. */
#include "check_main.h"

#include "base/netaddr.h"

static const char *const refused[] = {
	"0.0.0.0",
	"0.1.2.3",
	"10.0.0.1",
	"10.255.255.255",
	"100.64.0.1",
	"100.127.255.254",
	"127.0.0.1",
	"127.255.0.9",
	"169.254.169.254",
	"172.16.0.1",
	"172.31.255.255",
	"192.0.0.8",
	"192.0.2.10",
	"192.88.99.1",
	"192.168.1.1",
	"198.18.0.1",
	"198.19.255.255",
	"198.51.100.7",
	"203.0.113.9",
	"224.0.0.1",
	"239.255.255.250",
	"240.0.0.1",
	"255.255.255.255",
	"::",
	"::1",
	"::127.0.0.1",
	"::ffff:127.0.0.1",
	"::ffff:10.1.2.3",
	"64:ff9b::a00:1",
	"2002:7f00:1::",
	"2002:c0a8:101::1",
	"2001:db8::1",
	"2001::1",
	"2001:1ff::1",
	"fc00::1",
	"fd12:3456::1",
	"fe80::1",
	"fec0::1",
	"ff02::1",
	"100::1",
	"not an address",
	"",
	"1.2.3",
	"example.com",
};

static const char *const allowed[] = {
	"1.1.1.1",
	"8.8.8.8",
	"93.184.216.34",
	"100.63.255.255",
	"100.128.0.1",
	"172.15.255.255",
	"172.32.0.1",
	"192.0.1.1",
	"192.169.0.1",
	"198.17.255.255",
	"198.20.0.1",
	"223.255.255.254",
	"::ffff:8.8.8.8",
	"64:ff9b::808:808",
	"2002:808:808::1",
	"2001:4860:4860::8888",
	"2606:4700:4700::1111",
	"2a00:1450:4001::1",
	"2001:200::1",
};

START_TEST(refuses_special_purpose)
{
	ck_assert_msg(!netaddr_text_is_public(refused[_i]), "%s was judged public", refused[_i]);
}
END_TEST

START_TEST(allows_global_unicast)
{
	ck_assert_msg(netaddr_text_is_public(allowed[_i]), "%s was refused", allowed[_i]);
}
END_TEST

START_TEST(other_families_and_null)
{
	struct sockaddr unix_like = { .sa_family = AF_UNIX };

	ck_assert(!netaddr_is_public(NULL));
	ck_assert(!netaddr_is_public(&unix_like));
	ck_assert(!netaddr_text_is_public(NULL));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("netaddr");
	TCase *tc = tcase_create("netaddr");

	tcase_add_loop_test(tc, refuses_special_purpose, 0,
			    (int)(sizeof(refused) / sizeof(refused[0])));
	tcase_add_loop_test(tc, allows_global_unicast, 0,
			    (int)(sizeof(allowed) / sizeof(allowed[0])));
	tcase_add_test(tc, other_families_and_null);
	suite_add_tcase(s, tc);
	return s;
}
