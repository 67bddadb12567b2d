/*
 * NAME
 *	noop-milter 1
 * SUMMARY
 *	the cheapest milter that still sees a whole message: the floor of
 *	bench/run
 * SYNOPSIS
 *	bench/noop-milter unix:PATH
 * DESCRIPTION
 *	Registers the callbacks a content milter such as mx6-milter needs
 *	(connect, HELO, MAIL, RCPT, header, end of headers, body, end of
 *	message) and does nothing in them. As measured for
 *	PLATFORM-NOTES ("Measured baselines"), an every-event no-op is not the
 *	floor: this one leaves the unknown-command and DATA callbacks NULL
 *	(libmilter then negotiates SMFIP_NOUNKNOWN and SMFIP_NODATA itself)
 *	and asks in xxfi_negotiate for SMFIP_NR_CONN, _HELO, _HDR, _EOH and
 *	_BODY, answering SMFIS_NOREPLY from those callbacks so that the MTA
 *	never waits on them. MAIL, RCPT and end of message keep their reply,
 *	as in any milter that can decide there. Runs in the foreground until
 *	SIGTERM or SIGINT (libmilter's own handling).
 * EXIT STATUS
 *	0 after a signal, 1 on error, 2 usage.
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The reply-less steps we ask for when the MTA offers them. */
static const unsigned long nr_wanted =
    SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;
static unsigned long nr_granted; /* the same for every connection of one MTA */

static sfsistat noreply(unsigned long flag)
{
	return (nr_granted & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
			     unsigned long f3, unsigned long *pf0, unsigned long *pf1,
			     unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f2;
	(void)f3;
	*pf0 = f0 & 0; /* no actions needed */
	*pf1 = f1 & nr_wanted;
	*pf2 = 0;
	*pf3 = 0;
	nr_granted = *pf1;
	return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	(void)ctx;
	(void)host;
	(void)addr;
	return noreply(SMFIP_NR_CONN);
}

static sfsistat cb_helo(SMFICTX *ctx, char *name)
{
	(void)ctx;
	(void)name;
	return noreply(SMFIP_NR_HELO);
}

static sfsistat cb_envelope(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return noreply(SMFIP_NR_HDR);
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return noreply(SMFIP_NR_EOH);
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)ctx;
	(void)chunk;
	(void)len;
	return noreply(SMFIP_NR_BODY);
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name = "noop-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = 0,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envelope,
	.xxfi_envrcpt = cb_envelope,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_negotiate = cb_negotiate,
};

int main(int argc, char **argv)
{
	if (argc != 2 || strncmp(argv[1], "unix:", 5) != 0) {
		fprintf(stderr, "usage: noop-milter unix:PATH\n");
		return 2;
	}
	(void)unlink(argv[1] + 5);
	umask(0);
	if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS) {
		fprintf(stderr, "noop-milter: cannot set up %s\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
