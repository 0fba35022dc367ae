# shellcheck shell=bash
# `wrangler dev` for a scripts/dev Worker service: local mode on 127.0.0.1, the `local`
# environment of the wrangler.toml in DIR, offline (no metrics, error reports or cf.json
# fetch; TOOLCHAIN.md), state under STATE_DIR. Source it; the dev-NAME.sh files call it.
#
#   dev_wrangler_exec DIR PORT STATE_DIR VAR...
#
# Each VAR set in the environment (even to an empty value) is passed as `--var VAR:VALUE`,
# overriding [env.local.vars]. wrangler 4 needs Node >= 22.12: node_modules/.bin holds the
# project-local Node 22 and wrangler, and comes first on PATH.
dev_wrangler_exec() {
  local dir="$1" port="$2" state="$3" var
  shift 3
  local args=(dev --env local --local --ip 127.0.0.1 --port "$port"
    --inspector-port "$((port + 20000))"
    --show-interactive-dev-session=false
    --persist-to "$state/wrangler")
  for var in "$@"; do
    if [ -n "${!var+set}" ]; then
      args+=(--var "$var:${!var}")
    fi
  done
  cd "$dir" || return 1
  export PATH="$OSS_EDGE_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
  export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
  exec wrangler "${args[@]}"
}
