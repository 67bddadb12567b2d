/*
 * NAME
 *	dkimkey 3h
 * SUMMARY
 *	decoded DKIM public keys, kept (see dkimkey.c)
 * SYNOPSIS
 *	#include "dkimkey.h"
 */
#ifndef MX6_DKIMKEY_H
#define MX6_DKIMKEY_H

int mx6_dkimkey_init(void);
void mx6_dkimkey_stats(unsigned long *hits_r, unsigned long *misses_r);

#endif
