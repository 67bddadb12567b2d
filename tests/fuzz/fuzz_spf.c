/*
 * Fuzz target: SPF record handling that is ours (lib/spf.c): the record
 * checks and rewrites done before libspf2 compiles a record (macros,
 * domain-specs, CIDR lengths, "/0", redirect order), the get_spf hook
 * (one v=spf1 record, printable text) and the DNS layer with its term,
 * void and MX/PTR follow limits.
 *
 * Input: TXT records for up to five names, separated by lines "----":
 * example.org (the MAIL FROM domain), a.example.org, b.example.org,
 * c.example.org, mail.example.org (the HELO name). Each line of a part is
 * one TXT record (a record over 255 bytes is split into character-strings
 * the way DNS carries it). Fixed records give "a", "mx", "ptr" and
 * "exists" something to find. Each input is checked for MAIL FROM from an
 * IPv4 and an IPv6 client and for HELO, on a static resolver that never
 * touches the network.
 */
#include "fuzz.h"
#include "auth.h"
#include "dns.h"
#include "iplist.h"
#include "spf.h"

#define T_A    1
#define T_PTR  12
#define T_MX   15
#define T_TXT  16
#define T_AAAA 28

static const char *const names[] = {
	"example.org", "a.example.org", "b.example.org", "c.example.org", "mail.example.org",
};

/* add_txt: one TXT record, cut into character-strings of 255 bytes. */
static void add_txt(struct mx6_dns *dns, const char *name, const char *text, size_t len)
{
	unsigned char rdata[4096 + 4096 / 255 + 1];
	size_t n = 0;

	if (len > 4096)
		len = 4096;
	do {
		size_t chunk = len > 255 ? 255 : len;

		rdata[n++] = (unsigned char)chunk;
		memcpy(rdata + n, text, chunk);
		n += chunk;
		text += chunk;
		len -= chunk;
	} while (len > 0);
	if (mx6_dns_static_add(dns, name, T_TXT, rdata, n) < 0)
		abort();
}

static void add_name(struct mx6_dns *dns, const char *name, int type, int pref,
		     const char *target)
{
	unsigned char rdata[300];
	int off = pref >= 0 ? 2 : 0;
	int len;

	rdata[0] = 0;
	rdata[1] = (unsigned char)(pref > 0 ? pref : 0);
	if (strcmp(target, ".") == 0)
		rdata[off] = 0, len = 1; /* the root: a null MX (RFC 7505) */
	else if ((len = mx6_dns_name_to_wire(target, rdata + off, sizeof(rdata) - 2)) < 0)
		abort();
	if (mx6_dns_static_add(dns, name, type, rdata, (size_t)(len + off)) < 0)
		abort();
}

static void add_fixed(struct mx6_dns *dns)
{
	static const unsigned char a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};
	static const unsigned char aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	if (mx6_dns_static_add(dns, "example.org", T_A, a1, 4) < 0 ||
	    mx6_dns_static_add(dns, "example.org", T_AAAA, aaaa, 16) < 0 ||
	    mx6_dns_static_add(dns, "mail.example.org", T_A, a2, 4) < 0)
		abort();
	add_name(dns, "example.org", T_MX, 10, "mail.example.org");
	add_name(dns, "a.example.org", T_MX, 0, ".");
	add_name(dns, "1.2.0.192.in-addr.arpa", T_PTR, -1, "mail.example.org");
	add_name(dns, "2.2.0.192.in-addr.arpa", T_PTR, -1, "example.org");
	if (mx6_dns_static_fail(dns, "c.example.org", T_A, MX6_DNS_TEMPFAIL) < 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

static void check(struct mx6_spf *spf, const char *ip, const char *helo, const char *sender,
		  enum mx6_spf_identity identity)
{
	struct mx6_addr client;
	char problem[256];
	enum mx6_auth result;

	if (mx6_addr_parse(ip, &client) < 0)
		abort();
	problem[0] = 0;
	result = mx6_spf_check(spf, &client, helo, sender, identity, problem, sizeof(problem));
	if (mx6_auth_name(result) == NULL || strnlen(problem, sizeof(problem)) == sizeof(problem))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *part, *next, *line, *eol;
	struct mx6_dns *dns;
	struct mx6_spf *spf;
	char err[256];
	size_t i;

	if (size > 16384)
		return 0;
	text = fuzz_strndup(data, size);
	if ((dns = mx6_dns_new_static(1000)) == NULL)
		abort();
	add_fixed(dns);
	part = text;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && *part != 0; i++) {
		next = fuzz_split(part);
		for (line = part; *line != 0; line = eol) {
			size_t len;

			if ((eol = strchr(line, '\n')) != NULL)
				len = (size_t)(eol++ - line);
			else
				len = strlen(line), eol = line + len;
			add_txt(dns, names[i], line, len);
		}
		part = next;
	}
	if ((spf = mx6_spf_new(dns, "mx.test", err, sizeof(err))) == NULL)
		abort();
	check(spf, "192.0.2.1", "mail.example.org", "user@example.org", MX6_SPF_MAILFROM);
	check(spf, "2001:db8::1", "mail.example.org", "user.name+x@example.org", MX6_SPF_MAILFROM);
	check(spf, "192.0.2.2", "mail.example.org", "", MX6_SPF_HELO);
	mx6_spf_free(&spf);
	mx6_dns_free(&dns);
	free(text);
	return 0;
}
