/*
 * NAME
 *	dkimkey 3
 * SUMMARY
 *	decoded DKIM public keys, kept: libopendkim decodes the key of every
 *	signature of every message afresh
 * SYNOPSIS
 *	#include "dkimkey.h"
 *
 *	EVP_PKEY *d2i_PUBKEY_bio(BIO *bp, EVP_PKEY **a);
 * DESCRIPTION
 *	libopendkim turns the p= value of a key record into an EVP_PKEY with
 *	d2i_PUBKEY_bio() on a memory BIO, once per signature verified. With
 *	OpenSSL 3 that call sets up a decoder context each time, and was the
 *	largest single cost of a verified message (28 % of mx6-milter's CPU
 *	on the full IPv6 path, bench/run --profile), more than the RSA
 *	verification itself. libopendkim has no hook for it, so this file
 *	defines d2i_PUBKEY_bio() in the program: the dynamic linker binds
 *	libopendkim's call to it, and it answers from a small table of keys
 *	already decoded, keyed by the DER bytes themselves. Content-addressed,
 *	the table needs no TTL: a key record that changes has other bytes, and
 *	the record's TTL is the resolver's business (dnscache.c). A hit
 *	returns another reference to the same immutable key, which the caller
 *	frees as usual; the BIO is drained as the real call would drain it.
 *
 *	Anything else goes to OpenSSL's own d2i_PUBKEY_bio() (found with
 *	dlsym(RTLD_NEXT)): a BIO that is not a memory BIO, a caller passing
 *	an object to reuse (a != NULL), bytes that do not decode (never
 *	kept), more than MAX_DER bytes.
 *
 *	mx6_dkimkey_init() looks up the real function; mx6_dkim_new() calls
 *	it, which also makes sure this file is linked into every program
 *	that verifies DKIM. Returns 0, or -1 if the real function cannot be
 *	found. mx6_dkimkey_stats() reports hits and misses since start.
 */
#include "autoconf.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkimkey.h"

#define SLOTS 32      /* distinct keys kept; the least recently used goes */
#define MAX_DER 4096  /* an RSA 8192 key is ~1.1 KB of DER */

typedef EVP_PKEY *(*d2i_fn)(BIO *, EVP_PKEY **);

struct slot {
	unsigned char *der;
	size_t len;
	EVP_PKEY *pkey;
	unsigned long used; /* tick of the last hit */
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static d2i_fn real_d2i;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[SLOTS];
static unsigned long tick, hits, misses;

static void find_real(void)
{
	real_d2i = (d2i_fn)dlsym(RTLD_NEXT, "d2i_PUBKEY_bio");
}

int mx6_dkimkey_init(void)
{
	pthread_once(&once, find_real);
	return real_d2i != NULL ? 0 : -1;
}

void mx6_dkimkey_stats(unsigned long *hits_r, unsigned long *misses_r)
{
	pthread_mutex_lock(&lock);
	*hits_r = hits;
	*misses_r = misses;
	pthread_mutex_unlock(&lock);
}

/* Another reference to the key decoded from DER, or NULL. */
static EVP_PKEY *lookup(const unsigned char *der, size_t len)
{
	EVP_PKEY *pkey = NULL;
	int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < SLOTS; i++)
		if (slots[i].pkey != NULL && slots[i].len == len &&
		    memcmp(slots[i].der, der, len) == 0) {
			if (EVP_PKEY_up_ref(slots[i].pkey) == 1) {
				pkey = slots[i].pkey;
				slots[i].used = ++tick;
			}
			break;
		}
	if (pkey != NULL)
		hits++;
	else
		misses++;
	pthread_mutex_unlock(&lock);
	return pkey;
}

/* Keep a reference to PKEY, decoded from DER, in the least recently used slot. */
static void keep(const unsigned char *der, size_t len, EVP_PKEY *pkey)
{
	unsigned char *copy = malloc(len);
	EVP_PKEY *old = NULL;
	unsigned char *old_der = NULL;
	int i, victim = 0;

	if (copy == NULL || EVP_PKEY_up_ref(pkey) != 1) {
		free(copy);
		return;
	}
	memcpy(copy, der, len);
	pthread_mutex_lock(&lock);
	for (i = 0; i < SLOTS; i++) {
		if (slots[i].pkey != NULL && slots[i].len == len &&
		    memcmp(slots[i].der, der, len) == 0) {
			victim = -1; /* another thread was first */
			break;
		}
		if (slots[i].used < slots[victim].used)
			victim = i;
	}
	if (victim >= 0) {
		old = slots[victim].pkey;
		old_der = slots[victim].der;
		slots[victim] = (struct slot){copy, len, pkey, ++tick};
		copy = NULL;
		pkey = NULL;
	}
	pthread_mutex_unlock(&lock);
	EVP_PKEY_free(old); /* outside the lock; NULL is fine */
	free(old_der);
	EVP_PKEY_free(pkey);
	free(copy);
}

/* Consume the N bytes a hit stands for, as the real decoder would. */
static void drain(BIO *bp, size_t n)
{
	unsigned char buf[256];

	while (n > 0) {
		int got = BIO_read(bp, buf, (int)(n < sizeof(buf) ? n : sizeof(buf)));

		if (got <= 0)
			break;
		n -= (size_t)got;
	}
}

EVP_PKEY *d2i_PUBKEY_bio(BIO *bp, EVP_PKEY **a)
{
	const unsigned char *der;
	unsigned char *copy;
	long len;
	EVP_PKEY *pkey;

	if (mx6_dkimkey_init() < 0)
		return NULL;
	if (a != NULL || bp == NULL || BIO_method_type(bp) != BIO_TYPE_MEM ||
	    (len = BIO_get_mem_data(bp, (char **)&der)) <= 0 || len > MAX_DER)
		return real_d2i(bp, a);
	if ((pkey = lookup(der, (size_t)len)) != NULL) {
		drain(bp, (size_t)len);
		return pkey;
	}
	/* The real call consumes the BIO: keep the bytes it was given. */
	if ((copy = malloc((size_t)len)) == NULL)
		return real_d2i(bp, a);
	memcpy(copy, der, (size_t)len);
	if ((pkey = real_d2i(bp, NULL)) != NULL)
		keep(copy, (size_t)len, pkey);
	free(copy);
	return pkey;
}
