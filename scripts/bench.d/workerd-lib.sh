# Sourced by load.sh, workerd-profile.sh and workerd-perf.sh: serving one Worker configuration with workerd
# directly, and reading the process's CPU time.
#
#   workerd_start CAPNP LOG BASE_URL [WORKERD_ARGS...]   serve, wait until BASE_URL/healthz answers
#   workerd_stop                                          stop it (no-op when none runs)
#   cpu_ticks PID                                         utime + stime of the process and its
#                                                         threads, in clock ticks (1/100 s)
#   workerd_inputs OUT WORKER_JS KEY KEY_URL              the inputs every workerd run needs, in
#                                                         OUT: callback-env.json (the callback
#                                                         Worker's variables), valid.json and
#                                                         rejected.json (20 signed callbacks each)
#                                                         and sample.json (what WORKER_JS queues
#                                                         and answers, for the floor Worker)
workerd_pid=""

workerd_inputs() {
  local out="$1" worker="$2" key="$3" key_url="$4"
  python3 scripts/bench.d/callback-env.py "$key_url" tests/keys/test-512-key.pub.pem >"$out/callback-env.json"
  target/release/callbacks --count 20 --key "$key" --key-url "$key_url" >"$out/valid.json"
  target/release/callbacks --count 20 --key "$key" --key-url "$key_url" --tamper >"$out/rejected.json"
  # One probe in the Node harness (isolate.mjs) with the same build.
  node scripts/bench.d/isolate.mjs --worker "$worker" --env "$out/callback-env.json" \
    --valid "$out/valid.json" --rejected "$out/rejected.json" --iterations 20 --warmup 0 \
    --sample-out "$out/sample.json" >/dev/null
}

workerd_start() {
  local capnp="$1" log="$2" base="$3"
  shift 3
  workerd serve "$capnp" --experimental "$@" >"$log" 2>&1 &
  workerd_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && return 0
    sleep 0.2
  done
  curl -fsS -o /dev/null "$base/healthz" || die "workerd did not start: $log"
}

workerd_stop() {
  if [ -n "$workerd_pid" ]; then
    kill "$workerd_pid" 2>/dev/null || true
    wait "$workerd_pid" 2>/dev/null || true
    workerd_pid=""
  fi
}

cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
