#!/usr/bin/env bash
# Builds one Worker crate with worker-build (release, wasm-opt -Oz) into crates/NAME/build,
# without the names section. wrangler runs it as the `[build]` command of the Worker's
# wrangler.toml, for `wrangler dev` and `wrangler deploy` alike; scripts/dev, the end-to-end
# test runners and scripts/bench call it directly first.
#
#   scripts/lib/build-worker.sh NAME           build crates/NAME if anything it reads changed
#   scripts/lib/build-worker.sh NAME --force   build even when nothing changed
#
# - Skips the build when nothing it reads changed (a stamp of the sources, Cargo.lock, the
#   helper binaries, the Rust toolchain and the flags and cargo settings it builds with), so
#   restarting `wrangler dev` or starting several instances costs ~1 s, while a new toolchain,
#   RUSTFLAGS or profile override rebuilds.
# - Points worker-build at the local helper binaries scripts/setup installs (TOOLCHAIN.md:
#   otherwise it downloads them, which fails without internet access), checking each path:
#   worker-build silently falls back to downloading when one is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
name="${1:?usage: build-worker.sh NAME [--force]}"
CRATE="$ROOT/crates/$name"
OUT="$CRATE/build"
STAMP="$OUT/.oss-edge-build.sha256"
[ -f "$CRATE/Cargo.toml" ] || { echo "build-worker: no crate at crates/$name" >&2; exit 1; }
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$ROOT/node_modules/.bin:$CARGO_BIN:$PATH"

wbg_version="$(awk '$1 == "name" && $3 == "\"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock")"
if [ -z "${WASM_BINDGEN_BIN:-}" ] && [ -x "$CARGO_BIN/wasm-bindgen" ] &&
   "$CARGO_BIN/wasm-bindgen" --version | grep -q " $wbg_version\$"; then
  WASM_BINDGEN_BIN="$CARGO_BIN/wasm-bindgen"
fi
[ -z "${ESBUILD_BIN:-}" ] && ESBUILD_BIN="$(ls "$ROOT"/node_modules/@esbuild/*/bin/esbuild 2>/dev/null | head -n1 || true)"
[ -z "${WASM_OPT_BIN:-}" ] && WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
for var in WASM_BINDGEN_BIN ESBUILD_BIN WASM_OPT_BIN; do
  if [ ! -x "${!var:-/nonexistent}" ]; then
    echo "build-worker: $var (${!var:-unset}) is missing; run scripts/setup (worker-build would try to download it)" >&2
    exit 1
  fi
  export "${var?}"
done
command -v worker-build >/dev/null || { echo "build-worker: worker-build not found (run scripts/setup)" >&2; exit 1; }

# Everything the build output depends on besides the sources: the compiler (version, commit,
# host) and which toolchain rustup picks here (a rust-toolchain file or RUSTUP_TOOLCHAIN can
# change it), cargo's configuration files, and the environment that changes code generation
# (RUSTFLAGS and friends, CARGO_PROFILE_* overrides, CARGO_BUILD_*, the target directory).
toolchain_fingerprint() {
  cd "$CRATE"
  rustc -vV
  cargo -V
  # The toolchain's name only: the reason rustup gives ("default", "overridden by ...") varies
  # with how this script was started, the toolchain does not.
  if command -v rustup >/dev/null; then rustup show active-toolchain 2>/dev/null | cut -d' ' -f1 || true; fi
  find "$ROOT/.cargo" "$ROOT/rust-toolchain" "$ROOT/rust-toolchain.toml" \
    "$CRATE/.cargo" "$CRATE/rust-toolchain" "$CRATE/rust-toolchain.toml" \
    -maxdepth 1 -type f -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum || true
  env | LC_ALL=C grep -E '^(RUSTFLAGS|CARGO_ENCODED_RUSTFLAGS|RUSTC|RUSTC_WRAPPER|RUSTC_WORKSPACE_WRAPPER|RUSTUP_TOOLCHAIN|CARGO_TARGET_DIR|CARGO_PROFILE_[A-Z0-9_]+|CARGO_BUILD_[A-Z0-9_]+|CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_[A-Z0-9_]+)=' |
    LC_ALL=C sort || true
}

inputs_hash() {
  {
    cd "$ROOT"
    find Cargo.toml Cargo.lock crates/core/Cargo.toml crates/core/src crates/core/schema \
      crates/worker-support/Cargo.toml crates/worker-support/src \
      "crates/$name/Cargo.toml" "crates/$name/src" -type f -print0 2>/dev/null |
      sort -z | xargs -0 sha256sum
    printf '%s\n' "$WASM_BINDGEN_BIN" "$ESBUILD_BIN" "$WASM_OPT_BIN"
    worker-build --version
    toolchain_fingerprint
  } | sha256sum | cut -d' ' -f1
}

want="$(inputs_hash)"
if [ "${2:-}" != --force ] && [ -f "$OUT/index.js" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  echo "build-worker: crates/$name/build is up to date" >&2
  exit 0
fi
cd "$CRATE"
worker-build --release
# worker-build runs wasm-opt with --debuginfo, which keeps the function-names section (~100 KB,
# ~28 KB gzip, whenever the release profile does not strip symbols). Workers only need names
# for stack traces; drop them.
"$WASM_OPT_BIN" --strip-debug --enable-mutable-globals --enable-sign-ext \
  --enable-nontrapping-float-to-int --enable-bulk-memory --enable-multivalue \
  --enable-reference-types --enable-exception-handling \
  "$OUT/index_bg.wasm" -o "$OUT/index_bg.wasm"
echo "$want" >"$STAMP"
