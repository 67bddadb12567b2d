/*
 * Fuzz target: addressbooks. The input is "PLAIN\n----\nVCARD\n----\nSENDERS":
 * the plain correspondents file and the vCard file of bob@example.net,
 * then one sender per line to look up (a few fixed ones are always
 * asked). Every run rewrites the files, so the cache reloads them.
 */
#include <sys/stat.h>
#include <sys/time.h>
#include "fuzz.h"
#include "addressbook.h"

static unsigned run;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

static void put_dated(const char *name, const char *text)
{
	const char *path = fuzz_put(name, text, strlen(text));
	struct timeval tv[2];

	/* A new mtime every run, so the cache never serves the last input. */
	run++;
	tv[0].tv_sec = tv[1].tv_sec = 1000000 + run;
	tv[0].tv_usec = tv[1].tv_usec = 0;
	utimes(path, tv);
}

static void ask(struct mx6_addressbook *ab, const char *rcpt, const char *sender)
{
	char file[256];
	unsigned line = 0;

	if (mx6_addressbook_contains(ab, rcpt, sender, file, sizeof(file), &line) == 1 &&
	    strnlen(file, sizeof(file)) == sizeof(file))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fixed[] = {
		"alice@example.org", "a@b", "@example.org", "", "x@EXAMPLE.NET", NULL,
	};
	char *plain = fuzz_strndup(data, size);
	char *vcard = fuzz_split(plain);
	char *senders = fuzz_split(vcard);
	char spec[300], err[256];
	struct mx6_addressbook *ab;
	char *line, *save = NULL;
	size_t i;

	put_dated("bob@example.net", plain);
	put_dated("bob@example.net.vcf", vcard);
	snprintf(spec, sizeof(spec), "dir:%s", fuzz_dir());
	if ((ab = mx6_addressbook_open(spec, 4, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	for (i = 0; fixed[i] != NULL; i++)
		ask(ab, "bob@example.net", fixed[i]);
	for (line = strtok_r(senders, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		ask(ab, "bob@example.net", line);
		ask(ab, "BOB@example.net", line);
		/* The line as a recipient: must never escape the directory. */
		ask(ab, line, "alice@example.org");
	}
	mx6_addressbook_close(&ab);
	free(plain);
	return 0;
}
