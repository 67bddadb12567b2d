/* Fuzz target: RDAP responses and IANA bootstrap registries (lib/rdap_parse.c). */
#include "fuzz.h"
#include "rdap.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const domains[] = {"example.com", "a.b.example.test", "test", ""};
	struct mx6_rdap_bootstrap *b;
	struct mx6_rdap_info info;
	struct mx6_addr addr;
	char err[256];
	size_t i;

	if (mx6_rdap_parse((const char *)data, size, &info) == 0) {
		/* Bounded, NUL-terminated, digits only. */
		if (strnlen(info.registrar_id, sizeof(info.registrar_id)) == sizeof(info.registrar_id) ||
		    strspn(info.registrar_id, "0123456789") != strlen(info.registrar_id) ||
		    strnlen(info.registrar_name, sizeof(info.registrar_name)) ==
			    sizeof(info.registrar_name) ||
		    (info.contact != 0 && info.contact != 1))
			abort();
	}
	if ((b = mx6_rdap_bootstrap_parse((const char *)data, size, MX6_RDAP_DNS, err,
					  sizeof(err))) != NULL) {
		for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
			mx6_rdap_bootstrap_domain(b, domains[i]);
		mx6_rdap_bootstrap_free(&b);
	}
	if ((b = mx6_rdap_bootstrap_parse((const char *)data, size, MX6_RDAP_IPV6, err,
					  sizeof(err))) != NULL) {
		if (mx6_addr_parse("2001:db8:a::25", &addr) == 0)
			mx6_rdap_bootstrap_ipv6(b, &addr);
		memset(&addr, 0xff, sizeof(addr));
		mx6_rdap_bootstrap_ipv6(b, &addr);
		mx6_rdap_bootstrap_free(&b);
	}
	return 0;
}
