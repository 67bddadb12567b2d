#!/usr/bin/env python3
"""tests/dns/blackhole.py -- a DNS "server" that fails on purpose.

NAME
    blackhole.py - UDP/TCP DNS black hole or SERVFAIL responder for tests

SYNOPSIS
    blackhole.py [--servfail] [--port N] --port-file FILE

DESCRIPTION
    Binds 127.0.0.1 (UDP and TCP, same port; --port 0, the default, lets
    the kernel choose a free one) and writes the port number to FILE once
    it is listening. tests/dns/server.sh forwards test zones here:

    default      reads every query and never answers (TCP connections are
                 accepted and left hanging), so whoever asks times out;
    --servfail   answers every query at once with RCODE 2 (SERVFAIL),
                 echoing the question.

    Runs until killed (SIGTERM). Needs nothing beyond the Python 3
    standard library.
"""

import argparse
import os
import select
import signal
import socket
import struct
import sys


def servfail_reply(query):
    """The query turned into a SERVFAIL answer (same id and question)."""
    if len(query) < 12:
        return None
    qid, flags = struct.unpack("!HH", query[:4])
    qdcount = struct.unpack("!H", query[4:6])[0]
    # QR=1, keep opcode and RD, RA=1, RCODE=2
    rflags = 0x8000 | (flags & 0x7900) | 0x0080 | 2
    return struct.pack("!HHHHHH", qid, rflags, qdcount, 0, 0, 0) + query[12:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--servfail", action="store_true")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", args.port))
    port = udp.getsockname()[1]
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        tcp.bind(("127.0.0.1", port))
        tcp.listen(16)
    except OSError:
        tcp.close()
        tcp = None

    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)

    hanging = []  # accepted TCP connections, kept open and never answered
    watch = [udp] + ([tcp] if tcp else [])
    while True:
        ready, _, _ = select.select(watch + hanging, [], [])
        for s in ready:
            if s is udp:
                data, peer = udp.recvfrom(65535)
                if args.servfail:
                    reply = servfail_reply(data)
                    if reply:
                        udp.sendto(reply, peer)
            elif s is tcp:
                conn, _ = tcp.accept()
                if args.servfail or len(hanging) >= 64:
                    conn.close()
                else:
                    hanging.append(conn)
            else:
                try:
                    data = s.recv(65535)
                except OSError:
                    data = b""
                if not data:
                    hanging.remove(s)
                    s.close()


if __name__ == "__main__":
    main()
