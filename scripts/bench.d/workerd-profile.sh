#!/usr/bin/env bash
# Where a valid callback's time goes inside workerd (docs/bench.md), beside the floor Worker's:
# the end-to-end setup of load.sh (workerd directly, queue sink and HeadObject stand-in in the
# same process), with workerd's inspector on and V8's CPU profiler sampling the Worker's isolate
# while loadgen sends signed callbacks (workerd-profile.mjs). The callback Worker is the
# names-keeping build (build-profiling.sh: the same code as the deployed one). Prints JSON:
#   {"callback": {...profile-summary.py..., "workerd_cpu_us_per_request"},
#    "floor": {...}, "requests", "concurrency"}
# Not part of scripts/bench: it answers why the workerd figures differ from the Node harness.
#
#   scripts/bench.d/workerd-profile.sh        (takes /tmp/oss-edge-workers.lock)
#
# PROFILE_REQUESTS (4000), LOAD_CONCURRENCY (8).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
cd "$ROOT"
requests=${PROFILE_REQUESTS:-4000} concurrency=${LOAD_CONCURRENCY:-8} warm=1000
# Ports of this script only (load.sh has 18801/18802).
port=18811 stats_port=18812 inspector=127.0.0.1:18813
key_url="http://127.0.0.1:9/bench-512.pem" key=tests/keys/test-512-key.pem
export PATH="$ROOT/node_modules/.bin:$PATH"
OUT="$ROOT/target/bench/workerd-profile"
rm -rf "$OUT" && mkdir -p "$OUT"

cargo build -q --release -p oss-edge-bench --bin loadgen --bin callbacks
loadgen="$ROOT/target/release/loadgen"
names_build="$(dirname "$(scripts/bench.d/build-profiling.sh)")"
source "$(dirname "$0")/workerd-lib.sh"
workerd_inputs "$OUT" "$names_build/index.js" "$key" "$key_url"
trap workerd_stop EXIT
exec 9>/tmp/oss-edge-workers.lock
flock 9

# profile NAME DATA [BUILD_DIR]: serve the Worker, warm it up, profile $requests valid callbacks.
profile() {
  local name="$1" base="http://127.0.0.1:$port" t0 t1
  python3 scripts/bench.d/workerd-config.py "$OUT/$name.capnp" "$name" "$port" "$stats_port" "$2" ${3:+"$3"}
  workerd_start "$OUT/$name.capnp" "$OUT/$name.log" "$base" --inspector-addr "$inspector"
  "$loadgen" --url "$base" --concurrency "$concurrency" --key "$key" --key-url "$key_url" \
    --requests "$warm" --first 1000000 >/dev/null
  t0="$(cpu_ticks "$workerd_pid")"
  node scripts/bench.d/workerd-profile.mjs --inspector "$inspector" --worker under-test \
    --out "$OUT/$name.cpuprofile" -- "$loadgen" --url "$base" --concurrency "$concurrency" \
    --key "$key" --key-url "$key_url" --requests "$requests" >"$OUT/$name-load.json"
  t1="$(cpu_ticks "$workerd_pid")"
  workerd_stop
  python3 scripts/bench.d/profile-summary.py "$OUT/$name.cpuprofile" "$requests" >"$OUT/$name-summary.json"
  python3 - "$OUT/$name-summary.json" "$OUT/$name-load.json" "$t0" "$t1" "$requests" >"$OUT/$name.json" <<'PY'
import json, sys
summary, load = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
summary["load"] = load
summary["workerd_cpu_us_per_request"] = round((int(sys.argv[4]) - int(sys.argv[3])) * 1e4 / int(sys.argv[5]), 1)
print(json.dumps(summary))
PY
}
profile callback "$OUT/callback-env.json" "$names_build"
profile floor "$OUT/sample.json"
flock -u 9
python3 -c 'import json,sys; print(json.dumps({"callback": json.load(open(sys.argv[1])), "floor": json.load(open(sys.argv[2])), "requests": int(sys.argv[3]), "concurrency": int(sys.argv[4])}))' \
  "$OUT/callback.json" "$OUT/floor.json" "$requests" "$concurrency"
