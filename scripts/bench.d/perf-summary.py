#!/usr/bin/env python3
"""Summarises `perf report --sort sym --stdio -g none` of a workerd process (workerd-perf.sh):
each sample's symbol is put into one part of the runtime, and each part's share is turned into
µs per request with the process's measured CPU per request (argv[1]).

    perf report ... | perf-summary.py US_PER_REQUEST
"""
import collections
import json
import re
import sys

us_per_request = float(sys.argv[1])


def part(kind, symbol):
    if kind == "k":
        return "kernel (sockets, scheduling, page faults)"
    if symbol.startswith("JS:wasm-function"):
        return "the Worker's wasm (Rust)"
    if symbol.startswith("JS:"):
        return "JavaScript (wasm-bindgen glue, the Worker's or the stand-ins')"
    if symbol.startswith("Builtins_"):
        return "V8 builtins (property access, calls, promises)"
    if "tcmalloc" in symbol.lower():
        return "allocator (tcmalloc)"
    if symbol.startswith(("v8::", "cppgc")):
        return "V8 runtime (objects, handles, strings, JSON, GC)"
    if symbol.startswith("workerd::"):
        return "workerd (APIs: Request, Response, Headers, fetch, queues, console)"
    if symbol.startswith(("kj::", "capnp::")):
        return "kj and capnp (HTTP, promises, I/O)"
    return "other (libc, unnamed)"


shares = collections.Counter()
top = []
for line in sys.stdin:
    match = re.match(r"\s+([0-9.]+)%\s+\[(.)\]\s+(.*)", line)
    if not match:
        continue
    share, kind, symbol = float(match.group(1)), match.group(2), match.group(3).strip()
    shares[part(kind, symbol)] += share
    if len(top) < 15:
        top.append({"symbol": symbol[:120], "us_per_request": round(share * us_per_request / 100, 1)})
print(json.dumps({
    "workerd_cpu_us_per_request": us_per_request,
    "by_part": {p: round(s * us_per_request / 100, 1) for p, s in shares.most_common()},
    "top": top,
}))
