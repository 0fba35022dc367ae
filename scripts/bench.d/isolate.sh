#!/usr/bin/env bash
# Isolate time per request (docs/bench.md): the BUILT callback Worker (crates/callback/build,
# what is deployed) and the JavaScript floor Worker (floor-worker.js), each in its own Node 22
# process (isolate.mjs: no wrangler, no workerd, no HTTP; Queue and HeadObject answered in
# process), on the same signed, ticketed callbacks. Prints one JSON object:
#   {"callback": {valid, rejected, healthz, ...}, "floor": {valid, healthz, ...},
#    "ratio_valid": callback / floor (median), "target_valid_median_us": 60}
#
#   scripts/bench.d/isolate.sh [--smoke]
# ISOLATE_ITERATIONS (5000) and ISOLATE_WARMUP (3000) set the counts; ISOLATE_ROUNDS (3)
# repeats each Worker in fresh processes and keeps the round with the lowest valid median
# (this machine is shared: the quietest round is the closest to the Worker's own cost; every
# round is kept in the output).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
cd "$ROOT"

iterations=${ISOLATE_ITERATIONS:-5000} warmup=${ISOLATE_WARMUP:-3000} rounds=${ISOLATE_ROUNDS:-3}
[ "${1:-}" = --smoke ] && iterations=50 warmup=20 rounds=1
key_url="http://127.0.0.1:9/bench-512.pem" key=tests/keys/test-512-key.pem
export PATH="$ROOT/node_modules/.bin:$PATH"
OUT="$ROOT/target/bench/isolate"
rm -rf "$OUT" && mkdir -p "$OUT"

cargo build -q --release -p oss-edge-bench --bin callbacks
scripts/lib/build-worker.sh callback >&2
python3 scripts/bench.d/callback-env.py "$key_url" tests/keys/test-512-key.pub.pem >"$OUT/callback-env.json"
# 2000 distinct callbacks, cycled: distinct bodies, objects and tickets, as real traffic has.
count=$(( iterations < 2000 ? iterations : 2000 ))
target/release/callbacks --count "$count" --key "$key" --key-url "$key_url" >"$OUT/valid.json"
target/release/callbacks --count "$count" --key "$key" --key-url "$key_url" --tamper >"$OUT/rejected.json"

run() { # WORKER OUT [ARGS...]
  local worker="$1" out="$2"; shift 2
  node scripts/bench.d/isolate.mjs --worker "$worker" --env "$OUT/callback-env.json" \
    --valid "$OUT/valid.json" --rejected "$OUT/rejected.json" \
    --iterations "$iterations" --warmup "$warmup" "$@" >"$out"
}
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  run crates/callback/build/index.js "$OUT/callback-$round.json" --sample-out "$OUT/sample.json"
  run scripts/bench.d/floor-worker.js "$OUT/floor-$round.json" --sample-in "$OUT/sample.json"
done

python3 - "$OUT" "$rounds" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, os, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def best(name):
    runs = [json.load(open(os.path.join(out, f"{name}-{r}.json"))) for r in range(1, rounds + 1)]
    chosen = min(runs, key=lambda r: r["valid"]["median_us"])
    chosen["rounds_valid_median_us"] = [r["valid"]["median_us"] for r in runs]
    return chosen
callback, floor = best("callback"), best("floor")
print(json.dumps({
    "callback": callback,
    "floor": floor,
    "ratio_valid": round(callback["valid"]["median_us"] / floor["valid"]["median_us"], 2),
    "ratio_healthz": round(callback["healthz"]["median_us"] / floor["healthz"]["median_us"], 2),
    "target_valid_median_us": 60,
    "load_average": {"before": sys.argv[3], "after": sys.argv[4]},
}))
PY
