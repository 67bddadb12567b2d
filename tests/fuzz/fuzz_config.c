/* Fuzz target: the milter.conf parser and validator (services left out). */
#include "fuzz.h"
#include "config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	/* List files a fuzzed configuration may name by a relative path. */
	fuzz_put("ip_whitelist", "192.0.2.0/24\n2001:db8::/32 # doc\n", 33);
	fuzz_put("domains", "example.org\n.example.net\n", 25);
	fuzz_put("noretry", "2001:db8::1\nexample.com\n", 24);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_put("milter.conf", data, size);
	struct mx6_config *cfg;

	cfg = mx6_config_load_flags(path, MX6_CONFIG_NO_SERVICES, fuzz_ignore_report, NULL);
	if (cfg != NULL) {
		const char *label = NULL;

		mx6_config_listener(cfg, "mta-v6", "[2001:db8::25]", "2001:db8::25", &label);
		if (label == NULL || strlen(label) == (size_t)-1)
			abort();
		mx6_config_listener(cfg, NULL, "192.0.2.25", NULL, &label);
		mx6_config_unref(&cfg);
	}
	return 0;
}
