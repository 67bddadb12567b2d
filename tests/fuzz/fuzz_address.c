/* Fuzz target: From header values and envelope addresses. */
#include "fuzz.h"
#include "address.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = fuzz_strndup(data, size);
	char addr[MX6_ADDRESS_MAX], domain[MX6_DOMAIN_MAX];
	char small_addr[8], small_domain[5];

	if (mx6_address_from_header(value, addr, sizeof(addr), domain, sizeof(domain)) == 0) {
		if (strnlen(addr, sizeof(addr)) == sizeof(addr) ||
		    strnlen(domain, sizeof(domain)) == sizeof(domain))
			abort();
	}
	if (mx6_address_from_header(value, small_addr, sizeof(small_addr), small_domain,
				    sizeof(small_domain)) == 0) {
		if (strnlen(small_addr, sizeof(small_addr)) == sizeof(small_addr) ||
		    strnlen(small_domain, sizeof(small_domain)) == sizeof(small_domain))
			abort();
	}
	if (mx6_address_domain(value, domain, sizeof(domain)) == 0 &&
	    strnlen(domain, sizeof(domain)) == sizeof(domain))
		abort();
	if (mx6_address_domain(value, small_domain, sizeof(small_domain)) == 0 &&
	    strnlen(small_domain, sizeof(small_domain)) == sizeof(small_domain))
		abort();
	free(value);
	return 0;
}
