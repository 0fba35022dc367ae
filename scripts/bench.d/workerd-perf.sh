#!/usr/bin/env bash
# Where workerd's CPU goes per valid callback, beside the floor Worker's, by Linux `perf`
# sampling the whole workerd process (docs/bench.md, "Inside workerd, by perf"): load.sh's
# setup (the deployed build served by workerd directly, queue sink and HeadObject stand-in in
# the same process), V8's --perf-basic-prof naming the JIT code, so the samples split into the
# Worker's wasm, V8's runtime and builtins, workerd's and kj's C++, the allocator and the
# kernel. Unlike workerd-profile.sh it attaches no inspector, which makes V8 compile wasm for
# debugging and so overstates the wasm share several times. Prints JSON:
#   {"callback": {"workerd_cpu_us_per_request", "by_part": {part: µs per request}, "top": [...]},
#    "floor": {...}, "requests", "concurrency"}
# Not part of scripts/bench. Installs Debian's linux-perf when perf is missing.
#
#   scripts/bench.d/workerd-perf.sh        (takes /tmp/oss-edge-workers.lock)
#
# PERF_REQUESTS (4000), LOAD_CONCURRENCY (8). perf's own overhead is in the CPU figures (on
# 4 December 695 µs per valid callback here against 555–657 µs in load.sh runs); compare the
# two Workers with each other, not with load.sh's numbers.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
cd "$ROOT"
requests=${PERF_REQUESTS:-4000} concurrency=${LOAD_CONCURRENCY:-8} warm=1000
# Ports of this script only (load.sh has 18801/18802, workerd-profile.sh 18811-18813).
port=18821 stats_port=18822
key_url="http://127.0.0.1:9/bench-512.pem" key=tests/keys/test-512-key.pem
export PATH="$ROOT/node_modules/.bin:$PATH"
OUT="$ROOT/target/bench/workerd-perf"
rm -rf "$OUT" && mkdir -p "$OUT"
command -v perf >/dev/null || apt_ensure linux-perf
command -v perf >/dev/null || die "perf is missing after installing linux-perf"

cargo build -q --release -p oss-edge-bench --bin loadgen --bin callbacks
loadgen="$ROOT/target/release/loadgen"
scripts/lib/build-worker.sh callback >&2
source "$(dirname "$0")/workerd-lib.sh"
workerd_inputs "$OUT" crates/callback/build/index.js "$key" "$key_url"
perf_pid=""
cleanup() { [ -z "$perf_pid" ] || kill -INT "$perf_pid" 2>/dev/null || true; workerd_stop; }
trap cleanup EXIT
exec 9>/tmp/oss-edge-workers.lock
flock 9

# sample NAME DATA: serve the Worker, warm it up, record perf over $requests valid callbacks.
sample() {
  local name="$1" base="http://127.0.0.1:$port" t0 t1
  WORKERD_V8_FLAGS="--perf-basic-prof" \
    python3 scripts/bench.d/workerd-config.py "$OUT/$name.capnp" "$name" "$port" "$stats_port" "$2"
  # --perf-basic-prof writes /tmp/perf-PID.map (what perf reads) and V8 logs into the
  # current directory: run workerd from $OUT.
  (cd "$OUT" && workerd_start "$OUT/$name.capnp" "$OUT/$name.log" "$base")
  workerd_pid="$(pgrep -f "workerd serve $OUT/$name.capnp" | head -n1)"
  "$loadgen" --url "$base" --concurrency "$concurrency" --key "$key" --key-url "$key_url" \
    --requests "$warm" --first 1000000 >/dev/null
  perf record -F 2000 -g -p "$workerd_pid" -o "$OUT/$name.data" >"$OUT/$name-perf.log" 2>&1 &
  perf_pid=$!
  sleep 1
  t0="$(cpu_ticks "$workerd_pid")"
  "$loadgen" --url "$base" --concurrency "$concurrency" --key "$key" --key-url "$key_url" \
    --requests "$requests" >"$OUT/$name-load.json"
  t1="$(cpu_ticks "$workerd_pid")"
  kill -INT "$perf_pid"; wait "$perf_pid" || true; perf_pid=""
  kill "$workerd_pid" 2>/dev/null || true; workerd_pid=""
  perf report -i "$OUT/$name.data" --no-children --sort sym --stdio -g none 2>/dev/null |
    python3 scripts/bench.d/perf-summary.py "$(( (t1 - t0) * 10000 / requests ))" >"$OUT/$name.json"
}
sample callback "$OUT/callback-env.json"
sample floor "$OUT/sample.json"
flock -u 9
python3 -c 'import json,sys; print(json.dumps({"callback": json.load(open(sys.argv[1])), "floor": json.load(open(sys.argv[2])), "requests": int(sys.argv[3]), "concurrency": int(sys.argv[4])}))' \
  "$OUT/callback.json" "$OUT/floor.json" "$requests" "$concurrency"
