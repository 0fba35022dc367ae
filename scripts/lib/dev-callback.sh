# shellcheck shell=bash
# The callback Worker as a scripts/dev service: `wrangler dev --env local` on the top-level
# wrangler.toml, with its local Queue and the development consumer. Source it; scripts/dev
# calls these functions for the service named `callback`.
#
#   dev_callback_prepare               build once (scripts/lib/build-worker.sh callback; skipped when current)
#   dev_callback_run PORT STATE_DIR    exec wrangler dev in the foreground of this process
#   dev_callback_health_url PORT       the URL scripts/dev polls until it answers
#
# Configuration overrides: each variable below that is set in the environment of scripts/dev
# (even to an empty value) is passed to the Worker with `--var NAME:VALUE`, overriding
# [env.local.vars] in wrangler.toml; e.g. `REQUIRE_TICKET=false scripts/dev`.

OSS_EDGE_ROOT="${OSS_EDGE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=scripts/lib/dev-wrangler.sh
source "$OSS_EDGE_ROOT/scripts/lib/dev-wrangler.sh"

# Default port (CALLBACK_PORT overrides).
DEV_CALLBACK_PORT=8788

# The Worker's configuration variables (crates/callback/src/lib.rs, CONFIG_VARS, minus
# OSS_EDGE_ENV, which only [env.local] sets).
DEV_CALLBACK_VARS=(REQUIRE_TICKET TICKET_KEYS TRUSTED_KEYS MAX_BODY_BYTES ALLOWED_PATH_PREFIXES REPLY_TEMPLATE DEBUG)

dev_callback_prepare() {
  "$OSS_EDGE_ROOT/scripts/lib/build-worker.sh" callback
}

dev_callback_health_url() {
  echo "http://127.0.0.1:$1/healthz"
}

dev_callback_run() {
  dev_wrangler_exec "$OSS_EDGE_ROOT" "$1" "$2" "${DEV_CALLBACK_VARS[@]}"
}
