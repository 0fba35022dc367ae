# shellcheck shell=bash
# The local OSS stand-in (crates/sim, binary `oss-sim`) as a scripts/dev service. Source it;
# scripts/dev calls these functions for the service named `sim`.
#
#   dev_sim_prepare               cargo build -p oss-edge-sim (incremental; seconds when current)
#   dev_sim_run PORT STATE_DIR    exec oss-sim in the foreground of this process
#   dev_sim_health_url PORT       the URL scripts/dev polls until it answers
#
# It serves the signer's local bucket with the signer's local credentials: OSS_BUCKET,
# OSS_REGION, OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET from the environment of scripts/dev
# (which the signer receives too), else the values of [env.local.vars] in
# crates/signer/wrangler.toml, so the two always agree. Its CORS rule allows the signer's demo
# page (OSS_EDGE_DEV_SIGNER_PORT, exported by scripts/dev); OSS_SIM_CORS_ORIGINS replaces that.
# Callbacks announce the key URL the local callback Worker trusts (TRUSTED_KEYS in
# wrangler.toml [env.local]) whatever the port; OSS_SIM_PUB_KEY_URL replaces it. Objects live
# in STATE_DIR/data, emptied at each start. Every other flag: docs/oss-sim.md.

OSS_EDGE_ROOT="${OSS_EDGE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

# Default port (SIM_PORT overrides).
DEV_SIM_PORT=9000

# The key URL of the local callback Worker's TRUSTED_KEYS entry (an identifier, never fetched).
DEV_SIM_PUB_KEY_URL="http://127.0.0.1:9000/oss-sim/callback_pub_key.pem"

dev_sim_binary() {
  echo "${CARGO_TARGET_DIR:-$OSS_EDGE_ROOT/target}/debug/oss-sim"
}

dev_sim_prepare() {
  (cd "$OSS_EDGE_ROOT" && PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" cargo build -q -p oss-edge-sim --bin oss-sim)
}

dev_sim_health_url() {
  echo "http://127.0.0.1:$1/oss-sim/health"
}

# The value of NAME in [env.local.vars] of crates/signer/wrangler.toml (a "double-quoted" value).
dev_sim_signer_local_var() {
  awk -v name="$1" '
    /^\[/ { in_vars = ($0 == "[env.local.vars]"); next }
    in_vars && $1 == name && $2 == "=" {
      value = substr($0, index($0, "\"") + 1); sub(/"[[:space:]]*$/, "", value); print value; exit
    }' "$OSS_EDGE_ROOT/crates/signer/wrangler.toml"
}

dev_sim_run() {
  local port="$1" state="$2" var signer_port origins
  # The signer's local configuration, unless the environment overrides it (for both).
  for var in OSS_BUCKET OSS_REGION OSS_ACCESS_KEY_ID OSS_ACCESS_KEY_SECRET; do
    if [ -z "${!var:-}" ]; then
      export "$var=$(dev_sim_signer_local_var "$var")"
    fi
    [ -n "${!var}" ] || { echo "dev-sim: $var is not set in crates/signer/wrangler.toml [env.local.vars]" >&2; return 1; }
  done
  signer_port="${OSS_EDGE_DEV_SIGNER_PORT:-8787}"
  origins="http://127.0.0.1:$signer_port,http://localhost:$signer_port,http://127.0.0.1:5173,http://localhost:5173"
  export OSS_SIM_CORS_ORIGINS="${OSS_SIM_CORS_ORIGINS:-$origins}"
  export OSS_SIM_PUB_KEY_URL="${OSS_SIM_PUB_KEY_URL:-$DEV_SIM_PUB_KEY_URL}"
  rm -rf "$state/data" && mkdir -p "$state/data" || return 1
  exec "$(dev_sim_binary)" --listen "127.0.0.1:$port" --data-dir "$state/data"
}
