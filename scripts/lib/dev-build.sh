#!/usr/bin/env bash
# Builds the callback Worker with worker-build (release, wasm-opt -Oz) into crates/callback/build,
# without the names section.
# wrangler runs it as the `[build]` command of wrangler.toml, for `wrangler dev` and
# `wrangler deploy` alike; scripts/dev and tests/callback-worker/run call it directly first.
#
# - Skips the build when nothing it reads changed (a stamp of the sources, Cargo.lock and the
#   helper binaries), so restarting `wrangler dev` or starting several instances costs ~1 s.
# - Points worker-build at local helper binaries when scripts/setup installed them
#   (TOOLCHAIN.md: otherwise it downloads them, which fails without internet access). Each
#   path is checked: worker-build silently falls back to downloading when one is missing.
#
#   scripts/lib/dev-build.sh           build if needed
#   scripts/lib/dev-build.sh --force   build even when the stamp matches
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CRATE="$ROOT/crates/callback"
OUT="$CRATE/build"
STAMP="$OUT/.oss-edge-build.sha256"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

force=0
[ "${1:-}" = --force ] && force=1

# The helper binaries, when installed locally.
wbg_version="$(awk '$1 == "name" && $3 == "\"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock")"
if [ -z "${WASM_BINDGEN_BIN:-}" ] && command -v wasm-bindgen >/dev/null &&
   wasm-bindgen --version | grep -q " $wbg_version\$"; then
  WASM_BINDGEN_BIN="$(command -v wasm-bindgen)"
fi
esbuild="$(ls "$ROOT"/node_modules/@esbuild/*/bin/esbuild 2>/dev/null | head -n1 || true)"
[ -z "${ESBUILD_BIN:-}" ] && [ -n "$esbuild" ] && ESBUILD_BIN="$esbuild"
[ -z "${WASM_OPT_BIN:-}" ] && [ -x "$ROOT/node_modules/.bin/wasm-opt" ] && WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
for var in WASM_BINDGEN_BIN ESBUILD_BIN WASM_OPT_BIN; do
  path="${!var:-}"
  if [ -z "$path" ]; then
    echo "dev-build: $var not set and no local binary found; worker-build will try to download it (run scripts/setup)" >&2
  elif [ ! -x "$path" ]; then
    echo "dev-build: $var=$path does not exist or is not executable (run scripts/setup)" >&2
    exit 1
  else
    export "$var=$path"
  fi
done
command -v worker-build >/dev/null || { echo "dev-build: worker-build not found (run scripts/setup)" >&2; exit 1; }

inputs_hash() {
  {
    cd "$ROOT"
    find Cargo.toml Cargo.lock crates/core/Cargo.toml crates/core/src crates/core/schema \
      crates/callback/Cargo.toml crates/callback/src -type f -print0 2>/dev/null |
      sort -z | xargs -0 sha256sum
    printf '%s\n' "${WASM_BINDGEN_BIN:-}" "${ESBUILD_BIN:-}" "${WASM_OPT_BIN:-}"
    worker-build --version
  } | sha256sum | cut -d' ' -f1
}

want="$(inputs_hash)"
if [ "$force" = 0 ] && [ -f "$OUT/index.js" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  echo "dev-build: crates/callback/build is up to date" >&2
  exit 0
fi
cd "$CRATE"
worker-build --release
# worker-build runs wasm-opt with --debuginfo, which keeps the function-names section (~100 KB,
# ~28 KB gzip, whenever the release profile does not strip symbols). Workers only need names
# for stack traces; drop them.
if [ -n "${WASM_OPT_BIN:-}" ]; then
  "$WASM_OPT_BIN" --strip-debug --enable-mutable-globals --enable-sign-ext \
    --enable-nontrapping-float-to-int --enable-bulk-memory --enable-multivalue \
    --enable-reference-types --enable-exception-handling \
    "$OUT/index_bg.wasm" -o "$OUT/index_bg.wasm"
fi
echo "$want" >"$STAMP"
