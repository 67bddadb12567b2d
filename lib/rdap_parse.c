/*
 * NAME
 *	rdap_parse 3
 * SUMMARY
 *	RDAP responses and IANA bootstrap registries, parsed (no I/O but
 *	reading a bootstrap file)
 * SYNOPSIS
 *	See rdap.h.
 * DESCRIPTION
 *	Only top-level entities count: the registrar and the registrant of
 *	the object itself, not the contacts nested inside them (a
 *	registrar's abuse desk says nothing about the registrant).
 *
 *	Redaction is judged conservatively: when in doubt a value counts as
 *	redacted, since a missed redaction would make an anonymous domain
 *	look well documented.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <json-c/json.h>

#include "rdap.h"
#include "util.h"

#define MAX_BOOTSTRAP (4 * 1024 * 1024)

/* vCard properties that make a contact. */
enum prop { P_FN, P_ORG, P_EMAIL, P_TEL, P_ADR, NPROPS };
static const char *const prop_names[NPROPS] = {"fn", "org", "email", "tel", "adr"};

static int only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

static struct json_object *parse_json(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;

	if (tok == NULL || len > (size_t)MX6_RDAP_MAX_RESPONSE * 16) {
		if (tok != NULL)
			json_tokener_free(tok);
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, text, (int)len);
	/* One value and nothing after it but white space. */
	if (obj != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
			    !only_space(text + json_tokener_get_parse_end(tok),
					len - json_tokener_get_parse_end(tok)))) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

static struct json_object *member(struct json_object *obj, const char *name,
				  enum json_type type)
{
	struct json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static int has_role(struct json_object *entity, const char *role)
{
	struct json_object *roles = member(entity, "roles", json_type_array);
	size_t i, n = roles != NULL ? json_object_array_length(roles) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(roles, i);

		if (json_object_is_type(r, json_type_string) &&
		    strcasecmp(json_object_get_string(r), role) == 0)
			return 1;
	}
	return 0;
}

static struct json_object *entity_with_role(struct json_object *root, const char *role)
{
	struct json_object *entities = member(root, "entities", json_type_array);
	size_t i, n = entities != NULL ? json_object_array_length(entities) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(entities, i);

		if (has_role(e, role))
			return e;
	}
	return NULL;
}

/* The properties of a jCard: vcardArray = ["vcard", [[name, params, type, value]...]]. */
static struct json_object *vcard_properties(struct json_object *entity)
{
	struct json_object *va = member(entity, "vcardArray", json_type_array), *props;

	if (va == NULL || json_object_array_length(va) < 2)
		return NULL;
	props = json_object_array_get_idx(va, 1);
	return json_object_is_type(props, json_type_array) ? props : NULL;
}

/* One property's value string, or NULL. */
static const char *vcard_text(struct json_object *props, const char *name)
{
	size_t i, n = json_object_array_length(props);

	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(props, i), *k, *v;

		if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) < 4)
			continue;
		k = json_object_array_get_idx(p, 0);
		v = json_object_array_get_idx(p, 3);
		if (json_object_is_type(k, json_type_string) &&
		    strcasecmp(json_object_get_string(k), name) == 0 &&
		    json_object_is_type(v, json_type_string))
			return json_object_get_string(v);
	}
	return NULL;
}

/* Placeholders registries put where a value was withheld. */
static int placeholder(const char *s)
{
	static const char *const markers[] = {
		"redacted", "data protected", "not disclosed", "privacy", "withheld",
		"not available", "gdpr", "masked", "hidden", "data restricted",
	};
	char lower[256];
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)s[i]);
	lower[i] = '\0';
	for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if (strstr(lower, markers[i]) != NULL)
			return 1;
	return 0;
}

/* A value that says something: non-empty after "tel:"/"mailto:", no placeholder. */
static int informative_string(const char *s)
{
	if (strncasecmp(s, "tel:", 4) == 0)
		s += 4;
	else if (strncasecmp(s, "mailto:", 7) == 0)
		s += 7;
	while (isspace((unsigned char)*s))
		s++;
	return *s != '\0' && !placeholder(s);
}

/* A string, or a structured value (adr) with at least one informative part. */
static int informative(struct json_object *v)
{
	size_t i, n;

	if (json_object_is_type(v, json_type_string))
		return informative_string(json_object_get_string(v));
	if (!json_object_is_type(v, json_type_array))
		return 0;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++)
		if (informative(json_object_array_get_idx(v, i)))
			return 1;
	return 0;
}

/* Properties present with an informative value (bit per enum prop). */
static unsigned vcard_informative(struct json_object *props)
{
	size_t i, n = json_object_array_length(props);
	unsigned found = 0;
	int j;

	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(props, i), *k, *params, *label;

		if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) < 4)
			continue;
		k = json_object_array_get_idx(p, 0);
		if (!json_object_is_type(k, json_type_string))
			continue;
		for (j = 0; j < NPROPS; j++) {
			if (strcasecmp(json_object_get_string(k), prop_names[j]) != 0)
				continue;
			params = json_object_array_get_idx(p, 1);
			label = member(params, "label", json_type_string);
			if (informative(json_object_array_get_idx(p, 3)) ||
			    (j == P_ADR && label != NULL && informative(label)))
				found |= 1u << j;
		}
	}
	return found;
}

/* RFC 9537 "redacted" names by the registrant's property they cover. */
static unsigned redacted_by_name(const char *type)
{
	static const struct {
		const char *name;
		enum prop prop;
	} names[] = {
		{"registrant name", P_FN},	   {"registrant organization", P_ORG},
		{"registrant email", P_EMAIL},	   {"registrant phone", P_TEL},
		{"registrant street", P_ADR},	   {"registrant city", P_ADR},
		{"registrant postal code", P_ADR}, {"registrant address", P_ADR},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncasecmp(type, names[i].name, strlen(names[i].name)) == 0)
			return 1u << names[i].prop;
	return 0;
}

/* "...roles[0]=='registrant')]...[?(@[0]=='email')]...": the property named. */
static unsigned redacted_by_path(const char *path)
{
	unsigned found = 0;
	int j;

	if (strstr(path, "registrant") == NULL)
		return 0;
	for (j = 0; j < NPROPS; j++) {
		char pattern[32];

		snprintf(pattern, sizeof(pattern), "@[0]=='%s'", prop_names[j]);
		if (strstr(path, pattern) != NULL)
			found |= 1u << j;
		snprintf(pattern, sizeof(pattern), "@[0]==\"%s\"", prop_names[j]);
		if (strstr(path, pattern) != NULL)
			found |= 1u << j;
	}
	return found;
}

static unsigned redacted_properties(struct json_object *root)
{
	static const char *const paths[] = {"prePath", "postPath", "replacementPath"};
	struct json_object *redacted = member(root, "redacted", json_type_array);
	size_t i, k, n = redacted != NULL ? json_object_array_length(redacted) : 0;
	unsigned found = 0;

	for (i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(redacted, i), *name, *v;

		name = member(r, "name", json_type_object);
		if ((v = member(name, "type", json_type_string)) != NULL)
			found |= redacted_by_name(json_object_get_string(v));
		if ((v = member(name, "description", json_type_string)) != NULL)
			found |= redacted_by_name(json_object_get_string(v));
		for (k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
			if ((v = member(r, paths[k], json_type_string)) != NULL)
				found |= redacted_by_path(json_object_get_string(v));
	}
	return found;
}

static int registrant_contact(struct json_object *root)
{
	struct json_object *registrant = entity_with_role(root, "registrant"), *props;
	unsigned usable;

	if (registrant == NULL || (props = vcard_properties(registrant)) == NULL)
		return 0;
	usable = vcard_informative(props) & ~redacted_properties(root);
	return (usable & (1u << P_FN | 1u << P_ORG)) != 0 &&
	       (usable & (1u << P_EMAIL | 1u << P_TEL | 1u << P_ADR)) != 0;
}

static void registrar(struct json_object *root, struct mx6_rdap_info *info)
{
	struct json_object *e = entity_with_role(root, "registrar"), *ids, *props;
	size_t i, n;
	const char *fn;

	if (e == NULL)
		return;
	ids = member(e, "publicIds", json_type_array);
	n = ids != NULL ? json_object_array_length(ids) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *id = json_object_array_get_idx(ids, i), *type, *ident;
		const char *text;

		type = member(id, "type", json_type_string);
		ident = member(id, "identifier", json_type_string);
		if (type == NULL || ident == NULL ||
		    strcasecmp(json_object_get_string(type), "IANA Registrar ID") != 0)
			continue;
		text = json_object_get_string(ident);
		if (*text != '\0' && strspn(text, "0123456789") == strlen(text) &&
		    strlen(text) < sizeof(info->registrar_id)) {
			mx6_strlcpy(info->registrar_id, text, sizeof(info->registrar_id));
			break;
		}
	}
	if ((props = vcard_properties(e)) != NULL && (fn = vcard_text(props, "fn")) != NULL)
		mx6_printable(info->registrar_name, sizeof(info->registrar_name), fn);
}

int mx6_rdap_parse(const char *json, size_t len, struct mx6_rdap_info *info_r)
{
	struct json_object *root = parse_json(json, len);

	memset(info_r, 0, sizeof(*info_r));
	if (root == NULL)
		return -1;
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -1;
	}
	registrar(root, info_r);
	info_r->contact = registrant_contact(root);
	json_object_put(root);
	return 0;
}

/* Bootstrap registries */

struct service_entry {
	char *key;	 /* lower-case domain suffix, or the prefix text */
	uint8_t prefix[16];
	unsigned bits;
	const char *url; /* into urls */
};

struct mx6_rdap_bootstrap {
	enum mx6_rdap_kind kind;
	struct service_entry *entries;
	size_t nentries;
	char **urls;
	size_t nurls;
};

void mx6_rdap_bootstrap_free(struct mx6_rdap_bootstrap **b)
{
	size_t i;

	if (*b == NULL)
		return;
	for (i = 0; i < (*b)->nentries; i++)
		free((*b)->entries[i].key);
	for (i = 0; i < (*b)->nurls; i++)
		free((*b)->urls[i]);
	free((*b)->entries);
	free((*b)->urls);
	free(*b);
	*b = NULL;
}

/* The https URL of a service if it has one, else its first http one. */
static const char *pick_url(struct json_object *urls)
{
	size_t i, n = json_object_array_length(urls);
	const char *http = NULL;

	for (i = 0; i < n; i++) {
		struct json_object *u = json_object_array_get_idx(urls, i);
		const char *s;

		if (!json_object_is_type(u, json_type_string))
			continue;
		s = json_object_get_string(u);
		if (strncasecmp(s, "https://", 8) == 0)
			return s;
		if (http == NULL && strncasecmp(s, "http://", 7) == 0)
			http = s;
	}
	return http;
}

static int parse_prefix(const char *text, struct service_entry *e)
{
	char buf[64], *slash, *end;
	unsigned long bits;

	if (strlen(text) >= sizeof(buf))
		return -1;
	mx6_strlcpy(buf, text, sizeof(buf));
	if ((slash = strchr(buf, '/')) == NULL)
		return -1;
	*slash = '\0';
	bits = strtoul(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || bits > 128 ||
	    inet_pton(AF_INET6, buf, e->prefix) != 1)
		return -1;
	e->bits = (unsigned)bits;
	return 0;
}

static int add_service(struct mx6_rdap_bootstrap *b, struct json_object *service,
		       char *err_r, size_t errlen)
{
	struct json_object *keys, *urls;
	const char *url;
	size_t i, n;
	char *copy;

	if (!json_object_is_type(service, json_type_array) ||
	    json_object_array_length(service) < 2 ||
	    !json_object_is_type(keys = json_object_array_get_idx(service, 0), json_type_array) ||
	    !json_object_is_type(urls = json_object_array_get_idx(service, 1), json_type_array)) {
		snprintf(err_r, errlen, "a service is not [[entries], [urls]]");
		return -1;
	}
	if ((url = pick_url(urls)) == NULL)
		return 0; /* no http(s) URL: unusable, not wrong */
	n = json_object_array_length(keys);
	if ((copy = strdup(url)) == NULL)
		goto nomem;
	b->urls[b->nurls++] = copy;
	for (i = 0; i < n; i++) {
		struct json_object *k = json_object_array_get_idx(keys, i);
		struct service_entry e, *grown;
		char *p;

		memset(&e, 0, sizeof(e));
		if (!json_object_is_type(k, json_type_string)) {
			snprintf(err_r, errlen, "a service entry is not a string");
			return -1;
		}
		if ((e.key = strdup(json_object_get_string(k))) == NULL)
			goto nomem;
		for (p = e.key; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		if (b->kind == MX6_RDAP_IPV6 && parse_prefix(e.key, &e) < 0) {
			snprintf(err_r, errlen, "'%.64s' is not an IPv6 prefix", e.key);
			free(e.key);
			return -1;
		}
		e.url = copy;
		if ((grown = realloc(b->entries, (b->nentries + 1) * sizeof(*grown))) == NULL) {
			free(e.key);
			goto nomem;
		}
		b->entries = grown;
		b->entries[b->nentries++] = e;
	}
	return 0;
nomem:
	snprintf(err_r, errlen, "out of memory");
	return -1;
}

struct mx6_rdap_bootstrap *mx6_rdap_bootstrap_parse(const char *json, size_t len,
						    enum mx6_rdap_kind kind, char *err_r,
						    size_t errlen)
{
	struct json_object *root = parse_json(json, len), *services;
	struct mx6_rdap_bootstrap *b;
	size_t i, n;

	if (root == NULL) {
		snprintf(err_r, errlen, "not valid JSON");
		return NULL;
	}
	if ((services = member(root, "services", json_type_array)) == NULL) {
		snprintf(err_r, errlen, "no \"services\" array: not an IANA RDAP bootstrap file");
		json_object_put(root);
		return NULL;
	}
	n = json_object_array_length(services);
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->urls = calloc(n + 1, sizeof(char *))) == NULL) {
		free(b);
		json_object_put(root);
		snprintf(err_r, errlen, "out of memory");
		return NULL;
	}
	b->kind = kind;
	for (i = 0; i < n; i++)
		if (add_service(b, json_object_array_get_idx(services, i), err_r, errlen) < 0) {
			mx6_rdap_bootstrap_free(&b);
			break;
		}
	json_object_put(root);
	return b;
}

struct mx6_rdap_bootstrap *mx6_rdap_bootstrap_load(const char *path,
						   enum mx6_rdap_kind kind, char *err_r,
						   size_t errlen)
{
	struct mx6_rdap_bootstrap *b = NULL;
	char *text, msg[256];
	size_t len;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err_r, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if ((text = malloc(MAX_BOOTSTRAP + 1)) == NULL) {
		fclose(fp);
		snprintf(err_r, errlen, "%s: out of memory", path);
		return NULL;
	}
	len = fread(text, 1, MAX_BOOTSTRAP + 1, fp);
	if (ferror(fp))
		snprintf(err_r, errlen, "%s: read error", path);
	else if (len > MAX_BOOTSTRAP)
		snprintf(err_r, errlen, "%s: larger than %d bytes", path, MAX_BOOTSTRAP);
	else if ((b = mx6_rdap_bootstrap_parse(text, len, kind, msg, sizeof(msg))) == NULL)
		snprintf(err_r, errlen, "%s: %s", path, msg);
	fclose(fp);
	free(text);
	return b;
}

const char *mx6_rdap_bootstrap_domain(const struct mx6_rdap_bootstrap *b, const char *domain)
{
	const char *suffix = domain;
	size_t i;

	/* Longest first: the whole name, then without its first label, ... */
	while (suffix != NULL && *suffix != '\0') {
		for (i = 0; i < b->nentries; i++)
			if (strcasecmp(b->entries[i].key, suffix) == 0)
				return b->entries[i].url;
		suffix = strchr(suffix, '.');
		if (suffix != NULL)
			suffix++;
	}
	return NULL;
}

static int prefix_matches(const struct service_entry *e, const struct mx6_addr *addr)
{
	unsigned full = e->bits / 8, rest = e->bits % 8;

	if (memcmp(e->prefix, addr->bytes, full) != 0)
		return 0;
	return rest == 0 ||
	       ((e->prefix[full] ^ addr->bytes[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

const char *mx6_rdap_bootstrap_ipv6(const struct mx6_rdap_bootstrap *b,
				    const struct mx6_addr *addr)
{
	const struct service_entry *best = NULL;
	size_t i;

	for (i = 0; i < b->nentries; i++)
		if (prefix_matches(&b->entries[i], addr) &&
		    (best == NULL || b->entries[i].bits > best->bits))
			best = &b->entries[i];
	return best != NULL ? best->url : NULL;
}
