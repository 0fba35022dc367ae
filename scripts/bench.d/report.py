"""Assembles target/bench/report.{md,json} from the raw figures scripts/bench collected.

Exits non-zero when a figure is missing, so the smoke run in scripts/test proves that every
figure is produced.
"""
import json
import os
import platform
import re
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
# The reconciler has no size target (it runs a few times an hour); it is reported beside them.
SIZED = ["callback", "signer", "reconciler"]
sizes = {w: load(f"size-{w}.json") for w in SIZED}
twiggy = {w: load(f"twiggy-{w}.json") for w in SIZED}
isolate = load("isolate.json")
profile = load("profile.json")
load_result = load("load.json")

report = {
    "machine": machine(),
    "smoke": smoke,
    "native_us": native,
    "openssl_rsa512_verify_us": openssl_us,
    "wasm_us": {p: {op: (wasm[p].get(op) or {}).get("us_per_op") for op in ops} for p in wasm},
    "worker_bytes": sizes,
    "isolate": isolate,
    "profile": profile,
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
lines += ["", "| Worker | Wasm raw | Wasm gzip | shipped gzip: Wasm + JS (target ≤ 150 KiB = 153 600 B; reconciler: none) | largest contributors (twiggy) |",
          "|---|---|---|---|---|"]
for w in SIZED:
    s = sizes[w] or {}
    top = ", ".join(f"{i['name'][:40]} {i['shallow_size']}" for i in (twiggy[w] or [])[:4]) if twiggy[w] else "–"
    shipped = s.get("gzip", 0) + s.get("js_gzip", 0) if s else None
    verdict = "" if w == "reconciler" or shipped is None else (" (met)" if shipped <= 153600 else " (NOT met)")
    lines.append(f"| {w} | {fmt(s.get('raw', 0) / 1024, 'KB') if s else '–'} | {fmt(s.get('gzip', 0) / 1024, 'KB') if s else '–'} | "
                 f"{f'{shipped} B' if shipped is not None else '–'}{verdict} | {top} |")


def need(value, name):
    """A figure the report must have: recorded as missing when absent (None)."""
    if value is None:
        missing.append(name)
    return value


def met(ok):
    return "met" if ok else "NOT met"


if isolate:
    cb, fl = isolate["callback"], isolate["floor"]
    la = isolate.get("load_average") or {}
    lines += ["", "### Isolate time per request (the built callback Worker under Node 22, no wrangler, no HTTP)", "",
              f"Load average (1, 5, 15 min) of the {os.cpu_count()}-core machine before / after: {la.get('before')} / {la.get('after')}.", "",
              "Queue and the bucket's HeadObject answered in process; median and p99 of per-request time "
              "(no I/O waits in it, so it is the isolate's CPU time except when the machine preempts it); "
              "thread CPU is the kernel's per-thread clock, summed over all requests (tick granularity: a mean only).", "",
              "| request | callback Worker median | p99 | thread CPU mean | floor Worker median | p99 | callback / floor |",
              "|---|---|---|---|---|---|---|"]
    for kind, label in [("valid", "valid callback (200, one event queued)"), ("rejected", "rejected callback (altered body: full verify, 403)"), ("healthz", "GET /healthz")]:
        c = cb.get(kind) or {}
        f = fl.get(kind) or {}
        ratio = f"{c['median_us'] / f['median_us']:.1f}×" if c.get("median_us") and f.get("median_us") else "–"
        lines.append(f"| {label} | {fmt(need(c.get('median_us'), f'isolate {kind} median'))} | {fmt(c.get('p99_us'))} | "
                     f"{fmt(c.get('thread_cpu_mean_us'))} | {fmt(f.get('median_us'))} | {fmt(f.get('p99_us'))} | {ratio} |")
    v = cb.get("valid") or {}
    lines += ["", f"Per valid callback the callback Worker queued {v.get('queued_per_request')} event, made "
              f"{v.get('heads_per_request')} HeadObject request(s) and logged {v.get('log_lines_per_request')} line "
              f"({v.get('log_bytes_per_request', 0):.0f} bytes); its queue message is {isolate['callback'].get('message_bytes')} bytes, "
              f"its reply {isolate['callback'].get('reply_bytes')} bytes (the floor sends and answers the same). "
              f"Rounds (valid medians, µs): callback {cb.get('rounds_valid_median_us')}, floor {fl.get('rounds_valid_median_us')}.",
              "", f"Target: ≤ {isolate['target_valid_median_us']} µs median per valid callback: {met(v.get('median_us', 1e9) <= isolate['target_valid_median_us'])} "
              f"({fmt(v.get('median_us'))}; the floor Worker, with the same I/O and no checks, takes {fmt((fl.get('valid') or {}).get('median_us'))})."]

if profile:
    pr = profile.get("profile") or {}
    lines += ["", f"### Where a valid callback's time goes (V8 sampling profile, {profile.get('build')} build)", "",
              f"Sampled time per request: {fmt(need(pr.get('total_us_per_request'), 'profile total'))} "
              "(the profiler's own overhead included; shares are the figure to read).", "",
              "| by side of the JS↔wasm boundary (self time) | µs / request | share |", "|---|---|---|"]
    for row in pr.get("by_kind_self", []):
        lines.append(f"| {row['what']} | {fmt(row['us_per_request'])} | {row['share']:.0%} |")
    lines += ["", "| by concern (nearest matching frame) | µs / request | share |", "|---|---|---|"]
    for row in pr.get("categories", []):
        lines.append(f"| {row['what']} | {fmt(row['us_per_request'])} | {row['share']:.0%} |")
    lines += ["", "| function (self time) | µs / request | share |", "|---|---|---|"]
    for row in pr.get("top_self", [])[:15]:
        lines.append(f"| `{row['function'][:90]}` | {fmt(row['us_per_request'])} | {row['share']:.0%} |")
    cr = profile.get("crossings_per_valid") or {}
    imports = cr.get("imports") or {}
    exports = cr.get("exports") or {}
    short = lambda k: k if k.startswith("__wbindgen_generic") else re.sub(r"_[0-9a-f]{16}$", "", re.sub(r"^__wbg_+", "", k))
    top = ", ".join(f"`{short(k)}` {v:g}" for k, v in list(imports.items())[:14])
    lines += ["", f"JS↔wasm crossings per valid callback: {need(cr.get('total'), 'crossings total')} "
              f"({sum(imports.values()):g} calls from wasm into JavaScript, {sum(exports.values()):g} into wasm). "
              f"Most frequent imports: {top}."]

if load_result:
    e = load_result
    wd = e.get("workerd") or {}
    la = e.get("load_average") or {}
    lines += ["", f"### End to end under load ({e.get('requests')} requests, {e.get('concurrency')} connections, target/release/loadgen)", "",
              f"Load average before / after: {la.get('before')} / {la.get('after')}.", "",
              "| setup | requests/s | p50 | p99 | 200 replies | events stored | duplicates | zero loss | runtime CPU / request |",
              "|---|---|---|---|---|---|---|---|---|"]
    rows = [("workerd directly: callback Worker", wd.get("callback")),
            ("workerd directly: callback Worker, altered callbacks (verify, 403)", wd.get("callback_rejected")),
            ("workerd directly: callback Worker, GET /healthz", wd.get("callback_healthz")),
            ("workerd directly: JavaScript floor Worker", wd.get("floor")),
            ("workerd directly: floor Worker, GET /healthz", wd.get("floor_healthz"))]
    dev = e.get("dev_server") or {}
    rows += [("development server (wrangler dev): callback Worker", dev.get("valid")),
             ("development server (wrangler dev): altered callbacks", dev.get("rejected"))]
    for label, r in rows:
        if r is None:
            if "development" not in label or e.get("dev_server") is not None:
                missing.append(f"end to end: {label}")
            continue
        zl = r.get("zero_loss")
        cpu = r.get("workerd_cpu_us_per_request")
        lines.append(f"| {label} | {need(r.get('rps'), label + ' rps'):.0f} | {fmt(r.get('p50_ms'), 'ms')} | {fmt(r.get('p99_ms'), 'ms')} | "
                     f"{r.get('ok', '–')} | {r.get('events', '–')} | {r.get('duplicates', '–')} | "
                     f"{'–' if zl is None else ('yes' if zl else 'NO')} | {fmt(cpu) if cpu is not None else '–'} |")
    cbw, flw = wd.get("callback") or {}, wd.get("floor") or {}
    if cbw.get("rps") and flw.get("rps"):
        share = cbw["rps"] / flw["rps"]
        lines += ["", f"Callback Worker throughput / floor Worker, both in workerd without the dev proxy: {share:.0%} "
                  f"(target ≥ 90 %: {met(share >= 0.9)}); zero loss: {met(bool(cbw.get('zero_loss')))}. "
                  "Runtime CPU is the workerd process's (all threads: HTTP, the Worker, the queue sink, the HeadObject stand-in), "
                  "from /proc in clock ticks over the run. The load generator shares the machine."]
    if e.get("dev_server") is None:
        lines += ["", "The development server was not measured (LOAD_DEV_SERVER=0)."]

text = "\n".join(lines) + "\n"
with open(os.path.join(out, "report.md"), "w") as f:
    f.write(text)
with open(os.path.join(out, "report.json"), "w") as f:
    json.dump(report, f, indent=2)
print(text)
if missing:
    print("missing figures: " + ", ".join(missing), file=sys.stderr)
    sys.exit(1)
