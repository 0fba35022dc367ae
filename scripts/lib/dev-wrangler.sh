# shellcheck shell=bash
# `wrangler dev` for a scripts/dev Worker service: local mode on 127.0.0.1, the `local`
# environment of the wrangler.toml in DIR, offline (no metrics, error reports or cf.json
# fetch; TOOLCHAIN.md), state under STATE_DIR. Source it; the dev-NAME.sh files call it.
#
#   dev_wrangler_exec DIR PORT STATE_DIR [-c CONFIG]... [--] VAR...
#
# With `-c CONFIG` options (paths relative to DIR), one `wrangler dev` runs every Worker they
# name: the first serves PORT, the others are reached through service bindings, and local
# Queues deliver between them (they only deliver inside one process). Without them, DIR's
# wrangler.toml is used.
#
# Each VAR set in the environment (even to an empty value) is passed as `--var VAR:VALUE`,
# overriding [env.local.vars] of the first Worker (wrangler applies --var to that one only).
# wrangler 4 needs Node >= 22.12: node_modules/.bin holds the project-local Node 22 and
# wrangler, and comes first on PATH.
dev_wrangler_exec() {
  local dir="$1" port="$2" state="$3" var
  shift 3
  local configs=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -c) configs+=(-c "${2:?-c needs a config file}"); shift 2 ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  # The inspector (wrangler's inspector proxy, workerd's socket "direct:1:default") on PORT + 4000:
  # below Linux's ephemeral range (32768-60999), where any outbound connection of another
  # process may hold the port (PORT + 20000 did, for the test instances on 17xxx-19xxx).
  local args=(dev "${configs[@]}" --env local --local --ip 127.0.0.1 --port "$port"
    --inspector-port "$((port + 4000))"
    --show-interactive-dev-session=false
    --persist-to "$state/wrangler")
  for var in "$@"; do
    if [ -n "${!var+set}" ]; then
      args+=(--var "$var:${!var}")
    fi
  done
  cd "$dir" || return 1
  dev_wrangler_env
  exec wrangler "${args[@]}"
}

# PATH and the offline variables for any wrangler command.
dev_wrangler_env() {
  export PATH="$OSS_EDGE_ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
  export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
}
