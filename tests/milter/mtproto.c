/*
 * NAME
 *	mtproto 3
 * SUMMARY
 *	the MTA side of the milter protocol: what mtclient and
 *	bench/milter-load share
 * SYNOPSIS
 *	See mtproto.h.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mtproto.h"

uint32_t mt_get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

void mt_put32(unsigned char *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

void mt_header(unsigned char hdr[5], char cmd, size_t len)
{
	mt_put32(hdr, (uint32_t)(len + 1));
	hdr[4] = (unsigned char)cmd;
}

int mt_unix_connect(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	const char *path = spec;
	int fd;

	if (strncmp(path, "unix:", 5) == 0)
		path += 5;
	else if (strncmp(path, "local:", 6) == 0)
		path += 6;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		snprintf(err, errlen, "connect %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

char mt_connect_family(const char *addr)
{
	unsigned char a[16];

	if (strcasecmp(addr, "unknown") == 0)
		return 'U';
	if (inet_pton(AF_INET, addr, a) == 1)
		return '4';
	if (inet_pton(AF_INET6, addr, a) == 1 || strncasecmp(addr, "IPv6:", 5) == 0 ||
	    strchr(addr, ':') != NULL)
		return '6';
	return '4';
}
