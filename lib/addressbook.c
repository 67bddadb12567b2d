/*
 * NAME
 *	addressbook 3
 * SUMMARY
 *	recipients' addressbooks: who they correspond with
 * SYNOPSIS
 *	See addressbook.h.
 * DESCRIPTION
 *	Each recipient's two files (plain and .vcf) are read whole, at most
 *	MAX_FILE_SIZE bytes each (a larger file is unreadable: -1), into a
 *	hash set of lower-case entries (FNV-1a, open addressing, names in
 *	one arena), at most MAX_ENTRIES per file; the rest are ignored with
 *	a warning, like lines that are not an address or "@domain" and
 *	broken cards: an addressbook only ever adds trust, so a bad line
 *	must not stop the mail.
 *
 *	The plain files keep the list format of every other list ('#'
 *	comments, one entry a line) but are not read with mx6_listfile_read():
 *	that reader stops at the first bad line, and a recipient's book is
 *	often edited by hand or by a mail client's export.
 *
 *	Cache: at most cache_entries recipients, least recently used out
 *	(0 disables it). Every lookup stats both files, which is cheap, and
 *	compares (device, inode, size, mtime, ctime) with what was read; a
 *	missing file is remembered as such and so re-checked by that same
 *	stat (a recipient with neither file takes no cache entry). A file
 *	whose mtime was within a second of the clock when it was read is
 *	read again at the next lookup: a rewrite of the same size within
 *	the file system's timestamp granularity would otherwise go unseen.
 *	A problem (unreadable file, ignored lines) is logged once per
 *	version of a file, when that version is first read.
 *
 *	Files are read and parsed without the lock; only the hash probes of
 *	a cache hit and the swap of a freshly read book run under it. Two
 *	threads that miss together both read the file; the last one stores
 *	its copy. Each read is checked with fstat() before and after: a
 *	file that changes while being read is read again (a torn read could
 *	invent an address); operators should still replace books by
 *	rename(2).
 *
 *	A vCard counts when it is complete (BEGIN:VCARD ... END:VCARD) and
 *	clean: a card without END, with a line that is not a content line,
 *	with control bytes (NUL included) or with an unfolded line longer
 *	than MAX_VCARD_LINE (embedded photos below that pass) is dropped
 *	whole. EMAIL values with an ENCODING parameter are not decoded but
 *	ignored; a "mailto:" prefix (vCard 4 URI) is stripped.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addressbook.h"
#include "domainset.h"
#include "log.h"
#include "util.h"

#define MAX_ADDRESS    320
#define MAX_FILE_SIZE  (4u << 20)
#define MAX_ENTRIES    100000u
#define MAX_VCARD_LINE (1u << 20)
#define MAX_BUCKETS    (1u << 20)
#define READ_ATTEMPTS  3
#define VCARD_SUFFIX   ".vcf"
#define UTF8_BOM       "\xef\xbb\xbf" /* Windows editors start files with it */

/* What stat(2) said about a file: err 0 and its fields, or its errno. */
struct identity {
	int err;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

enum file_state { FILE_MISSING, FILE_UNREADABLE, FILE_LOADED };

struct slot {
	uint32_t offset; /* into the arena, +1; 0 = empty */
	uint32_t line;
	uint32_t hash;
};

/* One file as read: immutable once stored in the cache. */
struct book_file {
	enum file_state state;
	struct identity id;
	int racy;
	struct slot *slots;
	size_t size, used; /* size: a power of two */
	char *arena;
	size_t arena_len;
	unsigned ignored, first_ignored, broken_cards, dropped;
};

struct book {
	struct book *hash_next, *lru_prev, *lru_next;
	uint32_t hash;
	struct book_file plain, vcard;
	char recipient[];
};

struct mx6_addressbook {
	char *dir;
	unsigned capacity, count;
	pthread_mutex_t lock;
	struct book **buckets;
	size_t nbuckets;		  /* a power of two */
	struct book *lru_head, *lru_tail; /* head: most recently used */
};

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static uint32_t hash_bytes(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* RFC 5322 dot-atom characters, and UTF-8 (RFC 6531). */
static int local_part_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80 ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

/*
 * Writes the LEN bytes at S lower-cased into OUT, without the domain's
 * trailing dot, when they are an address ("local@domain") or, with
 * ALLOW_DOMAIN, "@domain"; returns the length written, or 0.
 */
static size_t normalise_entry(const char *s, size_t len, int allow_domain,
			      char out[MAX_ADDRESS + 1])
{
	char *at;
	size_t i;

	if (len == 0 || len > MAX_ADDRESS || memchr(s, '\0', len) != NULL)
		return 0;
	for (i = 0; i < len; i++)
		out[i] = ascii_lower(s[i]);
	out[len] = '\0';
	if ((at = strchr(out, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	if (at == out && !allow_domain)
		return 0;
	for (i = 0; out + i < at; i++)
		if (!local_part_char((unsigned char)out[i]))
			return 0;
	if (!mx6_domain_valid(at + 1))
		return 0;
	if (out[len - 1] == '.')
		out[--len] = '\0';
	return len;
}

/* The hash set of one file */

static const struct slot *set_find(const struct book_file *f, const char *key)
{
	size_t len = strlen(key), j;
	uint32_t h = hash_bytes(key, len);

	if (f->state != FILE_LOADED || f->size == 0)
		return NULL;
	for (j = h & (f->size - 1); f->slots[j].offset != 0;
	     j = (j + 1) & (f->size - 1)) {
		const char *s = f->arena + f->slots[j].offset - 1;

		if (f->slots[j].hash == h && strcmp(s, key) == 0)
			return &f->slots[j];
	}
	return NULL;
}

static int set_grow(struct book_file *f)
{
	size_t nsize = f->size ? f->size * 2 : 64, i, j;
	struct slot *n = calloc(nsize, sizeof(*n));

	if (n == NULL)
		return -1;
	for (i = 0; i < f->size; i++) {
		if (f->slots[i].offset == 0)
			continue;
		for (j = f->slots[i].hash & (nsize - 1); n[j].offset != 0;
		     j = (j + 1) & (nsize - 1))
			;
		n[j] = f->slots[i];
	}
	free(f->slots);
	f->slots = n;
	f->size = nsize;
	return 0;
}

/* Adds the arena string at OFFSET; a duplicate keeps its first line. */
static void set_insert(struct book_file *f, size_t offset, unsigned line)
{
	const char *s = f->arena + offset;
	uint32_t h = hash_bytes(s, strlen(s));
	size_t j;

	if (set_find(f, s) != NULL)
		return;
	if (f->used >= MAX_ENTRIES || ((f->used + 1) * 2 > f->size && set_grow(f) < 0)) {
		f->dropped++;
		return;
	}
	for (j = h & (f->size - 1); f->slots[j].offset != 0; j = (j + 1) & (f->size - 1))
		;
	f->slots[j].offset = (uint32_t)offset + 1;
	f->slots[j].line = line;
	f->slots[j].hash = h;
	f->used++;
}

/* The arena holds at most the file's bytes: each entry is shorter than its line. */
static size_t arena_push(struct book_file *f, const char *s, size_t len)
{
	size_t offset = f->arena_len;

	memcpy(f->arena + offset, s, len + 1);
	f->arena_len += len + 1;
	return offset;
}

static void file_free(struct book_file *f)
{
	free(f->slots);
	free(f->arena);
	memset(f, 0, sizeof(*f));
}

/* Plain files: one address or @domain a line */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void parse_plain(struct book_file *f, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	char entry[MAX_ADDRESS + 1];
	unsigned line = 0;

	if (len >= 3 && memcmp(p, UTF8_BOM, 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end, *hash, *s, *e;
		size_t n;

		line++;
		if ((hash = memchr(p, '#', (size_t)(eol - p))) != NULL)
			eol = hash;
		for (s = p; s < eol && is_space(*s); s++)
			;
		for (e = eol; e > s && is_space(e[-1]); e--)
			;
		p = nl != NULL ? nl + 1 : end;
		if (s == e)
			continue;
		if ((n = normalise_entry(s, (size_t)(e - s), 1, entry)) == 0) {
			if (f->ignored++ == 0)
				f->first_ignored = line;
			continue;
		}
		set_insert(f, arena_push(f, entry, n), line);
	}
}

/* vCards */

struct content_line {
	const char *name, *params;
	size_t name_len, params_len;
	const char *value;
	size_t value_len;
};

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

static int span_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* "[group.]name[;param...]:value", quoted parameter values may hold ':' or ';'. */
static int parse_content_line(const char *line, size_t len, struct content_line *cl)
{
	size_t i = 0, start = 0;
	int quoted = 0;

	while (i < len && name_char(line[i]))
		i++;
	if (i < len && line[i] == '.' && i > 0) {
		start = ++i;
		while (i < len && name_char(line[i]))
			i++;
	}
	if (i == start)
		return -1;
	cl->name = line + start;
	cl->name_len = i - start;
	cl->params = line + i;
	for (; i < len && (quoted || line[i] != ':'); i++)
		if (line[i] == '"')
			quoted = !quoted;
	if (i == len || (cl->params < line + i && cl->params[0] != ';'))
		return -1;
	cl->params_len = (size_t)(line + i - cl->params);
	cl->value = line + i + 1;
	cl->value_len = len - i - 1;
	return 0;
}

/* Whether a parameter says the value is encoded (quoted-printable, base64). */
static int params_encoded(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t start = ++i, eq = 0; /* skip the ';' */
		int quoted = 0;

		for (; i < len && (quoted || p[i] != ';'); i++) {
			if (p[i] == '"')
				quoted = !quoted;
			else if (p[i] == '=' && eq == 0 && !quoted)
				eq = i;
		}
		if (eq == 0) {
			if (span_is(p + start, i - start, "quoted-printable") ||
			    span_is(p + start, i - start, "base64"))
				return 1;
		} else if (span_is(p + start, eq - start, "encoding") &&
			   !span_is(p + eq + 1, i - eq - 1, "7bit") &&
			   !span_is(p + eq + 1, i - eq - 1, "8bit")) {
			return 1;
		}
	}
	return 0;
}

static void add_email(struct book_file *f, const struct content_line *cl)
{
	const char *v = cl->value, *end = cl->value + cl->value_len, *q;
	char entry[MAX_ADDRESS + 1];
	size_t n = 0;

	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if ((size_t)(end - v) > 7 && strncasecmp(v, "mailto:", 7) == 0) {
		v += 7;
		if ((q = memchr(v, '?', (size_t)(end - v))) != NULL)
			end = q;
	}
	if (!params_encoded(cl->params, cl->params_len))
		n = normalise_entry(v, (size_t)(end - v), 0, entry);
	if (n == 0)
		f->ignored++;
	else
		arena_push(f, entry, n);
}

static int clean_text(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return 0;
	}
	return 1;
}

/* Unfolds BUF in place: a line break followed by a space or tab is no break. */
static size_t unfold(char *buf, size_t len)
{
	size_t r = 0, w = 0;

	if (len >= 3 && memcmp(buf, UTF8_BOM, 3) == 0)
		r = 3;
	while (r < len) {
		size_t brk = 0;

		if (buf[r] == '\n')
			brk = 1;
		else if (buf[r] == '\r' && r + 1 < len && buf[r + 1] == '\n')
			brk = 2;
		if (brk == 0) {
			buf[w++] = buf[r++];
			continue;
		}
		r += brk;
		if (r < len && (buf[r] == ' ' || buf[r] == '\t'))
			r++;
		else
			buf[w++] = '\n';
	}
	return w;
}

/*
 * A card's EMAIL values wait in the arena from card_start on, and reach
 * the set only at its END:VCARD; a broken or unfinished card is dropped.
 */
static void parse_vcard(struct book_file *f, char *buf, size_t len)
{
	char *p, *end = buf + unfold(buf, len);
	size_t card_start = 0;
	int in_card = 0, broken = 0;

	for (p = buf; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)),
		     *eol = nl != NULL ? nl : end;
		char *s = p;
		struct content_line cl;
		int parsed;

		p = nl != NULL ? nl + 1 : end;
		while (s < eol && (*s == ' ' || *s == '\t'))
			s++;
		while (eol > s && (eol[-1] == ' ' || eol[-1] == '\t' || eol[-1] == '\r'))
			eol--;
		if (s == eol)
			continue;
		parsed = (size_t)(eol - s) <= MAX_VCARD_LINE &&
			 clean_text(s, (size_t)(eol - s)) &&
			 parse_content_line(s, (size_t)(eol - s), &cl) == 0;
		if (parsed && span_is(cl.name, cl.name_len, "begin") &&
		    span_is(cl.value, cl.value_len, "vcard")) {
			if (in_card && !broken) {
				f->broken_cards++;
				f->arena_len = card_start;
			}
			in_card = 1;
			broken = 0;
			card_start = f->arena_len;
		} else if (!in_card || broken) {
			if (parsed && span_is(cl.name, cl.name_len, "end") &&
			    span_is(cl.value, cl.value_len, "vcard"))
				in_card = 0;
		} else if (!parsed) {
			broken = 1;
			f->broken_cards++;
			f->arena_len = card_start;
		} else if (span_is(cl.name, cl.name_len, "end") &&
			   span_is(cl.value, cl.value_len, "vcard")) {
			size_t off;

			for (off = card_start; off < f->arena_len;
			     off += strlen(f->arena + off) + 1)
				set_insert(f, off, 0);
			in_card = 0;
		} else if (span_is(cl.name, cl.name_len, "email")) {
			add_email(f, &cl);
		}
	}
	if (in_card && !broken) {
		f->broken_cards++;
		f->arena_len = card_start;
	}
}

/* Reading */

static void identity_of(struct identity *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
	id->ctime = st->st_ctim;
}

/* A name too long for the file system cannot be a file: no book. */
static void stat_identity(const char *path, struct identity *id)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		identity_of(id, &st);
		return;
	}
	memset(id, 0, sizeof(*id));
	id->err = errno == ENAMETOOLONG ? ENOENT : errno;
}

static int identity_eq(const struct identity *a, const struct identity *b)
{
	if (a->err != 0 || b->err != 0)
		return a->err == b->err;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static int file_fresh(const struct book_file *f, const struct identity *now)
{
	return !f->racy && identity_eq(&f->id, now);
}

/* What the last read of a file found, to say each problem once per version. */
struct seen {
	int known;
	enum file_state state;
	struct identity id;
};

static void unreadable(struct book_file *f, char *why_r, size_t whylen, const char *why)
{
	f->state = FILE_UNREADABLE;
	mx6_strlcpy(why_r, why, whylen);
}

/*
 * One attempt: 1 and the contents in BUF (malloc'd), 0 when the file
 * changed while being read, -1 when it is missing or unreadable (why_r).
 */
static int read_once(struct book_file *f, const char *path, char **buf_r, size_t *len_r,
		     char *why_r, size_t whylen)
{
	struct stat st, after;
	struct identity again;
	size_t len = 0;
	ssize_t n = 1;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT || errno == ENAMETOOLONG) {
			f->state = FILE_MISSING;
			f->id.err = ENOENT;
		} else {
			unreadable(f, why_r, whylen, strerror(errno));
			stat_identity(path, &f->id);
		}
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		unreadable(f, why_r, whylen, strerror(errno));
		f->racy = 1;
		close(fd);
		return -1;
	}
	identity_of(&f->id, &st);
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)MAX_FILE_SIZE) {
		if (!S_ISREG(st.st_mode))
			unreadable(f, why_r, whylen, "not a regular file");
		else
			snprintf(why_r, whylen, "larger than %u bytes", MAX_FILE_SIZE);
		f->state = FILE_UNREADABLE;
		close(fd);
		return -1;
	}
	/* One byte more than fstat said tells a file that grew meanwhile. */
	if ((*buf_r = malloc((size_t)st.st_size + 2)) == NULL) {
		unreadable(f, why_r, whylen, "out of memory");
		f->racy = 1;
		close(fd);
		return -1;
	}
	while (len < (size_t)st.st_size + 1 &&
	       ((n = read(fd, *buf_r + len, (size_t)st.st_size + 1 - len)) > 0 ||
		(n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	if (n < 0 || fstat(fd, &after) < 0) {
		unreadable(f, why_r, whylen, strerror(errno));
		f->racy = 1;
		close(fd);
		free(*buf_r);
		*buf_r = NULL;
		return -1;
	}
	close(fd);
	identity_of(&again, &after);
	if (len != (size_t)st.st_size || !identity_eq(&f->id, &again)) {
		free(*buf_r);
		*buf_r = NULL;
		return 0;
	}
	*len_r = len;
	f->racy = st.st_mtim.tv_sec >= time(NULL) - 1;
	return 1;
}

static void report(const struct mx6_addressbook *ab, const char *name, int vcard,
		   const struct book_file *f, const char *why)
{
	if (f->state == FILE_UNREADABLE)
		mx6_msg_warn("addressbook %s/%s: %s", ab->dir, name, why);
	if (f->ignored > 0 && !vcard)
		mx6_msg_warn("addressbook %s/%s:%u: %u line%s ignored: not an address or "
			     "@domain",
			     ab->dir, name, f->first_ignored, f->ignored,
			     f->ignored == 1 ? "" : "s");
	else if (f->ignored > 0)
		mx6_msg_warn(
			"addressbook %s/%s: %u EMAIL value%s ignored: not an address, "
			"or encoded",
			ab->dir, name, f->ignored, f->ignored == 1 ? "" : "s");
	if (f->broken_cards > 0)
		mx6_msg_warn("addressbook %s/%s: %u broken vCard%s ignored", ab->dir,
			     name, f->broken_cards, f->broken_cards == 1 ? "" : "s");
	if (f->dropped > 0)
		mx6_msg_warn("addressbook %s/%s: more than %u entries: %u ignored",
			     ab->dir, name, MAX_ENTRIES, f->dropped);
}

/* Reads PATH into F; problems are logged unless SEEN read this same version. */
static void read_book_file(struct book_file *f, const struct mx6_addressbook *ab,
			   const char *path, const char *name, int vcard,
			   const struct seen *seen)
{
	char *buf = NULL, *shrunk, printable[MAX_ADDRESS + sizeof(VCARD_SUFFIX)],
	     why[256] = "";
	size_t len = 0;
	int attempt, rc = 0;

	for (attempt = 0; attempt < READ_ATTEMPTS && rc == 0; attempt++) {
		memset(f, 0, sizeof(*f));
		rc = read_once(f, path, &buf, &len, why, sizeof(why));
	}
	if (rc == 0) {
		unreadable(f, why, sizeof(why), "changes while being read");
		f->racy = 1;
	} else if (rc == 1 && (f->arena = malloc(len + 1)) == NULL) {
		unreadable(f, why, sizeof(why), "out of memory");
		f->racy = 1;
		free(buf);
	} else if (rc == 1) {
		f->state = FILE_LOADED;
		if (vcard)
			parse_vcard(f, buf, len);
		else
			parse_plain(f, buf, len);
		free(buf);
		if (f->arena_len > 0 &&
		    (shrunk = realloc(f->arena, f->arena_len)) != NULL)
			f->arena = shrunk;
	}
	if (seen->known && seen->state == f->state && identity_eq(&seen->id, &f->id))
		return;
	mx6_printable(printable, sizeof(printable), name);
	report(ab, printable, vcard, f, why);
}

/* The cache */

static struct book **bucket_of(struct mx6_addressbook *ab, uint32_t hash)
{
	return &ab->buckets[hash & (ab->nbuckets - 1)];
}

static struct book *cache_find(struct mx6_addressbook *ab, const char *key, uint32_t hash)
{
	struct book *b;

	for (b = *bucket_of(ab, hash); b != NULL; b = b->hash_next)
		if (b->hash == hash && strcmp(b->recipient, key) == 0)
			return b;
	return NULL;
}

static void lru_unlink(struct mx6_addressbook *ab, struct book *b)
{
	*(b->lru_prev ? &b->lru_prev->lru_next : &ab->lru_head) = b->lru_next;
	*(b->lru_next ? &b->lru_next->lru_prev : &ab->lru_tail) = b->lru_prev;
	b->lru_prev = b->lru_next = NULL;
}

static void lru_push(struct mx6_addressbook *ab, struct book *b)
{
	b->lru_next = ab->lru_head;
	*(ab->lru_head ? &ab->lru_head->lru_prev : &ab->lru_tail) = b;
	ab->lru_head = b;
}

static void cache_remove(struct mx6_addressbook *ab, struct book *b)
{
	struct book **pp;

	for (pp = bucket_of(ab, b->hash); *pp != b; pp = &(*pp)->hash_next)
		;
	*pp = b->hash_next;
	lru_unlink(ab, b);
	file_free(&b->plain);
	file_free(&b->vcard);
	free(b);
	ab->count--;
}

/* Stores a freshly read book, taking over its files. */
static void cache_store(struct mx6_addressbook *ab, const char *key, uint32_t hash,
			struct book_file *plain, struct book_file *vcard)
{
	struct book *b;

	if (ab->capacity == 0)
		goto discard;
	if ((b = cache_find(ab, key, hash)) != NULL) {
		lru_unlink(ab, b);
		file_free(&b->plain);
		file_free(&b->vcard);
	} else {
		if ((b = calloc(1, sizeof(*b) + strlen(key) + 1)) == NULL)
			goto discard;
		strcpy(b->recipient, key);
		b->hash = hash;
		b->hash_next = *bucket_of(ab, hash);
		*bucket_of(ab, hash) = b;
		ab->count++;
	}
	lru_push(ab, b);
	b->plain = *plain;
	b->vcard = *vcard;
	while (ab->count > ab->capacity)
		cache_remove(ab, ab->lru_tail);
	return;
discard:
	file_free(plain);
	file_free(vcard);
}

/* Lookups */

/*
 * "<bob@Example.NET>" -> "bob@example.net"; -1 for a name that could
 * leave the directory (or, with a control byte, confuse a log line).
 */
static int recipient_key(const char *recipient, char key[MAX_ADDRESS + 1])
{
	size_t len = strlen(recipient), i;

	if (len >= 2 && recipient[0] == '<' && recipient[len - 1] == '>') {
		recipient++;
		len -= 2;
	}
	if (len == 0 || len > MAX_ADDRESS || recipient[0] == '.')
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)recipient[i];

		if (c == '/' || c < 0x20 || c == 0x7f)
			return -1;
		key[i] = ascii_lower((char)c);
	}
	key[len] = '\0';
	return 0;
}

/*
 * The sender's address and "@domain" as entries spell them; addr is
 * empty when no entry could spell the address (the domain may still match).
 */
static int sender_keys(const char *sender, char addr[MAX_ADDRESS + 1],
		       char domain[MAX_ADDRESS + 1])
{
	size_t len = strlen(sender);
	const char *at;

	if (len >= 2 && sender[0] == '<' && sender[len - 1] == '>') {
		sender++;
		len -= 2;
	}
	if (len > MAX_ADDRESS)
		return -1;
	for (at = sender + len; at > sender && at[-1] != '@'; at--)
		;
	if (at <= sender + 1 ||
	    normalise_entry(at - 1, len - (size_t)(at - 1 - sender), 1, domain) == 0)
		return -1;
	if (normalise_entry(sender, len, 0, addr) == 0)
		addr[0] = '\0';
	return 0;
}

static int book_search(const struct book_file *plain, const struct book_file *vcard,
		       const char *key, const char *addr, const char *domain,
		       char *file_r, size_t filelen, unsigned *line_r)
{
	const struct slot *hit = NULL;
	const char *suffix = "";

	if (addr[0] != '\0')
		hit = set_find(plain, addr);
	if (hit == NULL)
		hit = set_find(plain, domain);
	if (hit == NULL && addr[0] != '\0' && (hit = set_find(vcard, addr)) != NULL)
		suffix = VCARD_SUFFIX;
	if (hit == NULL)
		return plain->state == FILE_UNREADABLE || vcard->state == FILE_UNREADABLE
			       ? -1
			       : 0;
	if (file_r != NULL && filelen > 0)
		snprintf(file_r, filelen, "%s%s", key, suffix);
	if (line_r != NULL)
		*line_r = hit->line;
	return 1;
}

int mx6_addressbook_contains(struct mx6_addressbook *ab, const char *recipient,
			     const char *sender, char *file_r, size_t filelen,
			     unsigned *line_r)
{
	char key[MAX_ADDRESS + 1], addr[MAX_ADDRESS + 1], domain[MAX_ADDRESS + 1];
	char path[PATH_MAX], vpath[PATH_MAX];
	struct book_file plain, vcard;
	struct identity plain_id, vcard_id;
	struct seen seen_plain = {0}, seen_vcard = {0};
	struct book *b;
	uint32_t hash;
	int rc;

	if (file_r != NULL && filelen > 0)
		file_r[0] = '\0';
	if (line_r != NULL)
		*line_r = 0;
	if (ab == NULL || recipient == NULL || sender == NULL ||
	    recipient_key(recipient, key) < 0 || sender_keys(sender, addr, domain) < 0)
		return 0;
	hash = hash_bytes(key, strlen(key));
	snprintf(path, sizeof(path), "%s/%s", ab->dir, key);
	snprintf(vpath, sizeof(vpath), "%s/%s%s", ab->dir, key, VCARD_SUFFIX);
	stat_identity(path, &plain_id);
	stat_identity(vpath, &vcard_id);

	pthread_mutex_lock(&ab->lock);
	b = cache_find(ab, key, hash);
	if (plain_id.err == ENOENT && vcard_id.err == ENOENT) {
		if (b != NULL)
			cache_remove(ab, b);
		pthread_mutex_unlock(&ab->lock);
		return 0;
	}
	if (b != NULL && file_fresh(&b->plain, &plain_id) &&
	    file_fresh(&b->vcard, &vcard_id)) {
		lru_unlink(ab, b);
		lru_push(ab, b);
		rc = book_search(&b->plain, &b->vcard, key, addr, domain, file_r, filelen,
				 line_r);
		pthread_mutex_unlock(&ab->lock);
		return rc;
	}
	if (b != NULL) {
		seen_plain = (struct seen){1, b->plain.state, b->plain.id};
		seen_vcard = (struct seen){1, b->vcard.state, b->vcard.id};
	}
	pthread_mutex_unlock(&ab->lock);

	read_book_file(&plain, ab, path, key, 0, &seen_plain);
	read_book_file(&vcard, ab, vpath, vpath + strlen(ab->dir) + 1, 1, &seen_vcard);
	rc = book_search(&plain, &vcard, key, addr, domain, file_r, filelen, line_r);
	pthread_mutex_lock(&ab->lock);
	cache_store(ab, key, hash, &plain, &vcard);
	pthread_mutex_unlock(&ab->lock);
	return rc;
}

/* Opening and closing */

struct mx6_addressbook *mx6_addressbook_open(const char *spec, unsigned cache_entries,
					     char *err_r, size_t errlen)
{
	const char *colon = strchr(spec, ':'), *dir, *why = NULL;
	struct mx6_addressbook *ab;
	struct stat st;
	size_t len;

	if (colon == NULL) {
		snprintf(err_r, errlen, "addressbook '%s': expected dir:PATH", spec);
		return NULL;
	}
	if (colon - spec != 3 || strncmp(spec, "dir", 3) != 0) {
		snprintf(err_r, errlen,
			 "addressbook '%s': unsupported scheme '%.*s' (only dir:PATH)",
			 spec, (int)(colon - spec), spec);
		return NULL;
	}
	dir = colon + 1;
	for (len = strlen(dir); len > 1 && dir[len - 1] == '/'; len--)
		;
	if (len == 0) {
		snprintf(err_r, errlen,
			 "addressbook '%s': no directory after dir:", spec);
		return NULL;
	}
	if (len + 1 + MAX_ADDRESS + sizeof(VCARD_SUFFIX) > PATH_MAX) {
		snprintf(err_r, errlen, "addressbook '%s': directory name too long",
			 spec);
		return NULL;
	}
	if ((ab = calloc(1, sizeof(*ab))) == NULL ||
	    (ab->dir = strndup(dir, len)) == NULL)
		goto nomem;
	if (stat(ab->dir, &st) < 0)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	else if (access(ab->dir, R_OK | X_OK) < 0)
		why = strerror(errno);
	if (why != NULL) {
		snprintf(err_r, errlen, "addressbook '%s': %s: %s", spec, ab->dir, why);
		free(ab->dir);
		free(ab);
		return NULL;
	}
	ab->capacity = cache_entries;
	for (ab->nbuckets = 16;
	     ab->nbuckets < cache_entries && ab->nbuckets < MAX_BUCKETS;)
		ab->nbuckets *= 2;
	if ((ab->buckets = calloc(ab->nbuckets, sizeof(*ab->buckets))) == NULL)
		goto nomem;
	if (pthread_mutex_init(&ab->lock, NULL) != 0)
		goto nomem;
	return ab;
nomem:
	if (ab != NULL) {
		free(ab->buckets);
		free(ab->dir);
		free(ab);
	}
	snprintf(err_r, errlen, "addressbook '%s': out of memory", spec);
	return NULL;
}

void mx6_addressbook_close(struct mx6_addressbook **ab)
{
	if (*ab == NULL)
		return;
	while ((*ab)->lru_head != NULL)
		cache_remove(*ab, (*ab)->lru_head);
	pthread_mutex_destroy(&(*ab)->lock);
	free((*ab)->buckets);
	free((*ab)->dir);
	free(*ab);
	*ab = NULL;
}
