#!/usr/bin/env bash
# End-to-end load: the callback Worker in workerd (wrangler dev --local, local Queue) under N
# distinct validly signed callbacks, beside a trivial Worker in the same runtime. Prints JSON:
# {"callback": {rps, p50_ms, p99_ms, ok, events, duplicates, ...}, "trivial": {...},
#  "verified_refused": {...}} (the last: signed requests with altered bodies, so the Worker
# verifies fully and refuses: its cost without the queue send).
# Zero loss means: ok (200 replies) == events that reached the queue, and no duplicates.
#
#   scripts/bench.d/load.sh [--smoke]
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
cd "$ROOT"

requests=${LOAD_REQUESTS:-4000} concurrency=${LOAD_CONCURRENCY:-8}
[ "${1:-}" = --smoke ] && requests=60 concurrency=4
instance=bench
# Away from scripts/dev's 8787/8788/9000, so a developer's running stack is untouched.
port=${BENCH_CALLBACK_PORT:-18798} trivial_port=${BENCH_TRIVIAL_PORT:-18799}
key_url="http://127.0.0.1:9000/bench/test-512.pem"
export PATH="$ROOT/node_modules/.bin:$PATH"

cargo build -q --release -p oss-edge-bench --bin loadgen
loadgen="$ROOT/target/release/loadgen"

# The callback Worker trusts the 512-bit test key (the size of OSS's key, so the fixed-width
# path is what gets measured), does not require tickets, and logs no bodies (DEBUG off).
pem_json="$(python3 -c 'import json,sys; print(json.dumps([{"url": sys.argv[1], "pem": open(sys.argv[2]).read()}]))' "$key_url" tests/keys/test-512-key.pub.pem)"
cleanup() {
  scripts/dev --stop --instance "$instance" >/dev/null 2>&1 || true
  [ -n "${trivial_pid:-}" ] && kill -- "-$trivial_pid" 2>/dev/null || true
}
trap cleanup EXIT
scripts/dev --stop --instance "$instance" >/dev/null 2>&1 || true
CALLBACK_PORT=$port REQUIRE_TICKET=false DEBUG=false TRUSTED_KEYS="$pem_json" \
  scripts/dev --background --only callback --instance "$instance" >&2

mkdir -p target/bench
WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false \
  setsid wrangler dev --config scripts/bench.d/trivial/wrangler.toml --local --ip 127.0.0.1 --port "$trivial_port" \
  --inspector-port $((trivial_port + 20000)) --show-interactive-dev-session=false >target/bench/trivial.log 2>&1 &
trivial_pid=$!
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null -X POST "http://127.0.0.1:$trivial_port/" 2>/dev/null && break
  sleep 0.5
done
curl -fsS -o /dev/null -X POST "http://127.0.0.1:$trivial_port/" || die "trivial Worker did not start (target/bench/trivial.log)"

# Warm both up (isolate start, JIT), then measure.
"$loadgen" --url "http://127.0.0.1:$trivial_port/oss/callback" --requests 50 --concurrency 2 >/dev/null
# The callback Worker's warm-up uses unsigned requests: refused (401/400), so no events.
"$loadgen" --url "http://127.0.0.1:$port/oss/callback" --requests 50 --concurrency 2 >/dev/null
trivial="$("$loadgen" --url "http://127.0.0.1:$trivial_port/oss/callback" --requests "$requests" --concurrency "$concurrency")"
callback="$("$loadgen" --url "http://127.0.0.1:$port/oss/callback" --requests "$requests" --concurrency "$concurrency" \
  --key tests/keys/test-512-key.pem --key-url "$key_url")"
# The same requests with their bodies altered: full RSA verification, 403, no queue send.
refused="$("$loadgen" --url "http://127.0.0.1:$port/oss/callback" --requests "$requests" --concurrency "$concurrency" \
  --key tests/keys/test-512-key.pem --key-url "$key_url" --tamper)"

# Wait for the local consumer to drain the queue: stop when the count stops growing.
events=0
for _ in $(seq 1 60); do
  now="$(scripts/events --instance "$instance" | wc -l)"
  [ "$now" = "$events" ] && [ "$now" -gt 0 ] && break
  events="$now"
  sleep 1
done
scripts/events --instance "$instance" >target/bench/events.jsonl
python3 - "$callback" "$trivial" target/bench/events.jsonl "$refused" <<'PY'
import json, sys
callback, trivial, refused = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[4])
ids = [json.loads(line)["id"] for line in open(sys.argv[3]) if line.strip()]
callback["events"] = len(ids)
callback["duplicates"] = len(ids) - len(set(ids))
callback["zero_loss"] = callback["ok"] == len(set(ids)) and callback["duplicates"] == 0 and callback["errors"] == 0
print(json.dumps({"callback": callback, "trivial": trivial, "verified_refused": refused}))
PY
