# Sourced by load.sh and workerd-profile.sh: serving one Worker configuration with workerd
# directly, and reading the process's CPU time.
#
#   workerd_start CAPNP LOG BASE_URL [WORKERD_ARGS...]   serve, wait until BASE_URL/healthz answers
#   workerd_stop                                          stop it (no-op when none runs)
#   cpu_ticks PID                                         utime + stime of the process and its
#                                                         threads, in clock ticks (1/100 s)
workerd_pid=""

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
