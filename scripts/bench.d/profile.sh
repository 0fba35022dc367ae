#!/usr/bin/env bash
# Where the callback Worker's time goes on the common path (docs/bench.md): valid callbacks in
# the Node harness (isolate.mjs) under V8's sampling profiler, on the names-keeping build of
# build-profiling.sh (same code as the deployed one, with function names), summarised by
# profile-summary.py; plus a second run counting every JS↔wasm crossing per request
# (--profile-calls: each import and export call of the Worker's wasm instance). Prints JSON:
#   {"build": "names" | "deployed", "profile": {...profile-summary.py...},
#    "crossings_per_valid": {"imports": {name: calls}, "exports": {...}, "total": n}}
#
#   scripts/bench.d/profile.sh [--smoke]
# --smoke profiles the deployed build (no second build; Rust frames are then unnamed
# `wasm-function[N]`, the other figures are the same) with tiny counts.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
cd "$ROOT"
iterations=${PROFILE_ITERATIONS:-4000} warmup=${PROFILE_WARMUP:-3000}
smoke=0
[ "${1:-}" = --smoke ] && smoke=1 iterations=50 warmup=20
key_url="http://127.0.0.1:9/bench-512.pem" key=tests/keys/test-512-key.pem
export PATH="$ROOT/node_modules/.bin:$PATH"
OUT="$ROOT/target/bench/profile"
rm -rf "$OUT" && mkdir -p "$OUT"

cargo build -q --release -p oss-edge-bench --bin callbacks
if [ "$smoke" = 1 ]; then
  scripts/lib/build-worker.sh callback >&2
  worker=crates/callback/build/index.js build=deployed
else
  worker="$(scripts/bench.d/build-profiling.sh)" build=names
fi
python3 scripts/bench.d/callback-env.py "$key_url" tests/keys/test-512-key.pub.pem >"$OUT/callback-env.json"
target/release/callbacks --count 2000 --key "$key" --key-url "$key_url" >"$OUT/valid.json"
target/release/callbacks --count 20 --key "$key" --key-url "$key_url" --tamper >"$OUT/rejected.json"
common=(--worker "$worker" --env "$OUT/callback-env.json" --valid "$OUT/valid.json" --rejected "$OUT/rejected.json"
  --iterations "$iterations" --warmup "$warmup")
node scripts/bench.d/isolate.mjs "${common[@]}" --cpu-profile "$OUT/valid.cpuprofile" >"$OUT/profiled-run.json"
node scripts/bench.d/isolate.mjs "${common[@]}" --profile-calls >"$OUT/crossings-run.json"
python3 scripts/bench.d/profile-summary.py "$OUT/valid.cpuprofile" "$iterations" >"$OUT/summary.json"
python3 - "$OUT" "$build" <<'PY'
import json, os, sys
out, build = sys.argv[1], sys.argv[2]
crossings = json.load(open(os.path.join(out, "crossings-run.json")))["crossings_per_valid"]
crossings["total"] = round(sum(crossings["imports"].values()) + sum(crossings["exports"].values()), 1)
print(json.dumps({
    "build": build,
    "profile": json.load(open(os.path.join(out, "summary.json"))),
    "crossings_per_valid": crossings,
}))
PY
