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
# shellcheck source=scripts/lib/dev-wrangler.sh
source "$OSS_EDGE_ROOT/scripts/lib/dev-wrangler.sh"

# Default port (SIGNER_PORT overrides).
DEV_SIGNER_PORT=8787

# The Worker's variables (crates/signer/src/lib.rs, CONFIG_VARS). OSS_EDGE_ENV is among them so
# tests can start a production-mode signer (e.g. one that must refuse its configuration).
DEV_SIGNER_VARS=(OSS_EDGE_ENV OSS_BUCKET OSS_REGION OSS_ENDPOINT OSS_SIGNATURE_VERSION OSS_ACCESS_KEY_ID
  OSS_ACCESS_KEY_SECRET OSS_SESSION_TOKEN CALLBACK_URL TICKET_KEYS AUTH_MODE AUTH_BEARER_TOKENS
  JWT_HS256_SECRETS JWT_RS256_PUBLIC_KEYS JWT_ISSUER JWT_AUDIENCE JWT_LEEWAY_SECONDS
  MAX_UPLOAD_BYTES ALLOWED_CONTENT_TYPES GRANT_TTL_SECONDS GRANT_MAX_TTL_SECONDS KEY_TEMPLATE
  MULTIPART_PART_SIZE CORS_ALLOWED_ORIGINS JWT_MAX_LIFETIME_SECONDS UPLOAD_ALLOWANCE_SECONDS
  RECOVER_URL DEBUG)

dev_signer_prepare() {
  "$OSS_EDGE_ROOT/scripts/lib/build-worker.sh" signer
}

dev_signer_health_url() {
  echo "http://127.0.0.1:$1/healthz"
}

dev_signer_run() {
  dev_wrangler_exec "$OSS_EDGE_ROOT/crates/signer" "$1" "$2" "${DEV_SIGNER_VARS[@]}"
}
