/*
 * NAME
 *	metrics_http 3
 * SUMMARY
 *	serve GET /metrics (Prometheus) with libmicrohttpd
 * SYNOPSIS
 *	See metrics_http.h.
 * DESCRIPTION
 *	One libmicrohttpd thread (internal polling) serves every scrape: a
 *	scrape renders a few tens of KiB from atomics and takes
 *	microseconds, so concurrency would buy nothing. Connections are
 *	limited and time out so that a stuck client cannot pile up sockets.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "callbacks.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define FIRST_BUFFER 32768
#define MAX_BUFFER (4 * 1024 * 1024)

struct mx6_metrics_http {
	struct MHD_Daemon *daemon;
};

int mx6_metrics_http_bind(const char *spec, char *err_r, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (mx6_metrics_parse_listen(spec, &ss, &len, err_r, errlen) < 0)
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err_r, errlen, "metrics_listen %s: socket: %s", spec, strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0) {
		snprintf(err_r, errlen, "metrics_listen %s: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The exposition text in a malloc'd buffer (libmicrohttpd frees it). */
static char *render(size_t *len_r)
{
	struct mx6_config *cfg = mx6_milter_get_config();
	struct mx6_metrics_lists lists;
	size_t size = FIRST_BUFFER, need;
	char *buf = NULL, *n;

	mx6_metrics_config_lists(cfg, &lists);
	for (;;) {
		if ((n = realloc(buf, size)) == NULL)
			break;
		buf = n;
		need = mx6_metrics_render(&lists, buf, size);
		if (need < size) {
			*len_r = need;
			mx6_config_unref(&cfg);
			return buf;
		}
		if (need + 1 > MAX_BUFFER)
			break;
		size = need + 1;
	}
	free(buf);
	mx6_config_unref(&cfg);
	return NULL;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
			     const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size,
			      void **con_cls)
{
	struct MHD_Response *r;
	enum MHD_Result rc;
	size_t len = 0;
	char *text;

	(void)cls;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
	if ((text = render(&len)) == NULL)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	if ((r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE)) == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

struct mx6_metrics_http *mx6_metrics_http_start(int fd)
{
	struct mx6_metrics_http *h = calloc(1, sizeof(*h));
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;

	if (h == NULL) {
		close(fd);
		return NULL;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL,
				     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
	if (h->daemon == NULL) {
		close(fd);
		free(h);
		return NULL;
	}
	return h;
}

void mx6_metrics_http_stop(struct mx6_metrics_http **h)
{
	if (*h == NULL)
		return;
	/* MHD_stop_daemon() closes the listening socket too. */
	MHD_stop_daemon((*h)->daemon);
	free(*h);
	*h = NULL;
}
