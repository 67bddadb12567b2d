#!/usr/bin/env python3
"""tests/faults/faultdns.py -- a DNS server that misbehaves on purpose.

NAME
    faultdns.py - truncation and CNAME-loop faults for tests/faults

SYNOPSIS
    faultdns.py --port-file FILE --log FILE

DESCRIPTION
    Binds 127.0.0.1 on one free port, UDP and TCP, writes the port to
    FILE once it listens, and answers as the only forwarder of the
    resolver under test (tests/faults/dns-faults.sh sets dns_forwarders
    to it):

    tc.test        over UDP: an empty answer with TC set; over TCP: two
                   TXT records, the SPF record of the test and a 600-byte
                   token, so the answer is longer than 512 bytes;
    tcdead.test    over UDP: TC set; over TCP the query is read and the
                   connection closed without an answer;
    tchang.test    over UDP: TC set; over TCP the query is read and the
                   connection left open, never answered;
    cnloop.test    every name under it, and the name itself, is a CNAME
                   to a.cnloop.test, and a.cnloop.test one to
                   b.cnloop.test: a loop, answered NOERROR each time;
    anything else  NXDOMAIN (authoritative), at once.

    Each query is logged to the log FILE as "udp|tcp NAME TYPE". Runs
    until SIGTERM. Python 3 standard library only (socket, struct).
"""

import argparse
import os
import select
import signal
import socket
import struct
import sys

SPF = b"v=spf1 ip6:2001:db8::66 ip4:192.0.2.66 -all"
TOKEN = b"token=" + b"x" * 594


def parse_question(msg):
    """(id, flags, qname as text, qtype, end of question) or None."""
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1:
        return None
    labels, i = [], 12
    while i < len(msg):
        n = msg[i]
        i += 1
        if n == 0:
            break
        if n > 63 or i + n > len(msg):
            return None
        labels.append(msg[i:i + n].decode("ascii", "replace").lower())
        i += n
    if i + 4 > len(msg):
        return None
    qtype = struct.unpack("!H", msg[i:i + 2])[0]
    return qid, flags, ".".join(labels), qtype, i + 4


def wire_name(name):
    out = b""
    for label in name.split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\x00"


def txt_rdata(text):
    out = b""
    for i in range(0, len(text), 255):
        chunk = text[i:i + 255]
        out += bytes([len(chunk)]) + chunk
    return out


def reply(query, q, rcode=0, tc=False, answers=()):
    """Header + question of QUERY, then ANSWERS [(type, rdata)] at qname."""
    qid, flags, _, _, qend = q
    rflags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode  # QR AA RD RA
    if tc:
        rflags |= 0x0200
    out = struct.pack("!HHHHHH", qid, rflags, 1, len(answers), 0, 0) + query[12:qend]
    for rtype, rdata in answers:
        out += struct.pack("!HHHIH", 0xC00C, rtype, 1, 60, len(rdata)) + rdata
    return out


def in_zone(name, zone):
    return name == zone or name.endswith("." + zone)


def answer_udp(query, q):
    name, qtype = q[2], q[3]
    if any(in_zone(name, z) for z in ("tc.test", "tcdead.test", "tchang.test")):
        return reply(query, q, tc=True)
    return answer_common(query, q)


def answer_tcp(query, q):
    """The answer over TCP, or "close" / "hang"."""
    name, qtype = q[2], q[3]
    if in_zone(name, "tcdead.test"):
        return "close"
    if in_zone(name, "tchang.test"):
        return "hang"
    if name == "tc.test":
        if qtype == 16:
            return reply(query, q, answers=[(16, txt_rdata(SPF)), (16, txt_rdata(TOKEN))])
        return reply(query, q)  # NODATA
    if in_zone(name, "tc.test"):
        return reply(query, q, rcode=3)
    return answer_common(query, q)


def answer_common(query, q):
    name = q[2]
    if in_zone(name, "cnloop.test"):
        target = "b.cnloop.test" if name == "a.cnloop.test" else "a.cnloop.test"
        return reply(query, q, answers=[(5, wire_name(target))])
    return reply(query, q, rcode=3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    port = udp.getsockname()[1]
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("127.0.0.1", port))
    tcp.listen(16)
    log = open(args.log, "a", buffering=1)

    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)

    conns = {}  # socket -> bytes received so far
    hanging = []
    while True:
        ready, _, _ = select.select([udp, tcp] + list(conns) + hanging, [], [])
        for s in ready:
            if s is udp:
                data, peer = udp.recvfrom(65535)
                q = parse_question(data)
                if q:
                    log.write("udp %s %d\n" % (q[2], q[3]))
                    udp.sendto(answer_udp(data, q), peer)
            elif s is tcp:
                conn, _ = tcp.accept()
                if len(conns) + len(hanging) < 64:
                    conns[conn] = b""
                else:
                    conn.close()
            elif s in hanging:
                if not s.recv(65535):
                    hanging.remove(s)
                    s.close()
            else:
                try:
                    data = s.recv(65535)
                except OSError:
                    data = b""
                if not data:
                    del conns[s]
                    s.close()
                    continue
                buf = conns[s] + data
                while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                    n = struct.unpack("!H", buf[:2])[0]
                    msg, buf = buf[2:2 + n], buf[2 + n:]
                    q = parse_question(msg)
                    if not q:
                        continue
                    log.write("tcp %s %d\n" % (q[2], q[3]))
                    out = answer_tcp(msg, q)
                    if out == "close":
                        buf = None
                        break
                    if out == "hang":
                        hanging.append(s)
                        buf = None
                        break
                    s.sendall(struct.pack("!H", len(out)) + out)
                if buf is None:
                    del conns[s]
                    if s not in hanging:
                        s.close()
                else:
                    conns[s] = buf


if __name__ == "__main__":
    main()
