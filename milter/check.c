/*
 * NAME
 *	mx6-check 1
 * SUMMARY
 *	explain the verdict mx6-milter would give one message
 * SYNOPSIS
 *	mx6-check --config FILE --ip ADDR [--helo NAME] [--from ADDR]
 *		[--rcpt ADDR]... [--listener NAME|[ADDRESS]] [--json]
 *		[MESSAGE-FILE|-]
 * DESCRIPTION
 *	Drives the daemon's own engine (lib/session.c: the same gatherers and
 *	mx6_decide()) through one SMTP transaction without an MTA, feeding
 *	the headers of MESSAGE-FILE the way an MTA passes them, and prints
 *	what the daemon would do: class, reasons, source, the reply and the
 *	stage it is given at, the headers it would add and the forged ones it
 *	would remove.
 * DIAGNOSTICS
 *	Exit 0: accepted (or not decided: IPv4, mode off); 1: deferred or
 *	rejected; 2: usage or configuration error.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "session.h"
#include "util.h"

#define MAX_RCPTS 1000
#define MAX_HEADER_BYTES (1024 * 1024)

struct outcome {
	enum mx6_step step;
	const char *stage;
	struct mx6_eom_actions actions;
};

static void report_stderr(void *ctx, const char *message)
{
	(void)ctx;
	fprintf(stderr, "%s\n", message);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mx6-check --config FILE --ip ADDR [--helo NAME] [--from ADDR]\n"
		"                 [--rcpt ADDR]... [--listener NAME|[ADDRESS]] [--json]\n"
		"                 [MESSAGE-FILE|-]\n"
		"       mx6-check --config FILE --history DOMAIN | --addressbook USER [--json]\n"
		"       mx6-check --config FILE --export-state | --import-state FILE|-\n");
	exit(2);
}

/* Every JSON string goes through the one escaper in lib/util.c. */
#define json_string(s) mx6_json_string(stdout, (s))

static void print_correspondent(void *ctx, const char *correspondent, int64_t last_seen)
{
	int *json = ctx;

	if (*json >= 1) {
		printf("%s{\"correspondent\":", *json > 1 ? "," : "");
		json_string(correspondent);
		printf(",\"last_seen\":%lld}", (long long)last_seen);
	} else
		printf("%s last-seen=%lld\n", correspondent, (long long)last_seen);
	if (*json >= 1)
		*json = 2;
}

/* What the state store knows (SPEC 6), and its backup and migration. */
static int state_command(const char *config, int op, const char *arg, int json)
{
	struct mx6_config *cfg = mx6_config_load(config, report_stderr, NULL);
	int64_t now = (int64_t)time(NULL);
	struct mx6_history h;
	char err[512];
	long n;
	int rc = 0;

	if (cfg == NULL)
		return 2;
	if (cfg->store == NULL) {
		fprintf(stderr, "mx6-check: %s has no state store (learn = no)\n", config);
		mx6_config_unref(&cfg);
		return 2;
	}
	switch (op) {
	case 'D':
		rc = mx6_store_history_get(cfg->store, arg, now,
					   (int64_t)cfg->history_max_age * 86400, &h);
		if (rc < 0) {
			fprintf(stderr, "mx6-check: state store %s unavailable\n",
				mx6_store_url(cfg->store));
			rc = 2;
			break;
		}
		if (json) {
			printf("{\"domain\":");
			json_string(arg);
			printf(",\"known\":%s,\"count\":%llu,\"first_seen\":%lld,"
			       "\"last_seen\":%lld}\n",
			       rc ? "true" : "false", rc ? (unsigned long long)h.count : 0ULL,
			       rc ? (long long)h.first_seen : 0LL, rc ? (long long)h.last_seen : 0LL);
		} else if (rc)
			printf("%s: %llu authenticated IPv4 messages, first %lld, last %lld "
			       "(%lld days)%s\n",
			       arg, (unsigned long long)h.count, (long long)h.first_seen,
			       (long long)h.last_seen, (long long)((now - h.first_seen) / 86400),
			       h.count >= cfg->history_min_messages &&
					       (now - h.first_seen) / 86400 >=
						       (int64_t)cfg->history_min_days
				       ? ": a greenlist signal"
				       : "");
		else
			printf("%s: no authenticated IPv4 history\n", arg);
		rc = 0;
		break;
	case 'A':
		if (json) {
			printf("{\"user\":");
			json_string(arg);
			printf(",\"correspondents\":[");
		}
		n = mx6_store_addressbook_list(cfg->store, arg, print_correspondent, &json);
		if (json)
			printf("]}\n");
		if (n < 0) {
			fprintf(stderr, "mx6-check: state store %s unavailable\n",
				mx6_store_url(cfg->store));
			rc = 2;
		}
		break;
	case 'E':
		if (mx6_store_export(cfg->store, stdout) < 0) {
			fprintf(stderr, "mx6-check: state store %s unavailable\n",
				mx6_store_url(cfg->store));
			rc = 2;
		}
		break;
	case 'I': {
		FILE *in = strcmp(arg, "-") == 0 ? stdin : fopen(arg, "r");

		if (in == NULL) {
			perror(arg);
			rc = 2;
			break;
		}
		n = mx6_store_import(cfg->store, in, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "mx6-check: %s:%s\n", arg, err);
			rc = 2;
		} else {
			fprintf(stderr, "mx6-check: imported %ld entries into %s\n", n,
				mx6_store_url(cfg->store));
		}
		if (in != stdin)
			fclose(in);
		break;
	}
	}
	mx6_config_unref(&cfg);
	return rc;
}

static int is_refusal(enum mx6_step step)
{
	return step == MX6_STEP_TEMPFAIL || step == MX6_STEP_REJECT;
}

/* Feed the header section of FP; returns 0, or -1 if it is too large. */
static int feed_headers(struct mx6_session *s, FILE *fp)
{
	char *line = NULL, *name = NULL;
	size_t cap = 0, total = 0, vlen = 0;
	char *value = NULL;
	ssize_t n;
	int rc = 0;

	while ((n = getline(&line, &cap, fp)) > 0) {
		total += (size_t)n;
		if (total > MAX_HEADER_BYTES) {
			rc = -1;
			break;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if ((line[0] == ' ' || line[0] == '\t') && name != NULL) {
			char *grown = realloc(value, vlen + (size_t)n + 2);

			if (grown == NULL) {
				rc = -1;
				break;
			}
			value = grown;
			value[vlen++] = '\n';
			memcpy(value + vlen, line, (size_t)n + 1);
			vlen += (size_t)n;
			continue;
		}
		if (name != NULL) {
			mx6_session_header(s, name, value);
			free(name);
			free(value);
			name = value = NULL;
		}
		if (n == 0)
			break; /* end of header section */
		{
			char *colon = strchr(line, ':');

			if (colon == NULL)
				continue; /* not a header: the MTA would not pass it either */
			*colon = '\0';
			name = strdup(line);
			value = strdup(colon + 1); /* raw: white space included */
			if (name == NULL || value == NULL) {
				rc = -1;
				break;
			}
			vlen = strlen(value);
		}
	}
	if (name != NULL && rc == 0)
		mx6_session_header(s, name, value);
	free(name);
	free(value);
	free(line);
	return rc;
}

static void feed_body(struct mx6_session *s, FILE *fp)
{
	unsigned char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (mx6_session_body(s, buf, n) == MX6_STEP_SKIP)
			break;
}

static void print_json(struct mx6_session *s, const struct outcome *o, int code)
{
	const struct mx6_verdict *v = mx6_session_verdict(s);
	const struct mx6_reply *r = mx6_session_reply(s);
	char *reasons = strdup(v->reasons), *tok, *save = NULL;
	size_t i;
	int first = 1;

	printf("{\"listener\":");
	json_string(mx6_session_listener(s));
	printf(",\"mode\":");
	json_string(mx6_mode_name(mx6_session_mode(s)));
	printf(",\"ipv6\":%s,\"class\":", mx6_session_is_ipv6(s) ? "true" : "false");
	json_string(mx6_class_name(v->class));
	printf(",\"action\":");
	json_string(mx6_action_name(mx6_session_action(s)));
	printf(",\"stage\":");
	json_string(o->stage);
	printf(",\"reasons\":[");
	for (tok = reasons != NULL ? strtok_r(reasons, ",", &save) : NULL; tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		printf("%s", first ? "" : ",");
		json_string(tok);
		first = 0;
	}
	free(reasons);
	printf("],\"source\":");
	if (v->source_list != NULL) {
		char src[4200];

		json_string(mx6_verdict_source(v, src, sizeof(src)));
	} else {
		printf("null");
	}
	printf(",\"authentication_results\":");
	json_string(mx6_session_authres(s));
	printf(",\"add_headers\":[");
	for (i = 0; i < o->actions.nadd; i++) {
		printf("%s{\"name\":", i ? "," : "");
		json_string(o->actions.add[i].name);
		printf(",\"value\":");
		json_string(o->actions.add[i].value);
		printf("}");
	}
	printf("],\"remove_headers\":[");
	for (i = 0; i < o->actions.ndelete; i++) {
		printf("%s{\"name\":", i ? "," : "");
		json_string(o->actions.delete[i].name);
		printf(",\"index\":%u}", o->actions.delete[i].index);
	}
	printf("],\"reply\":");
	if (is_refusal(o->step)) {
		printf("{\"code\":");
		json_string(r->code);
		printf(",\"enhanced\":");
		json_string(r->xcode);
		printf(",\"lines\":[");
		for (i = 0; i < r->nlines; i++) {
			printf("%s", i ? "," : "");
			json_string(r->lines[i]);
		}
		printf("]}");
	} else {
		printf("null");
	}
	printf(",\"exit\":%d}\n", code);
}

static void print_text(struct mx6_session *s, const struct outcome *o)
{
	const struct mx6_verdict *v = mx6_session_verdict(s);
	const struct mx6_reply *r = mx6_session_reply(s);
	size_t i;

	printf("listener: %s (mode %s)\n", mx6_session_listener(s),
	       mx6_mode_name(mx6_session_mode(s)));
	printf("class:    %s\n", mx6_class_name(v->class));
	printf("action:   %s at %s\n", mx6_action_name(mx6_session_action(s)), o->stage);
	printf("reasons:  %s\n", v->reasons);
	if (v->source_list != NULL) {
		char src[4200];

		printf("source:   %s\n", mx6_verdict_source(v, src, sizeof(src)));
	}
	if (mx6_session_is_ipv6(s))
		printf("Authentication-Results: %s\n", mx6_session_authres(s));
	if (is_refusal(o->step)) {
		printf("reply:\n");
		for (i = 0; i < r->nlines; i++)
			printf("  %s%c%s %s\n", r->code, i + 1 < r->nlines ? '-' : ' ', r->xcode,
			       r->lines[i]);
	} else {
		printf("reply:    accepted (the MTA gives its own 250)\n");
	}
	for (i = 0; i < o->actions.nadd; i++)
		printf("add header:    %s: %s\n", o->actions.add[i].name,
		       o->actions.add[i].value);
	for (i = 0; i < o->actions.ndelete; i++)
		printf("remove header: %s #%u (forged)\n", o->actions.delete[i].name,
		       o->actions.delete[i].index);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"config", required_argument, NULL, 'c'},
		{"ip", required_argument, NULL, 'i'},
		{"helo", required_argument, NULL, 'H'},
		{"from", required_argument, NULL, 'f'},
		{"rcpt", required_argument, NULL, 'r'},
		{"listener", required_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},
		{"history", required_argument, NULL, 'D'},
		{"addressbook", required_argument, NULL, 'A'},
		{"export-state", no_argument, NULL, 'E'},
		{"import-state", required_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *ip = NULL, *helo = NULL, *from = "", *listener = NULL;
	const char *rcpts[MAX_RCPTS];
	size_t nrcpts = 0, i;
	int json = 0, ch, code, state_op = 0;
	const char *state_arg = NULL;
	struct mx6_config *cfg;
	struct mx6_session *s;
	struct mx6_connect_info info;
	struct mx6_addr addr;
	struct outcome o;
	FILE *msg = NULL;

	while ((ch = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'i':
			ip = optarg;
			break;
		case 'H':
			helo = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'r':
			if (nrcpts == MAX_RCPTS) {
				fprintf(stderr, "mx6-check: at most %d --rcpt\n", MAX_RCPTS);
				return 2;
			}
			rcpts[nrcpts++] = optarg;
			break;
		case 'l':
			listener = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'D':
		case 'A':
		case 'E':
		case 'I':
			state_op = ch;
			state_arg = optarg;
			break;
		default:
			usage();
		}
	}
	if (config != NULL && state_op != 0 && ip == NULL && argc == optind)
		return state_command(config, state_op, state_arg, json);
	if (config == NULL || ip == NULL || argc - optind > 1)
		usage();
	if (mx6_addr_parse(ip, &addr) < 0) {
		fprintf(stderr, "mx6-check: '%s' is not an IP address\n", ip);
		return 2;
	}
	if (optind < argc) {
		msg = strcmp(argv[optind], "-") == 0 ? stdin : fopen(argv[optind], "r");
		if (msg == NULL) {
			perror(argv[optind]);
			return 2;
		}
	}
	mx6_log_open("mx6-check", 0, 0, 0); /* the explanation replaces the log line */
	if ((cfg = mx6_config_load(config, report_stderr, NULL)) == NULL)
		return 2;
	s = mx6_session_new(cfg);
	mx6_config_unref(&cfg);
	if (s == NULL) {
		fprintf(stderr, "mx6-check: out of memory\n");
		return 2;
	}
	memset(&info, 0, sizeof(info));
	info.client = &addr;
	info.raw_header_values = 1;
	if (listener != NULL && listener[0] == '[')
		info.daemon_addr = listener;
	else
		info.daemon_name = listener;
	memset(&o, 0, sizeof(o));
	o.stage = "connect";
	mx6_session_connect(s, &info);
	mx6_session_helo(s, helo);
	mx6_session_mail(s, from, NULL);
	if (nrcpts == 0)
		rcpts[nrcpts++] = "";
	o.stage = "rcpt";
	for (i = 0; i < nrcpts && !is_refusal(o.step); i++)
		o.step = mx6_session_rcpt(s, rcpts[i]);
	if (!is_refusal(o.step)) {
		if (msg != NULL && feed_headers(s, msg) < 0) {
			fprintf(stderr, "mx6-check: header section larger than %d bytes\n",
				MAX_HEADER_BYTES);
			return 2;
		}
		mx6_session_eoh(s);
		if (msg != NULL)
			feed_body(s, msg);
		o.stage = "eom";
		o.step = mx6_session_eom(s, &o.actions);
	}
	code = is_refusal(o.step) ? 1 : 0;
	if (json)
		print_json(s, &o, code);
	else
		print_text(s, &o);
	if (msg != NULL && msg != stdin)
		fclose(msg);
	mx6_session_free(&s);
	return code;
}
