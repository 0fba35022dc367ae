#!/usr/bin/env bash
# Builds the callback Worker a second time for the profile only (scripts/bench.d/profile.mjs):
# the same sources, profile and worker-build pipeline as scripts/lib/build-worker.sh, but with
# the function-names section kept (CARGO_PROFILE_RELEASE_STRIP=false; no --strip-debug) and the
# JavaScript glue unminified (NO_MINIFY), so a V8 CPU profile names every Rust and glue
# function. Stripping names changes no code, so where this build spends its time is where the
# deployed one does. Output: target/bench/callback-names/ (own target dir: the deployed build's
# cache stays valid).
#
#   scripts/bench.d/build-profiling.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
OUT="$ROOT/target/bench/callback-names"
WASM_BINDGEN_BIN="$(command -v wasm-bindgen)"
ESBUILD_BIN="$(ls "$ROOT"/node_modules/@esbuild/*/bin/esbuild | head -n1)"
WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export WASM_BINDGEN_BIN ESBUILD_BIN WASM_OPT_BIN
export CARGO_PROFILE_RELEASE_STRIP=false CARGO_TARGET_DIR="$ROOT/target/bench/names-target" NO_MINIFY=1
cd "$ROOT/crates/callback"
worker-build --release --out-dir "$OUT" >&2
echo "$OUT/index.js"
