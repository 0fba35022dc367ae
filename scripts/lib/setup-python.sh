# shellcheck shell=bash
# Sourceable helpers that install the official OSS SDKs the differential suite uses as oracles
# (spec §8): PyPI `oss2` + `alibabacloud-oss-v2` into a project-local venv, npm `ali-oss` into
# tests/differential/node_modules. Both are pinned by committed files and are idempotent: a
# second call only compares a stamp and returns, so `scripts/test` can call them every run.
#
#   source scripts/lib/setup-python.sh
#   oss_edge_setup_differential_deps          # both
#   oss_edge_setup_python_venv                # just the venv; prints nothing when up to date
#
# Only the package registries are reachable from our machines, so everything comes from there.

# Repository root, derived from this file's location so callers may source it from anywhere.
OSS_EDGE_ROOT="${OSS_EDGE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
OSS_EDGE_VENV="${OSS_EDGE_VENV:-$OSS_EDGE_ROOT/.venv}"
OSS_EDGE_DIFF_DIR="$OSS_EDGE_ROOT/tests/differential"

# Hash of a file, used as the "installed from this exact spec" stamp.
_oss_edge_hash() {
    sha256sum "$@" | sha256sum | cut -d' ' -f1
}

# Creates (or refreshes) $OSS_EDGE_VENV from tests/differential/requirements.txt.
# Re-installs only when requirements.txt changed since the last successful install.
oss_edge_setup_python_venv() {
    local requirements="$OSS_EDGE_DIFF_DIR/requirements.txt"
    local stamp="$OSS_EDGE_VENV/.oss-edge-requirements.sha256"
    local want
    want="$(_oss_edge_hash "$requirements")" || return 1
    if [[ -x "$OSS_EDGE_VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    local python="${PYTHON:-python3}"
    if ! command -v "$python" >/dev/null 2>&1; then
        echo "setup-python: $python not found; install Python 3.9+ (Debian: apt-get install python3-venv)" >&2
        return 1
    fi
    echo "setup-python: installing pinned SDKs into $OSS_EDGE_VENV" >&2
    if [[ ! -x "$OSS_EDGE_VENV/bin/python" ]]; then
        "$python" -m venv "$OSS_EDGE_VENV" || {
            echo "setup-python: could not create a venv (Debian: apt-get install python3-venv)" >&2
            return 1
        }
    fi
    "$OSS_EDGE_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --requirement "$requirements" || return 1
    echo "$want" >"$stamp"
}

# Installs ali-oss from the committed package-lock.json with `npm ci`.
# Skipped when node_modules already matches the lock file.
oss_edge_setup_node_modules() {
    local lock="$OSS_EDGE_DIFF_DIR/package-lock.json"
    local stamp="$OSS_EDGE_DIFF_DIR/node_modules/.oss-edge-lock.sha256"
    local want
    want="$(_oss_edge_hash "$OSS_EDGE_DIFF_DIR/package.json" "$lock")" || return 1
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "setup-python: npm not found; install Node.js 18+ with npm" >&2
        return 1
    fi
    echo "setup-python: installing ali-oss into $OSS_EDGE_DIFF_DIR/node_modules" >&2
    # --ignore-scripts: the oracle is plain JavaScript; no install script needs to run.
    (cd "$OSS_EDGE_DIFF_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
        return 1
    echo "$want" >"$stamp"
}

# Everything the differential suite needs.
oss_edge_setup_differential_deps() {
    oss_edge_setup_python_venv && oss_edge_setup_node_modules
}
