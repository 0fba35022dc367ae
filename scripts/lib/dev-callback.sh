# shellcheck shell=bash
# The callback Worker as a scripts/dev service, together with the consumer and reconciler
# Workers: one `wrangler dev --env local` with the top-level wrangler.toml (the callback Worker,
# on PORT), crates/reconciler/wrangler.toml (reached through the callback Worker, which forwards
# /v1/reconcile and /__dev/reconciler/scheduled to it) and crates/consumer/wrangler.toml (the
# local Queues' consumer, storing events in a local D1 database). Local Queues deliver only
# inside one wrangler process, hence one service for all three. Source it; scripts/dev calls these functions for the service named
# `callback`.
#
#   dev_callback_prepare               build the three (scripts/lib/build-worker.sh; skipped when current)
#   dev_callback_run PORT STATE_DIR    apply the D1 migrations to STATE_DIR's local database,
#                                      then exec wrangler dev in the foreground of this process
#   dev_callback_health_url PORT       the URL scripts/dev polls until it answers
#
# State: STATE_DIR/wrangler (wrangler's --persist-to) holds the queues and the D1 database, so
# stored events outlive a restart; `rm -rf target/dev/<instance>/callback/wrangler` empties it.
#
# Configuration overrides: each variable below that is set in the environment of scripts/dev
# (even to an empty value) is passed to the callback Worker with `--var NAME:VALUE`, overriding
# [env.local.vars] in wrangler.toml; e.g. `REQUIRE_TICKET=false scripts/dev`. The reconciler's
# variables below (DEV_RECONCILER_VARS) override its crates/reconciler/wrangler.toml
# [env.local.vars] the same way, through the environment (its [env.local.secrets]). The
# consumer's local settings are in crates/consumer/wrangler.toml [env.local.vars].

OSS_EDGE_ROOT="${OSS_EDGE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=scripts/lib/dev-wrangler.sh
source "$OSS_EDGE_ROOT/scripts/lib/dev-wrangler.sh"

# Default port (CALLBACK_PORT overrides).
DEV_CALLBACK_PORT=8788

# The callback Worker's configuration variables (crates/callback/src/lib.rs, CONFIG_VARS, minus
# OSS_EDGE_ENV, which only [env.local] sets; then the local-only failure injection
# DEV_FAIL_QUEUE, crates/callback/src/dev.rs).
DEV_CALLBACK_VARS=(REQUIRE_TICKET TICKET_KEYS CONFIRM_OBJECTS BUCKETS CONFIRM_ACCESS_KEY_ID CONFIRM_ACCESS_KEY_SECRET CONFIRM_SECURITY_TOKEN TRUSTED_KEYS MAX_BODY_BYTES ALLOWED_PATH_PREFIXES REPLY_TEMPLATE CORS_ALLOWED_ORIGINS DEBUG DEV_FAIL_QUEUE)

# The reconciler's (crates/reconciler/src/lib.rs, CONFIG_VARS): read from the environment by
# wrangler itself, not passed with --var. BUCKETS is shared with the callback Worker.
DEV_RECONCILER_VARS=(BUCKETS RECONCILE_ACCESS_KEY_ID RECONCILE_ACCESS_KEY_SECRET RECONCILE_SECURITY_TOKEN RECONCILE_TOKEN RECONCILE_DAYS RECONCILE_MAX_SUBREQUESTS KEY_TEMPLATE)
DEV_RECONCILER_CONFIG=crates/reconciler/wrangler.toml

# The consumer's config and its local D1 database (crates/consumer/wrangler.toml).
DEV_CONSUMER_CONFIG=crates/consumer/wrangler.toml
DEV_CONSUMER_DB=oss-edge-events-local

dev_callback_prepare() {
  "$OSS_EDGE_ROOT/scripts/lib/build-worker.sh" callback &&
    "$OSS_EDGE_ROOT/scripts/lib/build-worker.sh" reconciler &&
    "$OSS_EDGE_ROOT/scripts/lib/build-worker.sh" consumer
}

dev_callback_health_url() {
  echo "http://127.0.0.1:$1/healthz"
}

# dev_consumer_d1 STATE_DIR ARGS...: `wrangler d1 ARGS` on the instance's local database.
dev_consumer_d1() {
  local state="$1"; shift
  ( cd "$OSS_EDGE_ROOT" && dev_wrangler_env &&
    wrangler d1 "$@" --local --env local -c "$DEV_CONSUMER_CONFIG" --persist-to "$state/wrangler" )
}

# BUCKETS for this instance, when the environment does not set it: the local bucket
# (OSS_BUCKET, else the signer's local one) at this instance's oss-sim port, so confirmation
# reaches the stand-in scripts/dev started next to it.
dev_callback_buckets() {
  local bucket="${OSS_BUCKET:-oss-edge-dev}" region="${OSS_REGION:-cn-hangzhou}"
  printf '[{"name":"%s","region":"%s","endpoint":"http://127.0.0.1:%s"}]' \
    "$bucket" "$region" "${OSS_EDGE_DEV_SIM_PORT:-9000}"
}

dev_callback_run() {
  if [ -z "${BUCKETS+set}" ]; then
    BUCKETS="$(dev_callback_buckets)"
    export BUCKETS
  fi
  dev_consumer_d1 "$2" migrations apply "$DEV_CONSUMER_DB" || {
    echo "dev-callback: applying the consumer's D1 migrations failed" >&2
    return 1
  }
  dev_wrangler_exec "$OSS_EDGE_ROOT" "$1" "$2" -c wrangler.toml -c "$DEV_RECONCILER_CONFIG" \
    -c "$DEV_CONSUMER_CONFIG" -- "${DEV_CALLBACK_VARS[@]}"
}
