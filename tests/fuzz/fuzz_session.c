/*
 * Fuzz target: a whole SMTP connection through lib/session.h, as the
 * milter layer would drive it, with a resolver that never leaves the
 * process (dns_unbound_conf with 'local-zone: "." static').
 *
 * The input is read as lines; the first byte of each is the event:
 *	C addr|client_name|daemon_name|daemon_addr|if_addr|raw   connect
 *	H helo        M sender[|auth_authen]     R recipient
 *	h Name:value  (header; "\n", "\r", "\t" escapes in the value)
 *	E eoh         B body line (sent with CRLF)     O eom
 *	A abort       Q queue id
 * Anything else is skipped. Events arrive only in an order an MTA could
 * send them (libmilter's state machine), so any crash is reachable:
 * no connect yet -> a default IPv6 connect is made first; MAIL only
 * between messages; RCPT after MAIL; headers after an accepted RCPT;
 * EOH after the headers; body after EOH; EOM ends the message. A
 * refusal at MAIL or at a header ends the message as the MTA would
 * (abort); a refusal at connect ends the connection.
 */
#include <sys/stat.h>
#include "fuzz.h"
#include "session.h"

static struct mx6_config *cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char conf[] =
		"authserv_id = mx.test\n"
		"default_mode = defensive\n"
		"listener = mta-mx6 mx6\n"
		"listener = mta-report report\n"
		"listener = mta-sub submission\n"
		"listener = mta-off off\n"
		"listener = [2001:db8::25] mx6\n"
		"iprev = greenlist\n"
		"ip_whitelist = ip_whitelist\n"
		"ip_greenlist = ip_greenlist\n"
		"domain_whitelist = domain_whitelist\n"
		"domain_greenlist = domain_greenlist\n"
		"noretry_list = noretry\n"
		"dnswl = list.dnswl.test=127.0.[0..255].[1..3]\n"
		"dnswl_domain = dwl.test\n"
		"addressbook = dir:ab\n"
		"add_authres = yes\n"
		"reply_authres = all\n"
		"registration_url = https://mx.test/ipv6-senders\n"
		"dns_timeout = 200\n"
		"dns_unbound_conf = offline.conf\n";
	static const char offline[] = "server:\n  local-zone: \".\" static\n";
	static const char ab[] = "alice@example.org\n@friends.test\n";
	char path[600];

	(void)argc;
	(void)argv;
	fuzz_quiet();
	fuzz_put("offline.conf", offline, sizeof(offline) - 1);
	fuzz_put("ip_whitelist", "2001:db8:1::/48\n192.0.2.1\n", 26);
	fuzz_put("ip_greenlist", "2001:db8:2::/48\n", 16);
	fuzz_put("domain_whitelist", "white.test\n", 11);
	fuzz_put("domain_greenlist", ".green.test\n", 12);
	fuzz_put("noretry", "2001:db8:3::1\nnoretry.test\n", 27);
	snprintf(path, sizeof(path), "%s/ab", fuzz_dir());
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "ab/bob@mx.test");
	fuzz_put(path, ab, sizeof(ab) - 1);
	cfg = mx6_config_load_flags(fuzz_put("milter.conf", conf, sizeof(conf) - 1),
				    MX6_CONFIG_NO_STORE, fuzz_ignore_report, NULL);
	if (cfg == NULL) {
		fprintf(stderr, "fuzz_session: the harness configuration does not load\n");
		abort();
	}
	return 0;
}

enum phase { IDLE, MAIL, RCPT, HEADERS, BODY };

/* Read a field up to SEP or the end of the string; returns the rest or NULL. */
static char *field(char *s, char sep)
{
	char *p = strchr(s, sep);

	if (p == NULL)
		return NULL;
	*p = 0;
	return p + 1;
}

static void unescape(char *s)
{
	char *w = s;

	for (; *s != 0; s++) {
		if (s[0] == '\\' && (s[1] == 'n' || s[1] == 'r' || s[1] == 't')) {
			*w++ = s[1] == 'n' ? '\n' : s[1] == 'r' ? '\r' : '\t';
			s++;
		} else {
			*w++ = *s;
		}
	}
	*w = 0;
}

static void check_reply(struct mx6_session *s, enum mx6_step step)
{
	if (step == MX6_STEP_TEMPFAIL || step == MX6_STEP_REJECT) {
		const struct mx6_reply *r = mx6_session_reply(s);

		if (r == NULL)
			abort();
	}
}

static void touch_eom(struct mx6_session *s, const struct mx6_eom_actions *a)
{
	size_t i, n = 0;
	const char *v;

	for (i = 0; i < a->ndelete; i++)
		n += strlen(a->delete[i].name) + a->delete[i].index;
	for (i = 0; i < a->nadd; i++)
		n += strlen(a->add[i].name) + strlen(a->add[i].value);
	if ((v = mx6_session_authres(s)) != NULL)
		n += strlen(v);
	if ((v = mx6_session_verdict_header(s)) != NULL)
		n += strlen(v);
	if ((v = mx6_session_listener(s)) != NULL)
		n += strlen(v);
	if (n == (size_t)-1)
		abort();
}

static int do_connect(struct mx6_session *s, char *arg)
{
	struct mx6_addr addr;
	struct mx6_connect_info info;
	char *fields[6] = { arg, NULL, NULL, NULL, NULL, NULL };
	size_t i;
	enum mx6_step step;

	for (i = 1; i < 6 && fields[i - 1] != NULL; i++)
		fields[i] = field(fields[i - 1], '|');
	memset(&info, 0, sizeof(info));
	info.client = mx6_addr_parse(fields[0], &addr) == 0 ? &addr : NULL;
	info.client_name = fields[1];
	info.daemon_name = fields[2];
	info.daemon_addr = fields[3];
	info.if_addr = fields[4];
	info.raw_header_values = fields[5] != NULL && fields[5][0] == '1';
	step = mx6_session_connect(s, &info);
	check_reply(s, step);
	return step == MX6_STEP_CONTINUE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct mx6_session *s = mx6_session_new(cfg);
	enum phase phase = IDLE;
	int connected = 0, skip_body = 0;
	unsigned rcpts = 0, events = 0;
	char *line, *next;

	if (s == NULL)
		abort();
	for (line = text; line != NULL && events < 256; line = next, events++) {
		char op = line[0], *arg = op != 0 ? line + 1 : line;
		enum mx6_step step;

		next = field(line, '\n');
		if (!connected && op != 'C') {
			char dflt[] = "2001:db8:9::1|mail.example.org|mta-mx6";

			if (!do_connect(s, dflt))
				break;
			connected = 1;
		}
		switch (op) {
		case 'C':
			if (connected)
				break;
			if (!do_connect(s, arg))
				goto done;
			connected = 1;
			break;
		case 'H':
			if (phase != IDLE)
				break;
			check_reply(s, mx6_session_helo(s, arg));
			break;
		case 'Q':
			mx6_session_set_queue_id(s, arg);
			break;
		case 'M': {
			char *auth;

			if (phase != IDLE)
				break;
			auth = field(arg, '|');
			step = mx6_session_mail(s, arg, auth);
			check_reply(s, step);
			if (step == MX6_STEP_CONTINUE) {
				phase = MAIL;
				rcpts = 0;
			} else {
				mx6_session_abort(s);
			}
			break;
		}
		case 'R':
			if (phase != MAIL && phase != RCPT)
				break;
			step = mx6_session_rcpt(s, arg);
			check_reply(s, step);
			if (step == MX6_STEP_CONTINUE)
				rcpts++;
			if (rcpts > 0)
				phase = RCPT;
			break;
		case 'h': {
			char *value;

			if (phase != RCPT && phase != HEADERS)
				break;
			phase = HEADERS;
			value = field(arg, ':');
			if (value == NULL)
				value = arg + strlen(arg);
			unescape(value);
			step = mx6_session_header(s, arg, value);
			check_reply(s, step);
			if (step != MX6_STEP_CONTINUE) {
				mx6_session_abort(s);
				phase = IDLE;
			}
			break;
		}
		case 'E':
			if (phase != RCPT && phase != HEADERS)
				break;
			step = mx6_session_eoh(s);
			check_reply(s, step);
			if (step != MX6_STEP_CONTINUE) {
				mx6_session_abort(s);
				phase = IDLE;
			} else {
				phase = BODY;
				skip_body = 0;
			}
			break;
		case 'B': {
			size_t len = strlen(arg);

			if (phase != BODY || skip_body)
				break;
			arg[len] = '\r'; /* room: the '\n' or NUL that ended the line */
			step = mx6_session_body(s, (const unsigned char *)arg, len + 1);
			arg[len] = 0;
			check_reply(s, step);
			if (step == MX6_STEP_SKIP)
				skip_body = 1;
			else if (step != MX6_STEP_CONTINUE) {
				mx6_session_abort(s);
				phase = IDLE;
			}
			break;
		}
		case 'O': {
			struct mx6_eom_actions actions;

			if (phase != BODY)
				break;
			memset(&actions, 0, sizeof(actions));
			step = mx6_session_eom(s, &actions);
			check_reply(s, step);
			if (step == MX6_STEP_ACCEPT || step == MX6_STEP_CONTINUE)
				touch_eom(s, &actions);
			mx6_session_verdict(s);
			mx6_session_action(s);
			mx6_session_decided_at(s);
			phase = IDLE;
			break;
		}
		case 'A':
			mx6_session_abort(s);
			phase = IDLE;
			break;
		default:
			break;
		}
	}
done:
	mx6_session_is_ipv6(s);
	mx6_session_mode(s);
	mx6_session_free(&s);
	free(text);
	return 0;
}
