#!/usr/bin/env bash
# Builds the signer Worker with worker-build (release, wasm-opt -Oz) into crates/signer/build.
# wrangler runs it as the [build] command of crates/signer/wrangler.toml; tests/signer-worker/run
# calls it first. Skips the build when nothing it reads changed, and points worker-build at the
# local helper binaries scripts/setup installs (TOOLCHAIN.md: it would otherwise download them).
#
#   crates/signer/build.sh [--force]
set -euo pipefail
CRATE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$CRATE/../.." && pwd)"
OUT="$CRATE/build"
STAMP="$OUT/.oss-edge-build.sha256"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

wbg="$(awk '$1 == "name" && $3 == "\"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock")"
if [ -z "${WASM_BINDGEN_BIN:-}" ] && command -v wasm-bindgen >/dev/null &&
   wasm-bindgen --version | grep -q " $wbg\$"; then
  export WASM_BINDGEN_BIN="$(command -v wasm-bindgen)"
fi
if [ -z "${ESBUILD_BIN:-}" ]; then
  ESBUILD_BIN="$(ls "$ROOT"/node_modules/@esbuild/*/bin/esbuild 2>/dev/null | head -n1 || true)"
  export ESBUILD_BIN
fi
[ -z "${WASM_OPT_BIN:-}" ] && export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
for var in WASM_BINDGEN_BIN ESBUILD_BIN WASM_OPT_BIN; do
  if [ ! -x "${!var:-/nonexistent}" ]; then
    echo "signer build: $var (${!var:-unset}) is missing; run scripts/setup (worker-build would try to download it)" >&2
    exit 1
  fi
done

hash_inputs() {
  cd "$ROOT"
  { find Cargo.toml Cargo.lock crates/core/Cargo.toml crates/core/src crates/signer/Cargo.toml \
      crates/signer/src -type f -print0 | sort -z | xargs -0 sha256sum
    printf '%s\n' "$WASM_BINDGEN_BIN" "$ESBUILD_BIN" "$WASM_OPT_BIN"; } | sha256sum | cut -d' ' -f1
}
want="$(hash_inputs)"
if [ "${1:-}" != --force ] && [ -f "$OUT/index.js" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  echo "signer build: up to date" >&2
  exit 0
fi
cd "$CRATE"
worker-build --release
echo "$want" >"$STAMP"
