/*
 * NAME
 *	callbacks 3h
 * SUMMARY
 *	libmilter callback table and the current configuration snapshot
 * DESCRIPTION
 *	mx6_milter_set_config() installs a new snapshot (taking over the
 *	caller's reference) and drops the previous one; sessions that hold
 *	the previous one keep it until they end. mx6_milter_get_config()
 *	returns a new reference to the current snapshot, or NULL before the
 *	first mx6_milter_set_config().
 *
 *	mx6_milter_desc is the smfiDesc to pass to smfi_register().
 */
#ifndef MX6_CALLBACKS_H
#define MX6_CALLBACKS_H

#include <libmilter/mfapi.h>

#include "config.h"

extern struct smfiDesc mx6_milter_desc;

void mx6_milter_set_config(struct mx6_config *cfg);
struct mx6_config *mx6_milter_get_config(void);

#endif
