"""Where the callback Worker's time goes: reads a V8 CPU profile of valid callbacks
(isolate.mjs --cpu-profile, on the names-keeping build of build-profiling.sh) and prints JSON:

- "total_us_per_request": sampled time of the Worker and the runtime APIs it calls, per
  request (the harness building Requests, and idle time, are left out);
- "categories": the samples partitioned by concern of the request path (see CATEGORIES),
  per request and as a share of the total;
- "by_kind_self": self time by side of the JS↔wasm boundary (Rust in wasm, the crossing
  trampolines, wasm-bindgen's JavaScript glue, the runtime's APIs, garbage collection);
- "top_self": the functions with the most self time;
- "iterations" and "sampling_interval_us".

    python3 profile-summary.py PROFILE.cpuprofile ITERATIONS
"""
import json
import re
import sys
from collections import defaultdict

profile = json.load(open(sys.argv[1]))
iterations = int(sys.argv[2])
nodes = {n["id"]: n for n in profile["nodes"]}
parent = {}
for n in profile["nodes"]:
    for child in n.get("children", []):
        parent[child] = n["id"]


def name_of(node):
    frame = node["callFrame"]
    name = frame["functionName"] or "(anonymous)"
    url = frame.get("url", "")
    if url.startswith("wasm://"):
        return f"wasm {name}"
    if "index.js" in url:
        return f"glue {name}"
    if "inspector" in url:
        return f"profiler {name}"
    if url.startswith("node:") or url == "":
        return f"runtime {name}" if url else name
    return f"js {name}"


stack_cache = {}


def stack(node_id):
    if node_id not in stack_cache:
        names = []
        i = node_id
        while i is not None:
            names.append(name_of(nodes[i]))
            i = parent.get(i)
        stack_cache[node_id] = names
    return stack_cache[node_id]


# Each concern of the request path and the frames that do its work (regular expressions over
# "kind name"; Rust names as the names section has them). A sample belongs to the concern of
# the NEAREST frame on its stack that matches one (walking from the leaf up), so the concerns
# partition the samples; what matches none is "other", by side of the boundary. Much of the
# Rust is inlined into the request's future (LTO, opt-level z), so its self time shows as
# "other Rust" rather than under the function it came from.
CATEGORIES = [
    ("log line (RequestLog → JSON, console.log)", [r"oss_edge_callback::log::", r"RequestLog", r"glue __wbg_log_", r"js console\.log"]),
    ("header copying (Headers → Vec<(String, String)>)", [r"glue __wbg_entries_", r"glue __wbg_next_", r"glue __wbg_done_", r"glue __wbg_value_", r"js_sys::.*Iter", r"worker::headers::Headers::entries", r"HeadersIterator"]),
    ("JSON encoding (event, reply, log: serde_json; JSON.parse of the event for the queue)", [r"serde_json::ser", r"Serialize", r"glue __wbg_parse_", r"format_rfc3339", r"json_string", r"ReplyTemplate::render", r"reply::map_strings", r"check_reply_body"]),
    ("JSON decoding (callback body, ticket claims)", [r"serde_json::de", r"parse_body", r"Deserialize", r"from_json", r"serde_json::value"]),
    ("signature check (PKCS#1 v1.5 check, s^e mod n by BigInt, MD5, Base64, string to sign)", [r"callback::verify", r"rsa_key", r"bigint_rsa", r"glue __wbg___wbindgen_(mul|rem)_", r"glue __wbg_BigInt_", r"crypto_bigint", r"rsa::", r"md5", r"Md5", r"base64", r"string_to_sign", r"RequestTarget", r"percent_decode", r"TrustedKeys"]),
    ("ticket (HMAC-SHA-256)", [r"ticket::", r"hmac", r"Hmac"]),
    ("SHA-256 (ticket HMAC, event id)", [r"sha2::", r"Sha256"]),
    ("event (FieldSorter, UploadEvent)", [r"event_id", r"UploadEvent", r"from_callback", r"FieldSorter", r"UploadClaims", r"confirm::"]),
    ("body read (stream → Vec<u8>)", [r"glue __wbg_read_", r"glue __wbg_getReader_", r"glue __wbg_body_", r"runtime .*[Rr]eadable", r"runtime read$", r"glue __wbg_prototypesetcall_", r"glue __wbg_length_"]),
    ("queue send (binding lookup, timeout timer, send)", [r"edge::queue", r"send_with_retry", r"send_once", r"worker::delay", r"Delay", r"Select", r"glue __wbg_setTimeout_", r"glue __wbg_clearTimeout_", r"runtime (setTimeout|clearTimeout|unenroll|insert|Timeout)", r"js send$", r"glue __wbg_name_", r"glue __wbg_constructor_", r"glue __wbg_call_"]),
    ("confirmation HEAD (V4 signing, fetch)", [r"confirm", r"sign::v4", r"glue __wbg_fetch_", r"js fetch$", r"headObject"]),
    ("Response (worker::Response, Headers, new Response)", [r"edge::http::json", r"worker::response", r"worker::headers", r"glue __wbg_new_with_opt_buffer_source_and_init_", r"glue __wbg_set_headers_", r"glue __wbg_set_status_", r"glue __wbg_new_277c", r"glue __wbg_set_bcb0", r"glue __wbg_new_with_length_", r"glue __wbg_new_13de", r"runtime (_Response|makeResponse|initializeResponse|extractBody)"]),
    ("request (method, URL, routing, Date.now)", [r"glue __wbg_method_", r"glue __wbg_url_", r"glue __wbg_cf_", r"route::", r"glue __wbg_now_", r"glue __wbg_headers_"]),
    ("allocation (dlmalloc, memcpy, Vec growth)", [r"dlmalloc", r"alloc::", r"memcpy", r"memmove", r"__rust_alloc", r"__rust_dealloc", r"realloc", r"RawVec", r"drop_in_place"]),
    ("futures and closures (wasm-bindgen-futures, queueMicrotask)", [r"^wasm js_sys::futures::queue", r"glue __wbg_queueMicrotask_", r"glue makeMutClosure", r"glue __wbg_then_", r"glue __wbg__wbg_cb_unref_", r"runtime (queueMicrotask|enqueueMicrotask)", r"glue .*closures"]),
]
# The request's future: handle(), the pipeline and every function LTO inlined into them. Its
# own frames are their own concern; the frames above it (the executor) are not searched.
REQUEST_FUTURE = re.compile(r"future_to_promise<oss_edge_callback|_worker_fetch|js_sys::futures::future_to_promise::\{\{closure\}\}")
compiled = [(label, [re.compile(p) for p in patterns]) for label, patterns in CATEGORIES]
HARNESS = re.compile(r"js (callbackRequest|healthRequest)$")


def kind_of(leaf):
    """Which side of the JS↔wasm boundary a sample's own frame is on."""
    if leaf == "wasm wasm-to-js" or leaf == "wasm js-to-wasm":
        return "crossing trampolines (wasm-to-js, js-to-wasm)"
    if leaf.startswith("wasm "):
        return "Rust (wasm)"
    if leaf.startswith("glue "):
        return "wasm-bindgen glue (index.js)"
    if leaf == "(garbage collector)":
        return "garbage collection"
    return "runtime APIs (Request, Response, streams, timers, JSON.parse)"

compiled = [(label, [re.compile(p) for p in patterns]) for label, patterns in CATEGORIES]
HARNESS = re.compile(r"js (callbackRequest|healthRequest|measure)$")

samples = profile.get("samples", [])
deltas = profile.get("timeDeltas", [])
interval = (profile["endTime"] - profile["startTime"]) / max(1, len(samples))
total = 0.0
by_category = defaultdict(float)
self_time = defaultdict(float)
by_kind = defaultdict(float)
for k, node_id in enumerate(samples):
    dt = deltas[k + 1] if k + 1 < len(deltas) else interval
    names = stack(node_id)
    leaf = names[0]
    if leaf in ("(idle)", "(program)", "(root)"):
        continue
    # Samples inside Request construction are the harness's (the runtime does it from the
    # wire, before the isolate runs); a leaf whose caller chain reaches `measure` directly
    # without entering the Worker is the harness loop itself.
    # The profiler's own calls (node:inspector) are not the Worker's either.
    if any(HARNESS.match(n) or n.startswith("profiler ") for n in names) or leaf == "js measure":
        continue
    total += dt
    self_time[leaf] += dt
    kind = kind_of(leaf)
    by_kind[kind] += dt
    label = None
    for n in names:
        label = next((l for l, patterns in compiled if any(p.search(n) for p in patterns)), None)
        if label is not None:
            break
        if REQUEST_FUTURE.search(n):
            label = "Rust inlined into the request future (handle, pipeline, verify, route)"
            break
    if label is None:
        label = "garbage collection" if kind == "garbage collection" else f"other: {kind}"
    by_category[label] += dt

per = lambda us: round(us / iterations, 2)
print(json.dumps({
    "iterations": iterations,
    "sampling_interval_us": round(interval, 1),
    "total_us_per_request": per(total),
    "by_kind_self": [
        {"what": k, "us_per_request": per(t), "share": round(t / total, 3) if total else None}
        for k, t in sorted(by_kind.items(), key=lambda kv: -kv[1])
    ],
    "categories": [
        {"what": label, "us_per_request": per(t), "share": round(t / total, 3) if total else None}
        for label, t in sorted(by_category.items(), key=lambda kv: -kv[1])
    ],
    "top_self": [
        {"function": name[:120], "us_per_request": per(t), "share": round(t / total, 3) if total else None}
        for name, t in sorted(self_time.items(), key=lambda kv: -kv[1])[:30]
    ],
}, indent=1))
