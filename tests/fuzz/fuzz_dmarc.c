/* Fuzz target: DMARC TXT records, organizational domains and alignment. */
#include "fuzz.h"
#include "address.h"
#include "dmarc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *txt = fuzz_strndup(data, size);
	struct mx6_dmarc_record rec;
	char org[MX6_DOMAIN_MAX];

	if (mx6_dmarc_parse(txt, &rec) == 0) {
		enum mx6_dmarc_policy policy;

		mx6_dmarc_evaluate(&rec, "mail.example.org", MX6_AUTH_FAIL, "example.org",
				   NULL, 0, &policy);
		mx6_dmarc_policy_name(policy);
	}
	/* The same bytes as a domain name. */
	if (size < 300) {
		mx6_org_domain(txt, org, sizeof(org));
		if (strnlen(org, sizeof(org)) == sizeof(org))
			abort();
		mx6_domains_aligned(txt, "example.org", 0);
		mx6_domains_aligned(txt, "example.org", 1);
	}
	free(txt);
	return 0;
}
