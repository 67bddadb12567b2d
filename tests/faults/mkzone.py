#!/usr/bin/env python3
"""tests/faults/mkzone.py -- the zone file of tests/faults/dns-faults.sh.

SYNOPSIS
    mkzone.py DKIM-PUBKEY-BASE64 > zone.conf

DESCRIPTION
    Writes unbound.conf(5) "server:" lines for tests/dns/server.sh: one
    local-zone per fault domain, records split into 255-byte strings.
    Too big or too regular to write by hand: SPF records of 4, 20 and
    60 KB, a chain of 100 includes, fan-outs of 20 and 100 includes and
    16 KB DKIM key records. What each domain is for is said next to it
    and in dns-faults.sh. Names and addresses are the test's:
    client 2001:db8::66 / 192.0.2.66 passes every "ok" SPF record.
    Standard library only.
"""

import ipaddress
import sys

PASS = "ip6:2001:db8::66 ip4:192.0.2.66"


def q(text):
    """TEXT as quoted character-strings of at most 255 bytes."""
    parts = [text[i:i + 255] for i in range(0, len(text), 255)] or [""]
    return " ".join('"%s"' % p for p in parts)


def out(line):
    sys.stdout.write(line + "\n")


def zone(name):
    out('local-zone: "%s." static' % name)


def txt(name, text):
    out("local-data: '%s. 300 IN TXT %s'" % (name, q(text)))


def cname(name, target):
    out('local-data: "%s. 300 IN CNAME %s."' % (name, target))


def deny(name):
    """Queries for NAME and below are dropped: every lookup times out."""
    out('local-zone: "%s." deny' % name)


def rev(address, suffix):
    return ipaddress.ip_address(address).reverse_pointer[:-len(suffix)]


def long_spf(size):
    """A valid SPF record of about SIZE bytes of ip6 terms; the client's
    address comes last, then -all."""
    body, i = "v=spf1", 0
    tail = " %s -all" % PASS
    while len(body) + len(tail) + 24 < size:
        body += " ip6:2001:db8:ffff::%x" % i
        i += 1
    return body + tail


def main():
    pub = sys.argv[1]
    out("# written by tests/faults/mkzone.py")
    # Every query is logged: the suite counts the include lookups.
    out("log-queries: yes")

    # control: SPF pass; plain.test: SPF pass, not on the greenlist
    for d in ("ok.test", "plain.test"):
        zone(d)
        txt(d, "v=spf1 %s ip6:2001:db8::/64 ip4:192.0.2.0/24 -all" % PASS)

    # ---- time-outs (the "deny" zones never answer)
    zone("_dmarc.spfto.test")  # the DMARC lookup answers at once
    deny("spfto.test")  # the domain's own SPF record
    zone("incto.test")
    txt("incto.test", "v=spf1 include:inc.incto.test -all")
    deny("inc.incto.test")  # an include
    zone("dmto.test")
    txt("dmto.test", "v=spf1 %s -all" % PASS)
    deny("_dmarc.dmto.test")  # the DMARC record
    for d in ("dkto.test", "dksf.test", "dkloop.test", "dkbig.test", "dkpad.test",
              "dkok.test"):
        zone(d)
        txt(d, "v=spf1 ?all")  # neutral: only DKIM can authenticate
    deny("_domainkey.dkto.test")  # the DKIM key
    # iprev (PTR) of 2001:db8::99 and the DNSWL name of 2001:db8::98
    # (and of 192.0.2.99 / 192.0.2.98, whose mail must not wait for them)
    deny(rev("2001:db8::99", ".ip6.arpa") + ".ip6.arpa")
    deny(rev("192.0.2.99", ".in-addr.arpa") + ".in-addr.arpa")
    zone("wl.test")
    deny(rev("2001:db8::98", ".ip6.arpa") + ".wl.test")
    deny(rev("192.0.2.98", ".in-addr.arpa") + ".wl.test")

    # ---- SERVFAIL and REFUSED (tests/dns/server.sh's built-in zones)
    zone("incsf.test")
    txt("incsf.test", "v=spf1 include:x.servfail.test -all")
    zone("increfused.test")
    txt("increfused.test", "v=spf1 include:x.refused.test -all")
    zone("dmsf.test")
    txt("dmsf.test", "v=spf1 %s -all" % PASS)
    cname("_dmarc.dmsf.test", "x.servfail.test")
    cname("sel._domainkey.dksf.test", "x.servfail.test")

    # ---- CNAME loops (unbound answers SERVFAIL)
    zone("cl.test")
    cname("loop.cl.test", "loop2.cl.test")
    cname("loop2.cl.test", "loop.cl.test")
    zone("dmloop.test")
    txt("dmloop.test", "v=spf1 %s -all" % PASS)
    cname("_dmarc.dmloop.test", "_dmarc2.dmloop.test")
    cname("_dmarc2.dmloop.test", "_dmarc.dmloop.test")
    cname("sel._domainkey.dkloop.test", "sel2._domainkey.dkloop.test")
    cname("sel2._domainkey.dkloop.test", "sel._domainkey.dkloop.test")

    # ---- huge TXT records
    for kb in (4, 20, 60):
        d = "big%d.test" % kb
        zone(d)
        txt(d, long_spf(kb * 1024))
    # valid and short in terms, long in bytes (RFC 7208 allows 1*SP):
    # more than the 1232 bytes of a UDP answer, so fetched over TCP
    for kb in (2, 20):
        d = "pad%d.test" % kb
        zone(d)
        txt(d, "v=spf1 %s%s-all" % (PASS, " " * (kb * 1024)))
    zone("manytxt.test")  # one SPF record among 12 long TXT records
    for i in range(12):
        txt("manytxt.test", "token%d=%s" % (i, "t" * 240))
    txt("manytxt.test", "v=spf1 %s -all" % PASS)
    # a DMARC record whose p=reject comes after 4 KB of rua=
    zone("dmbig.test")
    txt("dmbig.test", "v=spf1 ~all")
    txt("_dmarc.dmbig.test", "v=DMARC1; rua=%s; p=reject" %
        ",".join("mailto:r%04d@dmbig.test" % i for i in range(200)))
    # DKIM: a sane key, a 16 KB p=, a sane key padded to 16 KB with n=
    txt("sel._domainkey.dkok.test", "v=DKIM1; k=rsa; p=%s" % pub)
    txt("sel._domainkey.dkbig.test", "v=DKIM1; k=rsa; p=%s" %
        ("MIIE" + "QUJD" * 4096)[:16384])
    txt("sel._domainkey.dkpad.test", "v=DKIM1; k=rsa; n=%s; p=%s" % ("x" * 16384, pub))

    # ---- 100 SPF includes: a chain and fan-outs
    zone("chain.test")
    for i in range(100):
        txt("ch%d.chain.test" % i, "v=spf1 include:ch%d.chain.test -all" % (i + 1)
            if i < 99 else "v=spf1 %s -all" % PASS)
    for n in (20, 100):
        d = "fan%d.test" % n
        zone(d)
        txt(d, "v=spf1 %s -all" % " ".join("include:f%d.%s" % (i, d) for i in range(n)))
        for i in range(n):
            txt("f%d.%s" % (i, d), "v=spf1 %s -all" % PASS if i == n - 1 else "v=spf1 -all")


if __name__ == "__main__":
    main()
