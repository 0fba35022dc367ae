"""Assembles target/bench/report.{md,json} from the raw figures scripts/bench collected.

Exits non-zero when a figure is missing, so the smoke run in scripts/test proves that every
figure is produced.
"""
import json
import os
import platform
import sys

out, smoke = sys.argv[1], sys.argv[2] == "1"
target_dir = os.path.dirname(out)
missing = []


def load(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        missing.append(name)
        return None
    with open(path) as f:
        return json.load(f)


def criterion_us(op):
    path = os.path.join(target_dir, "criterion", op, "new", "estimates.json")
    if not os.path.exists(path):
        missing.append(f"criterion/{op}")
        return None
    with open(path) as f:
        return json.load(f)["mean"]["point_estimate"] / 1000.0


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


ops = ["callback_verify", "callback_verify_general_rsa", "event_parse", "v4_post_signature", "v4_presign"]
native = {op: criterion_us(op) for op in ops}
try:
    with open(os.path.join(out, "openssl-verify-per-s.txt")) as f:
        openssl_us = 1e6 / float(f.read().strip())
except (OSError, ValueError):
    missing.append("openssl rsa512 verify")
    openssl_us = None
wasm = {p: load(f"wasm-{p}.json") or {} for p in ["release", "bench-wasm"]}
sizes = {w: load(f"size-{w}.json") for w in ["callback", "signer"]}
twiggy = {w: load(f"twiggy-{w}.json") for w in ["callback", "signer"]}
load_result = load("load.json") if os.path.exists(os.path.join(out, "load.json")) else None
if load_result is None:
    missing.append("load.json (end-to-end load test)")

report = {
    "machine": machine(),
    "smoke": smoke,
    "native_us": native,
    "openssl_rsa512_verify_us": openssl_us,
    "wasm_us": {p: {op: (wasm[p].get(op) or {}).get("us_per_op") for op in ops} for p in wasm},
    "worker_bytes": sizes,
    "end_to_end": load_result,
}


def fmt(v, unit="µs"):
    return "–" if v is None else (f"{v:.2f} {unit}" if v < 100 else f"{v:.0f} {unit}")


lines = [f"Measured on {report['machine']}" + (" (smoke run: figures are not meaningful)" if smoke else ""), ""]
lines += ["| operation | native | wasm32 in Node (shipped, opt z) | wasm32 (opt 3) | wasm z / native |", "|---|---|---|---|---|"]
for op in ops:
    n, wz, w3 = native[op], report["wasm_us"]["release"][op], report["wasm_us"]["bench-wasm"][op]
    ratio = f"{wz / n:.1f}×" if n and wz else "–"
    lines.append(f"| {op} | {fmt(n)} | {fmt(wz)} | {fmt(w3)} | {ratio} |")
if openssl_us and native["callback_verify"]:
    lines += ["", f"OpenSSL RSA-512 verify on the same machine: {fmt(openssl_us)}; our full callback verify "
              f"(headers, MD5, RSA, padding) / OpenSSL = {native['callback_verify'] / openssl_us:.2f}× (target ≤ 2×)."]
lines += ["", "| Worker | raw | gzip (target ≤ 150 KB) | largest contributors (twiggy) |", "|---|---|---|---|"]
for w in ["callback", "signer"]:
    s = sizes[w] or {}
    top = ", ".join(f"{i['name'][:40]} {i['shallow_size']}" for i in (twiggy[w] or [])[:4]) if twiggy[w] else "–"
    lines.append(f"| {w} | {fmt(s.get('raw', 0) / 1024, 'KB') if s else '–'} | {fmt(s.get('gzip', 0) / 1024, 'KB') if s else '–'} | {top} |")
if load_result:
    e = load_result
    lines += ["", "| end to end (workerd, local) | requests/s | p50 | p99 | 200 replies | events on the queue | duplicates |",
              "|---|---|---|---|---|---|---|"]
    for name in ["callback", "verified_refused", "trivial"]:
        r = e.get(name) or {}
        label = {"callback": "callback Worker", "verified_refused": "callback Worker, signed but altered (verify, 403, no queue)", "trivial": "trivial Worker"}[name]
        lines.append(f"| {label} | {r.get('rps', 0):.0f} | {fmt(r.get('p50_ms'), 'ms')} | {fmt(r.get('p99_ms'), 'ms')} | "
                     f"{r.get('ok', '–')} | {r.get('events', '–')} | {r.get('duplicates', '–')} |")
    if e.get("callback") and e.get("trivial") and e["trivial"].get("rps"):
        lines.append(f"\nCallback Worker throughput / trivial Worker = {e['callback']['rps'] / e['trivial']['rps']:.0%} (target ≥ 80 %).")

text = "\n".join(lines) + "\n"
with open(os.path.join(out, "report.md"), "w") as f:
    f.write(text)
with open(os.path.join(out, "report.json"), "w") as f:
    json.dump(report, f, indent=2)
print(text)
if missing:
    print("missing figures: " + ", ".join(missing), file=sys.stderr)
    sys.exit(1)
