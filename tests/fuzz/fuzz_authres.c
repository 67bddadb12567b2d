/*
 * Fuzz target: recognising our own Authentication-Results headers. The
 * first line of the input is the authserv-id, the rest the header value.
 */
#include "fuzz.h"
#include "authres.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	char *nl = strchr(text, '\n');
	const char *value = "";

	if (nl != NULL) {
		*nl = 0;
		value = nl + 1;
	}
	mx6_authres_is_ours(value, text);
	mx6_authres_is_ours(value, "mx.test");
	mx6_authres_is_ours(text, "mx.test");
	free(text);
	return 0;
}
