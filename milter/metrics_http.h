/*
 * NAME
 *	metrics_http 3h
 * SUMMARY
 *	serve GET /metrics (Prometheus) with libmicrohttpd
 * DESCRIPTION
 *	The socket is bound in two steps so that the daemon can bind as root
 *	(a privileged port works, a port in use is a start-up error) and serve
 *	only after dropping privileges:
 *
 *	mx6_metrics_http_bind() creates a listening TCP socket on SPEC
 *	("127.0.0.1:9706", "[::1]:9706"); returns the descriptor, or -1 with
 *	a message in err_r.
 *
 *	mx6_metrics_http_start() serves that socket (taking it over) in
 *	libmicrohttpd's own thread, which inherits the caller's signal mask:
 *	call it with the signals the main thread handles blocked. GET (and
 *	HEAD) /metrics answers mx6_metrics_render() with the list sizes of
 *	the configuration in force; any other path is 404, any other method
 *	405. Returns NULL (and closes FD) on failure.
 *
 *	mx6_metrics_http_stop() stops the thread, closes the socket and sets
 *	*http NULL.
 */
#ifndef MX6_METRICS_HTTP_H
#define MX6_METRICS_HTTP_H

#include <stddef.h>

struct mx6_metrics_http;

int mx6_metrics_http_bind(const char *spec, char *err_r, size_t errlen);
struct mx6_metrics_http *mx6_metrics_http_start(int fd);
void mx6_metrics_http_stop(struct mx6_metrics_http **http);

#endif
