# Shared helpers for scripts/*. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT
# Where cargo installs tools: the setup checks for its tools *there*, so a fresh CARGO_HOME
# installs them again instead of finding another cargo home's copies on PATH.
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export CARGO_BIN
export PATH="$CARGO_BIN:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The exact version of a package recorded in Cargo.lock.
lock_version() {
  awk -v name="$1" '$1 == "name" && $3 == "\"" name "\"" { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock"
}

# Run as root, or through sudo when available.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}

# Install Debian packages that are not installed yet.
apt_ensure() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# cargo install NAME at exactly VERSION unless BIN already reports it. Extra args follow.
cargo_install_exact() {
  local name="$1" version="$2" bin="$3"; shift 3
  if [ -x "$CARGO_BIN/$bin" ] && "$CARGO_BIN/$bin" --version 2>/dev/null | grep -q " $version\b"; then
    return 0
  fi
  say "cargo install $name $version (one-time, several minutes)"
  cargo install "$name" --version "$version" "$@"
}

# Every Worker configuration variable scripts/dev passes on from its environment (signer,
# callback and reconciler: scripts/lib/dev-*.sh), one per line. Test runners unset them so
# none of a developer's overrides reach their instance.
dev_config_vars() {
  (
    source "$ROOT/scripts/lib/dev-signer.sh"
    source "$ROOT/scripts/lib/dev-callback.sh"
    printf '%s\n' "${DEV_SIGNER_VARS[@]}" "${DEV_CALLBACK_VARS[@]}" "${DEV_RECONCILER_VARS[@]}"
  )
}
