/* Fuzz target: DNSWL list specifications ("ZONE" or "ZONE=PATTERN"). */
#include "fuzz.h"
#include "dnswl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_strndup(data, size);
	struct mx6_dnswl_zone zone;
	char err[256];

	if (mx6_dnswl_parse(spec, &zone, err, sizeof(err)) == 0) {
		if (strnlen(zone.zone, sizeof(zone.zone)) == sizeof(zone.zone) ||
		    strnlen(zone.spec, sizeof(zone.spec)) == sizeof(zone.spec))
			abort();
	} else if (strnlen(err, sizeof(err)) == sizeof(err)) {
		abort();
	}
	free(spec);
	return 0;
}
