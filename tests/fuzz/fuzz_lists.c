/*
 * Fuzz target: IP list and domain list files. The input is loaded as
 * both; then each of its lines is parsed as an address and looked up,
 * and looked up as a domain.
 */
#include "fuzz.h"
#include "domainset.h"
#include "iplist.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_put("list", data, size);
	char err[512];
	struct mx6_iplist *ip = mx6_iplist_load(path, err, sizeof(err));
	struct mx6_domainset *dom = mx6_domainset_load(path, err, sizeof(err));
	char *text = fuzz_strndup(data, size);
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		struct mx6_addr addr;
		char buf[MX6_ADDR_STRLEN];
		unsigned lineno;

		if (mx6_addr_parse(line, &addr) == 0) {
			struct mx6_addr again;

			mx6_addr_format(&addr, buf);
			/* The conventional form must parse back to the same address. */
			if (mx6_addr_parse(buf, &again) != 0 || !mx6_addr_equal(&addr, &again))
				abort();
			if (ip != NULL)
				mx6_iplist_lookup(ip, &addr, &lineno);
		}
		if (dom != NULL)
			mx6_domainset_lookup(dom, line, &lineno);
		mx6_domain_valid(line);
	}
	if (ip != NULL)
		mx6_iplist_count(ip);
	mx6_iplist_free(&ip);
	mx6_domainset_free(&dom);
	free(text);
	return 0;
}
