/*
 * NAME
 *	mx6-milter 8
 * SUMMARY
 *	IPv6 defensive mail filter daemon
 * SYNOPSIS
 *	mx6-milter [-fnV] [-c FILE] [-p SOCKET]
 * DESCRIPTION
 *	Loads the configuration, opens the milter socket as root, drops to
 *	the configured user and runs libmilter in a second thread. The main
 *	thread only handles signals: SIGHUP builds a new configuration
 *	snapshot and swaps it in (or keeps the old one if the new one does
 *	not validate), SIGTERM and SIGINT stop the filter.
 *
 *	libmilter's own signal thread would stop the filter on SIGHUP. The
 *	main thread (the thread-group leader, which Linux prefers when it
 *	delivers a process-directed signal) therefore keeps SIGHUP, SIGTERM
 *	and SIGINT unblocked with a handler that writes to a self-pipe, while
 *	every libmilter thread has them blocked, so they reach us.
 * DIAGNOSTICS
 *	Configuration problems are printed as FILE:LINE: message; exit 1.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "callbacks.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "util.h"
#include "version.h"

#ifndef MX6_SYSCONFDIR
#define MX6_SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG MX6_SYSCONFDIR "/mx6-milter/milter.conf"

static int signal_pipe[2] = {-1, -1};
static int log_facility, log_stderr, log_syslog;
static int milter_status;

static void usage(void)
{
	fprintf(stderr, "usage: mx6-milter [-fnV] [-c FILE] [-p SOCKET]\n");
	exit(1);
}

static void report_stderr(void *ctx, const char *message)
{
	(void)ctx;
	fprintf(stderr, "%s\n", message);
}

static void report_log(void *ctx, const char *message)
{
	(void)ctx;
	mx6_msg_error("%s", message);
}

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	(void)!write(signal_pipe[1], &b, 1);
	errno = saved;
}

static void *milter_thread(void *arg)
{
	unsigned char b = 0;

	(void)arg;
	milter_status = smfi_main();
	(void)!write(signal_pipe[1], &b, 1); /* 0: libmilter has stopped */
	return NULL;
}

static void print_version(void)
{
	unsigned int major = 0, minor = 0, patch = 0;

	smfi_version(&major, &minor, &patch);
	printf("mx6-milter %s\n", PACKAGE_VERSION);
	printf("libmilter %u.%u.%u (milter protocol %d)\n", major, minor, patch,
	       SMFI_PROT_VERSION);
	mx6_print_library_versions(stdout);
}

/* Path of a unix-domain socket spec, or NULL for inet sockets. */
static const char *unix_socket_path(const char *spec)
{
	if (strncasecmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncasecmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

/* Look up USER; for root, only an explicit "root" keeps root. */
static int check_user(const char *user, struct passwd *pw_r)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		fprintf(stderr, "mx6-milter: user '%s' does not exist (create it, e.g. "
				"useradd --system %s, or set user in milter.conf)\n",
			user, user);
		return -1;
	}
	*pw_r = *pw;
	return 0;
}

static int drop_privileges(const struct passwd *pw)
{
	if (getuid() != 0) {
		if (getuid() != pw->pw_uid)
			mx6_msg_warn("not started as root: running as uid %lu, not as user %s",
				     (unsigned long)getuid(), pw->pw_name);
		return 0;
	}
	if (pw->pw_uid == 0)
		return 0; /* user = root, explicitly */
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		mx6_msg_error("cannot drop privileges to %s: %s", pw->pw_name,
			      strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || (pw->pw_gid != 0 && setgid(0) == 0)) {
		mx6_msg_error("privileges were not dropped: still able to become root");
		return -1;
	}
	return 0;
}

/* Create the socket's directory if it is missing (no systemd RuntimeDirectory). */
static void make_socket_dir(const char *path, const struct passwd *pw)
{
	char dir[PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return;
	strcpy(dir, path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) == 0) {
		if (getuid() == 0 && chown(dir, pw->pw_uid, pw->pw_gid) < 0)
			mx6_msg_warn("cannot chown %s: %s", dir, strerror(errno));
		mx6_msg_info("created socket directory %s", dir);
	} else if (errno != EEXIST) {
		mx6_msg_warn("cannot create socket directory %s: %s", dir, strerror(errno));
	}
}

/*
 * Give the file or directory NAME (relative to DIRFD) to the run user with
 * MODE. Opened without following a symbolic link, and only a directory or
 * a regular file with one link is touched: the directory may already
 * belong to the run user, who must not be able to make root chown
 * something else through it. Returns 0, or -1 with errno (ENOENT: absent).
 */
static int give_to_user(int dirfd, const char *name, int is_dir, mode_t mode,
			const struct passwd *pw)
{
	struct stat st;
	int fd, rc = -1;

	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (is_dir ? O_DIRECTORY : 0));
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto out;
	if (is_dir ? !S_ISDIR(st.st_mode) : (!S_ISREG(st.st_mode) || st.st_nlink != 1)) {
		errno = EPERM;
		goto out;
	}
	if ((st.st_uid != pw->pw_uid || st.st_gid != pw->pw_gid) &&
	    fchown(fd, pw->pw_uid, pw->pw_gid) < 0)
		goto out;
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * The LMDB state store is opened after the privilege drop, by the run user
 * (it must be able to write both of its files). As root, beforehand: create
 * the store's directory (mode 0750) and, if missing, its parent, and give
 * the directory and its two files (mode 0600) to the run user, whoever
 * made them (an earlier run with user = root, a restored backup). A
 * relative path or a Redis store is left alone.
 */
static int prepare_state(const struct mx6_config *cfg, const struct passwd *pw)
{
	static const char *const files[] = {"data.mdb", "lock.mdb"};
	char dir[PATH_MAX], *slash;
	const char *path;
	size_t i;
	int dirfd;

	if (getuid() != 0 || !cfg->state_used ||
	    strncmp(cfg->state_url, "lmdb:", 5) != 0)
		return 0;
	path = cfg->state_url + 5;
	if (strlen(path) >= sizeof(dir) || path[0] != '/') {
		mx6_msg_warn("state %s: not an absolute path; its owner is left alone",
			     cfg->state_url);
		return 0;
	}
	strcpy(dir, path);
	while ((slash = strrchr(dir, '/')) != NULL && slash[1] == '\0' && slash != dir)
		*slash = '\0';
	if ((slash = strrchr(dir, '/')) == NULL)
		return -1;
	*slash = '\0';
	if (slash != dir && mkdir(dir, 0750) == 0) {
		if (chown(dir, pw->pw_uid, pw->pw_gid) < 0)
			mx6_msg_warn("cannot chown %s: %s", dir, strerror(errno));
		mx6_msg_info("created state directory %s", dir);
	}
	if ((dirfd = open(slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		mx6_msg_error("state %s: cannot open %s: %s", cfg->state_url, dir,
			      strerror(errno));
		return -1;
	}
	if (mkdirat(dirfd, slash + 1, 0750) < 0 && errno != EEXIST) {
		mx6_msg_error("state %s: cannot create it: %s", cfg->state_url, strerror(errno));
		close(dirfd);
		return -1;
	}
	if (give_to_user(dirfd, slash + 1, 1, 0750, pw) < 0) {
		mx6_msg_error("state %s: cannot give it to %s: %s", cfg->state_url,
			      pw->pw_name, strerror(errno));
		close(dirfd);
		return -1;
	}
	close(dirfd);
	if ((dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		mx6_msg_error("state %s: %s", cfg->state_url, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (give_to_user(dirfd, files[i], 0, 0600, pw) < 0 && errno != ENOENT) {
			mx6_msg_error("state %s: cannot give %s to %s: %s", cfg->state_url,
				      files[i], pw->pw_name, strerror(errno));
			close(dirfd);
			return -1;
		}
	close(dirfd);
	return 0;
}

static int open_socket(const char *spec, unsigned mode, const struct passwd *pw)
{
	const char *path = unix_socket_path(spec);
	mode_t old_umask;
	int rc;

	if (smfi_setconn((char *)spec) != MI_SUCCESS) {
		mx6_msg_error("invalid socket specification '%s'", spec);
		return -1;
	}
	if (path != NULL)
		make_socket_dir(path, pw);
	old_umask = umask(0777 & ~mode);
	rc = smfi_opensocket(1);
	umask(old_umask);
	if (rc != MI_SUCCESS) {
		mx6_msg_error("cannot open socket '%s' (does its directory exist?)", spec);
		return -1;
	}
	if (path != NULL) {
		if (chmod(path, mode) < 0)
			mx6_msg_warn("cannot chmod %s: %s", path, strerror(errno));
		if (getuid() == 0 && chown(path, pw->pw_uid, pw->pw_gid) < 0)
			mx6_msg_warn("cannot chown %s: %s", path, strerror(errno));
	}
	return 0;
}

/* Two optional settings are the same (both unset, or equal). */
static int same_setting(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static void reload(const char *path)
{
	struct mx6_config *cfg, *old;

	mx6_msg_info("reloading configuration from %s", path);
	if ((cfg = mx6_config_load(path, report_log, NULL)) == NULL) {
		mx6_metrics_reload(0);
		mx6_msg_error("reload failed: the previous configuration stays in force");
		return;
	}
	mx6_metrics_reload(1);
	old = mx6_milter_get_config();
	if (strcmp(old->socket, cfg->socket) != 0 || strcmp(old->user, cfg->user) != 0 ||
	    old->socket_mode != cfg->socket_mode ||
	    !same_setting(old->metrics_listen, cfg->metrics_listen))
		mx6_msg_warn("socket, socket_mode, user and metrics_listen take effect only at "
			     "restart");
	mx6_config_unref(&old);
	if (cfg->mail_facility != log_facility) {
		log_facility = cfg->mail_facility;
		mx6_log_open("mx6-milter", log_facility, log_stderr, log_syslog);
	}
	mx6_milter_set_config(cfg);
	mx6_msg_info("configuration reloaded: ip_whitelist=%zu ip_greenlist=%zu entries",
		     mx6_iplist_count(cfg->ip_whitelist.list),
		     mx6_iplist_count(cfg->ip_greenlist.list));
}

static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return chdir("/");
}

/* Wait for signals; returns the exit status. */
static int signal_loop(const char *config_path, pthread_t tid)
{
	int stopping = 0;

	for (;;) {
		unsigned char sig;
		ssize_t n = read(signal_pipe[0], &sig, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (sig == SIGHUP && !stopping) {
			reload(config_path);
		} else if ((sig == SIGTERM || sig == SIGINT) && !stopping) {
			mx6_msg_info("stopping on signal %d", sig);
			stopping = 1;
			smfi_stop();
		} else if (sig == 0) {
			break;
		}
	}
	pthread_join(tid, NULL);
	if (!stopping) {
		mx6_msg_error("libmilter stopped unexpectedly (status %d)", milter_status);
		return 1;
	}
	mx6_msg_info("stopped");
	return milter_status == MI_SUCCESS ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *config_path = DEFAULT_CONFIG, *socket_spec = NULL, *path;
	char abs_config[PATH_MAX], socket_buf[PATH_MAX + 16];
	int foreground = 0, check_only = 0, ch, rc, metrics_fd = -1;
	struct mx6_metrics_http *metrics = NULL;
	struct mx6_config *cfg;
	struct sigaction sa;
	sigset_t block, old;
	struct passwd pw;
	pthread_t tid;

	while ((ch = getopt(argc, argv, "c:fnp:Vh")) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'p':
			socket_spec = optarg;
			break;
		case 'V':
			print_version();
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/* Whatever the daemon creates is at most 0640/0750 (the socket: socket_mode). */
	umask(027);
	mx6_metrics_init();

	/*
	 * First a validating load only: the resolver's threads would not
	 * survive daemonize()'s fork, and the state store must be created by
	 * the unprivileged user. The snapshot that serves mail is loaded
	 * after both.
	 */
	if ((cfg = mx6_config_load_flags(config_path,
					 check_only ? MX6_CONFIG_NO_STORE : MX6_CONFIG_NO_SERVICES,
					 report_stderr, NULL)) == NULL)
		return 1;
	/* Reloads happen after chdir("/"): remember where the file really is. */
	if (realpath(config_path, abs_config) != NULL)
		config_path = abs_config;
	if (check_user(cfg->user, &pw) < 0) {
		mx6_config_unref(&cfg);
		return 1;
	}
	if (check_only) {
		mx6_config_unref(&cfg);
		return 0;
	}
	if (getuid() == 0 && pw.pw_uid == 0 && strcmp(cfg->user, "root") != 0) {
		fprintf(stderr, "mx6-milter: refusing to run as root: set user = root "
				"explicitly if you mean it\n");
		goto fail;
	}
	/* A copy: the validating snapshot goes away before the daemon stops. */
	mx6_strlcpy(socket_buf, socket_spec != NULL ? socket_spec : cfg->socket,
		    sizeof(socket_buf));
	socket_spec = socket_buf;

	/*
	 * With -f, log to stderr too (SPEC 2). Under systemd, stderr already
	 * is the journal: syslog as well would log every line twice.
	 */
	log_facility = cfg->mail_facility;
	log_stderr = foreground;
	log_syslog = !(foreground && getenv("JOURNAL_STREAM") != NULL);
	mx6_log_open("mx6-milter", log_facility, log_stderr, log_syslog);
	if (!foreground && daemonize() < 0) {
		mx6_msg_error("cannot run in the background: %s", strerror(errno));
		goto fail;
	}
	if (smfi_register(mx6_milter_desc) != MI_SUCCESS) {
		mx6_msg_error("smfi_register failed");
		goto fail;
	}
	if (open_socket(socket_spec, cfg->socket_mode, &pw) < 0 || prepare_state(cfg, &pw) < 0)
		goto fail;
	/* Bound as root (any port; a port in use stops the start), served after
	 * the privilege drop. */
	if (cfg->metrics_listen != NULL) {
		char err[256];

		if ((metrics_fd = mx6_metrics_http_bind(cfg->metrics_listen, err, sizeof(err))) < 0) {
			mx6_msg_error("%s", err);
			goto fail;
		}
	}
	if (drop_privileges(&pw) < 0)
		goto fail;
	mx6_config_unref(&cfg);
	if ((cfg = mx6_config_load(config_path, report_log, NULL)) == NULL) {
		mx6_msg_error("%s: cannot load the configuration as user %s", config_path,
			      pw.pw_name);
		return 1;
	}
	mx6_metrics_reload(1);
	mx6_milter_set_config(cfg);

	if (pipe(signal_pipe) < 0) {
		mx6_msg_error("pipe: %s", strerror(errno));
		return 1;
	}
	fcntl(signal_pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(signal_pipe[1], F_SETFD, FD_CLOEXEC);
	fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/*
	 * SA_NODEFER: the main thread must accept these signals even while
	 * on_signal() runs. libmilter's signal thread sigwait()s for the same
	 * three, and the kernel hands a signal that the main thread blocks to
	 * it; it would take a SIGHUP as "stop". on_signal() only writes a byte,
	 * so running it nested is harmless.
	 */
	sa.sa_flags = SA_RESTART | SA_NODEFER;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* libmilter's threads inherit a mask with our signals blocked. */
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (metrics_fd >= 0 && (metrics = mx6_metrics_http_start(metrics_fd)) == NULL) {
		mx6_msg_error("cannot serve metrics: libmicrohttpd failed to start");
		return 1;
	}
	if (metrics != NULL)
		mx6_msg_info("serving Prometheus metrics at http://%s/metrics",
			     cfg->metrics_listen);
	rc = pthread_create(&tid, NULL, milter_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		mx6_msg_error("cannot start the milter thread: %s", strerror(rc));
		return 1;
	}
	mx6_msg_info("mx6-milter %s started: socket=%s config=%s", PACKAGE_VERSION,
		     socket_spec, config_path);
	rc = signal_loop(config_path, tid);
	mx6_metrics_http_stop(&metrics);
	mx6_milter_set_config(NULL);
	/* A stale socket would make the MTA's next connect fail slowly. */
	if ((path = unix_socket_path(socket_spec)) != NULL && unlink(path) < 0 &&
	    errno != ENOENT)
		mx6_msg_warn("cannot remove %s: %s", path, strerror(errno));
	return rc;

fail:
	/* Start-up failed before the serving snapshot: nothing else to undo. */
	mx6_config_unref(&cfg);
	return 1;
}
