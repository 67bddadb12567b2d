#!/usr/bin/env python3
"""bench/perf-buckets.py -- where a milter's CPU goes, from `perf script`.

Usage: perf script --no-inline -F comm,tid,ip,sym,dso -i perf.data |
           perf-buckets.py HZ MESSAGES

Reads the samples (with call chains, as recorded by bench/auth-cost
--profile with --call-graph dwarf) and puts each sample in the first bucket
whose functions appear anywhere in its call chain, per process. Prints a
markdown table: share of the samples, and milliseconds per message
(samples / HZ / MESSAGES). Buckets are rough by design: a sample counts once;
the rest is listed by the object its leaf function is in (in the kernel:
scheduling, thread creation and exit, socket wake-ups outside libmilter).
"""
import collections
import re
import sys

# (label, function-name prefixes), first match wins
BUCKETS = [
    ("DKIM public key decoding (OpenSSL 3 d2i/decoders)",
     ("ASN1_d2i_bio", "d2i_PUBKEY", "OSSL_DECODER")),
    ("RSA signature verification", ("RSA_verify", "EVP_PKEY_verify", "EVP_DigestVerify")),
    ("libunbound context create/delete (per message)",
     ("ub_ctx_create", "ub_ctx_delete", "ub_ctx_set_fwd", "vbr_dns_init")),
    ("DNS through libunbound (worker thread, ub_process, submit)",
     ("event_base_loop", "ub_process", "ub_resolve_async", "ub_resolve", "ub_cancel")),
    ("DNS through libresolv", ("res_n", "res_q", "res_s", "__res", "__libc_res")),
    ("logging (syslog, stderr)", ("syslog", "__vsyslog_internal", "openlog")),
    ("SPF (libspf2)", ("SPF_",)),
    ("DKIM hashing/canonicalization/parsing (libopendkim)", ("dkim_",)),
    ("DMARC (libopendmarc)", ("opendmarc_",)),
    ("milter session (under libmilter mi_engine)", ("mi_engine", "mi_rd_cmd", "mi_wr_cmd")),
]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: perf-buckets.py HZ MESSAGES < perf-script-output")
    hz, msgs = float(sys.argv[1]), float(sys.argv[2])
    counts = collections.Counter()
    procs = collections.Counter()
    total = 0
    for block in sys.stdin.read().split("\n\n"):
        lines = [l.strip() for l in block.strip().split("\n") if l.strip()]
        if not lines:
            continue
        total += 1
        proc = lines[0].split()[0]
        procs[proc] += 1
        names = []
        leaf = None
        for l in lines[1:]:
            m = re.match(r"[0-9a-f]+ (.+) \((.+)\)$", l)
            if m:
                names.append(m.group(1).split("+0x")[0])
                if leaf is None:
                    leaf = m.group(2).rsplit("/", 1)[-1]
        for label, keys in BUCKETS:
            if any(n.startswith(keys) for n in names):
                if label.startswith("milter session"):
                    kernel = (leaf or "").startswith("[kernel")
                    label += (": socket I/O and waits (kernel)" if kernel
                              else ": user space (libmilter, callbacks not above)")
                counts[(proc, label)] += 1
                break
        else:
            counts[(proc, f"other, leaf in {leaf or '?'}")] += 1
    if total == 0:
        print("no samples")
        return
    print("| process | bucket | share | ms/message |")
    print("| --- | --- | ---: | ---: |")
    for proc, n in procs.most_common():
        print(f"| {proc} | **all** | {100 * n / total:.1f} % | {n / hz / msgs * 1000:.3f} |")
        for (p, label), c in counts.most_common():
            if p == proc:
                print(f"| {proc} | {label} | {100 * c / total:.1f} % | {c / hz / msgs * 1000:.3f} |")


if __name__ == "__main__":
    main()
