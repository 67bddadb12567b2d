#!/usr/bin/env python3
"""tests/rdap/server.py -- a small RDAP server on loopback for tests.

SYNOPSIS
    server.py DATADIR STATEDIR [SLOW_SECONDS]

Serves the fixture JSON of DATADIR (tests/data/rdap) over HTTP on
127.0.0.1, on a free port written to STATEDIR/port; its PID goes to
STATEDIR/pid and one line per request ("GET PATH") to STATEDIR/requests.
Paths (with or without a leading /bs/, to tell bootstrap-chosen URLs from
the redirector's):

    /domain/NAME.test   NAME.json (listed, offlist, named, redacted,
                        rfc9537, contact, malformed)
    /domain/slow.test   listed.json after SLOW_SECONDS (default 5)
    /domain/huge.test   a valid RDAP object larger than 256 KB
    /ip/2001:db8:a::*   network-contact.json
    /ip/2001:db8:b::*   network-nocontact.json
    anything else       404 (an RDAP error object)

Runs until killed (SIGTERM).
"""
import http.server
import ipaddress
import json
import os
import sys
import time

DATA, STATE = sys.argv[1], sys.argv[2]
SLOW = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
DOMAINS = {"listed", "offlist", "named", "redacted", "rfc9537", "contact", "malformed"}
NETWORKS = {
    ipaddress.ip_network("2001:db8:a::/48"): "network-contact.json",
    ipaddress.ip_network("2001:db8:b::/48"): "network-nocontact.json",
}


def fixture(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, body):
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/rdap+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): that is the point

    def body_for(self, path):
        if path.startswith("/bs/"):
            path = path[3:]
        if path.startswith("/domain/"):
            name = path[len("/domain/"):].lower()
            label = name[:-len(".test")] if name.endswith(".test") else None
            if label in DOMAINS:
                return fixture(label + ".json")
            if name == "slow.test":
                time.sleep(SLOW)
                return fixture("listed.json")
            if name == "huge.test":
                obj = json.loads(fixture("listed.json"))
                obj["remarks"] = [{"description": ["x" * 1000] * 300}]
                return json.dumps(obj).encode()
        if path.startswith("/ip/"):
            try:
                addr = ipaddress.ip_address(path[len("/ip/"):])
            except ValueError:
                return None
            for net, name in NETWORKS.items():
                if addr in net:
                    return fixture(name)
        return None

    def do_GET(self):
        with open(os.path.join(STATE, "requests"), "a") as f:
            f.write("GET %s\n" % self.path)
        body = self.body_for(self.path)
        if body is None:
            self.answer(404, b'{"errorCode": 404, "title": "Not Found"}')
        else:
            self.answer(200, body)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    open(os.path.join(STATE, "requests"), "a").close()
    with open(os.path.join(STATE, "pid.tmp"), "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(os.path.join(STATE, "pid.tmp"), os.path.join(STATE, "pid"))
    with open(os.path.join(STATE, "port.tmp"), "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(os.path.join(STATE, "port.tmp"), os.path.join(STATE, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
