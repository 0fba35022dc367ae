#!/usr/bin/env bash
# End to end under load, twice (docs/bench.md):
#
# 1. "workerd": the BUILT callback Worker (crates/callback/build) served by workerd directly
#    (no wrangler, no Miniflare, no proxy: the socket hands each request to the Worker), its
#    Queue a sink Worker that stores event ids (queue-sink.js), its bucket's HeadObject a
#    stand-in in the same process (head-standin.js); beside it the JavaScript floor Worker
#    (floor-worker.js) in the same setup. Zero loss: every 200 is exactly one stored event.
# 2. "dev_server": the callback Worker under `wrangler dev` as `scripts/dev --fresh` runs it (the
#    development server: wrangler's proxy, Miniflare's local Queue, the consumer Worker storing
#    events in local D1). Fresh state each run: D1 persists across restarts, and events left
#    from an earlier run would count as loss or duplicates.
#
# Both send the same signed, ticketed callbacks (crates/bench/src/callbacks.rs) with
# target/release/loadgen. Prints one JSON object:
#   {"workerd": {"callback", "callback_rejected", "callback_healthz", "floor", "floor_healthz"},
#    "dev_server": {"valid", "rejected"}, "requests", "concurrency", "load_average"}
# each a loadgen result, with the stored events, duplicates, zero_loss and, for workerd, the
# runtime process's CPU per request (`workerd_cpu_us_per_request`, all its threads).
#
#   scripts/bench.d/load.sh [--smoke]        (takes /tmp/oss-edge-workers.lock itself, unless a
#                                            parent process already holds it)
#
# LOAD_REQUESTS (4000), LOAD_CONCURRENCY (8), LOAD_DEV_SERVER=0 (skip part 2).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
cd "$ROOT"

requests=${LOAD_REQUESTS:-4000} concurrency=${LOAD_CONCURRENCY:-8} warm=300
[ "${1:-}" = --smoke ] && requests=60 concurrency=4 warm=20
# Ports of this script only (never 8787/8788/9000, the lead's development stack).
port=18801 stats_port=18802 dev_port=18798 instance=bench
# Never fetched: the Worker trusts the key under this URL by configuration (TRUSTED_KEYS).
key_url="http://127.0.0.1:9/bench-512.pem" key=tests/keys/test-512-key.pem
export PATH="$ROOT/node_modules/.bin:$PATH"
OUT="$ROOT/target/bench/load"
rm -rf "$OUT" && mkdir -p "$OUT"

cargo build -q --release -p oss-edge-bench --bin loadgen --bin callbacks
loadgen="$ROOT/target/release/loadgen"
scripts/lib/build-worker.sh callback >&2
source "$(dirname "$0")/workerd-lib.sh"
# What the callback Worker queues and answers, for the floor Worker to repeat.
workerd_inputs "$OUT" crates/callback/build/index.js "$key" "$key_url"

send() { # URL ARGS...: signed callbacks (or --healthz) to URL
  local url="$1"; shift
  "$loadgen" --url "$url" --concurrency "$concurrency" --key "$key" --key-url "$key_url" "$@"
}
cleanup() {
  workerd_stop
  [ "${LOAD_DEV_SERVER:-1}" = 0 ] || scripts/dev --stop --instance "$instance" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# run_workerd NAME DATA: serve one Worker (callback: DATA = its variables; floor: DATA = the
# sample), warm it up, measure valid callbacks (and, for the callback Worker, altered ones);
# writes $OUT/NAME.json.
run_workerd() {
  local name="$1" data="$2" base="http://127.0.0.1:$port" before after t0 t1 main rejected=null
  python3 scripts/bench.d/workerd-config.py "$OUT/$name.capnp" "$name" "$port" "$stats_port" "$data"
  workerd_start "$OUT/$name.capnp" "$OUT/$name.log" "$base"
  # Warm-up (JIT, wasm tier-up) on other objects than the measured ones: their own event ids.
  send "$base" --requests "$warm" --first 1000000 >/dev/null
  before="$(curl -fsS "http://127.0.0.1:$stats_port/stats")"
  t0="$(cpu_ticks "$workerd_pid")"
  main="$(send "$base" --requests "$requests")"
  t1="$(cpu_ticks "$workerd_pid")"
  after="$(curl -fsS "http://127.0.0.1:$stats_port/stats")"
  if [ "$name" = callback ]; then
    local r0 r1
    r0="$(cpu_ticks "$workerd_pid")"
    rejected="$(send "$base" --requests "$requests" --first 2000000 --tamper)"
    r1="$(cpu_ticks "$workerd_pid")"
    rejected="$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["workerd_cpu_us_per_request"]=round((int(sys.argv[3])-int(sys.argv[2]))*1e4/max(1,r["requests"]),1); print(json.dumps(r))' "$rejected" "$r0" "$r1")"
  fi
  # GET /healthz: the runtime's own cost per request (HTTP, dispatch, a small reply) with
  # almost nothing of the Worker's, to read the figures above against.
  local h0 h1 health
  h0="$(cpu_ticks "$workerd_pid")"
  health="$("$loadgen" --url "$base" --concurrency "$concurrency" --requests "$requests" --healthz)"
  h1="$(cpu_ticks "$workerd_pid")"
  health="$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["workerd_cpu_us_per_request"]=round((int(sys.argv[3])-int(sys.argv[2]))*1e4/max(1,r["requests"]),1); print(json.dumps(r))' "$health" "$h0" "$h1")"
  workerd_stop
  python3 - "$main" "$before" "$after" "$t0" "$t1" "$rejected" "$health" >"$OUT/$name.json" <<'PY'
import json, sys
main, before, after = (json.loads(a) for a in sys.argv[1:4])
t0, t1 = int(sys.argv[4]), int(sys.argv[5])
stored = after["stored"] - before["stored"]
main["events"] = stored
main["messages"] = after["messages"] - before["messages"]
main["duplicates"] = after["duplicates"] - before["duplicates"]
main["malformed"] = after["malformed"] - before["malformed"]
main["zero_loss"] = main["ok"] == stored == main["requests"] and main["duplicates"] == 0 and main["errors"] == 0
main["workerd_cpu_us_per_request"] = round((t1 - t0) * 1e4 / max(1, main["requests"]), 1)
print(json.dumps({"valid": main, "rejected": json.loads(sys.argv[6]), "healthz": json.loads(sys.argv[7])}))
PY
}

# --- 1. workerd directly ---------------------------------------------------------------------
say "end to end in workerd (no dev proxy): callback Worker, then the floor Worker" >&2
# The Workers lock, unless an ancestor already holds it (`flock /tmp/oss-edge-workers.lock
# scripts/bench` would otherwise wait for itself).
lock_held_by_ancestor() {
  local pid=$PPID
  while [ "${pid:-1}" -gt 1 ]; do
    ls -l "/proc/$pid/fd" 2>/dev/null | grep -q 'oss-edge-workers\.lock' && return 0
    pid="$(awk '{ sub(/^.*\) /, ""); print $2 }' "/proc/$pid/stat" 2>/dev/null)"
  done
  return 1
}
exec 9>/tmp/oss-edge-workers.lock
lock_held_by_ancestor || flock 9
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
run_workerd callback "$OUT/callback-env.json"
run_workerd floor "$OUT/sample.json"

# --- 2. the development server (wrangler dev) --------------------------------------------------
dev=null
if [ "${LOAD_DEV_SERVER:-1}" != 0 ]; then
  say "end to end under the development server (scripts/dev --fresh, wrangler dev)" >&2
  scripts/dev --stop --instance "$instance" >/dev/null 2>&1 || true
  # Each variable from callback-env.json, as scripts/dev passes overrides (--var); the dev
  # server keeps its own [env.local] queues and consumer. Confirmation is off here: the dev
  # server's bucket is oss-sim, which holds none of the bench objects.
  eval "$(python3 - "$OUT/callback-env.json" <<'PY'
import json, shlex, sys
env = json.load(open(sys.argv[1]))
env["CONFIRM_OBJECTS"] = "false"
for k, v in env.items():
    print(f"export {k}={shlex.quote(v)}")
PY
)"
  CALLBACK_PORT=$dev_port scripts/dev --fresh --background --no-setup --only callback --instance "$instance" >&2
  dev_base="http://127.0.0.1:$dev_port"
  # Warm-up with unsigned callbacks: refused, so they store nothing.
  "$loadgen" --url "$dev_base" --requests 50 --concurrency 2 --unsigned >/dev/null
  dev_valid="$(send "$dev_base" --requests "$requests")"
  dev_rejected="$(send "$dev_base" --requests "$requests" --first 2000000 --tamper)"
  # The local consumer stores asynchronously: wait until the count stops growing.
  events=-1
  for _ in $(seq 1 90); do
    now="$(scripts/events --instance "$instance" | wc -l)"
    [ "$now" = "$events" ] && [ "$now" -gt 0 ] && break
    events="$now"
    sleep 1
  done
  scripts/events --instance "$instance" >"$OUT/dev-events.jsonl"
  scripts/dev --stop --instance "$instance" >/dev/null 2>&1 || true
  dev="$(python3 - "$dev_valid" "$OUT/dev-events.jsonl" "$dev_rejected" <<'PY'
import json, sys
valid, rejected = json.loads(sys.argv[1]), json.loads(sys.argv[3])
ids = [json.loads(line)["id"] for line in open(sys.argv[2]) if line.strip()]
valid["events"] = len(set(ids))
valid["duplicates"] = len(ids) - len(set(ids))
valid["zero_loss"] = valid["ok"] == len(set(ids)) == valid["requests"] and valid["duplicates"] == 0 and valid["errors"] == 0
print(json.dumps({"valid": valid, "rejected": rejected}))
PY
)"
fi
flock -u 9

python3 - "$OUT/callback.json" "$OUT/floor.json" "$dev" "$requests" "$concurrency" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
callback, floor = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print(json.dumps({
    "requests": int(sys.argv[4]),
    "concurrency": int(sys.argv[5]),
    "workerd": {"callback": callback["valid"], "callback_rejected": callback["rejected"], "callback_healthz": callback["healthz"],
                "floor": floor["valid"], "floor_healthz": floor["healthz"]},
    "dev_server": json.loads(sys.argv[3]),
    "load_average": {"before": sys.argv[6], "after": sys.argv[7]},
}))
PY
